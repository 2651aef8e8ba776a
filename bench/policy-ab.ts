// A/B of the policy evaluator: this checkout against a git revision, in one process, interleaved
// (A, B, A, B, ... in short rounds), so that load from other processes hits both alike. Reports
// the median and minimum per decision over the rounds, in wall and in CPU time.
// Run: node --import tsx bench/policy-ab.ts [--base <git rev>] [--rounds 31] [--calls 2000] [--current-first]
// The side built second measured slower on the hit path even against itself (0.6 vs 0.37 us for
// HEAD vs HEAD on this machine; JIT state shared through lru-cache, most likely), so compare hit
// figures from runs in both orders (--current-first builds this checkout first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../src/model/message.ts';

const { values } = parseArgs({
  options: { base: { type: 'string', default: 'HEAD' }, rounds: { type: 'string', default: '31' }, calls: { type: 'string', default: '2000' }, 'current-first': { type: 'boolean', default: false } },
});
const repo = resolve(import.meta.dirname, '..');
const rounds = Number(values.rounds);
const calls = Number(values.calls);

// The base revision's sources, importable next to this checkout's (same node_modules).
const baseDir = mkdtempSync(join(tmpdir(), 'agentbus-ab-'));
execFileSync('sh', ['-c', `git -C "${repo}" archive "${values.base}" src policies package.json | tar -x -C "${baseDir}"`]);
symlinkSync(join(repo, 'node_modules'), join(baseDir, 'node_modules'));

interface Side {
  name: string;
  miss: (i: number) => unknown;
  hit: (i: number) => unknown;
}

const PAIRS = 1000;
const agent = { tenantId: 'tenant-a', type: 'worker', capabilities: ['chat'] };

async function side(name: string, root: string): Promise<Side> {
  const { loadPolicySource } = await import(join(root, 'src/rego/bundle.ts'));
  const { createPolicyEvaluator } = await import(join(root, 'src/pipeline/policy.ts'));
  const { buildPolicyInput } = await import(join(root, 'src/pipeline/policy-input.ts'));
  const source = loadPolicySource(join(repo, 'policies'));
  // Each side's own buildPolicyInput: its cache recognises only inputs it built.
  const inputs = Array.from({ length: PAIRS }, (_, i) => {
    const message: AgentMessage = {
      id: `m${i}`, from: `agent-${i}`, to: `agent-${(i * 7 + 1) % PAIRS}`, type: 'command', tenantId: 'tenant-a', priority: 1,
      constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, payload: { n: i }, metadata: {}, createdAt: 0,
    };
    return buildPolicyInput(message, 180, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: agent, recipient: agent });
  });
  const make = (cache: unknown) => createPolicyEvaluator({ module: source.module, data: source.data, entrypoint: 'agentbus/decision', revision: source.revision, cache });
  const uncached = make(false);
  const cached = make({ max: 10_000, ttlMs: 60_000 });
  for (const input of inputs) cached.evaluate(input);
  // Evaluators before the monotonic TTL took the batch clock as a second argument; newer ones read their own and ignore it.
  const now = Date.now();
  return { name, miss: (i) => uncached.evaluate(inputs[i % PAIRS], now), hit: (i) => cached.evaluate(inputs[i % PAIRS], now) };
}

const sides: Side[] = [];
for (const which of values['current-first'] ? ['current', 'base'] : ['base', 'current']) {
  sides.push(which === 'base' ? await side(`base ${values.base}`, baseDir) : await side('this checkout', repo));
}
rmSync(baseDir, { recursive: true, force: true });

const results = new Map<string, { wall: number[]; cpu: number[] }>();
for (let r = 0; r < rounds + 2; r++) {
  for (const kind of ['miss', 'hit'] as const) {
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
      const f = s[kind];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) f(i);
      const wall = ((performance.now() - t0) * 1000) / calls;
      const c = process.cpuUsage(c0);
      if (r < 2) continue; // warm-up rounds
      const key = `${kind}: ${s.name}`;
      const entry = results.get(key) ?? { wall: [], cpu: [] };
      entry.wall.push(wall);
      entry.cpu.push((c.user + c.system) / calls);
      results.set(key, entry);
    }
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${rounds} rounds x ${calls} decisions, 1,000 distinct pairs, µs per decision`);
console.table([...results].map(([k, v]) => ({
  task: k, 'wall median': median(v.wall).toFixed(2), 'wall min': Math.min(...v.wall).toFixed(2),
  'cpu median': median(v.cpu).toFixed(2), 'cpu min': Math.min(...v.cpu).toFixed(2),
})));
