import { Packr, Unpackr } from 'msgpackr';
import type { JsonValue } from '../model/message.ts';

/**
 * msgpack for JSON values: payloads (their bytes are self-contained — forwardable, measurable, decodable
 * alone) and the small control values of POLICY and REGISTRY records.
 */
export class PayloadCodec {
  private readonly packr = new Packr({ useRecords: false, moreTypes: false });
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

  encode(payload: JsonValue): Buffer {
    return this.packr.pack(payload);
  }

  decode(bytes: Uint8Array): JsonValue {
    return this.unpackr.unpack(bytes) as JsonValue;
  }
}
