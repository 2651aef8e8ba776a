import { ErrorCode } from '../errors.ts';
import { isHighImpact } from '../pipeline/impact.ts';
import { SenderVolumeWindow } from '../pipeline/sender-volume.ts';
import type { PolicyInit } from '../pipeline/spec.ts';
import type { Deliberation, DeliberationDecision } from '../solver/index.ts';
import type { Judge, JudgeCounters, JudgeSink, JudgeWiring } from './judge.ts';
import type { InFlightEntry } from './queue/in-flight-entry.ts';
import type { Verdict } from './wire/codec.ts';

/**
 * A judge with deliberation: every message the inner judge allows whose impact is at or above the threshold
 * is decided against the deliberation templates before its verdict goes on. Templates compiled at start
 * (quantifier elimination) decide here, synchronously, in microseconds; only what they cannot decide goes to
 * the solver pool. Any failure there denies (fail closed).
 */
export class DeliberatingJudge implements Judge {
  private readonly inner: Judge;
  /** Deliberation's threshold as the verdict carries impact: float32 (a score exactly at it must still count). */
  private readonly threshold: number;
  private readonly highImpactVolume = new SenderVolumeWindow();

  constructor(
    makeInner: (wiring: JudgeWiring) => Judge,
    private readonly deliberation: Deliberation,
    threshold: number,
    private readonly wiring: JudgeWiring,
  ) {
    this.threshold = Math.fround(threshold);
    const sink: JudgeSink = { verdict: this.onVerdict, failure: wiring.sink.failure };
    this.inner = makeInner({ ...wiring, sink });
  }

  get threads() {
    return this.inner.threads;
  }

  start(): void {
    this.inner.start();
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  submit(slot: number, entry: InFlightEntry): void {
    this.inner.submit(slot, entry);
  }

  setPolicy(policy: PolicyInit): Promise<void> {
    return this.inner.setPolicy(policy);
  }

  counters(): JudgeCounters {
    return { ...this.inner.counters(), deliberation: this.deliberation.stats() };
  }

  idle(): void {
    this.inner.idle();
  }

  async stop(): Promise<void> {
    await this.inner.stop();
    await this.deliberation.close();
  }

  private readonly onVerdict = (slot: number, entry: InFlightEntry, verdict: Verdict): void => {
    if (verdict.code !== null || !isHighImpact(verdict.impact, this.threshold)) {
      this.wiring.sink.verdict(slot, entry, verdict);
      return;
    }
    const message = entry.accepted.message;
    const now = Date.now();
    const context = {
      now,
      senderVolume: this.highImpactVolume.record(message.from, now),
      senderTier: this.wiring.registry.snapshot().agents.get(message.from)?.tier ?? 0,
    };
    const outcome = this.deliberation.tryDecide(message, verdict.impact, context);
    if (outcome.kind !== 'solver') {
      this.forward(slot, entry, verdict, outcome.kind === 'decided' ? outcome.decision : this.deliberation.nameDenial(outcome));
      return;
    }
    // The verdict object belongs to its reader and is reused: keep what the decision needs.
    const held: Verdict = { ...verdict, reasons: [] };
    this.deliberation.decide(message, verdict.impact, context).then(
      (decision) => this.forward(slot, entry, held, decision),
      (error: unknown) =>
        this.wiring.sink.verdict(slot, entry, { ...held, code: ErrorCode.DELIBERATION_ERROR, reasons: [`deliberation failed: ${(error as Error)?.message ?? String(error)}`] }),
    );
  };

  private forward(slot: number, entry: InFlightEntry, verdict: Verdict, decision: DeliberationDecision): void {
    entry.deliberation = decision;
    if (decision.allowed) this.wiring.sink.verdict(slot, entry, verdict);
    else this.wiring.sink.verdict(slot, entry, { ...verdict, code: decision.code ?? ErrorCode.DELIBERATION_ERROR, reasons: [...decision.reasons] });
  }
}
