import { EventEmitter } from 'node:events';
import { createClient, ErrorReply } from '@redis/client';

/** A raw Redis command: its name and arguments, as the server takes them. */
export type RedisCommand = readonly string[];
/** A RESP2 reply, untyped: strings, integers, nulls and arrays of them. */
export type RedisReply = string | number | null | RedisReply[];

/**
 * The command was handed to the client and its deadline passed with no reply: the server may or may not have
 * executed it. A caller must never report it as failed-and-not-done (it may land later) nor as done.
 */
export class OutcomeUnknownError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no reply within ${ms} ms; the outcome is unknown (it may still take effect)`);
    this.name = 'OutcomeUnknownError';
  }
}

/** The connection is down (and reconnecting): the command was not sent. */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`redis unavailable: ${reason}`);
    this.name = 'RedisUnavailableError';
  }
}

export interface ConnectionOptions {
  url: string;
  commandTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Bound of the client's own command queue: it never grows past this. */
  maxQueued: number;
  name: string;
}

/** Exponential backoff with full jitter on the upper half, so reconnecting processes do not stampede. */
export function reconnectDelay(retries: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retries, 20));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One connection to Redis (node-redis underneath), with what node-redis lacks for a transport: a deadline
 * on every command even after it was written (node-redis only times out commands still queued), and a
 * typed split between "not sent" ({@link RedisUnavailableError}) and "outcome unknown"
 * ({@link OutcomeUnknownError}). Reconnects by itself with backoff; emits `ready` after each (re)connect
 * and `down` when the connection drops. Commands fail fast while it is down: the transport's queues, not
 * the client's, hold work across an outage, so they stay bounded and visible.
 */
export class RedisConnection extends EventEmitter {
  private readonly client;
  private closed = false;

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.client = createClient({
      url: options.url,
      RESP: 2,
      name: options.name,
      disableOfflineQueue: true,
      commandsQueueMaxLength: options.maxQueued,
      socket: {
        connectTimeout: options.commandTimeoutMs,
        reconnectStrategy: (retries: number) => (this.closed ? false : reconnectDelay(retries, options.reconnectBaseMs, options.reconnectMaxMs)),
      },
    });
    this.client.on('error', () => {
      // Socket errors surface as 'down' and as the failures of the commands they hit; node-redis reconnects.
    });
    this.client.on('ready', () => this.emit('ready'));
    this.client.on('reconnecting', () => this.emit('down'));
    this.client.on('end', () => this.emit('down'));
  }

  get isReady(): boolean {
    return this.client.isReady;
  }

  /** Connects once; rejects with {@link RedisUnavailableError} if the first connection does not come up in time. */
  async connect(): Promise<void> {
    const connecting = this.client.connect();
    connecting.catch(() => {});
    try {
      await this.deadline(connecting, 'connect', this.options.commandTimeoutMs * 2);
    } catch (error) {
      this.closed = true;
      this.client.destroy();
      throw new RedisUnavailableError(`cannot connect to ${this.options.url}: ${describe(error)}`);
    }
  }

  /** Sends one command; its deadline is `commandTimeoutMs`, or `extraMs` more (a blocking read's BLOCK). */
  async send(command: RedisCommand, extraMs = 0): Promise<RedisReply> {
    if (!this.client.isReady) throw new RedisUnavailableError('connection is down (reconnecting)');
    const pending = this.client.sendCommand(command as string[]) as Promise<RedisReply>;
    return this.settle(pending, command[0] ?? 'command', this.options.commandTimeoutMs + extraMs);
  }

  /**
   * Sends a blocking read with no deadline of its own: abandoning it would lose the entries it may still
   * return (they would sit pending until claimed). A dropped socket still fails it; the caller watches time.
   */
  async sendBlocking(command: RedisCommand): Promise<RedisReply> {
    if (!this.client.isReady) throw new RedisUnavailableError('connection is down (reconnecting)');
    try {
      return (await this.client.sendCommand(command as string[])) as RedisReply;
    } catch (error) {
      if (error instanceof ErrorReply) throw error;
      throw new RedisUnavailableError(`${command[0]}: ${describe(error)}`);
    }
  }

  /**
   * Sends commands as one pipeline (one write, one round trip: node-redis writes every command issued in one
   * tick together); not a transaction. Each command's reply or error reply comes back in order — one
   * command's error never costs the others their replies (node-redis's `execAsPipeline` rejects the whole
   * batch with the first error) — and the whole batch shares one deadline.
   */
  async pipeline(commands: readonly RedisCommand[]): Promise<(RedisReply | Error)[]> {
    if (commands.length === 0) return [];
    if (!this.client.isReady) throw new RedisUnavailableError('connection is down (reconnecting)');
    const sent = commands.map((command) => this.client.sendCommand(command as string[]) as Promise<RedisReply>);
    // The common case (no error reply) costs no promise per command beyond node-redis's own; when one command
    // replied with an error, every reply is collected again, each error reply in its place.
    const pending = Promise.all(sent).catch((error: unknown) => {
      if (!(error instanceof ErrorReply)) throw error;
      return Promise.all(sent.map((reply) => reply.catch((e: unknown) => (e instanceof ErrorReply ? e : Promise.reject(e)))));
    });
    return this.settle(pending, `pipeline of ${commands.length}`, this.options.commandTimeoutMs);
  }

  /** Commands in MULTI/EXEC: all or none (keys of one slot when clustered). */
  async transaction(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
    if (!this.client.isReady) throw new RedisUnavailableError('connection is down (reconnecting)');
    const multi = this.client.multi();
    for (const command of commands) multi.addCommand(command as string[]);
    return this.settle(multi.exec() as unknown as Promise<RedisReply[]>, 'transaction', this.options.commandTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) return;
    try {
      await this.deadline(this.client.close(), 'close', this.options.commandTimeoutMs);
    } catch {
      this.client.destroy();
    }
  }

  /** Ends the connection at once: pending commands fail (a blocked read ends). */
  destroy(): void {
    this.closed = true;
    if (this.client.isOpen) this.client.destroy();
  }

  private async settle<T>(pending: Promise<T>, what: string, ms: number): Promise<T> {
    try {
      return await this.deadline(pending, what, ms);
    } catch (error) {
      if (error instanceof OutcomeUnknownError || error instanceof ErrorReply) throw error;
      // A command that was written and then lost its socket may have run: outcome unknown, like a timeout.
      // One never written (client offline, queue full, closed) did not run.
      const message = describe(error);
      if (/closed unexpectedly|socket closed|disconnect/i.test(message)) throw new OutcomeUnknownError(`${what} (${message})`, ms);
      throw new RedisUnavailableError(`${what}: ${message}`);
    }
  }

  private deadline<T>(pending: Promise<T>, what: string, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      // Timers run before the I/O phase of the same loop turn: a reply already in the socket buffer of a busy
      // process would lose to its own deadline. setImmediate runs after I/O, so the reply gets that one turn.
      const timer = setTimeout(() => {
        setImmediate(() => {
          if (settled) return;
          settled = true;
          pending.catch(() => {});
          reject(new OutcomeUnknownError(what, ms));
        });
      }, ms);
      pending.then(
        (value) => {
          clearTimeout(timer);
          if (!settled) resolve(value);
          settled = true;
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!settled) reject(error);
          settled = true;
        },
      );
    });
  }
}
