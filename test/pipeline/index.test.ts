import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPipeline, type PipelineContext, type PipelineItem } from '../../src/pipeline/index.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS } from '../../src/message.ts';
import { registrySnapshot } from '../../src/pipeline/tenant.ts';

const context: PipelineContext = {
  expectedHash: DEFAULT_CONSTITUTIONAL_HASH,
  registry: registrySnapshot(1, [['a', 'tenant-a', 'agent', []], ['b', 'tenant-a', 'agent', []]]),
  limits: DEFAULT_LIMITS,
  now: 1000,
};

function item(overrides: Partial<PipelineItem['message']> = {}, payloadBytes = 10): PipelineItem {
  return {
    message: { id: '1', from: 'a', to: 'b', type: 'event', tenantId: 'tenant-a', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, metadata: {}, createdAt: 0, ...overrides },
    payloadBytes,
    depth: 1,
    payload: () => ({ x: 1 }),
  };
}

test('stages run in order and the first rejection wins', () => {
  const pipeline = createPipeline();
  assert.equal(pipeline(item(), context).rejection, null);
  // Both the hash and the tenant are wrong: the constitutional stage runs first.
  assert.equal(pipeline(item({ constitutionalHash: 'x', tenantId: 'zzz' }), context).rejection?.code, 'E_HASH_MISMATCH');
  assert.equal(pipeline(item({ tenantId: 'tenant-b' }), context).rejection?.code, 'E_TENANT');
  assert.equal(pipeline(item({}, 70_000), context).rejection?.code, 'E_PAYLOAD_TOO_LARGE');
  assert.equal(pipeline(item({ expiresAt: 999 }), context).rejection?.code, 'E_EXPIRED');
});

test('extra stages run after the built-in ones, and a stage that throws fails closed', () => {
  const seen: string[] = [];
  const pipeline = createPipeline({
    extra: [
      (i) => {
        seen.push(i.message.id);
        if (i.message.type === 'command') throw new Error('boom');
        return null;
      },
    ],
  });
  assert.equal(pipeline(item({ constitutionalHash: 'bad' }), context).rejection?.code, 'E_HASH_MISMATCH');
  assert.deepEqual(seen, [], 'a rejected message never reaches later stages');
  const thrown = pipeline(item({ type: 'command' }), context).rejection;
  assert.equal(thrown?.code, 'E_INTERNAL');
  assert.match(thrown!.reasons[0]!, /boom/);
});

test('impact is scored only for messages every stage passed', () => {
  let scored = 0;
  const pipeline = createPipeline({ impact: () => { scored++; return 0.9; } });
  assert.equal(pipeline(item(), context).impact, 0.9);
  assert.equal(pipeline(item({ tenantId: 'nope' }), context).impact, 0);
  assert.equal(scored, 1);
});
