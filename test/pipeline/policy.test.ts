import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createPolicyEvaluator, createPolicyStage, interpretResultSet } from '../../src/pipeline/policy.ts';
import { buildPolicyInput, type PolicyAgent } from '../../src/pipeline/policy-input.ts';
import { loadPolicySource } from '../../src/rego/bundle.ts';
import { compilePolicy } from '../../src/rego/build.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, type AgentMessage } from '../../src/model/message.ts';
import { createPipeline, type PipelineContext } from '../../src/pipeline/index.ts';
import type { Rejection } from '../../src/errors.ts';
import { registrySnapshot } from '../../src/model/registry-snapshot.ts';

const source = loadPolicySource(join(import.meta.dirname, '../../policies'));
const worker: PolicyAgent = { tenantId: 'acme', type: 'worker', capabilities: [] };
const auditor: PolicyAgent = { tenantId: 'acme', type: 'auditor', capabilities: [] };
const base: AgentMessage = {
  id: 'm', from: 'agent-1', to: 'agent-2', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH,
  payload: null, metadata: {}, createdAt: 0,
};
const input = (m: Partial<AgentMessage> = {}, bytes = 100, sender = worker, recipient = worker) =>
  buildPolicyInput({ ...base, ...m }, bytes, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender, recipient });

/** The counters of an evaluator's stats (its byte estimate is checked on its own). */
function counts(ev: { stats(): { bytes: number } }) {
  const { bytes: _bytes, ...rest } = ev.stats();
  return rest;
}

function evaluator(cache: { max: number; ttlMs: number; maxBytes?: number } | false = false) {
  return createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache });
}

test('the default policy lets normal same-tenant traffic through', () => {
  assert.deepEqual(evaluator().evaluate(input()), { allowed: true });
});

test('the default policy denies with every reason in one evaluation', () => {
  const verdict = evaluator().evaluate(input({ constitutionalHash: 'bad', type: 'audit_log', metadata: { blocked: 'true' } }, 2_000_000, { ...worker, tenantId: 'evil' }));
  assert.equal(verdict.allowed, false);
  assert.ok(!verdict.allowed && verdict.code === 'E_POLICY_DENIED');
  assert.deepEqual(!verdict.allowed && [...verdict.reasons], [
    'audit_log messages may only be sent to agents of type auditor',
    'constitutional hash mismatch',
    'message is marked blocked',
    'payload of 1954 KiB exceeds the policy limit of 1024 KiB',
    'sender agent-1 belongs to tenant evil, not acme',
  ]);
  assert.deepEqual(evaluator().evaluate(input({ type: 'audit_log' }, 100, worker, auditor)), { allowed: true });
  assert.equal(evaluator().evaluate(input({ type: 'heartbeat', priority: 3 })).allowed, false);
});

test('per-agent permissions with glob patterns, else the "*" entry', () => {
  const data = structuredClone(source.data) as { agentbus: { permissions: Record<string, unknown> } };
  data.agentbus.permissions['agent-1'] = { recipients: ['team/*'], types: ['query', 'task_*'] };
  const ev = createPolicyEvaluator({ module: source.module, data, entrypoint: 'agentbus/decision', revision: 'r2', cache: false });
  assert.deepEqual(ev.evaluate(input({ to: 'team/bob', type: 'task_request' })), { allowed: true });
  const denied = ev.evaluate(input({ to: 'team/x/y', type: 'command' }));
  assert.deepEqual(!denied.allowed && [...denied.reasons], ['agent-1 may not send messages of type command', 'agent-1 may not send to team/x/y']);
  assert.deepEqual(ev.evaluate(input({ from: 'agent-9' })), { allowed: true });
});

