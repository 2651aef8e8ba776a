// Every built-in in OPA's capabilities file (capabilities/v1.20.2.json, less its internal.* entries;
// operators such as `plus` and `eq` are built-ins there too) and how a policy compiled by agentbus
// gets it: native (runtime or planned inline), host (src/rego/host-builtins/ or the SDK's own
// JavaScript), or missing. The table in CONFORMANCE.md.
import { BUILTINS } from '../../src/rego/builtins.ts';
import { parseModule } from '../../src/rego/parser.ts';
import type { Literal, Module, Term } from '../../src/rego/ast.ts';
import type { ConformanceCase } from './runner.ts';

export const OPA_BUILTINS: readonly string[] = [
  'abs', 'all', 'and', 'any', 'array.concat', 'array.flatten', 'array.reverse', 'array.slice', 'assign',
  'base64.decode', 'base64.encode', 'base64.is_valid', 'base64url.decode', 'base64url.encode',
  'base64url.encode_no_pad', 'bits.and', 'bits.lsh', 'bits.negate', 'bits.or', 'bits.rsh', 'bits.xor', 'cast_array',
  'cast_boolean', 'cast_null', 'cast_object', 'cast_set', 'cast_string', 'ceil', 'concat', 'contains', 'count',
  'crypto.hmac.equal', 'crypto.hmac.md5', 'crypto.hmac.sha1', 'crypto.hmac.sha256', 'crypto.hmac.sha512',
  'crypto.md5', 'crypto.parse_private_keys', 'crypto.sha1', 'crypto.sha256',
  'crypto.x509.parse_and_verify_certificates', 'crypto.x509.parse_and_verify_certificates_with_options',
  'crypto.x509.parse_certificate_request', 'crypto.x509.parse_certificates', 'crypto.x509.parse_keypair',
  'crypto.x509.parse_rsa_private_key', 'div', 'endswith', 'eq', 'equal', 'floor', 'format_int', 'glob.match',
  'glob.quote_meta', 'graph.reachable', 'graph.reachable_paths', 'graphql.is_valid', 'graphql.parse',
  'graphql.parse_and_verify', 'graphql.parse_query', 'graphql.parse_schema', 'graphql.schema_is_valid', 'gt', 'gte',
  'hex.decode', 'hex.encode', 'http.send', 'indexof', 'indexof_n', 'intersection', 'io.jwt.decode',
  'io.jwt.decode_verify', 'io.jwt.encode_sign', 'io.jwt.encode_sign_raw', 'io.jwt.verify_eddsa',
  'io.jwt.verify_es256', 'io.jwt.verify_es384', 'io.jwt.verify_es512', 'io.jwt.verify_hs256', 'io.jwt.verify_hs384',
  'io.jwt.verify_hs512', 'io.jwt.verify_ps256', 'io.jwt.verify_ps384', 'io.jwt.verify_ps512', 'io.jwt.verify_rs256',
  'io.jwt.verify_rs384', 'io.jwt.verify_rs512', 'is_array', 'is_boolean', 'is_null', 'is_number', 'is_object',
  'is_set', 'is_string', 'json.filter', 'json.is_valid', 'json.marshal', 'json.marshal_with_options',
  'json.match_schema', 'json.patch', 'json.remove', 'json.unmarshal', 'json.verify_schema', 'lower', 'lt', 'lte',
  'max', 'min', 'minus', 'mul', 'neq', 'net.cidr_contains', 'net.cidr_contains_matches', 'net.cidr_expand',
  'net.cidr_intersects', 'net.cidr_is_valid', 'net.cidr_merge', 'net.cidr_overlap', 'net.lookup_ip_addr',
  'numbers.range', 'numbers.range_step', 'object.filter', 'object.get', 'object.keys', 'object.remove',
  'object.subset', 'object.union', 'object.union_n', 'opa.runtime', 'or', 'plus', 'print', 'product',
  'providers.aws.sign_req', 'rand.intn', 're_match', 'regex.find_all_string_submatch_n', 'regex.find_n',
  'regex.globs_match', 'regex.is_valid', 'regex.match', 'regex.replace', 'regex.split', 'regex.template_match',
  'rego.metadata.chain', 'rego.metadata.rule', 'rego.parse_module', 'rem', 'replace', 'round', 'semver.compare',
  'semver.is_valid', 'set_diff', 'sort', 'split', 'sprintf', 'startswith', 'strings.any_prefix_match',
  'strings.any_suffix_match', 'strings.count', 'strings.render_template', 'strings.replace_n', 'strings.reverse',
  'strings.split_n', 'substring', 'sum', 'time.add_date', 'time.clock', 'time.date', 'time.diff', 'time.format',
  'time.now_ns', 'time.parse_duration_ns', 'time.parse_ns', 'time.parse_rfc3339_ns', 'time.weekday', 'to_number',
  'trace', 'trim', 'trim_left', 'trim_prefix', 'trim_right', 'trim_space', 'trim_suffix', 'type_name', 'union',
  'units.parse', 'units.parse_bytes', 'upper', 'uri.is_valid', 'uri.parse', 'urlquery.decode',
  'urlquery.decode_object', 'urlquery.encode', 'urlquery.encode_object', 'uuid.parse', 'uuid.rfc4122', 'walk',
  'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal',
];

