// Measures the default policy through the official SDK: cache miss (every input distinct), one call
// per decision and 64 per call (evaluateMany through the batch twin, as the validation thread calls
// it), and cache hit, plus the raw SDK call with an object, with JSON.stringify + TextEncoder into an
// ArrayBuffer, and with the evaluator's own encoding (encodePolicyInput).
// Run: node --import tsx bench/policy-eval.ts [--repeat 5]
// This machine's speed drifts by ±30% within minutes: --repeat runs the whole set several times, one
// after another, and reports each run's medians and the median over the runs.
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { machineInfo } from './machine.ts';
import { loadPolicySource } from '../src/rego/bundle.ts';
import { createPolicyEvaluator } from '../src/pipeline/policy.ts';
import { buildPolicyInput, type PolicyInput } from '../src/pipeline/policy-input.ts';
import { encodePolicyInput } from '../src/pipeline/policy-input-json.ts';
import { loadPolicySync } from '../src/rego/sdk.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../src/model/message.ts';

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
// swamp sub-microsecond cache hits; the table reports per-decision figures. A single evaluate()
// reads the evaluator's monotonic clock once per decision (evaluateMany once per call).
const BATCH = 100;
let i = 0;
const next = (): PolicyInput => inputs[(i = (i + 1) % PAIRS)]!;
const batch = (f: () => void) => () => { for (let k = 0; k < BATCH; k++) f(); };
// evaluateMany as the validation thread calls it: a publish's worth of messages (64) per call.
const MANY = 64;
const many: PolicyInput[][] = [];
for (let k = 0; k < PAIRS; k += MANY) many.push(Array.from({ length: MANY }, (_, j) => inputs[(k + j) % PAIRS]!));
let m = 0;
const decisionsPerTask = new Map<string, number>([['evaluateMany of 64, cache off (miss path)', MANY]]);

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '1' } } });
const repeat = Math.max(1, Number(values.repeat) || 1);
const machine = machineInfo();
console.log(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, commit ${machine.commit}, ${machine.date}`);

type Latency = { latency?: { p50?: number; p99?: number; mean?: number } };
const perDecision = (ms: number | undefined, task: string): number => ((ms ?? NaN) * 1000) / (decisionsPerTask.get(task) ?? BATCH);
const medianOf = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const medians = new Map<string, number[]>();
for (let run = 1; run <= repeat; run++) {
  const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 });
  bench
    .add('evaluate, cache off (miss path)', batch(() => { uncached.evaluate(next()); }))
    .add('evaluateMany of 64, cache off (miss path)', () => { uncached.evaluateMany(many[(m = (m + 1) % many.length)]!); })
    .add('evaluate, cache hit', batch(() => { cached.evaluate(next()); }))
    .add('SDK evaluate(object)', batch(() => { raw.evaluate(next(), 0); }))
    .add('SDK evaluate(ArrayBuffer)', batch(() => { raw.evaluate(encoder.encode(JSON.stringify(next())).buffer, 0); }))
    .add('SDK evaluate(encodePolicyInput)', batch(() => { raw.evaluate(encodePolicyInput(next()), 0); }));
  await bench.run();
  if (repeat > 1) console.log(`run ${run} of ${repeat}, ${new Date().toISOString()}`);
  console.table(bench.tasks.map((t) => {
    const r = t.result as unknown as Latency | undefined;
    const p50 = perDecision(r?.latency?.p50, t.name);
    medians.set(t.name, [...(medians.get(t.name) ?? []), p50]);
    return { task: t.name, 'median µs/decision': p50.toFixed(3), 'mean µs/decision': perDecision(r?.latency?.mean, t.name).toFixed(3), 'p99 µs/decision': perDecision(r?.latency?.p99, t.name).toFixed(3) };
  }));
}
if (repeat > 1) {
  console.log(`median over ${repeat} runs (µs per decision; each run's median in brackets)`);
  console.table([...medians].map(([task, xs]) => ({ task, median: medianOf(xs).toFixed(3), runs: xs.map((x) => x.toFixed(2)).join(' ') })));
}
console.log('cache stats', cached.stats());
