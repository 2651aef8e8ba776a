import { Command } from 'commander';

export interface ReliabilityBenchOptions {
  /** Offered rate; 0 = measure the maximum first (closed loop) and derive it. */
  rate: number;
  durationS: number;
  calibrateS: number;
  workers: number | undefined;
  deliberation: boolean;
}

/** The flags both reliability benches take; `defaultDurationS` and `rateFactor` differ. */
export function parseReliabilityOptions(name: string, defaultDurationS: number, rateFactor: number, argv = process.argv): ReliabilityBenchOptions {
  const program = new Command(name)
    .option('--duration <s>', 'seconds of load', String(defaultDurationS))
    .option('--rate <msgs/s>', `offered rate (default: ${rateFactor} × the maximum measured first)`, '0')
    .option('--calibrate <s>', 'seconds of closed-loop load to measure the maximum rate', '5')
    .option('--workers <n>', 'validation threads (default: the bus default)')
    .option('--no-deliberation', 'turn deliberation off (default: on, as createAgentBus() runs)')
    .parse(argv);
  const o = program.opts<{ duration: string; rate: string; calibrate: string; workers?: string; deliberation: boolean }>();
  return {
    rate: Number(o.rate),
    durationS: Number(o.duration),
    calibrateS: Number(o.calibrate),
    workers: o.workers === undefined ? undefined : Number(o.workers),
    deliberation: o.deliberation,
  };
}
