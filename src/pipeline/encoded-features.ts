import { KEYWORD_SATURATION, type KeywordScanner } from './keyword-scanner.ts';

/**
 * What impact scoring reads of a payload, read from its msgpack bytes (as PayloadCodec wrote them) without
 * decoding it: the keyword count, the action name and the raw amount. Decoding is most of what scoring
 * costs a validation thread (every key and string becomes a JS string); the scanner can read the UTF-8
 * bytes in place instead.
 *
 * The scanner, given a payload, reads strings in a fixed order within two budgets (characters, nodes), so
 * which strings it reads depends on that order only when a budget cuts the walk. Here every string is
 * read, in encoded order; that is the same count exactly when the walk would not be cut: when the payload's
 * strings hold at most `budgetChars` bytes (UTF-8 bytes ≥ UTF-16 units) and it has at most `budgetNodes`
 * nodes as the walk counts them. Otherwise, and for any byte this reader does not expect, the answer is
 * null and the caller decodes (same score, the slower way).
 */

export interface EncodedFeatures {
  /** Distinct keywords (up to the scanner's saturation). */
  readonly hits: number;
  /** The action name as `actionName` finds it, or undefined. */
  readonly action: string | undefined;
  /** The amount field's value: a number, a string, or undefined for anything else or absent. */
  readonly amount: number | string | undefined;
}

export interface FeatureFields {
  /** Payload fields that name the action, in lookup order. */
  readonly actionFields: readonly string[];
  readonly amountField: string;
  readonly budgetChars: number;
  readonly budgetNodes: number;
}

/** Thrown inside the reader for input it does not handle; never escapes readEncodedFeatures. */
const UNSUPPORTED = new Error('unsupported msgpack');

const asciiBytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What a root-map value of interest turned out to be. */
const enum Role {
  None,
  /** The value of an action field (index in `actionFields` kept alongside). */
  Action,
  Amount,
  /** A key/value inside an action field's map: only `name` matters. */
  InAction,
}

export class EncodedFeatureReader {
  private readonly usable: boolean;
  private readonly actionKeys: readonly Uint8Array[];
  private readonly amountKey: Uint8Array;
  private static readonly NAME = asciiBytes('name');

  /** The scanner's copy of the payload (loadUtf8) and a Buffer and a DataView over it, kept while it stays the same. */
  private bytes: Uint8Array = new Uint8Array(0);
  private text: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** The payload's length (the copy is longer: padding, and room from earlier payloads). */
  private end = 0;
  private at = 0;
  private nodes = 0;
  private stringBytes = 0;
  /** Per action field: its string value, or its map's `name` string (null: present, but neither). */
  private readonly actionValues: (string | null | undefined)[];
  private amount: number | string | undefined;

  constructor(
    private readonly fields: FeatureFields,
    private readonly scanner: KeywordScanner,
  ) {
    // A field that names both the action and the amount is read twice by the scorer: left to the decoder.
    this.usable = !fields.actionFields.includes(fields.amountField);
    this.actionKeys = fields.actionFields.map(asciiBytes);
    this.amountKey = asciiBytes(fields.amountField);
    this.actionValues = new Array(fields.actionFields.length);
  }

  /** The features of the payload encoded in `bytes`, or null when the caller must decode it (see file comment). */
  read(bytes: Uint8Array): EncodedFeatures | null {
    if (!this.usable || !Number.isInteger(this.fields.budgetChars) || !Number.isInteger(this.fields.budgetNodes)) return null;
    const copy = this.scanner.loadUtf8(bytes);
    if (copy !== this.bytes) {
      this.bytes = copy;
      this.text = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
      this.view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
    }
    this.end = bytes.length;
    this.at = 0;
    this.nodes = 0;
    this.stringBytes = 0;
    this.actionValues.fill(undefined);
    this.amount = undefined;
    try {
      this.root();
    } catch (error) {
      if (error === UNSUPPORTED || error instanceof RangeError) return null;
      throw error;
    }
    if (this.at !== this.end || this.stringBytes > this.fields.budgetChars || this.nodes > this.fields.budgetNodes) return null;
    let action: string | undefined;
    for (const value of this.actionValues) {
      if (typeof value === 'string') {
        action = value;
        break;
      }
    }
    return { hits: this.scanner.utf8Hits, action, amount: this.amount };
  }

  /** The walk counts the root as a node when it is a container; a string root is scanned alone; others score nothing. */
  private root(): void {
    if (this.end === 0) throw UNSUPPORTED;
    const type = this.bytes[this.at] as number;
    if (isString(type)) {
      this.string(true);
      return;
    }
    if (isMap(type) || isArray(type)) this.nodes++;
    this.value(0, Role.None, -1);
  }

  /**
   * Reads one value. `depth` 0 is the root; `role` says whether the value is one scoring looks into;
   * `field` is the action field's index for Role.Action. A container value counts as a node where the walk
   * pushes it: every array element, and object values that are objects or arrays.
   */
  private value(depth: number, role: Role, field: number): void {
    if (this.at >= this.end) throw UNSUPPORTED;
    const type = this.bytes[this.at] as number;
    if (isString(type)) {
      const text = this.string(true, role === Role.Action || role === Role.Amount || role === Role.InAction);
      if (role === Role.Action) this.actionValues[field] = text;
      else if (role === Role.Amount) this.amount = text;
      else if (role === Role.InAction && this.actionValues[field] === null) this.actionValues[field] = text;
      return;
    }
    if (isMap(type)) {
      if (role === Role.Action) this.actionValues[field] = null;
      if (role === Role.Amount) this.amount = undefined;
      this.map(depth, role === Role.Action ? field : -1);
      return;
    }
    if (isArray(type)) {
      if (role === Role.Action) this.actionValues[field] = null;
      if (role === Role.Amount) this.amount = undefined;
      const length = this.arrayLength(type);
      for (let i = 0; i < length; i++) {
        this.nodes++;
        this.value(depth + 1, Role.None, -1);
      }
      return;
    }
    const number = this.scalar(type);
    if (role === Role.Action) this.actionValues[field] = null;
    else if (role === Role.Amount) this.amount = number;
  }

