import type { AgentMessage, JsonValue } from '../model/message.ts';
import { EncodedFeatureReader } from './encoded-features.ts';
import { KeywordScanner, type SensitivePair, type SensitiveWord } from './keyword-scanner.ts';
import { SenderVolumeWindow } from './sender-volume.ts';
import { VerbRiskTable } from './verb-risk.ts';

/**
 * Impact scoring: how much harm a message could do if it were wrong, as a deterministic number in [0, 1].
 *
 * The score is a weighted sum of six components, each in [0, 1], followed by "floors" that lift the total
 * for combinations that are dangerous even when the weighted sum is modest (a `transfer` of a large amount,
 * a `delete` sent as CRITICAL). Messages with `isHighImpact(score)` go to deliberation (Z3) before delivery.
 *
 * | component | default weight | what it measures |
 * |---|---|---|
 * | keywords | 0.30 | distinct sensitive words in payload keys and string values: 0 → 0, 1 → 0.6, 2 → 0.8, ≥3 → 1 |
 * | action   | 0.25 | verb of `payload.tool` / `action` / `operation` / `command` / `method` (execute/delete/write/transfer 1, send/update 0.5, read/get 0.1, unknown verb 0.5, none 0) |
 * | amount   | 0.15 | `payload.amount` on a log scale: log10(1+amount) / log10(1+amountSaturation), default saturation 1,000,000 |
 * | volume   | 0.10 | messages from the sender in the recent window / volumeSaturation (default 150) |
 * | priority | 0.10 | LOW 0, NORMAL 0.25, HIGH 0.7, CRITICAL 1 |
 * | type     | 0.10 | governance_request / constitutional_validation 1, command / task_request 0.5, heartbeat 0, others 0.1 |
 *
 * Default floors (the total is raised to `atLeast` when every listed component reaches its minimum):
 * - keywords ≥ 1 (three or more distinct sensitive words) → 0.8
 * - action ≥ 1 and amount ≥ 0.5 (a high-risk verb moving ≥ ~1,000) → 0.85
 * - action ≥ 1 and priority ≥ 1 (a high-risk verb sent as CRITICAL) → 0.9
 * - type ≥ 1 (governance or constitutional messages) → 0.8
 *
 * Cost is bounded whatever the payload: at most `scanBudgetChars` characters and `scanBudgetNodes` JSON
 * nodes are looked at, so a 64 KiB payload costs about as much as a 4 KiB one.
 */

export const IMPACT_COMPONENTS = ['keywords', 'action', 'amount', 'volume', 'priority', 'type'] as const;
export type ImpactComponent = (typeof IMPACT_COMPONENTS)[number];

/** The one threshold rule used everywhere in agentbus: a score at or above the threshold is high impact. */
export const DEFAULT_IMPACT_THRESHOLD = 0.8;

export function isHighImpact(score: number, threshold: number = DEFAULT_IMPACT_THRESHOLD): boolean {
  // NaN is treated as high impact: a broken score must not let a message skip deliberation.
  return !(score < threshold);
}

export interface ImpactFloor {
  /** Minimum value per component; the floor applies when all of them are reached. */
  readonly when: Partial<Record<ImpactComponent, number>>;
  readonly atLeast: number;
}

export interface ImpactConfig {
  readonly weights: Readonly<Record<ImpactComponent, number>>;
  readonly sensitiveKeywords: readonly string[];
  /** Verb → risk in [0, 1]. A verb is the leading word of the action name (`deleteUser`, `delete_user` → `delete`). */
  readonly verbRisk: Readonly<Record<string, number>>;
  /** Risk of an action whose verb is not in `verbRisk`. */
  readonly unknownVerbRisk: number;
  /** Payload fields that name the requested tool or action, looked up in this order. */
  readonly actionFields: readonly string[];
  readonly amountField: string;
  readonly amountSaturation: number;
  readonly volumeSaturation: number;
  /** Indexed by Priority (0 LOW … 3 CRITICAL). */
  readonly priorityRisk: readonly [number, number, number, number];
  readonly typeRisk: Readonly<Record<string, number>>;
  readonly defaultTypeRisk: number;
  readonly floors: readonly ImpactFloor[];
  readonly scanBudgetChars: number;
  readonly scanBudgetNodes: number;
}

