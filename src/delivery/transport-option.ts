import type { RedisTransportOptions } from './redis/options.ts';

/**
 * Which transport delivers allowed messages (the `transport` option of `createAgentBus`):
 * - `{ kind: 'in-process' }` (the default): every agent lives in this process; handlers run on its main thread.
 * - `{ kind: 'redis', url, ... }`: agents may live in any process sharing one Redis; messages go through the
 *   recipient's Redis stream (see ARCHITECTURE.md, "Across processes"). Registration is asynchronous:
 *   `await bus.registerAgentAsync(...)`.
 */
export type TransportOption = { kind: 'in-process' } | ({ kind: 'redis' } & RedisTransportOptions);
