// Deliberation compiled at policy load (re-exports only): Z3 eliminates each template's existential variables
// once, and decisions are plain predicates over the bindings.
export { clearCompileCache, compileDeliberationPolicy, loadCompiledPolicy, type CompiledPolicy, type CompilePolicyOptions, type LoadedCompiledPolicy } from './compile-policy.ts';
export { compileTemplateIR, templateHash, type CompileOptions } from './compile-template.ts';
export { explainCompiled, explainTemplate, formatExplanation, type TemplateExplanation } from './explain.ts';
export type { CompiledTemplateIR, FallbackTemplateIR, IrCheck, IrNode, TemplateIR } from './ir.ts';
export { BindingError, compilePredicate, type CompiledDecision, type CompiledPredicate, type PredicateBindings } from './predicate.ts';