export const DEFAULT_IMPACT_CONFIG: ImpactConfig = Object.freeze<ImpactConfig>({
  weights: { keywords: 0.3, action: 0.25, amount: 0.15, volume: 0.1, priority: 0.1, type: 0.1 },
  sensitiveKeywords: [
    'security', 'breach', 'unauthorized', 'credential', 'credentials', 'password', 'secret', 'token', 'private key',
    'governance', 'constitution', 'payment', 'transfer', 'wire', 'withdraw', 'production', 'delete', 'drop table',
    'root', 'sudo', 'admin', 'privilege', 'escalate', 'exfiltrate', 'bypass', 'override', 'disable', 'shutdown',
  ],
  verbRisk: {
    execute: 1, exec: 1, run: 1, bash: 1, shell: 1, eval: 1, delete: 1, remove: 1, rm: 1, drop: 1, destroy: 1,
    purge: 1, truncate: 1, write: 1, overwrite: 1, transfer: 1, pay: 1, withdraw: 1, wire: 1, deploy: 1, grant: 1,
    revoke: 1, kill: 1, shutdown: 1, terminate: 1,
    send: 0.5, update: 0.5, create: 0.5, modify: 0.5, edit: 0.5, post: 0.5, put: 0.5, patch: 0.5, set: 0.5,
    insert: 0.5, publish: 0.5, invoke: 0.5, call: 0.5,
    read: 0.1, get: 0.1, list: 0.1, search: 0.1, query: 0.1, fetch: 0.1, describe: 0.1, find: 0.1, view: 0.1,
    show: 0.1, status: 0.1, ping: 0,
  },
  unknownVerbRisk: 0.5,
  actionFields: ['tool', 'action', 'operation', 'command', 'method'],
  amountField: 'amount',
  amountSaturation: 1_000_000,
  volumeSaturation: 150,
  priorityRisk: [0, 0.25, 0.7, 1],
  typeRisk: {
    governance_request: 1, constitutional_validation: 1, command: 0.5, task_request: 0.5, heartbeat: 0,
  },
  defaultTypeRisk: 0.1,
  floors: [
    { when: { keywords: 1 }, atLeast: 0.8 },
    { when: { action: 1, amount: 0.5 }, atLeast: 0.85 },
    { when: { action: 1, priority: 1 }, atLeast: 0.9 },
    { when: { type: 1 }, atLeast: 0.8 },
  ],
  scanBudgetChars: 4096,
  scanBudgetNodes: 512,
});

/** A config compiled once (keyword hashes, lookup maps); pass it to every `scoreImpact` call. */
export interface ImpactModel {
  readonly config: ImpactConfig;
  /** Word hash → keyword ids: single words, and two-word keywords under the hash of their word pair. */
  readonly keywordWords: ReadonlyMap<number, KeywordEntry>;
  readonly keywordPairs: ReadonlyMap<number, KeywordEntry>;
  readonly verbRisk: ReadonlyMap<string, number>;
  readonly typeRisk: ReadonlyMap<string, number>;
  readonly floors: readonly { readonly mins: Float64Array; readonly atLeast: number }[];
  readonly weights: Float64Array;
}

/** A keyword as the scanner sees it: lower-case ASCII words joined by any run of non-letters. */
interface KeywordEntry {
  readonly id: number;
  readonly words: readonly string[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function wordHash(word: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME);
  return hash;
}

function pairHash(first: number, second: number): number {
  return Math.imul(first, 0x9e3779b1) ^ second;
}

function compileKeywords(keywords: readonly string[]): { words: Map<number, KeywordEntry>; pairs: Map<number, KeywordEntry> } {
  const words = new Map<number, KeywordEntry>();
  const pairs = new Map<number, KeywordEntry>();
  let id = 0;
  for (const keyword of new Set(keywords.map((k) => k.toLowerCase()))) {
    const parts = keyword.split(/[^a-z]+/).filter((w) => w.length > 0);
    if (parts.length === 0) continue;
    if (parts.length > 2 || parts.join(' ') !== keyword.trim().replace(/[^a-z]+/g, ' ')) {
      throw new RangeError(`sensitive keyword "${keyword}" must be one or two words of ASCII letters`);
    }
    const entry = { id: id++, words: parts };
    if (parts.length === 1) words.set(wordHash(parts[0] as string), entry);
    else pairs.set(pairHash(wordHash(parts[0] as string), wordHash(parts[1] as string)), entry);
  }
  return { words, pairs };
}

export function createImpactModel(overrides: Partial<ImpactConfig> = {}): ImpactModel {
  const config: ImpactConfig = { ...DEFAULT_IMPACT_CONFIG, ...overrides };
  for (const component of IMPACT_COMPONENTS) {
    const weight = config.weights[component];
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`impact weight ${component} must be a finite number >= 0`);
  }
  const keywords = compileKeywords(config.sensitiveKeywords);
  const floors = config.floors.map((floor) => {
    const mins = new Float64Array(IMPACT_COMPONENTS.length).fill(-Infinity);
    IMPACT_COMPONENTS.forEach((component, i) => {
      const min = floor.when[component];
      if (min !== undefined) mins[i] = min;
    });
    return { mins, atLeast: floor.atLeast };
  });
  return {
    config,
    keywordWords: keywords.words,
    keywordPairs: keywords.pairs,
    verbRisk: new Map(Object.entries(config.verbRisk).map(([verb, risk]) => [verb.toLowerCase(), risk])),
    typeRisk: new Map(Object.entries(config.typeRisk)),
    floors,
    weights: Float64Array.from(IMPACT_COMPONENTS.map((c) => config.weights[c])),
  };
}

