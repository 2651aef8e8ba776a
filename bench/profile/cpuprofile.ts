/**
 * Reads V8 `.cpuprofile` files (what `node --cpu-prof` writes, one per thread) and ranks functions by self
 * time: the time the sampled stack had that function on top.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs between consecutive samples; `timeDeltas[i]` is the gap before `samples[i]`. */
  timeDeltas: number[];
}

export interface SelfTime {
  /** `name (file:line)`, or a V8 pseudo-frame such as `(garbage collector)`. */
  function: string;
  selfMs: number;
  /** Share of the thread's busy time (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  top: SelfTime[];
}

/** Pseudo-frames that are not work: the thread was waiting. */
const IDLE_FRAMES = new Set(['(idle)']);

function shortUrl(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const marker = path.lastIndexOf('/node_modules/');
  if (marker !== -1) return path.slice(marker + 1);
  for (const root of ['/src/', '/workers/', '/bench/']) {
    const at = path.lastIndexOf(root);
    if (at !== -1) return path.slice(at + 1);
  }
  return path.startsWith('node:') ? path : path.split('/').slice(-2).join('/');
}

export function frameLabel(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  // tsx compiles TypeScript without line-preserving output, so a .ts line number would mislead: omit it.
  if (url.endsWith('.ts')) return `${name} (${shortUrl(url)})`;
  // V8 line numbers are 0-based; editors count from 1.
  return `${name} (${shortUrl(url)}:${lineNumber + 1})`;
}

/**
 * Self time per function, optionally only for samples taken in `window` (µs on the profile's clock, the
 * monotonic clock `process.hrtime` reads). Sample i lasts until sample i+1 (the next delta); the last sample gets the mean
 * gap. Frames with the same label (a function's several inlining contexts) are added together.
 */
export function summariseProfile(profile: CpuProfile, topN = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const n = profile.samples.length;
  const meanGap = n > 1 ? profile.timeDeltas.slice(1).reduce((a, b) => a + b, 0) / (n - 1) : 0;
  let totalUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < n; i++) {
    at += profile.timeDeltas[i]!;
    // Only the measured window when one is given (start-up, module loading and warm-up are left out).
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
    const duration = Math.max(0, i + 1 < n ? profile.timeDeltas[i + 1]! : meanGap);
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    const label = frameLabel(node);
    totalUs += duration;
    if (IDLE_FRAMES.has(label)) {
      idleUs += duration;
      continue;
    }
    selfUs.set(label, (selfUs.get(label) ?? 0) + duration);
  }
  const busyUs = totalUs - idleUs;
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, us]) => ({ function: fn, selfMs: Math.round(us / 10) / 100, percent: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0 }));
  return { totalMs: Math.round(totalUs / 1000), idleMs: Math.round(idleUs / 1000), busyMs: Math.round(busyUs / 1000), top };
}

/** Which thread wrote a profile: the thread id is in the file name (`CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile`); 0 is the main thread. */
export function threadIdOf(fileName: string): number | null {
  const match = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/** A name for the thread, from the code it ran. */
export function threadRole(profile: CpuProfile, threadId: number | null): string {
  if (threadId === 0) return 'main thread';
  const urls = profile.nodes.map((n) => n.callFrame.url);
  if (urls.some((u) => u.includes('workers/validator'))) return 'validation worker';
  if (urls.some((u) => u.includes('solver'))) return 'solver worker';
  if (urls.some((u) => u.includes('piscina-worker'))) return 'Piscina peer worker';
  return threadId === null ? 'thread' : `worker thread ${threadId}`;
}
