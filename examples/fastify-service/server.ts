// Runs the example service: `node --import tsx examples/fastify-service/server.ts [--no-bus]`.
// PORT (default 3000, 0 picks a free one), HOST (default 127.0.0.1); the bus reads its own AGENTBUS_* variables.
// Prints `listening on http://host:port` once ready. SIGTERM or SIGINT: stop accepting, drain, close the bus, exit 0.
import { createAgentBus, type AgentBus } from '../../src/index.ts';
import { buildService } from './app.ts';
import { registerDemoAgents } from './demo-agents.ts';

const withBus = !process.argv.includes('--no-bus');
let bus: AgentBus | null = null;
if (withBus) {
  bus = await createAgentBus({
    log: (line) => process.stderr.write(`${line}\n`),
    ...(process.env.ADMISSION_TIMEOUT_MS ? { admissionTimeoutMs: Number(process.env.ADMISSION_TIMEOUT_MS) } : {}),
  });
  registerDemoAgents(bus, { reviewerDelayMs: Number(process.env.REVIEWER_DELAY_MS ?? 0) });
}
const service = buildService({ bus, logger: process.env.LOG === '1' });
const address = await service.app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
process.stdout.write(`listening on ${address}${withBus ? '' : ' (no bus)'}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    service.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
