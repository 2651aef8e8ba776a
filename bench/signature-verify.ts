// What a signed message costs the validation thread: the signature stage's work per message (canonical
// encoding of the signed fields + Ed25519 verify, node:crypto), for payloads of a few sizes — alone, and as
// the validation thread runs it (the payload decoded from the msgpack that crossed the ring, the signature
// as its 64 bytes); what it costs the main thread (encoding the payload for the ring, the replay check);
// and, for reference, the canonical encoding alone and signing on the sender's side.
// Run: node --import tsx bench/signature-verify.ts [--quick]
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { DEFAULT_LIMITS, type AgentMessage, type JsonValue } from '../src/model/message.ts';
import type { PipelineContext, PipelineItem } from '../src/pipeline/index.ts';
import { createSignatureStage, type KeyedAgentInfo } from '../src/pipeline/signature.ts';
import { PayloadCodec } from '../src/intake/payload-codec.ts';
import { canonicalSigningText } from '../src/signature/canonical.ts';
import { ReplayGuard } from '../src/signature/replay.ts';
import { signMessage } from '../src/signature/sign.ts';
import { machineInfo } from './machine.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick === true;
const keys = generateKeyPairSync('ed25519');
const now = Date.now();

/** A payload of about `bytes` of JSON: an object of short records, as agents' task payloads tend to be. */
function payloadOf(bytes: number): JsonValue {
  const items: JsonValue[] = [];
  for (let i = 0; JSON.stringify(items).length < bytes; i++) items.push({ step: i, tool: `tool-${i % 7}`, args: { path: `/src/file-${i}.ts`, line: i * 13 }, ok: i % 3 !== 0 });
  return { task: 'refactor', items };
}

const registry = {
  version: 1,
  tenantOf: new Map([['alice', 'acme'], ['bob', 'acme']]),
  agents: new Map<string, KeyedAgentInfo>([['alice', { tenantId: 'acme', type: 'agent', capabilities: [], tier: 0, publicKey: keys.publicKey }]]),
};
const context: PipelineContext = { expectedHash: 'cdd01ef066bc6cf2', registry, limits: DEFAULT_LIMITS, now };
const stage = createSignatureStage();

const bench = new Bench({ time: quick ? 200 : 1500, warmupTime: quick ? 50 : 300 });
for (const size of [64, 1024, 16 * 1024]) {
  const signed = signMessage({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: payloadOf(size) }, keys.privateKey, { now });
  const { payload, ...header } = signed as unknown as AgentMessage & { signature: string };
  const item: PipelineItem = { message: { ...header, metadata: {} }, payloadBytes: size, depth: 4, payload: () => payload };
  if (stage(item, context) !== null) throw new Error('the bench message does not verify');
  bench.add(`verify (stage: canonical + Ed25519), ~${size} B payload`, () => stage(item, context));
  const codec = new PayloadCodec();
  const encoded = codec.encode(payload);
  const onThread: PipelineItem = {
    message: { ...header, metadata: {}, signature: Buffer.from(header.signature, 'base64') },
    payloadBytes: encoded.length,
    depth: 4,
    payload: () => codec.decode(encoded),
  };
  if (stage(onThread, context) !== null) throw new Error('the bench message does not verify on the thread path');
  bench.add(`verify as the validation thread does (+ msgpack decode), ~${size} B payload`, () => stage(onThread, context));
  bench.add(`main thread: the payload encoded for the ring, ~${size} B payload`, () => codec.encode(payload));
  bench.add(`canonical encoding only, ~${size} B payload`, () => canonicalSigningText(signed));
  bench.add(`sign (sender side), ~${size} B payload`, () => signMessage(signed, keys.privateKey));
}
{
  const guard = new ReplayGuard({ maxRemembered: 1_000_000 });
  let n = 0;
  bench.add('main thread: replay check of a new (sender, id)', () => guard.check('alice', `m-${n++}`, now, now));
}
await bench.run();

const machine = machineInfo();
console.log(`signature bench: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}`);
for (const task of bench.tasks) {
  const latency = (task.result as { latency?: { mean: number; rme: number } } | undefined)?.latency;
  if (latency === undefined) continue;
  console.log(`${task.name.padEnd(72)} ${(latency.mean * 1000).toFixed(1).padStart(8)} µs per message (±${latency.rme.toFixed(1)}%)`);
}
