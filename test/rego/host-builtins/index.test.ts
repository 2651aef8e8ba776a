import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../../src/rego/build.ts';
import { loadPolicySync } from '../../../src/rego/sdk.ts';
import { hostBuiltinImplementations } from '../../../src/rego/host-builtins/index.ts';
import { createPolicyEvaluator } from '../../../src/pipeline/policy.ts';

function evaluate(expr: string, strict = false): unknown {
  const { wasm } = compilePolicy([{ file: 'h.rego', text: `package h\nx := ${expr}\n` }], { entrypoints: ['h/x'], strictBuiltinErrors: strict });
  const policy = loadPolicySync(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), undefined, hostBuiltinImplementations);
  const rs = policy.evaluate({}) as { result: unknown }[];
  return rs.length === 0 ? undefined : rs[0]!.result;
}

test('regex.* reads patterns as RE2 does (OPA uses Go regexp): lookahead is an error, so the call is undefined', () => {
  assert.equal(evaluate('regex.match(`^[a-z]+\\[[0-9]+\\]$`, "foo[1]")'), true);
  assert.equal(evaluate('regex.match(`a(?=b)`, "ab")'), undefined);
  assert.throws(() => evaluate('regex.match(`a(?=b)`, "ab")', true), /regex\.match: error parsing regexp/);
  assert.deepEqual(evaluate('regex.find_n("a.", "paranormal", -1)'), ['ar', 'an', 'al']);
  assert.deepEqual(evaluate('regex.split("^[a-z ]+$", "foobar baz")'), ['', '']);
  assert.equal(evaluate('regex.replace("-wxxy-wy-", "w(x*)y", "[$1]")'), '-[xx]-[]-');
});

test('units.* compute in decimal as OPA does (1.1K is 1100, not 1100.0000000000002)', () => {
  assert.equal(evaluate('units.parse("1.1K")'), 1100);
  assert.equal(evaluate('units.parse("2.5e3K")'), 2500000);
  assert.equal(evaluate('units.parse_bytes("1.5KiB")'), 1536);
  assert.equal(evaluate('units.parse_bytes("12 MB")'), undefined, 'spaces are an error: undefined');
});

test('strings.replace_n replaces in one pass, the empty key once per position', () => {
  assert.equal(evaluate('strings.replace_n({"": "X", "a": "Y"}, "ab")'), 'XYXbX');
  assert.equal(evaluate('strings.replace_n({"a": "b", "b": "a"}, "ab")'), 'ba');
});

test('time.* with IANA zones', () => {
  // 2021-03-28T01:30:00Z: already 03:30 in Paris (summer time began at 01:00 UTC).
  assert.deepEqual(evaluate('time.clock([time.parse_rfc3339_ns("2021-03-28T01:30:00Z"), "Europe/Paris"])'), [3, 30, 0]);
  assert.deepEqual(evaluate('time.date([time.parse_rfc3339_ns("2021-03-28T01:30:00Z"), "America/Los_Angeles"])'), [2021, 3, 27]);
  assert.equal(evaluate('time.weekday(0)'), 'Thursday');
  assert.equal(evaluate('time.parse_duration_ns("1h30m")'), 5.4e12);
});

test('objects, numbers, encodings, semver, cidr, hashes', () => {
  assert.deepEqual(evaluate('object.union({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}})'), { a: { b: 3, c: 2 } });
  assert.deepEqual(evaluate('object.remove({"a": 1, "b": 2}, {"a"})'), { b: 2 });
  assert.deepEqual(evaluate('numbers.range(3, 1)'), [3, 2, 1]);
  assert.deepEqual(evaluate('array.slice([1, 2, 3, 4], -1, 2)'), [1, 2]);
  assert.equal(evaluate('semver.compare("1.2.3", "1.10.0")'), -1);
  assert.equal(evaluate('net.cidr_contains("10.0.0.0/8", "10.1.2.3")'), true);
  assert.equal(evaluate('net.cidr_contains("10.0.0.0/8", "11.0.0.0/16")'), false);
  assert.equal(evaluate('crypto.sha256("abc")'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(evaluate('base64url.encode_no_pad("hi?")'), 'aGk_');
  assert.equal(evaluate('urlquery.encode("a b&c")'), 'a+b%26c');
});

test('json.match_schema reports errors in OPA\'s shape', () => {
  assert.deepEqual(evaluate('json.match_schema({"id": "foo"}, {"properties": {"id": {"type": "integer"}}, "required": ["id"]})'), [false, [{
    desc: 'Invalid type. Expected: integer, given: string', error: 'id: Invalid type. Expected: integer, given: string', field: 'id', type: 'invalid_type',
  }]]);
});

test('the policy stage supplies the host built-ins to modules that call them by their OPA names (as opa build -t wasm emits)', () => {
  const { wasm } = compilePolicy([{
    file: 'd.rego',
    text: 'package agentbus\n\ndefault decision := false\n\ndecision if {\n  [ok, _] := json.match_schema(input, {"required": ["id"]})\n  ok\n  regex.match("^[a-z]+$", input.id)\n}\n',
  }], { entrypoints: ['agentbus/decision'], hostBuiltins: { 'json.match_schema': 2, 'regex.match': 2 }, strictBuiltinErrors: true });
  const evaluator = createPolicyEvaluator({ module: new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), revision: 'r', cache: false });
  assert.deepEqual(evaluator.evaluate({ id: 'abc' }), { allowed: true });
  assert.equal(evaluator.evaluate({ id: 'ABC' }).allowed, false);
  assert.equal(evaluator.evaluate({}).allowed, false);
});
