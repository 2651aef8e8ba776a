// Imported, not the global: on Node 20 the global `performance` is a lazy getter, ~20 ns per read, and the
// hot paths (here, dispatcher, validation thread, bench loops) read the clock per message.
import { performance } from 'node:perf_hooks';
import type { AuditLog, AuditStats } from './audit/audit-log.ts';
import { AuditGate, auditDeliberationOf, auditedInput } from './audit/bus-hooks.ts';
import type { AuditedMessage } from './audit/record.ts';
import { resolveOptions, type AgentBusOptions, type ResolvedOptions } from './config.ts';
import type { Delivery } from './delivery/delivery.ts';
import { InProcessDelivery } from './delivery/in-process-delivery.ts';
import type { DeliveryOutcome } from './delivery/route.ts';
import { AgentRegistry, type AgentRegistration, type RegisteredAgent } from './delivery/registry.ts';
import type { TransportOption } from './delivery/transport-option.ts';
import type { Judge, JudgeSink, JudgeWiring } from './dispatch/judge.ts';
import { Admission } from './dispatch/queue/admission.ts';
import { DeadlineSweeper } from './dispatch/queue/deadline-sweeper.ts';
import { SendLine } from './dispatch/queue/send-line.ts';
import { busHealth, type BusHealth } from './dispatch/health.ts';
import type { InFlightEntry } from './dispatch/queue/in-flight-entry.ts';
import type { Verdict } from './dispatch/wire/codec.ts';
import { AgentBusError, ErrorCode, reject, type Rejection } from './errors.ts';
import { intakeMessage, type PayloadCrossing } from './intake/intake-message.ts';
import { generateMessageId, type AcceptedMessage, type AgentMessage, type MessageInput } from './model/message.ts';
import { ownStringField } from './model/own-field.ts';
import type { AgentInfo } from './model/registry-snapshot.ts';
import type { SendOptions, SendResult, SendStatus } from './model/send-result.ts';
import { BusMetrics, type MetricsSnapshot } from './metrics/bus-metrics.ts';
import { loadPolicyInit } from './pipeline/policy-loader.ts';
import type { PipelineKind, PolicyInit } from './pipeline/spec.ts';
import { ReplayGuard } from './signature/replay.ts';
import { runWorkflow, type RunWorkflowOptions } from './workflow/run.ts';
import type { WorkflowResult } from './workflow/result.ts';
import type { WorkflowDefinition, WorkflowSpec } from './workflow/spec.ts';
import type { DeliberationDecision } from './solver/decision.ts';

export type { SendResult };

const NO_REASONS: readonly string[] = Object.freeze([]);

/** Read once: `performance.timeOrigin` is a getter into Node's internals, and it never changes. */
const TIME_ORIGIN = performance.timeOrigin;
/** Stands in for an input's audited fields when there is no audit log to record them. */
const UNAUDITED: AuditedMessage = Object.freeze({ id: '', from: '', to: '', tenantId: '', type: '' });

/** A send waiting in the line for room in flight. */
interface WaitingSend {
  readonly input: MessageInput | AgentMessage;
  readonly options: SendOptions | undefined;
  readonly startedAt: number;
  readonly resolve: (result: SendResult) => void;
  /** Its intake, when it was read before it had to wait (its bytes did not fit, or it waited for the audit log). */
  entry: InFlightEntry | null;
}

/** What `createAgentBus()` hands the bus, built before it starts. */
export interface BusParts {
  readonly policy: PolicyInit | null;
  readonly pipelineKind: PipelineKind;
  /** Whether payloads cross to another thread (a stage there reads them). */
  readonly encodePayloads: boolean;
  /** Builds the one judge the bus talks to, wired to the bus's in-flight table, registry and sink. */
  readonly makeJudge: (wiring: JudgeWiring) => Judge;
  /** The audit trail, opened; null when `audit` is off. The bus closes it. */
  readonly audit?: AuditLog | null;
  /** Binds the transport `createAgentBus()` opened to the bus's registry; in-process when absent. */
  readonly makeDelivery?: (registry: AgentRegistry) => Delivery;
}

