import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEAD, isAsciiLetter, LetterTrie, ROOT } from '../../src/pipeline/letter-trie.ts';

/** Walks `text` through the table as the scanners do: the low five bits of each letter, either case. */
function walk(table: Int32Array, text: string): number {
  let state = ROOT;
  for (let i = 0; i < text.length && state !== DEAD; i++) state = table[(state << 5) | (text.charCodeAt(i) & 31)] as number;
  return state;
}

describe('LetterTrie', () => {
  it('ends a word in one state, whatever the case it is read in, and other words elsewhere', () => {
    const trie = new LetterTrie();
    const token = trie.insert('token');
    const tok = trie.insert('tok');
    const table = trie.table();
    assert.equal(walk(table, 'token'), token);
    assert.equal(walk(table, 'ToKeN'), token);
    assert.equal(walk(table, 'tok'), tok);
    assert.notEqual(tok, token);
    assert.equal(walk(table, 'tokens'), DEAD, 'a longer word falls off the trie');
    assert.equal(walk(table, 'x'), DEAD);
    assert.equal(trie.insert('token'), token, 'inserting again finds the same state');
  });

  it('refuses words that are not lower-case ASCII letters, and the empty word ends at the root', () => {
    const trie = new LetterTrie();
    assert.equal(trie.insert('Token'), -1);
    assert.equal(trie.insert('rm-rf'), -1);
    assert.equal(trie.insert('caf\u00e9'), -1);
    assert.equal(trie.insert(''), ROOT);
  });

  it('grows past its first table', () => {
    const trie = new LetterTrie();
    const words = Array.from({ length: 200 }, (_, i) => `w${i.toString(26).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}xyz`);
    const states = words.map((w) => trie.insert(w));
    const table = trie.table();
    words.forEach((w, i) => assert.equal(walk(table, w), states[i]));
    assert.ok(trie.stateCount > 16);
  });

  it('knows ASCII letters', () => {
    assert.deepEqual(['a', 'Z', 'm', '@', '[', '`', '{', '1', '\u0161'].map((c) => isAsciiLetter(c.charCodeAt(0))), [true, true, true, false, false, false, false, false, false]);
  });
});