test('fail closed: undefined, false, wrong shapes and errors all deny', () => {
  assert.equal(interpretResultSet([], 'p').allowed, false);
  assert.deepEqual(interpretResultSet([{ result: false }], 'p'), { allowed: false, code: 'E_POLICY_DENIED', reasons: ['denied by p'] });
  assert.equal((interpretResultSet([{ result: 'yes' }], 'p') as { code: string }).code, 'E_POLICY_ERROR');
  assert.equal((interpretResultSet([{ result: { allow: 1 } }], 'p') as { code: string }).code, 'E_POLICY_ERROR');
  assert.deepEqual(interpretResultSet([{ result: { allow: true, deny: ['x'] } }], 'p'), { allowed: false, code: 'E_POLICY_DENIED', reasons: ['x'] });
  assert.deepEqual(interpretResultSet([{ result: { allow: true, deny: [] } }], 'p'), { allowed: true });
  assert.deepEqual(interpretResultSet([{ result: { allow: false, deny: [] } }], 'p'), { allowed: false, code: 'E_POLICY_DENIED', reasons: ['not allowed by p'] });
  const { wasm } = compilePolicy([{ file: 'c.rego', text: 'package c\np := 1 if input.a\np := 2 if input.b\n' }], { entrypoints: ['c/p'] });
  const ev = createPolicyEvaluator({ module: new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), revision: 'c', cache: { max: 10, ttlMs: 1000 } });
  const verdict = ev.evaluate({ a: true, b: true });
  assert.equal(!verdict.allowed && verdict.code, 'E_POLICY_ERROR');
  assert.match(!verdict.allowed ? verdict.reasons[0]! : '', /eval_conflict_error/);
  assert.equal(ev.stats().errors, 1);
  assert.throws(() => createPolicyEvaluator({ module: source.module, entrypoint: 'nope/x', revision: 'x', cache: false }), /entrypoint nope\/x is not in the policy \(it has: agentbus\/decision\)/);
});

test('decision cache: hits only for the same document, whatever the message id', () => {
  const ev = evaluator({ max: 100, ttlMs: 60_000 });
  assert.deepEqual(ev.evaluate(input()), { allowed: true });
  assert.deepEqual(ev.evaluate(input({ id: 'another-message' })), { allowed: true });
  assert.deepEqual(counts(ev), { hits: 1, misses: 1, size: 1, evaluations: 1, errors: 0 });
  assert.ok(ev.stats().bytes > 0);
  // Same pair, different documents: each is evaluated, and each verdict is its own.
  assert.equal(ev.evaluate(input({ metadata: { blocked: 'true' } })).allowed, false);
  assert.equal(ev.evaluate(input({ metadata: { blocked: 'true', extra: 'x' } })).allowed, false);
  assert.equal(ev.evaluate(input({ metadata: { other: 'true' } })).allowed, true);
  assert.equal(ev.evaluate(input({ type: 'heartbeat', priority: 3 })).allowed, false);
  assert.equal(ev.evaluate(input({}, 100, worker, { ...worker, tenantId: 'evil' })).allowed, false);
  assert.equal(ev.evaluate(input({}, 5_000_000)).allowed, false);
  assert.equal(ev.stats().misses, 7);
  assert.equal(ev.evaluate(input({ metadata: { blocked: 'true' } })).allowed, false);
  assert.equal(ev.evaluate(input()).allowed, true);
  assert.equal(ev.stats().hits, 3);
  // A hand-made document goes through the exact-text cache.
  const handMade = JSON.parse(JSON.stringify(input())) as Record<string, unknown>;
  assert.deepEqual(ev.evaluate(handMade), { allowed: true });
  assert.deepEqual(ev.evaluate(handMade), { allowed: true });
  assert.equal(ev.stats().hits, 4);
  assert.equal(ev.revision, source.revision);
});

test('decision cache: entries expire after the TTL', async () => {
  const ev = evaluator({ max: 100, ttlMs: 20 });
  ev.evaluate(input());
  ev.evaluate(input());
  await new Promise((resolve) => setTimeout(resolve, 40));
  ev.evaluate(input());
  assert.deepEqual([ev.stats().hits, ev.stats().misses], [1, 2]);
});

test('decision cache: the TTL runs on a monotonic clock, so a wall-clock jump forward expires nothing', (t) => {
  const ev = evaluator({ max: 100, ttlMs: 60_000 });
  ev.evaluateMany([input()]);
  const wall = Date.now();
  t.mock.method(Date, 'now', () => wall + 2 * 3600_000);
  ev.evaluate(input());
  ev.evaluateMany([input()]);
  assert.deepEqual([ev.stats().hits, ev.stats().misses], [2, 1]);
});

