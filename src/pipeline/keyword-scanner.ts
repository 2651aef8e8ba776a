import { Buffer } from 'node:buffer';
import type { JsonValue } from '../model/message.ts';
import { DEAD as TRIE_DEAD, LetterTrie, ROOT as TRIE_ROOT } from './letter-trie.ts';

// Module-local copies: the hot loops read these, and an imported binding can cost a getter call per read
// when the module is run through a CommonJS transform (as tsx does).
const DEAD = TRIE_DEAD;
const ROOT = TRIE_ROOT;

/**
 * Counts distinct sensitive keywords in a payload's keys and string values in one bounded pass, with no
 * string built per message: no lower-cased copies, no substrings, no regex.
 *
 * A word is a maximal run of ASCII letters (so `api_token` and the `transfer` of `transfer-funds` are words,
 * `insecurity` is not `security`), compared without ASCII case. A two-word keyword (`private key`) matches two
 * consecutive words of one string, whatever non-letters separate them.
 *
 * How it stays cheap: a string's budgeted characters are copied natively (Buffer#write 'ascii', which Node
 * documents as latin1 for writing: the low byte of each UTF-16 unit) into a reusable buffer that is then read
 * four characters at a time, eight per turn. Every window of four characters at an even position is hashed
 * (the low five bits of each character, which fold ASCII case) into a table that says whether a keyword could
 * start at the window's first or second character. There is no branch per word and no state carried from one
 * window to the next, so the CPU overlaps the windows; the filter only ever errs towards a candidate. Each
 * candidate is then checked exactly on the string itself: it must start a word, and the word must walk a
 * case-insensitive letter trie to a keyword's end. (A trie walk per word, or a DFA per character, costs 2-3x
 * as much: each character then waits for the previous one's table lookup.)
 *
 * Budgets: at most `budgetChars` characters and `budgetNodes` JSON nodes are read, in a fixed order (a
 * depth-first walk, object keys in `for…in` order), so a large payload costs no more than a small one.
 */

export interface SensitiveWord {
  readonly word: string;
  readonly id: number;
}

export interface SensitivePair {
  readonly first: string;
  readonly second: string;
  readonly id: number;
}

/** Distinct keyword hits stop mattering at three (the keyword component saturates), so the scan stops there. */
export const KEYWORD_SATURATION = 3;

const LOWER_A = 97;
const LOWER_Z = 122;
const NONE = -1;
/** Strings this short are copied by a charCodeAt loop: below it, a native call costs more than it saves. */
const NATIVE_COPY_MIN = 32;
/** Zero bytes after the last character copied, so the eight-at-a-time read past it needs no bounds test. */
const PADDING = 12;
const INITIAL_BYTES = 4096 + PADDING;
/** The window arithmetic in scan reads words as little-endian; elsewhere every position is checked exactly. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Windows of four characters, hashed, where a keyword of some scanner could start at the first or second
 * character ("anchors": single keywords and first words of two-word keywords). One table shared by every
 * scanner, the union of their anchors (see registerAnchors): as a module constant its size is known to the
 * compiler, which drops the bounds checks from the hot loop. A window another scanner's anchors (or a hash
 * collision) marked only costs an exact check that fails.
 */
const WINDOW_HASH_BITS = 18;
const WINDOW_HASH_SHIFT = 32 - WINDOW_HASH_BITS;
const WINDOW_HASH_MULTIPLIER = 0x9e3779b1 | 0;
/** Keeps the low five bits of each of a window's four bytes. */
const LOW_BITS = 0x1f1f1f1f;
const ANCHOR_WINDOWS = new Uint8Array(1 << WINDOW_HASH_BITS);
let markedWindows = 0;

function isLetter(unit: number): boolean {
  const lower = unit | 0x20;
  return lower >= LOWER_A && lower <= LOWER_Z;
}

const ANY_LOW_BITS = Array.from({ length: 32 }, (_, k) => k);

