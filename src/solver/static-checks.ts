import type { Z3_ast } from 'z3-solver';
import { MessageType } from '../model/message.ts';
import type { DeliberationPolicy, TemplateSpec } from './policy.ts';
import { smtTerm } from './smt-values.ts';
import { templateDeclarations, type TemplateSolver } from './template-solver.ts';
import type { Z3Session } from './z3-session.ts';

/**
 * Checks run when a deliberation policy is loaded, with Z3, in the solver worker:
 *
 * 1. every template is satisfiable within its bindings' declared domains (an unsatisfiable template would
 *    deny every message it applies to, which is a policy bug, not a policy);
 * 2. "a message with impact ≥ threshold is delivered without deliberation" is unsatisfiable for the loaded
 *    configuration: the bus's routing threshold, the exempt message types and the templates' `appliesWhen`
 *    conditions (deliberation where no template applies decides nothing, so it counts as a bypass).
 *
 * The bus refuses to start when `report.ok` is false.
 */

export interface StaticCheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** For a failed bypass check: a message class that would skip deliberation. */
  readonly witness?: Readonly<Record<string, string>>;
}

export interface StaticCheckReport {
  readonly ok: boolean;
  readonly revision: string;
  readonly results: readonly StaticCheckResult[];
}

export interface StaticCheckOptions {
  /** The threshold the bus routes with (`isHighImpact(score, routingThreshold)`); default the policy's own. */
  readonly routingThreshold?: number;
}

const MESSAGE_TYPES = Object.values(MessageType);

/** Resource budget of a static check: generous (load time, not the hot path) but finite, so a template Z3 cannot decide fails the check instead of hanging the start. */
const STATIC_CHECK_RLIMIT = 5_000_000;

function domainAssertions(template: TemplateSpec): string {
  const lines: string[] = [];
  for (const [name, binding] of Object.entries(template.bindings)) {
    if (binding.sort !== 'Int' && binding.sort !== 'Real') continue;
    if (binding.min !== undefined) lines.push(`(assert (>= ${name} ${smtTerm(binding.sort, binding.min)}))`);
    if (binding.max !== undefined) lines.push(`(assert (<= ${name} ${smtTerm(binding.sort, binding.max)}))`);
  }
  return lines.join('\n');
}

function checkSatisfiable(session: Z3Session, solver: TemplateSolver): StaticCheckResult {
  const { template } = solver;
  const scratch = session.solver(STATIC_CHECK_RLIMIT);
  const extra = session.parseAssertions(`${templateDeclarations(template)}\n${domainAssertions(template)}`, `template ${template.id} domains`);
  try {
    for (const term of [...solver.constraintTerms, ...extra]) session.z3.Z3.solver_assert(session.ctx, scratch, term);
    const status = session.check(scratch);
    if (status === 'sat') {
      const constants = new Map<string, Z3_ast>();
      for (const [name, binding] of Object.entries(template.bindings)) constants.set(name, session.constant(name, binding.sort));
      const witness = session.modelValues(scratch, constants);
      for (const ast of constants.values()) session.release(ast);
      return { name: `satisfiable: ${template.id}`, ok: true, detail: `e.g. ${Object.entries(witness).map(([k, v]) => `${k}=${readableNumber(v)}`).join(', ')}` };
    }
    const detail = status === 'unsat' ? 'no binding values satisfy all constraints: it would deny every message' : `Z3 could not decide (${session.reasonUnknown(scratch)})`;
    return { name: `satisfiable: ${template.id}`, ok: false, detail };
  } finally {
    for (const ast of extra) session.release(ast);
    session.z3.Z3.solver_dec_ref(session.ctx, scratch);
  }
}

/** Z3 prints rationals as `(/ 4.0 5.0)` and negatives as `(- 3)`; reports read better as 0.8 and -3. */
function readableNumber(text: string): string {
  const ratio = /^\(\/ (-?[\d.]+) ([\d.]+)\)$/.exec(text);
  if (ratio !== null) return String(Number(ratio[1]) / Number(ratio[2]));
  const negative = /^\(- ([\d.]+)\)$/.exec(text);
  return negative !== null ? `-${negative[1]}` : text;
}

function presenceSymbol(index: number): string {
  return `present_${index}`;
}

