// Runs the malformed-input corpus against a live bus: the same code for the CI test and `npm run fuzz`.
// Each case is sent; the send must not throw, must settle once, as `rejected` with a documented code (the
// expected one when the family determines it) and a reason; no handler may ever run.
import fc from 'fast-check';
import { ErrorCode, type AgentBus } from '../../src/index.ts';
import { malformedInput, RECIPIENT, SENDER, type MalformedCase } from './arbitraries.ts';

const DOCUMENTED_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export interface CorpusFailure {
  readonly label: string;
  readonly problem: string;
}

export interface CorpusReport {
  readonly cases: number;
  readonly failures: readonly CorpusFailure[];
  /** Cases per code, to show what the corpus exercised. */
  readonly byCode: Readonly<Record<string, number>>;
  /** Handler calls: any is a malformed message delivered. */
  readonly deliveries: number;
}

/** Registers the corpus's two agents; the recipient's handler counts what it is (wrongly) given. */
export function registerCorpusAgents(bus: AgentBus): { deliveries: () => number } {
  let deliveries = 0;
  bus.registerAgent({ id: SENDER.id, tenantId: SENDER.tenantId, handler: () => {} });
  bus.registerAgent({ id: RECIPIENT.id, tenantId: RECIPIENT.tenantId, handler: () => { deliveries++; } });
  return { deliveries: () => deliveries };
}

/** What was thrown, without trusting it (it may be the hostile input itself). */
function describe(thrown: unknown): string {
  try {
    return thrown instanceof Error ? thrown.message : typeof thrown;
  } catch {
    return 'something unreadable';
  }
}

async function judge(bus: AgentBus, malformed: MalformedCase, byCode: Record<string, number>): Promise<string | null> {
  let input: unknown;
  try {
    input = malformed.build();
  } catch (error) {
    return `the generator failed: ${describe(error)}`;
  }
  let pending: Promise<{ status: string; code?: string; reasons: readonly string[] }>;
  try {
    pending = bus.send(input as never);
  } catch (error) {
    return `send() threw ${describe(error)}`;
  }
  let settlements = 0;
  const result = await pending.then((r) => { settlements++; return r; });
  if (settlements !== 1) return `settled ${settlements} times`;
  if (result.status !== 'rejected') return `status ${result.status} (${result.code ?? 'no code'})`;
  if (result.code === undefined || !DOCUMENTED_CODES.has(result.code)) return `undocumented code ${String(result.code)}`;
  if (malformed.expected !== undefined && result.code !== malformed.expected) return `code ${result.code}, expected ${malformed.expected} (${result.reasons.join('; ')})`;
  if (!Array.isArray(result.reasons) || result.reasons.length === 0 || result.reasons.some((r) => typeof r !== 'string' || r.length === 0)) return 'no reason given';
  byCode[result.code] = (byCode[result.code] ?? 0) + 1;
  return null;
}

/**
 * Sends `cases` generated inputs, `concurrency` at a time (so the workers see full batches), from `seed`.
 * `onProgress(done)` after each chunk. Stops collecting failures after 20 (the report says how many cases ran).
 */
export async function runMalformedCorpus(
  bus: AgentBus,
  options: { cases: number; seed: number; concurrency?: number; onProgress?: (done: number) => void; deliveries: () => number },
): Promise<CorpusReport> {
  const concurrency = options.concurrency ?? 256;
  const failures: CorpusFailure[] = [];
  const byCode: Record<string, number> = {};
  let done = 0;
  for (let chunk = 0; done < options.cases; chunk++) {
    const size = Math.min(concurrency, options.cases - done);
    const sample = fc.sample(malformedInput, { numRuns: size, seed: options.seed + chunk });
    const verdicts = await Promise.all(sample.map((malformed) => judge(bus, malformed, byCode)));
    verdicts.forEach((problem, i) => {
      if (problem !== null && failures.length < 20) failures.push({ label: `${sample[i]!.label} [seed ${options.seed + chunk}, #${i}]`, problem });
    });
    done += size;
    options.onProgress?.(done);
  }
  return { cases: done, failures, byCode, deliveries: options.deliveries() };
}
