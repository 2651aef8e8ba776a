import type { AgentMessage, JsonValue } from '../model/message.ts';
import type { BindingValue, TemplateSpec } from './policy.ts';
import { numeralText } from './smt-values.ts';
import type { NumeralBindings } from './template-solver.ts';

/**
 * What the bus knows about a message beyond the message itself. Values here are trusted (the operator or the
 * bus computed them); values in the payload are the sender's claims. Templates should take anything that
 * *grants* (tier, scope, approvals, usage) from the context and only what is *requested* from the payload.
 */
export interface DeliberationContext {
  /** Decision time, epoch ms. Default: the time `decide` is called. */
  readonly now?: number;
  /** Sender's tier: 0 (least trusted) … 2. */
  readonly senderTier?: number;
  /**
   * High-impact messages from the sender in the recent window, this one included: the bus keeps one
   * SenderVolumeWindow on the main thread and calls `record(message.from, now)` for each message it sends to
   * deliberation. (The impact score's own `volume` input counts all messages, per validation worker.)
   */
  readonly senderVolume?: number;
  /** Amount already used per tier in the current budget period, indexed by tier. */
  readonly tierUsage?: number[];
  /** How many agents the request has been delegated through (0 = sent by the originating agent). */
  readonly delegationDepth?: number;
  /** Sender's scope as a 64-bit mask (number or 0x-hex string). */
  readonly senderScope?: number | string;
  /** Approvals the operator has recorded for this message. */
  readonly approvals?: number;
  readonly [key: string]: JsonValue | undefined;
}

export interface BindingInput {
  readonly message: AgentMessage;
  /** Impact score in [0, 1]. */
  readonly impact: number;
  readonly context: DeliberationContext;
  /** Decision time, epoch ms (context.now or the clock). */
  readonly now: number;
}

export type ResolvedTemplate =
  | { readonly kind: 'skip' }
  | { readonly kind: 'bound'; readonly bindings: NumeralBindings }
  | { readonly kind: 'invalid'; readonly reasons: readonly string[] };

/**
 * Impact is bound as a multiple of 1/1000, which keeps cache keys few. First rounded to 1e-6: the bus carries
 * scores as float32, and Math.fround(0.95) = 0.9499999881 must still count as 0.95. Then floored, which (unlike
 * rounding) never moves a score up across a threshold written with ≤ 3 decimals.
 */
function quantizeImpact(impact: number): number {
  return Math.floor(Math.round(impact * 1_000_000) / 1000) / 1000;
}

function walk(root: unknown, path: readonly string[], from: number): unknown {
  let node = root;
  for (let i = from; i < path.length; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = path[i] as string;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const pathCache = new Map<string, readonly string[]>();
function splitPath(source: string): readonly string[] {
  let parts = pathCache.get(source);
  if (parts === undefined) {
    parts = source.split('.');
    pathCache.set(source, parts);
  }
  return parts;
}

/** The raw value a binding source names, or undefined when absent (null counts as absent). */
export function sourceValue(source: string, input: BindingInput): unknown {
  const path = splitPath(source);
  let value: unknown;
  switch (path[0]) {
    case 'payload':
      value = walk(input.message.payload, path, 1);
      break;
    case 'context':
      value = walk(input.context, path, 1);
      break;
    case 'metadata': {
      const text = input.message.metadata[path[1] as string];
      value = text === undefined || text.trim() === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
      break;
    }
    case 'message':
      value = path[1] === 'priority' ? input.message.priority : path[1] === 'createdAt' ? input.message.createdAt : input.message.expiresAt;
      break;
    case 'impact':
      value = quantizeImpact(input.impact);
      break;
    case 'derived':
      if (path[1] === 'hourUtc') value = new Date(input.now).getUTCHours();
      else if (path[1] === 'nowSeconds') value = Math.floor(input.now / 1000);
      else value = input.message.expiresAt === undefined ? undefined : Math.ceil(input.message.expiresAt / 1000);
      break;
  }
  return value === null ? undefined : value;
}

/**
 * Resolves a template's bindings for a message. A template whose `appliesWhen` does not match is skipped;
 * a binding whose source is absent takes its default, and without one the message is denied (fail closed)
 * with a reason naming the binding and where it was looked for.
 */
export function resolveTemplate(template: TemplateSpec, input: BindingInput): ResolvedTemplate {
  const when = template.appliesWhen;
  if (when !== undefined) {
    if (when.types !== undefined && !when.types.includes(input.message.type)) return { kind: 'skip' };
    for (const source of when.present ?? []) if (sourceValue(source, input) === undefined) return { kind: 'skip' };
  }
  const bindings: Record<string, string> = {};
  const reasons: string[] = [];
  for (const [name, spec] of Object.entries(template.bindings)) {
    const raw = sourceValue(spec.from, input);
    const value = raw === undefined ? spec.default : raw;
    if (value === undefined) {
      reasons.push(`${template.id}: missing ${spec.from} (binding ${name})`);
      continue;
    }
    if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string') {
      reasons.push(`${template.id}: ${spec.from} must be a ${spec.sort} (binding ${name})`);
      continue;
    }
    const text = numeralText(spec.sort, value as BindingValue);
    if (typeof text !== 'string') reasons.push(`${template.id}: ${spec.from} ${text.error} (binding ${name})`);
    else bindings[name] = text;
  }
  return reasons.length > 0 ? { kind: 'invalid', reasons } : { kind: 'bound', bindings };
}

/** Cache key: policy revision, template and bindings in declaration order (the template fixes the order). */
export function decisionKey(revision: string, template: string, bindings: NumeralBindings): string {
  let key = `${revision}|${template}`;
  for (const name in bindings) key += `|${name}=${bindings[name]}`;
  return key;
}

/** What a message gives each template of a policy: those that apply, and their bindings or what is missing. */
export interface ResolvedTemplates {
  /** Ids of the templates that apply, in policy order. */
  readonly templates: string[];
  /** Reasons of the templates whose required bindings are missing or invalid. */
  readonly missing: string[];
  readonly firstInvalid: string | undefined;
  /** The applicable templates with valid bindings, in policy order. */
  readonly bound: { readonly template: string; readonly bindings: NumeralBindings }[];
}

/** Resolves every template once: the one walk both the compiled decision and the solver path start from. */
export function resolveTemplates(templates: readonly TemplateSpec[], input: BindingInput): ResolvedTemplates {
  const ids: string[] = [];
  const missing: string[] = [];
  const bound: { template: string; bindings: NumeralBindings }[] = [];
  let firstInvalid: string | undefined;
  for (const template of templates) {
    const resolved = resolveTemplate(template, input);
    if (resolved.kind === 'skip') continue;
    ids.push(template.id);
    if (resolved.kind === 'invalid') {
      firstInvalid ??= template.id;
      missing.push(...resolved.reasons);
    } else bound.push({ template: template.id, bindings: resolved.bindings });
  }
  return { templates: ids, missing, firstInvalid, bound };
}
