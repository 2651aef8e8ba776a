// The example service end to end, through real HTTP on a real port: the app in this process (with buses
// configured for each case), and the server script in its own process for SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAgentBus, type AgentBus, type AgentBusOptions } from '../../src/index.ts';
import { buildService, type Service } from '../../examples/fastify-service/app.ts';
import { registerDemoAgents } from '../../examples/fastify-service/demo-agents.ts';
import { oneHiddenClass } from '../helpers/hidden-class.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.ts';

const ROOT = join(import.meta.dirname, '../..');
const HASH = 'cdd01ef066bc6cf2';

async function withService(options: AgentBusOptions, reviewerDelayMs: number, body: (base: string, service: Service, bus: AgentBus) => Promise<void>): Promise<void> {
  const bus = await createAgentBus({ workers: 1, log: () => {}, ...options });
  registerDemoAgents(bus, { reviewerDelayMs });
  const service = buildService({ bus });
  try {
    const address = await service.app.listen({ port: 0, host: '127.0.0.1' });
    await body(address, service, bus);
  } finally {
    await service.shutdown();
  }
}

function post(base: string, agent: string, message: unknown): Promise<Response> {
  return fetch(`${base}/agents/${agent}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
}

const message = { from: 'planner', type: 'task_request', tenantId: 'acme', payload: { task: 'write the tests' } };

test('the messages the service hands to the bus share one hidden class (no new map per request)', async () => {
  await withService({}, 0, async (base, _service, bus) => {
    const handed: object[] = [];
    const send = bus.send.bind(bus);
    bus.send = (input) => {
      handed.push(input);
      return send(input);
    };
    for (let i = 0; i < 40; i++) assert.equal((await post(base, 'coder', message)).status, 200);
    assert.equal(handed.length, 40);
    assert.ok(oneHiddenClass(handed.slice(20)), 'each request built a message of its own hidden class');
  });
});

test('POST /agents/:id/messages answers 200 with the result, 4xx with the code, and /metrics, /healthz, /readyz answer', async () => {
  await withService({}, 0, async (base) => {
    const delivered = await post(base, 'coder', message);
    assert.equal(delivered.status, 200);
    const result = (await delivered.json()) as { status: string; id: string; latencyUs: number };
    assert.equal(result.status, 'delivered');
    assert.ok(result.id.length > 0 && result.latencyUs > 0);

    const cases: [string, unknown, number, string][] = [
      ['coder', { ...message, metadata: { blocked: 'true' } }, 403, 'E_POLICY_DENIED'],
      ['coder', { ...message, constitutionalHash: HASH.toUpperCase() }, 403, 'E_HASH_MISMATCH'],
      ['ghost', message, 404, 'E_UNKNOWN_AGENT'],
      ['coder', { ...message, type: 'no-such-type' }, 400, 'E_INVALID_MESSAGE'],
      ['coder', [message], 400, 'E_INVALID_MESSAGE'],
      ['coder', { ...message, tenantId: 'other' }, 403, 'E_TENANT'],
    ];
    for (const [agent, body, status, code] of cases) {
      const response = await post(base, agent, body);
      const answer = (await response.json()) as { code?: string; reasons: string[] };
      assert.equal(response.status, status, `${JSON.stringify(body)} → ${JSON.stringify(answer)}`);
      assert.equal(answer.code, code);
      assert.ok(answer.reasons.length > 0);
    }
    const notJson = await fetch(`${base}/agents/coder/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"from":' });
    assert.equal(notJson.status, 400);

    const scrape = await fetch(`${base}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await scrape.text());
    assert.equal(sampleValue(families, 'agentbus_messages_total', { status: 'delivered', code: 'none' }), 1);
    assert.equal(sampleValue(families, 'agentbus_messages_total', { status: 'rejected', code: 'E_POLICY_DENIED' }), 1);
    assert.equal(sampleValue(families, 'agentbus_messages_total', { status: 'rejected', code: 'E_UNKNOWN_AGENT' }), 1);

    for (const probe of ['healthz', 'readyz']) {
      const response = await fetch(`${base}/${probe}`);
      assert.equal(response.status, 200, probe);
      assert.equal(((await response.json()) as { status: string }).status, 'ok');
    }
  });
});

test('E_OVERLOADED and a closed bus answer 503 with Retry-After', async () => {
  await withService({ maxInFlight: 1, admissionTimeoutMs: 20, deliberation: false }, 1_000, async (base, _service, bus) => {
    const slow = post(base, 'reviewer', message); // holds the only in-flight slot for a second
    await new Promise((resolve) => setTimeout(resolve, 200));
    const overloaded = await post(base, 'coder', message);
    assert.equal(overloaded.status, 503);
    assert.equal(overloaded.headers.get('retry-after'), '1');
    assert.equal(((await overloaded.json()) as { code: string }).code, 'E_OVERLOADED');
    const first = await slow;
    assert.equal(first.status, 200, 'the slow message was still delivered');

    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    // A bus closed under the service (the app still up) answers every message with a retryable 503.
    await bus.close();
    const closed = await post(base, 'coder', message);
    assert.equal(closed.status, 503);
    assert.equal(closed.headers.get('retry-after'), '1');
    assert.equal(((await closed.json()) as { code: string }).code, 'E_CLOSED');
  });
});

test('the server script: SIGTERM stops accepting, lets the in-flight request finish, closes the bus, exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/fastify-service/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', REVIEWER_DELAY_MS: '1500', AGENTBUS_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  try {
    const lines = createInterface({ input: child.stdout });
    let base = '';
    for await (const line of lines) {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        base = match[1]!;
        break;
      }
    }
    assert.ok(base, `the server printed its address (stderr: ${stderr})`);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    const inFlight = post(base, 'reviewer', message);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    const answer = await inFlight;
    assert.equal(answer.status, 200, 'the in-flight request was answered');
    assert.equal(((await answer.json()) as { status: string }).status, 'delivered');

    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr);
    await assert.rejects(fetch(`${base}/healthz`), 'nothing listens after shutdown');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