/** Marks every window (by the low five bits of its characters) in which `word` starts at offset 0 or 1. */
function markAnchor(word: string): void {
  // Past the end of the word comes a non-letter (or the end), whose low five bits can be anything.
  const at = (k: number): readonly number[] => (k < word.length ? [word.charCodeAt(k) & 31] : ANY_LOW_BITS);
  const window = new Uint8Array(4);
  const asWord = new Uint32Array(window.buffer); // read back in the platform's byte order, as the scan reads
  const mark = (bytes: readonly number[]): void => {
    window.set(bytes);
    const slot = Math.imul((asWord[0] as number) & LOW_BITS, WINDOW_HASH_MULTIPLIER) >>> WINDOW_HASH_SHIFT;
    if (ANCHOR_WINDOWS[slot] === 0) markedWindows++;
    ANCHOR_WINDOWS[slot] = 1;
  };
  for (const first of at(0)) {
    for (const second of at(1)) {
      for (const third of at(2)) {
        for (const other of ANY_LOW_BITS) {
          mark([first, second, third, other]);
          mark([other, first, second, third]);
        }
      }
    }
  }
}

/**
 * The scanners whose anchors are in ANCHOR_WINDOWS, so that a process that makes many models over time (each
 * scoring a while, then dropped) keeps a selective filter; a fuller table stays correct, it only sends more
 * candidates to the exact check. Each time the list doubles, the dropped scanners leave it, and if the table
 * is past REBUILD_FILL it is rebuilt from the live ones: the work is in proportion to the scanners made.
 */
let anchorOwners: { readonly owner: WeakRef<object>; readonly anchors: readonly string[] }[] = [];
const REBUILD_FILL = ANCHOR_WINDOWS.length / 16;
const MIN_PRUNE_AT = 64;
let pruneAt = MIN_PRUNE_AT;

function registerAnchors(owner: object, anchors: readonly string[]): void {
  anchorOwners.push({ owner: new WeakRef(owner), anchors });
  for (const anchor of anchors) markAnchor(anchor);
  if (anchorOwners.length < pruneAt) return;
  const live = anchorOwners.filter((entry) => entry.owner.deref() !== undefined);
  const dropped = live.length < anchorOwners.length;
  anchorOwners = live;
  pruneAt = Math.max(MIN_PRUNE_AT, 2 * live.length);
  if (!dropped || markedWindows <= REBUILD_FILL) return;
  ANCHOR_WINDOWS.fill(0);
  markedWindows = 0;
  for (const entry of live) for (const anchor of entry.anchors) markAnchor(anchor);
}

export class KeywordScanner {
  private readonly next: Int32Array;
  /** Per trie state: the id of the single-word keyword that ends there, or NONE. */
  private readonly singleAt: Int32Array;
  /** Per trie state: the index of the word among first words of two-word keywords, or NONE. */
  private readonly pairFirstAt: Int32Array;
  /** Per trie state: the index of the word among second words of two-word keywords, or NONE. */
  private readonly pairSecondAt: Int32Array;
  private readonly pairSecondCount: number;
  /** `first * pairSecondCount + second` → keyword id. */
  private readonly pairIds = new Map<number, number>();
  /** The low byte of each character of the string being scanned (see scan), as bytes, words and a Buffer. */
  private bytes = new Uint8Array(INITIAL_BYTES);
  private words = new Uint32Array(this.bytes.buffer);
  private bytesBuffer = Buffer.from(this.bytes.buffer);
  /** The walk's stack, reused across calls; cleared after each so it holds no payload alive. */
  private readonly stack: JsonValue[] = [];

  private hits = 0;
  private charsLeft = 0;
  private firstSeen = NONE;
  private secondSeen = NONE;

