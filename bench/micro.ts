/**
 * Micro-benchmarks (tinybench): what one operation of the hot path costs, ns/op with its margin of error.
 * Run alone: `npm run bench:micro [-- --quick] [--json]`, or as part of `agentbus bench --micro` / `--write`
 * (compiled, in a process of its own: runMicroCompiled).
 *
 * Policy, impact and Z3 benchmarks load their modules dynamically: a module that is missing or broken is
 * reported as skipped, not fatal, so the suite runs on any checkout.
 */
import { Bench } from 'tinybench';
import { resolveOptions } from '../src/config.ts';
import { RecordKind } from '../src/dispatch/wire/codec.ts';
import { EnvelopeDecoder, EnvelopeEncoder, type OutgoingMessage } from '../src/dispatch/wire/envelope.ts';
import { ByteRing } from '../src/dispatch/wire/ring.ts';
import { acceptMessage } from '../src/intake/accept.ts';
import type { AcceptedMessage, AgentMessage } from '../src/model/message.ts';
import { checkConstitutionalHash } from '../src/pipeline/constitutional.ts';
import type { MicroResult } from './report/bench-report.ts';
import { buildScenario } from './scenario.ts';

/** The predecessor's published figures (shared/research/acgs2.md): claims, printed next to our measurements. */
const CLAIMS = { hashCheck: 292, messageCreation: 4811 } as const;

interface MicroTask {
  name: string;
  fn: () => unknown | Promise<unknown>;
  /** Operations per call (batched tasks): the result is divided by it. */
  opsPerCall?: number;
  /**
   * Sub-microsecond operations: each call runs the operation this many times, so tinybench's own per-call
   * overhead (tens of ns) does not dominate the figure.
   */
  repeat?: number;
  claimNs?: number;
}

export interface MicroRun {
  results: MicroResult[];
  skipped: string[];
}

const options = resolveOptions({});

function sampleMessages(): { accepted: AcceptedMessage[]; high: AgentMessage } {
  const scenario = buildScenario({ count: 256 });
  const accepted: AcceptedMessage[] = [];
  let high: AgentMessage | null = null;
  scenario.messages.forEach((input, i) => {
    const intake = acceptMessage(input, options.constitutionalHash, options.limits, Date.now());
    if (!intake.ok) return;
    accepted.push(intake.value);
    if (high === null && scenario.kinds[i] === 'high-impact') high = intake.value.message;
  });
  return { accepted, high: high ?? accepted[0]!.message };
}

function coreTasks(): MicroTask[] {
  const scenario = buildScenario({ count: 256 });
  const { accepted } = sampleMessages();
  const encoder = new EnvelopeEncoder();
  const decoder = new EnvelopeDecoder();
  const outgoing: OutgoingMessage[] = accepted.map((a) => ({ accepted: a, sendsPayload: true, sentAt: 0 }));
  const slots = outgoing.map((_, i) => i);
  const generations = outgoing.map(() => 0);
  const one = [outgoing[0]!];
  const oneRecord = Buffer.from(encoder.encodeBatch([0], [0], one));
  const batchRecord = Buffer.from(encoder.encodeBatch(slots, generations, outgoing));
  const ring = ByteRing.create(1 << 20);
  const recordParts = [Buffer.from(encoder.encodeBatch([0], [0], one))];
  let i = 0;
  const nextInput = () => scenario.messages[(i = (i + 1) & 255)]!;
  const hash = options.constitutionalHash;
  const otherHash = hash.slice(0, -1) + (hash.endsWith('0') ? '1' : '0');

  return [
    { name: 'constitutional hash check (match)', fn: () => checkConstitutionalHash(hash, hash), claimNs: CLAIMS.hashCheck, repeat: 100 },
    { name: 'constitutional hash check (mismatch, builds the rejection)', fn: () => checkConstitutionalHash(otherHash, hash), repeat: 100 },
    {
      name: 'message creation: acceptMessage (shape checks, exact payload size; 300 B–4 KiB)',
      fn: () => acceptMessage(nextInput(), hash, options.limits, 0),
      claimNs: CLAIMS.messageCreation,
    },
    { name: 'codec: encode 1 envelope + its payload into a record', fn: () => encoder.encodeBatch([0], [0], one) },
    { name: 'codec: encode 256 envelopes + payloads (per message)', fn: () => encoder.encodeBatch(slots, generations, outgoing), opsPerCall: outgoing.length },
    { name: 'codec: decode 1 envelope', fn: () => decoder.decodeBatch(oneRecord) },
    { name: 'codec: decode 256 envelopes (per message)', fn: () => decoder.decodeBatch(batchRecord), opsPerCall: outgoing.length },
    {
      name: 'ring: write + read + release one record (1 message)',
      fn: () => {
        ring.tryWrite(RecordKind.MESSAGES, recordParts);
        const record = ring.read();
        ring.release();
        return record;
      },
      repeat: 100,
    },
  ];
}

