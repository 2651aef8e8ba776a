import type { Command } from 'commander';
import { checkPermissionFiles, consolidatePermissionFile, type ConsolidationOutcome } from '../permissions/index.ts';
import { writeJson } from './conventions.ts';
import { EXIT_ERROR } from './exit-codes.ts';
import { createProgress, type Progress } from './progress.ts';

/**
 * `agentbus permissions check|consolidate`. Exit status of `check`: 0 when the consolidated set covers the
 * original (over-grants are warnings), 1 when it loses anything (or over-grants under --strict, or Z3 cannot
 * decide a rule), 2 when an input cannot be read or the proof could not complete.
 */
export function registerPermissionsCommands(program: Command): void {
  const permissions = program.command('permissions').description('prove that a consolidated permission allow-list covers the original (Z3)');

  permissions
    .command('check')
    .description('prove that --consolidated covers --original; print witnesses for every difference')
    .requiredOption('--original <file>', 'original allow-list (settings JSON, JSON array, or one rule per line)')
    .requiredOption('--consolidated <file>', 'consolidated allow-list')
    .option('--strict', 'fail when the consolidated set grants more than the original', false)
    .option('--json', 'print one JSON document: exitCode, covers, lost, overGrants (each with its witness), stats', false)
    .action(async (options: { original: string; consolidated: string; strict: boolean; json: boolean }) => {
      const outcome = await withProgress(options.json, (onProgress) => checkPermissionFiles(options.original, options.consolidated, { strict: options.strict, onProgress }));
      report(outcome, options.json, outcome.exitCode === 0 ? console.log : console.error);
    });

  permissions
    .command('consolidate')
    .description('propose a smaller allow-list, prove it covers the input, and write it')
    .argument('<file>', 'allow-list to consolidate')
    .requiredOption('-o, --output <file>', 'where to write the consolidated list (same shape as the input)')
    .option('--min-group <n>', 'smallest group of similar rules to generalise', (v) => Number.parseInt(v, 10), 3)
    .option('--json', 'print one JSON document: exitCode, written, proposed, lost, overGrants, stats', false)
    .action(async (file: string, options: { output: string; minGroup: number; json: boolean }) => {
      const outcome = await withProgress(options.json, (onProgress) => consolidatePermissionFile(file, options.output, { minGroup: options.minGroup, onProgress }));
      report(outcome, options.json, console.log, options.output);
    });
}

type Outcome = { exitCode: number; lines: readonly string[] } & Partial<Pick<ConsolidationOutcome, 'report' | 'proposed'>>;

function report(outcome: Outcome, json: boolean, print: (line: string) => void, output?: string): void {
  process.exitCode = outcome.exitCode;
  if (!json) {
    for (const line of outcome.lines) print(line);
    return;
  }
  if (outcome.report === undefined) {
    writeJson({ exitCode: outcome.exitCode, error: outcome.lines.join('\n').replace(/^error: /, '') });
    return;
  }
  const { lost, overGrants, stats } = outcome.report;
  writeJson({
    exitCode: outcome.exitCode,
    covers: lost.length === 0,
    ...(outcome.proposed === undefined ? {} : { written: outcome.exitCode === 0 ? output : null, proposed: outcome.proposed }),
    lost,
    overGrants,
    stats,
  });
}

/**
 * Runs a proof with a progress bar (rules settled of both sets; Z3 starts before the first). An error that is
 * not an unreadable input (which the commands report themselves, exit 2) means nothing was proved: exit 2.
 */
async function withProgress(json: boolean, work: (onProgress: (done: number, total: number) => void) => Promise<Outcome>): Promise<Outcome> {
  let progress: Progress | null = null;
  const onProgress = (done: number, total: number): void => {
    progress ??= createProgress(total, { json });
    progress.update(done, done < total ? 'proving' : 'proved');
  };
  try {
    return await work(onProgress);
  } catch (error) {
    return { exitCode: EXIT_ERROR, lines: [`error: could not complete the proof: ${(error as Error).message}`] };
  } finally {
    (progress as Progress | null)?.stop();
  }
}