  constructor(singles: readonly SensitiveWord[], pairs: readonly SensitivePair[]) {
    const trie = new LetterTrie();
    // An empty word, or one with a character other than a-z, can never equal a scanned word: left out.
    const anchors: string[] = [];
    const singleEnds: [number, number][] = [];
    for (const { word, id } of singles) {
      const state = trie.insert(word);
      if (state > ROOT) {
        singleEnds.push([state, id]);
        anchors.push(word);
      }
    }
    const firstIndex = new Map<number, number>();
    const secondIndex = new Map<number, number>();
    const indexIn = (indexes: Map<number, number>, state: number): number => {
      let index = indexes.get(state);
      if (index === undefined) indexes.set(state, (index = indexes.size));
      return index;
    };
    const pairEnds: [number, number, number][] = [];
    for (const { first, second, id } of pairs) {
      const firstState = trie.insert(first);
      const secondState = trie.insert(second);
      if (firstState > ROOT && secondState > ROOT) {
        pairEnds.push([indexIn(firstIndex, firstState), indexIn(secondIndex, secondState), id]);
        anchors.push(first);
      }
    }
    this.next = trie.table();
    this.singleAt = new Int32Array(trie.stateCount).fill(NONE);
    this.pairFirstAt = new Int32Array(trie.stateCount).fill(NONE);
    this.pairSecondAt = new Int32Array(trie.stateCount).fill(NONE);
    this.pairSecondCount = secondIndex.size;
    for (const [state, id] of singleEnds) this.singleAt[state] = id;
    for (const [state, index] of firstIndex) this.pairFirstAt[state] = index;
    for (const [state, index] of secondIndex) this.pairSecondAt[state] = index;
    for (const [first, second, id] of pairEnds) this.pairIds.set(first * this.pairSecondCount + second, id);
    registerAnchors(this, anchors);
  }

  /** Distinct sensitive keywords (counted up to KEYWORD_SATURATION) in the keys and string values read within the budgets. */
  count(payload: JsonValue, budgetChars: number, budgetNodes: number): number {
    this.hits = 0;
    this.charsLeft = budgetChars;
    this.firstSeen = NONE;
    this.secondSeen = NONE;
    if (typeof payload === 'string') {
      this.scan(payload);
      return this.hits;
    }
    if (payload === null || typeof payload !== 'object') return 0;
    const stack = this.stack;
    let top = 0;
    let highWater = 1;
    stack[top++] = payload;
    let nodesLeft = budgetNodes;
    while (top > 0 && nodesLeft > 0 && this.charsLeft > 0 && this.hits < KEYWORD_SATURATION) {
      const node = stack[--top] as JsonValue;
      nodesLeft--;
      if (typeof node === 'string') this.scan(node);
      else if (Array.isArray(node)) {
        // Pushed last to first so they are read first to last; never more than the nodes left to read.
        for (let i = node.length - 1; i >= 0 && top < nodesLeft; i--) stack[top++] = node[i] as JsonValue;
      } else if (node !== null && typeof node === 'object') {
        for (const key in node) {
          if (this.charsLeft <= 0 || this.hits >= KEYWORD_SATURATION) break;
          this.scan(key);
          const value = node[key] as JsonValue;
          if (typeof value === 'string') this.scan(value);
          else if (value !== null && typeof value === 'object' && top < nodesLeft) stack[top++] = value;
        }
      }
      if (top > highWater) highWater = top;
    }
    stack.fill(null, 0, highWater);
    return this.hits;
  }

  /**
   * Starts a count over the strings of an encoded payload, given as UTF-8 bytes: copies `source` into the
   * scanner's buffer (once per payload, not once per string) and returns that copy, whose offsets are
   * `source`'s; then scanUtf8 reads strings by their place in it. For a payload read whole within the
   * budgets, where the order strings are read in cannot change the count.
   */
  loadUtf8(source: Uint8Array): Uint8Array {
    this.hits = 0;
    this.firstSeen = NONE;
    this.secondSeen = NONE;
    const bytes = this.bytesFor(source.length);
    bytes.set(source);
    for (let k = source.length; k < source.length + PADDING; k++) bytes[k] = 0;
    return bytes;
  }

