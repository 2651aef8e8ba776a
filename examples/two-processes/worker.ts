/** Process 2: serves `worker-1` and `worker-2`; each task is answered with a fire-and-forget result to the planner. */
import { connect, TENANT, waitForAgents } from './shared.ts';

const bus = await connect();
let done = 0;
const TASKS = 6;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

for (const id of ['worker-1', 'worker-2']) {
  await bus.registerAgentAsync({
    id,
    tenantId: TENANT,
    type: 'worker',
    capabilities: ['sum'],
    handler: async (message) => {
      const { numbers } = message.payload as { numbers: number[] };
      const sum = numbers.reduce((a, b) => a + b, 0);
      console.log(`${id} got task ${message.id.slice(-4)} from ${message.from}: sum = ${sum}`);
      // The registry is shared by heartbeat: a task can arrive before this process has seen its sender's
      // registration, and a reply to an agent this bus does not know yet is refused (E_UNKNOWN_AGENT).
      await waitForAgents(bus, [message.from]);
      // Judged by this process's bus too, then back across processes; accepted once it is in the planner's stream.
      const reply = await bus.send({ from: id, to: message.from, type: 'task_response', tenantId: TENANT, payload: { task: message.id, sum } }, { fireAndForget: true });
      if (reply.status !== 'accepted') console.log(`reply not accepted: ${JSON.stringify(reply)}`);
      if (++done === TASKS) finished();
    },
  });
}
console.log('registered worker-1, worker-2');
await Promise.race([allDone, new Promise((_, reject) => setTimeout(() => reject(new Error('tasks did not all arrive within 10 s')), 10_000).unref())]);
// The planner's sends settle when these handlers settled: close after that, so the outcomes reach it.
await bus.close();
