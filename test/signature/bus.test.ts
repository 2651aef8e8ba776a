import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createAgentBus, type AgentBus, type AgentMessage, type BusOptions } from '../../src/index.ts';
import { rawPublicKey } from '../../src/signature/keys.ts';
import { signMessage } from '../../src/signature/sign.ts';

const alice = generateKeyPairSync('ed25519');
const mallory = generateKeyPairSync('ed25519');
const base = { from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { amount: 10 } } as const;

/** alice registers her key (as raw bytes, the form a registry carries to the threads), plain has none. */
function register(bus: AgentBus, delivered: AgentMessage[]): void {
  bus.registerAgent({ id: 'alice', tenantId: 'acme', publicKey: rawPublicKey(alice.publicKey), handler: () => {} });
  bus.registerAgent({ id: 'plain', tenantId: 'acme', handler: () => {} });
  bus.registerAgent({ id: 'bob', tenantId: 'acme', handler: (m) => void delivered.push(m) });
}

const modes: readonly (readonly [string, BusOptions])[] = [
  ['inline', { mode: 'inline' }],
  // The built-in signature stage on real validation threads: signature bytes and payload cross the rings.
  ['two validation threads', { workers: 2 }],
  // With deliberation, impact scoring reads every payload: the payload crosses for every message.
  ['one validation thread, deliberation on', { workers: 1, deliberation: undefined }],
];

for (const [name, options] of modes) {
  test(`${name}: signed messages are delivered; wrong key, altered payload, altered header, unsigned from a keyed agent and a replay are E_SIGNATURE`, async () => {
    const bus = await createAgentBus({ log: () => {}, deliberation: false, ...options });
    try {
      const delivered: AgentMessage[] = [];
      register(bus, delivered);
      const genuine = signMessage({ ...base, id: 'ok-1' }, alice.privateKey);
      const results = await Promise.all([
        bus.send(genuine),
        bus.send(signMessage({ ...base, id: 'forged' }, mallory.privateKey)),
        bus.send({ ...signMessage({ ...base, id: 'altered' }, alice.privateKey), payload: { amount: 10_000 } }),
        bus.send({ ...signMessage({ ...base, id: 'moved' }, alice.privateKey), priority: 3 }),
        bus.send({ ...signMessage({ ...base, id: 'redirected' }, alice.privateKey), to: 'plain' }),
        bus.send({ ...base, id: 'unsigned' }),
        bus.send({ ...base, id: 'unkeyed', from: 'plain' }),
      ]);
      assert.deepEqual(
        results.map((r) => [r.id, r.status, r.code]),
        [
          ['ok-1', 'delivered', undefined],
          ['forged', 'rejected', 'E_SIGNATURE'],
          ['altered', 'rejected', 'E_SIGNATURE'],
          ['moved', 'rejected', 'E_SIGNATURE'],
          ['redirected', 'rejected', 'E_SIGNATURE'],
          ['unsigned', 'rejected', 'E_SIGNATURE'],
          ['unkeyed', 'delivered', undefined],
        ],
      );
      assert.match(results[5]!.reasons[0]!, /'alice' registered a public key: its messages must be signed/);
      // The handler gets the message as sent, signature included (a recipient may verify it again).
      assert.deepEqual(delivered.map((m) => m.id).sort(), ['ok-1', 'unkeyed']);
      assert.equal(delivered.find((m) => m.id === 'ok-1')!.signature, genuine.signature);

      const replay = await bus.send(genuine);
      assert.deepEqual([replay.status, replay.code], ['rejected', 'E_SIGNATURE']);
      assert.match(replay.reasons[0]!, /replay: 'alice' already sent message 'ok-1'/);
      assert.equal(delivered.filter((m) => m.id === 'ok-1').length, 1, 'the replay never reached the handler');
    } finally {
      await bus.close();
    }
  });
}

test('two validation threads: of the same signed message sent many times at once, exactly one is delivered', async () => {
  const bus = await createAgentBus({ log: () => {}, deliberation: false, workers: 2 });
  try {
    const delivered: AgentMessage[] = [];
    register(bus, delivered);
    const signed = Array.from({ length: 20 }, (_, i) => signMessage({ ...base, id: `m-${i}` }, alice.privateKey));
    // Every message four times, interleaved, so copies travel in different ring records and threads.
    const results = await Promise.all([0, 1, 2, 3].flatMap(() => signed.map((m) => bus.send(m))));
    assert.equal(results.filter((r) => r.status === 'delivered').length, 20);
    assert.deepEqual(new Set(results.filter((r) => r.status !== 'delivered').map((r) => r.code)), new Set(['E_SIGNATURE']));
    assert.deepEqual(delivered.map((m) => m.id).sort(), signed.map((m) => m.id).sort());
  } finally {
    await bus.close();
  }
});