/** Operators OPA lists as built-ins, which the compiler plans inline rather than as calls. */
const INLINE: ReadonlySet<string> = new Set(['assign', 'eq', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte']);

export function builtinCoverageTable(): string {
  const rows = OPA_BUILTINS.map((name) => {
    const b = BUILTINS.get(name);
    const how = INLINE.has(name) || b?.kind === 'planned' ? 'native' : b === undefined ? 'missing' : b.kind;
    return `| \`${name}\` | ${how} |`;
  });
  const count = (kind: string): number => rows.filter((r) => r.endsWith(`| ${kind} |`)).length;
  return `${count('native')} native, ${count('host')} host, ${count('missing')} missing of ${rows.length}.\n\n| built-in | provided |\n|---|---|\n${rows.join('\n')}`;
}

/**
 * The built-ins the corpora's modules and queries call (operators included), to check the table
 * against: user-defined functions and internal.* names are left out. Modules that do not parse
 * here are read as far as the parser gets (none, for those).
 */
export function builtinsCalledBy(cases: readonly ConformanceCase[]): { called: string[]; notInTable: string[] } {
  const called = new Set<string>();
  for (const c of cases) {
    const modules: Module[] = [];
    for (const text of c.modules ?? []) { try { modules.push(parseModule(text, 'm.rego')); } catch { /* outside the subset */ } }
    try { modules.push(parseModule(`package __q\n__q if {\n${c.query}\n}\n`, 'q.rego')); } catch { /* outside the subset */ }
    const functions = new Set(modules.flatMap((m) => m.rules.filter((r) => r.kind === 'function').map((r) => r.name)));
    const visitTerm = (t: Term): void => {
      switch (t.type) {
        case 'call': if (!functions.has(t.name.split('.').pop()!) && !t.name.startsWith('internal.')) called.add(t.name); t.args.forEach(visitTerm); return;
        case 'ref': visitTerm(t.head); t.path.forEach(visitTerm); return;
        case 'array': case 'set': t.items.forEach(visitTerm); return;
        case 'object': t.entries.forEach(([k, v]) => { visitTerm(k); visitTerm(v); }); return;
        case 'arraycomp': case 'setcomp': visitTerm(t.term); t.body.forEach(visitLiteral); return;
        case 'objectcomp': visitTerm(t.key); visitTerm(t.value); t.body.forEach(visitLiteral); return;
        default: return;
      }
    };
    const visitLiteral = (l: Literal): void => {
      switch (l.kind) {
        case 'expr': visitTerm(l.term); return;
        case 'some': return;
        case 'somein': visitTerm(l.collection); return;
        case 'every': visitTerm(l.domain); l.body.forEach(visitLiteral); return;
        case 'with': visitLiteral(l.literal); l.modifiers.forEach((m) => visitTerm(m.value)); return;
      }
    };
    for (const m of modules) for (const r of m.rules) { r.args.forEach(visitTerm); visitTerm(r.value); r.body.forEach(visitLiteral); r.elses.forEach((e) => { visitTerm(e.value); e.body.forEach(visitLiteral); }); }
  }
  const table = new Set(OPA_BUILTINS);
  return { called: [...called].sort(), notInTable: [...called].filter((n) => !table.has(n)).sort() };
}
