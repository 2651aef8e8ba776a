import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isMessageType, type MessageType } from '../model/message.ts';

/**
 * The deliberation policy: declarative constraint templates (policies/deliberation.json) checked by Z3 for
 * every high-impact message. A template is SMT-LIB 2 text over named bindings (values taken from the message,
 * the impact score and the bus-supplied context) and existential variables (unknowns Z3 may choose, e.g. an
 * allocation of budget across tiers). A message is allowed when every applicable template is satisfiable
 * with its bindings fixed; a deny names the constraints in the unsat core.
 */

/** Sorts a binding or variable may have. `BitVec64` carries bit masks (scopes) beyond 2^53. */
export const SORTS = ['Int', 'Real', 'Bool', 'BitVec64'] as const;
export type SortName = (typeof SORTS)[number];

/** A concrete binding value: numbers for Int/Real, booleans for Bool, decimal or 0x-hex strings for big Int/BitVec64. */
export type BindingValue = number | boolean | string;

export interface BindingSpec {
  readonly sort: SortName;
  /**
   * Where the value comes from: `payload.<path>`, `context.<path>`, `metadata.<key>` (numeric string),
   * `message.priority` / `message.createdAt` / `message.expiresAt`, `impact`, or `derived.hourUtc` /
   * `derived.nowSeconds` / `derived.expiresSeconds` (computed from `context.now`, default the decision time).
   */
  readonly from: string;
  /** Used when the source is absent. Without a default, an absent source denies the message (fail closed). */
  readonly default?: BindingValue;
  /** Domain used by the static satisfiability check (bindings are otherwise unconstrained there). */
  readonly min?: number;
  readonly max?: number;
}

export interface ConstraintSpec {
  /** Named in denials, so make it read like the rule: "tier-caps", "scope-subset". */
  readonly name: string;
  /** An SMT-LIB 2 boolean term over bindings, variables and parameters. */
  readonly assert: string;
  readonly description?: string;
}

export interface AppliesWhen {
  /** The template applies only when every one of these binding sources is present in the message/context. */
  readonly present?: readonly string[];
  /** The template applies only to these message types. */
  readonly types?: readonly MessageType[];
}

export interface TemplateSpec {
  readonly id: string;
  readonly description: string;
  /** Absent: the template applies to every message that reaches deliberation. */
  readonly appliesWhen?: AppliesWhen;
  readonly bindings: Readonly<Record<string, BindingSpec>>;
  readonly variables?: Readonly<Record<string, SortName>>;
  /** Named constants of the policy (budgets, caps), emitted as SMT-LIB `define-fun`s. */
  readonly parameters?: Readonly<Record<string, { sort: SortName; value: BindingValue }>>;
  readonly constraints: readonly ConstraintSpec[];
  /** Z3 resource budget per check for this template, overriding the pool's (0 = unlimited: wall clock only). */
  readonly rlimit?: number;
}

export interface RoutingSpec {
  /** The impact score at or above which a message is high impact and must be deliberated (`isHighImpact`). */
  readonly threshold: number;
  /** Message types the bus delivers without deliberation whatever their impact. Dangerous: the static check proves none can be high impact. */
  readonly exemptTypes?: readonly MessageType[];
}