export interface BusOptions extends AgentBusOptions {
  /**
   * Which stages run: `full` (the default when a policy is loaded) adds the policy stage — and impact
   * scoring, when deliberation is on — to `validation` (hash, tenant, limits); `empty` runs nothing (bench
   * only: the transport's own ceiling).
   */
  pipeline?: PipelineKind;
  /** Which transport delivers allowed messages: in-process (default) or Redis across processes. */
  transport?: TransportOption;
}

/**
 * The agent bus: register agents, send them messages, read metrics, close. Every message is judged by the
 * pipeline — on worker threads fed through shared-memory rings (default), or on the caller's thread in
 * `inline` mode — and delivered to the recipient's handler only when allowed. Rejections resolve; only
 * misuse (send after close, bad registration) throws.
 */
export class AgentBus {
  private readonly options: ResolvedOptions;
  private readonly registry = new AgentRegistry();
  private readonly metricsRecorder = new BusMetrics();
  /** Which payloads the workers get: every one when a stage there reads them, else a signed message's. */
  private readonly payloadCrossing: PayloadCrossing;
  private readonly admission: Admission<InFlightEntry>;
  /** Sends waiting for room in flight, unread (see send-line.ts). */
  private readonly line: SendLine<WaitingSend>;
  private readonly judge: Judge;
  private readonly sweeper: DeadlineSweeper<InFlightEntry>;
  /** Whether a validation worker was alive, read once per sweep tick (`now`) when something is overdue. */
  private aliveAt = Number.NaN;
  private workersAlive = true;
  private readonly delivery: Delivery;
  private closing = false;
  private closingPromise: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private readonly pipelineKind: PipelineKind;
  private policy: PolicyInit | null;
  private readonly audit: AuditLog | null;
  private readonly auditGate: AuditGate | null;
  /** Why a send is refused before intake: the same words every time, built once. */
  private readonly lineFullRefusal: Rejection;
  /** Why a send that waited `admissionTimeoutMs` for room is refused. */
  private readonly admissionRefusal: Rejection;
  /** Created with the first signed message from a keyed sender (its memory is sized for a busy bus). */
  private replay: ReplayGuard | null = null;

  /** Use `createAgentBus()`; the constructor does no I/O and starts nothing. */
  constructor(options: BusOptions, parts: BusParts) {
    this.options = resolveOptions(options);
    this.policy = parts.policy;
    this.pipelineKind = parts.pipelineKind;
    this.admission = new Admission<InFlightEntry>(this.options.maxInFlight, this.options.maxInFlightBytes, entryBytes);
    this.sweeper = new DeadlineSweeper(this.admission.table, this.onOverdue);
    this.payloadCrossing = this.options.mode !== 'workers' ? 'none' : parts.encodePayloads ? 'all' : 'signed';
    this.audit = parts.audit ?? null;
    this.auditGate = this.audit === null ? null : new AuditGate(this.audit, this.options.maxInFlight);
    this.line = new SendLine<WaitingSend>(this.options.maxWaiting, (waiting) => this.refuseWaiting(waiting, this.admissionRefusal));
    this.lineFullRefusal = reject(ErrorCode.OVERLOADED, `${this.options.maxInFlight} messages in flight and ${this.options.maxWaiting} waiting for room: refused before intake`);
    const bound = `${this.options.maxInFlight} messages or ${this.options.maxInFlightBytes} bytes`;
    this.admissionRefusal = reject(ErrorCode.OVERLOADED, `in flight at the bound (${bound}) for ${this.options.admissionTimeoutMs} ms`);
    const sink: JudgeSink = { verdict: this.onVerdict, failure: this.onJudgeFailure };
    this.judge = parts.makeJudge({ table: this.admission.table, registry: this.registry, sink });
    this.delivery = parts.makeDelivery?.(this.registry) ?? new InProcessDelivery(this.registry);
  }

