import { createHash } from 'node:crypto';
import type { RedisCommand, RedisReply } from './connection.ts';

/**
 * A Lua script sent by its SHA1 (EVALSHA), so a batch costs the server no script text to read and hash; the
 * script cache is not persisted, so a NOSCRIPT reply (a restarted or flushed server) is answered by sending
 * the same call once more as EVAL, which also caches it again.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  evalsha(keys: readonly string[], args: readonly string[]): RedisCommand {
    return ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
  }

  eval(keys: readonly string[], args: readonly string[]): RedisCommand {
    return ['EVAL', this.source, String(keys.length), ...keys, ...args];
  }
}

/** The server does not have the script cached: send it as EVAL. */
export function isNoScript(reply: RedisReply | Error | undefined): boolean {
  return reply instanceof Error && reply.message.startsWith('NOSCRIPT');
}

/** The EVAL twin of an EVALSHA command (same keys and arguments). */
export function asEval(command: RedisCommand, script: LuaScript): RedisCommand {
  return ['EVAL', script.source, ...command.slice(2)];
}
