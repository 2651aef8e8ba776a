/**
 * The validation thread: one long-lived Piscina task that drains its request ring in batches, runs the
 * pipeline on each message, and writes verdicts to its response ring. When idle it spins for as long as the
 * recent gaps between batches suggest more is coming (a wake-up costs the main thread an Atomics.notify, and
 * the wait 15–75 µs on these VMs), then parks on the ring with Atomics.wait.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { ByteRing } from '../dispatch/wire/ring.ts';
import { Doorbell } from '../dispatch/wire/doorbell.ts';
import { RecordKind, VerdictWriter } from '../dispatch/wire/codec.ts';
import { PayloadCodec } from '../intake/payload-codec.ts';
import type { PolicyInit } from '../pipeline/spec.ts';
import { EnvelopeDecoder, type Envelope } from '../dispatch/wire/envelope.ts';
import {
  COUNTER_POLICY_ERRORS, COUNTER_POLICY_EVALUATIONS, COUNTER_POLICY_HITS, COUNTER_POLICY_MISSES, LOOP_STOPPED,
  SIDE_POLICY, SIDE_REGISTRY, STATUS_COUNTERS_OFFSET, STATUS_GENERATION, STATUS_SLOT, STATUS_THREAD_ID, type ValidatorInit,
} from '../dispatch/wire/protocol.ts';
import { buildPipeline, type BuiltPipeline } from '../pipeline/build.ts';
import type { BatchObserver, PipelineContext, PipelineItem } from '../pipeline/index.ts';
import type { JsonValue } from '../model/message.ts';
import { EMPTY_REGISTRY, registrySnapshot, type RegistryEntry, type RegistrySnapshot } from '../model/registry-snapshot.ts';
import { AdaptiveSpin } from '../dispatch/adaptive-spin.ts';
import { SideChannelReader } from '../dispatch/wire/side-channel.ts';

/** Verdicts per response record: bounds both latency of the first verdict and the record size. */
const MAX_MESSAGES_PER_PASS = 1024;
/**
 * Publish verdicts every this many messages, even mid-batch, so the main thread starts on the first
 * verdicts while this thread judges the rest (the two overlap instead of taking turns). Also the size of
 * the pipeline's batches (prepare): 64 policy misses per SDK call get most of batching's saving.
 */
const VERDICTS_PER_PUBLISH = 64;
const MAX_VERDICT_BYTES_PER_PASS = 512 * 1024;
const PARK_TIMEOUT_MS = 1000;