  /** @internal */
  async start(): Promise<void> {
    this.metricsRecorder.eventLoop.start();
    this.judge.start();
    // Deadlines count from send(): start-up of the validation threads is not charged to the first messages.
    await this.judge.ready();
  }

  /** The policy in force: its revision and entrypoint, or null when the bus runs without one. */
  get policyInfo(): { revision: string; entrypoint: string } | null {
    return this.policy === null || this.pipelineKind !== 'full' ? null : { revision: this.policy.revision, entrypoint: this.policy.entrypoint };
  }

  /**
   * Replaces the policy: a bundle (.tar.gz), a .wasm module, a directory of .rego files, or their bytes.
   * The new policy is compiled and checked completely first; then every worker switches between two
   * messages, so each message is judged by exactly one whole policy, and the old decision cache is dropped
   * with the old policy. Messages sent after this resolves are judged by the new policy.
   */
  async setPolicy(source: string | Uint8Array, options: { entrypoint?: string } = {}): Promise<{ revision: string }> {
    this.assertOpen();
    if (this.pipelineKind !== 'full') {
      throw new AgentBusError(ErrorCode.CONFIG, `setPolicy needs the 'full' pipeline; this bus runs '${this.pipelineKind}'`);
    }
    const policy = loadPolicyInit(source, options.entrypoint ?? this.options.policyEntrypoint, this.options.policyCache);
    await this.judge.setPolicy(policy);
    this.policy = policy;
    return { revision: policy.revision };
  }

  get mode(): 'workers' | 'inline' {
    return this.options.mode;
  }

  get constitutionalHash(): string {
    return this.options.constitutionalHash;
  }

  /** The validation threads (empty in inline mode). Exposed for tests and diagnostics. */
  get threads(): readonly import('node:worker_threads').Worker[] {
    return this.judge.threads;
  }

  /** Registers an agent of this process. With a transport across processes use `registerAgentAsync`. */
  registerAgent(registration: AgentRegistration): RegisteredAgent {
    this.assertOpen();
    this.assertSyncRegistration('registerAgent');
    return this.registry.register(registration, this.options.limits.maxIdBytes);
  }

  /**
   * Registers an agent with any transport; resolves once it can receive (with Redis: published in the shared
   * registry, its inbox read by this process). Rejects — and leaves it unregistered — when that fails.
   */
  async registerAgentAsync(registration: AgentRegistration): Promise<RegisteredAgent> {
    this.assertOpen();
    const agent = this.registry.register(registration, this.options.limits.maxIdBytes);
    try {
      await this.delivery.publish(agent);
    } catch (error) {
      if (this.registry.get(agent.id) === agent) this.registry.unregister(agent.id);
      throw error;
    }
    return agent;
  }

  unregisterAgent(id: string): boolean {
    this.assertSyncRegistration('unregisterAgent');
    return this.registry.unregister(id);
  }

  /** Unregisters with any transport; resolves once other processes no longer deliver to it here. */
  async unregisterAgentAsync(id: string): Promise<boolean> {
    const removed = this.registry.unregister(id);
    if (removed) await this.delivery.withdraw(id);
    return removed;
  }

  /** An agent of this process, with its handler. */
  getAgent(id: string): RegisteredAgent | undefined {
    return this.registry.get(id);
  }

  /** An agent wherever it is served (this process, or another one sharing the transport), as judging sees it. */
  findAgent(id: string): AgentInfo | undefined {
    return this.registry.lookup(id);
  }

