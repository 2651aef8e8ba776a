// OPA bundles (tar.gz: /.manifest, /policy.wasm, /data.json, nested x/y/data.json mounted at
// data.x.y, the .rego sources) and bare .wasm modules; plus a directory of .rego + data.json,
// compiled here. loadPolicySource() is what the bus calls once on the main thread: it returns a
// compiled WebAssembly.Module that every worker instantiates with the SDK.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import * as tar from 'tar';
import { loadPolicySync } from './sdk.ts';
import { isBatchEntrypoint } from './batch-entrypoint.ts';
import { compilePolicy, type RegoSource } from './build.ts';

export const DEFAULT_ENTRYPOINT = 'agentbus/decision';

export interface BundleManifest {
  revision: string;
  roots: string[];
  rego_version?: number;
  wasm?: { entrypoint: string; module: string }[];
  metadata?: Record<string, unknown>;
}

export interface Bundle {
  readonly manifest: BundleManifest;
  readonly wasm: Uint8Array;
  readonly data: Record<string, unknown>;
  /** .rego sources carried in the bundle (path → text), for people reading it. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface PolicySource {
  readonly module: WebAssembly.Module;
  readonly wasm: Uint8Array;
  readonly data: Record<string, unknown>;
  readonly entrypoints: readonly string[];
  /** Identifies the policy for decision caches: the manifest revision, else a content hash. */
  readonly revision: string;
}

export interface LoadOptions {
  /** Entrypoints when compiling a directory (default: agentbus/decision). */
  readonly entrypoints?: readonly string[];
}

const GZIP = [0x1f, 0x8b];
const WASM = [0x00, 0x61, 0x73, 0x6d];
const startsWith = (b: Uint8Array, magic: number[]): boolean => magic.every((x, i) => b[i] === x);

/** Mounts `value` at `path` (e.g. ['x','y']) inside `into`, merging objects. */
function mount(into: Record<string, unknown>, path: readonly string[], value: unknown): void {
  if (path.length === 0) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the root data.json must hold an object');
    for (const [k, v] of Object.entries(value)) mount(into, [k], v);
    return;
  }
  let cur = into;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (next === undefined) cur[seg] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new Error(`data conflict at ${path.join('.')}`);
    cur = cur[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  const prev = cur[last];
  if (prev !== undefined && prev !== null && typeof prev === 'object' && !Array.isArray(prev) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) mount(prev as Record<string, unknown>, [k], v);
  } else cur[last] = value;
}

/** Reads an OPA bundle (tar.gz) from memory. */
export function readBundle(gz: Uint8Array): Bundle {
  const files = new Map<string, Buffer>();
  const parser = new tar.Parser();
  parser.on('entry', (entry: tar.ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => {
      if (entry.type === 'File' || entry.type === 'OldFile') files.set('/' + entry.path.replace(/^\/+|^\.\//g, ''), Buffer.concat(chunks));
    });
  });
  parser.end(gunzipSync(gz));
  const manifestText = files.get('/.manifest');
  const manifest: BundleManifest = manifestText ? JSON.parse(manifestText.toString('utf8')) : { revision: '', roots: [''] };
  const wasmPath = manifest.wasm?.[0]?.module ?? '/policy.wasm';
  const wasm = files.get(wasmPath.startsWith('/') ? wasmPath : '/' + wasmPath);
  if (!wasm) throw new Error(`bundle has no ${wasmPath}: build it with \`agentbus policy build\` (or opa build -t wasm)`);
  const data: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const [path, content] of [...files].sort(([a], [b]) => a.split('/').length - b.split('/').length)) {
    if (path.endsWith('/data.json')) {
      const dir = path.slice(1, -'data.json'.length).split('/').filter((s) => s.length > 0);
      mount(data, dir, JSON.parse(content.toString('utf8')));
    } else if (path.endsWith('.rego')) sources.set(path, content.toString('utf8'));
  }
  return { manifest, wasm: new Uint8Array(wasm), data, sources };
}

