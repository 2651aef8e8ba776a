import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the completed count (of `total`) and the step being worked on. */
  update(done: number, step: string): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

/**
 * A progress bar on stderr for commands that can run longer than a second. Only on a terminal, and never with
 * --json, so piped and machine-read output stays exactly the command's answer.
 */
export function createProgress(total: number, options: { json: boolean; stream?: NodeJS.WriteStream }): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY || total <= 0) return SILENT;
  const bar = new cliProgress.SingleBar(
    { stream, format: '{bar} {value}/{total} | {step}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: '' });
  return {
    update: (done, step) => bar.update(Math.min(done, total), { step }),
    stop: () => bar.stop(),
  };
}
