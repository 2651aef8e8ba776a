import type { DeliberationPolicy } from '../policy.ts';
import { compileDeliberationPolicy, type CompilePolicyOptions } from './compile-policy.ts';
import { planFastPath } from './evaluate-fast.ts';
import type { TemplateIR } from './ir.ts';
import { prettyTerm } from './pretty.ts';

/**
 * What the compiler made of each template, for `agentbus deliberation explain`: its mode (compiled or
 * per-message fallback, and why), the eliminated form of each group of constraints with existential variables,
 * and the input range the double-based fast path covers.
 */

export interface CheckExplanation {
  readonly kind: 'constraint' | 'eliminated';
  readonly names: readonly string[];
  /** The check as SMT-LIB text over the bindings. */
  readonly text: string;
}

export interface TemplateExplanation {
  readonly template: string;
  readonly mode: TemplateIR['mode'];
  readonly reason?: string;
  readonly tactic?: string;
  readonly compileMillis: number;
  readonly nodes?: number;
  /** Int inputs within ±inputBound (Real inputs with ≤ 3 decimals, scaled) take the double path; else BigInt. */
  readonly fastPath?: { readonly inputBound: number; readonly scale: number } | { readonly unavailable: string };
  readonly checks: readonly CheckExplanation[];
}

export function explainTemplate(ir: TemplateIR): TemplateExplanation {
  if (ir.mode === 'fallback') return { template: ir.template, mode: ir.mode, reason: ir.reason, compileMillis: ir.compileMillis, checks: [] };
  return {
    template: ir.template,
    mode: ir.mode,
    ...(ir.tactic !== undefined ? { tactic: ir.tactic } : {}),
    compileMillis: ir.compileMillis,
    nodes: ir.nodes.length,
    fastPath: planFastPath(ir.nodes),
    checks: ir.checks.map((check) => ({ kind: check.kind, names: check.names, text: prettyTerm(ir.nodes, check.root) })),
  };
}

export async function explainCompiled(policy: DeliberationPolicy, options: CompilePolicyOptions = {}): Promise<TemplateExplanation[]> {
  const compiled = await compileDeliberationPolicy(policy, options);
  return compiled.templates.map(explainTemplate);
}

/** The explanation for people: one block per template. */
export function formatExplanation(revision: string, explanations: readonly TemplateExplanation[]): string[] {
  const lines = [`deliberation policy ${revision}`];
  for (const e of explanations) {
    lines.push('');
    if (e.mode === 'fallback') {
      lines.push(`${e.template}: per message (Z3 on the solver pool) — ${e.reason}`);
      continue;
    }
    const path = e.fastPath === undefined ? '' : 'unavailable' in e.fastPath ? `; exact BigInt evaluation (${e.fastPath.unavailable})` : `; doubles for |Int| ≤ ${e.fastPath.inputBound}, else BigInt`;
    lines.push(`${e.template}: compiled (${e.nodes} nodes, ${e.compileMillis} ms${e.tactic !== undefined ? `, ${e.tactic}` : ''}${path})`);
    for (const check of e.checks) {
      if (check.kind === 'constraint') lines.push(`  ${check.names[0]}: ${check.text}`);
      else lines.push(`  ∃ eliminated [${check.names.join(', ')}] (a denial names these through Z3's unsat core):`, `    ${check.text}`);
    }
  }
  return lines;
}
