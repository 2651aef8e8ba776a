import { Command } from 'commander';
import { registerAuditCommands } from './cli/audit.ts';
import { registerBenchCommand } from './cli/bench.ts';
import { registerDeliberationCommands } from './cli/deliberation.ts';
import { applyConventions, exitCodeOf } from './cli/conventions.ts';
import { EXIT_ERROR } from './cli/exit-codes.ts';
import { registerPermissionsCommands } from './cli/permissions.ts';
import { registerPolicyCommands } from './cli/policy.ts';

/**
 * The `agentbus` command. Every command answers --help, --version and --json; exit statuses are in
 * src/cli/exit-codes.ts (README, "Exit codes"). Subcommands import their heavy code lazily so --help stays instant.
 */
export function buildProgram(): Command {
  const program = new Command('agentbus').description('Governs the messages AI agents send each other.').showHelpAfterError();
  registerBenchCommand(program);
  registerPolicyCommands(program);
  registerPermissionsCommands(program);
  registerDeliberationCommands(program);
  registerAuditCommands(program);
  return applyConventions(program);
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    // Commander has already printed its own message (usage errors, help, version).
    const code = exitCodeOf(error);
    if (code !== 0 && !(error as { code?: string })?.code?.startsWith('commander.')) {
      process.stderr.write(`agentbus: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.exitCode = code;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`agentbus: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT_ERROR;
  });
}
