import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

test('a default bus started and closed prints nothing from Z3 on stderr (a Z3 worker stopped while loading stays silent)', () => {
  // A child process: what it prints is what a user embedding the bus would see.
  const script = `
    const { createAgentBus } = await import(${JSON.stringify(index)});
    const bus = await createAgentBus({ log: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await bus.close();
  `;
  const file = join(mkdtempSync(join(tmpdir(), 'agentbus-solver-')), 'start-and-close.mjs');
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.doesNotMatch(child.stderr, /terminated worker/);
  assert.equal(child.stderr.trim(), '');
});
