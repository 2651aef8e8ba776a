import { Worker } from 'node:worker_threads';

/**
 * The part of the host's `process.execArgv` a worker thread accepts. Node refuses a Worker whose explicit
 * execArgv holds a per-process or V8 option (`--max-old-space-size=4096`, `--expose-gc`, `--trace-gc`, ...)
 * with ERR_WORKER_INVALID_EXEC_ARGV, while per-thread ones (`--cpu-prof`, `--enable-source-maps`,
 * `--import x`, `--conditions=y`) work and should reach our workers too. Node publishes no list of which is
 * which, so we ask Node itself (see `acceptedByWorkers`). Memoized per argv: this runs once per process.
 */
export function workerAcceptedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const memoKey = execArgv.join('\0');
  let accepted = memo.get(memoKey);
  if (accepted === undefined) {
    accepted = execArgv.length === 0 || acceptedByWorkers(execArgv) ? [...execArgv] : largestAcceptedSet(optionGroups(execArgv));
    memo.set(memoKey, accepted);
  }
  return [...accepted];
}

const memo = new Map<string, readonly string[]>();

/**
 * Options are not independent (`--cpu-prof-dir` is refused without `--cpu-prof`), so they are added one at
 * a time to a growing accepted set, in their order, and the refused ones retried until nothing changes.
 */
function largestAcceptedSet(groups: readonly string[][]): string[] {
  const kept = new Set<number>();
  const argvOf = (indexes: ReadonlySet<number>) => groups.filter((_, i) => indexes.has(i)).flat();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < groups.length; i++) {
      if (kept.has(i)) continue;
      const trial = new Set(kept).add(i);
      if (acceptedByWorkers(argvOf(trial))) {
        kept.add(i);
        changed = true;
      }
    }
  }
  return argvOf(kept);
}

/**
 * execArgv split into options, each with the separate value words that follow it (`--import`, `tsx`).
 * A word not starting with `-` belongs to the option before it.
 */
export function optionGroups(execArgv: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const word of execArgv) {
    if (word.startsWith('-') || groups.length === 0) groups.push([word]);
    else groups[groups.length - 1]!.push(word);
  }
  return groups;
}

/**
 * A V8 option no worker accepts. Constructing a Worker with the candidate flags plus this one always
 * throws, synchronously and before any thread starts, naming every refused flag: when it names only the
 * sentinel (the same message as the sentinel alone), the candidates were all accepted.
 */
const SENTINEL = '--stack-size=984';

function refusal(execArgv: readonly string[]): string | null {
  try {
    const worker = new Worker('', { eval: true, execArgv: [...execArgv] });
    // Accepted after all (only reached if Node ever takes the sentinel): a thread started; end it.
    worker.unref();
    worker.on('error', () => {});
    void worker.terminate();
    return null;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return String((error as Error).message);
  }
}

let sentinelAlone: string | null | undefined;

function acceptedByWorkers(execArgv: readonly string[]): boolean {
  sentinelAlone ??= refusal([SENTINEL]);
  // A Node that accepts the sentinel: ask with the flags alone (a valid set starts and ends a thread).
  if (sentinelAlone === null) return refusal(execArgv) === null;
  return refusal([...execArgv, SENTINEL]) === sentinelAlone;
}
