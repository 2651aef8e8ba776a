// Recursive-descent parser for Rego v1 syntax (the agentbus subset). Constructs outside the
// subset are rejected here when they are syntactic (`with`, ref heads, v0 rule bodies).
import { tokenize, type Token } from './lexer.ts';
import { attachMetadata } from './annotations.ts';
import {
  RegoCompileError, unsupported, type Term, type Literal, type Rule, type Module, type Import,
  type Location, type ElseClause, type RuleKind, type WithModifier,
} from './ast.ts';

const INFIX: Record<string, string> = {
  '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte',
  '|': 'or', '&': 'and', '+': 'plus', '-': 'minus', '*': 'mul', '/': 'div', '%': 'rem',
};
// Binding power, low to high: in < relations < | < & < + - < * / %
const LEVELS: readonly (readonly string[])[] = [
  ['==', '!=', '<', '<=', '>', '>='], ['|'], ['&'], ['+', '-'], ['*', '/', '%'],
];

/**
 * Deepest nesting of brackets, parentheses, unary minus and comprehension bodies the compiler takes.
 * Every later stage walks terms recursively, so a bound here keeps them all off the stack's limit;
 * policies never come near it (OPA's own suite nests a few levels).
 */
export const MAX_NESTING = 200;
/** Longest reference (`a.b[c]...`): later stages keep each prefix of a reference. */
export const MAX_REF_LENGTH = 1000;

class Parser {
  private pos = 0;
  private depth = 0;
  /** Set while parsing the first term after `[` or `{`, where `|` starts a comprehension body. */
  private noUnion = false;
  /** `not { … }` is a body (rego.v2 or future.keywords imported), not the negation of a literal. */
  private notWithBody = false;
  /** The module imports rego.v1 / rego.v2: v0-only readings (a bare `p[x]` as a partial set) are off. */
  private v1Module = false;
  private readonly tokens: Token[];
  constructor(source: string, private readonly file: string) {
    this.tokens = tokenize(source, file);
  }

