import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAgentBus, type AgentBus, type AgentMessage } from '../../src/index.ts';
import { runWorkflow } from '../../src/workflow/run.ts';
import type { StepMessage, WorkflowStep } from '../../src/workflow/spec.ts';

const MODES = [
  ['inline', { mode: 'inline' }],
  ['worker threads', { workers: 1 }],
] as const;

async function withBus(options: (typeof MODES)[number][1], body: (bus: AgentBus) => Promise<void>): Promise<void> {
  const bus = await createAgentBus({ log: () => {}, deliberation: false, ...options });
  try {
    await body(bus);
  } finally {
    await bus.close();
  }
}

const to = (agent: string, payload: Record<string, string | number> = {}, metadata: Record<string, string> = {}): StepMessage => ({
  from: 'orchestrator', to: agent, type: 'task_request', tenantId: 'acme', payload, metadata,
});

/** Agents whose handlers log each message they get, by step, and can be told to wait or fail. */
function register(bus: AgentBus, behaviour: Record<string, (message: AgentMessage) => void | Promise<void>> = {}): AgentMessage[] {
  const received: AgentMessage[] = [];
  bus.registerAgent({ id: 'orchestrator', tenantId: 'acme', handler: () => {} });
  for (const id of ['fast', 'slow', 'flaky', 'broken', 'compensator', 'payments']) {
    bus.registerAgent({
      id,
      tenantId: 'acme',
      handler: async (message) => {
        received.push(message);
        await behaviour[id]?.(message);
      },
    });
  }
  return received;
}

