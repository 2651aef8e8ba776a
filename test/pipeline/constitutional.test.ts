import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConstitutionalHash, constantTimeEquals } from '../../src/pipeline/constitutional.ts';
import { DEFAULT_CONSTITUTIONAL_HASH } from '../../src/model/message.ts';

const HASH = DEFAULT_CONSTITUTIONAL_HASH;

test('the exact hash passes', () => {
  assert.equal(checkConstitutionalHash(HASH, HASH), null);
});

const corrupted: [string, string][] = [
  ['upper case', HASH.toUpperCase()],
  ['one letter upper case', 'C' + HASH.slice(1)],
  ['leading space', ' ' + HASH],
  ['trailing newline', HASH + '\n'],
  ['inner tab', HASH.slice(0, 8) + '\t' + HASH.slice(8)],
  ['Cyrillic look-alike с for c', '\u0441' + HASH.slice(1)],
  ['fullwidth digit', HASH.slice(0, 3) + '\uff10' + HASH.slice(4)],
  ['NUL byte appended', HASH + '\u0000'],
  ['NUL byte replacing a character', HASH.slice(0, 5) + '\u0000' + HASH.slice(6)],
  ['truncated by one', HASH.slice(0, -1)],
  ['prefix only', HASH.slice(0, 8)],
  ['extended', HASH + '0'],
  ['doubled', HASH + HASH],
  ['empty', ''],
  ['bit flip in last character', HASH.slice(0, -1) + String.fromCharCode(HASH.charCodeAt(HASH.length - 1) ^ 1)],
  ['zero-width space inside', HASH.slice(0, 4) + '\u200b' + HASH.slice(4)],
  ['combining mark', HASH + '\u0301'],
];

for (const [name, value] of corrupted) {
  test(`a corrupted hash is rejected with E_HASH_MISMATCH: ${name}`, () => {
    const rejection = checkConstitutionalHash(value, HASH);
    assert.ok(rejection);
    assert.equal(rejection.code, 'E_HASH_MISMATCH');
    assert.match(rejection.reasons[0]!, /constitutional hash mismatch/);
  });
}

test('constantTimeEquals agrees with === on random strings', () => {
  const samples = ['', 'a', 'ab', 'ba', HASH, HASH.slice(1), 'ü', 'u\u0308'];
  for (const a of samples) for (const b of samples) assert.equal(constantTimeEquals(a, b), a === b, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test('the rejection shows at most a prefix of what was sent', () => {
  const rejection = checkConstitutionalHash('0123456789abcdef-secret-suffix', HASH)!;
  assert.doesNotMatch(rejection.reasons[0]!, /secret/);
});
