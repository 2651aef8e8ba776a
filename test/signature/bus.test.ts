import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type AgentMessage } from '../../src/index.ts';
import { rawPublicKey } from '../../src/signature/keys.ts';
import { signMessage } from '../../src/signature/sign.ts';
import { runWorkflow } from '../../src/workflow/run.ts';

const STAGE = fileURLToPath(new URL('../fixtures/signature-stage.ts', import.meta.url));
const alice = generateKeyPairSync('ed25519');
const mallory = generateKeyPairSync('ed25519');
process.env.AGENTBUS_TEST_PUBLIC_KEYS = `alice=${Buffer.from(rawPublicKey(alice.publicKey)).toString('hex')}`;

/** A signed message with its signature carried in metadata (see the fixture). */
function send(fields: Record<string, unknown>, key = alice.privateKey, change: Record<string, unknown> = {}) {
  const { signature, ...signed } = signMessage({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { amount: 10 }, ...fields } as never, key);
  return { ...signed, ...change, metadata: { signature } };
}

for (const [name, options] of [['inline', { mode: 'inline' }], ['worker threads', { workers: 1 }]] as const) {
  test(`${name}: signed messages are delivered; forged, altered and unsigned ones from a keyed agent are E_SIGNATURE`, async () => {
    const bus = await createAgentBus({ log: () => {}, deliberation: false, stages: [STAGE], ...options });
    try {
      const delivered: AgentMessage[] = [];
      bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
      bus.registerAgent({ id: 'plain', tenantId: 'acme', handler: () => {} });
      bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: (m) => void delivered.push(m) });
      const results = await Promise.all([
        bus.send(send({ id: 'ok-1' })),
        bus.send(send({ id: 'forged' }, mallory.privateKey)),
        bus.send(send({ id: 'altered' }, alice.privateKey, { payload: { amount: 10_000 } })),
        bus.send(send({ id: 'moved' }, alice.privateKey, { priority: 3 })),
        bus.send({ id: 'unsigned', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { amount: 10 } }),
        bus.send({ id: 'unkeyed', from: 'plain', to: 'bob', type: 'command', tenantId: 'acme' }),
      ]);
      assert.deepEqual(
        results.map((r) => [r.id, r.status, r.code]),
        [
          ['ok-1', 'delivered', undefined],
          ['forged', 'rejected', 'E_SIGNATURE'],
          ['altered', 'rejected', 'E_SIGNATURE'],
          ['moved', 'rejected', 'E_SIGNATURE'],
          ['unsigned', 'rejected', 'E_SIGNATURE'],
          ['unkeyed', 'delivered', undefined],
        ],
      );
      assert.deepEqual(delivered.map((m) => m.id).sort(), ['ok-1', 'unkeyed']);
    } finally {
      await bus.close();
    }
  });
}

test('a workflow whose sender is keyed signs each attempt in beforeSend; unsigned, its steps are refused', async () => {
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, stages: [STAGE] });
  try {
    let calls = 0;
    bus.registerAgent({ id: 'alice', tenantId: 'acme', handler: () => {} });
    bus.registerAgent({
      id: 'bob',
      tenantId: 'acme',
      handler: () => {
        if (++calls === 1) throw new Error('transient');
      },
    });
    const steps = [
      { id: 'one', message: { from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { n: 1 } }, retries: 1 },
      { id: 'two', message: { from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { n: 2 } }, dependsOn: ['one'] },
    ] as const;
    const sign = (message: Parameters<typeof signMessage>[0]) => {
      const { signature, ...signed } = signMessage(message, alice.privateKey);
      return { ...signed, metadata: { ...signed.metadata, signature } };
    };
    const signed = await runWorkflow(bus, { steps }, { beforeSend: sign });
    assert.equal(signed.status, 'succeeded', JSON.stringify(signed.steps));
    assert.deepEqual(signed.steps.one!.attempts.map((a) => [a.status, a.code]), [['failed', 'E_HANDLER'], ['delivered', undefined]]);
    const unsigned = await runWorkflow(bus, { steps });
    assert.deepEqual(unsigned.steps.one!.attempts.map((a) => [a.status, a.code]), [['rejected', 'E_SIGNATURE']]);
    assert.deepEqual(unsigned.skipped, ['two']);
  } finally {
    await bus.close();
  }
});
