import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { KeywordScanner } from '../../src/pipeline/keyword-scanner.ts';

function scanner(words: string[], pairs: [string, string][] = []): KeywordScanner {
  return new KeywordScanner(
    words.map((word, id) => ({ word, id })),
    pairs.map(([first, second], k) => ({ first, second, id: words.length + k })),
  );
}

const keywords = scanner(['token', 'secret', 'root'], [['private', 'key'], ['drop', 'table']]);

describe('KeywordScanner', () => {
  const count = (payload: Parameters<KeywordScanner['count']>[0], chars = 4096, nodes = 512) => keywords.count(payload, chars, nodes);

  it('counts distinct whole words, without case, in keys and string values', () => {
    assert.equal(count('a Token here'), 1);
    assert.equal(count('tokens, tokenize, atoken'), 0, 'only whole words');
    assert.equal(count({ api_token: 'the ROOT of it' }), 2);
    assert.equal(count({ note: 'token token TOKEN' }), 1, 'repeats count once');
    assert.equal(count(['x', ['secret'], { k: 'root' }, 'token']), 3);
  });

  it('matches a two-word keyword across any non-letters, in one string only', () => {
    assert.equal(count('my private  key'), 1);
    assert.equal(count('private-123-key'), 1);
    assert.equal(count('privatekey'), 0);
    assert.equal(count('private keys'), 0);
    assert.equal(count('private other key'), 0);
    assert.equal(count({ private: 'key' }), 0, 'a key and its value are separate strings');
    assert.equal(count('DROP TABLE users; private key'), 2);
  });

  it('treats non-ASCII characters as separators, including those whose low byte is a letter', () => {
    // U+0161 has the low byte of "a", U+0174 that of "t": the filter reads low bytes, the check reads the string.
    assert.equal(count('\u0161token\u0161'), 1);
    assert.equal(count('\u0174oken'), 0);
    assert.equal(count('tok\u0165n'), 0);
    assert.equal(count('\u{1F600}secret\u{1F600}'), 1);
  });

  it('finds a keyword at every alignment and at the very end of a long string', () => {
    for (let pad = 0; pad < 8; pad++) {
      assert.equal(count(`${' '.repeat(pad)}root`), 1, `pad ${pad}`);
      assert.equal(count(`${'x '.repeat(40)}${' '.repeat(pad)}root`), 1, `long, pad ${pad}`);
    }
  });

  it('reads no further than the character and node budgets, a word cut by the budget as cut', () => {
    const late = `${'lorem '.repeat(2000)}token`;
    assert.equal(count(late), 0);
    assert.equal(count(late, Infinity), 1, 'beyond the first copy buffer');
    assert.equal(count('tokenize', 5), 1, 'the budget cuts "tokenize" to "token"');
    // An array's elements are stacked last to first, as many as nodes remain: the last ones are those kept.
    assert.equal(count(['token', 'b', 'c'], 4096, 3), 0, 'the array and two elements use the three nodes');
    assert.equal(count(['a', 'b', 'token'], 4096, 3), 1);
  });

  it('stops counting at three', () => {
    assert.equal(count('token secret root private key drop table'), 3);
  });

  it('does not count another scanner\'s keywords (they share a filter table)', () => {
    const other = scanner(['breach']);
    assert.equal(other.count('token secret breach', 4096, 512), 1);
    assert.equal(count('breach'), 0);
  });
});

describe('the filter table the scanners share', () => {
  it('stays exact for every scanner when one with one-letter keywords marks most of it', () => {
    const before = scanner(['token'], [['private', 'key']]);
    const wide = Array.from({ length: 3 }, (_, k) => scanner([String.fromCharCode(97 + k), 'zz']));
    assert.equal(before.count('the token and a private key', 4096, 512), 2);
    wide.forEach((s, k) => assert.equal(s.count(`x ${String.fromCharCode(97 + k)} zz`, 4096, 512), 2));
  });

  it('after many scanners were made and dropped, rebuilds it with the live ones\' keywords', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const letters = (n: number) => Array.from({ length: 3 }, (_, k) => String.fromCharCode(97 + (Math.floor(n / 26 ** k) % 26))).join('');
    const live = scanner(['secret']);
    // Dropped scanners with distinct words, enough to fill the table past its rebuild point.
    for (let i = 0; i < 600; i++) scanner([`q${letters(2 * i)}`, `z${letters(2 * i + 1)}`]);
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets live until the job that made them ends
    gc();
    // Enough new scanners to reach the next point where the list is pruned and the table rebuilt.
    const fresh = Array.from({ length: 1200 }, (_, i) => scanner([`x${letters(i)}`]));
    assert.equal(live.count('a secret', 4096, 512), 1);
    assert.equal(keywords.count('a token', 4096, 512), 1);
    assert.equal(fresh[0]!.count(`a x${letters(0)}`, 4096, 512), 1);
    assert.equal(fresh[1199]!.count(`a x${letters(1199)}`, 4096, 512), 1);
  });
});
