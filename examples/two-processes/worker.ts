/** Process 2: serves `worker-1` and `worker-2`; each task is answered with a fire-and-forget result to the planner. */
import { connect, send, TENANT } from './shared.ts';

const transport = await connect();
let done = 0;
const TASKS = 6;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

for (const id of ['worker-1', 'worker-2']) {
  await transport.registerLocal({
    id,
    tenantId: TENANT,
    type: 'worker',
    capabilities: ['sum'],
    handler: async (message) => {
      const { numbers } = message.payload as { numbers: number[] };
      const sum = numbers.reduce((a, b) => a + b, 0);
      console.log(`${id} got task ${message.id.slice(-4)} from ${message.from}: sum = ${sum}`);
      const reply = await send(transport, { from: id, to: message.from, type: 'task_response', tenantId: TENANT, payload: { task: message.id, sum } }, { fireAndForget: true });
      if (reply.status !== 'accepted') console.log(`reply not accepted: ${JSON.stringify(reply)}`);
      if (++done === TASKS) finished();
    },
  });
}
console.log('registered worker-1, worker-2');
await Promise.race([allDone, new Promise((_, reject) => setTimeout(() => reject(new Error('tasks did not all arrive within 10 s')), 10_000).unref())]);
await transport.close();
