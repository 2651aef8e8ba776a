/** Process 1: the `planner` agent sends tasks to the workers of the other process and collects their results. */
import { connect, TENANT, waitForAgents } from './shared.ts';

const bus = await connect();
const results: number[] = [];
let collected!: () => void;
const allCollected = new Promise<void>((resolve) => (collected = resolve));
const TASKS = 6;

await bus.registerAgentAsync({
  id: 'planner',
  tenantId: TENANT,
  type: 'orchestrator',
  handler: (message) => {
    const { sum } = message.payload as { sum: number };
    console.log(`result from ${message.from}: ${sum}`);
    results.push(sum);
    if (results.length === TASKS) collected();
  },
});
await waitForAgents(bus, ['worker-1', 'worker-2']);
console.log('sees worker-1, worker-2 (served by the other process) in the registry');

// Judged here, before anything reaches Redis: the tenant stage and the policy see the remote agents too.
const wrongTenant = await bus.send({ from: 'planner', to: 'worker-1', type: 'task_request', tenantId: 'other-tenant', payload: {} });
console.log(`cross-tenant send: ${wrongTenant.status} ${wrongTenant.code} (${wrongTenant.reasons.join('; ')})`);
const notAnAuditor = await bus.send({ from: 'planner', to: 'worker-1', type: 'audit_log', tenantId: TENANT, payload: {} });
console.log(`audit_log to a worker: ${notAnAuditor.status} ${notAnAuditor.code} (${notAnAuditor.reasons.join('; ')})`);

// Each send settles when the remote handler settled (its outcome comes back through Redis).
const outcomes = await Promise.all(
  Array.from({ length: TASKS }, (_, i) =>
    bus.send({ from: 'planner', to: i % 2 === 0 ? 'worker-1' : 'worker-2', type: 'task_request', tenantId: TENANT, payload: { numbers: [i, i + 1, i + 2] } }),
  ),
);
console.log(`task sends settled: ${outcomes.map((o) => o.status).join(', ')}`);
await Promise.race([allCollected, new Promise((_, reject) => setTimeout(() => reject(new Error('results did not all arrive within 10 s')), 10_000).unref())]);
console.log(`collected ${results.length} results, total ${results.reduce((a, b) => a + b, 0)}`);
await bus.close();
if (outcomes.some((o) => o.status !== 'delivered') || wrongTenant.code !== 'E_TENANT' || notAnAuditor.code !== 'E_POLICY_DENIED') process.exitCode = 1;
