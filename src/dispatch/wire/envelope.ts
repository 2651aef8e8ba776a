import { MessageType, type AcceptedMessage, type Priority } from '../../model/message.ts';
import { PayloadCodec, roomToEncode } from '../../intake/payload-codec.ts';
import { StringTable } from './string-table.ts';

/**
 * The envelope: a message as it crosses a request ring, in a fixed binary layout.
 *
 * Both ends are this file, so the schema needs no negotiation; ENVELOPE_VERSION guards against a worker
 * built from another version. msgpack tuples carried it before: in the validation profile, packing them
 * was the largest cost left on the main thread (~20%), most of it per-value type dispatch for values whose
 * types are known in advance. Here every field is written where it belongs, strings as ASCII bytes in a
 * loop (UTF-8 through Buffer only when a string is not ASCII).
 *
 * A MESSAGES record: `u32 version, u32 count`, then per message
 *
 *     u32 slot, u32 generation, u32 payloadBytes, u32 payloadLength, u32 depth,
 *     f64 createdAt, f64 sentAt, f64 expiresAt (NaN: none),
 *     u8 type (index in MESSAGE_TYPES), u8 priority, u8 hasConversationId, u8 hasSignature,
 *     strings id, from, to, tenantId, constitutionalHash[, conversationId] (u32 UTF-8 length + bytes),
 *     [64 signature bytes, when hasSignature],
 *     u32 metadata entries, then key and value strings,
 *     payloadLength payload bytes (msgpack; 0 when the payload was not sent — an encoded payload never is).
 *
 * Little-endian throughout.
 */
export const ENVELOPE_VERSION = 4;

/** An Ed25519 signature's bytes; intake admits only base64 text of exactly this many. */
const SIGNATURE_BYTES = 64;

/** Append only: the index is the wire value. */
const MESSAGE_TYPES: readonly MessageType[] = Object.values(MessageType);
const TYPE_INDEX = new Map<string, number>(MESSAGE_TYPES.map((type, index) => [type, index]));

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
  /** The sender's signature (a view into the record, like the payload), when the message carried one. */
  signature: Uint8Array | undefined;
  metadata: Record<string, string>;
  /** The encoded payload, or null when the sender knew no stage reads it (see pipelineReadsPayload). */
  payload: Uint8Array | null;
  /** The payload's encoded size, measured at intake: what the limits stage checks. */
  payloadBytes: number;
  depth: number;
  /** `performance.timeOrigin + performance.now()` on the main thread at `send()`; comparable across threads. */
  sentAt: number;
}

/** What the encoder needs of a message waiting to be sent. */
export interface OutgoingMessage {
  readonly accepted: AcceptedMessage;
  /** Whether its payload goes along (a stage on the other side reads it): encoded straight into the record. */
  readonly sendsPayload: boolean;
  readonly sentAt: number;
}

const RECORD_HEADER = 8;
/** Fixed part of one envelope: five u32, three f64, four u8. */
const FIXED_BYTES = 5 * 4 + 3 * 8 + 4;

/** Main side: writes a batch into one reusable buffer. */
export class EnvelopeEncoder {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private view: DataView = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  private at = 0;
  private readonly payloads = new PayloadCodec();
  /**
   * Indices (in the last batch) of the messages left out of its record: their payload no longer encodes to
   * the size intake measured, so it changed after `send()` and was never judged as sent. The caller refuses them.
   */
  readonly refused: number[] = [];

  /**
   * The record for `messages` (message i in `slots[i]`, `generations[i]`), except those in `refused`.
   * Valid until the next call.
   */
  encodeBatch(slots: readonly number[], generations: readonly number[], messages: readonly OutgoingMessage[]): Uint8Array {
    this.at = RECORD_HEADER;
    this.refused.length = 0;
    for (let i = 0; i < messages.length; i++) {
      if (!this.writeMessage(slots[i]!, generations[i]!, messages[i]!)) this.refused.push(i);
    }
    this.view.setUint32(0, ENVELOPE_VERSION, true);
    this.view.setUint32(4, messages.length - this.refused.length, true);
    return this.buffer.subarray(0, this.at);
  }