  /**
   * Sends one message. Resolves with its outcome; rejections resolve too. With `fireAndForget` it settles
   * `accepted` once the message is handed over for delivery, without waiting for the handler.
   */
  send(input: MessageInput | AgentMessage, options?: SendOptions): Promise<SendResult> {
    this.assertOpen();
    const startedAt = performance.now();
    // Behind others, or no slot free: wait unread. Read only when admitted, a waiter keeps nothing alive of
    // its own (see send-line.ts), and a flood beyond the line is refused without being read at all.
    if (this.line.length > 0 || !this.admission.hasSlot) return this.wait(input, options, startedAt, null);
    const entry = this.prepare(input, options, startedAt);
    if (!isEntry(entry)) return Promise.resolve(entry);
    if (this.auditGate !== null && !this.auditGate.open) return this.admitWhenAudited(input, options, entry);
    const slot = this.admission.tryAdmit(entry);
    if (slot !== -1) return this.begin(slot, entry);
    return this.wait(input, options, startedAt, entry);
  }

  /** Intake: the message read and checked, with what the bus keeps of it in flight; or its early result. */
  private prepare(input: MessageInput | AgentMessage, options: SendOptions | undefined, startedAt: number): InFlightEntry | SendResult {
    const intake = intakeMessage(input, this.options, this.payloadCrossing);
    if (!intake.ok) return this.settleEarly(intake.id, intake.rejection, startedAt, this.auditedUnread(input, intake.id));
    const { accepted, sendsPayload } = intake;
    const timeoutMs = this.timeoutOf(input);
    if (timeoutMs < 0) {
      return this.settleEarly(accepted.message.id, reject(ErrorCode.INVALID_MESSAGE, 'deadlineMs must be a positive finite number of milliseconds'), startedAt, accepted.message);
    }
    const envelopeBytes = envelopeBytesUpperBound(accepted);
    return {
      resolve: null,
      accepted,
      sendsPayload,
      wireBytes: (sendsPayload ? accepted.payloadBytes : 0) + envelopeBytes,
      bytes: accepted.payloadBytes + envelopeBytes,
      deadline: startedAt + timeoutMs,
      delivering: false,
      sentAt: TIME_ORIGIN + startedAt,
      startedAt,
      worker: -1,
      crashes: 0,
      verdicted: false,
      deliberation: null,
      fireAndForget: options?.fireAndForget === true,
    };
  }

  /** Joins the line (refused at once when it is full, or when the bus may not wait at all). */
  private wait(input: MessageInput | AgentMessage, options: SendOptions | undefined, startedAt: number, entry: InFlightEntry | null): Promise<SendResult> {
    if (this.line.full || this.options.admissionTimeoutMs === 0) {
      const refusal = this.line.full ? this.lineFullRefusal : this.admissionRefusal;
      return Promise.resolve(this.refuseAdmission(input, startedAt, entry, refusal));
    }
    return new Promise<SendResult>((resolve) => {
      this.line.push({ input, options, startedAt, resolve, entry }, startedAt + this.options.admissionTimeoutMs);
    });
  }

  /**
   * Room freed up: admit the longest-waiting sends, in order, reading each as it comes in. One whose bytes
   * do not fit stays at the head (read, so its size is known), and nobody overtakes it.
   */
  private admitWaiting(): void {
    while (this.line.length > 0 && this.admission.hasSlot) {
      const waiting = this.line.peek()!;
      if (waiting.entry === null) {
        const entry = this.prepare(waiting.input, waiting.options, waiting.startedAt);
        if (!isEntry(entry)) {
          this.line.shift();
          waiting.resolve(entry);
          continue;
        }
        if (this.auditGate !== null && !this.auditGate.open) {
          this.line.shift();
          this.admitWhenAudited(waiting.input, waiting.options, entry).then(waiting.resolve);
          continue;
        }
        waiting.entry = entry;
      }
      const slot = this.admission.tryAdmit(waiting.entry);
      if (slot === -1) return;
      this.line.shift();
      this.submit(slot, waiting.entry, waiting.resolve);
    }
  }