/** Writes an OPA bundle (tar.gz) to `file`. */
export function writeBundle(file: string, bundle: Bundle): void {
  const dir = mkdtempSync(join(tmpdir(), 'agentbus-bundle-'));
  try {
    const names: string[] = ['.manifest', 'policy.wasm', 'data.json'];
    writeFileSync(join(dir, '.manifest'), JSON.stringify(bundle.manifest));
    writeFileSync(join(dir, 'policy.wasm'), bundle.wasm);
    writeFileSync(join(dir, 'data.json'), JSON.stringify(bundle.data));
    for (const [path, text] of bundle.sources) {
      const rel = path.replace(/^\/+/, '');
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
      names.push(rel);
    }
    tar.c({ gzip: true, portable: true, file, cwd: dir, sync: true, noDirRecurse: true }, names);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PolicyDirectory {
  readonly sources: RegoSource[];
  readonly data: Record<string, unknown>;
}

/** Reads every .rego file and data.json (mounted at its directory's path) under `dir`. */
export function readPolicyDirectory(dir: string): PolicyDirectory {
  const sources: RegoSource[] = [];
  const data: Record<string, unknown> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const rel = relative(dir, p);
      if (name.endsWith('.rego')) sources.push({ file: p, text: readFileSync(p, 'utf8') });
      else if (name === 'data.json') {
        const mountPath = relative(dir, d).split(sep).filter((s) => s.length > 0);
        try {
          mount(data, mountPath, JSON.parse(readFileSync(p, 'utf8')));
        } catch (err) {
          throw new Error(`${rel}: ${(err as Error).message}`);
        }
      }
    }
  };
  walk(dir);
  if (sources.length === 0) throw new Error(`${dir}: no .rego files found`);
  return { sources, data };
}

export function contentRevision(wasm: Uint8Array, data: unknown): string {
  return createHash('sha256').update(wasm).update(JSON.stringify(data)).digest('hex').slice(0, 16);
}

/** Compiles a policy directory into a bundle (not yet written). */
export function buildBundle(dir: string, entrypoints: readonly string[] = [DEFAULT_ENTRYPOINT], options: { optimize?: boolean; revision?: string } = {}): Bundle {
  const { sources, data } = readPolicyDirectory(dir);
  const { wasm, entrypoints: eps } = compilePolicy(sources, { entrypoints, optimize: options.optimize ?? true });
  const revision = options.revision ?? contentRevision(wasm, data);
  const manifest: BundleManifest = {
    revision, roots: [''], rego_version: 1,
    wasm: eps.map((e) => ({ entrypoint: e, module: '/policy.wasm' })),
  };
  const bundleSources = new Map(sources.map((s) => ['/' + relative(dir, s.file).split(sep).join('/'), s.text] as const));
  return { manifest, wasm, data, sources: bundleSources };
}

/**
 * Entrypoints a module declares, in id order (read through the SDK, as a worker would load it), less
 * the batch twins, which are plumbing rather than rules.
 */
export function moduleEntrypoints(module: WebAssembly.Module): string[] {
  const map = loadPolicySync(module).entrypoints as Record<string, number>;
  return Object.entries(map).filter(([k]) => !isBatchEntrypoint(k)).sort(([, a], [, b]) => a - b).map(([k]) => k);
}

/**
 * Loads a policy from a bundle (.tar.gz), a bare .wasm (file or bytes), or a directory of
 * .rego + data.json (compiled here).
 */
export function loadPolicySource(source: string | Uint8Array, options: LoadOptions = {}): PolicySource {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    if (statSync(source).isDirectory()) {
      const bundle = buildBundle(source, options.entrypoints ?? [DEFAULT_ENTRYPOINT]);
      return fromBundle(bundle);
    }
    bytes = new Uint8Array(readFileSync(source));
  } else bytes = source;
  if (startsWith(bytes, GZIP)) return fromBundle(readBundle(bytes));
  if (startsWith(bytes, WASM)) {
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    return { module, wasm: bytes, data: {}, entrypoints: moduleEntrypoints(module), revision: contentRevision(bytes, {}) };
  }
  throw new Error('not a policy: expected a bundle (.tar.gz), a .wasm module or a directory of .rego files');
}

function fromBundle(bundle: Bundle): PolicySource {
  const module = new WebAssembly.Module(bundle.wasm as Uint8Array<ArrayBuffer>);
  const entrypoints = moduleEntrypoints(module);
  return { module, wasm: bundle.wasm, data: bundle.data, entrypoints, revision: bundle.manifest.revision || contentRevision(bundle.wasm, bundle.data) };
}