  /** False, with nothing written, when the payload does not encode to the size intake measured. */
  private writeMessage(slot: number, generation: number, out: OutgoingMessage): boolean {
    const m = out.accepted.message;
    const type = TYPE_INDEX.get(m.type);
    if (type === undefined) throw new TypeError(`message type ${String(m.type)} has no wire value`);
    const payloadLength = out.sendsPayload ? out.accepted.payloadBytes : 0;
    const begin = this.at;
    this.reserve(FIXED_BYTES);
    const v = this.view;
    const o = this.at;
    v.setUint32(o, slot, true);
    v.setUint32(o + 4, generation, true);
    v.setUint32(o + 8, out.accepted.payloadBytes, true);
    v.setUint32(o + 12, payloadLength, true);
    v.setUint32(o + 16, out.accepted.depth, true);
    v.setFloat64(o + 20, m.createdAt, true);
    v.setFloat64(o + 28, out.sentAt, true);
    v.setFloat64(o + 36, m.expiresAt ?? Number.NaN, true);
    this.buffer[o + 44] = type;
    this.buffer[o + 45] = m.priority;
    this.buffer[o + 46] = m.conversationId === undefined ? 0 : 1;
    this.buffer[o + 47] = m.signature === undefined ? 0 : 1;
    this.at = o + FIXED_BYTES;
    this.writeString(m.id);
    this.writeString(m.from);
    this.writeString(m.to);
    this.writeString(m.tenantId);
    this.writeString(m.constitutionalHash);
    if (m.conversationId !== undefined) this.writeString(m.conversationId);
    if (m.signature !== undefined) this.writeSignature(m.signature);
    const countAt = this.at;
    this.reserve(4);
    this.at += 4;
    let entries = 0;
    for (const key in m.metadata) {
      this.writeString(key);
      this.writeString(m.metadata[key]!);
      entries++;
    }
    this.view.setUint32(countAt, entries, true);
    if (out.sendsPayload && !this.writePayload(m.payload, payloadLength)) {
      this.at = begin;
      return false;
    }
    return true;
  }

  /**
   * Encodes the payload into the record (PayloadCodec.encodeInto says why not at `send()`). What is judged is
   * what the handler will be given — the same object, as it is now — and a payload changed since intake
   * measured it is refused rather than judged by a size it no longer has.
   */
  private writePayload(payload: AcceptedMessage['message']['payload'], expected: number): boolean {
    this.reserve(roomToEncode(expected));
    let written: number;
    try {
      written = this.payloads.encodeInto(payload, this.buffer, this.at);
    } catch {
      return false; // e.g. a cycle added after send()
    }
    if (written !== expected) return false;
    this.at += written;
    return true;
  }

  private writeSignature(base64: string): void {
    this.reserve(SIGNATURE_BYTES);
    const written = this.buffer.write(base64, this.at, SIGNATURE_BYTES, 'base64');
    // Intake admits only the base64 text of 64 bytes; anything else here is a bug, not a message to judge.
    if (written !== SIGNATURE_BYTES) throw new TypeError(`a signature decoded to ${written} bytes, not ${SIGNATURE_BYTES}`);
    this.at += SIGNATURE_BYTES;
  }

  private writeString(text: string): void {
    const length = text.length;
    this.reserve(4 + length * 3);
    const bytes = this.buffer;
    const start = this.at + 4;
    let at = start;
    let i = 0;
    for (; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) break;
      bytes[at++] = unit;
    }
    if (i < length) at += bytes.write(text.slice(i), at, 'utf8');
    this.view.setUint32(this.at, at - start, true);
    this.at = at;
  }

  private reserve(extra: number): void {
    if (this.at + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + extra));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}

