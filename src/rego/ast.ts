// The Rego AST: what the parser produces and the later stages consume.

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Term =
  | { readonly type: 'null'; readonly loc: Location }
  | { readonly type: 'boolean'; readonly value: boolean; readonly loc: Location }
  | { readonly type: 'number'; readonly value: number; readonly text: string; readonly loc: Location }
  | { readonly type: 'string'; readonly value: string; readonly loc: Location }
  | { readonly type: 'var'; readonly name: string; readonly loc: Location }
  /** head[path0][path1]...; `a.b` is stored as a string path element. */
  | { readonly type: 'ref'; readonly head: Term; readonly path: readonly Term[]; readonly loc: Location }
  | { readonly type: 'array'; readonly items: readonly Term[]; readonly loc: Location }
  | { readonly type: 'set'; readonly items: readonly Term[]; readonly loc: Location }
  | { readonly type: 'object'; readonly entries: readonly (readonly [Term, Term])[]; readonly loc: Location }
  | { readonly type: 'arraycomp'; readonly term: Term; readonly body: readonly Literal[]; readonly loc: Location }
  | { readonly type: 'setcomp'; readonly term: Term; readonly body: readonly Literal[]; readonly loc: Location }
  | { readonly type: 'objectcomp'; readonly key: Term; readonly value: Term; readonly body: readonly Literal[]; readonly loc: Location }
  /** Built-in or function call, and every operator: `name` is the built-in name (`plus`, `eq`, `glob.match`, ...). */
  | { readonly type: 'call'; readonly name: string; readonly nameLoc: Location; readonly args: readonly Term[]; readonly loc: Location };

export type Literal =
  | { readonly kind: 'expr'; readonly negated: boolean; readonly term: Term; readonly loc: Location }
  | { readonly kind: 'some'; readonly vars: readonly Term[]; readonly loc: Location }
  | { readonly kind: 'somein'; readonly key: Term | null; readonly value: Term; readonly collection: Term; readonly loc: Location }
  | { readonly kind: 'every'; readonly key: Term | null; readonly value: Term; readonly domain: Term; readonly body: readonly Literal[]; readonly loc: Location }
  /** `literal with target as value ...`: the literal evaluated with input or data replaced. */
  | { readonly kind: 'with'; readonly literal: Literal; readonly modifiers: readonly WithModifier[]; readonly loc: Location };

export interface WithModifier {
  /** `input`, `input.a.b` or `data.x.y` (a var or a ref). */
  readonly target: Term;
  readonly value: Term;
  readonly loc: Location;
}

export type RuleKind = 'complete' | 'partialset' | 'partialobject' | 'function';

export interface ElseClause {
  readonly value: Term;
  readonly body: readonly Literal[];
  readonly loc: Location;
}

/** A `# METADATA` comment block (annotations.ts reads its YAML when a rule asks for it). */
export interface MetadataBlock {
  /** The line of `# METADATA` (1-based). */
  readonly line: number;
  readonly yaml: string;
}

export interface Rule {
  readonly kind: RuleKind;
  readonly name: string;
  readonly isDefault: boolean;
  /** Function parameters (patterns). */
  readonly args: readonly Term[];
  /** Partial object key / partial set element. */
  readonly key: Term | null;
  /** The rule's value (`true` when the head has none). */
  readonly value: Term;
  readonly body: readonly Literal[];
  readonly elses: readonly ElseClause[];
  readonly loc: Location;
  /** The METADATA block right above the rule, if any. */
  readonly metadata?: MetadataBlock;
}

export interface Import {
  /** e.g. ['data', 'x', 'y'] or ['input', 'a']. */
  readonly path: readonly string[];
  readonly alias: string;
  readonly loc: Location;
}

export interface Module {
  readonly file: string;
  readonly packagePath: readonly string[];
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
}

export function formatLocation(loc: Location): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** A compile error that names the place and the construct, so a person can act on it. */
export class RegoCompileError extends Error {
  readonly loc: Location;
  readonly construct: string;
  constructor(loc: Location, construct: string, detail: string) {
    super(`${formatLocation(loc)}: ${detail}`);
    this.name = 'RegoCompileError';
    this.loc = loc;
    this.construct = construct;
  }
}

export function unsupported(loc: Location, construct: string): RegoCompileError {
  return new RegoCompileError(loc, construct, `unsupported: ${construct} is outside the agentbus Rego subset`);
}
