import { Packr, REUSE_BUFFER_MODE, Unpackr } from 'msgpackr';
import type { JsonValue } from '../model/message.ts';

/**
 * Free bytes `encodeInto` needs past its offset for a payload of `encodedBytes`: before it writes a string
 * msgpackr reserves 3 bytes per character, and it never starts a value within 2 KiB of its buffer's end.
 */
export function roomToEncode(encodedBytes: number): number {
  return 3 * encodedBytes + 0x800 + 16;
}

/**
 * msgpack for JSON values: payloads (their bytes are self-contained — forwardable, measurable, decodable
 * alone) and the small control values of POLICY and REGISTRY records.
 */
export class PayloadCodec {
  private readonly packr = new Packr({ useRecords: false, moreTypes: false });
  /** Writes into buffers it is lent (`encodeInto`); apart from `packr`, whose buffer is its own. */
  private readonly writer = new Packr({ useRecords: false, moreTypes: false });
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  /** Payloads `encodeInto` could not write in place (msgpackr allocated a buffer of its own): 0 given `roomToEncode`. */
  outgrown = 0;

  /** A view into msgpackr's own buffer, which it shares between calls and replaces every few kilobytes: for control values, not per message (see encodeInto). */
  encode(payload: JsonValue): Buffer {
    return this.packr.pack(payload);
  }

  /**
   * Encodes `payload` into `target` at `at` and returns its length: no buffer is allocated, so a payload
   * per message costs the garbage collector nothing. A fresh buffer per payload (`encode`) made the main
   * thread run a full mark-compact every ~0.7 s at 60k msgs/s: V8 counts their bytes as external memory and
   * collects every 64 MiB of it. `target` must have `roomToEncode(expected)` bytes free past `at`; a payload
   * that outgrows them is still encoded, copied in when it fits, refused (-1) when it does not.
   */
  encodeInto(payload: JsonValue, target: Buffer, at: number): number {
    this.writer.useBuffer(target);
    this.writer.position = at;
    const written = this.writer.pack(payload, REUSE_BUFFER_MODE) as Buffer & { start: number; end: number };
    const { start, end } = written;
    const length = end - start;
    if (written !== target) {
      // msgpackr outgrew `target` and moved to a buffer of its own.
      this.outgrown++;
      if (at + length > target.length) return -1;
      written.copy(target, at, start, end);
    } else if (start !== at) {
      target.copyWithin(at, start, end); // msgpackr starts each value on an 8-byte boundary
    }
    return length;
  }

  decode(bytes: Uint8Array): JsonValue {
    return this.unpackr.unpack(bytes) as JsonValue;
  }
}