/** Worker side. Payloads are views into `bytes`: valid as long as the caller keeps `bytes` unchanged. */
export class EnvelopeDecoder {
  private bytes: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private at = 0;
  /** Sender, recipient, tenant, hash and metadata keys repeat across messages: decoded once each. */
  private readonly repeated = new StringTable();

  decodeBatch(bytes: Buffer): Envelope[] {
    if (bytes.length < RECORD_HEADER) throw new Error(`message record of ${bytes.length} bytes has no header`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = this.view.getUint32(0, true);
    if (version !== ENVELOPE_VERSION) throw new Error(`envelope version ${version} is not ${ENVELOPE_VERSION}`);
    const count = this.view.getUint32(4, true);
    this.at = RECORD_HEADER;
    const out: Envelope[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.readMessage();
    if (this.at !== bytes.length) throw new Error(`message record is ${bytes.length} bytes, its envelopes account for ${this.at}`);
    return out;
  }

  private readMessage(): Envelope {
    const v = this.view;
    const o = this.at;
    if (o + FIXED_BYTES > this.bytes.length) throw new Error('message record ends inside an envelope');
    const slot = v.getUint32(o, true);
    const generation = v.getUint32(o + 4, true);
    const payloadBytes = v.getUint32(o + 8, true);
    const payloadLength = v.getUint32(o + 12, true);
    const depth = v.getUint32(o + 16, true);
    const createdAt = v.getFloat64(o + 20, true);
    const sentAt = v.getFloat64(o + 28, true);
    const expiresAt = v.getFloat64(o + 36, true);
    const type = MESSAGE_TYPES[this.bytes[o + 44]!];
    if (type === undefined) throw new Error(`unknown message type ${this.bytes[o + 44]} on the wire`);
    const priority = this.bytes[o + 45] as Priority;
    const hasConversationId = this.bytes[o + 46] === 1;
    const hasSignature = this.bytes[o + 47] === 1;
    this.at = o + FIXED_BYTES;
    const id = this.readString();
    const from = this.readString(this.repeated);
    const to = this.readString(this.repeated);
    const tenantId = this.readString(this.repeated);
    const constitutionalHash = this.readString(this.repeated);
    const conversationId = hasConversationId ? this.readString() : undefined;
    let signature: Uint8Array | undefined;
    if (hasSignature) {
      if (this.at + SIGNATURE_BYTES > this.bytes.length) throw new Error('message record ends inside a signature');
      signature = this.bytes.subarray(this.at, this.at + SIGNATURE_BYTES);
      this.at += SIGNATURE_BYTES;
    }
    const entries = this.readUint32();
    const metadata: Record<string, string> = {};
    for (let i = 0; i < entries; i++) {
      const key = this.readString(this.repeated);
      metadata[key] = this.readString();
    }
    let payload: Uint8Array | null = null;
    if (payloadLength > 0) {
      if (this.at + payloadLength > this.bytes.length) throw new Error('message record ends inside a payload');
      payload = this.bytes.subarray(this.at, this.at + payloadLength);
      this.at += payloadLength;
    }
    return {
      slot, generation, id, from, to, type, tenantId, priority, constitutionalHash, createdAt,
      expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt, conversationId, signature, metadata, payload, payloadBytes, depth, sentAt,
    };
  }

  private readUint32(): number {
    if (this.at + 4 > this.bytes.length) throw new Error('message record ends inside an envelope');
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  private readString(table: StringTable | null = null): string {
    const length = this.readUint32();
    const start = this.at;
    const end = start + length;
    if (end > this.bytes.length) throw new Error('message record ends inside a string');
    this.at = end;
    const bytes = this.bytes;
    if (table !== null) return table.decode(bytes, start, end);
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) return bytes.toString('utf8', start, end);
    }
    return bytes.toString('latin1', start, end);
  }
}
