import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DEFAULT_LIMITS, type AgentMessage } from '../../src/model/message.ts';
import { createPipeline, type PipelineContext, type PipelineItem } from '../../src/pipeline/index.ts';
import { createSignatureStage, type KeyedAgentInfo } from '../../src/pipeline/signature.ts';
import type { RegistrySnapshot } from '../../src/model/registry-snapshot.ts';
import { parsePublicKey, rawPublicKey } from '../../src/signature/keys.ts';
import { ReplayGuard } from '../../src/signature/replay.ts';
import { signMessage } from '../../src/signature/sign.ts';

const HASH = 'cdd01ef066bc6cf2';
const alice = generateKeyPairSync('ed25519');
const mallory = generateKeyPairSync('ed25519');
const NOW = 1_800_000_000_000;

/** A registry snapshot as the workers will get it: keys crossed as raw bytes and rebuilt there. */
function registry(keys: Record<string, KeyObject | undefined>): RegistrySnapshot {
  const agents = new Map<string, KeyedAgentInfo>();
  const tenantOf = new Map<string, string>();
  for (const id of ['alice', 'bob', 'carol', 'plain']) {
    const key = keys[id];
    agents.set(id, { tenantId: 'acme', type: 'agent', capabilities: [], tier: 0, ...(key ? { publicKey: parsePublicKey(rawPublicKey(key)) } : {}) });
    tenantOf.set(id, 'acme');
  }
  return { version: 1, tenantOf, agents };
}

const context: PipelineContext = { expectedHash: HASH, registry: registry({ alice: alice.publicKey }), limits: DEFAULT_LIMITS, now: NOW };

function item(message: Partial<AgentMessage> & { signature?: unknown }): PipelineItem {
  const full = { id: 'm', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', priority: 1, constitutionalHash: HASH, payload: null, metadata: {}, createdAt: NOW, ...message } as AgentMessage;
  const { payload, ...header } = full;
  return { message: header, payloadBytes: 8, depth: 1, payload: () => payload };
}

const signed = (fields: Record<string, unknown> = {}, key: KeyObject = alice.privateKey) =>
  signMessage({ id: 'm-1', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { amount: 10 }, createdAt: NOW, ...fields } as never, key);

test('through the pipeline: a signed message from a keyed agent passes every stage', () => {
  const pipeline = createPipeline({ extra: [createSignatureStage()] });
  assert.deepEqual(pipeline.judge(item(signed()), context), { rejection: null, impact: 0 });
});

test('unsigned from a keyed agent: E_SIGNATURE; an agent without a key is not checked', () => {
  const pipeline = createPipeline({ extra: [createSignatureStage()] });
  const { signature: _s, ...unsigned } = signed();
  const result = pipeline.judge(item(unsigned), context);
  assert.equal(result.rejection?.code, 'E_SIGNATURE');
  assert.match(result.rejection!.reasons[0]!, /'alice' registered a public key: its messages must be signed/);
  assert.equal(pipeline.judge(item({ ...unsigned, from: 'plain' }), context).rejection, null);
});

test('wrong key: signed by another key than the one alice registered', () => {
  const stage = createSignatureStage();
  const rejection = stage(item(signed({}, mallory.privateKey)), context);
  assert.equal(rejection?.code, 'E_SIGNATURE');
  assert.match(rejection!.reasons[0]!, /does not verify with 'alice's public key/);
});

test('altered payload: E_SIGNATURE', () => {
  const message = signed();
  assert.equal(createSignatureStage()(item({ ...message, payload: { amount: 10_000 } }), context)?.code, 'E_SIGNATURE');
});

test('altered header field: each of to, type, priority, expiresAt, createdAt, id, hash', () => {
  const stage = createSignatureStage();
  const message = signed({ expiresAt: NOW + 60_000 });
  assert.equal(stage(item(message), context), null);
  for (const change of [{ to: 'carol' }, { type: 'query' }, { priority: 3 }, { expiresAt: NOW + 120_000 }, { createdAt: NOW - 1 }, { id: 'm-2' }, { constitutionalHash: HASH.toUpperCase() }]) {
    assert.equal(stage(item({ ...message, ...change } as never), context)?.code, 'E_SIGNATURE', JSON.stringify(change));
  }
});

test('replay: the same signed message twice is refused; a forgery does not burn the id', () => {
  const stage = createSignatureStage({ replay: new ReplayGuard({ windowMs: 60_000 }) });
  const forged = signed({ id: 'm-7' }, mallory.privateKey);
  assert.equal(stage(item(forged), context)?.code, 'E_SIGNATURE');
  const genuine = signed({ id: 'm-7' });
  assert.equal(stage(item(genuine), context), null, 'the forgery was not remembered');
  const replayed = stage(item(genuine), { ...context, now: NOW + 1_000 });
  assert.equal(replayed?.code, 'E_SIGNATURE');
  assert.match(replayed!.reasons[0]!, /replay/);
  assert.equal(stage(item(signed({ id: 'm-8' })), context), null, 'a new id passes');
  const stale = stage(item(signed({ id: 'm-9', createdAt: NOW - 120_000 })), context);
  assert.match(stale?.reasons[0] ?? '', /outside the 60000 ms replay window/);
});

test('a stage that cannot read the payload fails closed through the pipeline (E_INTERNAL), never passes', () => {
  const pipeline = createPipeline({ extra: [createSignatureStage()] });
  const message = item(signed());
  const broken: PipelineItem = { ...message, payload: () => { throw new Error('payload was not sent to this worker'); } };
  assert.equal(pipeline.judge(broken, context).rejection?.code, 'E_INTERNAL');
});
