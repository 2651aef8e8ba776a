import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compilePolicy } from '../../src/rego/build.ts';
import { loadRuntimeWasm } from '../../src/rego/runtime.ts';
import { addInputPathsSection, inputPathTree, readInputPaths, treePaths, INPUT_PATHS_SECTION } from '../../src/rego/input-paths.ts';
import { u32 } from '../../src/rego/wasm-data.ts';

const pathsOf = (text: string, entrypoints = ['t/p']): string[][] | null => {
  const { wasm } = compilePolicy([{ file: 't.rego', text }], { entrypoints });
  const tree = readInputPaths(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  return tree === null ? null : treePaths(tree);
};

test('the smallest tree: a path covers everything below it, the empty path is the whole input', () => {
  assert.deepEqual(treePaths(inputPathTree([['a', 'b'], ['a'], ['c', 'd', 'e'], ['c', 'f']])), [['a'], ['c', 'd', 'e'], ['c', 'f']]);
  assert.deepEqual(treePaths(inputPathTree([['a', 'b'], []])), [[]]);
  assert.deepEqual(treePaths(inputPathTree([])), []);
});

test('the compiler records the constant-key prefix of every input ref the policy can evaluate', () => {
  assert.deepEqual(pathsOf('package t\np if input.a.b == 1\n'), [['a', 'b']]);
  assert.deepEqual(pathsOf('package t\np := input.a[input.k].c\n'), [['a'], ['k']]);
  assert.deepEqual(pathsOf('package t\np if { some v in input.items; v > 1 }\n'), [['items']]);
  assert.deepEqual(pathsOf('package t\nimport input.message as msg\np := msg.from\n'), [['message', 'from']]);
  assert.deepEqual(pathsOf('package t\nf(x) := input.z[x]\np := f("k")\n'), [['z']]);
  assert.deepEqual(pathsOf('package t\np := input.a.b\nq := input\n', ['t/p', 't/q']), [[]]);
  assert.deepEqual(pathsOf('package t\np := [x | some x in input.xs]\n'), [['xs']]);
  assert.deepEqual(pathsOf('package t\np := 1\n'), []);
  // The default policy: what the pipeline may leave out is what it never reads.
  const text = readFileSync(new URL('../../policies/agentbus.rego', import.meta.url), 'utf8');
  assert.deepEqual(pathsOf(text, ['agentbus/decision']), [['expectedHash'], ['message', 'constitutionalHash'], ['message', 'from'],
    ['message', 'metadata', 'blocked'], ['message', 'priority'], ['message', 'tenantId'], ['message', 'to'], ['message', 'type'],
    ['payloadKiB'], ['recipient', 'tenantId'], ['recipient', 'type'], ['sender', 'tenantId']]);
});

test('modules without the section, or with one this version cannot read, give null (the whole input)', () => {
  assert.equal(readInputPaths(new WebAssembly.Module(loadRuntimeWasm() as Uint8Array<ArrayBuffer>)), null);
  const bad = (payload: string): Uint8Array => {
    const name = new TextEncoder().encode(INPUT_PATHS_SECTION);
    const body = [...u32(name.length), ...name, ...new TextEncoder().encode(payload)];
    return Uint8Array.from([...loadRuntimeWasm(), 0, ...u32(body.length), ...body]);
  };
  for (const payload of ['not json', '{"version":2,"paths":[]}', '{"version":1,"paths":[[1]]}', '{"version":1}']) {
    assert.equal(readInputPaths(new WebAssembly.Module(bad(payload) as Uint8Array<ArrayBuffer>)), null, payload);
  }
  // Two sections: ambiguous, so none is trusted.
  const twice = addInputPathsSection(addInputPathsSection(loadRuntimeWasm(), inputPathTree([['a']])), inputPathTree([['b']]));
  assert.equal(readInputPaths(new WebAssembly.Module(twice as Uint8Array<ArrayBuffer>)), null);
});
