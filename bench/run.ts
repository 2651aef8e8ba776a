import cliProgress from 'cli-progress';
import { createAgentBus } from '../src/bus.ts';
import type { PipelineKind } from '../src/dispatch/protocol.ts';
import { runClosedLoop, type LoadResult } from './closed-loop.ts';
import { machineInfo, type MachineInfo } from './machine.ts';
import { resultTable } from './report.ts';
import { buildScenario, registerScenario } from './scenario.ts';

export interface BenchOptions {
  json: boolean;
  durationS: number;
  warmupS: number;
  pipeline: PipelineKind;
  inFlight: number;
  workers?: number;
  quick: boolean;
}

export interface BenchReport {
  machine: MachineInfo;
  command: string;
  results: LoadResult[];
}

/** The main job: the default bus (worker threads, in-process delivery) under a closed loop. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const scenario = buildScenario();
  const bus = await createAgentBus({ pipeline: options.pipeline, ...(options.workers ? { workers: options.workers } : {}) });
  registerScenario(bus, scenario);
  const bar = options.json || !process.stderr.isTTY ? null : new cliProgress.SingleBar(
    { stream: process.stderr, format: 'agentbus closed loop  [{bar}] {value}/{total} s  {settled} settled', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar?.start(options.durationS, 0, { settled: 0 });
  try {
    const result = await runClosedLoop('agentbus', bus, scenario.messages, {
      inFlight: options.inFlight,
      durationS: options.durationS,
      warmupS: options.warmupS,
      onProgress: (elapsed, settled) => bar?.update(Math.min(options.durationS, Math.round(elapsed * 10) / 10), { settled }),
    });
    return { machine: machineInfo(), command: `agentbus bench ${process.argv.slice(3).join(' ')}`.trim(), results: [result] };
  } finally {
    bar?.stop();
    await bus.close();
  }
}

export function printBench(report: BenchReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const m = report.machine;
  process.stdout.write(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit}\n\n`);
  process.stdout.write(resultTable(report.results) + '\n');
}
