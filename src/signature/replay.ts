import { LRUCache } from 'lru-cache';
import { AgentBusError, ErrorCode, reject, type Rejection } from '../errors.ts';

export interface ReplayGuardOptions {
  /** How long a signed message stays acceptable after its `createdAt`, and how long its id is remembered. Default 5 min. */
  windowMs?: number;
  /** How far in the future a `createdAt` may be (clock skew between sender and bus). Default 30 s. */
  maxSkewMs?: number;
  /**
   * Most ids remembered. Size it above the signed messages a bus takes within `windowMs`: past it the
   * least recently seen id is forgotten early (counted in `stats().evictedLive`), and a replay of it
   * inside its window would pass.
   */
  maxRemembered?: number;
}

export interface ReplayStats {
  remembered: number;
  /** Ids forgotten before their window ended because the memory bound was reached. */
  evictedLive: number;
  refused: number;
}

/**
 * Refuses a signed message seen before: the same sender and id within the window. `createdAt` is signed,
 * so a message created outside the window is refused outright; inside it, its id is remembered until the
 * window ends (an LRU with a bound, never a growing set). Record only messages whose signature verified:
 * otherwise a forger could burn a legitimate message's id before it arrives.
 */
export class ReplayGuard {
  private readonly windowMs: number;
  private readonly maxSkewMs: number;
  private readonly seen: LRUCache<string, number>;
  private clock = 0;
  private evictedLive = 0;
  private refused = 0;

  constructor(options: ReplayGuardOptions = {}) {
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxSkewMs = options.maxSkewMs ?? 30_000;
    const max = options.maxRemembered ?? 1_000_000;
    if (!(this.windowMs > 0) || !(this.maxSkewMs >= 0) || !Number.isSafeInteger(max) || max <= 0) {
      throw new AgentBusError(ErrorCode.CONFIG, 'replay guard: windowMs > 0, maxSkewMs >= 0 and maxRemembered a positive integer');
    }
    this.seen = new LRUCache<string, number>({
      max,
      dispose: (until, _key, reason) => {
        if (reason === 'evict' && until > this.clock) this.evictedLive++;
      },
    });
  }

  /** Null when the message is new (and now remembered); E_SIGNATURE when it is a replay or outside the window. */
  check(from: string, id: string, createdAt: number, now: number): Rejection | null {
    this.clock = now;
    if (createdAt < now - this.windowMs) return this.refuse(`signed message '${id}' was created ${now - createdAt} ms ago, outside the ${this.windowMs} ms replay window`);
    if (createdAt > now + this.maxSkewMs) return this.refuse(`signed message '${id}' is dated ${createdAt - now} ms in the future (more than ${this.maxSkewMs} ms of skew)`);
    // One key per sender and id: ids are the sender's to choose.
    const key = `${from}\u0000${id}`;
    const until = this.seen.get(key);
    if (until !== undefined && until >= now) return this.refuse(`replay: '${from}' already sent message '${id}' within the replay window`);
    this.seen.set(key, createdAt + this.windowMs);
    return null;
  }

  stats(): ReplayStats {
    return { remembered: this.seen.size, evictedLive: this.evictedLive, refused: this.refused };
  }

  private refuse(reason: string): Rejection {
    this.refused++;
    return reject(ErrorCode.SIGNATURE, reason);
  }
}
