import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDeliberationExplain } from '../../src/cli/deliberation.ts';

describe('agentbus deliberation explain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-deliberation-'));
  const write = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('prints each template of a policy file with its mode', async () => {
    const path = write('policy.json', {
      revision: 'test',
      routing: { threshold: 0.8 },
      templates: [
        { id: 'limit', description: 'x', bindings: { n: { sort: 'Int', from: 'payload.n' } }, constraints: [{ name: 'small', assert: '(< n 10)' }] },
        { id: 'square', description: 'x', bindings: { n: { sort: 'Int', from: 'payload.n' } }, variables: { r: 'Int' }, constraints: [{ name: 'square', assert: '(= (* r r) n)' }] },
      ],
    });
    const lines = await runDeliberationExplain(path);
    assert.ok(lines.includes('  small: (< n 10)'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('limit: compiled')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('square: per message') && l.includes('nonlinear')), lines.join('\n'));
    const json = JSON.parse((await runDeliberationExplain(path, { json: true })).join('\n')) as { templates: { template: string; mode: string }[] };
    assert.deepEqual(json.templates.map((t) => [t.template, t.mode]), [['limit', 'compiled'], ['square', 'fallback']]);
  });

  it('a policy that does not validate is an error naming the problem', async () => {
    const path = write('bad.json', { routing: { threshold: 2 }, templates: [] });
    await assert.rejects(runDeliberationExplain(path), /threshold/);
  });
});