test('decision cache: a wall-clock jump backward keeps no decision past its TTL', async (t) => {
  const ev = evaluator({ max: 100, ttlMs: 30 });
  ev.evaluate(input());
  const wall = Date.now();
  t.mock.method(Date, 'now', () => wall - 2 * 3600_000);
  await new Promise((resolve) => setTimeout(resolve, 60));
  ev.evaluate(input());
  ev.evaluateMany([input({ type: 'event' })]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  ev.evaluateMany([input({ type: 'event' })]);
  assert.deepEqual([ev.stats().hits, ev.stats().misses], [0, 4]);
});

test('bench traffic: 1,000 distinct agent pairs pass, the crafted 1% (audit_log to a non-auditor) is denied', () => {
  const ev = evaluator({ max: 5_000, ttlMs: 60_000 });
  let deniedCount = 0;
  for (let i = 0; i < 1_000; i++) {
    const crafted = i % 100 === 0;
    const verdict = ev.evaluate(input({ from: `agent-${i}`, to: `agent-${(i * 7 + 1) % 1_000}`, type: crafted ? 'audit_log' : 'task_request' }));
    if (!verdict.allowed) deniedCount++;
    assert.equal(verdict.allowed, !crafted);
  }
  assert.equal(deniedCount, 10);
});

test('time.now_ns is supplied to policies by the evaluator', () => {
  const { wasm } = compilePolicy([{ file: 't.rego', text: 'package t\nfresh if time.now_ns() > input.after\n' }], { entrypoints: ['t/fresh'] });
  const ev = createPolicyEvaluator({ module: new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), revision: 't', cache: false });
  assert.deepEqual(ev.evaluate({ after: 1_600_000_000_000_000_000 }), { allowed: true });
  assert.equal(ev.evaluate({ after: 9e18 }).allowed, false);
});

test('a worker thread evaluates a WebAssembly.Module compiled once on the main thread', async () => {
  const { Worker } = await import('node:worker_threads');
  const { pathToFileURL } = await import('node:url');
  const evaluatorUrl = pathToFileURL(join(import.meta.dirname, '../../src/pipeline/policy.ts')).href;
  const tsxApi = pathToFileURL(join(import.meta.dirname, '../../node_modules/tsx/dist/esm/api/index.mjs')).href;
  // The worker receives the Module (structured clone: no recompilation) and the data.
  const code = `
    import { parentPort, workerData } from 'node:worker_threads';
    const { register } = await import(${JSON.stringify(tsxApi)});
    register();
    const { createPolicyEvaluator } = await import(${JSON.stringify(evaluatorUrl)});
    const ev = createPolicyEvaluator({ ...workerData, entrypoint: 'agentbus/decision', cache: { max: 100, ttlMs: 1000 } });
    parentPort.postMessage([ev.evaluate(workerData.allowedInput), ev.evaluate(workerData.deniedInput)]);`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
    workerData: { module: source.module, data: source.data, revision: source.revision, allowedInput: input(), deniedInput: input({ metadata: { blocked: 'true' } }) },
  });
  const [allowed, deniedVerdict] = await new Promise<unknown[]>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.deepEqual(allowed, { allowed: true });
  assert.deepEqual(deniedVerdict, { allowed: false, code: 'E_POLICY_DENIED', reasons: ['message is marked blocked'] });
});

test('as a pipeline stage: sender and recipient details come from the registry snapshot', () => {
  const registry = registrySnapshot(1, [['agent-1', 'acme', 'worker', []], ['agent-2', 'acme', 'worker', []], ['auditor-1', 'acme', 'auditor', []], ['spy', 'evil', 'worker', []]]);
  const context: PipelineContext = { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, registry, limits: DEFAULT_LIMITS, now: 0 };
  const item = (m: Partial<AgentMessage>) => ({ message: { ...base, ...m }, payloadBytes: 10, depth: 0, payload: () => null });
  const stage = createPolicyStage(evaluator());
  assert.equal(stage(item({}), context), null);
  assert.equal(stage(item({ type: 'audit_log', to: 'auditor-1' }), context), null);
  assert.deepEqual(stage(item({ type: 'audit_log' }), context), { code: 'E_POLICY_DENIED', reasons: ['audit_log messages may only be sent to agents of type auditor'] });
  assert.deepEqual(stage(item({ to: 'spy' }), context), { code: 'E_POLICY_DENIED', reasons: ['recipient spy belongs to tenant evil, not acme'] });
});

