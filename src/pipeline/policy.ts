// The policy stage: evaluates an OPA-ABI wasm policy through the official SDK, with a decision
// cache. Fail closed: an undefined result, `false`, a result of the wrong shape, or any error is
// a denial. Used by the validation worker and by the inline mode on the main thread.
import { loadPolicySync } from '../rego/sdk.ts';
import { describePolicyError } from '../rego/describe-error.ts';
import { hostBuiltinImplementations } from '../rego/host-builtins/index.ts';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '../errors.ts';
import {
  buildPolicyInput, isBuiltPolicyInput, policyInputKey,
  type PolicyAgent, type PolicyInput, type PolicyInputOptions,
} from './policy-input.ts';
import { encodePolicyInput, encodePolicyInputs, inputPlan } from './policy-input-json.ts';
import { batchEntrypoint, isBatchEntrypoint } from '../rego/batch-entrypoint.ts';
import { readInputPaths } from '../rego/input-paths.ts';
import { DEFAULT_POLICY_CACHE_BYTES, PairDecisionCache } from './policy-cache.ts';
import { LRU_ENTRY_BYTES, stringRetainedBytes, verdictRetainedBytes } from './retained-bytes.ts';
import type { Rejection } from '../errors.ts';
import type { BatchStage, PipelineContext, PipelineItem, Stage } from './index.ts';

export type PolicyVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: typeof ErrorCode.POLICY_DENIED; readonly reasons: readonly string[] }
  | { readonly allowed: false; readonly code: typeof ErrorCode.POLICY_ERROR; readonly reasons: readonly string[] };

export interface PolicyCacheOptions {
  /** Most cached (from, to) pairs (each remembers up to 16 distinct documents), and most other inputs. */
  readonly max: number;
  readonly ttlMs: number;
  /**
   * Most estimated heap bytes the cache keeps alive (retained-bytes.ts), the two caches below together;
   * default DEFAULT_POLICY_CACHE_BYTES. Counts alone do not bound memory: metadata makes entries large.
   */
  readonly maxBytes?: number;
}

export interface PolicyEvaluatorOptions {
  /** Compiled once on the main thread and transferred to each worker (structured clone). */
  readonly module: WebAssembly.Module;
  readonly data?: unknown;
  /** Entrypoint name (`agentbus/decision`) or id; default: the module's first entrypoint. */
  readonly entrypoint?: string | number;
  /** Policy revision (reported; caches belong to one evaluator, so a new policy starts empty). */
  readonly revision: string;
  readonly cache: PolicyCacheOptions | false;
  /** Extra host built-ins (time.now_ns is always supplied). */
  readonly builtins?: Readonly<Record<string, (...args: unknown[]) => unknown>>;
}

export interface PolicyStats {
  readonly hits: number;
  readonly misses: number;
  /** Cached (from, to) pairs plus other cached inputs. */
  readonly size: number;
  /** Estimated heap bytes the cache keeps alive (bounded by the cache's maxBytes). */
  readonly bytes: number;
  readonly evaluations: number;
  readonly errors: number;
}

export interface PolicyEvaluator {
  readonly revision: string;
  readonly entrypoint: string;
  /**
   * The cache's TTL runs on the evaluator's own monotonic clock (performance.now), so a wall-clock jump
   * (NTP, a VM resumed, a manual change) neither expires every decision nor keeps one alive past its TTL.
   */
  evaluate(input: PolicyInput | Record<string, unknown>): PolicyVerdict;
  /**
   * The verdicts of several inputs, in order, each the one evaluate() would give. Cache hits are
   * answered from the cache; the misses are decided in one SDK call when the module has a batch twin
   * (rego/batch-entrypoint.ts) and there are two or more of them, otherwise one call each. Each input
   * counts as one hit or one miss, and each miss as one evaluation.
   */
  evaluateMany(inputs: readonly (PolicyInput | Record<string, unknown>)[]): PolicyVerdict[];
  stats(): PolicyStats;
}

export const ALLOWED: PolicyVerdict = Object.freeze({ allowed: true });

/** time.now_ns is not in the SDK; policies built by real OPA need it too. */
const HOST_BUILTINS: Record<string, (...args: unknown[]) => unknown> = {
  'time.now_ns': () => Math.floor(performance.timeOrigin + performance.now()) * 1e6,
};

function denied(reasons: readonly string[]): PolicyVerdict {
  return Object.freeze({ allowed: false, code: ErrorCode.POLICY_DENIED, reasons: Object.freeze([...reasons]) });
}

function failed(reason: string): PolicyVerdict {
  return Object.freeze({ allowed: false, code: ErrorCode.POLICY_ERROR, reasons: Object.freeze([reason]) });
}

