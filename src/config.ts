import { availableParallelism } from 'node:os';
import type { AuditLogOptions } from './audit/audit-log.ts';
import { AgentBusError, ErrorCode } from './errors.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, type MessageLimits } from './model/message.ts';

/** The default byte bound of one evaluator's decision caches (per validation worker). */
export const DEFAULT_POLICY_CACHE_BYTES = 32 * 1024 * 1024;

export interface AgentBusOptions {
  /** `workers` (default): validation on worker threads fed through rings. `inline`: same pipeline on the caller's thread. */
  mode?: 'workers' | 'inline';
  /** Validation threads. Default: available parallelism − 1, at least 1. Env: AGENTBUS_WORKERS. */
  workers?: number;
  /** The constitutional hash messages must carry. Env: AGENTBUS_CONSTITUTIONAL_HASH. */
  constitutionalHash?: string;
  limits?: Partial<MessageLimits>;
  /** Messages admitted and not yet settled. Default 8,192. Env: AGENTBUS_MAX_IN_FLIGHT. */
  maxInFlight?: number;
  /**
   * Bytes admitted and not yet settled (each message counts its exact encoded payload size plus an upper
   * bound of its envelope). Default 256 MiB. Beside `maxInFlight`: whichever is reached first makes
   * `send()` wait, then E_OVERLOADED.
   */
  maxInFlightBytes?: number;
  /**
   * Sends waiting for room in flight (first come, first served; read only when admitted). Past this many,
   * `send()` resolves E_OVERLOADED at once. Default: 2 × `maxInFlight`. Env: AGENTBUS_MAX_WAITING.
   */
  maxWaiting?: number;
  /**
   * A message not judged and delivered within this many ms of `send()` settles E_TIMEOUT (`rejected`, or
   * `failed` when its handler overran; E_UNAVAILABLE when no validation worker was alive) and is never
   * delivered late. A message may carry a shorter `deadlineMs`. Default 5,000.
   */
  messageTimeoutMs?: number;
  /** How long `send()` waits for room before resolving E_OVERLOADED. Default 1,000 ms. */
  admissionTimeoutMs?: number;
  /** Data bytes of each request and response ring (rounded up to a power of two; at most 512 MiB). Default 4 MiB. */
  ringBytes?: number;
  /** Most messages per ring record. Default 256. */
  maxBatch?: number;
  /** Shortest spin of an idle worker before it parks, µs. Default 50 (0 parks at once). */
  spinMicros?: number;
  /**
   * Longest spin, µs: under steady load an idle worker spins across gaps up to half this long instead of
   * parking, which spares the main thread a wake-up per batch. Default 1,000. Set equal to `spinMicros` for a
   * fixed spin. Env: AGENTBUS_MAX_SPIN_MICROS.
   */
  maxSpinMicros?: number;
  /**
   * Extra pipeline stages: module paths or file URLs whose default export is a `Stage`. Loaded in every
   * worker (and on the main thread in inline mode); they run after the built-in stages.
   */
  stages?: readonly string[];
  /**
   * The OPA policy: a bundle (.tar.gz), a .wasm module (e.g. built by `opa build -t wasm`), a directory of
   * .rego files plus data.json (compiled at start), or their bytes. Default: the bundled `policies/`.
   * `false` runs without a policy (the bus says so at start).
   */
  policy?: false | string | Uint8Array;
  /** Entrypoint to evaluate. Default: `agentbus/decision` when the policy has it, else its first. */
  policyEntrypoint?: string;
  /**
   * Decision cache per worker: LRU with TTL, keyed by the policy input + revision, bounded both by entries
   * (`max`) and by the estimated heap its entries keep alive (`maxBytes`, default 32 MiB). `false` turns it off.
   */
  policyCache?: { max?: number; ttlMs?: number; maxBytes?: number } | false;
  /**
   * Deliberation: messages scored `>= threshold` (default 0.8) are decided by Z3 templates on their own
   * worker pool before delivery. On by default with the `full` pipeline (templates: policies/deliberation.json);
   * `false` turns it off.
   */
  deliberation?: false | DeliberationSettings;
  /** Where the bus reports what it is doing at start (policy off, static checks). Default: console.error. */
  log?: (line: string) => void;
  /**
   * The audit trail: every settled message (delivered, rejected, failed, expired) appended to a hash-chained
   * JSON Lines log that `agentbus audit verify` checks. Off by default. `reserve` defaults to `maxInFlight`.
   * When the writer falls behind, `onFull: 'backpressure'` (default) holds admission (the same wait and
   * E_OVERLOADED as a full in-flight table); a log that failed refuses every new message (fail closed).
   */
  audit?: AuditLogOptions | false;
  /**
   * Replay refusal for signed messages (senders registered with a `publicKey`): the same sender and id within
   * `windowMs` (default 5 min) is E_SIGNATURE, as is a `createdAt` outside the window. One guard for the bus.
   */
  replay?: { windowMs?: number; maxSkewMs?: number; maxRemembered?: number };
}

