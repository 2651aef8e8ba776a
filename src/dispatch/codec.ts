import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode, type ErrorCode as Code } from '../errors.ts';
import type { AcceptedMessage, JsonValue, MessageType, Priority } from '../message.ts';

/**
 * What crosses the rings, and how.
 *
 * Requests: one ring record per flush per worker, `kind = RecordKind.MESSAGES`, holding a msgpack array of
 * envelope tuples followed by the payloads. The envelope is a positional tuple rather than a msgpackr record with shared
 * structures: both ends share its schema at build time (ENVELOPE_VERSION below), so there is nothing to
 * negotiate, and in a side-by-side run it packed ~25% faster than the same fields as a shared-structure
 * record (see ARCHITECTURE.md). The payload travels as its own msgpack bytes: their length *is* the encoded
 * size the limits stage checks, and a worker decodes them only when a stage needs the payload.
 *
 * Responses: one record per worker drain, fixed-layout binary (no msgpack), because the main thread is the
 * bottleneck and reads every verdict: 24 bytes per verdict, plus UTF-8 reasons for rejections.
 */
export const ENVELOPE_VERSION = 2;

export const RecordKind = {
  MESSAGES: 1,
  REGISTRY: 2,
  STOP: 3,
  VERDICTS: 4,
  POLICY: 5,
} as const;

/** One message as the worker receives it. */
export interface Envelope {
  slot: number;
  generation: number;
  id: string;
  from: string;
  to: string;
  type: MessageType;
  tenantId: string;
  priority: Priority;
  constitutionalHash: string;
  createdAt: number;
  expiresAt: number | undefined;
  conversationId: string | undefined;
  metadata: Record<string, string>;
  /** The encoded payload, or null when the sender knew no stage reads it (see pipelineReadsPayload). */
  payload: Uint8Array | null;
  /** The payload's encoded size, measured at intake: what the limits stage checks. */
  payloadBytes: number;
  depth: number;
  /** `performance.timeOrigin + performance.now()` on the main thread at `send()`; comparable across threads. */
  sentAt: number;
}

type EnvelopeTuple = [
  version: number,
  slot: number,
  generation: number,
  id: string,
  from: string,
  to: string,
  type: MessageType,
  tenantId: string,
  priority: Priority,
  constitutionalHash: string,
  createdAt: number,
  expiresAt: number | null,
  conversationId: string | null,
  metadata: Record<string, string>,
  /** Bytes of payload that follow in the record: 0 when the payload was not sent. */
  payloadLength: number,
  depth: number,
  sentAt: number,
  payloadBytes: number,
];

export class PayloadCodec {
  // Maps, not records: a payload's bytes must be self-contained (forwardable, measurable, decodable alone).
  private readonly packr = new Packr({ useRecords: false, moreTypes: false });
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

  encode(payload: JsonValue): Buffer {
    return this.packr.pack(payload);
  }

  decode(bytes: Uint8Array): JsonValue {
    return this.unpackr.unpack(bytes) as JsonValue;
  }
}

/** What the encoder needs of a message waiting to be sent. */
export interface OutgoingMessage {
  readonly accepted: AcceptedMessage;
  readonly payload: Uint8Array | null;
  readonly sentAt: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Main side. A MESSAGES record is `[u32 tuplesLength][msgpack array of envelope tuples][payload bytes…]`:
 * the payloads are appended as they are, so msgpack never copies them a second time; each tuple carries
 * its payload's length, in order (0 for a payload not sent: an encoded payload is never empty).
 */
export class EnvelopeEncoder {
  private readonly packr = new Packr({ useRecords: false, moreTypes: false });
  private readonly lengthPrefix = new Uint8Array(4);