test('a forged copy does not burn the genuine message id; a signed message from a sender without a key is not remembered', async () => {
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false });
  try {
    const delivered: AgentMessage[] = [];
    register(bus, delivered);
    const forged = await bus.send(signMessage({ ...base, id: 'm-7' }, mallory.privateKey));
    assert.equal(forged.code, 'E_SIGNATURE');
    const genuine = await bus.send(signMessage({ ...base, id: 'm-7' }, alice.privateKey));
    assert.equal(genuine.status, 'delivered');
    const unkeyed = signMessage({ ...base, id: 'p-1', from: 'plain' }, mallory.privateKey);
    assert.equal((await bus.send(unkeyed)).status, 'delivered');
    assert.equal((await bus.send(unkeyed)).status, 'delivered', 'a sender without a key is not checked, nor its ids remembered');
  } finally {
    await bus.close();
  }
});

test('replay window: a signed message created before the window is refused', async () => {
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, replay: { windowMs: 1_000 } });
  try {
    register(bus, []);
    const stale = await bus.send(signMessage({ ...base, id: 'old', createdAt: Date.now() - 5_000 }, alice.privateKey));
    assert.deepEqual([stale.status, stale.code], ['rejected', 'E_SIGNATURE']);
    assert.match(stale.reasons[0]!, /outside the 1000 ms replay window/);
  } finally {
    await bus.close();
  }
});

// Bounded: without intake's check a malformed signature would reach the envelope encoder, which refuses it.
test('intake refuses a signature that is not the base64 of 64 bytes, whoever sends it; registration refuses a key that is not Ed25519', { timeout: 30_000 }, async () => {
  const bus = await createAgentBus({ workers: 1, log: () => {}, deliberation: false });
  try {
    register(bus, []);
    // From a sender without a key (which the signature stage would not check): refused at intake, before
    // the envelope, which carries a signature as its 64 bytes.
    for (const signature of ['', 'abc', 'A'.repeat(88), 42, 'A'.repeat(10_000), '=' + 'A'.repeat(87)]) {
      const result = await bus.send({ ...base, from: 'plain', id: 'x', signature } as never);
      assert.deepEqual([result.status, result.code], ['rejected', 'E_SIGNATURE'], JSON.stringify(signature).slice(0, 20));
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => bus.registerAgent({ id: 'r', tenantId: 'acme', publicKey: rsa.publicKey, handler: () => {} }), { code: 'E_CONFIG' });
    assert.throws(() => bus.registerAgent({ id: 'r', tenantId: 'acme', publicKey: new Uint8Array(31), handler: () => {} }), { code: 'E_CONFIG' });
    assert.equal(bus.getAgent('r'), undefined);
  } finally {
    await bus.close();
  }
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, deliberation: false, replay: { windowMs: 0 } }), { code: 'E_CONFIG' });
});

test('bus.runWorkflow: a keyed sender signs each attempt in beforeSend (retries get their own ids, so none is a replay); unsigned, its steps are refused', async () => {
  const bus = await createAgentBus({ mode: 'inline', log: () => {}, deliberation: false });
  try {
    let calls = 0;
    bus.registerAgent({ id: 'alice', tenantId: 'acme', publicKey: alice.publicKey, handler: () => {} });
    bus.registerAgent({
      id: 'bob',
      tenantId: 'acme',
      handler: () => {
        if (++calls === 1) throw new Error('transient');
      },
    });
    const steps = [
      { id: 'one', message: { ...base, payload: { n: 1 } }, retries: 1 },
      { id: 'two', message: { ...base, payload: { n: 2 } }, dependsOn: ['one'] },
    ] as const;
    const signed = await bus.runWorkflow({ steps }, { beforeSend: (message) => signMessage(message, alice.privateKey) });
    assert.equal(signed.status, 'succeeded', JSON.stringify(signed.steps));
    assert.deepEqual(signed.steps.one!.attempts.map((a) => [a.status, a.code]), [['failed', 'E_HANDLER'], ['delivered', undefined]]);
    const unsigned = await bus.runWorkflow({ steps });
    assert.deepEqual(unsigned.steps.one!.attempts.map((a) => [a.status, a.code]), [['rejected', 'E_SIGNATURE']]);
    assert.deepEqual(unsigned.skipped, ['two']);
  } finally {
    await bus.close();
  }
});