  /** A waiter leaves the line unadmitted: past its deadline, or the bus is closing. */
  private refuseWaiting(waiting: WaitingSend, rejection: Rejection): void {
    waiting.resolve(this.refuseAdmission(waiting.input, waiting.startedAt, waiting.entry, rejection));
  }

  /** Refused before admission: unread (only its own `id` is looked at) unless it was read already. */
  private refuseAdmission(input: unknown, startedAt: number, entry: InFlightEntry | null, rejection: Rejection): SendResult {
    if (entry !== null) return this.settleEarly(entry.accepted.message.id, rejection, startedAt, entry.accepted.message);
    const id = ownStringField(input, 'id') ?? generateMessageId();
    return this.settleEarly(id, rejection, startedAt, this.auditedUnread(input, id));
  }

  /** The audit log is full (backpressure) or failed: wait for it within the admission budget, or refuse. */
  private async admitWhenAudited(input: MessageInput | AgentMessage, options: SendOptions | undefined, entry: InFlightEntry): Promise<SendResult> {
    const message = entry.accepted.message;
    const refused = await this.auditGate!.wait(this.options.admissionTimeoutMs);
    if (refused !== null) return this.settleEarly(message.id, refused, entry.startedAt, message);
    if (this.closing) return this.settleEarly(message.id, reject(ErrorCode.CLOSED, 'the bus closed while the message waited for the audit log'), entry.startedAt, message);
    const slot = this.line.length > 0 ? -1 : this.admission.tryAdmit(entry);
    if (slot !== -1) return this.begin(slot, entry);
    return this.wait(input, options, entry.startedAt, entry);
  }

  /** Sends several messages; they share ring records, so this costs less per message than a loop of awaits. */
  sendBatch(inputs: readonly (MessageInput | AgentMessage)[]): Promise<SendResult[]> {
    this.assertOpen();
    return Promise.all(inputs.map((input) => this.send(input)));
  }

  /**
   * Sends a copy to every agent of the sender's tenant except the sender (`to` is ignored). Each copy gets
   * its own id and is judged on its own.
   */
  broadcast(input: Omit<MessageInput, 'to'> & { to?: string }): Promise<SendResult[]> {
    this.assertOpen();
    const sender = typeof input?.from === 'string' ? this.registry.get(input.from) : undefined;
    if (sender === undefined) {
      const id = typeof input?.id === 'string' ? input.id : '';
      return Promise.resolve([this.settleEarly(id, reject(ErrorCode.TENANT, `sender '${String(input?.from)}' is not a registered agent`), performance.now(), this.auditedUnread(input, id))]);
    }
    const { id: _ignoredId, ...rest } = input;
    const sends: Promise<SendResult>[] = [];
    for (const id of this.registry.idsInTenant(sender.tenantId)) {
      if (id === sender.id) continue;
      sends.push(this.send({ ...rest, to: id } as MessageInput));
    }
    return Promise.all(sends);
  }

  metrics(): MetricsSnapshot {
    const counters = this.judge.counters();
    const snapshot = this.metricsRecorder.snapshot(this.admission.table.inUse, {
      configured: counters.threads.configured,
      restarts: counters.threads.restarts,
      mode: this.options.mode,
    });
    if (counters.deliberation !== null) {
      const { decisions, allowed, denied, errors, timeouts, cacheHits, cacheMisses } = counters.deliberation;
      snapshot.deliberation = { decisions, allowed, denied, errors, timeouts, cacheHits, cacheMisses };
    }
    if (this.policyInfo !== null && counters.policy !== null) snapshot.policyCache = { hits: counters.policy.hits, misses: counters.policy.misses };
    return snapshot;
  }

  /**
   * Whether the bus can judge messages now: `down` when no validation worker is alive (sends settle
   * E_UNAVAILABLE by their deadline while they restart), `degraded` when some are down or a breaker is not
   * closed, else `ok`.
   */
  health(): BusHealth {
    return busHealth(this.options.mode, this.judge.counters(), this.admission.table.inUse, this.admission.bytesInFlight);
  }

