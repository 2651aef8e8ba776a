import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  codeToWire, readVerdicts, VerdictWriter, wireToCode, type Verdict,
} from '../../../src/dispatch/wire/codec.ts';
import { PayloadCodec } from '../../../src/intake/payload-codec.ts';
import { ErrorCode } from '../../../src/errors.ts';
import type { JsonValue } from '../../../src/model/message.ts';

const json = fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
/** Payloads intake accepts (it refuses `__proto__` keys, which fast-check likes to generate). */
const acceptablePayload = json.filter((v) => !JSON.stringify(v).includes('"__proto__"'));

test('payloads intake accepts round-trip through msgpack unchanged (property)', () => {
  const codec = new PayloadCodec();
  fc.assert(
    fc.property(acceptablePayload, (value) => {
      assert.deepEqual(codec.decode(codec.encode(value)), value);
    }),
    { numRuns: 300 },
  );
});

test('verdicts round-trip through the binary layout, reasons included', () => {
  const writer = new VerdictWriter();
  const expected: Verdict[] = [
    { slot: 1, generation: 7, code: null, reasons: [], impact: 0.25, queuedUs: 12.5, pipelineUs: 1.5 },
    { slot: 65535, generation: 2 ** 32 - 1, code: ErrorCode.POLICY_DENIED, reasons: ['no permission', 'wrong tenant ✓'], impact: 0, queuedUs: 3, pipelineUs: 4 },
    { slot: 3, generation: 0, code: ErrorCode.TENANT, reasons: ['x'], impact: 1, queuedUs: 0, pipelineUs: 0 },
  ];
  for (const v of expected) writer.add(v.slot, v.generation, v.code, v.reasons, v.impact, v.queuedUs, v.pipelineUs);
  const record = writer.finish();
  const shared = new Uint8Array(new SharedArrayBuffer(record.length + 16));
  shared.set(record, 16);
  const got: Verdict[] = [];
  // The reader reuses one object for every verdict: copy what the callback sees.
  readVerdicts(shared, 16, record.length, (v) => got.push({ ...v, reasons: [...v.reasons] }));
  assert.deepEqual(got, expected);
});

test('every error code has a distinct wire value and maps back', () => {
  const seen = new Set<number>();
  for (const code of Object.values(ErrorCode)) {
    const wire = codeToWire(code);
    assert.ok(wire > 0);
    assert.ok(!seen.has(wire), `${code} shares a wire value`);
    seen.add(wire);
    assert.equal(wireToCode(wire), code);
  }
  assert.equal(codeToWire(null), 0);
  assert.equal(wireToCode(0), null);
});
