// The deliberation stage's public surface (re-exports only).
export { createDeliberation, type Deliberation, type DeliberationDecision, type DeliberationOptions, type DeliberationStats } from './deliberation.ts';
export type { DeliberationContext } from './bindings.ts';
export { DEFAULT_POLICY_URL, loadDeliberationPolicy, parseDeliberationPolicy, PolicyError, type DeliberationPolicy, type TemplateSpec } from './policy.ts';
export { formatStaticCheckReport, type StaticCheckReport, type StaticCheckResult } from './static-checks.ts';
export { compileZ3Module } from './z3-module.ts';