async function impactTasks(): Promise<MicroTask[]> {
  const [impact, { PayloadCodec }] = await Promise.all([import('../src/pipeline/impact.ts'), import('../src/intake/payload-codec.ts')]);
  const { accepted, high } = sampleMessages();
  // A validation thread has each payload as msgpack: it scores the bytes (or, before, decoded them first).
  const codec = new PayloadCodec();
  const encoded = accepted.map((a) => codec.encode(a.message.payload));
  let i = 0;
  let j = 0;
  let k = 0;
  return [
    { name: 'impact score (scenario messages)', fn: () => impact.scoreImpact(accepted[(i = (i + 1) % accepted.length)]!.message) },
    { name: 'impact score (high-impact transfer)', fn: () => impact.scoreImpact(high) },
    {
      name: 'impact score from msgpack bytes (scenario messages, as a validation thread scores)',
      fn: () => {
        j = (j + 1) % accepted.length;
        return impact.scoreEncodedImpact(accepted[j]!.message, encoded[j]!, () => codec.decode(encoded[j]!));
      },
    },
    {
      name: 'decode msgpack + impact score (scenario messages, the thread\'s former path)',
      fn: () => {
        k = (k + 1) % accepted.length;
        return impact.scoreImpact({ ...accepted[k]!.message, payload: codec.decode(encoded[k]!) });
      },
    },
  ];
}

async function policyTasks(): Promise<MicroTask[]> {
  const [{ createPolicyEvaluator }, { buildPolicyInput }, { loadPolicySource }, { BUNDLED_POLICY_DIR }] = await Promise.all([
    import('../src/pipeline/policy.ts'),
    import('../src/pipeline/policy-input.ts'),
    import('../src/rego/bundle.ts'),
    import('../src/pipeline/policy-loader.ts'),
  ]);
  // Found as the bus finds it, from the sources and from the compiled copy alike.
  const source = loadPolicySource(BUNDLED_POLICY_DIR);
  const make = (cache: false | { max: number; ttlMs: number }) =>
    createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache });
  const uncached = make(false);
  const cached = make({ max: 10_000, ttlMs: 60_000 });
  const { accepted } = sampleMessages();
  const scenario = buildScenario({ count: 1 });
  const tenantOf = new Map(scenario.agents.map((a) => [a.id, a]));
  const inputs = accepted.map((a) => {
    const sender = tenantOf.get(a.message.from)!;
    const recipient = tenantOf.get(a.message.to)!;
    return buildPolicyInput(a.message, a.payloadBytes, {
      expectedHash: options.constitutionalHash,
      now: 0,
      sender: { tenantId: sender.tenantId, type: sender.tier, capabilities: [] },
      recipient: { tenantId: recipient.tenantId, type: recipient.tier, capabilities: [] },
    });
  });
  for (const input of inputs) cached.evaluate(input);
  let i = 0;
  return [
    { name: 'policy evaluation, cache miss (OPA wasm)', fn: () => uncached.evaluate(inputs[(i = (i + 1) % inputs.length)]!) },
    { name: 'policy evaluation, cache hit', fn: () => cached.evaluate(inputs[(i = (i + 1) % inputs.length)]!), repeat: 100 },
  ];
}

interface Closable {
  close(): Promise<void>;
}

async function solverTasks(cleanup: Closable[]): Promise<MicroTask[]> {
  const [{ createDeliberation }, { scoreImpact }] = await Promise.all([import('../src/solver/deliberation.ts'), import('../src/pipeline/impact.ts')]);
  const { high } = sampleMessages();
  const impact = scoreImpact(high);
  const uncached = createDeliberation({ cacheSize: 0, timeoutMs: 5_000 });
  const cached = createDeliberation({ timeoutMs: 5_000 });
  cleanup.push(uncached, cached);
  const [a, b] = await Promise.all([uncached.start(), cached.start()]);
  if (!a.ok || !b.ok) throw new Error('the deliberation policy failed its static checks');
  const context = { now: Date.UTC(2026, 0, 1, 12), senderTier: 1, senderVolume: 3 };
  await cached.decide(high, impact, context);
  return [
    { name: 'Z3 deliberation, uncached (solver pool round trip)', fn: () => uncached.decide(high, impact, context) },
    { name: 'Z3 deliberation, cached', fn: () => cached.decide(high, impact, context) },
  ];
}