export const DEFAULT_IMPACT_MODEL: ImpactModel = createImpactModel();

const A = 97;
const Z = 122;
const UPPER_A = 65;
const UPPER_Z = 90;

/** The leading word of an action name, lower-cased: `deleteUser`, `delete_user`, `DELETE /x`, `Bash(rm)` → `delete`, `bash`. */
export function leadingVerb(name: string): string {
  let end = 0;
  const limit = Math.min(name.length, 64);
  while (end < limit) {
    const code = name.charCodeAt(end);
    const lower = code >= A && code <= Z;
    const upper = code >= UPPER_A && code <= UPPER_Z;
    if (!lower && !upper) break;
    // camelCase boundary: an upper-case letter after a lower-case one starts the next word.
    if (upper && end > 0) {
      const previous = name.charCodeAt(end - 1);
      if (previous >= A && previous <= Z) break;
    }
    end++;
  }
  return name.slice(0, end).toLowerCase();
}

function actionName(payload: { [key: string]: JsonValue }, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = payload[field];
    if (typeof value === 'string') return value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const name = value.name;
      if (typeof name === 'string') return name;
    }
  }
  return undefined;
}

function keywordScore(hits: number): number {
  if (hits <= 0) return 0;
  if (hits === 1) return 0.6;
  if (hits === 2) return 0.8;
  return 1;
}

/** What a model compiles to for scanning: letter tries for its keywords and verbs (built once per model). */
interface ScanTables {
  readonly keywords: KeywordScanner;
  readonly verbs: VerbRiskTable;
  /** Reads the same features from a msgpack-encoded payload, when it can (see encoded-features.ts). */
  readonly encoded: EncodedFeatureReader;
}

/** The header fields scoring reads besides the payload. */
export type ImpactHeader = Pick<AgentMessage, 'priority' | 'type'>;

const scanTables = new WeakMap<ImpactModel, ScanTables>();
let lastModel: ImpactModel | undefined;
let lastTables: ScanTables | undefined;

/**
 * The tries are built from the model's hash maps, not from its config, so they match exactly what those maps
 * match: an entry is kept only where it sits under the hash of its own words (as createImpactModel puts it).
 */
function buildScanTables(model: ImpactModel): ScanTables {
  const singles: SensitiveWord[] = [];
  for (const [hash, entry] of model.keywordWords) {
    const word = entry.words[0];
    if (word !== undefined && wordHash(word) === hash) singles.push({ word, id: entry.id });
  }
  const pairs: SensitivePair[] = [];
  for (const [hash, entry] of model.keywordPairs) {
    const [first, second] = entry.words;
    if (first !== undefined && second !== undefined && pairHash(wordHash(first), wordHash(second)) === hash) pairs.push({ first, second, id: entry.id });
  }
  const keywords = new KeywordScanner(singles, pairs);
  const { actionFields, amountField, scanBudgetChars: budgetChars, scanBudgetNodes: budgetNodes } = model.config;
  const encoded = new EncodedFeatureReader({ actionFields, amountField, budgetChars, budgetNodes }, keywords);
  return { keywords, verbs: new VerbRiskTable(model.verbRisk), encoded };
}

function scanTablesOf(model: ImpactModel): ScanTables {
  if (model === lastModel) return lastTables as ScanTables;
  let tables = scanTables.get(model);
  if (tables === undefined) {
    tables = buildScanTables(model);
    scanTables.set(model, tables);
  }
  lastModel = model;
  lastTables = tables;
  return tables;
}

/** Component values in IMPACT_COMPONENTS order, written into `out` (reused to keep the hot path allocation-free). */
function components(message: AgentMessage, senderVolume: number, model: ImpactModel, out: Float64Array): void {
  const config = model.config;
  const payload = message.payload;
  const hits = scanTablesOf(model).keywords.count(payload, config.scanBudgetChars, config.scanBudgetNodes);
  let name: string | undefined;
  let raw: JsonValue | undefined;
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    name = actionName(payload, config.actionFields);
    raw = payload[config.amountField];
  }
  componentsOf(message, hits, name, raw, senderVolume, model, out);
}