  /**
   * Scans one string of the loaded bytes, `[start, end)`, whole (no budget); true once the count has
   * saturated. Words are runs of ASCII letters either way, and every byte of a non-ASCII character is a
   * non-letter, as its UTF-16 units are: the words, and so the keywords, are those of the decoded string.
   */
  scanUtf8(start: number, end: number): boolean {
    if (end > start) {
      this.from = start;
      if (LITTLE_ENDIAN) this.filterCopied(null, start, end, false);
      else for (let i = start; i < end && !this.matchAt(null, i, end, false); i++);
      this.from = 0;
    }
    return this.hits >= KEYWORD_SATURATION;
  }

  /** The keywords counted since loadUtf8, up to KEYWORD_SATURATION. */
  get utf8Hits(): number {
    return this.hits;
  }

  /**
   * Reads the characters of `text` left in the budget: filters them through ANCHOR_WINDOWS and checks each
   * candidate exactly (see the file comment). A word cut by the budget is matched as cut.
   */
  private scan(text: string): void {
    const length = text.length < this.charsLeft ? text.length : this.charsLeft;
    this.charsLeft -= length;
    if (!(length > 0)) return;
    // A fractional budget (a config slip) reads up to the next whole character; see matchAt.
    const count = Math.ceil(length);
    const fractional = count !== length;
    if (!LITTLE_ENDIAN) {
      for (let i = 0; i < count; i++) if (this.matchAt(text, i, count, fractional)) return;
      return;
    }
    const bytes = this.bytesFor(count);
    // Short strings are copied by a loop: below NATIVE_COPY_MIN a native call costs more than it saves. A
    // Uint8Array keeps the low byte of each unit, as latin1 writes it. 'ascii' rather than 'latin1': it writes
    // the same bytes (Node documents it so) through Buffer#write's fast branch, a third of the call's cost.
    // Only the low five bits are read, so even a write that cleared the top bit would filter the same.
    if (count <= NATIVE_COPY_MIN || this.bytesBuffer.write(text, 0, count, 'ascii') !== count) {
      for (let i = 0; i < count; i++) bytes[i] = text.charCodeAt(i);
    }
    for (let k = count; k < count + PADDING; k++) bytes[k] = 0;
    this.filterCopied(text, 0, count, fractional);
  }

  /**
   * The filter over the characters copied into `bytes` at `[start, end)` (followed by PADDING readable
   * bytes), and the exact check of its candidates: against `text` itself, or against the copy when `text`
   * is null (UTF-8 bytes, exact as copied). Windows are read from the 8-byte boundary at or before `start`;
   * a candidate before `start` is refused by matchAt (`this.from`).
   */
  private filterCopied(text: string | null, start: number, end: number, fractional: boolean): void {
    const words = this.words;
    const wordCount = (end + 3) >>> 2;
    let k = (start >>> 3) << 1;
    let current = words[k] as number;
    // Eight characters per turn (two words, four windows: keywords starting at base + 0/1, 2/3, 4/5, 6/7),
    // one branch for all four; it is almost never taken.
    for (; k < wordCount; k += 2) {
      const second = words[k + 1] as number;
      const third = words[k + 2] as number;
      const at0 = ANCHOR_WINDOWS[Math.imul(current & LOW_BITS, WINDOW_HASH_MULTIPLIER) >>> WINDOW_HASH_SHIFT] as number;
      const at2 = ANCHOR_WINDOWS[Math.imul(((current >>> 16) | (second << 16)) & LOW_BITS, WINDOW_HASH_MULTIPLIER) >>> WINDOW_HASH_SHIFT] as number;
      const at4 = ANCHOR_WINDOWS[Math.imul(second & LOW_BITS, WINDOW_HASH_MULTIPLIER) >>> WINDOW_HASH_SHIFT] as number;
      const at6 = ANCHOR_WINDOWS[Math.imul(((second >>> 16) | (third << 16)) & LOW_BITS, WINDOW_HASH_MULTIPLIER) >>> WINDOW_HASH_SHIFT] as number;
      if ((at0 | at2 | at4 | at6) !== 0 && this.checkWindows(text, k << 2, at0, at2, at4, at6, end, fractional)) return;
      current = third;
    }
  }

