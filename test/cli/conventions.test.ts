import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../src/cli.ts';
import { allCommands, exitCodeOf } from '../../src/cli/conventions.ts';

const ROOT = join(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The program with every command's output captured, so commander's own writes can be asserted on. */
function capturedProgram(): { program: Command; out: string[]; err: string[] } {
  const program = buildProgram();
  const out: string[] = [];
  const err: string[] = [];
  for (const command of allCommands(program)) command.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  return { program, out, err };
}

async function parse(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { program, out, err } = capturedProgram();
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    assert.ok(error instanceof CommanderError, String(error));
    code = exitCodeOf(error);
  }
  return { code, out: out.join(''), err: err.join('') };
}

const leaves = allCommands(buildProgram()).filter((c) => c.commands.length === 0);
const pathOf = (command: Command): string[] => {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
};

test('the CLI has the seven commands the README documents', () => {
  assert.deepEqual(leaves.map((c) => pathOf(c).join(' ')).sort(), ['audit verify', 'bench', 'deliberation explain', 'permissions check', 'permissions consolidate', 'policy build', 'policy eval']);
});

for (const command of allCommands(buildProgram())) {
  const path = pathOf(command);
  const name = ['agentbus', ...path].join(' ');

  test(`${name} --help prints its usage and exits 0`, async () => {
    const { code, out } = await parse([...path, '--help']);
    assert.equal(code, 0);
    assert.match(out, new RegExp(`^Usage: ${['agentbus', ...path].join(' ')} `));
    assert.match(out, /-V, --version/);
  });

  test(`${name} --version prints the package version and exits 0, before checking required options`, async () => {
    const { code, out, err } = await parse([...path, '--version']);
    assert.equal(code, 0, err);
    assert.equal(out, `${VERSION}\n`);
  });

  if (command.commands.length === 0) {
    test(`${name} documents --json`, async () => {
      assert.ok(command.options.some((o) => o.long === '--json'), `${name} has no --json`);
    });
  }
}

test('an unknown option is a usage error: exit 2, not the 1 of a negative answer', async () => {
  const { code, err } = await parse(['policy', 'eval', 'x', '--input', 'y', '--no-such-option']);
  assert.equal(code, 2);
  assert.match(err, /unknown option '--no-such-option'/);
});

test('the installed bin answers --version in its own process', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/agentbus.js'), '--version'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `${VERSION}\n`);
});