  /** A map's keys are scanned; at the root, the keys scoring reads are looked for; inside an action field's map, `name`. */
  private map(depth: number, actionField: number): void {
    const length = this.mapLength(this.bytes[this.at] as number);
    for (let i = 0; i < length; i++) {
      if (this.at >= this.end) throw UNSUPPORTED;
      const keyType = this.bytes[this.at] as number;
      if (!isString(keyType)) throw UNSUPPORTED;
      const { start, end } = this.stringBounds(keyType);
      this.scanString(start, end);
      let role = Role.None;
      let field = -1;
      if (depth === 0) {
        field = this.actionFieldOf(start, end);
        if (field >= 0) role = Role.Action;
        else if (sameBytes(this.bytes, start, end, this.amountKey)) role = Role.Amount;
      } else if (actionField >= 0 && sameBytes(this.bytes, start, end, EncodedFeatureReader.NAME)) {
        role = Role.InAction;
        field = actionField;
      }
      const valueType = this.bytes[this.at] as number;
      if (isMap(valueType) || isArray(valueType)) this.nodes++;
      this.value(depth + 1, role, field);
    }
  }

  private actionFieldOf(start: number, end: number): number {
    for (let i = 0; i < this.actionKeys.length; i++) if (sameBytes(this.bytes, start, end, this.actionKeys[i]!)) return i;
    return -1;
  }

  /** Reads a string, scanning it; decodes it only when asked. */
  private string(scan: boolean, decode = false): string | undefined {
    const { start, end } = this.stringBounds(this.bytes[this.at] as number);
    if (scan) this.scanString(start, end);
    return decode ? this.text.toString('utf8', start, end) : undefined;
  }

  private scanString(start: number, end: number): void {
    this.stringBytes += end - start;
    // Once saturated the count cannot change; the walk goes on only to prove the budgets hold.
    if (this.stringBytes <= this.fields.budgetChars && this.scanner.utf8Hits < KEYWORD_SATURATION) this.scanner.scanUtf8(start, end);
  }

  private readonly bounds = { start: 0, end: 0 };

  private stringBounds(type: number): { start: number; end: number } {
    let length: number;
    if (type >= 0xa0 && type <= 0xbf) {
      length = type & 0x1f;
      this.at += 1;
    } else if (type === 0xd9) {
      length = this.view.getUint8(this.at + 1);
      this.at += 2;
    } else if (type === 0xda) {
      length = this.view.getUint16(this.at + 1);
      this.at += 3;
    } else {
      length = this.view.getUint32(this.at + 1);
      this.at += 5;
    }
    const start = this.at;
    const end = start + length;
    if (end > this.end) throw UNSUPPORTED;
    this.at = end;
    this.bounds.start = start;
    this.bounds.end = end;
    return this.bounds;
  }

  private mapLength(type: number): number {
    if (type >= 0x80 && type <= 0x8f) {
      this.at += 1;
      return type & 0x0f;
    }
    if (type === 0xde) {
      this.at += 3;
      return this.view.getUint16(this.at - 2);
    }
    this.at += 5;
    return this.view.getUint32(this.at - 4);
  }

  private arrayLength(type: number): number {
    if (type >= 0x90 && type <= 0x9f) {
      this.at += 1;
      return type & 0x0f;
    }
    if (type === 0xdc) {
      this.at += 3;
      return this.view.getUint16(this.at - 2);
    }
    this.at += 5;
    return this.view.getUint32(this.at - 4);
  }

  /** A number (its value), or null/true/false (undefined); anything else is not what PayloadCodec writes. */
  private scalar(type: number): number | undefined {
    const at = this.at;
    if (type <= 0x7f) {
      this.at += 1;
      return type;
    }
    if (type >= 0xe0) {
      this.at += 1;
      return type - 0x100;
    }
    switch (type) {
      case 0xc0:
      case 0xc2:
      case 0xc3:
        this.at += 1;
        return undefined;
      case 0xca:
        this.at += 5;
        return this.view.getFloat32(at + 1);
      case 0xcb:
        this.at += 9;
        return this.view.getFloat64(at + 1);
      case 0xcc:
        this.at += 2;
        return this.view.getUint8(at + 1);
      case 0xcd:
        this.at += 3;
        return this.view.getUint16(at + 1);
      case 0xce:
        this.at += 5;
        return this.view.getUint32(at + 1);
      case 0xd0:
        this.at += 2;
        return this.view.getInt8(at + 1);
      case 0xd1:
        this.at += 3;
        return this.view.getInt16(at + 1);
      case 0xd2:
        this.at += 5;
        return this.view.getInt32(at + 1);
      default:
        throw UNSUPPORTED;
    }
  }
}

function isString(type: number): boolean {
  return (type >= 0xa0 && type <= 0xbf) || type === 0xd9 || type === 0xda || type === 0xdb;
}

function isMap(type: number): boolean {
  return (type >= 0x80 && type <= 0x8f) || type === 0xde || type === 0xdf;
}

function isArray(type: number): boolean {
  return (type >= 0x90 && type <= 0x9f) || type === 0xdc || type === 0xdd;
}

function sameBytes(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}
