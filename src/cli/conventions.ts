import { CommanderError, type Command } from 'commander';
import { EXIT_ERROR } from './exit-codes.ts';
import { packageVersion } from './version.ts';

/** Every command, the program first, depth first. */
export function allCommands(program: Command): Command[] {
  return [program, ...program.commands.flatMap((command) => allCommands(command))];
}

/**
 * What every `agentbus` command shares: `-V, --version` (on subcommands too, so `agentbus policy build
 * --version` answers instead of complaining about a missing option), and parse errors that surface as a
 * CommanderError for `main` to turn into exit status 2 rather than commander's default exit(1), which would
 * look like a negative answer.
 */
export function applyConventions(program: Command): Command {
  const version = packageVersion();
  program.version(version, '-V, --version', 'print the version');
  for (const command of allCommands(program)) {
    command.exitOverride();
    if (command === program) continue;
    command.option('-V, --version', 'print the version');
    // Options fire these events while they are parsed, before required options are checked.
    command.on('option:version', () => {
      (command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text)))(`${version}\n`);
      throw new CommanderError(0, 'commander.version', version);
    });
  }
  return program;
}

/** The exit status for an error that ended parsing: 0 for --help and --version, else "could not answer". */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_ERROR;
  return EXIT_ERROR;
}

/** With --json a command prints exactly one JSON document on stdout, its answer or `{ "error": ... }`. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
