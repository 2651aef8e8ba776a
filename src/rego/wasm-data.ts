// Appends an active data segment to a wasm binary. binaryen.js has no wrapper for adding a
// segment to a module whose memory is imported, and the format is simple enough to patch.

function readU32(b: Uint8Array, at: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  let i = at;
  while (true) {
    const byte = b[i++]!;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [result >>> 0, i];
}

/** Unsigned LEB128, as wasm encodes sizes and counts. */
export function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function i32(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
}

const DATA = 11;
const DATA_COUNT = 12;

export function addDataSegment(wasm: Uint8Array, offset: number, bytes: Uint8Array): Uint8Array {
  const segment = [0x00, 0x41, ...i32(offset), 0x0b, ...u32(bytes.length), ...bytes];
  const out: number[] = [...wasm.subarray(0, 8)];
  let pos = 8;
  let added = false;
  const sections: { id: number; body: Uint8Array }[] = [];
  while (pos < wasm.length) {
    const id = wasm[pos]!;
    const [size, start] = readU32(wasm, pos + 1);
    sections.push({ id, body: wasm.subarray(start, start + size) });
    pos = start + size;
  }
  const emit = (id: number, body: ArrayLike<number>): void => { out.push(id, ...u32(body.length)); for (let i = 0; i < body.length; i++) out.push(body[i]!); };
  const hasData = sections.some((s) => s.id === DATA);
  for (const s of sections) {
    if (s.id === DATA_COUNT) {
      const [count] = readU32(s.body, 0);
      emit(DATA_COUNT, u32(count + 1));
      continue;
    }
    if (s.id === DATA) {
      const [count, rest] = readU32(s.body, 0);
      emit(DATA, [...u32(count + 1), ...s.body.subarray(rest), ...segment]);
      added = true;
      continue;
    }
    // A module without data: the data section goes before custom sections that follow code.
    if (!hasData && !added && s.id === 0 && sections.some((x) => x.id === 10) && sections.indexOf(s) > sections.findIndex((x) => x.id === 10)) {
      emit(DATA, [1, ...segment]);
      added = true;
    }
    emit(s.id, s.body);
  }
  if (!added) emit(DATA, [1, ...segment]);
  return Uint8Array.from(out);
}
