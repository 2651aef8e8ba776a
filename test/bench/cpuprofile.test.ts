import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameLabel, summariseProfile, threadIdOf, threadRole, type CpuProfile } from '../../bench/profile/cpuprofile.ts';

const frame = (id: number, functionName: string, url = '', lineNumber = -1) => ({ id, callFrame: { functionName, url, lineNumber } });

/** root → pack (msgpackr) / scan (impact.ts), plus idle and GC pseudo-frames. */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)'),
    frame(2, 'pack', 'file:///repo/node_modules/msgpackr/pack.js', 257),
    frame(3, 'scan', 'file:///repo/src/pipeline/impact.ts', 1),
    frame(4, '(idle)'),
    frame(5, '(garbage collector)'),
  ],
  startTime: 1_000,
  endTime: 2_000,
  // sample i lasts timeDeltas[i + 1]
  samples: [2, 2, 3, 4, 5, 3],
  timeDeltas: [0, 100, 100, 300, 400, 100],
};

test('self time: each sample lasts until the next; idle is not busy; same label adds up', () => {
  const s = summariseProfile(profile);
  // pack: 100 + 100 µs; scan: 300 + last (mean gap 200) µs; idle 400; GC 100
  assert.equal(s.idleMs, 0);
  assert.equal(s.totalMs, 1);
  const byName = Object.fromEntries(s.top.map((t) => [t.function, t]));
  assert.equal(byName['scan (src/pipeline/impact.ts)']!.selfMs, 0.5);
  assert.equal(byName['pack (node_modules/msgpackr/pack.js:258)']!.selfMs, 0.2);
  assert.equal(byName['(garbage collector)']!.selfMs, 0.1);
  assert.equal(s.top[0]!.function, 'scan (src/pipeline/impact.ts)');
  assert.equal(s.top[0]!.percent, 62.5);
  assert.equal(s.top.length, 3);
});

test('a window keeps only the samples taken inside it', () => {
  // sample timestamps: 1000, 1100, 1200, 1500, 1900, 2000
  const s = summariseProfile(profile, 10, { fromUs: 1050, toUs: 1600 });
  assert.deepEqual(s.top.map((t) => t.function), ['scan (src/pipeline/impact.ts)', 'pack (node_modules/msgpackr/pack.js:258)']);
  assert.equal(s.idleMs, 0);
});

test('labels: TypeScript files without their (transpiled) line, JS with a 1-based line', () => {
  assert.equal(frameLabel(frame(9, '', 'file:///a/b/workers/validator.ts', 3)), '(anonymous) (workers/validator.ts)');
  assert.equal(frameLabel(frame(9, 'f', 'node:internal/x', 9)), 'f (node:internal/x:10)');
});

test('thread ids come from the file name; roles from the code the thread ran', () => {
  assert.equal(threadIdOf('CPU.20261122.033852.26397.0.001.cpuprofile'), 0);
  assert.equal(threadIdOf('CPU.20261122.033855.26397.2.003.cpuprofile'), 2);
  assert.equal(threadIdOf('other.json'), null);
  assert.equal(threadRole(profile, 0), 'main thread');
  const worker: CpuProfile = { ...profile, nodes: [...profile.nodes, frame(6, 'validatorLoop', 'file:///repo/workers/validator.ts', 1)] };
  assert.equal(threadRole(worker, 2), 'validation worker');
  assert.equal(threadRole(profile, 3), 'worker thread 3');
});
