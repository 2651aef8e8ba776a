import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PairDecisionCache } from '../../src/pipeline/policy-cache.ts';
import { buildPolicyInput, type PolicyAgent } from '../../src/pipeline/policy-input.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, type AgentMessage } from '../../src/model/message.ts';

// A collector we can call: the estimate is checked against the heap it claims to bound.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const agent: PolicyAgent = { tenantId: 'acme', type: 'worker', capabilities: ['chat', 'search'] };

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

test('the byte estimate of cached decisions is not below the heap they really keep alive', () => {
  const n = 3_000;
  // Every string is made fresh here and kept only by the cache once the loop ends.
  const make = (i: number) => {
    const message: AgentMessage = {
      id: `m${i}`, from: `sender-${i}`, to: `recipient-${i}`, type: 'command', tenantId: 'acme', priority: 1,
      constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, payload: null, createdAt: 0,
      metadata: { trace: `trace-${i}-`.padEnd(300, 'a'), region: `eu-${i}`, note: `n${i}`.padEnd(120, 'b') },
    };
    return buildPolicyInput(message, 100, { expectedHash: DEFAULT_CONSTITUTIONAL_HASH, now: 0, sender: agent, recipient: agent });
  };
  const cache = new PairDecisionCache<{ allowed: boolean }>(n * 2, 60_000, { maxBytes: Number.MAX_SAFE_INTEGER });
  const before = heapAfterGc();
  for (let i = 0; i < n; i++) cache.set(make(i), { allowed: true }, 0);
  const grown = heapAfterGc() - before;
  assert.equal(cache.size, n);
  assert.ok(cache.bytes >= grown, `estimated ${cache.bytes} bytes, the heap grew ${grown}`);
  // And not so loose that the bound means little.
  assert.ok(cache.bytes <= grown * 4, `estimated ${cache.bytes} bytes, the heap grew ${grown}`);
});