/** The function tinybench times: the task's operation, `repeat` times in a row when it is tiny. */
function repeated(task: MicroTask): () => unknown {
  const times = task.repeat ?? 1;
  if (times === 1) return task.fn;
  const fn = task.fn;
  return () => {
    let last: unknown;
    for (let k = 0; k < times; k++) last = fn();
    return last;
  };
}

function toResult(task: MicroTask, bench: Bench): MicroResult | null {
  const found = bench.tasks.find((t) => t.name === task.name);
  const result = found?.result as { state?: string; latency?: { mean: number; rme: number; samplesCount?: number; samples?: number[] } } | undefined;
  if (!result?.latency) return null;
  const ops = (task.opsPerCall ?? 1) * (task.repeat ?? 1);
  const samples = result.latency.samplesCount ?? result.latency.samples?.length ?? 0;
  const out: MicroResult = { name: task.name, nsPerOp: Math.round((result.latency.mean * 1e6) / ops * 10) / 10, rmePercent: Math.round(result.latency.rme * 10) / 10, samples };
  if (task.claimNs !== undefined) out.claimNs = task.claimNs;
  return out;
}

export async function runMicro(settings: { quick: boolean; log?: (line: string) => void }): Promise<MicroRun> {
  const log = settings.log ?? (() => {});
  const skipped: string[] = [];
  const cleanup: Closable[] = [];
  const tasks: MicroTask[] = coreTasks();
  const optional: [string, () => Promise<MicroTask[]>][] = [
    ['impact scoring', impactTasks],
    ['policy evaluation', policyTasks],
    ['Z3 deliberation', () => solverTasks(cleanup)],
  ];
  for (const [what, load] of optional) {
    try {
      tasks.push(...(await load()));
    } catch (error) {
      const reason = (error as Error)?.message?.split('\n')[0] ?? String(error);
      skipped.push(`${what}: ${reason}`);
      log(`micro: skipping ${what} (${reason})`);
    }
  }
  try {
    const bench = new Bench({ time: settings.quick ? 150 : 1000, warmupTime: settings.quick ? 50 : 250 });
    for (const task of tasks) bench.add(task.name, repeated(task));
    log(`micro: ${tasks.length} benchmarks, ${settings.quick ? 'quick' : 'full'} timing`);
    await bench.run();
    const results = tasks.map((task) => toResult(task, bench)).filter((r): r is MicroResult => r !== null);
    return { results, skipped };
  } finally {
    await Promise.all(cleanup.map((c) => c.close().catch(() => {})));
  }
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  const json = process.argv.includes('--json');
  const run = await runMicro({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(line + '\n') });
  if (json) process.stdout.write(JSON.stringify(run) + '\n');
  else {
    const { textTable } = await import('./report/format.ts');
    process.stdout.write(
      textTable(
        ['operation', 'ns/op', 'margin', 'samples', 'predecessor'],
        run.results.map((m) => [m.name, m.nsPerOp.toLocaleString('en-US'), `±${m.rmePercent.toFixed(1)}%`, String(m.samples), m.claimNs === undefined ? '' : `${m.claimNs.toLocaleString('en-US')} (claim)`]),
      ) + '\n',
    );
    for (const note of run.skipped) process.stdout.write(`skipped: ${note}\n`);
  }
}

/**
 * The micro-benchmarks in a process of their own, compiled (compiled.ts), as `agentbus bench --micro` runs
 * them: the figures are those of the code users install. Progress lines go to stderr when `log` is given.
 */
export async function runMicroCompiled(settings: { quick: boolean; log?: boolean }): Promise<MicroRun> {
  const { spawn } = await import('node:child_process');
  const { compiledModule } = await import('./compiled.ts');
  const args = [compiledModule(new URL('./micro.ts', import.meta.url)), '--json', ...(settings.quick ? ['--quick'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', settings.log === true ? 'inherit' : 'ignore'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  // 'close', not 'exit': the output pipe may still hold data when the process has exited.
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  if (code !== 0) throw new Error(`the micro-benchmarks exited with code ${code}`);
  return JSON.parse(output) as MicroRun;
}
