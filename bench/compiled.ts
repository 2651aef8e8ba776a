/**
 * The code the bench measures: this checkout compiled to JavaScript, as `npm run build` compiles what users
 * install, not the TypeScript sources run through tsx.
 *
 * The two are not the same program under load. From source, tsx gives the process and every worker thread a
 * module loader of its own, each an extra V8 isolate; about eight seconds after start those idle isolates'
 * memory reducers run full collections whose marking takes both cores for tens of milliseconds, and at half
 * the closed-loop rate that stall alone sets the P99. Measured with the open-loop driver at 94,000 msgs/s,
 * alternating, three rounds each: P99 9.7–403 ms from source, 5.1–6.9 ms compiled.
 *
 * The compiled copy lives in `.bench-build/` (one level below the root, like `dist/`, so the code finds the
 * checkout's `policies/` and Rego runtime as a built package finds its own) and is rebuilt whenever a
 * source file or compiler setting differs from what it was built from: a figure is never of stale code.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const OUT_DIR = '.bench-build';
const TSCONFIG = 'tsconfig.bench.json';
const SOURCE_DIRS = ['src', 'bench', 'examples'];
const HASH_FILE = '.source-hash';

/** Whether this module itself runs compiled (then everything it points at already is). */
const runningCompiled = !import.meta.url.endsWith('.ts');

/** Every input of the compiled copy: the sources it is built from, the compiler settings and the compiler's version. */
function sourceHash(root: string): string {
  const hash = createHash('sha256');
  const require = createRequire(import.meta.url);
  hash.update((require('typescript/package.json') as { version: string }).version + '\0');
  for (const config of ['tsconfig.json', TSCONFIG]) hash.update(readFileSync(join(root, config)));
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        hash.update(relative(root, path) + '\0');
        hash.update(readFileSync(path));
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) visit(join(root, dir));
  return hash.digest('hex');
}

/**
 * Builds the compiled copy of the checkout at `root` unless it is current, and returns its root. Type errors
 * do not stop it (tsc `--noCheck`; `npm run typecheck` is where they are caught): the emitted JavaScript is
 * the same.
 */
export function ensureCompiled(root: string = REPO_ROOT): string {
  if (runningCompiled) return root;
  const out = join(root, OUT_DIR);
  const wanted = sourceHash(root);
  const hashFile = join(out, HASH_FILE);
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8') === wanted) return out;
  // Built beside, then swapped in, so a reader never sees half a build.
  const staging = `${out}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, TSCONFIG), '--noCheck', '--outDir', staging], { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // tsc reports on stdout.
    throw new Error(`compiling the checkout for the bench failed:\n${(error as { stdout?: string }).stdout ?? (error as Error).message}`);
  }
  writeFileSync(join(staging, HASH_FILE), wanted);
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  return out;
}

/** The compiled form of a source module of this checkout, e.g. `new URL('./trial.ts', import.meta.url)`. */
export function compiledModule(source: URL): string {
  const path = relative(REPO_ROOT, fileURLToPath(source)).replace(/\.ts$/, '.js');
  return join(ensureCompiled(), path);
}

/** Runs a bench script's compiled form in a child process with the same terminal; resolves its exit code. */
export function runCompiled(source: URL, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [compiledModule(source), ...args], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
