import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { buildBundle, writeBundle, readBundle, loadPolicySource } from '../../src/rego/bundle.ts';
import { loadPolicySync } from '../../src/rego/sdk.ts';

function policyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-bundle-test-'));
  writeFileSync(join(dir, 'p.rego'), 'package demo\nallow if input.user == data.demo_data.admin\nlimits := data.nested.deep\n');
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ demo_data: { admin: 'ada' } }));
  mkdirSync(join(dir, 'nested', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'deep', 'data.json'), JSON.stringify({ max: 3 }));
  return dir;
}

test('build → write → read a bundle: manifest, wasm, data mounted by directory, sources', (t) => {
  const dir = policyDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = buildBundle(dir, ['demo/allow', 'demo/limits'], { optimize: false });
  const file = join(dir, 'b.tar.gz');
  writeBundle(file, bundle);
  const names: string[] = [];
  tar.t({ file, sync: true, onReadEntry: (e) => { names.push(e.path); } });
  assert.deepEqual(names.sort(), ['.manifest', 'data.json', 'p.rego', 'policy.wasm']);
  const back = readBundle(new Uint8Array(readFileSync(file)));
  assert.deepEqual(back.manifest.wasm, [{ entrypoint: 'demo/allow', module: '/policy.wasm' }, { entrypoint: 'demo/limits', module: '/policy.wasm' }]);
  assert.deepEqual(back.data, { demo_data: { admin: 'ada' }, nested: { deep: { max: 3 } } });
  assert.equal(back.sources.get('/p.rego')?.startsWith('package demo'), true);

  const source = loadPolicySource(file);
  assert.deepEqual(source.entrypoints, ['demo/allow', 'demo/limits']);
  assert.equal(source.revision, bundle.manifest.revision);
  const policy = loadPolicySync(source.module);
  policy.setData(source.data as object);
  assert.deepEqual(policy.evaluate({ user: 'ada' }, 'demo/allow'), [{ result: true }]);
  assert.deepEqual(policy.evaluate({}, 'demo/limits'), [{ result: { max: 3 } }]);
});

test('a bare .wasm and a directory load the same way; nested data.json in a bundle mounts at its path', (t) => {
  const dir = policyDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fromDir = loadPolicySource(dir, { entrypoints: ['demo/allow'] });
  const wasmFile = join(dir, 'policy.wasm');
  writeFileSync(wasmFile, fromDir.wasm);
  const fromWasm = loadPolicySource(wasmFile);
  assert.deepEqual(fromWasm.entrypoints, ['demo/allow']);
  assert.deepEqual(fromWasm.data, {});

  // An OPA-style bundle with entry names starting with '/' and nested data files.
  const staging = mkdtempSync(join(tmpdir(), 'agentbus-opa-style-'));
  t.after(() => rmSync(staging, { recursive: true, force: true }));
  mkdirSync(join(staging, 'x', 'y'), { recursive: true });
  writeFileSync(join(staging, '.manifest'), JSON.stringify({ revision: 'r7', roots: [''], wasm: [{ entrypoint: 'demo/allow', module: '/policy.wasm' }] }));
  writeFileSync(join(staging, 'policy.wasm'), fromDir.wasm);
  writeFileSync(join(staging, 'x', 'y', 'data.json'), '{"z": 1}');
  const file = join(staging, 'opa.tar.gz');
  tar.c({ gzip: true, file, cwd: staging, sync: true, portable: true }, ['.manifest', 'policy.wasm', 'x/y/data.json']);
  const loaded = loadPolicySource(file);
  assert.equal(loaded.revision, 'r7');
  assert.deepEqual(loaded.data, { x: { y: { z: 1 } } });
});

test('something that is not a policy is rejected with a message a person can act on', () => {
  assert.throws(() => loadPolicySource(new Uint8Array([1, 2, 3, 4])), /expected a bundle \(\.tar\.gz\), a \.wasm module or a directory/);
});
