/**
 * The size of a JSON value encoded by PayloadCodec (msgpackr, `useRecords: false`), computed without
 * encoding it. The payload limit is a limit on those bytes; knowing their number from the intake walk lets
 * the bus skip encoding payloads no stage will read (the encoding was the largest single cost on the main
 * thread). Each rule below is the choice msgpackr makes for that value; test/pipeline/encoded-size.test.ts
 * holds them equal to msgpackr's output on arbitrary JSON, so a msgpackr upgrade that changes a choice fails
 * there, not in production.
 */

/** Objects are written as map16 whatever their size (msgpackr's fast path for plain objects). */
export const MAP_HEADER_BYTES = 3;
/** msgpackr refuses objects with more keys than a map16 can count. */
export const MAX_MAP_KEYS = 0xffff;
/** null, true, false. */
export const SCALAR_BYTES = 1;

export function stringBytes(utf8Bytes: number): number {
  if (utf8Bytes < 0x20) return 1 + utf8Bytes;
  if (utf8Bytes < 0x100) return 2 + utf8Bytes;
  if (utf8Bytes < 0x10000) return 3 + utf8Bytes;
  return 5 + utf8Bytes;
}

export function arrayHeaderBytes(length: number): number {
  if (length < 0x10) return 1;
  if (length < 0x10000) return 3;
  return 5;
}

/** Integers in the 32-bit ranges take 1–5 bytes; every other number is a float64 (msgpackr's default). */
export function numberBytes(value: number): number {
  if (value >>> 0 === value) {
    if (value < 0x80) return 1;
    if (value < 0x100) return 2;
    if (value < 0x10000) return 3;
    return 5;
  }
  if (value >> 0 === value) {
    if (value >= -0x20) return 1;
    if (value >= -0x80) return 2;
    if (value >= -0x8000) return 3;
    return 5;
  }
  return 9;
}

/**
 * UTF-8 length of a well-formed string. Short strings (most keys and ids) are counted in JS, which is
 * cheaper than a call into C++; long ones by Buffer.byteLength.
 */
export function utf8Bytes(text: string): number {
  const length = text.length;
  if (length > 32) return Buffer.byteLength(text, 'utf8');
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if ((unit & 0xfc00) === 0xd800) bytes += 1; // a surrogate pair: 2 units, 4 bytes
    else if ((unit & 0xfc00) !== 0xdc00) bytes += 2;
    else bytes += 1;
  }
  return bytes;
}