  /**
   * Runs a workflow: each step a message sent through this bus (judged like any other) as soon as its own
   * dependencies succeeded; see `runWorkflow` in src/workflow/run.ts.
   */
  runWorkflow(spec: WorkflowSpec | WorkflowDefinition, options: RunWorkflowOptions = {}): Promise<WorkflowResult> {
    this.assertOpen();
    return runWorkflow(this, spec, options);
  }

  /** Starts a new measurement window (histograms, counters, rate). */
  resetMetrics(): void {
    this.metricsRecorder.reset();
  }

  /**
   * Stops intake, waits for every in-flight message to settle, stops the threads. Messages still unsettled
   * after `timeoutMs` (a handler that never returns) settle as `failed` with E_CLOSED, so close() always
   * ends. Idempotent: a second call waits for the first.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closingPromise ??= this.shutdown(options.timeoutMs ?? 30_000);
    return this.closingPromise;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    const closed = reject(ErrorCode.CLOSED, 'the bus closed while the message waited for admission');
    this.line.clear((waiting) => this.refuseWaiting(waiting, closed));
    if (this.admission.table.inUse > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      for (const [slot, entry] of this.admission.table.occupied()) {
        this.settle(slot, entry, 'failed', ErrorCode.CLOSED, [`the bus closed after waiting ${timeoutMs} ms for this message to settle`], 0);
      }
    }
    this.sweeper.stop();
    await this.judge.stop();
    await this.delivery.close();
    this.metricsRecorder.eventLoop.stop();
    // Last: every message has settled, so every record is appended; close() writes them all.
    await this.audit?.close();
  }

  /** The audit log's counters (appended, written, queued, dropped, overflowed, lost); null when `audit` is off. */
  auditStats(): AuditStats | null {
    return this.audit?.stats() ?? null;
  }

  private assertOpen(): void {
    if (this.closing) throw new AgentBusError(ErrorCode.CLOSED, 'the bus is closed');
  }

  private assertSyncRegistration(method: string): void {
    if (this.delivery.asyncRegistration) {
      throw new AgentBusError(ErrorCode.CONFIG, `${method}: the ${this.delivery.kind} transport registers asynchronously; await bus.${method}Async(...)`);
    }
  }

  private begin(slot: number, entry: InFlightEntry): Promise<SendResult> {
    const promise = new Promise<SendResult>((resolve) => {
      entry.resolve = resolve;
    });
    this.sweeper.arm();
    this.judge.submit(slot, entry);
    return promise;
  }

  /** Hands an admitted message to the judge; `resolve` settles its caller. */
  private submit(slot: number, entry: InFlightEntry, resolve: (result: SendResult) => void): void {
    entry.resolve = resolve;
    this.sweeper.arm();
    this.judge.submit(slot, entry);
  }

  private readonly onVerdict = (slot: number, entry: InFlightEntry, verdict: Verdict): void => {
    if (entry.resolve === null) {
      // Settled at its deadline while the judge held it: the judge has handed it back, the slot is free.
      this.release(slot, entry);
      return;
    }
    if (this.options.mode === 'workers') this.metricsRecorder.recordWorkerTimes(verdict.queuedUs, verdict.pipelineUs);
    if (verdict.code !== null) {
      const status: SendStatus = verdict.code === ErrorCode.EXPIRED ? 'expired' : 'rejected';
      // A copy: the verdict (and its reasons) belongs to the reader, and the result to the caller.
      this.settle(slot, entry, status, verdict.code, [...verdict.reasons], verdict.impact);
      return;
    }
    const impact = verdict.impact;
    const replayed = this.replayOf(entry.accepted.message);
    if (replayed !== null) {
      this.settle(slot, entry, 'rejected', replayed.code, [...replayed.reasons], impact);
      return;
    }
    // Never late: the sweep may not have seen it yet, so look at the clock once more before the handler.
    if (performance.now() >= entry.deadline) {
      this.settle(slot, entry, 'rejected', ErrorCode.TIMEOUT, [this.timeoutReason(entry, 'judged')], impact);
      return;
    }
    entry.delivering = true;
    const outcome = this.delivery.deliver(entry.accepted.message, Date.now(), entry.fireAndForget === true);
    if (outcome instanceof Promise) outcome.then((settled) => this.delivered(slot, entry, impact, settled));
    else this.delivered(slot, entry, impact, outcome);
  };

