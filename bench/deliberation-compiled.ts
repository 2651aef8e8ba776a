/**
 * Compiled deliberation decisions (tinybench): what one decision costs once the policy's templates are compiled
 * to predicates (src/solver/compile), per template and for the bundled policy's full set on the bench
 * scenario's high-impact messages. Run: `npm run bench:deliberation [-- --quick]`.
 *
 * Reported per decision, P50 and P99 of tinybench's per-iteration latency (one decision per iteration, so the
 * figures include tinybench's own timing overhead, tens of ns). Targets (issue 11): P50 ≤ 2 µs, P99 ≤ 20 µs.
 * The machine is shared: measure when it is quiet, and read P50s before P99s.
 *
 * - `decide <template>`: the template's predicate on pre-resolved bindings (numeral text, as resolveTemplate
 *   produces), cycling through 512 binding sets drawn from the template's domains, allowed and denied mixed;
 * - `policy: decide`: every applicable template's predicate for one scenario message (bindings pre-resolved);
 * - `policy: resolve + decide`: the same with the bindings resolved from the message and its context, which
 *   is the work a pipeline stage does per high-impact message.
 */
import { Bench } from 'tinybench';
import { createMessage, type AgentMessage } from '../src/model/message.ts';
import { scoreImpact } from '../src/pipeline/impact.ts';
import { resolveTemplate, type DeliberationContext } from '../src/solver/bindings.ts';
import { compileDeliberationPolicy, loadCompiledPolicy } from '../src/solver/compile/compile-policy.ts';
import type { CompiledPredicate, PredicateBindings } from '../src/solver/compile/predicate.ts';
import { DEFAULT_POLICY_URL, loadDeliberationPolicy, type TemplateSpec } from '../src/solver/policy.ts';
import { seededRandom } from '../src/seeded-random.ts';
import { buildScenario } from './scenario.ts';

const quick = process.argv.includes('--quick');
const SETS = 512;

function progress(text: string): void {
  process.stderr.write(`… ${text}\n`);
}

/** Upper ends of the Int bindings' draws, near the bundled templates' caps, so verdicts are mixed. */
const INT_RANGE: Readonly<Record<string, number>> = { requested: 20_000, used0: 1_200, used1: 22_000, used2: 70_000, count: 600, now: 2_000_000_000, expires: 2_000_000_000 };

/** Binding values around each template's thresholds: mostly in the declared domain, some past it. */
function syntheticBindings(template: TemplateSpec, random: () => number): Record<string, string> {
  const bindings: Record<string, string> = {};
  const mask = (): bigint => (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  for (const [name, spec] of Object.entries(template.bindings)) {
    if (spec.sort === 'Real') bindings[name] = (Math.floor(random() * 1000) / 1000).toString();
    else if (spec.sort === 'Bool') bindings[name] = String(random() < 0.5);
    else if (spec.sort === 'BitVec64') bindings[name] = mask().toString();
    else {
      const max = spec.max ?? INT_RANGE[name] ?? 5;
      bindings[name] = String(Math.floor(random() * (max + 1)) - (random() < 0.05 ? 1 : 0));
    }
  }
  // A delegation mostly narrows its parent's scope (allowed); sometimes it adds bits (denied).
  if (bindings.childScope !== undefined && bindings.parentScope !== undefined && random() < 0.7) {
    bindings.childScope = (BigInt(bindings.parentScope) & mask()).toString();
  }
  return bindings;
}

function scenarioContext(i: number, random: () => number): DeliberationContext {
  return {
    now: Date.UTC(2026, 10, 22, 6 + (i % 16), 0, 0),
    senderTier: i % 3,
    senderVolume: 1 + Math.floor(random() * 40),
    tierUsage: [Math.floor(random() * 1200), Math.floor(random() * 20000), Math.floor(random() * 60000)],
    delegationDepth: Math.floor(random() * 3),
    ...(random() < 0.5 ? { approvals: 1 } : {}),
  };
}

function percentile(task: { result?: unknown }, key: 'p50' | 'p99'): number {
  const latency = (task.result as { latency?: { p50?: number; p99?: number } } | undefined)?.latency;
  return (latency?.[key] ?? Number.NaN) * 1000;
}

async function main(): Promise<void> {
  const policy = loadDeliberationPolicy(DEFAULT_POLICY_URL);
  progress('compiling the bundled policy with Z3 (once; seconds)');
  const compiled = loadCompiledPolicy(await compileDeliberationPolicy(policy));
  if (compiled.fallback.size > 0) progress(`per-message (not benched): ${[...compiled.fallback].map(([id, why]) => `${id} (${why})`).join('; ')}`);
  const random = seededRandom(11);

  const scenario = buildScenario({ count: 4096 });
  const messages: { message: AgentMessage; impact: number; context: DeliberationContext }[] = [];
  scenario.messages.forEach((input, i) => {
    if (scenario.kinds[i] !== 'high-impact') return;
    const message = createMessage(input);
    messages.push({ message, impact: scoreImpact(message), context: scenarioContext(i, random) });
  });
  const resolved = messages.map(({ message, impact, context }) => {
    const input = { message, impact, context, now: context.now as number };
    return policy.templates.flatMap((t) => {
      const r = resolveTemplate(t, input);
      return r.kind === 'bound' ? [{ predicate: compiled.predicates.get(t.id) as CompiledPredicate, bindings: r.bindings as PredicateBindings }] : [];
    });
  });

  const bench = new Bench({ time: quick ? 200 : 2000, warmupTime: quick ? 50 : 500 });
  let sink = 0;
  for (const template of policy.templates) {
    const predicate = compiled.predicates.get(template.id);
    if (predicate === undefined) continue;
    const sets = Array.from({ length: SETS }, () => syntheticBindings(template, random));
    const allowed = sets.filter((b) => predicate(b).allowed).length;
    progress(`${template.id}: ${allowed} of ${SETS} binding sets allowed${predicate.fastPath ? '' : ' (exact BigInt path)'}`);
    let i = 0;
    bench.add(`decide ${template.id}`, () => {
      if (predicate(sets[i++ & (SETS - 1)] as PredicateBindings).allowed) sink++;
    });
  }
  let j = 0;
  bench.add(`policy: decide (${messages.length} scenario high-impact messages)`, () => {
    const checks = resolved[j++ % resolved.length] ?? [];
    let allowed = true;
    for (const { predicate, bindings } of checks) allowed = predicate(bindings).allowed && allowed;
    if (allowed) sink++;
  });
  let k = 0;
  bench.add('policy: resolve + decide', () => {
    const { message, impact, context } = messages[k++ % messages.length] as (typeof messages)[0];
    const input = { message, impact, context, now: context.now as number };
    let allowed = true;
    for (const template of policy.templates) {
      const r = resolveTemplate(template, input);
      if (r.kind === 'skip') continue;
      allowed = r.kind === 'bound' && (compiled.predicates.get(template.id) as CompiledPredicate)(r.bindings).allowed && allowed;
    }
    if (allowed) sink++;
  });
  progress(`running (${quick ? 'quick' : 'full'})`);
  await bench.run();
  const rows = bench.tasks.map((task) => ({
    task: task.name,
    'P50 µs': percentile(task, 'p50').toFixed(2),
    'P99 µs': percentile(task, 'p99').toFixed(2),
    samples: (task.result as { latency?: { samplesCount?: number; samples?: number[] } } | undefined)?.latency?.samplesCount ?? '?',
    target: task.name.includes('resolve') ? '—' : 'P50 ≤ 2, P99 ≤ 20',
  }));
  console.table(rows);
  if (sink < 0) console.log(sink);
}

await main();
