import { LRUCache } from 'lru-cache';
import type { TemplateVerdict } from './template-solver.ts';

/** The default byte bound of the deliberation decision cache. */
export const DEFAULT_DECISION_CACHE_BYTES = 16 * 1024 * 1024;

/** A V8 string: header plus up to two bytes per UTF-16 unit (an overcount for one-byte strings, on purpose). */
const stringBytes = (text: string): number => 16 + 2 * text.length;
/** An LRU entry's bookkeeping plus the verdict object and its array. */
const ENTRY_BYTES = 160;

/**
 * The estimated heap one cached verdict keeps alive. Keys carry the canonical bindings, which come from
 * the payload, so a key can be as long as a payload allows: counting entries alone would not bound memory.
 */
export function cachedVerdictBytes(key: string, verdict: TemplateVerdict): number {
  let bytes = ENTRY_BYTES + stringBytes(key) + stringBytes(verdict.template);
  for (const name of verdict.violated) bytes += 8 + stringBytes(name);
  if (verdict.reason !== undefined) bytes += stringBytes(verdict.reason);
  return bytes;
}

/**
 * Decided verdicts by `decisionKey` (policy revision | template | canonical bindings). Denials are cached too:
 * a sender retrying a refused request should not buy solver time. Only definite answers are stored; `unknown`
 * and errors are retried, since they may come from a transient abort. The revision in the key means a new
 * policy never reads an old verdict; `clear()` frees them at once. Bounded by entries and by estimated bytes
 * (a verdict larger than the whole byte bound is not cached).
 */
export class DecisionCache {
  private readonly entries: LRUCache<string, TemplateVerdict>;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number, maxBytes: number = DEFAULT_DECISION_CACHE_BYTES) {
    this.entries = new LRUCache<string, TemplateVerdict>({
      max: Math.max(1, maxEntries),
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (verdict, key) => cachedVerdictBytes(key, verdict),
    });
  }

  get(key: string): TemplateVerdict | undefined {
    const verdict = this.entries.get(key);
    if (verdict === undefined) this.misses++;
    else this.hits++;
    return verdict;
  }

  set(key: string, verdict: TemplateVerdict): void {
    if (verdict.status === 'unknown') return;
    this.entries.set(key, verdict);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Estimated heap bytes the cached verdicts keep alive. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  clear(): void {
    this.entries.clear();
  }
}