  /**
   * A signed message the pipeline allowed, seen before? Checked here, on the main thread, by one guard:
   * with several validation threads a replay could be judged on another thread than the original. Only
   * messages whose signature was verified (a keyed sender's) are remembered: a forgery must not burn the
   * id of the genuine message it imitates.
   */
  private replayOf(message: AgentMessage): Rejection | null {
    if (message.signature === undefined || this.registry.get(message.from)?.publicKey === undefined) return null;
    this.replay ??= new ReplayGuard(this.options.replay);
    return this.replay.check(message.from, message.id, message.createdAt, Date.now());
  }

  private delivered(slot: number, entry: InFlightEntry, impact: number, outcome: DeliveryOutcome): void {
    // Settled already (its handler overran the deadline): the handler has returned, so free the slot.
    if (outcome.ok) this.settle(slot, entry, outcome.accepted ? 'accepted' : 'delivered', undefined, [], impact);
    else this.settle(slot, entry, outcome.status, outcome.code, [outcome.reason], impact);
  }

  private readonly onJudgeFailure = (slot: number, entry: InFlightEntry, code: ErrorCode, reason: string): void => {
    this.settle(slot, entry, code === ErrorCode.POISON_MESSAGE ? 'rejected' : 'failed', code, [reason], 0);
  };

  /** Settles the caller (if not yet) and frees the slot: the judge and the handler are done with it. */
  private settle(slot: number, entry: InFlightEntry, status: SendStatus, code: ErrorCode | undefined, reasons: string[], impact: number): void {
    this.settleCaller(entry, status, code, reasons, impact);
    this.release(slot, entry);
  }

  /** Resolves the caller's promise, once; the slot stays taken. */
  private settleCaller(entry: InFlightEntry, status: SendStatus, code: ErrorCode | undefined, reasons: string[], impact: number): void {
    const resolve = entry.resolve;
    if (resolve === null) return;
    entry.resolve = null;
    const latencyUs = (performance.now() - entry.startedAt) * 1000;
    this.metricsRecorder.recordSettled(status, code, latencyUs);
    const result: SendResult = { id: entry.accepted.message.id, status, reasons, latencyUs };
    if (code !== undefined) result.code = code;
    if (impact > 0) result.impact = impact;
    if (this.audit !== null) this.recordAudit(entry.accepted.message, status, code, reasons, entry.deliberation);
    resolve(result);
  }

  /** Frees the slot if `entry` still holds it (a second hand-back, or one after close() freed it, is a no-op). */
  private release(slot: number, entry: InFlightEntry): void {
    if (this.admission.table.at(slot) !== entry) return;
    this.admission.release(slot);
    if (this.line.length > 0 && !this.closing) this.admitWaiting();
    if (this.admission.table.inUse === 0) {
      this.judge.idle();
      if (this.drained) {
        this.drained();
        this.drained = null;
      }
    }
  }

  /**
   * The sweep found `entry` past its deadline. Its caller settles now; its slot is freed later, when the
   * judge hands it back or its handler returns. Called again on every sweep while the slot stays taken.
   */
  private readonly onOverdue = (_slot: number, entry: InFlightEntry, now: number): void => {
    if (entry.resolve === null) return;
    if (entry.delivering) {
      this.settleCaller(entry, 'failed', ErrorCode.TIMEOUT, [this.timeoutReason(entry, 'its handler had not returned')], 0);
      return;
    }
    if (this.aliveAt !== now) {
      this.aliveAt = now;
      const threads = this.judge.counters().threads;
      this.workersAlive = this.options.mode === 'inline' || threads.alive > 0;
    }
    if (this.workersAlive) this.settleCaller(entry, 'rejected', ErrorCode.TIMEOUT, [this.timeoutReason(entry, 'not judged')], 0);
    else this.settleCaller(entry, 'rejected', ErrorCode.UNAVAILABLE, ['no validation worker was alive to judge the message before its deadline (restarting)'], 0);
  };

