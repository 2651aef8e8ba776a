// The built-in functions the compiler knows: native ones (implemented in the runtime) and host
// ones (called through opa_builtinN: the SDK's JavaScript implementations or customBuiltins).
import { HOST_BUILTINS } from './host-builtins/index.ts';

export interface NativeBuiltin { readonly kind: 'native'; readonly fn: string; readonly arity: number }
/**
 * `wrapped`: one of agentbus's host built-ins (host-builtins/), called by its wrapped name: the
 * result comes as `[value]`, or `[]` when the built-in failed (the call is then undefined).
 */
export interface HostBuiltin { readonly kind: 'host'; readonly arity: number; readonly wrapped?: boolean; readonly guardNestedSets?: boolean }
/** Planned by the compiler itself (rego.metadata.rule: a constant of the calling rule). */
export interface PlannedBuiltin { readonly kind: 'planned'; readonly arity: number }
export type Builtin = NativeBuiltin | HostBuiltin | PlannedBuiltin;

const native = (fn: string, arity: number): NativeBuiltin => ({ kind: 'native', fn, arity });
const host = (arity: number): HostBuiltin => ({ kind: 'host', arity });

const BUILTIN_TABLE = new Map<string, Builtin>([
  ['plus', native('rt_plus', 2)], ['minus', native('rt_minus', 2)], ['mul', native('rt_mul', 2)],
  ['div', native('rt_div', 2)], ['rem', native('rt_rem', 2)], ['or', native('rt_union', 2)], ['and', native('rt_intersect', 2)],
  ['count', native('rt_bi_count', 1)], ['sum', native('rt_bi_sum', 1)], ['product', native('rt_bi_product', 1)],
  ['max', native('rt_bi_max', 1)], ['min', native('rt_bi_min', 1)], ['sort', native('rt_bi_sort', 1)], ['abs', native('rt_bi_abs', 1)],
  ['startswith', native('rt_bi_startswith', 2)], ['endswith', native('rt_bi_endswith', 2)], ['contains', native('rt_bi_contains', 2)],
  ['lower', native('rt_bi_lower', 1)], ['upper', native('rt_bi_upper', 1)], ['concat', native('rt_bi_concat', 2)],
  ['split', native('rt_bi_split', 2)], ['trim_space', native('rt_bi_trim_space', 1)], ['indexof', native('rt_bi_indexof', 2)],
  ['replace', native('rt_bi_replace', 3)],
  ['object.get', native('rt_bi_object_get', 3)], ['object.keys', native('rt_bi_object_keys', 1)],
  ['array.concat', native('rt_bi_array_concat', 2)],
  ['is_number', native('rt_bi_is_number', 1)], ['is_string', native('rt_bi_is_string', 1)], ['is_boolean', native('rt_bi_is_boolean', 1)],
  ['is_array', native('rt_bi_is_array', 1)], ['is_object', native('rt_bi_is_object', 1)], ['is_set', native('rt_bi_is_set', 1)],
  ['is_null', native('rt_bi_is_null', 1)],
  ['glob.match', native('rt_bi_glob_match', 3)],
  ['floor', native('rt_bi_floor', 1)], ['ceil', native('rt_bi_ceil', 1)], ['round', native('rt_bi_round', 1)],
  ['indexof_n', native('rt_bi_indexof_n', 2)], ['strings.count', native('rt_bi_strings_count', 2)],
  ['trim_prefix', native('rt_bi_trim_prefix', 2)], ['trim_suffix', native('rt_bi_trim_suffix', 2)],
  ['trim', native('rt_bi_trim', 2)], ['trim_left', native('rt_bi_trim_left', 2)], ['trim_right', native('rt_bi_trim_right', 2)],
  ['substring', native('rt_bi_substring', 3)], ['strings.split_n', native('rt_bi_strings_split_n', 3)],
  ['format_int', native('rt_bi_format_int', 2)],
  ['type_name', native('rt_bi_type_name', 1)], ['object.subset', native('rt_bi_object_subset', 2)],
  ['union', native('rt_bi_union', 1)], ['intersection', native('rt_bi_intersection', 1)],
  ['array.flatten', native('rt_bi_array_flatten', 1)],
  // walk(x, [path, value]) is a relation: the planner iterates internal.walk(x) (plan-body.ts);
  // `walk` here gives the check pass its arity.
  ['walk', native('rt_bi_walk', 1)], ['internal.walk', native('rt_bi_walk', 1)],
  ['rego.metadata.rule', { kind: 'planned', arity: 0 }],
  // Host built-ins: implemented by the SDK in JavaScript, or supplied by the embedding (time.now_ns).
  ['sprintf', host(2)], ['time.now_ns', host(0)], ['json.is_valid', host(1)],
  ['yaml.marshal', host(1)], ['yaml.unmarshal', host(1)], ['yaml.is_valid', host(1)],
]);
for (const [name, def] of Object.entries(HOST_BUILTINS)) {
  if (!BUILTIN_TABLE.has(name)) BUILTIN_TABLE.set(name, { kind: 'host', arity: def.arity, wrapped: true, guardNestedSets: def.guardNestedSets === true });
}

export const BUILTINS: ReadonlyMap<string, Builtin> = BUILTIN_TABLE;
