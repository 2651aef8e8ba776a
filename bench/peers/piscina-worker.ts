/**
 * The Piscina peers' worker: builds the very pipeline the validation thread builds (`buildPipeline`) and
 * judges either one message per `run()` (the obvious design) or a batch packed with the bus's own codec.
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { VerdictWriter, codeToWire } from '../../src/dispatch/wire/codec.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { EnvelopeDecoder } from '../../src/dispatch/wire/envelope.ts';
import { buildPipeline } from '../../src/pipeline/build.ts';
import type { PipelineSpec } from '../../src/pipeline/spec.ts';
import type { Pipeline, PipelineContext, PipelineItem } from '../../src/pipeline/index.ts';
import { registrySnapshot, type RegistryEntry, type RegistrySnapshot } from '../../src/model/registry-snapshot.ts';
import type { AgentMessage, JsonValue, MessageLimits } from '../../src/model/message.ts';

export interface PiscinaWorkerData {
  spec: PipelineSpec;
  registryEntries: RegistryEntry[];
  expectedHash: string;
  limits: MessageLimits;
}

/** One message per `run()`: its header as a plain object, its payload as msgpack bytes when a stage reads it. */
export interface SingleTask {
  message: Omit<AgentMessage, 'payload'>;
  payload: Uint8Array | null;
  payloadBytes: number;
  depth: number;
}

/** What a single `run()` returns: 0 when allowed, else the wire code (reasons stay in the worker, as they cost the same everywhere). */
export type SingleVerdict = number;

const data = workerData as PiscinaWorkerData;
const registry: RegistrySnapshot = registrySnapshot(1, data.registryEntries);
const payloads = new PayloadCodec();
const decoder = new EnvelopeDecoder();
const writer = new VerdictWriter();
let pipeline: Pipeline | null = null;
const ready: Promise<Pipeline> = buildPipeline(data.spec).then((built) => (pipeline = built.pipeline));

/** As in the validation thread: a payload that was not sent cannot be read (E_INTERNAL, fail closed). */
function decodePayload(bytes: Uint8Array | null): JsonValue {
  if (bytes === null) throw new Error('the payload was not sent to this worker');
  return payloads.decode(bytes);
}

function context(): PipelineContext {
  return { expectedHash: data.expectedHash, registry, limits: data.limits, now: Date.now() };
}

function judgeOne(task: SingleTask): SingleVerdict {
  const item: PipelineItem = { message: task.message, payloadBytes: task.payloadBytes, depth: task.depth, payload: () => decodePayload(task.payload) };
  const result = pipeline!.judge(item, context());
  return result.rejection === null ? 0 : codeToWire(result.rejection.code);
}

/** A batch record (the same bytes the bus writes into its ring) in, a verdict record (the same bytes it reads back) out. */
function judgeBatch(bytes: Uint8Array): unknown {
  const envelopes = decoder.decodeBatch(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const ctx = context();
  writer.reset();
  const items: PipelineItem[] = envelopes.map((envelope) => ({ message: envelope, payloadBytes: envelope.payloadBytes, depth: envelope.depth, payload: () => decodePayload(envelope.payload) }));
  // The same batch loop as the validation thread (the policy's misses in one SDK call).
  pipeline!.judgeBatch(items, ctx, {
    preparing() {},
    judging() {},
    judged(i, result) {
      const envelope = envelopes[i]!;
      if (result.rejection === null) writer.add(envelope.slot, envelope.generation, null, [], result.impact, 0, 0);
      else writer.add(envelope.slot, envelope.generation, result.rejection.code, result.rejection.reasons, result.impact, 0, 0);
    },
  });
  const out = writer.finish().slice();
  return Piscina.move(out);
}

export default function judge(task: SingleTask | Uint8Array): SingleVerdict | unknown | Promise<SingleVerdict | unknown> {
  // Only the first task waits for the pipeline to load; after that the hot path is synchronous.
  if (pipeline === null) return ready.then(() => judge(task));
  return task instanceof Uint8Array ? judgeBatch(task) : judgeOne(task);
}