export default async function validatorLoop(init: ValidatorInit): Promise<string> {
  const request = ByteRing.attach(init.request);
  const response = ByteRing.attach(init.response);
  const doorbell = new Doorbell(init.doorbell);
  const status = new Int32Array(init.status);
  const counters = new Float64Array(init.status, STATUS_COUNTERS_OFFSET, 4);
  status[STATUS_SLOT] = -1;

  let built: BuiltPipeline = await buildPipeline({ kind: init.pipeline, stages: init.stages, policy: init.policy, impact: init.impact });
  let pipeline = built.pipeline;
  // Ready: the pipeline is built. The main thread waits for this before createAgentBus() resolves, and uses
  // the id to terminate this thread should it get stuck.
  Atomics.store(status, STATUS_THREAD_ID, threadId);
  const publishCounters = (): void => {
    if (built.policy === null) return;
    const stats = built.policy.stats();
    counters[COUNTER_POLICY_HITS] = stats.hits;
    counters[COUNTER_POLICY_MISSES] = stats.misses;
    counters[COUNTER_POLICY_EVALUATIONS] = stats.evaluations;
    counters[COUNTER_POLICY_ERRORS] = stats.errors;
  };
  const decoder = new EnvelopeDecoder();
  const payloads = new PayloadCodec();
  const writer = new VerdictWriter();
  let scratch = Buffer.allocUnsafe(256 * 1024);
  let registry: RegistrySnapshot = EMPTY_REGISTRY;
  const side = new SideChannelReader(init.sidePort);
  const spin = new AdaptiveSpin(init.spinMicros, init.maxSpinMicros);
  const batch: EnvelopeItem[] = [];
  /** When this thread picked up the current record (timeOrigin-based, like each envelope's sentAt). */
  let pickedUp = 0;
  // The pipeline's batch work (the policy's cache misses in one SDK call) runs a publish's worth at a time,
  // so verdicts still flow while the rest is judged. It serves several messages at once, so a crash there is
  // charged to all this thread holds, as between messages (slot -1).
  const observer: BatchObserver = {
    preparing() {
      status[STATUS_SLOT] = -1;
    },
    judging(i) {
      const envelope = batch[i]!.message;
      status[STATUS_GENERATION] = envelope.generation;
      status[STATUS_SLOT] = envelope.slot;
    },
    judged(i, result, pipelineUs) {
      const envelope = batch[i]!.message;
      const queuedUs = (pickedUp - envelope.sentAt) * 1000;
      if (result.rejection === null) writer.add(envelope.slot, envelope.generation, null, [], result.impact, queuedUs, pipelineUs);
      else writer.add(envelope.slot, envelope.generation, result.rejection.code, result.rejection.reasons, result.impact, queuedUs, pipelineUs);
    },
  };

  const flushVerdicts = (): void => {
    if (writer.size === 0) return;
    // Counters first: whoever reads a verdict and then metrics() must see that verdict's decision counted.
    publishCounters();
    const record = writer.finish();
    while (!response.tryWrite(RecordKind.VERDICTS, [record])) {
      // The main thread is behind on verdicts: tell it again and give it a moment.
      doorbell.ring();
      Atomics.wait(status, STATUS_SLOT, status[STATUS_SLOT]!, 1);
    }
    writer.reset();
    doorbell.ring();
  };

  for (;;) {
    let processed = 0;
    let record = request.read();
    while (record !== null) {
      if (record.kind === RecordKind.STOP) {
        request.release();
        flushVerdicts();
        return LOOP_STOPPED;
      }
      if (scratch.length < record.length) scratch = Buffer.allocUnsafe(Math.max(record.length, scratch.length * 2));
      // msgpackr's native decoder refuses shared memory: copy out, then give the ring its space back at once.
      scratch.set(request.bytes.subarray(record.start, record.start + record.length));
      const bytes = scratch.subarray(0, record.length);
      request.release();

      if (record.kind === RecordKind.POLICY) {
        // Switch between two records: every message before it was judged by the old policy, every one
        // after by the new one, and the old evaluator (and its cache) goes away whole.
        const revision = payloads.decode(bytes) as string;
        const policy = side.take(SIDE_POLICY, revision) as PolicyInit;
        flushVerdicts();
        built = await buildPipeline({ kind: init.pipeline, stages: init.stages, policy, impact: init.impact });
        pipeline = built.pipeline;
      } else if (record.kind === RecordKind.REGISTRY) {
        const version = payloads.decode(bytes) as number;
        registry = registrySnapshot(version, side.take(SIDE_REGISTRY, String(version)) as RegistryEntry[]);
      } else if (record.kind === RecordKind.MESSAGES) {
        const envelopes = decoder.decodeBatch(bytes);
        pickedUp = performance.timeOrigin + performance.now();
        const context: PipelineContext = { expectedHash: init.expectedHash, registry, limits: init.limits, now: Date.now() };
        for (let start = 0; start < envelopes.length; start += VERDICTS_PER_PUBLISH) {
          batch.length = 0;
          for (let i = start; i < envelopes.length && i < start + VERDICTS_PER_PUBLISH; i++) batch.push(new EnvelopeItem(envelopes[i]!, payloads));
          pipeline.judgeBatch(batch, context, observer);
          status[STATUS_SLOT] = -1;
          if (writer.size >= VERDICTS_PER_PUBLISH) flushVerdicts();
        }
        processed += envelopes.length;
      }
      if (processed >= MAX_MESSAGES_PER_PASS || writer.size * 24 > MAX_VERDICT_BYTES_PER_PASS) break;
      record = request.read();
    }
    flushVerdicts();
    if (processed > 0) continue;

    // Idle: spin (cheap wake-up under steady load), then park.
    const idleSince = performance.now();
    const spinMs = spin.current() / 1000;
    if (spinMs > 0) {
      while (!request.hasData() && performance.now() - idleSince < spinMs) {
        // busy-wait on purpose
      }
    }
    if (!request.hasData()) request.waitForData(PARK_TIMEOUT_MS);
    spin.observeGap((performance.now() - idleSince) * 1000);
  }
}

/** A message as the pipeline sees it in this thread: the payload is decoded only if a stage asks. */
class EnvelopeItem implements PipelineItem {
  readonly payloadBytes: number;
  readonly depth: number;
  readonly encodedPayload: Uint8Array | null;

  constructor(
    readonly message: Envelope,
    private readonly codec: PayloadCodec,
  ) {
    this.payloadBytes = message.payloadBytes;
    this.depth = message.depth;
    this.encodedPayload = message.payload;
  }

  payload(): JsonValue {
    // The main thread sends payloads whenever pipelineReadsPayload says a stage reads them; a stage that
    // asks anyway gets an error, which the pipeline turns into E_INTERNAL (fail closed).
    if (this.message.payload === null) throw new Error('the payload was not sent to this worker: no configured stage declared that it reads it');
    return this.codec.decode(this.message.payload);
  }
}
