import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createAgentBus } from '../../src/index.ts';

test('an unknown transport kind is E_CONFIG; a Redis nobody listens on fails creation with E_UNAVAILABLE, within its deadline', async () => {
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, transport: { kind: 'carrier-pigeon' } as never }), { code: 'E_CONFIG' });
  await assert.rejects(createAgentBus({ mode: 'inline', log: () => {}, transport: { kind: 'redis', url: 'http://not-redis' } }), { code: 'E_CONFIG' });
  // A port that was free a moment ago: connection refused.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address() as { port: number };
      probe.close(() => resolve(address.port));
    });
  });
  const began = Date.now();
  await assert.rejects(createAgentBus({ mode: 'inline', deliberation: false, log: () => {}, transport: { kind: 'redis', url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500 } }), {
    code: 'E_UNAVAILABLE',
  });
  assert.ok(Date.now() - began < 5_000, 'creation gives up within its deadline');
});
