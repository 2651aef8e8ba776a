// Measures the default policy through the official SDK: cache miss (every input distinct) and
// cache hit, plus the raw SDK call with an object, with JSON.stringify + TextEncoder into an
// ArrayBuffer, and with the evaluator's own encoding (encodePolicyInput).
// Run: node --import tsx bench/policy-eval.ts
import { Bench } from 'tinybench';
import { loadPolicySource } from '../src/rego/bundle.ts';
import { createPolicyEvaluator } from '../src/pipeline/policy.ts';
import { buildPolicyInput, type PolicyInput } from '../src/pipeline/policy-input.ts';
import { encodePolicyInput } from '../src/pipeline/policy-input-json.ts';
import { loadPolicySync } from '../src/rego/sdk.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../src/message.ts';

const source = loadPolicySource(new URL('../policies', import.meta.url).pathname);
const PAIRS = 1000;
const agent = { tenantId: 'tenant-a', type: 'worker', capabilities: ['chat'] };
const inputs: PolicyInput[] = [];
for (let i = 0; i < PAIRS; i++) {
  const message: AgentMessage = {
    id: `m${i}`, from: `agent-${i}`, to: `agent-${(i * 7 + 1) % PAIRS}`, type: 'command', tenantId: 'tenant-a', priority: 1,
    constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, payload: { n: i }, metadata: {}, createdAt: 0,
  };
  inputs.push(buildPolicyInput(message, 180, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: agent, recipient: agent }));
}

const uncached = createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache: false });
const cached = createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache: { max: 10_000, ttlMs: 60_000 } });
for (const input of inputs) cached.evaluate(input);
const raw = loadPolicySync(source.module);
raw.setData(source.data);
const encoder = new TextEncoder();

// Each task iteration runs BATCH decisions over distinct agent pairs, so timer overhead does not
// swamp sub-microsecond cache hits; the table reports per-decision figures. Like the pipeline
// stage, the evaluator gets the clock read once per batch (PipelineContext.now).
const BATCH = 100;
let i = 0;
let now = Date.now();
const next = (): PolicyInput => inputs[(i = (i + 1) % PAIRS)]!;
const batch = (f: () => void) => () => { now = Date.now(); for (let k = 0; k < BATCH; k++) f(); };
const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 });
bench
  .add('evaluate, cache off (miss path)', batch(() => { uncached.evaluate(next(), now); }))
  .add('evaluate, cache hit', batch(() => { cached.evaluate(next(), now); }))
  .add('SDK evaluate(object)', batch(() => { raw.evaluate(next(), 0); }))
  .add('SDK evaluate(ArrayBuffer)', batch(() => { raw.evaluate(encoder.encode(JSON.stringify(next())).buffer, 0); }))
  .add('SDK evaluate(encodePolicyInput)', batch(() => { raw.evaluate(encodePolicyInput(next()), 0); }));
await bench.run();
console.table(bench.tasks.map((t) => {
  const r = t.result as unknown as { latency?: { p50?: number; p99?: number; mean?: number } } | undefined;
  const per = (ms: number | undefined): string => (((ms ?? NaN) * 1000) / BATCH).toFixed(3);
  return { task: t.name, 'median µs/decision': per(r?.latency?.p50), 'mean µs/decision': per(r?.latency?.mean), 'p99 µs/decision': per(r?.latency?.p99) };
}));
console.log('cache stats', cached.stats());
