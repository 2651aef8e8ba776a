import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StringTable } from '../../../src/dispatch/wire/string-table.ts';

test('decodes exactly what Buffer decodes, whatever was decoded before (property)', () => {
  const table = new StringTable();
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom('agent-1', 'agent-2', 'tenant-a', 'cdd01ef066bc6cf2', ''), fc.string({ unit: 'binary', maxLength: 90 }).filter((s) => s.isWellFormed())), { maxLength: 50 }), (texts) => {
      const bytes = Buffer.from(texts.join(''));
      let at = 0;
      for (const text of texts) {
        const length = Buffer.byteLength(text);
        assert.equal(table.decode(bytes, at, at + length), text);
        at += length;
      }
    }),
    { numRuns: 300 },
  );
});

test('a repeated short ASCII string comes back as the same object; entries that collide replace each other', () => {
  const table = new StringTable();
  const bytes = Buffer.from('planner|planner');
  const first = table.decode(bytes, 0, 7);
  const again = table.decode(bytes, 8, 15);
  assert.equal(first, 'planner');
  assert.ok(Object.is(first, again));
  // 10,000 distinct ids through 4,096 slots: every answer is still right.
  for (let i = 0; i < 10_000; i++) {
    const id = Buffer.from(`agent-${i}`);
    assert.equal(table.decode(id, 0, id.length), `agent-${i}`);
  }
  assert.equal(table.decode(bytes, 0, 7), 'planner');
});
