// regex.* with RE2 semantics (OPA uses Go's regexp, an RE2): patterns run on re2js, a port of RE2,
// so what JavaScript's RegExp would read differently (lookaround, backreferences, \Z…) is refused
// or read as RE2 reads it, never silently changed. Compiled patterns are kept in a small LRU.
import { RE2JS } from 're2js';
import { LRUCache } from 'lru-cache';
import { BuiltinError, type HostBuiltinTable } from './registry.ts';

const compiled = new LRUCache<string, RE2JS>({ max: 256 });

function compile(name: string, pattern: unknown): RE2JS {
  if (typeof pattern !== 'string') throw new BuiltinError(name, 'pattern must be a string');
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (error) {
      throw new BuiltinError(name, `error parsing regexp: ${(error as Error).message}`);
    }
    compiled.set(pattern, re);
  }
  return re;
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new BuiltinError(name, 'operand must be a string');
  return value;
}

/** Go's FindAllStringSubmatchIndex: up to n matches (n < 0: all); an empty match right after the previous one is skipped. */
function allMatches(re: RE2JS, s: string, n: number): number[][] {
  const out: number[][] = [];
  const m = re.matcher(s);
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === pos && start === end) {
      if (start === prevEnd) accept = false;
      const code = s.codePointAt(pos);
      pos += code !== undefined && code > 0xffff ? 2 : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) {
      const groups: number[] = [];
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.start(g), m.end(g));
      out.push(groups);
    }
  }
  return out;
}

function count(name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new BuiltinError(name, 'n must be an integer');
  return n;
}

export const REGEX_BUILTINS: HostBuiltinTable = {
  'regex.is_valid': {
    arity: 1,
    impl: (pattern: unknown) => {
      if (typeof pattern !== 'string') return false;
      try { RE2JS.compile(pattern); return true; } catch { return false; }
    },
  },
  'regex.match': { arity: 2, impl: (p: unknown, s: unknown) => compile('regex.match', p).matcher(text('regex.match', s)).find() },
  'regex.find_n': {
    arity: 3,
    impl: (p: unknown, s: unknown, n: unknown) => {
      const str = text('regex.find_n', s);
      return allMatches(compile('regex.find_n', p), str, count('regex.find_n', n)).map((g) => str.slice(g[0], g[1]));
    },
  },
  'regex.find_all_string_submatch_n': {
    arity: 3,
    impl: (p: unknown, s: unknown, n: unknown) => {
      const str = text('regex.find_all_string_submatch_n', s);
      return allMatches(compile('regex.find_all_string_submatch_n', p), str, count('regex.find_all_string_submatch_n', n))
        .map((g) => { const row: string[] = []; for (let i = 0; i < g.length; i += 2) row.push(g[i]! < 0 ? '' : str.slice(g[i], g[i + 1])); return row; });
    },
  },
  'regex.replace': {
    arity: 3,
    impl: (s: unknown, p: unknown, replacement: unknown) =>
      compile('regex.replace', p).matcher(text('regex.replace', s)).replaceAll(text('regex.replace', replacement)),
  },
  'regex.split': {
    arity: 2,
    impl: (p: unknown, s: unknown) => {
      // Go's Regexp.Split(s, -1).
      const str = text('regex.split', s);
      const re = compile('regex.split', p);
      if (str === '' && re.pattern() !== '') return [''];
      const parts: string[] = [];
      let beg = 0;
      let end = 0;
      for (const [start, stop] of allMatches(re, str, -1)) {
        end = start!;
        if (stop !== 0) parts.push(str.slice(beg, end));
        beg = stop!;
      }
      if (end !== str.length) parts.push(str.slice(beg));
      return parts;
    },
  },
};
