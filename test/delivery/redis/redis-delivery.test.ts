import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentBus, type AgentMessage, type TransportOption } from '../../../src/index.ts';
import { fastOptions, until } from './harness.ts';
import { needsRedis, startRedisServer } from './redis-server.ts';

const BUS_PROCESS = fileURLToPath(new URL('./fixtures/bus-process.ts', import.meta.url));

function effectLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0) : [];
}

test('two buses in two processes over one Redis: messages judged by the sender (policy, tenant, remote registry), delivered by the other process, every status settled as the transport reports it', needsRedis, async () => {
  const server = await startRedisServer();
  const effectsFile = join(mkdtempSync(join(tmpdir(), 'agentbus-e2e-')), 'effects');
  const prefix = `e2e-${Date.now()}`;
  // One delivery before dead-lettering keeps the failing handler's case short; deadlines for a loaded machine.
  const transport: TransportOption = { kind: 'redis', ...fastOptions(server.url, prefix, { maxDeliveries: 1, commandTimeoutMs: 2_000, claimIdleMs: 2_500 }) };
  const child = spawn(process.execPath, ['--import', 'tsx', BUS_PROCESS], {
    env: { ...process.env, BUS_PROCESS: JSON.stringify({ transport, effectsFile }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const bus = await createAgentBus({ workers: 1, deliberation: false, log: () => {}, transport });
  try {
    const answers: AgentMessage[] = [];
    assert.throws(() => bus.registerAgent({ id: 'planner', tenantId: 'tenant-a', handler: () => {} }), { code: 'E_CONFIG' });
    await bus.registerAgentAsync({ id: 'planner', tenantId: 'tenant-a', type: 'orchestrator', handler: (m) => void answers.push(m) });
    await until(() => output.includes('ready') || child.exitCode !== null, 30_000, 'the other process registers its agents');
    assert.equal(child.exitCode, null, 'the other process is running');
    await until(() => ['worker', 'auditor', 'outsider'].every((id) => bus.findAgent(id) !== undefined), 10_000, 'the remote agents reach this bus');
    assert.equal(bus.findAgent('worker')?.type, 'worker');

    const send = (to: string, extra: object = {}, options = {}) => bus.send({ from: 'planner', to, type: 'task_request', tenantId: 'tenant-a', payload: {}, ...extra }, options);
    const delivered = await send('worker', { payload: { n: 1 } });
    assert.equal(delivered.status, 'delivered', JSON.stringify(delivered));
    // The recipient's type comes from the registry in Redis: the bundled policy lets audit_log reach auditors only.
    const denied = await send('worker', { type: 'audit_log' });
    assert.equal(denied.code, 'E_POLICY_DENIED', JSON.stringify(denied));
    const audited = await send('auditor', { type: 'audit_log' });
    assert.equal(audited.status, 'delivered', JSON.stringify(audited));
    const crossTenant = await send('outsider');
    assert.equal(crossTenant.code, 'E_TENANT', JSON.stringify(crossTenant));
    const ghost = await send('ghost');
    assert.equal(ghost.code, 'E_UNKNOWN_AGENT', JSON.stringify(ghost));
    const failing = await send('worker', { payload: { fail: true } });
    assert.deepEqual([failing.status, failing.code], ['failed', 'E_HANDLER'], JSON.stringify(failing));
    const accepted = await send('worker', { payload: { n: 2, reply: true } }, { fireAndForget: true });
    assert.equal(accepted.status, 'accepted', JSON.stringify(accepted));
    await until(() => answers.length === 1, 10_000, 'the worker answers across processes');
    assert.deepEqual(answers[0]!.payload, { n: 2, task: accepted.id });
    assert.equal(answers[0]!.from, 'worker');

    const effects = effectLines(effectsFile);
    assert.deepEqual(effects.sort(), [`auditor ${audited.id}`, `worker ${delivered.id}`, `worker ${accepted.id}`].sort(), 'each allowed message took effect once; nothing denied reached the other process');
    const counts = bus.metrics().byStatus;
    assert.deepEqual([counts.delivered, counts.accepted, counts.rejected, counts.failed], [2, 1, 3, 1]);
  } finally {
    await bus.close();
    child.kill('SIGTERM');
    const code = await exited;
    await server.stop();
    assert.equal(code, 0, 'the other bus closed cleanly');
  }
  assert.match(output, /reply accepted/);
});
