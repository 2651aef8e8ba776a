// The prebuilt AssemblyScript runtime (src/rego/runtime/) every compiled policy is linked into.
//
// Where it comes from:
// - the published package ships it built: `npm run build` (run by `prepack`) compiles it next to this
//   module's compiled form, as dist/src/rego/opa-runtime.wasm, and at run time it is only read, so nothing is
//   ever written inside an installed package and the AssemblyScript compiler is not needed there;
// - a source checkout builds it on first use with the AssemblyScript compiler and caches it under build/ by a
//   hash of its sources and flags, so `npm test` needs no prior build step and the runtime is never stale.
//   `npm run build:runtime` warms that cache.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, mkdirSync, existsSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const runningFromSource = import.meta.url.endsWith('.ts');

/** The asset `npm run build` writes beside the compiled form of this module. */
export const SHIPPED_RUNTIME_NAME = 'opa-runtime.wasm';
const SHIPPED_RUNTIME = join(here, SHIPPED_RUNTIME_NAME);

/** The runtime sources: beside this file in src/, or (dist/ built inside a checkout) back in src/. */
const SOURCE_DIR = [join(here, 'runtime'), resolve(here, '../../../src/rego/runtime')].find((dir) => existsSync(join(dir, 'index.ts'))) ?? null;

export const ASC_FLAGS = ['--runtime', 'stub', '--importMemory', '--use', 'abort=', '-O3', '--noAssert', '--memoryBase', '65536'];

function sourceHash(sourceDir: string): string {
  const h = createHash('sha256');
  const require = createRequire(import.meta.url);
  const ascVersion = (require('assemblyscript/package.json') as { version: string }).version;
  h.update(ascVersion + '\0' + ASC_FLAGS.join(' '));
  for (const f of readdirSync(sourceDir).filter((n) => n.endsWith('.ts')).sort()) {
    h.update(f + '\0');
    h.update(readFileSync(join(sourceDir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/** Compiles the runtime sources to `file` (written under a temporary name, then renamed: readers never see half a file). */
function compileRuntime(sourceDir: string, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const require = createRequire(import.meta.url);
  const ascBin = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
  execFileSync(process.execPath, [ascBin, join(sourceDir, 'index.ts'), '-o', tmp, ...ASC_FLAGS], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, file);
}

/** The checkout's cache: build/opa-runtime-<hash of sources>.wasm, built if missing. */
function checkoutRuntimePath(sourceDir: string): string {
  const cacheDir = join(resolve(sourceDir, '../../..'), 'build');
  const file = join(cacheDir, `opa-runtime-${sourceHash(sourceDir)}.wasm`);
  if (!existsSync(file)) {
    compileRuntime(sourceDir, file);
    // Older builds (other source hashes) are dead weight.
    for (const name of readdirSync(cacheDir)) {
      if (/^opa-runtime-[0-9a-f]{16}\.wasm$/.test(name) && join(cacheDir, name) !== file) rmSync(join(cacheDir, name), { force: true });
    }
  }
  return file;
}

let cached: Uint8Array | null = null;

/**
 * Path of the runtime to link policies into. Running from source: the checkout's cache (always matching the
 * sources). Running compiled: the shipped asset; a dist/ built without it inside a checkout falls back to the
 * checkout's cache.
 */
export function runtimeWasmPath(): string {
  if (!runningFromSource && existsSync(SHIPPED_RUNTIME)) return SHIPPED_RUNTIME;
  if (SOURCE_DIR !== null) return checkoutRuntimePath(SOURCE_DIR);
  throw new Error(`the Rego runtime ${SHIPPED_RUNTIME} is missing from this installation (it is built by \`npm run build\` before packing); reinstall agentbus`);
}

export function loadRuntimeWasm(): Uint8Array {
  if (!cached) cached = new Uint8Array(readFileSync(runtimeWasmPath()));
  return cached;
}

// `node --import tsx src/rego/runtime.ts [--out file]` builds the runtime (`npm run build:runtime`), and with
// --out copies it where `npm run build` ships it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (SOURCE_DIR === null) throw new Error('the runtime sources (src/rego/runtime/) are not here');
  const built = checkoutRuntimePath(SOURCE_DIR);
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex === -1 ? undefined : process.argv[outIndex + 1];
  if (out !== undefined) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    copyFileSync(built, resolve(out));
  }
  console.log(out ?? built);
}
