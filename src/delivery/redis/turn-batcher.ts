import type { RedisCommand, RedisConnection, RedisReply } from './connection.ts';
import { asEval, isNoScript, type LuaScript } from './lua-script.ts';

interface Queued {
  readonly commands: readonly RedisCommand[];
  readonly resolve: (replies: (RedisReply | Error)[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Most commands in one pipeline write. */
const MAX_COMMANDS = 2_048;

/**
 * Sends every group of commands queued during one event-loop turn as one explicit pipeline: the dedupe
 * checks, acks and replies of a whole XREADGROUP batch cost one round trip each, not one per message.
 * Each caller gets its own commands' replies (or errors) back, in order; a pipeline that fails (down,
 * outcome unknown) fails every group in it with that error.
 */
export class TurnBatcher {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly connection: RedisConnection) {}

  run(commands: readonly RedisCommand[]): Promise<(RedisReply | Error)[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ commands, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One script call (EVALSHA) in this turn's pipeline; sent again as EVAL when the server lost its script cache. */
  async runScript(command: RedisCommand, script: LuaScript): Promise<RedisReply> {
    let [reply] = await this.run([command]);
    if (isNoScript(reply)) [reply] = await this.run([asEval(command, script)]);
    if (reply instanceof Error) throw reply;
    return reply!;
  }

  private flush(): void {
    this.scheduled = false;
    let batch: Queued[] = [];
    let size = 0;
    for (const queued of this.queue) {
      if (size + queued.commands.length > MAX_COMMANDS && batch.length > 0) {
        void this.send(batch);
        batch = [];
        size = 0;
      }
      batch.push(queued);
      size += queued.commands.length;
    }
    this.queue = [];
    if (batch.length > 0) void this.send(batch);
  }

  private async send(batch: readonly Queued[]): Promise<void> {
    let replies: (RedisReply | Error)[];
    try {
      replies = await this.connection.pipeline(batch.flatMap((queued) => queued.commands));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    let offset = 0;
    for (const queued of batch) {
      queued.resolve(replies.slice(offset, offset + queued.commands.length));
      offset += queued.commands.length;
    }
  }
}
