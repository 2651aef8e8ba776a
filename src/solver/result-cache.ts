import { LRUCache } from 'lru-cache';
import type { TemplateVerdict } from './template-solver.ts';

/**
 * Decided verdicts by `decisionKey` (policy revision | template | canonical bindings). Denials are cached too:
 * a sender retrying a refused request should not buy solver time. Only definite answers are stored; `unknown`
 * and errors are retried, since they may come from a transient abort. The revision in the key means a new
 * policy never reads an old verdict; `clear()` frees them at once.
 */
export class DecisionCache {
  private readonly entries: LRUCache<string, TemplateVerdict>;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.entries = new LRUCache<string, TemplateVerdict>({ max: Math.max(1, maxEntries) });
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

  clear(): void {
    this.entries.clear();
  }
}