  /** The exact check of the (at most eight) positions whose windows the filter marked; true once saturated. */
  private checkWindows(text: string | null, base: number, at0: number, at2: number, at4: number, at6: number, count: number, fractional: boolean): boolean {
    if (at0 !== 0 && (this.matchAt(text, base, count, fractional) || this.matchAt(text, base + 1, count, fractional))) return true;
    if (at2 !== 0 && (this.matchAt(text, base + 2, count, fractional) || this.matchAt(text, base + 3, count, fractional))) return true;
    if (at4 !== 0 && (this.matchAt(text, base + 4, count, fractional) || this.matchAt(text, base + 5, count, fractional))) return true;
    return at6 !== 0 && (this.matchAt(text, base + 6, count, fractional) || this.matchAt(text, base + 7, count, fractional));
  }

  /** The copy buffer, with room for `count` characters and the PADDING after them; grown (never shrunk) as budgets need. */
  private bytesFor(count: number): Uint8Array {
    if (count + PADDING > this.bytes.length) {
      let capacity = this.bytes.length;
      while (capacity < count + PADDING) capacity *= 2;
      this.bytes = new Uint8Array(capacity);
      this.words = new Uint32Array(this.bytes.buffer);
      this.bytesBuffer = Buffer.from(this.bytes.buffer);
    }
    return this.bytes;
  }

  /**
   * Counts the keyword(s) that the word starting at `start` is (or begins, for a two-word keyword), if a word
   * starts there at all, reading `text` itself up to `count`. True when the count has saturated.
   * `fractional`: the scorer has always left a word that reaches a fractional budget's end uncounted; kept so
   * that scores stay what they were.
   */
  private matchAt(text: string | null, start: number, count: number, fractional: boolean): boolean {
    const from = this.from;
    if (start >= count || start < from || (start > from && isLetter(this.codeAt(text, start - 1)))) return false;
    const state = this.walkWord(text, start, count);
    if (state === DEAD) return false;
    const end = this.wordEnd;
    if (fractional && end === count) return false;
    const single = this.singleAt[state] as number;
    if (single !== NONE) this.hit(single);
    const first = this.pairFirstAt[state] as number;
    if (first !== NONE) {
      let next = end;
      while (next < count && !isLetter(this.codeAt(text, next))) next++;
      const secondState = this.walkWord(text, next, count);
      if (secondState !== DEAD && !(fractional && this.wordEnd === count)) {
        const second = this.pairSecondAt[secondState] as number;
        const pair = second === NONE ? undefined : this.pairIds.get(first * this.pairSecondCount + second);
        if (pair !== undefined) this.hit(pair);
      }
    }
    return this.hits >= KEYWORD_SATURATION;
  }

  /** Where the last walkWord's word ended (the index of the first character after it). */
  private wordEnd = 0;
  /** Where the string being scanned starts in `bytes` (0 but for scanUtf8): no word starts before it. */
  private from = 0;

  /** The trie state after the letters of `text` from `start` up to a non-letter or `count`; DEAD once off the trie or if no letter is there. */
  private walkWord(text: string | null, start: number, count: number): number {
    const next = this.next;
    let state = ROOT;
    let i = start;
    while (i < count) {
      const code = this.codeAt(text, i) | 0x20;
      if (code < LOWER_A || code > LOWER_Z) break;
      state = next[(state << 5) | (code & 31)] as number;
      if (state === DEAD) return DEAD;
      i++;
    }
    if (i === start) return DEAD;
    this.wordEnd = i;
    return state;
  }

  /** The character (or, with `text` null, the UTF-8 byte) at `index` that the exact check reads. */
  private codeAt(text: string | null, index: number): number {
    return text === null ? (this.bytes[index] as number) : text.charCodeAt(index);
  }

  private hit(id: number): void {
    if (id === this.firstSeen || id === this.secondSeen) return;
    if (this.firstSeen < 0) this.firstSeen = id;
    else if (this.secondSeen < 0) this.secondSeen = id;
    this.hits++;
  }
}