test('property: the compiled default policy, cached, agrees with a reference implementation in JavaScript', async () => {
  const fc = (await import('fast-check')).default;
  // Cached, with few agent names, so that cache buckets are shared by many different documents.
  const ev = evaluator({ max: 1_000, ttlMs: 60_000 });
  const limitKiB = (source.data as { agentbus: { limits: { maxPayloadKiB: number } } }).agentbus.limits.maxPayloadKiB;
  const reference = (m: AgentMessage, kib: number, sender: typeof worker, recipient: typeof worker): string[] => {
    const reasons: string[] = [];
    if (m.constitutionalHash !== DEFAULT_CONSTITUTIONAL_HASH) reasons.push('constitutional hash mismatch');
    if (sender.tenantId !== m.tenantId) reasons.push(`sender ${m.from} belongs to tenant ${sender.tenantId}, not ${m.tenantId}`);
    if (recipient.tenantId !== m.tenantId) reasons.push(`recipient ${m.to} belongs to tenant ${recipient.tenantId}, not ${m.tenantId}`);
    if (kib > limitKiB) reasons.push(`payload of ${kib} KiB exceeds the policy limit of ${limitKiB} KiB`);
    if (m.type === 'audit_log' && recipient.type !== 'auditor') reasons.push('audit_log messages may only be sent to agents of type auditor');
    if (m.type === 'heartbeat' && m.priority > 1) reasons.push('heartbeat messages may not use priority above the configured maximum');
    if (m.metadata.blocked === 'true') reasons.push('message is marked blocked');
    return reasons.sort();
  };
  const agentArb = fc.record({ tenantId: fc.constantFrom('acme', 'evil'), type: fc.constantFrom('worker', 'auditor'), capabilities: fc.constant([] as string[]) });
  fc.assert(fc.property(
    fc.record({
      from: fc.oneof(fc.constantFrom('a', 'b'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 })),
      to: fc.oneof(fc.constantFrom('a', 'b'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 })),
      type: fc.constantFrom('command', 'audit_log', 'heartbeat', 'query'), priority: fc.constantFrom(0, 1, 2, 3),
      hash: fc.constantFrom(DEFAULT_CONSTITUTIONAL_HASH, 'other'), blocked: fc.constantFrom(undefined, 'true', 'false'),
    }),
    fc.integer({ min: 0, max: 3_000_000 }), agentArb, agentArb,
    (r, bytes, sender, recipient) => {
      const m: AgentMessage = { ...base, from: r.from, to: r.to, type: r.type as AgentMessage['type'], priority: r.priority as AgentMessage['priority'],
        constitutionalHash: r.hash, metadata: r.blocked === undefined ? {} : { blocked: r.blocked } };
      const verdict = ev.evaluate(input(m, bytes, sender, recipient));
      const want = reference(m, Math.ceil(bytes / 1024), sender, recipient);
      assert.deepEqual(verdict.allowed ? [] : [...verdict.reasons], want);
      assert.equal(verdict.allowed, want.length === 0);
      // The same document again (a new message object): answered from the cache, identically.
      const hitsBefore = ev.stats().hits;
      assert.deepEqual(ev.evaluate(input({ ...m, id: 'again' }, bytes, { ...sender }, { ...recipient })), verdict);
      assert.equal(ev.stats().hits, hitsBefore + 1);
    },
  ), { numRuns: 500 });
});

test('evaluateMany: each verdict is the one evaluate gives, and the batch is evaluated once', async () => {
  const fc = (await import('fast-check')).default;
  const many = evaluator();
  const single = evaluator();
  const messageArb = fc.record({
    from: fc.constantFrom('agent-1', 'agent-2', 'agent-3'), to: fc.constantFrom('agent-1', 'agent-2', 'ä/☃'),
    type: fc.constantFrom('command', 'audit_log', 'heartbeat'), priority: fc.constantFrom(0, 1, 3),
    constitutionalHash: fc.constantFrom(DEFAULT_CONSTITUTIONAL_HASH, 'other'),
  }).map((m) => m as Partial<AgentMessage>);
  fc.assert(fc.property(
    fc.array(fc.tuple(messageArb, fc.integer({ min: 0, max: 2_000_000 }), fc.constantFrom(worker, auditor, { ...worker, tenantId: 'evil' })), { maxLength: 40 }),
    (rows) => {
      const inputs = rows.map(([m, bytes, recipient]) => input(m, bytes, worker, recipient));
      const before = many.stats().evaluations;
      assert.deepEqual(many.evaluateMany(inputs), inputs.map((i) => single.evaluate(i)));
      assert.equal(many.stats().evaluations - before, inputs.length);
    },
  ), { numRuns: 200 });
  assert.equal(many.stats().errors, 0);
});

