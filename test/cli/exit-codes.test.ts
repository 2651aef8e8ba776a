// The README's "Exit codes" table, checked cell by cell against the real command in its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DEFAULT_CONSTITUTIONAL_HASH } from '../../src/model/message.ts';
import { encodeRecordLine } from '../../src/audit/chain.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/agentbus.js');
const POLICIES = join(ROOT, 'policies');

/** The README table: command → documented exit codes (a cell of "–" documents nothing). */
function documentedCells(): Map<string, number[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Exit codes\n')[1]?.split('\n## ')[0];
  assert.ok(section, 'README has an "Exit codes" section');
  const cells = new Map<string, number[]>();
  for (const line of section.split('\n')) {
    const columns = line.split('|').slice(1, -1).map((c) => c.trim());
    if (columns.length !== 4 || columns[0] === 'command' || /^-+$/.test(columns[0]!)) continue;
    const name = columns[0]!.replace(/`/g, '');
    cells.set(name, [0, 1, 2].filter((code) => columns[code + 1] !== '–'));
  }
  return cells;
}

const dir = mkdtempSync(join(tmpdir(), 'agentbus-exit-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, timeout: 300_000 });
}

/** A 0 cell runs with --json: the answer is one JSON document on stdout. */
function json(result: { stdout: string }): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const party = { tenantId: 'acme', type: 'worker', capabilities: [] };
const policyInput = (type: string) => ({
  message: { from: 'a', to: 'b', type, tenantId: 'acme', priority: 1, constitutionalHash: DEFAULT_CONSTITUTIONAL_HASH, metadata: {} },
  payloadKiB: 1, expectedHash: DEFAULT_CONSTITUTIONAL_HASH, sender: party, recipient: party,
});
const rules = { permissions: { allow: ['Bash(git status)', 'Bash(git diff:*)', 'Read(/src/**)'] } };

/** One record line of a hash-chained audit log, written as the log writes it. */
function auditLine(seq: number, prev: string): { text: string; hash: string } {
  const record = { time: 1_700_000_000_000 + seq, id: `m${seq}`, from: 'a', to: 'b', tenant: 'acme', type: 'event', status: 'delivered', reasons: [] };
  const { line, hash } = encodeRecordLine(seq, prev, record);
  return { text: line, hash };
}

/** One scenario per documented cell: it returns the status the command exited with, having checked its output. */
const scenarios: Record<string, Partial<Record<0 | 1 | 2, () => number | null>>> = {
  'agentbus policy build': {
    0: () => {
      const result = run(['policy', 'build', POLICIES, '-o', join(dir, 'b.tar.gz'), '--json']);
      assert.deepEqual(json(result).entrypoints, ['agentbus/decision'], result.stderr);
      return result.status;
    },
    1: () => {
      mkdirSync(join(dir, 'bad'), { recursive: true });
      file('bad/bad.rego', 'package bad\n\np if {\n  x > 1\n}\n');
      const result = run(['policy', 'build', join(dir, 'bad'), '-e', 'bad/p', '-o', join(dir, 'bad.tar.gz')]);
      assert.match(result.stderr, /bad\.rego:4:3: rego_unsafe_var_error/);
      return result.status;
    },
    2: () => run(['policy', 'build', join(dir, 'no-such-dir'), '-o', join(dir, 'x.tar.gz')]).status,
  },
  'agentbus policy eval': {
    0: () => {
      const result = run(['policy', 'eval', POLICIES, '--input', file('event.json', policyInput('event')), '--json']);
      assert.deepEqual(json(result), { allowed: true }, result.stderr);
      return result.status;
    },
    1: () => {
      mkdirSync(join(dir, 'undef'), { recursive: true });
      file('undef/p.rego', 'package t\n\np if {\n  input.x == 1\n}\n');
      return run(['policy', 'eval', join(dir, 'undef'), '-e', 't/p', '--input', file('empty.json', {}), '--raw', '--fail']).status;
    },
    2: () => run(['policy', 'eval', POLICIES, '--input', join(dir, 'missing.json')]).status,
  },
  'agentbus permissions check': {
    0: () => {
      const result = run(['permissions', 'check', '--original', file('a.json', rules), '--consolidated', file('b.json', { permissions: { allow: ['Bash(git:*)', 'Read(/src/**)'] } }), '--json']);
      assert.equal(json(result).covers, true, result.stderr);
      return result.status;
    },
    1: () => {
      const result = run(['permissions', 'check', '--original', file('a.json', rules), '--consolidated', file('c.json', ['Bash(git status)'])]);
      assert.match(result.stderr, /LOST {2}Bash\(git diff:\*\)/);
      return result.status;
    },
    2: () => run(['permissions', 'check', '--original', join(dir, 'missing.json'), '--consolidated', file('b2.json', [])]).status,
  },
  'agentbus permissions consolidate': {
    0: () => {
      const many = ['status', 'diff', 'log', 'show', 'fetch'].map((verb) => `Bash(git ${verb})`);
      const result = run(['permissions', 'consolidate', file('many.json', many), '-o', join(dir, 'out.json'), '--json']);
      assert.deepEqual(json(result).proposed, ['Bash(git:*)'], result.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')), ['Bash(git:*)']);
      return result.status;
    },
    // 1 needs a proposal that loses a permission: the consolidator only generalises, so no input produces one.
    2: () => run(['permissions', 'consolidate', join(dir, 'missing.json'), '-o', join(dir, 'out2.json')]).status,
  },
  'agentbus bench': {
    0: () => {
      const result = run(['bench', '--json', '--pipeline', 'validation', '--peers', 'inline', '--duration', '0.1', '--warmup', '0.05', '--repeat', '1', '--rates', '100', '--in-flight', '8']);
      assert.ok(Array.isArray(json(result).results), result.stderr);
      return result.status;
    },
    2: () => run(['bench', '--pipeline', 'nope']).status,
  },
  'agentbus deliberation explain': {
    0: () => {
      const result = run(['deliberation', 'explain', '--json']);
      const templates = json(result).templates as { template: string; mode: string }[];
      assert.ok(templates.some((t) => t.template === 'tier-quota' && t.mode === 'compiled'), result.stderr);
      return result.status;
    },
    2: () => run(['deliberation', 'explain', file('bad-deliberation.json', { routing: { threshold: 2 }, templates: [] })]).status,
  },
  'agentbus audit verify': {
    0: () => {
      const genesis = '0'.repeat(64);
      const line = auditLine(0, genesis);
      const result = run(['audit', 'verify', file('audit.jsonl', `${line.text}\n`), '--json']);
      assert.equal(json(result).exitCode, 0, result.stdout + result.stderr);
      return result.status;
    },
    1: () => {
      const genesis = '0'.repeat(64);
      const first = auditLine(0, genesis);
      const second = auditLine(1, first.hash);
      const altered = second.text.replace('"delivered"', '"rejected"');
      const result = run(['audit', 'verify', file('tampered.jsonl', `${first.text}\n${altered}\n`)]);
      assert.match(result.stderr, /tampered\.jsonl:2: record \(seq 1\) altered/);
      return result.status;
    },
    2: () => run(['audit', 'verify', join(dir, 'no-such-audit.jsonl')]).status,
  },
  'any, with --help or --version': {
    0: () => {
      const help = run(['permissions', 'check', '--help']);
      assert.match(help.stdout, /^Usage: agentbus permissions check/);
      const version = run(['policy', 'eval', '--version']);
      assert.equal(help.status, 0);
      return version.status;
    },
  },
};

/** Cells documented but not produced by any input (see the scenario's comment). */
const UNREACHABLE = new Set(['agentbus permissions consolidate|1']);

const cells = documentedCells();

test('every documented command has scenarios, and every scenario is documented', () => {
  assert.deepEqual([...cells.keys()].sort(), Object.keys(scenarios).sort());
  for (const [command, codes] of cells) {
    const covered = Object.keys(scenarios[command]!).map(Number);
    const expected = codes.filter((code) => !UNREACHABLE.has(`${command}|${code}`));
    assert.deepEqual(covered.sort(), expected, `${command}: scenarios for exactly the documented codes`);
  }
});

for (const [command, codes] of cells) {
  for (const code of codes) {
    const scenario = scenarios[command]?.[code as 0 | 1 | 2];
    if (scenario === undefined) continue;
    test(`README: ${command} exits ${code}`, () => {
      assert.equal(scenario(), code);
    });
  }
}
