import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOutcomes, encodeOutcome, encodeOutcomes, fieldsOf } from '../../../src/delivery/redis/envelope.ts';

test('several outcomes travel in one reply entry and come back in order; the one-outcome form still decodes', () => {
  const outcomes = [
    { id: 'm1', outcome: { ok: true as const } },
    { id: 'm2', outcome: { ok: false as const, code: 'E_HANDLER', reason: 'boom' } },
  ];
  assert.deepEqual(decodeOutcomes(fieldsOf(encodeOutcomes(outcomes))), outcomes);
  assert.deepEqual(decodeOutcomes(fieldsOf(encodeOutcome('m3', { ok: false, code: 'E_POISON_MESSAGE', reason: 'dead' }))), [
    { id: 'm3', outcome: { ok: false, code: 'E_POISON_MESSAGE', reason: 'dead' } },
  ]);
});

test('a reply entry that is not one decodes to no outcome, never a throw', () => {
  for (const flat of [['o', '{not json'], ['o', '{"a":1}'], ['o', '[[1,1],["x"]]'], ['x', 'y'], []]) {
    const decoded = decodeOutcomes(fieldsOf(flat));
    assert.ok(Array.isArray(decoded));
    assert.ok(decoded.every((d) => typeof d.id === 'string'));
  }
  assert.deepEqual(decodeOutcomes(fieldsOf(['o', '[[1,1],["x"]]'])), [{ id: 'x', outcome: { ok: false, code: 'E_INTERNAL', reason: 'no reason given' } }]);
});