export interface DeliberationPolicy {
  readonly revision: string;
  readonly routing: RoutingSpec;
  readonly templates: readonly TemplateSpec[];
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SMT_SYMBOL = /^[A-Za-z][A-Za-z0-9_]*$/;
const SOURCE = /^(payload(\.[^.]+)+|context(\.[^.]+)+|metadata\.[^.]+|message\.(priority|createdAt|expiresAt)|impact|derived\.(hourUtc|nowSeconds|expiresSeconds))$/;

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

function fail(where: string, problem: string): never {
  throw new PolicyError(`deliberation policy: ${where}: ${problem}`);
}

function checkValue(where: string, sort: SortName, value: unknown): void {
  const ok =
    sort === 'Bool' ? typeof value === 'boolean'
    : sort === 'Real' ? typeof value === 'number' && Number.isFinite(value)
    : (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^(-?\d+|0x[0-9a-fA-F]+)$/.test(value));
  if (!ok) fail(where, `value ${JSON.stringify(value)} is not a ${sort}`);
}

function checkTemplate(template: TemplateSpec, index: number): void {
  const where = `templates[${index}]${typeof template?.id === 'string' ? ` (${template.id})` : ''}`;
  if (template === null || typeof template !== 'object') fail(where, 'must be an object');
  if (typeof template.id !== 'string' || !NAME.test(template.id)) fail(where, 'id must match ' + NAME);
  if (typeof template.description !== 'string') fail(where, 'description must be a string');
  const symbols = new Set<string>();
  const declare = (name: string, kind: string): void => {
    if (!SMT_SYMBOL.test(name)) fail(where, `${kind} name "${name}" must match ${SMT_SYMBOL}`);
    if (symbols.has(name)) fail(where, `"${name}" is declared twice`);
    symbols.add(name);
  };
  if (template.bindings === null || typeof template.bindings !== 'object') fail(where, 'bindings must be an object');
  for (const [name, binding] of Object.entries(template.bindings)) {
    declare(name, 'binding');
    if (!SORTS.includes(binding?.sort)) fail(where, `binding ${name}: sort must be one of ${SORTS.join(', ')}`);
    if (typeof binding.from !== 'string' || !SOURCE.test(binding.from)) fail(where, `binding ${name}: unknown source "${binding.from}"`);
    if (binding.default !== undefined) checkValue(`${where} binding ${name} default`, binding.sort, binding.default);
  }
  for (const [name, sort] of Object.entries(template.variables ?? {})) {
    declare(name, 'variable');
    if (!SORTS.includes(sort)) fail(where, `variable ${name}: sort must be one of ${SORTS.join(', ')}`);
  }
  for (const [name, parameter] of Object.entries(template.parameters ?? {})) {
    declare(name, 'parameter');
    if (!SORTS.includes(parameter?.sort)) fail(where, `parameter ${name}: sort must be one of ${SORTS.join(', ')}`);
    checkValue(`${where} parameter ${name}`, parameter.sort, parameter.value);
  }
  if (template.rlimit !== undefined && !(Number.isSafeInteger(template.rlimit) && template.rlimit >= 0)) fail(where, 'rlimit must be an integer >= 0');
  if (!Array.isArray(template.constraints) || template.constraints.length === 0) fail(where, 'constraints must be a non-empty array');
  const names = new Set<string>();
  for (const constraint of template.constraints) {
    if (typeof constraint?.name !== 'string' || !NAME.test(constraint.name)) fail(where, `constraint name must match ${NAME}`);
    if (names.has(constraint.name)) fail(where, `constraint "${constraint.name}" is declared twice`);
    names.add(constraint.name);
    if (typeof constraint.assert !== 'string' || constraint.assert.trim().length === 0) fail(where, `constraint ${constraint.name}: assert must be SMT-LIB text`);
  }
  for (const source of template.appliesWhen?.present ?? []) {
    if (!SOURCE.test(source)) fail(where, `appliesWhen.present: unknown source "${source}"`);
  }
  for (const type of template.appliesWhen?.types ?? []) {
    if (!isMessageType(type)) fail(where, `appliesWhen.types: unknown message type "${type}"`);
  }
}

/** Validates the shape of a parsed policy (Z3 checks the constraint text when a worker loads it). */
export function parseDeliberationPolicy(value: unknown, revisionHint?: string): DeliberationPolicy {
  if (value === null || typeof value !== 'object') fail('root', 'must be an object');
  const raw = value as Partial<DeliberationPolicy>;
  const routing = raw.routing;
  if (routing === undefined || typeof routing.threshold !== 'number' || !(routing.threshold >= 0 && routing.threshold <= 1)) {
    fail('routing', 'threshold must be a number in [0, 1]');
  }
  for (const type of routing.exemptTypes ?? []) if (!isMessageType(type)) fail('routing.exemptTypes', `unknown message type "${type}"`);
  if (!Array.isArray(raw.templates)) fail('templates', 'must be an array');
  raw.templates.forEach(checkTemplate);
  const ids = new Set<string>();
  for (const template of raw.templates) {
    if (ids.has(template.id)) fail('templates', `id "${template.id}" is used twice`);
    ids.add(template.id);
  }
  const revision = typeof raw.revision === 'string' && raw.revision.length > 0 ? raw.revision : (revisionHint ?? 'unversioned');
  return { revision, routing: { threshold: routing.threshold, exemptTypes: routing.exemptTypes ?? [] }, templates: raw.templates };
}

/**
 * Loads a policy file. The cache revision is the declared revision plus a hash of the content, so editing a
 * template without bumping `revision` still invalidates cached decisions.
 */
export function loadDeliberationPolicy(path: string | URL): DeliberationPolicy {
  const text = readFileSync(path, 'utf8');
  const policy = parseDeliberationPolicy(JSON.parse(text));
  return withContentRevision(policy);
}

export function withContentRevision(policy: DeliberationPolicy): DeliberationPolicy {
  const digest = createHash('sha256').update(JSON.stringify({ ...policy, revision: '' })).digest('hex').slice(0, 12);
  const base = policy.revision.split('#')[0] as string;
  return { ...policy, revision: `${base}#${digest}` };
}

/** policies/deliberation.json at the package root, from src/solver (tsx) or dist/src/solver (build). */
export const DEFAULT_POLICY_URL = [new URL('../../policies/deliberation.json', import.meta.url), new URL('../../../policies/deliberation.json', import.meta.url)]
  .find((url) => existsSync(url)) ?? new URL('../../policies/deliberation.json', import.meta.url);