  private timeoutReason(entry: InFlightEntry, what: string): string {
    return `deadline of ${Math.round(entry.deadline - entry.startedAt)} ms passed: ${what}`;
  }

  /** The message's timeout: `messageTimeoutMs`, or its own shorter `deadlineMs`; -1 when that is malformed. */
  private timeoutOf(input: MessageInput | AgentMessage): number {
    let deadlineMs: unknown;
    try {
      deadlineMs = (input as MessageInput).deadlineMs;
    } catch {
      return -1;
    }
    if (deadlineMs === undefined) return this.options.messageTimeoutMs;
    if (typeof deadlineMs !== 'number' || !Number.isFinite(deadlineMs) || deadlineMs <= 0) return -1;
    return Math.min(deadlineMs, this.options.messageTimeoutMs);
  }

  /**
   * What the audit log records of an input refused unread. Reading its fields takes four property
   * descriptors: without a log (the default) nothing is read, which matters when refusals are most of the load.
   */
  private auditedUnread(input: unknown, id: string): AuditedMessage {
    return this.audit === null ? UNAUDITED : auditedInput(input, id);
  }

  private settleEarly(id: string, rejection: Rejection, startedAt: number, audited: AuditedMessage): SendResult {
    const latencyUs = (performance.now() - startedAt) * 1000;
    const status: SendStatus = rejection.code === ErrorCode.EXPIRED ? 'expired' : 'rejected';
    this.metricsRecorder.recordSettled(status, rejection.code, latencyUs);
    const reasons = [...rejection.reasons];
    if (this.audit !== null) this.recordAudit(audited, status, rejection.code, reasons, null);
    return { id, status, code: rejection.code, reasons, latencyUs };
  }

  /**
   * One record per settled message. `append` never waits: admission held new messages while the log was
   * full, and the log keeps a reserve for the messages already admitted.
   */
  private recordAudit(message: AuditedMessage, status: SendStatus, code: ErrorCode | undefined, reasons: readonly string[], deliberation: DeliberationDecision | null): void {
    // A message refused while close() runs after the log closed (it waited for the log) has no record to add.
    if (this.audit!.closed) return;
    const revision = this.policy !== null && this.pipelineKind === 'full' ? this.policy.revision : undefined;
    // A copy: the caller owns the result's array and may change it before the record is written.
    const kept = reasons.length === 0 ? NO_REASONS : [...reasons];
    this.audit!.appendOutcome(Date.now(), message, status, code, kept, revision, deliberation === null ? undefined : auditDeliberationOf(deliberation));
  }
}

function isEntry(prepared: InFlightEntry | SendResult): prepared is InFlightEntry {
  return (prepared as InFlightEntry).accepted !== undefined;
}

function entryBytes(entry: InFlightEntry): number {
  return entry.bytes;
}

/** An upper bound on the bytes a message's envelope takes in a ring record (UTF-8 ≤ 3 bytes per UTF-16 unit). */
function envelopeBytesUpperBound(accepted: AcceptedMessage): number {
  const m = accepted.message;
  let chars = m.id.length + m.from.length + m.to.length + m.tenantId.length + m.constitutionalHash.length + (m.conversationId?.length ?? 0) + (m.signature?.length ?? 0);
  let entries = 0;
  for (const key in m.metadata) {
    chars += key.length + m.metadata[key]!.length;
    entries++;
  }
  return chars * 3 + entries * 10 + 128;
}

