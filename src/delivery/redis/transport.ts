import { AgentBusError, ErrorCode } from '../../errors.ts';
import type { AgentMessage } from '../../model/message.ts';
import type { RegistryEntry } from '../../model/registry-snapshot.ts';
import { AgentDirectory, type DirectoryAgent } from './agent-directory.ts';
import { OutcomeUnknownError, RedisConnection, RedisUnavailableError } from './connection.ts';
import { EffectLedger } from './effect-ledger.ts';
import { encodeEnvelope } from './envelope.ts';
import { KeyLayout } from './keys.ts';
import { resolveRedisTransportOptions, type RedisTransportOptions, type ResolvedRedisTransportOptions } from './options.ts';
import { ReplyListener } from './reply-listener.ts';
import { StreamConsumer, type ConsumerStats, type LocalHandler } from './stream-consumer.ts';
import { StreamProducer } from './stream-producer.ts';

/** How a delivery through Redis ended, as the bus settles the send. */
export type RedisDeliveryOutcome =
  /** The remote handler settled well. */
  | { status: 'delivered' }
  /** Fire-and-forget: the message is in the recipient's stream (Redis acknowledged the XADD). */
  | { status: 'accepted'; entryId: string }
  | { status: 'failed'; code: ErrorCode; reason: string }
  /** No live agent with that id in any process (the mirror of the registry). */
  | { status: 'unknown-agent'; reason: string };

export interface LocalAgent {
  readonly id: string;
  readonly tenantId: string;
  readonly type?: string;
  readonly capabilities?: readonly string[];
  /** Trust tier for deliberation (0–2); default 0. */
  readonly tier?: number;
  readonly handler: LocalHandler;
}

/**
 * Delivery across processes through Redis Streams. Each agent has an inbox stream; every process serving the
 * agent reads it through one consumer group, so an agent may be served by several processes (scale-out).
 *
 * Guarantee: at-least-once delivery of every message Redis acknowledged, and its handler's effect once per
 * message id within `dedupeWindowMs` (see EffectLedger for the one gap: death between effect and record).
 *
 * The bus judges a message first, then calls `deliver`; `lookupRemote` answers the sender's tenant check
 * synchronously from a local mirror of the registry that lives in Redis.
 */