export interface DeliberationSettings {
  /** Templates: a path to a JSON policy. Default: the bundled policies/deliberation.json. */
  policy?: string;
  /** Impact score at or above which a message is deliberated. Default 0.8. */
  threshold?: number;
  /** Wall-clock budget per decision; on expiry the solver thread is replaced and the message denied. Default 50 ms. */
  timeoutMs?: number;
  /** Solver threads. Default 1. */
  threads?: number;
}

export interface ResolvedOptions {
  mode: 'workers' | 'inline';
  workers: number;
  constitutionalHash: string;
  limits: MessageLimits;
  maxInFlight: number;
  maxInFlightBytes: number;
  maxWaiting: number;
  messageTimeoutMs: number;
  admissionTimeoutMs: number;
  ringBytes: number;
  maxBatch: number;
  spinMicros: number;
  maxSpinMicros: number;
  stages: readonly string[];
  policy: false | string | Uint8Array | undefined;
  policyEntrypoint: string | undefined;
  policyCache: { max: number; ttlMs: number; maxBytes: number } | false;
  deliberation: false | (DeliberationSettings & { threshold: number });
  log: (line: string) => void;
  /** Checked when the log opens (`AuditLog.open`), with `reserve` defaulted to `maxInFlight` here. */
  audit: AuditLogOptions | false;
  replay: { windowMs?: number; maxSkewMs?: number; maxRemembered?: number };
}

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new AgentBusError(ErrorCode.CONFIG, `${name} must be an integer, got '${raw}'`);
  return value;
}