test('evaluateMany: an input that fails is failed alone; hits come from the cache', () => {
  const { wasm } = compilePolicy([{ file: 'c.rego', text: 'package c\np := 1 if input.a\np := 2 if input.b\n' }], { entrypoints: ['c/p'] });
  const ev = createPolicyEvaluator({ module: new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), revision: 'c', cache: { max: 10, ttlMs: 60_000 } });
  const verdicts = ev.evaluateMany([{ a: true }, { a: true, b: true }, { b: true }, {}]);
  assert.equal(verdicts[0]!.allowed, false);
  assert.equal(!verdicts[0]!.allowed && verdicts[0]!.code, 'E_POLICY_ERROR', 'p = 1 is not a decision the bus understands');
  assert.match(!verdicts[1]!.allowed ? verdicts[1]!.reasons[0]! : '', /eval_conflict_error/);
  assert.match(!verdicts[3]!.allowed ? verdicts[3]!.reasons[0]! : '', /undefined/);
  // The conflict aborted the batch call; each input was then decided alone, so only the conflict is an error.
  assert.deepEqual(counts(ev), { hits: 0, misses: 4, size: 1, evaluations: 4, errors: 1 });

  const cached = evaluator({ max: 100, ttlMs: 60_000 });
  const inputs = () => [input(), input({ to: 'agent-3' }), input({ constitutionalHash: 'bad' })];
  const first = cached.evaluateMany(inputs());
  assert.deepEqual(cached.evaluateMany(inputs()), first);
  assert.deepEqual(cached.evaluateMany([input({ id: 'other id' })]), [{ allowed: true }]);
  // size counts (from, to) pairs: two here, one of them holding two documents.
  assert.deepEqual(counts(cached), { hits: 3 + 1, misses: 3, size: 2, evaluations: 3, errors: 0 });
});

test('as a batch stage: prepare decides the batch once, and each message gets the verdict it gets alone', () => {
  const registry = registrySnapshot(1, [['agent-1', 'acme', 'worker', []], ['agent-2', 'acme', 'worker', []], ['auditor-1', 'acme', 'auditor', []], ['spy', 'evil', 'worker', []]]);
  const context: PipelineContext = { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, registry, limits: DEFAULT_LIMITS, now: 0 };
  const item = (m: Partial<AgentMessage>) => ({ message: { ...base, ...m }, payloadBytes: 10, depth: 0, payload: () => null });
  const items = [item({}), item({ type: 'audit_log' }), item({ to: 'spy' }), item({ type: 'audit_log', to: 'auditor-1' }), item({ constitutionalHash: 'x' })];
  const alone = createPolicyStage(evaluator());
  const want = items.map((i) => alone(i, context));
  const ev = evaluator();
  const stage = createPolicyStage(ev);
  assert.deepEqual(stage.prepare(items, context), want);
  assert.equal(ev.stats().evaluations, items.length);
  // In a pipeline: prepared once, then each message answered from it.
  const pipeline = createPipeline({ policy: stage });
  // The recipient 'spy' fails the tenant stage and the bad hash the constitutional stage, before the policy.
  const reaching = [items[0]!, items[1]!, items[3]!];
  const results: (Rejection | null)[] = [];
  pipeline.judgeBatch(items, context, { preparing: () => {}, judging: () => {}, judged: (i, result) => { results[i] = result.rejection; } });
  assert.equal(ev.stats().evaluations, items.length + reaching.length, 'prepared once; each message answered from what prepare decided');
  assert.deepEqual([results[0], results[1], results[3]], [want[0], want[1], want[3]]);
  // An item prepare did not see is evaluated the ordinary way.
  assert.deepEqual(stage(item({ to: 'spy' }), context), want[2]);
  assert.equal(ev.stats().evaluations, items.length + reaching.length + 1);
});

test('decision cache: bounded by bytes, not only by entries: large metadata evicts long before max pairs', () => {
  const maxBytes = 1024 * 1024;
  const ev = evaluator({ max: 100_000, ttlMs: 60_000, maxBytes });
  const pairs = 2_000;
  const inputs = Array.from({ length: pairs }, (_, i) => input({ from: `agent-${i}`, metadata: { trace: `${i}:`.padEnd(4_000, 'x') } }));
  ev.evaluateMany(inputs);
  const { size, bytes } = ev.stats() as { size: number; bytes?: number }; // bytes: absent before the bound existed
  assert.ok(size < pairs / 4, `${size} pairs of ${pairs} cached`);
  assert.ok(bytes !== undefined && bytes > 0 && bytes <= maxBytes, `${bytes} bytes cached`);
  // The most recent decisions are still served from the cache.
  ev.evaluate(inputs[pairs - 1]!);
  assert.equal(ev.stats().hits, 1);
});
