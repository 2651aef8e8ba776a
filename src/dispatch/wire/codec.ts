import { ErrorCode, type ErrorCode as Code } from '../../errors.ts';

/**
 * What crosses the rings besides envelopes (envelope.ts): record kinds, payloads, control values, verdicts.
 *
 * Responses: one record per worker drain, fixed-layout binary (no msgpack), because the main thread is the
 * bottleneck and reads every verdict: 24 bytes per verdict, plus UTF-8 reasons for rejections.
 */
export const RecordKind = {
  MESSAGES: 1,
  REGISTRY: 2,
  STOP: 3,
  VERDICTS: 4,
  POLICY: 5,
} as const;

/** Error codes as small integers on the wire; 0 means allowed. Append only: the index is the wire value. */
const WIRE_CODES: readonly (Code | null)[] = [
  null,
  ErrorCode.INVALID_MESSAGE,
  ErrorCode.HASH_MISMATCH,
  ErrorCode.TENANT,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.PAYLOAD_TOO_DEEP,
  ErrorCode.EXPIRED,
  ErrorCode.UNKNOWN_AGENT,
  ErrorCode.POLICY_DENIED,
  ErrorCode.POLICY_ERROR,
  ErrorCode.DELIBERATION_DENIED,
  ErrorCode.DELIBERATION_ERROR,
  ErrorCode.OVERLOADED,
  ErrorCode.POISON_MESSAGE,
  ErrorCode.HANDLER,
  ErrorCode.CLOSED,
  ErrorCode.INTERNAL,
  ErrorCode.CONFIG,
  ErrorCode.TIMEOUT,
  ErrorCode.UNAVAILABLE,
];
const WIRE_INDEX = new Map<Code, number>(WIRE_CODES.map((code, index) => [code as Code, index]));

export function codeToWire(code: Code | null): number {
  if (code === null) return 0;
  return WIRE_INDEX.get(code) ?? WIRE_INDEX.get(ErrorCode.INTERNAL)!;
}

export function wireToCode(wire: number): Code | null {
  if (wire === 0) return null;
  return WIRE_CODES[wire] ?? ErrorCode.INTERNAL;
}

/** One worker verdict. */
export interface Verdict {
  slot: number;
  generation: number;
  code: Code | null;
  reasons: readonly string[];
  impact: number;
  /** Microseconds from `send()` until the worker picked the message up. */
  queuedUs: number;
  /** Microseconds the pipeline took in the worker. */
  pipelineUs: number;
}

const VERDICT_HEADER = 24;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });
const REASON_SEPARATOR = '\u001e';

/** Worker side: accumulates verdicts into one reusable buffer, written to the response ring in one record. */
export class VerdictWriter {
  private buffer = new ArrayBuffer(64 * 1024);
  private view = new DataView(this.buffer);
  private bytes = new Uint8Array(this.buffer);
  private offset = 4;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(slot: number, generation: number, code: Code | null, reasons: readonly string[], impact: number, queuedUs: number, pipelineUs: number): void {
    const reasonBytes = reasons.length === 0 ? null : textEncoder.encode(reasons.join(REASON_SEPARATOR));
    // Reasons are for people: 4 KiB is plenty, and it bounds a verdict record.
    const reasonLength = reasonBytes ? Math.min(reasonBytes.length, 4096) : 0;
    const needed = VERDICT_HEADER + ((reasonLength + 3) & ~3);
    this.ensure(needed);
    const v = this.view;
    const o = this.offset;
    v.setUint32(o, slot, true);
    v.setUint32(o + 4, generation, true);
    v.setUint16(o + 8, codeToWire(code), true);
    v.setUint16(o + 10, reasonLength, true);
    v.setFloat32(o + 12, impact, true);
    v.setFloat32(o + 16, queuedUs, true);
    v.setFloat32(o + 20, pipelineUs, true);
    if (reasonBytes) this.bytes.set(reasonBytes.subarray(0, reasonLength), o + VERDICT_HEADER);
    this.offset += needed;
    this.count++;
  }

  /** The finished record (valid until `reset()`). */
  finish(): Uint8Array {
    this.view.setUint32(0, this.count, true);
    return this.bytes.subarray(0, this.offset);
  }

  reset(): void {
    this.offset = 4;
    this.count = 0;
  }

  private ensure(extra: number): void {
    if (this.offset + extra <= this.buffer.byteLength) return;
    const grown = new ArrayBuffer(Math.max(this.buffer.byteLength * 2, this.offset + extra));
    new Uint8Array(grown).set(this.bytes.subarray(0, this.offset));
    this.buffer = grown;
    this.view = new DataView(grown);
    this.bytes = new Uint8Array(grown);
  }
}

const NO_REASONS: readonly string[] = Object.freeze([]);

/**
 * Main side: reads verdicts straight out of the response ring's shared memory (no copy for the common case).
 * One Verdict object is filled in for each verdict in turn — the main thread reads every verdict, so it
 * allocates nothing per verdict: read it in the callback, don't keep it. `reasons` is a fresh array for a
 * rejection and a shared frozen empty one otherwise.
 */
export function readVerdicts(data: Uint8Array, start: number, length: number, onVerdict: (v: Verdict) => void): void {
  const view = new DataView(data.buffer, data.byteOffset + start, length);
  const count = view.getUint32(0, true);
  const verdict: Verdict = { slot: 0, generation: 0, code: null, reasons: NO_REASONS, impact: 0, queuedUs: 0, pipelineUs: 0 };
  let o = 4;
  for (let i = 0; i < count; i++) {
    const reasonLength = view.getUint16(o + 10, true);
    let reasons = NO_REASONS;
    if (reasonLength > 0) {
      // TextDecoder refuses views of shared memory, so copy the (rare) reason bytes out first.
      const copy = data.slice(start + o + VERDICT_HEADER, start + o + VERDICT_HEADER + reasonLength);
      reasons = textDecoder.decode(copy).split(REASON_SEPARATOR);
    }
    verdict.slot = view.getUint32(o, true);
    verdict.generation = view.getUint32(o + 4, true);
    verdict.code = wireToCode(view.getUint16(o + 8, true));
    verdict.reasons = reasons;
    verdict.impact = view.getFloat32(o + 12, true);
    verdict.queuedUs = view.getFloat32(o + 16, true);
    verdict.pipelineUs = view.getFloat32(o + 20, true);
    onVerdict(verdict);
    o += VERDICT_HEADER + ((reasonLength + 3) & ~3);
  }
}