/** True for an array whose every element is a string (an empty array included). */
function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * Reads a result set the way the bus understands policies: a boolean, or exactly {allow: boolean,
 * deny?: string[]}. Anything else (a non-boolean allow, deny not an array of strings, a missing allow,
 * keys beyond allow and deny) is E_POLICY_ERROR: an answer the bus cannot read is never an allow.
 */
export function interpretResultSet(resultSet: unknown, entrypoint: string): PolicyVerdict {
  if (!Array.isArray(resultSet) || resultSet.length === 0) return denied([`policy ${entrypoint} is undefined for this message`]);
  const first: unknown = resultSet[0];
  const value = first !== null && typeof first === 'object' ? (first as { result?: unknown }).result : undefined;
  if (value === true) return ALLOWED;
  if (value === false) return denied([`denied by ${entrypoint}`]);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return failed(`policy ${entrypoint} returned ${value === null ? 'null' : typeof value}, not a boolean or {allow, deny}`);
  }
  const { allow, deny } = value as { allow?: unknown; deny?: unknown };
  if (typeof allow !== 'boolean') return failed(`policy ${entrypoint} returned ${allow === undefined ? 'no' : 'a non-boolean'} allow`);
  if (deny !== undefined && !isStringArray(deny)) return failed(`policy ${entrypoint} returned a deny that is not an array of strings`);
  for (const key in value) {
    if (key !== 'allow' && key !== 'deny') return failed(`policy ${entrypoint} returned an unexpected field ${JSON.stringify(key)} beside allow and deny`);
  }
  // The usual answer, allowed with no reasons, is decided before any reasons are copied.
  if (allow && (deny === undefined || deny.length === 0)) return ALLOWED;
  return denied(deny !== undefined && deny.length > 0 ? deny : [`not allowed by ${entrypoint}`]);
}