export class RedisTransport {
  readonly options: ResolvedRedisTransportOptions;
  private readonly keys: KeyLayout;
  private readonly commands: RedisConnection;
  private readonly reader: RedisConnection;
  private readonly replyReader: RedisConnection;
  private readonly directory: AgentDirectory;
  private readonly producer: StreamProducer;
  private readonly consumer: StreamConsumer;
  private readonly replies: ReplyListener;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: RedisTransportOptions) {
    this.options = resolveRedisTransportOptions(options);
    const o = this.options;
    this.keys = new KeyLayout(o.keyPrefix);
    const connection = (role: string) =>
      new RedisConnection({
        url: o.url,
        commandTimeoutMs: o.commandTimeoutMs,
        reconnectBaseMs: o.reconnectBaseMs,
        reconnectMaxMs: o.reconnectMaxMs,
        maxQueued: o.maxQueued + 1_000,
        name: `agentbus-${role}`,
      });
    this.commands = connection('commands');
    this.reader = connection('reader');
    this.replyReader = connection('replies');
    this.directory = new AgentDirectory(this.commands, this.keys, o.heartbeatMs, o.registryTtlMs);
    this.producer = new StreamProducer(this.commands, o.maxQueued, o.unavailableTimeoutMs);
    const ledger = new EffectLedger(this.keys, o.nodeId, Math.floor(o.claimIdleMs * 0.8), o.dedupeWindowMs);
    this.consumer = new StreamConsumer(this.reader, this.commands, this.keys, ledger, o);
    this.replies = new ReplyListener(this.replyReader, this.commands, this.keys.replies(o.nodeId), o.blockMs, o.registryTtlMs, {
      baseMs: o.reconnectBaseMs,
      maxMs: o.reconnectMaxMs,
    });
  }

  /** Connects (E_UNAVAILABLE if Redis cannot be reached), loads the registry mirror, starts reading. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new AgentBusError(ErrorCode.CONFIG, 'redis transport: start() called twice');
    try {
      await Promise.all([this.commands.connect(), this.reader.connect(), this.replyReader.connect()]);
      await this.directory.start();
    } catch (error) {
      await this.shutdownConnections();
      this.state = 'closed';
      throw new AgentBusError(ErrorCode.UNAVAILABLE, `redis transport could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.state = 'started';
    this.consumer.start();
    this.replies.start();
    void this.replies.keepAlive();
    this.keepAliveTimer = setInterval(() => void this.replies.keepAlive(), this.options.heartbeatMs);
    this.keepAliveTimer.unref();
  }

  /** Serves an agent from this process: it appears in the registry (all processes see it within a heartbeat) and its inbox is read here. */
  async registerLocal(agent: LocalAgent): Promise<void> {
    this.assertStarted();
    const info: DirectoryAgent = { tenantId: agent.tenantId, type: agent.type ?? 'agent', capabilities: agent.capabilities ?? [], tier: agent.tier ?? 0 };
    await this.consumer.add(agent.id, agent.handler);
    try {
      await this.directory.register(agent.id, info);
    } catch (error) {
      await this.consumer.remove(agent.id);
      throw error;
    }
  }

  async unregisterLocal(agentId: string): Promise<void> {
    this.assertStarted();
    await this.consumer.remove(agentId);
    await this.directory.unregister(agentId);
  }

  /** The live agent's tenant and role, wherever it runs: synchronous, from the mirror (refreshed every heartbeat). */
  lookupRemote(agentId: string): DirectoryAgent | undefined {
    return this.directory.lookup(agentId);
  }

  /** Every live agent for the workers' registry snapshot; `onRegistryChange` says when to take a new one. */
  registryEntries(): RegistryEntry[] {
    return this.directory.entries();
  }

  onRegistryChange(listener: () => void): () => void {
    return this.directory.onChange(listener);
  }

  /** Refreshes the mirror now (it also refreshes itself every heartbeat). */
  async refreshRegistry(): Promise<void> {
    await this.directory.refresh();
  }

  /** Whether the command connection is up now (it reconnects by itself). */
  get connected(): boolean {
    return this.commands.isReady;
  }

  get stats(): ConsumerStats & { queued: number; awaitingReplies: number } {
    return { ...this.consumer.stats, queued: this.producer.queued, awaitingReplies: this.replies.waiting };
  }

  /**
   * Delivers a judged message. Settles once: `delivered` when the remote handler settled well (or a failure
   * with its code), `accepted` at once after the XADD when `fireAndForget`, `unknown-agent`, or
   * `failed` with E_UNAVAILABLE (not written: Redis down past the queue's bound or wait), E_TIMEOUT (the
   * outcome is unknown: the write or the handler may still take effect) or E_CLOSED.
   */
  async deliver(message: AgentMessage, options: { fireAndForget?: boolean } = {}): Promise<RedisDeliveryOutcome> {
    if (this.state !== 'started') return { status: 'failed', code: ErrorCode.CLOSED, reason: 'redis transport is not running' };
    if (this.directory.lookup(message.to) === undefined) {
      // The mirror may predate the agent's registration by up to a heartbeat: read the registry once more.
      await this.directory.refreshShared().catch(() => {});
      if (this.directory.lookup(message.to) === undefined) {
        return { status: 'unknown-agent', reason: `recipient '${message.to}' is not a registered agent in any process` };
      }
    }
    const fireAndForget = options.fireAndForget === true;
    const reply = fireAndForget ? undefined : this.replies.wait(message.id, this.options.replyTimeoutMs);
    const fields = encodeEnvelope(message, fireAndForget ? '' : this.replies.key);
    let entryId: string;
    try {
      entryId = await this.producer.append(this.keys.inbox(message.to), fields);
    } catch (error) {
      if (error instanceof OutcomeUnknownError) {
        // The write may have landed: a reply may still come, so keep waiting for it (bounded by its deadline).
        if (reply === undefined) return { status: 'failed', code: ErrorCode.TIMEOUT, reason: error.message };
        return this.awaitReply(reply, `${error.message}; no outcome arrived either`);
      }
      if (reply !== undefined) this.replies.cancel(message.id);
      if (error instanceof RedisUnavailableError) return { status: 'failed', code: ErrorCode.UNAVAILABLE, reason: error.message };
      return { status: 'failed', code: ErrorCode.UNAVAILABLE, reason: `redis refused the message: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (reply === undefined) return { status: 'accepted', entryId };
    return this.awaitReply(reply, `the message is in '${message.to}''s stream (entry ${entryId}) but its outcome did not arrive within ${this.options.replyTimeoutMs} ms`);
  }

  private async awaitReply(reply: ReturnType<ReplyListener['wait']>, timeoutReason: string): Promise<RedisDeliveryOutcome> {
    const outcome = await reply;
    if ('kind' in outcome) {
      return outcome.kind === 'timeout'
        ? { status: 'failed', code: ErrorCode.TIMEOUT, reason: `outcome unknown: ${timeoutReason}` }
        : { status: 'failed', code: ErrorCode.CLOSED, reason: 'transport closed before the outcome arrived (outcome unknown)' };
    }
    if (outcome.ok) return { status: 'delivered' };
    const code = (Object.values(ErrorCode) as string[]).includes(outcome.code) ? (outcome.code as ErrorCode) : ErrorCode.HANDLER;
    return { status: 'failed', code, reason: outcome.reason };
  }

  /** Stops reading, lets running handlers finish and ack, withdraws local agents, fails what waits, disconnects. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarted = this.state === 'started';
    this.state = 'closed';
    clearInterval(this.keepAliveTimer);
    this.directory.stop();
    if (wasStarted) {
      await this.consumer.stop();
      await Promise.all(this.directory.localIds().map((id) => this.directory.unregister(id).catch(() => {})));
      this.producer.close();
      this.replies.stop();
    }
    await this.shutdownConnections();
  }

  private async shutdownConnections(): Promise<void> {
    // Blocking readers are destroyed, not quit: QUIT would queue behind their BLOCK.
    this.reader.destroy();
    this.replyReader.destroy();
    await this.commands.close();
  }

  private assertStarted(): void {
    if (this.state !== 'started') throw new AgentBusError(ErrorCode.CLOSED, 'redis transport is not running');
  }
}
