import type { JudgeSink, JudgeWiring } from '../../src/dispatch/judge.ts';
import type { InFlightEntry } from '../../src/dispatch/queue/in-flight-entry.ts';
import { SlotTable } from '../../src/dispatch/queue/in-flight.ts';
import type { Verdict } from '../../src/dispatch/wire/codec.ts';
import { AgentRegistry } from '../../src/delivery/registry.ts';
import type { ErrorCode } from '../../src/errors.ts';
import { acceptMessage } from '../../src/intake/accept.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, type MessageInput } from '../../src/model/message.ts';

/** What a judge handed back for one slot: a copy of its verdict, or its failure. */
export type Handed = { slot: number; id: string; code: ErrorCode | null; reasons: string[]; impact: number } | { slot: number; id: string; failure: ErrorCode; reason: string };

/** A real slot table and registry, and a sink that records what the judge hands back (copies: verdicts are reused). */
export function judgeWiring(): JudgeWiring & { registry: AgentRegistry; handed: Handed[]; admit(input: MessageInput): { slot: number; entry: InFlightEntry } } {
  const table = new SlotTable<InFlightEntry>(4096);
  const registry = new AgentRegistry();
  const handed: Handed[] = [];
  const sink: JudgeSink = {
    verdict(slot: number, entry: InFlightEntry, verdict: Verdict) {
      handed.push({ slot, id: entry.accepted.message.id, code: verdict.code, reasons: [...verdict.reasons], impact: verdict.impact });
    },
    failure(slot: number, entry: InFlightEntry, code: ErrorCode, reason: string) {
      handed.push({ slot, id: entry.accepted.message.id, failure: code, reason });
    },
  };
  const admit = (input: MessageInput) => {
    const intake = acceptMessage(input, DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, Date.now());
    if (!intake.ok) throw new Error(`fixture message refused: ${intake.rejection.reasons.join('; ')}`);
    const now = performance.now();
    // A resolver stands for the waiting send(): an entry without one counts as already settled (handed back unjudged).
    const entry: InFlightEntry = { resolve: () => {}, accepted: intake.value, sendsPayload: false, wireBytes: 4096, bytes: 4096, deadline: now + 60_000, delivering: false, sentAt: performance.timeOrigin + now, startedAt: now, worker: -1, crashes: 0, verdicted: false, deliberation: null };
    const slot = table.acquire(entry);
    if (slot === -1) throw new Error("fixture slot table is full");
    return { slot, entry };
  };
  return { table, registry, sink, handed, admit };
}

/** Resolves once `count` messages were handed back (or rejects after `ms`). */
export async function handedBack(handed: readonly Handed[], count: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (handed.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${handed.length} of ${count} messages handed back after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