export function createPolicyEvaluator(options: PolicyEvaluatorOptions): PolicyEvaluator {
  const policy = loadPolicySync(options.module, undefined, { ...hostBuiltinImplementations, ...HOST_BUILTINS, ...options.builtins });
  if (options.data !== undefined) policy.setData(options.data as object);
  const entrypoints = policy.entrypoints as Record<string, number>;
  const names = Object.entries(entrypoints).filter(([k]) => !isBatchEntrypoint(k)).sort(([, a], [, b]) => a - b).map(([k]) => k);
  let id: number;
  let name: string;
  if (options.entrypoint === undefined) { id = 0; name = names[0] ?? '0'; }
  else if (typeof options.entrypoint === 'number') { id = options.entrypoint; name = names[id] ?? String(id); }
  else {
    const found = entrypoints[options.entrypoint];
    if (found === undefined) throw new Error(`entrypoint ${options.entrypoint} is not in the policy (it has: ${names.join(', ') || 'none'})`);
    id = found;
    name = options.entrypoint;
  }
  const batchId = entrypoints[batchEntrypoint(name)];
  // Two caches, both per evaluator (one policy revision, so a swap starts empty):
  //  - inputs built by buildPolicyInput: PairDecisionCache (documents matched field by field);
  //  - any other input: keyed by its exact text (policyInputKey).
  //  Each gets half of maxBytes, so together they stay within it.
  const cacheOptions = options.cache === false ? null : options.cache;
  const halfBytes = Math.max(1, Math.floor((cacheOptions?.maxBytes ?? DEFAULT_POLICY_CACHE_BYTES) / 2));
  const pairs = cacheOptions === null ? null : new PairDecisionCache<PolicyVerdict>(cacheOptions.max, cacheOptions.ttlMs, {
    maxBytes: halfBytes, verdictBytes: (verdict) => (verdict === ALLOWED ? 0 : verdictRetainedBytes(verdict)),
  });
  const others = cacheOptions === null ? null : new LRUCache<string, PolicyVerdict>({
    max: cacheOptions.max,
    ttl: cacheOptions.ttlMs,
    ttlAutopurge: false,
    maxSize: halfBytes,
    sizeCalculation: (verdict, key) => LRU_ENTRY_BYTES + stringRetainedBytes(key) + (verdict === ALLOWED ? 0 : verdictRetainedBytes(verdict)),
  });
  const revision = options.revision;
  let hits = 0;
  let misses = 0;
  let evaluations = 0;
  let errors = 0;

  // The fields of a built input this policy can read (all of them for modules that do not say).
  const plan = inputPlan(readInputPaths(options.module));

  const decide = (input: PolicyInput | Record<string, unknown>): PolicyVerdict => {
    evaluations++;
    try {
      // Inputs of the known shape go as pre-encoded JSON (the SDK accepts an ArrayBuffer): much
      // cheaper than the SDK's JSON.stringify + TextEncoder. The document is the same, less the
      // fields the policy never reads, which cannot change its answer.
      const payload = isBuiltPolicyInput(input) ? encodePolicyInput(input, plan) : input;
      return interpretResultSet(policy.evaluate(payload, id), name);
    } catch (err) {
      errors++;
      return failed(`policy evaluation failed: ${describePolicyError(err)}`);
    }
  };

  /** A batch's misses in one call to the batch twin; null when it cannot answer them all (then one call each). */
  const decideTogether = (inputs: readonly (PolicyInput | Record<string, unknown>)[]): PolicyVerdict[] | null => {
    let rows: unknown;
    try {
      rows = (policy.evaluate(encodePolicyInputs(inputs, plan), batchId) as { result?: unknown }[])[0]?.result;
    } catch {
      // One input's error (a conflict, a trap) fails the whole call; deciding each alone confines it to its input.
      return null;
    }
    if (!Array.isArray(rows) || rows.length !== inputs.length) return null;
    evaluations += inputs.length;
    return rows.map((row: { result?: unknown }) => interpretResultSet(row !== null && typeof row === 'object' && 'result' in row ? [row] : [], name));
  };

  /** The cached verdict for an input, or undefined (counts the hit or miss). */
  const lookup = (input: PolicyInput | Record<string, unknown>, at: number): PolicyVerdict | undefined => {
    const hit = isBuiltPolicyInput(input) ? pairs!.get(input, at) : others!.get(policyInputKey(input));
    if (hit !== undefined) hits++;
    else misses++;
    return hit;
  };
  const remember = (input: PolicyInput | Record<string, unknown>, verdict: PolicyVerdict, at: number): void => {
    // Errors are not cached: they may be transient (memory), and they are rare.
    if (!verdict.allowed && verdict.code === ErrorCode.POLICY_ERROR) return;
    if (isBuiltPolicyInput(input)) pairs!.set(input, verdict, at);
    else others!.set(policyInputKey(input), verdict);
  };

  return {
    revision,
    entrypoint: name,
    evaluate(input) {
      if (pairs === null) return decide(input);
      const at = performance.now();
      const hit = lookup(input, at);
      if (hit !== undefined) return hit;
      const verdict = decide(input);
      // The TTL counts from when the decision was made, not from before the evaluation that made it.
      remember(input, verdict, performance.now());
      return verdict;
    },
    evaluateMany(inputs) {
      // One clock read for the lookups of the whole batch, one for remembering its decisions.
      const at = performance.now();
      const verdicts = new Array<PolicyVerdict>(inputs.length);
      const missed: number[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const hit = pairs === null ? undefined : lookup(inputs[i]!, at);
        if (hit !== undefined) verdicts[i] = hit;
        else missed.push(i);
      }
      const together = batchId !== undefined && missed.length >= 2 ? decideTogether(missed.map((i) => inputs[i]!)) : null;
      for (let k = 0; k < missed.length; k++) {
        verdicts[missed[k]!] = together !== null ? together[k]! : decide(inputs[missed[k]!]!);
      }
      if (pairs !== null && missed.length > 0) {
        const decidedAt = performance.now();
        for (const i of missed) remember(inputs[i]!, verdicts[i]!, decidedAt);
      }
      return verdicts;
    },
    stats: () => ({ hits, misses, size: (pairs?.size ?? 0) + (others?.size ?? 0), bytes: (pairs?.bytes ?? 0) + (others?.calculatedSize ?? 0), evaluations, errors }),
  };
}

export interface PolicyStageOptions extends PolicyInputOptions {
  /** Agent details for the input's sender/recipient; default: the pipeline's registry snapshot. */
  readonly agents?: (agentId: string) => PolicyAgent | undefined;
}

const toRejection = (verdict: PolicyVerdict): Rejection | null => (verdict.allowed ? null : { code: verdict.code, reasons: verdict.reasons });

/**
 * The policy as a pipeline stage: builds the input (sender/recipient from the registry snapshot),
 * evaluates, maps a denial to a Rejection. As a batch stage it decides a batch's messages in one
 * evaluateMany (their cache misses in one SDK call).
 */
export function createPolicyStage(evaluator: PolicyEvaluator, options: PolicyStageOptions = {}): BatchStage {
  const inputOf = (item: PipelineItem, context: PipelineContext): PolicyInput => {
    const lookup = options.agents ?? ((id: string) => context.registry.agents.get(id));
    const message = options.includePayload ? { ...item.message, payload: item.payload() } : item.message;
    return buildPolicyInput(message, item.payloadBytes, {
      expectedHash: context.expectedHash, now: context.now, sender: lookup(item.message.from), recipient: lookup(item.message.to),
    }, options);
  };
  const stage: Stage = (item, context) => toRejection(evaluator.evaluate(inputOf(item, context)));
  const prepare = (items: readonly PipelineItem[], context: PipelineContext): (Rejection | null)[] =>
    evaluator.evaluateMany(items.map((item) => inputOf(item, context))).map(toRejection);
  return Object.assign(stage, { prepare });
}