/** The components from what scoring reads of a payload (keyword hits, action name, raw amount) and of the header. */
function componentsOf(
  message: ImpactHeader,
  hits: number,
  name: string | undefined,
  raw: JsonValue | undefined,
  senderVolume: number,
  model: ImpactModel,
  out: Float64Array,
): void {
  const config = model.config;
  out[0] = keywordScore(hits);
  let action = 0;
  let amount = 0;
  if (name !== undefined) action = scanTablesOf(model).verbs.riskOf(name) ?? config.unknownVerbRisk;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (value > 0) amount = Math.min(1, Math.log10(1 + value) / Math.log10(1 + config.amountSaturation));
  out[1] = action;
  out[2] = amount;
  out[3] = senderVolume > 0 ? Math.min(1, senderVolume / config.volumeSaturation) : 0;
  out[4] = config.priorityRisk[message.priority] ?? 1;
  out[5] = model.typeRisk.get(message.type) ?? config.defaultTypeRisk;
}

function combine(values: Float64Array, model: ImpactModel): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += (values[i] as number) * (model.weights[i] as number);
  for (const floor of model.floors) {
    let applies = true;
    for (let i = 0; i < values.length; i++) {
      if ((values[i] as number) < (floor.mins[i] as number)) {
        applies = false;
        break;
      }
    }
    if (applies && total < floor.atLeast) total = floor.atLeast;
  }
  if (!(total > 0)) return 0;
  return total > 1 ? 1 : total;
}

const scratch = new Float64Array(IMPACT_COMPONENTS.length);

/**
 * The impact score of a message in [0, 1]. `senderVolume` is how many messages the sender sent in the recent
 * window (see SenderVolumeWindow); the caller owns that state so this function stays pure.
 */
export function scoreImpact(message: AgentMessage, senderVolume = 0, model: ImpactModel = DEFAULT_IMPACT_MODEL): number {
  components(message, senderVolume, model, scratch);
  return combine(scratch, model);
}

/**
 * The impact score of a message whose payload is at hand only as msgpack (PayloadCodec's bytes), as on a
 * validation thread: the same number `scoreImpact` gives the decoded message. The features are read from the
 * bytes when they can be (encoded-features.ts); otherwise `decode` is called and the message scored decoded.
 */
export function scoreEncodedImpact(
  header: ImpactHeader,
  encoded: Uint8Array,
  decode: () => JsonValue,
  senderVolume = 0,
  model: ImpactModel = DEFAULT_IMPACT_MODEL,
): number {
  const features = scanTablesOf(model).encoded.read(encoded);
  if (features === null) return scoreImpact({ ...header, payload: decode() } as AgentMessage, senderVolume, model);
  componentsOf(header, features.hits, features.action, features.amount, senderVolume, model, scratch);
  return combine(scratch, model);
}

export interface ImpactBreakdown {
  readonly score: number;
  readonly components: Readonly<Record<ImpactComponent, number>>;
}

/** The score with its components, for logs and for explaining a deliberation to a person. */
export function explainImpact(message: AgentMessage, senderVolume = 0, model: ImpactModel = DEFAULT_IMPACT_MODEL): ImpactBreakdown {
  const values = new Float64Array(IMPACT_COMPONENTS.length);
  components(message, senderVolume, model, values);
  const byName = Object.fromEntries(IMPACT_COMPONENTS.map((c, i) => [c, values[i] as number])) as Record<ImpactComponent, number>;
  return { score: combine(values, model), components: byName };
}

/** A message as the impact stage sees it (the pipeline's PipelineItem has this shape). */
export interface ImpactItem {
  readonly message: ImpactHeader & Pick<AgentMessage, 'from'>;
  payload(): JsonValue;
  /** The payload as PayloadCodec encoded it, when it came that way: scored from the bytes (scoreEncodedImpact). */
  readonly encodedPayload?: Uint8Array | null;
}

/**
 * The impact stage (matches the pipeline's `ImpactScorer`): counts the sender in a judge-local sliding
 * window, then scores, from the encoded payload where the item has it. One scorer per judge; its window is
 * that judge's state (on a validation thread, that thread's).
 */
export function createImpactScorer(options: { model?: ImpactModel; window?: SenderVolumeWindow } = {}): (
  item: ImpactItem,
  context: { readonly now: number },
) => number {
  const model = options.model ?? DEFAULT_IMPACT_MODEL;
  const window = options.window ?? new SenderVolumeWindow();
  return (item, context) => {
    const volume = window.record(item.message.from, context.now);
    const encoded = item.encodedPayload;
    if (encoded !== undefined && encoded !== null) return scoreEncodedImpact(item.message, encoded, () => item.payload(), volume, model);
    return scoreImpact({ ...item.message, payload: item.payload() } as AgentMessage, volume, model);
  };
}