/** Builds the bypass formula: ∃ message class. impact ≥ policy threshold ∧ ¬(routed to deliberation ∧ some template applies). */
export function bypassScript(policy: DeliberationPolicy, routingThreshold: number): { script: string; presence: readonly string[] } {
  const presence = [...new Set(policy.templates.flatMap((t) => t.appliesWhen?.present ?? []))];
  const typeIndex = (type: string): number => MESSAGE_TYPES.indexOf(type as MessageType);
  const typeIs = (types: readonly string[]): string => (types.length === 0 ? 'false' : `(or ${types.map((t) => `(= type ${typeIndex(t)})`).join(' ')} false)`);
  const lines = [
    '(declare-const impact Real)',
    '(declare-const type Int)',
    ...presence.map((_, i) => `(declare-const ${presenceSymbol(i)} Bool)`),
    `(assert (and (>= impact 0.0) (<= impact 1.0) (>= type 0) (< type ${MESSAGE_TYPES.length})))`,
    `(assert (>= impact ${smtTerm('Real', policy.routing.threshold)}))`,
  ];
  const routed = `(and (>= impact ${smtTerm('Real', routingThreshold)}) (not ${typeIs(policy.routing.exemptTypes ?? [])}))`;
  const applies = policy.templates.map((template) => {
    const conditions: string[] = ['true'];
    if (template.appliesWhen?.types !== undefined) conditions.push(typeIs(template.appliesWhen.types));
    for (const source of template.appliesWhen?.present ?? []) conditions.push(presenceSymbol(presence.indexOf(source)));
    return `(and ${conditions.join(' ')})`;
  });
  lines.push(`(assert (not (and ${routed} (or ${applies.join(' ')} false))))`);
  return { script: lines.join('\n'), presence };
}

function checkNoBypass(session: Z3Session, policy: DeliberationPolicy, routingThreshold: number): StaticCheckResult {
  const name = `no bypass: impact >= ${policy.routing.threshold} is always deliberated`;
  const { script, presence } = bypassScript(policy, routingThreshold);
  const scratch = session.solver(STATIC_CHECK_RLIMIT);
  const terms = session.parseAssertions(script, 'bypass check');
  try {
    for (const term of terms) session.z3.Z3.solver_assert(session.ctx, scratch, term);
    const status = session.check(scratch);
    if (status === 'unsat') return { name, ok: true, detail: 'proved (unsat)' };
    if (status === 'unknown') return { name, ok: false, detail: `Z3 could not decide (${session.reasonUnknown(scratch)})` };
    const constants = new Map<string, Z3_ast>([['impact', session.constant('impact', 'Real')], ['type', session.constant('type', 'Int')]]);
    presence.forEach((_, i) => constants.set(presenceSymbol(i), session.constant(presenceSymbol(i), 'Bool')));
    const values = session.modelValues(scratch, constants);
    for (const ast of constants.values()) session.release(ast);
    const witness: Record<string, string> = {
      impact: readableNumber(values.impact ?? '?'),
      type: MESSAGE_TYPES[Number(values.type)] ?? values.type ?? '?',
    };
    presence.forEach((source, i) => {
      witness[source] = values[presenceSymbol(i)] === 'true' ? 'present' : 'absent';
    });
    const described = Object.entries(witness).map(([k, v]) => `${k}=${v}`).join(', ');
    return { name, ok: false, detail: `a high-impact message skips deliberation: ${described}`, witness };
  } finally {
    for (const term of terms) session.release(term);
    session.z3.Z3.solver_dec_ref(session.ctx, scratch);
  }
}

export function runStaticChecks(session: Z3Session, solvers: readonly TemplateSolver[], policy: DeliberationPolicy, options: StaticCheckOptions = {}): StaticCheckReport {
  const results: StaticCheckResult[] = solvers.map((solver) => checkSatisfiable(session, solver));
  const routingThreshold = options.routingThreshold ?? policy.routing.threshold;
  results.push(checkNoBypass(session, policy, routingThreshold));
  return { ok: results.every((r) => r.ok), revision: policy.revision, results };
}

/** A report for people: one line per check, then the verdict. */
export function formatStaticCheckReport(report: StaticCheckReport): string {
  const lines = [`deliberation policy ${report.revision}: static checks`];
  for (const result of report.results) lines.push(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name} — ${result.detail}`);
  lines.push(report.ok ? 'all static checks passed' : 'static checks FAILED: the bus must not start with this policy');
  return lines.join('\n');
}
