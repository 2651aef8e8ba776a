// A Fastify service that embeds the default bus: POST a message to an agent, scrape /metrics, probe
// /healthz and /readyz. `buildService({ bus: null })` is the same app answering without the bus: the
// baseline `npm run bench:http` measures next to it.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AgentBus, SendResult } from '../../src/index.ts';
import { instrumentBus, type BusHealthLike, type InstrumentedBus } from '../../src/metrics/prometheus.ts';
import { httpStatusOf, RETRYABLE_CODES } from './http-status.ts';

export interface ServiceOptions {
  /** The bus to embed; null answers every message as delivered without one (the bench's baseline). */
  bus: AgentBus | null;
  /** Seconds a client should wait after a 503. Default 1. */
  retryAfterS?: number;
  logger?: boolean;
}

export interface Service {
  app: FastifyInstance;
  /** The bus's metrics; null without a bus. */
  metrics: InstrumentedBus | null;
  /** Stop accepting, let in-flight requests finish, then close the bus. Idempotent. */
  shutdown(): Promise<void>;
}

/** The optional `bus.health()` (when the bus has it), else what the bus's public API shows. */
function healthOf(bus: AgentBus): BusHealthLike & { workersAlive: number } {
  const withHealth = bus as AgentBus & { health?: () => BusHealthLike };
  const workersAlive = bus.mode === 'workers' ? bus.threads.length : 1;
  if (typeof withHealth.health === 'function') return { ...withHealth.health(), workersAlive };
  return { status: workersAlive > 0 ? 'ok' : 'down', workersAlive };
}

export function buildService(options: ServiceOptions): Service {
  const { bus } = options;
  const retryAfter = String(options.retryAfterS ?? 1);
  const app = Fastify({ logger: options.logger ?? false });
  const metrics = bus === null ? null : instrumentBus(bus);
  let draining = false;

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/agents/:id/messages', async (request, reply) => {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return reply.code(400).send({ status: 'rejected', code: 'E_INVALID_MESSAGE', reasons: ['the body must be a JSON object (a message without `to`)'] });
    }
    // The parsed body is this request's own object: complete it in place. A copy as `{ ...body, to }` would
    // get a new hidden class per request on Node 20 (allocated in the old generation: at 10,000 req/s a major
    // collection every ~3 s and P99 spikes of 20–25 ms), and make every read of the message megamorphic.
    const message = Object.assign(body, { to: request.params.id }) as unknown as Parameters<AgentBus['send']>[0];
    let result: SendResult;
    if (metrics === null) {
      result = { id: typeof body.id === 'string' ? body.id : '', status: 'delivered', reasons: [], latencyUs: 0 };
    } else {
      try {
        result = await metrics.send(message);
      } catch (error) {
        // Only misuse throws: after close() the bus takes nothing more.
        const code = (error as { code?: string }).code ?? 'E_INTERNAL';
        result = { id: '', status: 'rejected', code: code as SendResult['code'] & string, reasons: [(error as Error).message], latencyUs: 0 };
      }
    }
    if (result.code !== undefined && RETRYABLE_CODES.has(result.code)) reply.header('Retry-After', retryAfter);
    return reply.code(httpStatusOf(result)).send(result);
  });

  app.get('/metrics', async (_request, reply) => {
    if (metrics === null) return reply.code(404).send({ error: 'no bus' });
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });

  // Liveness: the process should be restarted only when the bus cannot judge anything.
  app.get('/healthz', async (_request, reply) => {
    if (bus === null) return { status: 'ok' };
    const health = healthOf(bus);
    return reply.code(health.status === 'down' ? 503 : 200).send(health);
  });

  // Readiness: send traffic only while not draining and the bus is fully up (workers alive, deliberation
  // started — createAgentBus() resolves only after its checks — and no breaker open, per bus.health()).
  app.get('/readyz', async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' });
    if (bus === null) return { status: 'ok' };
    const health = healthOf(bus);
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      await app.close(); // stops accepting; resolves once in-flight requests have been answered
      await bus?.close(); // then every message still in the bus settles, and the threads stop
    })();
    return closing;
  };

  return { app, metrics, shutdown };
}
