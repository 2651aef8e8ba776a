import { performance } from 'node:perf_hooks';
import { ErrorCode } from '../errors.ts';
import { PayloadCodec } from '../intake/payload-codec.ts';
import type { PipelineKind, PolicyInit } from '../pipeline/spec.ts';
import type { Judge, JudgeCounters, JudgeWiring } from './judge.ts';
import type { InFlightEntry } from './queue/in-flight-entry.ts';
import { readVerdicts, RecordKind, type Verdict } from './wire/codec.ts';
import { EnvelopeEncoder } from './wire/envelope.ts';
import { Doorbell } from './wire/doorbell.ts';
import { PriorityLanes } from './queue/lanes.ts';
import { ValidatorPool } from './pool.ts';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  COUNTER_POLICY_ERRORS, COUNTER_POLICY_EVALUATIONS, COUNTER_POLICY_HITS, COUNTER_POLICY_MISSES, LOOP_STOPPED,
  SIDE_POLICY, SIDE_REGISTRY, STATUS_BYTES, STATUS_COUNTERS_OFFSET, STATUS_GENERATION, STATUS_SLOT, STATUS_THREAD_ID, type ValidatorInit,
} from './wire/protocol.ts';
import { ByteRing } from './wire/ring.ts';
import { postSide } from './wire/side-channel.ts';
import { KeepAlive } from './keep-alive.ts';
import type { ResolvedOptions } from '../config.ts';
import { restartDelayMs } from './restart-backoff.ts';
import { WorkerWatchdog } from './worker-watchdog.ts';
import { DrainBudget } from './drain-budget.ts';

/** One validation thread as the main thread sees it: its two rings, its status words, its loop task. */
class WorkerLink {
  request: ByteRing;
  response: ByteRing;
  status: Int32Array;
  counters: Float64Array;
  sidePort: MessagePort | null = null;
  /** Registry version this worker has been sent; -1 forces a resend. */
  registryVersion = -1;
  policyRevision: string | null = null;
  /** Messages written to its ring and not yet answered. */
  awaiting = 0;
  alive = false;
  crashesInARow = 0;
  /** Verdicts accepted from this thread (the watchdog's sign of progress). */
  verdicts = 0;
  /** The pending restart after a crash (backoff), if any. */
  restartTimer: NodeJS.Timeout | null = null;
  /**
   * Its own one-thread pool, replaced whole after a crash: Piscina stops replacing threads for good once one
   * dies before it is ready (`workerFailsDuringBootstrap`), so a shared pool could end with no thread at all.
   */
  pool: ValidatorPool | null = null;

  constructor(readonly index: number, ringBytes: number) {
    this.request = ByteRing.create(ringBytes);
    this.response = ByteRing.create(ringBytes);
    const status = new SharedArrayBuffer(STATUS_BYTES);
    this.status = new Int32Array(status, 0, 3).fill(-1);
    this.counters = new Float64Array(status, STATUS_COUNTERS_OFFSET, 4);
  }

  /** Fresh rings: the old ones may hold half a batch from the thread that died. */
  renew(ringBytes: number): void {
    this.request = ByteRing.create(ringBytes);
    this.response = ByteRing.create(ringBytes);
    const status = new SharedArrayBuffer(STATUS_BYTES);
    this.status = new Int32Array(status, 0, 3).fill(-1);
    this.counters = new Float64Array(status, STATUS_COUNTERS_OFFSET, 4);
    this.sidePort?.close();
    this.sidePort = null;
    this.registryVersion = -1;
    this.policyRevision = null;
    this.awaiting = 0;
  }
}

const PAYLOAD_CHANGED = 'the payload changed after send(): it no longer encodes to the size measured then (a payload must not change until its send settles)';

/**
 * The judge on validation threads: moves admitted messages to the threads and their verdicts back.
 *
 * Main thread only. `enqueue()` puts a message in its priority lane and schedules one flush per microtask
 * turn; the flush drains verdicts first (freeing slots), then packs lane messages into one ring record per
 * worker. Verdicts arrive either during a flush or, when the main thread has nothing else to do, through
 * the doorbell's `Atomics.waitAsync`. No timers, no polling.
 */
