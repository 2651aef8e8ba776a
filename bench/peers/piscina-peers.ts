import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { readVerdicts } from '../../src/dispatch/wire/codec.ts';
import { EnvelopeEncoder, type OutgoingMessage } from '../../src/dispatch/wire/envelope.ts';
import { workerEntry } from '../../src/workers/entry.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import type { MessageInput } from '../../src/model/message.ts';
import { MainSide, type Intake } from './main-side.ts';
import type { Peer, PeerDefinition, PeerOptions } from './peer.ts';
import type { PiscinaWorkerData, SingleTask, SingleVerdict } from './piscina-worker.ts';
import { benchPipelineSpec } from './pipeline-spec.ts';
import type { PipelineSpec } from '../../src/pipeline/spec.ts';
import type { SendOutcome } from './peer.ts';

/** Most messages per batched `run()`: the bus's own default record size (`maxBatch`). */
const BATCH_SIZE = 256;

function piscinaFor(options: PeerOptions, main: MainSide, spec: PipelineSpec, extra: Partial<ConstructorParameters<typeof Piscina>[0]>): Piscina {
  // The core's helper gives worker threads tsx's loader when running from source; only the file differs.
  const { execArgv } = workerEntry('validator');
  const workerData: PiscinaWorkerData = {
    spec,
    registryEntries: main.registry.entries(),
    expectedHash: main.options.constitutionalHash,
    limits: main.options.limits,
  };
  // Same number of threads as agentbus gets; everything else is Piscina's default unless `extra` says otherwise.
  return new Piscina({
    filename: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './piscina-worker.ts' : './piscina-worker.js', import.meta.url)),
    execArgv,
    workerData,
    minThreads: options.workers,
    maxThreads: options.workers,
    ...extra,
  });
}

/** Starts every thread and loads the pipeline in each before the clock starts. */
async function warmThreads(warmUp: () => Promise<unknown>, threads: number): Promise<void> {
  const runs: Promise<unknown>[] = [];
  for (let i = 0; i < threads * 4; i++) runs.push(warmUp());
  await Promise.all(runs);
}

const payloads = new PayloadCodec();

/** One message as one task: its payload as msgpack (the bus's codec) when the pipeline reads it. */
function toSingleTask(intake: Intake): SingleTask {
  const { payload, ...header } = intake.accepted.message;
  return { message: header, payload: intake.sendsPayload ? payloads.encode(payload) : null, payloadBytes: intake.accepted.payloadBytes, depth: intake.accepted.depth };
}

export const piscinaPerMessagePeer: PeerDefinition = {
  name: 'piscina-per-message',
  async create(options) {
    const spec = benchPipelineSpec(options.pipeline);
    const main = new MainSide(options.scenario, spec);
    const pool = piscinaFor(options, main, spec, {});
    const send = (message: MessageInput): Promise<SendOutcome> => {
      const intake = main.intake(message);
      if (intake === null) return Promise.resolve('denied');
      return (pool.run(toSingleTask(intake)) as Promise<SingleVerdict>).then((wire) => (wire === 0 && main.deliver(intake.accepted) ? 'delivered' : 'denied'));
    };
    await warmThreads(() => send(options.scenario.messages[0]!), options.workers);
    return { send, close: () => pool.destroy() } satisfies Peer;
  },
};

interface Pending {
  intake: Intake;
  resolve: (outcome: SendOutcome) => void;
}

/**
 * Piscina with batches: every message sent in one turn of the event loop (at most 256) goes in one `run()`,
 * packed by the bus's own envelope codec, and the verdicts come back in the bus's own verdict format. This is
 * the strongest Piscina design we know: what is left between it and agentbus is `run()` against the ring.
 * Four batches may be in flight per thread, because with one a batch of one message at low load waits for
 * the whole previous batch (measured: P50 of 205 ms at 20k msgs/s, shared/research/dispatch.md).
 */
export const piscinaBatchedPeer: PeerDefinition = {
  name: 'piscina-batched',
  async create(options) {
    const spec = benchPipelineSpec(options.pipeline);
    const main = new MainSide(options.scenario, spec);
    const pool = piscinaFor(options, main, spec, { concurrentTasksPerWorker: 4 });
    const encoder = new EnvelopeEncoder();
    let pending: Pending[] = [];
    let scheduled = false;

    const flush = (): void => {
      scheduled = false;
      while (pending.length > 0) {
        const batch = pending.length <= BATCH_SIZE ? pending : pending.slice(0, BATCH_SIZE);
        pending = pending.length <= BATCH_SIZE ? [] : pending.slice(BATCH_SIZE);
        dispatch(batch);
      }
    };

    const dispatch = (batch: Pending[]): void => {
      const slots = batch.map((_, i) => i);
      const generations = batch.map(() => 0);
      const now = performance.timeOrigin + performance.now();
      const outgoing: OutgoingMessage[] = batch.map((p) => ({ accepted: p.intake.accepted, sendsPayload: p.intake.sendsPayload, sentAt: now }));
      // A copy: the encoder reuses its buffer, and this one is moved to the worker.
      const bytes = Buffer.from(encoder.encodeBatch(slots, generations, outgoing));
      for (const i of encoder.refused) batch[i]!.resolve('denied'); // payload changed after send(): the bus refuses it too
      (pool.run(Piscina.move(bytes)) as Promise<Uint8Array>).then(
        (verdicts) => {
          readVerdicts(verdicts, 0, verdicts.length, (verdict) => {
            const p = batch[verdict.slot]!;
            p.resolve(verdict.code === null && main.deliver(p.intake.accepted) ? 'delivered' : 'denied');
          });
        },
        () => {
          for (const p of batch) p.resolve('error');
        },
      );
    };

    const send = (message: MessageInput): Promise<SendOutcome> => {
      const intake = main.intake(message);
      if (intake === null) return Promise.resolve('denied');
      return new Promise<SendOutcome>((resolve) => {
        pending.push({ intake, resolve });
        if (pending.length >= BATCH_SIZE) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    };
    await warmThreads(() => send(options.scenario.messages[0]!), options.workers);
    return { send, close: () => pool.destroy() } satisfies Peer;
  },
};