for (const [name, options] of MODES) {
  test(`${name}: in a diamond DAG the slow branch delays only what depends on it`, async () => {
    await withBus(options, async (bus) => {
      register(bus, { slow: () => sleep(1_500) });
      const steps: WorkflowStep[] = [
        { id: 'a', message: to('fast') },
        { id: 'b', message: to('slow'), dependsOn: ['a'] },
        { id: 'c', message: to('fast'), dependsOn: ['a'] },
        { id: 'e', message: to('fast'), dependsOn: ['c'] },
        { id: 'd', message: to('fast'), dependsOn: ['b', 'c'] },
      ];
      const result = await runWorkflow(bus, { id: 'diamond', steps });
      assert.equal(result.status, 'succeeded', JSON.stringify(result.steps));
      const { b, c, d, e } = result.steps as Record<string, { startedAtMs: number; endedAtMs: number; durationMs: number }>;
      assert.ok(b.durationMs >= 1_450, `b took ${b.durationMs} ms`);
      // e depends only on c: it starts and finishes while b (same level as c) is still running.
      assert.ok(e.startedAtMs < b.endedAtMs - 500, `e started at ${e.startedAtMs}, b ended at ${b.endedAtMs}`);
      assert.ok(e.endedAtMs < b.endedAtMs - 300, `e ended at ${e.endedAtMs}, b ended at ${b.endedAtMs}`);
      assert.ok(c.endedAtMs <= e.startedAtMs);
      // d waits for both.
      assert.ok(d.startedAtMs >= b.endedAtMs && d.startedAtMs >= c.endedAtMs);
      assert.deepEqual(result.completionOrder.indexOf('e') < result.completionOrder.indexOf('b'), true);
      assert.equal(result.completionOrder.at(-1), 'd');
    });
  });

  test(`${name}: a failed step skips its dependents (saying which and why); the independent branch goes on`, async () => {
    await withBus(options, async (bus) => {
      const received = register(bus, { broken: () => { throw new Error('tool crashed'); } });
      const steps: WorkflowStep[] = [
        { id: 'fetch', message: to('fast', { step: 'fetch' }) },
        { id: 'transform', message: to('broken'), dependsOn: ['fetch'] },
        { id: 'load', message: to('fast', { step: 'load' }), dependsOn: ['transform'] },
        { id: 'report', message: to('fast', { step: 'report' }), dependsOn: ['load'] },
        { id: 'audit', message: to('fast', { step: 'audit' }), dependsOn: ['fetch'] },
      ];
      const result = await runWorkflow(bus, { steps });
      assert.equal(result.status, 'failed');
      assert.deepEqual(result.failed, ['transform']);
      assert.deepEqual(result.skipped, ['load', 'report']);
      assert.equal(result.steps.transform!.code, 'E_HANDLER');
      assert.match(result.steps.transform!.reasons[0]!, /tool crashed/);
      assert.deepEqual(
        [result.steps.load, result.steps.report].map((s) => [s!.status, s!.skippedBecause, s!.reasons[0], s!.attempts.length]),
        [
          ['skipped', 'transform', "dependency 'transform' failed", 0],
          ['skipped', 'transform', "dependency 'load' was skipped (because 'transform' failed)", 0],
        ],
      );
      assert.equal(result.steps.audit!.status, 'succeeded');
      assert.deepEqual(received.filter((m) => m.to === 'fast').map((m) => (m.payload as { step: string }).step).sort(), ['audit', 'fetch']);
    });
  });

  test(`${name}: saga: on failure, compensations run in reverse order of completion`, async () => {
    await withBus(options, async (bus) => {
      const received = register(bus, { fast: (m) => sleep(Number((m.payload as { delay?: number }).delay ?? 0)).then(() => {}), broken: () => { throw new Error('no stock'); } });
      const undo = (step: string): StepMessage => to('compensator', { undo: step });
      const steps: WorkflowStep[] = [
        { id: 'reserve', message: to('fast', { delay: 0 }), compensate: undo('reserve') },
        { id: 'quote', message: to('fast', { delay: 150 }), compensate: undo('quote') },
        { id: 'charge', message: to('fast', { delay: 0 }), dependsOn: ['reserve'], compensate: undo('charge') },
        { id: 'log', message: to('fast', { delay: 0 }), dependsOn: ['reserve'] },
        { id: 'ship', message: to('broken'), dependsOn: ['charge', 'quote'], compensate: undo('ship') },
        { id: 'notify', message: to('fast'), dependsOn: ['ship'], compensate: undo('notify') },
      ];
      const result = await runWorkflow(bus, { id: 'order', mode: 'saga', steps });
      assert.equal(result.status, 'compensated');
      assert.deepEqual(result.failed, ['ship']);
      assert.deepEqual(result.skipped, ['notify']);
      assert.deepEqual(new Set(result.completionOrder), new Set(['reserve', 'quote', 'charge', 'log']));
      const expected = [...result.completionOrder].reverse().filter((id) => id !== 'log');
      assert.deepEqual(result.compensations.map((c) => c.step), expected);
      // What the compensating agent actually received, in order: the same.
      assert.deepEqual(received.filter((m) => m.to === 'compensator').map((m) => (m.payload as { undo: string }).undo), expected);
      for (let i = 1; i < result.compensations.length; i++) assert.ok(result.compensations[i]!.startedAtMs >= result.compensations[i - 1]!.endedAtMs, 'one at a time');
      assert.ok(result.compensations.every((c) => c.status === 'succeeded'));
      assert.equal(received.find((m) => m.to === 'compensator')!.metadata['idempotency-key'], `${result.runId}.${expected[0]}.compensate`);
    });
  });

  test(`${name}: retries reuse the idempotency key, so the effect happens once; deterministic rejections are not retried`, async () => {
    await withBus(options, async (bus) => {
      const effects = new Map<string, number>();
      let calls = 0;
      register(bus, {
        // Applies its effect, then takes far longer than the step's timeout the first time (margin for a loaded machine).
        slow: async (m) => {
          calls++;
          const key = m.metadata['idempotency-key']!;
          if (effects.has(key)) return;
          effects.set(key, (effects.get(key) ?? 0) + 1);
          await sleep(2_500);
        },
        // Applies its effect, then fails the first time.
        flaky: (m) => {
          const key = m.metadata['idempotency-key']!;
          if (effects.has(key)) return;
          effects.set(key, 1);
          throw new Error('connection reset after the write');
        },
      });
      const steps: WorkflowStep[] = [
        { id: 'pay', message: to('slow', { amount: 10 }), timeoutMs: 1_000, retries: 2 },
        { id: 'book', message: to('flaky'), retries: 2 },
        { id: 'blocked', message: to('fast', {}, { blocked: 'true' }), retries: 3 },
      ];
      const result = await runWorkflow(bus, { steps }, { runId: 'run-1' });
      const pay = result.steps.pay!;
      assert.deepEqual(pay.attempts.map((a) => a.status), ['timeout', 'delivered']);
      assert.deepEqual(pay.attempts.map((a) => a.messageId), ['run-1.pay.1', 'run-1.pay.2']);
      assert.equal(result.steps.book!.status, 'succeeded');
      assert.deepEqual(result.steps.book!.attempts.map((a) => [a.status, a.code]), [['failed', 'E_HANDLER'], ['delivered', undefined]]);
      assert.deepEqual(Object.fromEntries(effects), { 'run-1.pay': 1, 'run-1.book': 1 });
      assert.equal(calls, 2);
      assert.deepEqual(result.steps.blocked!.attempts.map((a) => [a.status, a.code]), [['rejected', 'E_POLICY_DENIED']]);
      assert.deepEqual(result.failed, ['blocked']);
    });
  });
}

test('a bus that throws from send() fails the step (error attempt), never the workflow promise', async () => {
  await withBus({ mode: 'inline' }, async (bus) => {
    register(bus);
    await bus.close();
    const result = await runWorkflow(bus, { steps: [{ id: 'a', message: to('fast'), retries: 2 }, { id: 'b', message: to('fast'), dependsOn: ['a'] }] });
    assert.equal(result.status, 'failed');
    assert.deepEqual(result.steps.a!.attempts.map((a) => [a.status, a.code]), [['error', 'E_CLOSED']]);
    assert.deepEqual(result.skipped, ['b']);
  });
});
