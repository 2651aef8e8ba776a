// Tokens of Rego source text. Newlines matter (they separate body literals), so every
// token records whether a line break came before it.
import { RegoCompileError, type Location } from './ast.ts';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Decoded value for strings. */
  readonly value: string;
  readonly loc: Location;
  readonly newlineBefore: boolean;
}

const PUNCTS = [':=', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '%', '|', '&', '(', ')', '[', ']', '{', '}', ',', ';', ':', '.'];

export function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let newline = false;
  const loc = (at: number): Location => ({ file, line, col: at - lineStart + 1 });
  const fail = (at: number, message: string): never => {
    throw new RegoCompileError(loc(at), 'syntax', `syntax error: ${message}`);
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') { i++; line++; lineStart = i; newline = true; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < source.length && source[i] !== '\n') i++; continue; }
    const start = i;
    const at = loc(i);
    if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i]!)) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: 'ident', text, value: text, loc: at, newlineBefore: newline });
    } else if (/[0-9]/.test(c)) {
      while (i < source.length && /[0-9]/.test(source[i]!)) i++;
      if (source[i] === '.' && /[0-9]/.test(source[i + 1] ?? '')) { i++; while (/[0-9]/.test(source[i] ?? '')) i++; }
      if (source[i] === 'e' || source[i] === 'E') {
        let j = i + 1;
        if (source[j] === '+' || source[j] === '-') j++;
        if (/[0-9]/.test(source[j] ?? '')) { i = j; while (/[0-9]/.test(source[i] ?? '')) i++; }
      }
      const text = source.slice(start, i);
      tokens.push({ kind: 'number', text, value: text, loc: at, newlineBefore: newline });
    } else if (c === '"') {
      i++;
      let value = '';
      while (true) {
        if (i >= source.length || source[i] === '\n') fail(start, 'unterminated string');
        const ch = source[i]!;
        if (ch === '"') { i++; break; }
        if (ch === '\\') {
          const e = source[i + 1];
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };
          if (e !== undefined && simple[e] !== undefined) { value += simple[e]; i += 2; continue; }
          if (e === 'u') {
            const hex = source.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i, 'bad \\u escape');
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          fail(i, `bad escape \\${e ?? ''}`);
        }
        value += ch;
        i++;
      }
      // Re-pair surrogates written as two \u escapes.
      tokens.push({ kind: 'string', text: source.slice(start, i), value, loc: at, newlineBefore: newline });
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) fail(start, 'unterminated raw string');
      const value = source.slice(i + 1, end);
      for (const ch of value) if (ch === '\n') { line++; }
      if (value.includes('\n')) lineStart = start + 1 + value.lastIndexOf('\n') + 1;
      i = end + 1;
      tokens.push({ kind: 'string', text: source.slice(start, i), value, loc: at, newlineBefore: newline });
    } else {
      const p = PUNCTS.find((x) => source.startsWith(x, i));
      if (p === undefined) fail(i, `unexpected character ${JSON.stringify(c)}`);
      i += p!.length;
      tokens.push({ kind: 'punct', text: p!, value: p!, loc: at, newlineBefore: newline });
    }
    newline = false;
  }
  tokens.push({ kind: 'eof', text: '', value: '', loc: loc(i), newlineBefore: true });
  return tokens;
}
