/**
 * One trial: one peer, started once, put through a list of loads, in a process of its own. Runs as a child
 * of the bench (results go back over IPC) or alone, e.g. under `--cpu-prof` (results go to stdout). The bench
 * runs its compiled form (../compiled.ts); from source it runs the same way through tsx:
 *
 *   node .bench-build/bench/load/trial.js '{"peer":"agentbus","pipeline":"validation","workers":1,...}'
 *   node --import tsx bench/load/trial.ts '{"peer":"agentbus","pipeline":"validation","workers":1,...}'
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchPipeline } from '../peers/pipeline-spec.ts';
import { peerDefinition, type Peer, type PeerName } from '../peers/index.ts';
import type { MessageInput } from '../../src/model/message.ts';
import { buildScenario } from '../scenario.ts';
import { runClosedLoop } from './closed-loop.ts';
import { runOpenLoop } from './open-loop.ts';
import type { LoadResult } from './result.ts';

export type LoadSpec = { mode: 'closed'; inFlight: number } | { mode: 'open'; ratePerS: number };

export interface TrialSpec {
  peer: PeerName;
  pipeline: BenchPipeline;
  workers: number;
  warmupS: number;
  durationS: number;
  loads: LoadSpec[];
  /** Open loop: most messages outstanding before the sender waits. */
  maxOutstanding: number;
}

export type TrialMessage =
  | { type: 'progress'; load: number; elapsedS: number; settled: number }
  | { type: 'result'; load: number; result: LoadResult }
  | { type: 'window'; load: number; fromUs: number; toUs: number }
  | { type: 'error'; message: string };

/** Pause between two loads of one trial, so the next starts from a quiet machine (GC, parked threads). */
const PAUSE_BETWEEN_LOADS_MS = 200;

/**
 * Before any clock starts: push a few thousand messages through, in waves, so threads have started, the
 * pipeline is built in each of them and the hot paths are compiled. Without it the first open-loop window
 * measures start-up (a backlog that then drains inside the window).
 */
async function primePeer(peer: Peer, messages: readonly MessageInput[]): Promise<void> {
  for (let wave = 0; wave < 8; wave++) {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 256; i++) sends.push(peer.send(messages[(wave * 256 + i) % messages.length]!));
    await Promise.all(sends);
  }
}

export async function runTrial(spec: TrialSpec, report: (message: TrialMessage) => void): Promise<void> {
  const scenario = buildScenario();
  const definition = peerDefinition(spec.peer);
  const peer = await definition.create({ pipeline: spec.pipeline, workers: spec.workers, scenario });
  try {
    await primePeer(peer, scenario.messages);
    for (let i = 0; i < spec.loads.length; i++) {
      const load = spec.loads[i]!;
      const onProgress = (elapsedS: number, settled: number): void => report({ type: 'progress', load: i, elapsedS, settled });
      // The measured window on the monotonic clock V8's profiler uses (µs), so a profile can be cut to it.
      const windowFromUs = Number(process.hrtime.bigint() / 1000n) + spec.warmupS * 1e6;
      report({ type: 'window', load: i, fromUs: windowFromUs, toUs: windowFromUs + spec.durationS * 1e6 });
      const result =
        load.mode === 'closed'
          ? await runClosedLoop(spec.peer, peer, scenario.messages, { inFlight: load.inFlight, warmupS: spec.warmupS, durationS: spec.durationS, onProgress })
          : await runOpenLoop(spec.peer, peer, scenario.messages, {
              ratePerS: load.ratePerS,
              warmupS: spec.warmupS,
              durationS: spec.durationS,
              maxOutstanding: spec.maxOutstanding,
              drainTimeoutS: 5,
              onProgress,
            });
      report({ type: 'result', load: i, result });
      if (i + 1 < spec.loads.length) await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_LOADS_MS));
    }
  } finally {
    await peer.close();
  }
}

const isEntryPoint = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isEntryPoint && process.argv[2] !== undefined) {
  const spec = JSON.parse(process.argv[2]) as TrialSpec;
  const toParent = typeof process.send === 'function';
  runTrial(spec, (message) => {
    if (toParent) process.send!(message);
    else if (message.type === 'result') process.stdout.write(JSON.stringify({ ...message.result, distribution: undefined }) + '\n');
    else if (message.type === 'window') process.stdout.write(JSON.stringify({ window: { fromUs: message.fromUs, toUs: message.toUs } }) + '\n');
  }).then(
    () => {
      // Let IPC flush before leaving; worker threads are already stopped.
      if (toParent) process.disconnect?.();
    },
    (error: unknown) => {
      const message = (error as Error)?.stack ?? String(error);
      if (toParent) process.send!({ type: 'error', message } satisfies TrialMessage, () => process.exit(1));
      else {
        process.stderr.write(message + '\n');
        process.exitCode = 1;
      }
    },
  );
}