export class WorkersJudge implements Judge {
  private readonly lanes = new PriorityLanes();
  private readonly links: WorkerLink[] = [];
  private readonly doorbell = new Doorbell();
  private readonly encoder = new EnvelopeEncoder();
  private readonly values = new PayloadCodec();
  private readonly keepAlive = new KeepAlive();
  private flushQueued = false;
  private drainQueued = false;
  private verdictsThisDrain = 0;
  private readonly drainBudget = new DrainBudget();
  private sleeping = false;
  private draining = false;
  private stopping = false;
  private restarts = 0;
  private readonly watchdog: WorkerWatchdog<WorkerLink>;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly pipeline: PipelineKind,
    private readonly scoreImpact: boolean,
    private policy: PolicyInit | null,
    private readonly wiring: JudgeWiring,
  ) {
    const stuckAfterMs = Math.min(1_000, Math.max(50, Math.floor(options.messageTimeoutMs / 4)));
    this.watchdog = new WorkerWatchdog(this.links, stuckAfterMs, this.holdsOverdue, this.recycle, () => performance.now());
  }

  private get table() {
    return this.wiring.table;
  }

  /** Live threads, for tests that kill one. */
  get threads(): readonly import('node:worker_threads').Worker[] {
    const threads: import('node:worker_threads').Worker[] = [];
    for (const link of this.links) if (link.pool !== null) threads.push(...link.pool.threads);
    return threads;
  }

  private readonly onPoolError = (error: unknown): void => {
    if (!this.stopping) this.options.log(`agentbus: validation pool error: ${(error as Error)?.message ?? String(error)}`);
  };

  start(): void {
    for (let i = 0; i < this.options.workers; i++) {
      const link = new WorkerLink(i, this.options.ringBytes);
      this.links.push(link);
      this.launch(link);
    }
  }

  /**
   * Resolves once every validation thread has built its pipeline (or `timeoutMs` passed, or the judge
   * stopped): createAgentBus() waits for it, so a message's deadline never counts the threads' start-up.
   */
  async ready(timeoutMs = 60_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (const link of this.links) {
      while (Atomics.load(link.status, STATUS_THREAD_ID) === -1 && !this.stopping && performance.now() < until) {
        // A ref'd timer, not Atomics.waitAsync: an awaited createAgentBus() must keep the process alive.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** Queues an admitted message for its worker; the flush happens once per microtask turn. */
  submit(slot: number, entry: InFlightEntry): void {
    this.lanes.push(slot, entry.accepted.message.priority);
    this.keepAlive.hold();
    this.scheduleFlush();
  }

  /** Messages handed to workers and not yet answered, plus those waiting for ring space. */
  get pending(): number {
    let awaiting = this.lanes.length;
    for (const link of this.links) awaiting += link.awaiting;
    return awaiting;
  }

  /**
   * Switches every worker to a new policy, in band: each worker finishes the messages already in its ring
   * with the old policy and judges every later one with the new policy.
   */
  async setPolicy(policy: PolicyInit): Promise<void> {
    this.policy = policy;
    this.scheduleFlush();
  }

  /** Policy decision-cache counters are summed over the workers (since each worker's current policy). */
  counters(): JudgeCounters {
    let alive = 0;
    // Alive: launched and its pipeline built (a thread still starting up cannot judge yet).
    for (const link of this.links) if (link.alive && Atomics.load(link.status, STATUS_THREAD_ID) !== -1) alive++;
    const threads = { configured: this.options.workers, alive, restarts: this.restarts };
    if (this.policy === null || this.pipeline !== 'full') return { policy: null, threads, deliberation: null };
    const sum = { hits: 0, misses: 0, evaluations: 0, errors: 0 };
    for (const link of this.links) {
      sum.hits += link.counters[COUNTER_POLICY_HITS]!;
      sum.misses += link.counters[COUNTER_POLICY_MISSES]!;
      sum.evaluations += link.counters[COUNTER_POLICY_EVALUATIONS]!;
      sum.errors += link.counters[COUNTER_POLICY_ERRORS]!;
    }
    return { policy: sum, threads, deliberation: null };
  }

  /** Lets the process exit once nothing is in flight. */
  idle(): void {
    if (this.pending === 0) this.keepAlive.release();
  }

  /** Stops the loops once nothing is pending; the caller has already drained in-flight messages. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.watchdog.stop();
    for (const link of this.links) {
      if (link.restartTimer !== null) clearTimeout(link.restartTimer);
      link.restartTimer = null;
      if (!link.alive) continue;
      link.request.tryWrite(RecordKind.STOP, []);
      link.request.wakeConsumer();
    }
    this.keepAlive.close();
    await Promise.all(this.links.map((link) => link.pool?.destroy()));
    for (const link of this.links) {
      link.sidePort?.close();
      link.pool = null;
    }
    // A parked waitAsync holds nothing alive, but wake it so its closure can go.
    this.doorbell.ring();
  }

  /** Sends go out in a microtask: they only copy bytes into a ring, and batching them costs no latency. */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushTask);
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    if (this.lanes.length > 0) this.dispatchLanes();
    else this.syncIdleWorkers();
    this.awaitVerdicts();
  };

  /** A policy or registry change reaches idle workers too, not only with the next message. */
  private syncIdleWorkers(): void {
    for (const link of this.links) if (link.alive) this.syncWorkerState(link);
  }

  /**
   * Verdicts are drained in their own macrotask (setImmediate, or the doorbell's wake-up), never in a
   * microtask chain: handlers and `send()` continuations run from a drain, and a chain of microtasks that
   * keeps finding new verdicts would starve timers and I/O of the service embedding the bus. A drain takes
   * at most its budget of verdicts per worker (see DrainBudget: 64 unless every slot is taken), then yields.
   */
  private scheduleDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    setImmediate(this.drainTask);
  }

  private readonly drainTask = (): void => {
    this.drainQueued = false;
    this.flush();
  };

  private flush(): void {
    if (this.draining) return;
    this.draining = true;
    let more = false;
    try {
      more = this.drainVerdicts(this.drainBudget.current);
      // Only senders waiting for a slot justify a longer drain; otherwise short turns keep the loop's delay low.
      this.drainBudget.update(more && this.table.inUse >= this.table.capacity);
      if (this.lanes.length > 0) this.dispatchLanes();
    } finally {
      this.draining = false;
    }
    if (more) this.scheduleDrain();
    else this.awaitVerdicts();
  }

  /** Drains up to `budget` verdicts, fairly across workers; true when some are left for the next turn. */
  private drainVerdicts(budget: number): boolean {
    let more = false;
    for (const link of this.links) {
      this.verdictsThisDrain = 0;
      if (this.drainLink(link, budget)) more = true;
    }
    return more;
  }

  private drainLink(link: WorkerLink, budget: number): boolean {
    const ring = link.response;
    let record = ring.read();
    if (record === null) return false;
    while (record !== null) {
      if (record.kind === RecordKind.VERDICTS) readVerdicts(ring.bytes, record.start, record.length, this.acceptVerdict);
      if (this.verdictsThisDrain >= budget) break;
      record = ring.read();
    }
    ring.release();
    return ring.usedBytes() > 0;
  }

  private readonly acceptVerdict = (verdict: Verdict): void => {
    const entry = this.table.get(verdict.slot, verdict.generation);
    // Stale (slot recycled) or duplicate (a verdict from a thread that died after answering): ignore.
    if (entry === undefined || entry.verdicted) return;
    entry.verdicted = true;
    this.verdictsThisDrain++;
    const link = this.links[entry.worker];
    if (link) {
      link.awaiting--;
      link.verdicts++;
      link.crashesInARow = 0;
    }
    this.wiring.sink.verdict(verdict.slot, entry, verdict);
  };

  private dispatchLanes(): void {
    const budget = this.options.ringBytes / 4;
    const blocked = new Set<WorkerLink>();
    while (this.lanes.length > 0) {
      const link = this.leastBusy(blocked);
      if (link === null) return;
      if (!this.syncWorkerState(link)) {
        blocked.add(link);
        continue;
      }
      const slots: number[] = [];
      const generations: number[] = [];
      const batch: InFlightEntry[] = [];
      let bytes = 0;
      while (slots.length < this.options.maxBatch) {
        const slot = this.lanes.next();
        if (slot === -1) break;
        const generation = this.table.generation(slot);
        const entry = this.table.get(slot, generation)!;
        if (entry.resolve === null) {
          // Settled at its deadline while it waited here: hand it back unjudged, so its slot can go.
          this.handBack(slot, entry);
          continue;
        }
        if (slots.length > 0 && bytes + entry.wireBytes > budget) {
          this.lanes.putBack(slot, entry.accepted.message.priority);
          break;
        }
        bytes += entry.wireBytes;
        slots.push(slot);
        generations.push(generation);
        batch.push(entry);
      }
      if (slots.length === 0) return;
      const record = this.encoder.encodeBatch(slots, generations, batch);
      if (this.encoder.refused.length > 0) this.refuseChanged(slots, batch);
      if (batch.length === 0) continue;
      if (!link.request.tryWrite(RecordKind.MESSAGES, [record])) {
        for (let i = slots.length - 1; i >= 0; i--) this.lanes.putBack(slots[i]!, batch[i]!.accepted.message.priority);
        blocked.add(link);
        continue;
      }
      for (let i = 0; i < batch.length; i++) batch[i]!.worker = link.index;
      link.awaiting += slots.length;
      link.request.wakeConsumer();
      this.watchdog.arm();
    }
  }

  /** Sends a worker the registry (and policy) it must judge the next messages by; false if its ring is full. */
  private syncWorkerState(link: WorkerLink): boolean {
    const policy = this.policy;
    if (link.sidePort === null) return false;
    if (policy !== null && link.policyRevision !== policy.revision) {
      // The Module goes through the port; the record fixes where in the message stream the switch happens.
      postSide(link.sidePort, SIDE_POLICY, policy.revision, policy);
      if (!link.request.tryWrite(RecordKind.POLICY, [this.values.encode(policy.revision)])) return false;
      link.policyRevision = policy.revision;
      link.request.wakeConsumer();
    }
    const version = this.wiring.registry.version;
    if (link.registryVersion !== version) {
      postSide(link.sidePort, SIDE_REGISTRY, String(version), this.wiring.registry.entries());
      if (!link.request.tryWrite(RecordKind.REGISTRY, [this.values.encode(version)])) return false;
      link.registryVersion = version;
    }
    return true;
  }

  private leastBusy(blocked: ReadonlySet<WorkerLink>): WorkerLink | null {
    let best: WorkerLink | null = null;
    for (const link of this.links) {
      if (!link.alive || blocked.has(link)) continue;
      if (best === null || link.awaiting < best.awaiting) best = link;
    }
    return best;
  }

  /** Drains at once if verdicts are waiting; otherwise parks on the doorbell while messages are out. */
  private awaitVerdicts(): void {
    let awaiting = 0;
    for (const link of this.links) awaiting += link.awaiting;
    if (awaiting === 0 && this.lanes.length === 0) {
      if (this.table.inUse === 0) this.keepAlive.release();
      return;
    }
    if (this.sleeping || awaiting === 0 || this.drainQueued) return;
    const seen = this.doorbell.prepareToSleep();
    for (const link of this.links) {
      if (link.response.usedBytes() > 0) {
        this.doorbell.awake();
        this.scheduleDrain();
        return;
      }
    }
    this.sleeping = true;
    void this.doorbell.sleep(seen).then(this.wake);
  }

  private readonly wake = (): void => {
    this.sleeping = false;
    if (!this.stopping) this.flush();
  };

  private launch(link: WorkerLink): void {
    const channel = new MessageChannel();
    link.sidePort = channel.port1;
    link.sidePort.unref();
    link.policyRevision = this.policy?.revision ?? null;
    const init: ValidatorInit = {
      index: link.index,
      request: link.request.buffer,
      response: link.response.buffer,
      doorbell: this.doorbell.buffer,
      status: link.status.buffer as SharedArrayBuffer,
      sidePort: channel.port2,
      expectedHash: this.options.constitutionalHash,
      limits: this.options.limits,
      spinMicros: this.options.spinMicros,
      maxSpinMicros: this.options.maxSpinMicros,
      pipeline: this.pipeline,
      impact: this.scoreImpact,
      stages: this.options.stages,
      policy: this.policy,
    };
    if (this.stopping) return;
    const pool = (link.pool ??= new ValidatorPool(1, this.onPoolError));
    link.alive = true;
    pool.runLoop(init, [channel.port2]).then(
      (outcome) => {
        if (outcome !== LOOP_STOPPED) this.onWorkerLost(link, new Error(`validation loop ended unexpectedly: ${String(outcome)}`));
      },
      (error: unknown) => this.onWorkerLost(link, error),
    );
  }

  /**
   * A validation thread died. Verdicts it published still count; every other message it held is sent once
   * more. The message it was judging when it died (its status words say which) is charged with the crash;
   * when the thread died between messages, everything it held is charged. A message charged twice is a
   * poison message and is rejected, so a crash loop always ends. A message already settled (its deadline
   * passed) is handed back instead. The thread is restarted after a backoff, however often it dies.
   */
  private onWorkerLost(link: WorkerLink, error: unknown): void {
    if (this.stopping) return;
    link.alive = false;
    this.restarts++;
    while (this.drainLink(link, Number.POSITIVE_INFINITY)) {
      // every verdict it published counts
    }
    const culpritSlot = link.status[STATUS_SLOT]!;
    const culpritGeneration = link.status[STATUS_GENERATION]! >>> 0;
    // A thread that died before its pipeline was built never judged anything: no message is to blame.
    const started = Atomics.load(link.status, STATUS_THREAD_ID) !== -1;
    const reason = error instanceof Error ? error.message : String(error);
    const orphans: number[] = [];
    for (const [slot, entry] of this.table.occupied()) {
      if (entry.worker !== link.index || entry.verdicted) continue;
      entry.worker = -1;
      if (entry.resolve === null) {
        this.handBack(slot, entry);
        continue;
      }
      const isCulprit = started && (culpritSlot === -1 || (slot === culpritSlot && this.table.generation(slot) === culpritGeneration));
      if (isCulprit) entry.crashes++;
      if (entry.crashes >= 2) {
        entry.verdicted = true;
        this.wiring.sink.failure(slot, entry, ErrorCode.POISON_MESSAGE, `message took down two validation workers (last: ${reason})`);
      } else {
        orphans.push(slot);
      }
    }
    for (let i = orphans.length - 1; i >= 0; i--) {
      const slot = orphans[i]!;
      this.lanes.putBack(slot, this.table.get(slot, this.table.generation(slot))!.accepted.message.priority);
    }
    link.crashesInARow++;
    link.renew(this.options.ringBytes);
    const lostPool = link.pool;
    link.pool = null;
    void lostPool?.destroy().catch(this.onPoolError);
    const delay = restartDelayMs(link.crashesInARow);
    if (link.crashesInARow > 1) this.options.log(`agentbus: validation worker ${link.index} died ${link.crashesInARow} times in a row (${reason}); restarting it in ${delay} ms`);
    link.restartTimer = setTimeout(() => {
      link.restartTimer = null;
      if (this.stopping) return;
      this.launch(link);
      this.scheduleFlush();
    }, delay);
    // Messages in flight keep the process alive (KeepAlive); a pending restart alone must not.
    link.restartTimer.unref();
  }

  /**
   * Refuses the messages the encoder left out of the batch (their payload changed after `send()`) and takes
   * them out of `slots` and `batch`, which then match the record.
   */
  private refuseChanged(slots: number[], batch: InFlightEntry[]): void {
    const refused = this.encoder.refused;
    for (let r = refused.length - 1; r >= 0; r--) {
      const i = refused[r]!;
      const slot = slots.splice(i, 1)[0]!;
      const entry = batch.splice(i, 1)[0]!;
      entry.verdicted = true;
      this.wiring.sink.verdict(slot, entry, { slot, generation: this.table.generation(slot), code: ErrorCode.INVALID_MESSAGE, reasons: [PAYLOAD_CHANGED], impact: 0, queuedUs: 0, pipelineUs: 0 });
    }
  }

  /** Hands a settled entry back to the bus unjudged: the bus only frees its slot. */
  private handBack(slot: number, entry: InFlightEntry): void {
    entry.verdicted = true;
    this.wiring.sink.failure(slot, entry, ErrorCode.TIMEOUT, 'settled at its deadline before it was judged');
  }

  /** Whether `link`'s thread holds a message past its deadline (asked only of a thread with no recent verdict). */
  private readonly holdsOverdue = (link: WorkerLink, now: number): boolean => {
    const slot = link.status[STATUS_SLOT]!;
    if (slot >= 0) {
      const entry = this.table.get(slot, link.status[STATUS_GENERATION]! >>> 0);
      if (entry !== undefined && entry.worker === link.index && !entry.verdicted && entry.deadline <= now) return true;
    }
    for (const [, entry] of this.table.occupied()) {
      if (entry.worker === link.index && !entry.verdicted && entry.deadline <= now) return true;
    }
    return false;
  };

  /** Terminates a stuck thread; its loss is handled like any crash (the message it was on is charged). */
  private readonly recycle = (link: WorkerLink): void => {
    const threadId = link.status[STATUS_THREAD_ID]!;
    const thread = link.pool?.threads.find((t) => t.threadId === threadId);
    if (thread === undefined) return;
    this.options.log(`agentbus: validation worker ${link.index} held a message past its deadline without progress; recycling its thread`);
    void thread.terminate();
  };
}
