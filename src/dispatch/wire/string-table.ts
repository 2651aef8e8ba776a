/**
 * Strings a worker decodes again and again — agent ids, tenants, the constitutional hash, metadata keys —
 * kept by their bytes, so a repeat costs a hash and a compare instead of a decode, and every message naming
 * the same agent carries the same string object (whose hash V8 has already computed for the Map lookups the
 * tenant and policy stages make). Direct-mapped and fixed in size: a collision just replaces the entry, so
 * memory stays bounded whatever the traffic.
 */
const SLOTS = 4096;
const MASK = SLOTS - 1;
/** Longer strings are decoded every time: ids and tenants are short, and hashing long text would not pay. */
const MAX_INTERNED_BYTES = 64;

export class StringTable {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  /** The string of `bytes[start, end)` (UTF-8). */
  decode(bytes: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_INTERNED_BYTES) return bytes.toString('utf8', start, end);
    let hash = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return bytes.toString('utf8', start, end);
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    const slot = hash & MASK;
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === length && sameAscii(cached, bytes, start)) return cached;
    const text = bytes.toString('latin1', start, end);
    this.slots[slot] = text;
    return text;
  }
}

function sameAscii(text: string, bytes: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
