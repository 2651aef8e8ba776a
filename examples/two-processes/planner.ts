/** Process 1: the `planner` agent sends tasks to the workers of the other process and collects their results. */
import { connect, send, TENANT, waitForAgents } from './shared.ts';

const transport = await connect();
const results: number[] = [];
let collected!: () => void;
const allCollected = new Promise<void>((resolve) => (collected = resolve));
const TASKS = 6;

await transport.registerLocal({
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
await waitForAgents(transport, ['worker-1', 'worker-2']);
console.log('sees worker-1, worker-2 in the registry');

// A message naming a tenant its agents are not in is refused before it reaches Redis.
const wrongTenant = await send(transport, { from: 'planner', to: 'worker-1', type: 'task_request', tenantId: 'other-tenant', payload: {} });
console.log(`cross-tenant send: ${wrongTenant.status} (${'reason' in wrongTenant ? wrongTenant.reason : ''})`);

const outcomes = await Promise.all(
  Array.from({ length: TASKS }, (_, i) =>
    send(transport, { from: 'planner', to: i % 2 === 0 ? 'worker-1' : 'worker-2', type: 'task_request', tenantId: TENANT, payload: { numbers: [i, i + 1, i + 2] } }),
  ),
);
console.log(`task sends settled: ${outcomes.map((o) => o.status).join(', ')}`);
await Promise.race([allCollected, new Promise((_, reject) => setTimeout(() => reject(new Error('results did not all arrive within 10 s')), 10_000).unref())]);
console.log(`collected ${results.length} results, total ${results.reduce((a, b) => a + b, 0)}`);
await transport.close();
if (outcomes.some((o) => o.status !== 'delivered') || wrongTenant.status !== 'rejected') process.exitCode = 1;