  encodeBatch(slots: readonly number[], generations: readonly number[], messages: readonly OutgoingMessage[]): Uint8Array[] {
    const tuples: EnvelopeTuple[] = new Array(messages.length);
    const parts: Uint8Array[] = new Array(messages.length + 2);
    for (let i = 0; i < messages.length; i++) {
      const out = messages[i]!;
      const m = out.accepted.message;
      tuples[i] = [
        ENVELOPE_VERSION, slots[i]!, generations[i]!, m.id, m.from, m.to, m.type, m.tenantId, m.priority,
        m.constitutionalHash, m.createdAt, m.expiresAt ?? null, m.conversationId ?? null, m.metadata as Record<string, string>,
        out.payload?.length ?? 0, out.accepted.depth, out.sentAt, out.accepted.payloadBytes,
      ];
      parts[i + 2] = out.payload ?? NO_BYTES;
    }
    const packed = this.packr.pack(tuples);
    new DataView(this.lengthPrefix.buffer).setUint32(0, packed.length, true);
    parts[0] = this.lengthPrefix;
    parts[1] = packed;
    return parts;
  }

  encodeValue(value: unknown): Uint8Array {
    return this.packr.pack(value);
  }
}

/** Worker side. Payloads are views into `bytes`: valid as long as the caller keeps `bytes` unchanged. */
export class EnvelopeDecoder {
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

  decodeBatch(bytes: Buffer): Envelope[] {
    const tuplesLength = bytes.readUInt32LE(0);
    const tuples = this.unpackr.unpack(bytes.subarray(4, 4 + tuplesLength)) as EnvelopeTuple[];
    const out: Envelope[] = new Array(tuples.length);
    let payloadAt = 4 + tuplesLength;
    for (let i = 0; i < tuples.length; i++) {
      const t = tuples[i]!;
      if (t[0] !== ENVELOPE_VERSION) throw new Error(`envelope version ${t[0]} is not ${ENVELOPE_VERSION}`);
      const payloadLength = t[14];
      out[i] = {
        slot: t[1], generation: t[2], id: t[3], from: t[4], to: t[5], type: t[6], tenantId: t[7], priority: t[8],
        constitutionalHash: t[9], createdAt: t[10], expiresAt: t[11] ?? undefined, conversationId: t[12] ?? undefined,
        metadata: t[13], payload: payloadLength === 0 ? null : bytes.subarray(payloadAt, payloadAt + payloadLength), payloadBytes: t[17],
        depth: t[15], sentAt: t[16],
      };
      payloadAt += payloadLength;
    }
    if (payloadAt !== bytes.length) throw new Error(`message record is ${bytes.length} bytes, its envelopes account for ${payloadAt}`);
    return out;
  }

  decodeValue(bytes: Uint8Array): unknown {
    return this.unpackr.unpack(bytes);
  }
}

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
  reasons: string[];
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

/** Main side: reads verdicts straight out of the response ring's shared memory (no copy for the common case). */
export function readVerdicts(data: Uint8Array, start: number, length: number, onVerdict: (v: Verdict) => void): void {
  const view = new DataView(data.buffer, data.byteOffset + start, length);
  const count = view.getUint32(0, true);
  let o = 4;
  for (let i = 0; i < count; i++) {
    const reasonLength = view.getUint16(o + 10, true);
    let reasons: string[] = [];
    if (reasonLength > 0) {
      // TextDecoder refuses views of shared memory, so copy the (rare) reason bytes out first.
      const copy = data.slice(start + o + VERDICT_HEADER, start + o + VERDICT_HEADER + reasonLength);
      reasons = textDecoder.decode(copy).split(REASON_SEPARATOR);
    }
    onVerdict({
      slot: view.getUint32(o, true),
      generation: view.getUint32(o + 4, true),
      code: wireToCode(view.getUint16(o + 8, true)),
      reasons,
      impact: view.getFloat32(o + 12, true),
      queuedUs: view.getFloat32(o + 16, true),
      pipelineUs: view.getFloat32(o + 20, true),
    });
    o += VERDICT_HEADER + ((reasonLength + 3) & ~3);
  }
}
