/**
 * Permission rules as languages of flat strings, so "does B cover A" becomes language inclusion.
 *
 * A tool rule `Tool(arg)` denotes the strings `Tool(<arg matched by the pattern>)`; a bare `Tool` denotes
 * every use of the tool, `Tool(<anything>)`. A plain glob denotes the paths it matches. Pattern semantics:
 *
 * - paths (Read, Edit, Write, … and plain globs): `**` any characters, `*` any characters except `/`, `?` one
 *   character except `/`;
 * - `Bash(cmd:*)`: the command `cmd` alone or followed by a space and anything (`git:*` admits `git status`,
 *   not `gitk`); any other `*` in a Bash rule is any characters;
 * - `WebFetch(domain:…)`: `*` any characters except `/` (a domain has none);
 * - other tools' arguments: `*` any characters.
 *
 * A rule is a union of globs ("alternatives"): `Bash(git:*)` is `Bash(git)` ∪ `Bash(git **)`.
 */

/** A glob token: a literal UTF-16 code unit (≥ 0), or one of the wildcards below. */
export const ANY_NO_SLASH = -1;
export const ANY = -2;
export const ONE_NO_SLASH = -3;
export type GlobToken = number;
export type Glob = readonly GlobToken[];

export interface PermissionRule {
  /** The rule as written in the input. */
  readonly source: string;
  /** Tool name, or null for a plain glob. */
  readonly tool: string | null;
  readonly alternatives: readonly Glob[];
  /** Longest literal prefix shared by all alternatives: two rules can overlap only if one prefix extends the other. */
  readonly prefix: string;
}

const PATH_TOOLS = new Set(['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'NotebookRead', 'Glob', 'Grep', 'LS']);
const TOOL_RULE = /^([A-Za-z_][A-Za-z0-9_.*-]*)\((.*)\)$/s;
const BARE_TOOL = /^[A-Za-z_][A-Za-z0-9_.*-]*$/;

function literal(text: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < text.length; i++) tokens.push(text.charCodeAt(i));
  return tokens;
}

/** Path glob: `**` → ANY, `*` → ANY_NO_SLASH, `?` → ONE_NO_SLASH. */
export function pathGlob(text: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*' && text[i + 1] === '*') {
      while (text[i + 1] === '*') i++;
      tokens.push(ANY);
    } else if (c === '*') tokens.push(ANY_NO_SLASH);
    else if (c === '?') tokens.push(ONE_NO_SLASH);
    else tokens.push(text.charCodeAt(i));
  }
  return collapse(tokens);
}

/** Every `*` (or run of them) → ANY. */
function anyGlob(text: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '*') {
      while (text[i + 1] === '*') i++;
      tokens.push(ANY);
    } else tokens.push(text.charCodeAt(i));
  }
  return tokens;
}

/** Adjacent wildcards where one absorbs the other are merged (keeps the DP and the regexes small). */
function collapse(tokens: GlobToken[]): GlobToken[] {
  const out: GlobToken[] = [];
  for (const token of tokens) {
    const last = out[out.length - 1];
    if ((token === ANY || token === ANY_NO_SLASH) && (last === ANY || last === ANY_NO_SLASH)) {
      out[out.length - 1] = token === ANY || last === ANY ? ANY : ANY_NO_SLASH;
    } else out.push(token);
  }
  return out;
}

function wrap(tool: string, inner: GlobToken[]): Glob {
  return collapse([...toolName(tool), 40 /* ( */, ...inner, 41 /* ) */]);
}

/** A tool name may itself contain `*` (`mcp__linear__*`): any characters except `(`, approximated as ANY_NO_SLASH. */
function toolName(tool: string): GlobToken[] {
  return tool.split('').map((c) => (c === '*' ? ANY_NO_SLASH : c.charCodeAt(0)));
}

function argumentAlternatives(tool: string, arg: string): Glob[] {
  if (tool === 'Bash') {
    if (arg.endsWith(':*')) {
      const command = anyGlob(arg.slice(0, -2));
      return [wrap(tool, command), wrap(tool, [...command, 32, ANY])];
    }
    return [wrap(tool, anyGlob(arg))];
  }
  if (tool === 'WebFetch' && arg.startsWith('domain:')) return [wrap(tool, [...literal('domain:'), ...pathGlob(arg.slice(7)).map((t) => (t === ANY ? ANY_NO_SLASH : t))])];
  if (PATH_TOOLS.has(tool)) return [wrap(tool, pathGlob(arg))];
  return [wrap(tool, anyGlob(arg))];
}

function literalPrefix(glob: Glob): string {
  let prefix = '';
  for (const token of glob) {
    if (token < 0) break;
    prefix += String.fromCharCode(token);
  }
  return prefix;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

export type RuleMode = 'settings' | 'globs';

/** Parses one entry. In `settings` mode a bare word is a tool name; in `globs` mode every entry is a path glob. */
export function parseRule(source: string, mode: RuleMode): PermissionRule {
  let tool: string | null = null;
  let alternatives: Glob[];
  const match = mode === 'settings' ? TOOL_RULE.exec(source) : null;
  if (match !== null) {
    tool = match[1] as string;
    alternatives = argumentAlternatives(tool, match[2] as string);
  } else if (mode === 'settings' && BARE_TOOL.test(source)) {
    tool = source;
    alternatives = [wrap(source, [ANY])];
  } else {
    alternatives = [pathGlob(source)];
  }
  const prefixes = alternatives.map(literalPrefix);
  const prefix = prefixes.reduce(commonPrefix);
  return { source, tool, alternatives, prefix };
}

/** `settings` when any entry is written `Tool(…)`, else `globs`. */
export function detectMode(entries: readonly string[]): RuleMode {
  return entries.some((entry) => TOOL_RULE.test(entry)) ? 'settings' : 'globs';
}

/** True when some string could start with both prefixes (one extends the other): the rules may overlap. */
export function prefixesCompatible(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}
