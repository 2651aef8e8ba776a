import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerCount, resolveOptions } from '../src/config.ts';
import { DEFAULT_CONSTITUTIONAL_HASH } from '../src/model/message.ts';

function withEnv<T>(vars: Record<string, string>, body: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('defaults', () => {
  const o = resolveOptions();
  assert.equal(o.mode, 'workers');
  assert.equal(o.workers, defaultWorkerCount());
  assert.ok(o.workers >= 1);
  assert.equal(o.constitutionalHash, DEFAULT_CONSTITUTIONAL_HASH);
  assert.equal(o.maxInFlight, 8_192);
  assert.equal(o.maxWaiting, 16_384, 'twice maxInFlight');
  assert.equal(resolveOptions({ maxInFlight: 10 }).maxWaiting, 20);
  assert.equal(o.limits.maxPayloadBytes, 64 * 1024);
  assert.equal(o.limits.maxDepth, 32);
  assert.equal(o.limits.maxIdBytes, 256);
  assert.deepEqual(o.policyCache, { max: 100_000, ttlMs: 60_000, maxBytes: 32 * 1024 * 1024 });
  assert.deepEqual(o.deliberation, { threshold: 0.8 });
});

test('environment overrides apply, explicit options win over them', () => {
  withEnv({ AGENTBUS_WORKERS: '3', AGENTBUS_MAX_IN_FLIGHT: '128', AGENTBUS_MAX_WAITING: '7', AGENTBUS_CONSTITUTIONAL_HASH: 'abc', AGENTBUS_MAX_SPIN_MICROS: '70' }, () => {
    const o = resolveOptions();
    assert.deepEqual([o.workers, o.maxInFlight, o.maxWaiting, o.constitutionalHash, o.maxSpinMicros], [3, 128, 7, 'abc', 70]);
    assert.equal(resolveOptions({ workers: 2 }).workers, 2);
  });
});

test('bad values are configuration errors, named', () => {
  const bad: [string, Parameters<typeof resolveOptions>[0]][] = [
    ['workers', { workers: 0 }],
    ['maxInFlight', { maxInFlight: 1.5 }],
    ['maxWaiting', { maxWaiting: 0 }],
    ['mode', { mode: 'threads' as never }],
    ['limits.maxDepth', { limits: { maxDepth: -1 } }],
    ['ringBytes', { ringBytes: 64 * 1024 }],
    ['ringBytes', { ringBytes: 2 ** 29 + 1 }],
    ['constitutionalHash', { constitutionalHash: '' }],
    ['deliberation.threshold', { deliberation: { threshold: 1.5 } }],
    ['policyCache.max', { policyCache: { max: 0, ttlMs: 1 } }],
  ];
  for (const [name, options] of bad) {
    assert.throws(() => resolveOptions(options), (error: { code?: string; message?: string }) => error.code === 'E_CONFIG' && error.message!.includes(name), name);
  }
  assert.throws(() => withEnv({ AGENTBUS_WORKERS: 'many' }, () => resolveOptions()), { code: 'E_CONFIG' });
});
