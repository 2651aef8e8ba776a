import type { Command } from 'commander';
import { checkPermissionFiles, consolidatePermissionFile, EXIT_LOSES } from '../permissions/index.ts';

/**
 * `agentbus permissions check|consolidate`. Exit status of `check`: 0 when the consolidated set covers the
 * original (over-grants are warnings), 1 when it loses anything (or over-grants under --strict, or Z3 cannot
 * decide a rule), 2 when an input cannot be read.
 */
export function registerPermissionsCommands(program: Command): void {
  const permissions = program.command('permissions').description('prove that a consolidated permission allow-list covers the original (Z3)');

  permissions
    .command('check')
    .description('prove that --consolidated covers --original; print witnesses for every difference')
    .requiredOption('--original <file>', 'original allow-list (settings JSON, JSON array, or one rule per line)')
    .requiredOption('--consolidated <file>', 'consolidated allow-list')
    .option('--strict', 'fail when the consolidated set grants more than the original', false)
    .action(async (options: { original: string; consolidated: string; strict: boolean }) => {
      const outcome = await runSafely(() => checkPermissionFiles(options.original, options.consolidated, { strict: options.strict }));
      for (const line of outcome.lines) (outcome.exitCode === 0 ? console.log : console.error)(line);
      process.exitCode = outcome.exitCode;
    });

  permissions
    .command('consolidate')
    .description('propose a smaller allow-list, prove it covers the input, and write it')
    .argument('<file>', 'allow-list to consolidate')
    .requiredOption('-o, --output <file>', 'where to write the consolidated list (same shape as the input)')
    .option('--min-group <n>', 'smallest group of similar rules to generalise', (v) => Number.parseInt(v, 10), 3)
    .action(async (file: string, options: { output: string; minGroup: number }) => {
      const outcome = await runSafely(() => consolidatePermissionFile(file, options.output, { minGroup: options.minGroup }));
      for (const line of outcome.lines) console.log(line);
      process.exitCode = outcome.exitCode;
    });
}

async function runSafely<T extends { exitCode: number; lines: readonly string[] }>(work: () => Promise<T>): Promise<T | { exitCode: number; lines: string[] }> {
  try {
    return await work();
  } catch (error) {
    // Unreadable inputs are reported (exit 2) by the commands themselves; anything else means nothing was proved.
    return { exitCode: EXIT_LOSES, lines: [`error: could not complete the proof: ${(error as Error).message}`] };
  }
}