  private peek(offset = 0): Token { return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!; }
  private next(): Token { return this.tokens[this.pos++]!; }
  private is(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private accept(text: string): boolean { if (this.is(text)) { this.pos++; return true; } return false; }
  private fail(t: Token, message: string): never {
    throw new RegoCompileError(t.loc, 'syntax', `syntax error: ${message}${t.kind === 'eof' ? ' (end of file)' : ` near ${JSON.stringify(t.text)}`}`);
  }
  private expect(text: string): Token {
    const t = this.peek();
    if (!this.is(text)) this.fail(t, `expected ${JSON.stringify(text)}`);
    return this.next();
  }
  private ident(): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, 'expected a name');
    return this.next();
  }

  parseModule(): Module {
    this.expect('package');
    const packagePath = this.dottedName();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.is('import')) {
        const imp = this.parseImport();
        if (imp) imports.push(imp);
        continue;
      }
      rules.push(...this.parseRule());
    }
    return { file: this.file, packagePath, imports, rules };
  }

  private dottedName(): string[] {
    const parts = [this.ident().text];
    while (this.is('.') && !this.peek().newlineBefore) { this.next(); parts.push(this.ident().text); }
    while (this.is('[') && !this.peek().newlineBefore) {
      this.next();
      const s = this.next();
      if (s.kind !== 'string') this.fail(s, 'expected a string in package path');
      parts.push(s.value);
      this.expect(']');
    }
    return parts;
  }

  private parseImport(): Import | null {
    const loc = this.expect('import').loc;
    const path = this.dottedName();
    let alias = path[path.length - 1]!;
    if (this.is('as') && !this.peek().newlineBefore) { this.next(); alias = this.ident().text; }
    // v1 keywords are always on; `not` with a body needs rego.v2 or future.keywords(.not).
    if (path[0] === 'rego' || path[0] === 'future') {
      const name = path.join('.');
      if (name === 'rego.v2' || name === 'future.keywords' || name === 'future.keywords.not') this.notWithBody = true;
      if (name === 'rego.v1' || name === 'rego.v2') this.v1Module = true;
      return null;
    }
    if (path[0] !== 'data' && path[0] !== 'input') throw new RegoCompileError(loc, 'import', 'import must start with data or input');
    return { path, alias, loc };
  }

  private parseRule(): Rule[] {
    const start = this.peek();
    let isDefault = false;
    if (this.is('default')) { this.next(); isDefault = true; }
    const nameTok = this.ident();
    // A ref head with constant parts (`a.b.c := 1`, `p.q.f(x) := …`): the rule sits at that path
    // under the package; its name keeps the dots (rule-tree.ts splits them).
    const parts = [nameTok.text];
    while (this.is('.') && !this.peek().newlineBefore) { this.next(); parts.push(this.ident().text); }
    const name = parts.join('.');
    const loc = nameTok.loc;
    let kind: RuleKind = 'complete';
    let args: Term[] = [];
    let key: Term | null = null;
    if (this.is('(') && !this.peek().newlineBefore) {
      this.next();
      kind = 'function';
      // A trailing comma is allowed (`opa fmt` writes one after the last of several lines).
      while (!this.is(')')) {
        args.push(this.parseTerm());
        if (!this.accept(',')) break;
      }
      this.expect(')');
    } else if (this.is('[') && !this.peek().newlineBefore) {
      this.next();
      key = this.parseTerm();
      this.expect(']');
      kind = 'partialobject';
      if (this.is('[')) throw unsupported(this.peek().loc, 'a nested partial object head (ref heads)');
      // Rego v0: `p[x] { body }` is a partial set.
      if (this.is('{') && !this.peek().newlineBefore) kind = 'partialset';
      // Rego v0: a bare `p[x]` (the next rule on the next line) is an element of partial set p.
      else if (!this.v1Module && (this.peek().kind === 'eof' || this.peek().newlineBefore)) kind = 'partialset';
      else if (!this.is(':=') && !this.is('=')) throw unsupported(this.peek().loc, 'a partial rule head `p[x]` without a value or body');
    } else if (this.is('contains')) {
      this.next();
      key = this.parseTerm();
      kind = 'partialset';
    }
    let value: Term = { type: 'boolean', value: true, loc };
    if (this.is(':=') || this.is('=')) {
      if (kind === 'partialset') this.fail(this.peek(), 'a partial set rule has no value');
      this.next();
      value = this.parseTerm();
    }
    if (isDefault) {
      if (kind !== 'complete' && kind !== 'function') throw new RegoCompileError(start.loc, 'default', 'default rules must be complete rules or functions');
      return [{ kind, name, isDefault, args, key, value, body: [], elses: [], loc }];
    }
    let body: Literal[] = [];
    if (this.is('if')) {
      this.next();
      body = this.parseRuleBody();
    } else if (this.is('{') && !this.peek().newlineBefore) {
      // Rego v0 syntax: a body without `if`.
      this.next();
      body = this.parseLiterals('}');
    }
    const elses: ElseClause[] = [];
    while (this.is('else')) {
      const elseLoc = this.next().loc;
      let elseValue: Term = { type: 'boolean', value: true, loc: elseLoc };
      if (this.is(':=') || this.is('=')) { this.next(); elseValue = this.parseTerm(); }
      let elseBody: Literal[] = [];
      if (this.is('if')) { this.next(); elseBody = this.parseRuleBody(); }
      else if (this.is('{')) { this.next(); elseBody = this.parseLiterals('}'); }
      elses.push({ value: elseValue, body: elseBody, loc: elseLoc });
    }
    if (elses.length > 0 && kind !== 'complete' && kind !== 'function') throw new RegoCompileError(loc, 'else', 'else is only allowed on complete rules and functions');
    const rules: Rule[] = [{ kind, name, isDefault, args, key, value, body, elses, loc }];
    // Rego v0: `p { a } { b }` — further bodies for the same head (rules never start with `{`).
    while (this.is('{') && body.length > 0 && elses.length === 0) {
      const extraLoc = this.next().loc;
      rules.push({ kind, name, isDefault, args, key, value, body: this.parseLiterals('}'), elses: [], loc: extraLoc });
    }
    return rules;
  }

  private parseRuleBody(): Literal[] {
    if (this.is('{')) {
      // `if {` is a body unless it is an object/set literal used as a bare term (not in the subset).
      this.next();
      return this.parseLiterals('}');
    }
    return [this.parseLiteral()];
  }

  /** Literals up to the closing token, separated by `;` or line breaks. */
  private parseLiterals(close: string): Literal[] {
    const saved = this.noUnion;
    this.noUnion = false;
    try { return this.nested(this.tokens[this.pos - 1] ?? this.peek(), () => this.parseLiteralsInner(close)); } finally { this.noUnion = saved; }
  }

  private parseLiteralsInner(close: string): Literal[] {
    const out: Literal[] = [];
    while (!this.is(close)) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), `expected ${JSON.stringify(close)}`);
      out.push(this.parseLiteral());
      if (this.accept(';')) continue;
      if (!this.is(close) && !this.peek().newlineBefore) this.fail(this.peek(), 'expected a line break or ";" between expressions');
    }
    this.next();
    if (out.length === 0) this.fail(this.tokens[this.pos - 1]!, 'empty body');
    return out;
  }

  private parseLiteral(): Literal {
    const lit = this.parseLiteralNoWith();
    const modifiers: WithModifier[] = [];
    while (this.is('with') && !this.peek().newlineBefore) {
      const loc = this.next().loc;
      const target = this.parseTermNoIn();
      this.expect('as');
      modifiers.push({ target, value: this.parseTermNoIn(), loc });
    }
    return modifiers.length === 0 ? lit : { kind: 'with', literal: lit, modifiers, loc: lit.loc };
  }

  private parseLiteralNoWith(): Literal {
    const t = this.peek();
    if (this.is('some')) {
      this.next();
      const first = this.parseTermNoIn();
      if (this.is(',')) {
        const vars = [first];
        while (this.accept(',')) vars.push(this.parseTermNoIn());
        if (this.is('in')) {
          this.next();
          if (vars.length !== 2) this.fail(this.peek(), '`some k, v in c` takes two variables');
          const collection = this.parseBinary(0);
          return { kind: 'somein', key: vars[0]!, value: vars[1]!, collection, loc: t.loc };
        }
        return { kind: 'some', vars, loc: t.loc };
      }
      if (this.is('in')) {
        this.next();
        const collection = this.parseBinary(0);
        return { kind: 'somein', key: null, value: first, collection, loc: t.loc };
      }
      return { kind: 'some', vars: [first], loc: t.loc };
    }
    if (this.is('every')) {
      this.next();
      let key: Term | null = null;
      let value = this.parseTermNoIn();
      if (this.accept(',')) { key = value; value = this.parseTermNoIn(); }
      this.expect('in');
      const domain = this.parseBinary(0);
      this.expect('{');
      const body = this.parseLiterals('}');
      return { kind: 'every', key, value, domain, body, loc: t.loc };
    }
    let negated = false;
    if (this.is('not')) {
      this.next();
      negated = true;
      if (this.is('{')) {
        if (!this.notWithBody) throw unsupported(this.peek().loc, '`not` with a body (rego.v2 / future.keywords.not)');
        return this.notBody(t);
      }
    }
    const term = this.parseExpr();
    return { kind: 'expr', negated, term, loc: t.loc };
  }

  /**
   * `not { a; b }` holds when the body has no solution: planned as `count({true | a; b}) == 0`,
   * so the body's own variables stay local to it and outer ones are read as bound, as a
   * comprehension's are.
   */
  private notBody(not: Token): Literal {
    const open = this.next();
    const body = this.parseLiterals('}');
    const solutions: Term = { type: 'setcomp', term: { type: 'boolean', value: true, loc: open.loc }, body, loc: open.loc };
    const count: Term = { type: 'call', name: 'count', nameLoc: open.loc, args: [solutions], loc: open.loc };
    const zero: Term = { type: 'number', value: 0, text: '0', loc: open.loc };
    return { kind: 'expr', negated: false, term: { type: 'call', name: 'equal', nameLoc: not.loc, args: [count, zero], loc: not.loc }, loc: not.loc };
  }

  /** expr := term (':=' | '=') term | term */
  private parseExpr(): Term {
    const lhs = this.parseMembership();
    if ((this.is(':=') || this.is('=')) && !this.peek().newlineBefore) {
      const op = this.next();
      const rhs = this.parseMembership();
      return { type: 'call', name: op.text === ':=' ? 'assign' : 'eq', nameLoc: op.loc, args: [lhs, rhs], loc: lhs.loc };
    }
    return lhs;
  }

  private parseMembership(): Term {
    let lhs = this.parseBinary(0);
    const depth = this.depth;
    try {
      // `k, v in c` only appears as a whole literal; a bare `,` here ends the term otherwise.
      while (this.is('in') && !this.peek().newlineBefore) {
        const op = this.next();
        this.deeper(op);
        const rhs = this.parseBinary(0);
        lhs = { type: 'call', name: 'internal.member_2', nameLoc: op.loc, args: [lhs, rhs], loc: lhs.loc };
      }
      return lhs;
    } finally { this.depth = depth; }
  }

  private parseTermNoIn(): Term { return this.parseBinary(0); }

  /** A term where `|` is a union again (later items, call arguments, index expressions). */
  private parseInner(): Term {
    return this.parseTermWhere(false);
  }

  /** A term with `|` read as a union (false) or as the start of a comprehension body (true). */
  private parseTermWhere(noUnion: boolean): Term {
    const saved = this.noUnion;
    this.noUnion = noUnion;
    const term = this.parseTerm();
    this.noUnion = saved;
    return term;
  }

  /** A term in a position where `in` membership is allowed (array items, args...). */
  parseTerm(): Term { return this.parseMembership(); }

  private parseBinary(level: number): Term {
    if (level >= LEVELS.length) return this.parseUnary();
    let lhs = this.parseBinary(level + 1);
    const depth = this.depth;
    try {
      while (true) {
        const t = this.peek();
        if (t.kind !== 'punct' || !LEVELS[level]!.includes(t.text) || t.newlineBefore) return lhs;
        if (t.text === '|' && this.noUnion) return lhs;
        this.next();
        // Each operator of a chain nests the terms before it one level deeper (`a + b + c` is `(a + b) + c`).
        this.deeper(t);
        const rhs = this.parseBinary(level + 1);
        lhs = { type: 'call', name: INFIX[t.text]!, nameLoc: t.loc, args: [lhs, rhs], loc: lhs.loc };
      }
    } finally { this.depth = depth; }
  }

  /** One more level of nesting until the enclosing construct's end (which restores the depth). */
  private deeper(at: Token): void {
    if (this.depth >= MAX_NESTING) throw unsupported(at.loc, `nesting deeper than ${MAX_NESTING} levels (brackets, parentheses, operators, unary minus or comprehensions)`);
    this.depth++;
  }

  private parseUnary(): Term {
    const t = this.peek();
    if (this.is('-') && this.peek(1).kind === 'number' && !this.peek(1).newlineBefore) {
      this.next();
      const n = this.next();
      return this.parsePostfix({ type: 'number', value: -Number(n.text), text: '-' + n.text, loc: t.loc });
    }
    if (this.is('-')) {
      this.next();
      const operand = this.nested(t, () => this.parseUnary());
      return { type: 'call', name: 'minus', nameLoc: t.loc, args: [{ type: 'number', value: 0, text: '0', loc: t.loc }, operand], loc: t.loc };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Term {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) return this.nested(t, () => this.parsePrimaryInner());
    return this.parsePrimaryInner();
  }

  /** Parses one nesting level, refusing (with the place) nesting deeper than MAX_NESTING. */
  private nested<T>(at: Token, parse: () => T): T {
    if (this.depth >= MAX_NESTING) {
      throw unsupported(at.loc, `nesting deeper than ${MAX_NESTING} levels (brackets, parentheses, operators, unary minus or comprehensions)`);
    }
    this.depth++;
    try { return parse(); } finally { this.depth--; }
  }

  private parsePrimaryInner(): Term {
    const t = this.next();
    const loc = t.loc;
    if (t.kind === 'number') return { type: 'number', value: Number(t.text), text: t.text, loc };
    if (t.kind === 'string') return { type: 'string', value: t.value, loc };
    if (t.kind === 'ident') {
      if (t.text === 'null') return { type: 'null', loc };
      if (t.text === 'true' || t.text === 'false') return { type: 'boolean', value: t.text === 'true', loc };
      if (t.text === 'set' && this.is('(') && this.is(')', 1)) { this.next(); this.next(); return { type: 'set', items: [], loc }; }
      if (t.text === 'contains' && this.is('(') && !this.peek().newlineBefore) {
        // `contains` is a keyword in rule heads and a built-in function name.
      } else if (['some', 'every', 'not', 'if', 'else', 'contains', 'in', 'package', 'import', 'default', 'with', 'as'].includes(t.text)) {
        this.fail(t, 'unexpected keyword');
      }
      // Calls: name(args) and dotted.name(args)
      let name = t.text;
      let save = this.pos;
      while (this.is('.') && this.peek(1).kind === 'ident' && !this.peek().newlineBefore) { this.pos += 2; name += '.' + this.tokens[this.pos - 1]!.text; }
      if (this.is('(') && !this.peek().newlineBefore) {
        this.next();
        const args: Term[] = [];
        while (!this.is(')')) {
          args.push(this.parseInner());
          if (!this.accept(',')) break;
        }
        this.expect(')');
        return { type: 'call', name, nameLoc: loc, args, loc };
      }
      this.pos = save;
      return { type: 'var', name: t.text, loc };
    }
    if (t.text === '(') {
      const saved = this.noUnion;
      this.noUnion = false;
      const inner = this.parseExpr();
      this.noUnion = saved;
      this.expect(')');
      return inner;
    }
    if (t.text === '[') {
      if (this.accept(']')) return { type: 'array', items: [], loc };
      const first = this.parseFirstInBrackets();
      if (this.accept('|')) return { type: 'arraycomp', term: first, body: this.parseLiterals(']'), loc };
      const items = [first];
      while (this.accept(',')) { if (this.is(']')) break; items.push(this.parseInner()); }
      this.expect(']');
      return { type: 'array', items, loc };
    }
    if (t.text === '{') {
      if (this.accept('}')) return { type: 'object', entries: [], loc };
      const first = this.parseFirstInBrackets();
      if (this.accept(':')) {
        const value = this.parseFirstInBrackets();
        if (this.accept('|')) return { type: 'objectcomp', key: first, value, body: this.parseLiterals('}'), loc };
        const entries: [Term, Term][] = [[first, value]];
        while (this.accept(',')) {
          if (this.is('}')) break;
          const k = this.parseInner();
          this.expect(':');
          entries.push([k, this.parseInner()]);
        }
        this.expect('}');
        return { type: 'object', entries, loc };
      }
      if (this.accept('|')) return { type: 'setcomp', term: first, body: this.parseLiterals('}'), loc };
      const items = [first];
      while (this.accept(',')) { if (this.is('}')) break; items.push(this.parseInner()); }
      this.expect('}');
      return { type: 'set', items, loc };
    }
    this.fail(t, 'expected a term');
  }

  /** The first term inside `[`/`{` (or an object value): `|` there starts a comprehension body. */
  private parseFirstInBrackets(): Term {
    return this.parseTermWhere(true);
  }

  private parsePostfix(term: Term): Term {
    const path: Term[] = [];
    while (!this.peek().newlineBefore) {
      if (this.is('.') && this.peek(1).kind === 'ident') {
        this.next();
        const n = this.next();
        path.push({ type: 'string', value: n.text, loc: n.loc });
      } else if (this.is('[')) {
        const open = this.next();
        path.push(this.nested(open, () => this.parseInner()));
        this.expect(']');
      } else break;
      if (path.length > MAX_REF_LENGTH) throw unsupported(this.peek().loc, `a reference longer than ${MAX_REF_LENGTH} elements`);
    }
    if (path.length === 0) return term;
    if (term.type === 'ref') return { type: 'ref', head: term.head, path: [...term.path, ...path], loc: term.loc };
    return { type: 'ref', head: term, path, loc: term.loc };
  }
}

export function parseModule(source: string, file: string): Module {
  return attachMetadata(new Parser(source, file).parseModule(), source);
}

/** Parses a query such as `data.test.p = x` or `input.x = 1` into body literals. */
export function parseQuery(source: string, file = 'query'): readonly Literal[] {
  return parseModule(`package __query\n__query__ if {\n${source}\n}`, file).rules[0]!.body;
}

export type { Location };