/** The largest ring: a ring counts positions modulo 2^30 (dispatch/wire/ring.ts), and its capacity must stay below that. */
export const MAX_RING_BYTES = 2 ** 29;

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new AgentBusError(ErrorCode.CONFIG, `${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Options with defaults and environment overrides applied, every value checked once, here. */
export function resolveOptions(options: AgentBusOptions = {}): ResolvedOptions {
  const limits: MessageLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  positiveInt('limits.maxPayloadBytes', limits.maxPayloadBytes);
  positiveInt('limits.maxDepth', limits.maxDepth);
  positiveInt('limits.maxIdBytes', limits.maxIdBytes);
  positiveInt('limits.maxMetadataEntries', limits.maxMetadataEntries, 0);
  positiveInt('limits.maxMetadataBytes', limits.maxMetadataBytes, 0);
  const mode = options.mode ?? 'workers';
  if (mode !== 'workers' && mode !== 'inline') throw new AgentBusError(ErrorCode.CONFIG, `mode must be 'workers' or 'inline', got '${String(mode)}'`);
  const constitutionalHash = options.constitutionalHash ?? process.env.AGENTBUS_CONSTITUTIONAL_HASH ?? DEFAULT_CONSTITUTIONAL_HASH;
  if (typeof constitutionalHash !== 'string' || constitutionalHash.length === 0) {
    throw new AgentBusError(ErrorCode.CONFIG, 'constitutionalHash must be a non-empty string');
  }
  const maxInFlight = positiveInt('maxInFlight', options.maxInFlight ?? envInt('AGENTBUS_MAX_IN_FLIGHT') ?? 8_192);
  const ringBytes = positiveInt('ringBytes', options.ringBytes ?? 4 * 1024 * 1024, 1024);
  // A ring must hold a record of one largest message (payload, metadata, ids) with room to spare.
  const largestRecord = limits.maxPayloadBytes + limits.maxMetadataBytes + 6 * limits.maxIdBytes + 4096;
  if (ringBytes < 4 * largestRecord) {
    throw new AgentBusError(ErrorCode.CONFIG, `ringBytes (${ringBytes}) must be at least 4 × the largest message record (${largestRecord} bytes)`);
  }
  if (ringBytes > MAX_RING_BYTES) throw new AgentBusError(ErrorCode.CONFIG, `ringBytes (${ringBytes}) must be at most ${MAX_RING_BYTES} (512 MiB)`);
  return {
    mode,
    workers: positiveInt('workers', options.workers ?? envInt('AGENTBUS_WORKERS') ?? defaultWorkerCount()),
    constitutionalHash,
    limits,
    maxInFlight,
    maxInFlightBytes: positiveInt('maxInFlightBytes', options.maxInFlightBytes ?? 256 * 1024 * 1024, 1024),
    maxWaiting: positiveInt('maxWaiting', options.maxWaiting ?? envInt('AGENTBUS_MAX_WAITING') ?? 2 * maxInFlight),
    messageTimeoutMs: positiveInt('messageTimeoutMs', options.messageTimeoutMs ?? 5_000),
    admissionTimeoutMs: positiveInt('admissionTimeoutMs', options.admissionTimeoutMs ?? 1_000, 0),
    ringBytes,
    maxBatch: positiveInt('maxBatch', options.maxBatch ?? 256),
    spinMicros: positiveInt('spinMicros', options.spinMicros ?? 50, 0),
    maxSpinMicros: positiveInt('maxSpinMicros', options.maxSpinMicros ?? envInt('AGENTBUS_MAX_SPIN_MICROS') ?? Math.max(1_000, options.spinMicros ?? 0), 0),
    stages: options.stages ?? [],
    policy: options.policy,
    policyEntrypoint: options.policyEntrypoint,
    policyCache: resolvePolicyCache(options.policyCache),
    deliberation: resolveDeliberation(options.deliberation),
    log: options.log ?? ((line: string) => console.error(line)),
    audit: resolveAudit(options.audit, maxInFlight),
    replay: resolveReplay(options.replay),
  };
}

function resolveReplay(replay: AgentBusOptions['replay']): ResolvedOptions['replay'] {
  if (replay === undefined) return {};
  if (replay === null || typeof replay !== 'object') throw new AgentBusError(ErrorCode.CONFIG, 'replay must be an object');
  const { windowMs, maxSkewMs, maxRemembered } = replay;
  if (windowMs !== undefined && !(typeof windowMs === 'number' && windowMs > 0)) throw new AgentBusError(ErrorCode.CONFIG, `replay.windowMs must be > 0, got ${String(windowMs)}`);
  if (maxSkewMs !== undefined && !(typeof maxSkewMs === 'number' && maxSkewMs >= 0)) throw new AgentBusError(ErrorCode.CONFIG, `replay.maxSkewMs must be >= 0, got ${String(maxSkewMs)}`);
  if (maxRemembered !== undefined) positiveInt('replay.maxRemembered', maxRemembered);
  return { ...replay };
}

function resolveAudit(audit: AgentBusOptions['audit'], maxInFlight: number): ResolvedOptions['audit'] {
  if (audit === undefined || audit === false) return false;
  if (audit === null || typeof audit !== 'object') throw new AgentBusError(ErrorCode.CONFIG, 'audit must be false or an object with a `file`');
  // The records of admitted messages must always fit (see AuditLog): room for every message in flight.
  return { ...audit, reserve: audit.reserve ?? maxInFlight };
}

function resolvePolicyCache(cache: AgentBusOptions['policyCache']): ResolvedOptions['policyCache'] {
  if (cache === false) return false;
  const resolved = { max: 100_000, ttlMs: 60_000, maxBytes: DEFAULT_POLICY_CACHE_BYTES, ...(cache ?? {}) };
  positiveInt('policyCache.max', resolved.max);
  positiveInt('policyCache.ttlMs', resolved.ttlMs);
  positiveInt('policyCache.maxBytes', resolved.maxBytes);
  return resolved;
}

function resolveDeliberation(settings: AgentBusOptions['deliberation']): ResolvedOptions['deliberation'] {
  if (settings === false) return false;
  const threshold = settings?.threshold ?? 0.8;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new AgentBusError(ErrorCode.CONFIG, `deliberation.threshold must be in (0, 1], got ${String(threshold)}`);
  }
  return { ...(settings ?? {}), threshold };
}
