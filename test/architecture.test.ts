import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The import graph of src/, read from the source text: every `import … from`, `export … from`, and
 * `import('…')`/`tsImport('…')` with a literal path. Data flows one way (api → dispatch → worker → pipeline →
 * delivery) and imports only point down the layers below; this test fails on any arrow that points up.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Layers, lowest first: a file may import files of its own layer or a lower one. Listed by path prefix; the
 * longest matching prefix decides.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['src/errors.ts', 'src/model/'],
  ['src/config.ts', 'src/seeded-random.ts', 'src/metrics/', 'src/workers/entry.ts', 'src/workers/exec-argv.ts', 'src/audit/'],
  ['src/intake/', 'src/rego/', 'src/signature/'],
  ['src/solver/', 'src/permissions/'],
  ['src/pipeline/'],
  ['src/delivery/'],
  ['src/dispatch/wire/', 'src/dispatch/queue/'],
  ['src/dispatch/'],
  ['src/workers/'],
  ['src/bus.ts', 'src/create-bus.ts', 'src/workflow/'],
  ['src/index.ts', 'src/cli.ts', 'src/cli/'],
];

function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((prefixes, layer) => {
    for (const prefix of prefixes) {
      if ((file === prefix || file.startsWith(prefix)) && prefix.length > bestLength) {
        best = layer;
        bestLength = prefix.length;
      }
    }
  });
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    // The AssemblyScript runtime is compiled to wasm on its own; it never imports the TypeScript side.
    if (entry.isDirectory()) {
      if (path !== 'src/rego/runtime') out.push(...sourceFiles(path));
    } else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\btsImport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

/** The repository-relative files a source file imports (bare package names are left out). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    if (!specifier.startsWith('.')) continue;
    out.push(normalize(join(dirname(file), specifier)).replaceAll('\\', '/'));
  }
  return out;
}

const files = sourceFiles('src');
const graph = new Map<string, string[]>(files.map((file) => [file, importsOf(file, readFileSync(join(ROOT, file), 'utf8'))]));

test('the reader of import statements sees static, re-export and dynamic imports', () => {
  const text = "import a from './a.ts';\nexport { b } from '../b.ts';\nconst c = await import('./c/c.ts');\nimport './side.ts';\nimport x from 'pkg';";
  assert.deepEqual(importsOf('src/x/y.ts', text), ['src/x/a.ts', 'src/b.ts', 'src/x/c/c.ts', 'src/x/side.ts']);
});

test('every file of src/ has a layer, and every import resolves to a file of src/', () => {
  const unlayered = files.filter((file) => layerOf(file) < 0);
  assert.deepEqual(unlayered, [], 'files outside every layer');
  const outside: string[] = [];
  for (const [file, imports] of graph) for (const target of imports) if (!graph.has(target)) outside.push(`${file} → ${target}`);
  assert.deepEqual(outside, [], 'src/ imports only src/ (never bench/ or test/), and every path exists');
});

test('imports only point down: no file imports a layer above its own', () => {
  const upward: string[] = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      if (graph.has(target) && layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('the pipeline never imports dispatch, and the model imports nothing but errors.ts', () => {
  const bad: string[] = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      if (file.startsWith('src/pipeline/') && target.startsWith('src/dispatch/')) bad.push(`${file} → ${target}`);
      if (file.startsWith('src/model/') && !target.startsWith('src/model/') && target !== 'src/errors.ts') bad.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no import cycle anywhere in src/', () => {
  // Tarjan's strongly connected components: any component of more than one file (or a self-import) is a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const lowlinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    indices.set(file, index);
    lowlinks.set(file, index);
    index++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!indices.has(target)) {
        visit(target);
        lowlinks.set(file, Math.min(lowlinks.get(file)!, lowlinks.get(target)!));
      } else if (onStack.has(target)) {
        lowlinks.set(file, Math.min(lowlinks.get(file)!, indices.get(target)!));
      }
    }
    if (lowlinks.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});

test('a cycle or an upward import is caught (the checks can fail)', () => {
  assert.ok(layerOf('src/pipeline/policy.ts') < layerOf('src/dispatch/workers.ts'));
  assert.ok(layerOf('src/model/message.ts') < layerOf('src/intake/accept.ts'));
  assert.equal(layerOf('bench/run.ts'), -1);
});
