// What body planning needs from the policy being planned (constants, messages, host built-in ids,
// the functions of rule groups, data resolution), as an interface: plan.ts implements it and
// plan-body.ts uses it, so neither imports the other's module in both directions.
import type { Location } from './ast.ts';
import type { ConstValue, Operand } from './ir.ts';
import type { RuleGroup, TreeNode } from './rule-tree.ts';

/** The two ways a data ref ends up being read: a rule/package function, or base data. */
export interface DataAccess {
  /**
   * Planning under `with` (or inside a function planned for it): rule values depend on the
   * replaced input or data, so calls go to variants that neither read nor fill the memo.
   */
  readonly noMemo: boolean;
  /** Emits a call to a rule/package function and returns its (defined) value. */
  callFunction(fn: string, loc: Location): Operand;
  /** Walks base data from the `data` parameter. */
  baseData(path: readonly string[]): Operand;
}

export interface PlanContext {
  /** Host built-ins the embedding supplies beyond agentbus's own (name → arity). */
  readonly extraHostBuiltins: Readonly<Record<string, number>>;
  /** OPA's strict-builtin-errors: a built-in error fails the evaluation instead of making the call undefined. */
  readonly strictBuiltinErrors: boolean;
  /** Constant-key prefixes of every input ref planned (see input-path-tree.ts). */
  readonly inputPaths: string[][];
  constant(c: ConstValue): number;
  /** An i32 immediate (travels as a number constant with a marker the emitter reads). */
  i32(n: number): Operand;
  message(loc: Location, text: string): number;
  hostBuiltin(name: string): number;
  /** The IR function computing a rule group (planned lazily, once; `noMemo`: see DataAccess). */
  functionFor(group: RuleGroup, noMemo?: boolean): string;
  /** The rule tree (packages and rule groups by path). */
  readonly tree: TreeNode;
  /** Resolves `data.<path>` statically: a rule, a package document, or base data. */
  resolveData(path: readonly string[], loc: Location, access: DataAccess): { value: Operand; rest: string[] };
}
