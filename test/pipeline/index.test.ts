import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPipeline, type Pipeline, type PipelineContext, type PipelineItem, type PipelineResult } from '../../src/pipeline/index.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS } from '../../src/model/message.ts';
import { registrySnapshot } from '../../src/model/registry-snapshot.ts';

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
  assert.equal(pipeline.judge(item(), context).rejection, null);
  // Both the hash and the tenant are wrong: the constitutional stage runs first.
  assert.equal(pipeline.judge(item({ constitutionalHash: 'x', tenantId: 'zzz' }), context).rejection?.code, 'E_HASH_MISMATCH');
  assert.equal(pipeline.judge(item({ tenantId: 'tenant-b' }), context).rejection?.code, 'E_TENANT');
  assert.equal(pipeline.judge(item({}, 70_000), context).rejection?.code, 'E_PAYLOAD_TOO_LARGE');
  assert.equal(pipeline.judge(item({ expiresAt: 999 }), context).rejection?.code, 'E_EXPIRED');
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
  assert.equal(pipeline.judge(item({ constitutionalHash: 'bad' }), context).rejection?.code, 'E_HASH_MISMATCH');
  assert.deepEqual(seen, [], 'a rejected message never reaches later stages');
  const thrown = pipeline.judge(item({ type: 'command' }), context).rejection;
  assert.equal(thrown?.code, 'E_INTERNAL');
  assert.match(thrown!.reasons[0]!, /boom/);
});

test('impact is scored only for messages every stage passed', () => {
  let scored = 0;
  const pipeline = createPipeline({ impact: () => { scored++; return 0.9; } });
  assert.equal(pipeline.judge(item(), context).impact, 0.9);
  assert.equal(pipeline.judge(item({ tenantId: 'nope' }), context).impact, 0);
  assert.equal(scored, 1);
});

test('prepare hands a batch stage only the messages every earlier stage passes; verdicts match judging alone', () => {
  const prepared: string[][] = [];
  let judgedAlone = 0;
  const deny = (i: PipelineItem) => (i.message.type !== 'command' ? null : { code: 'E_POLICY_DENIED' as const, reasons: ['no commands'] });
  const policy = Object.assign(
    (i: PipelineItem) => { judgedAlone++; return deny(i); },
    {
      prepare: (items: readonly PipelineItem[]) => {
        prepared.push(items.map((i) => i.message.id));
        return items.map(deny);
      },
    },
  );
  const batched = createPipeline({ policy });
  const alone = createPipeline({ policy: deny });
  const items = [
    item({ id: '1' }), item({ id: '2', constitutionalHash: 'bad' }), item({ id: '3', type: 'command' }),
    item({ id: '4', tenantId: 'tenant-b' }), item({ id: '5' }, 70_000), item({ id: '6' }),
  ];
  const codes = judgeAll(batched, items).map((r) => r.rejection?.code ?? null);
  assert.deepEqual(prepared, [['1', '3', '6']], 'rejected by the hash, tenant or limits stage: never prepared');
  assert.equal(judgedAlone, 0, 'prepared messages are answered from what prepare returned');
  assert.deepEqual(codes, items.map((i) => alone.judge(i, context).rejection?.code ?? null));
  assert.deepEqual(codes, [null, 'E_HASH_MISMATCH', 'E_POLICY_DENIED', 'E_TENANT', 'E_PAYLOAD_TOO_LARGE', null]);
  // The batch's observer hears every message once, in order, after the shared work.
  const events: string[] = [];
  batched.judgeBatch(items, context, { preparing: () => events.push('prepare'), judging: (i) => events.push(`judge ${i}`), judged: (i) => events.push(`done ${i}`) });
  assert.deepEqual(events, ['prepare', ...items.flatMap((_, i) => [`judge ${i}`, `done ${i}`])]);
});

test('a prepare that throws prepares nothing: each message is judged alone', () => {
  let judged = 0;
  const policy = Object.assign((i: PipelineItem) => { judged++; return i.message.type === 'command' ? { code: 'E_POLICY_DENIED' as const, reasons: ['x'] } : null; }, {
    prepare: () => { throw new Error('batch failed'); },
  });
  const pipeline = createPipeline({ policy });
  const items = [item({ id: '1' }), item({ id: '2', type: 'command' })];
  assert.deepEqual(judgeAll(pipeline, items).map((r) => r.rejection?.code ?? null), [null, 'E_POLICY_DENIED']);
  assert.equal(judged, 2);
});

/** Judges a batch through the one batch loop and collects each message's result, in order. */
function judgeAll(pipeline: Pipeline, items: readonly PipelineItem[]): PipelineResult[] {
  const results: PipelineResult[] = [];
  pipeline.judgeBatch(items, context, { preparing: () => {}, judging: () => {}, judged: (i, result) => { results[i] = result; } });
  return results;
}
