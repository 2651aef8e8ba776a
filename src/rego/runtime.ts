// The prebuilt AssemblyScript runtime (src/rego/runtime/). Built on first use with the
// AssemblyScript compiler and cached under build/ by a hash of its sources and flags, so the
// output is always reproducible from source and never stale. `npm run build:runtime` warms it.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, mkdirSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
/** The runtime sources (resolved from src/ or, in the built package, dist/src/ back to src/). */
const SOURCE_DIR = existsSync(join(here, 'runtime', 'index.ts')) ? join(here, 'runtime') : resolve(here, '../../../src/rego/runtime');
const REPO_ROOT = resolve(SOURCE_DIR, '../../..');
const CACHE_DIR = join(REPO_ROOT, 'build');

export const ASC_FLAGS = ['--runtime', 'stub', '--importMemory', '--use', 'abort=', '-O3', '--noAssert', '--memoryBase', '65536'];

function sourceHash(): string {
  const h = createHash('sha256');
  const require = createRequire(import.meta.url);
  const ascVersion = (require('assemblyscript/package.json') as { version: string }).version;
  h.update(ascVersion + '\0' + ASC_FLAGS.join(' '));
  for (const f of readdirSync(SOURCE_DIR).filter((n) => n.endsWith('.ts')).sort()) {
    h.update(f + '\0');
    h.update(readFileSync(join(SOURCE_DIR, f)));
  }
  return h.digest('hex').slice(0, 16);
}

let cached: Uint8Array | null = null;

/** Path of the cached runtime for the current sources (built if missing). */
export function runtimeWasmPath(): string {
  const file = join(CACHE_DIR, `opa-runtime-${sourceHash()}.wasm`);
  if (!existsSync(file)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const require = createRequire(import.meta.url);
    const ascBin = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
    execFileSync(process.execPath, [ascBin, join(SOURCE_DIR, 'index.ts'), '-o', tmp, ...ASC_FLAGS], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, file);
    // Older builds (other source hashes) are dead weight.
    for (const name of readdirSync(CACHE_DIR)) {
      if (/^opa-runtime-[0-9a-f]{16}\.wasm$/.test(name) && join(CACHE_DIR, name) !== file) rmSync(join(CACHE_DIR, name), { force: true });
    }
  }
  return file;
}

export function loadRuntimeWasm(): Uint8Array {
  if (!cached) cached = new Uint8Array(readFileSync(runtimeWasmPath()));
  return cached;
}

// `node --import tsx src/rego/runtime.ts` builds the runtime (npm run build:runtime).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(runtimeWasmPath());
}

