import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAgentBus, isErrorCode, type AgentBus, type AgentHandler, type AgentMessage, type MessageInput, type SendResult } from '../../src/index.ts';

/** Long variants (more kills, longer loads): AGENTBUS_FAULTS_LONG=1. */
export const LONG = process.env.AGENTBUS_FAULTS_LONG === '1';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap used after two full collections, in bytes. */
export function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const STATUSES = new Set(['delivered', 'rejected', 'failed', 'expired']);

/**
 * A bus under fault, and the books kept on it: every send() and how it settled (through the promise only,
 * counted, so a second settlement or none at all is seen), every handler call by message id and by the
 * tenant of the agent that received it.
 */
export class FaultRun {
  readonly sends: Promise<SendResult>[] = [];
  private readonly settledCount = new Map<number, number>();
  readonly results: (SendResult | undefined)[] = [];
  /** message id → handler calls */
  readonly handled = new Map<string, number>();
  /** Handler calls where the message's tenant is not the receiving agent's tenant. */
  readonly crossTenant: string[] = [];
  /** Message ids of the messages sent, by index. */
  readonly ids: string[] = [];
  private counter = 0;

  constructor(readonly bus: AgentBus, readonly label: string) {}

  /** A handler for an agent of `tenantId` that keeps the books (and may then do `then`). */
  handler(tenantId: string, then?: (m: AgentMessage) => void | Promise<void>): AgentHandler {
    return (m) => {
      this.handled.set(m.id, (this.handled.get(m.id) ?? 0) + 1);
      if (m.tenantId !== tenantId) this.crossTenant.push(`${m.id}: ${m.tenantId} → agent of ${tenantId}`);
      return then?.(m);
    };
  }

  send(input: Omit<MessageInput, 'id'>): Promise<SendResult> {
    const index = this.sends.length;
    const id = `${this.label}-${this.counter++}`;
    this.ids.push(id);
    let promise: Promise<SendResult>;
    try {
      promise = this.bus.send({ ...input, id } as MessageInput);
    } catch (error) {
      // send() after close() throws E_CLOSED by contract: count it as settled with that code.
      const code = (error as { code?: string }).code;
      assert.equal(code, 'E_CLOSED', `send threw ${String(error)}`);
      promise = Promise.resolve({ id, status: 'rejected', code: 'E_CLOSED', reasons: ['closed'], latencyUs: 0 } as SendResult);
    }
    this.sends.push(promise);
    promise.then((result) => {
      this.settledCount.set(index, (this.settledCount.get(index) ?? 0) + 1);
      this.results[index] = result;
    });
    return promise;
  }

  /**
   * Sends `make(i)` open-loop: `perTick` messages every millisecond-ish tick for `durationMs`, whatever the
   * bus answers (the load does not wait for results). Resolves when the last one is sent.
   */
  async openLoop(durationMs: number, perTick: number, make: (i: number) => Omit<MessageInput, 'id'>, during?: () => void): Promise<void> {
    const until = performance.now() + durationMs;
    let i = 0;
    while (performance.now() < until) {
      for (let k = 0; k < perTick; k++) this.send(make(i++));
      during?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * After the run: every send() settled exactly once (within `ms`), delivered xor a typed code, no handler
   * called twice for one message, none across tenants, and every handler call belongs to a delivered send
   * (or one that failed in or after its handler).
   */
  async check(ms = 30_000): Promise<{ delivered: number; codes: Record<string, number> }> {
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.allSettled(this.sends).then(() => 'settled' as const);
    const outcome = await Promise.race([all, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)))]);
    clearTimeout(timer);
    const unsettled = this.sends.length - this.settledCount.size;
    assert.equal(outcome, 'settled', `${this.label}: ${unsettled} of ${this.sends.length} sends never settled`);
    await new Promise((resolve) => setImmediate(resolve));
    const codes: Record<string, number> = {};
    let delivered = 0;
    for (let i = 0; i < this.sends.length; i++) {
      assert.equal(this.settledCount.get(i), 1, `${this.label}: send ${i} settled ${this.settledCount.get(i) ?? 0} times`);
      const r = this.results[i]!;
      assert.ok(STATUSES.has(r.status), `${this.label}: status ${r.status}`);
      if (r.status === 'delivered') {
        assert.equal(r.code, undefined, `${this.label}: delivered with a code`);
        delivered++;
        assert.equal(this.handled.get(this.ids[i]!), 1, `${this.label}: ${this.ids[i]} delivered but its handler ran ${this.handled.get(this.ids[i]!) ?? 0} times`);
      } else {
        assert.ok(isErrorCode(r.code), `${this.label}: ${r.status} without a typed code: ${JSON.stringify(r)}`);
        codes[r.code!] = (codes[r.code!] ?? 0) + 1;
        // A handler may have run for a message that then failed (E_HANDLER, a handler past its deadline, close).
        if (r.status !== 'failed') assert.equal(this.handled.get(this.ids[i]!) ?? 0, 0, `${this.label}: ${this.ids[i]} was ${r.code} yet its handler ran`);
      }
    }
    for (const [id, calls] of this.handled) assert.equal(calls, 1, `${this.label}: handler called ${calls} times for ${id}`);
    assert.deepEqual(this.crossTenant, [], `${this.label}: cross-tenant handler calls`);
    return { delivered, codes };
  }
}

/** The workers-mode bus the faults run against: real validation threads, the bundled policy. */
export async function faultBus(options: Parameters<typeof createAgentBus>[0] = {}): Promise<AgentBus> {
  return createAgentBus({ workers: 2, deliberation: false, log: () => {}, ...options });
}

export const rand = (n: number): number => Math.floor(Math.random() * n);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
