import { Buffer } from 'node:buffer';
import type { JsonValue } from '../message.ts';
import { DEAD as TRIE_DEAD, LetterTrie, ROOT as TRIE_ROOT } from './letter-trie.ts';

// Module-local copies: the hot loops read these, and an imported binding can cost a getter call per read
// when the module is run through a CommonJS transform (as tsx does).
const DEAD = TRIE_DEAD;
const ROOT = TRIE_ROOT;

/**
 * Counts distinct sensitive keywords in a payload's keys and string values in one bounded pass, reading char
 * codes only: no lower-cased copies, no substrings, no regex, no hashing per word.
 *
 * A word is a maximal run of ASCII letters (so `api_token` and the `transfer` of `transfer-funds` are words,
 * `insecurity` is not `security`), compared without ASCII case. A two-word keyword (`private key`) matches two
 * consecutive words of one string, whatever non-letters separate them.
 *
 * How it stays cheap: each string's budgeted characters are copied (natively) into a reusable Uint16Array,
 * and one pass looks up, at every position, the low five bits of the next three characters in a 32 Ki-entry
 * table of the keywords' first three letters ("anchors": single keywords and first words of two-word ones).
 * That lookup has no branch per word and no state carried from one character to the next, so the CPU runs
 * positions in parallel. Only where it hits (a keyword's first letters, or rarely a look-alike) is the word
 * checked exactly: it must start the word, and walk a case-insensitive letter trie to a keyword's end.
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
/** Characters past the last one read (as 0, a non-letter) so the scan loops need no bounds tests. */
const SENTINELS = 3;
const INITIAL_UNITS = 4096 + SENTINELS;
/** Buffer#write(…, 'utf16le') writes little-endian units; elsewhere a Uint16Array would read them swapped. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Windows of three characters (by the low five bits of each) that can start an anchor word of some scanner.
 * One table shared by every scanner, the union of their anchors: as a module constant its size is known to
 * the compiler, which then drops the bounds check from the hot loop's two lookups per character (measured:
 * ~20% of the scan). A window another scanner's anchors added only costs an exact check that fails.
 */
const ANCHOR_STARTS = new Uint8Array(1 << 15);

function isLetter(unit: number): boolean {
  const lower = unit | 0x20;
  return lower >= LOWER_A && lower <= LOWER_Z;
}

/** Marks every three-character window, by low five bits, that can start an occurrence of `word`. */
function markAnchor(word: string): void {
  // Past the end of the word comes a non-letter (or the end), whose low five bits can be anything.
  const first = word.charCodeAt(0) & 31;
  const secondOptions = word.length > 1 ? [word.charCodeAt(1) & 31] : Array.from({ length: 32 }, (_, k) => k);
  const thirdOptions = word.length > 2 ? [word.charCodeAt(2) & 31] : Array.from({ length: 32 }, (_, k) => k);
  for (const second of secondOptions) for (const third of thirdOptions) ANCHOR_STARTS[(first << 10) | (second << 5) | third] = 1;
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
  /** Characters of the string being scanned, as UTF-16 code units (see scan), and the same memory as a Buffer. */
  private units = new Uint16Array(INITIAL_UNITS);
  private unitBytes = Buffer.from(this.units.buffer, this.units.byteOffset, this.units.byteLength);
  /** The walk's stack, reused across calls; cleared after each so it holds no payload alive. */
  private readonly stack: JsonValue[] = [];

  private hits = 0;
  private charsLeft = 0;
  private firstSeen = NONE;
  private secondSeen = NONE;

  constructor(singles: readonly SensitiveWord[], pairs: readonly SensitivePair[]) {
    const trie = new LetterTrie();
    // An empty word, or one with a character other than a-z, can never equal a scanned word: left out.
    const singleEnds: [number, number][] = [];
    for (const { word, id } of singles) {
      const state = trie.insert(word);
      if (state > ROOT) {
        singleEnds.push([state, id]);
        markAnchor(word);
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
        markAnchor(first);
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
   * Reads the characters of `text` left in the budget. They are first copied into a reusable Uint16Array
   * (natively, by Buffer#write, for all but short strings) because reading a typed array in a loop costs a
   * fraction of String#charCodeAt per character; the copy holds UTF-16 code units, so positions and the budget
   * are counted exactly as on the string. A word cut by the budget is matched as cut.
   */
  private scan(text: string): void {
    const length = text.length < this.charsLeft ? text.length : this.charsLeft;
    this.charsLeft -= length;
    if (!(length > 0)) return;
    // A fractional budget (a config slip) reads up to the next whole character; see matchAt.
    const count = Math.ceil(length);
    const units = this.unitsFor(count);
    if (count <= NATIVE_COPY_MIN || !LITTLE_ENDIAN || this.unitBytes.write(text, 0, count * 2, 'utf16le') !== count * 2) {
      for (let i = 0; i < count; i++) units[i] = text.charCodeAt(i);
    }
    for (let k = 0; k < SENTINELS; k++) units[count + k] = 0;
    this.scanUnits(units, count, count !== length);
  }

  /** A copy buffer for `count` units and the sentinels after them, grown (never shrunk) as budgets need. */
  private unitsFor(count: number): Uint16Array {
    if (count + SENTINELS > this.units.length) {
      let capacity = this.units.length;
      while (capacity < count + SENTINELS) capacity *= 2;
      this.units = new Uint16Array(capacity);
      this.unitBytes = Buffer.from(this.units.buffer, this.units.byteOffset, this.units.byteLength);
    }
    return this.units;
  }

  /** Finds the keywords in units[0, count), followed by SENTINELS zeros; stops once the count saturates. */
  private scanUnits(units: Uint16Array, count: number, fractional: boolean): void {
    let x = (units[0] as number) & 31;
    let y = (units[1] as number) & 31;
    // Two positions per turn, one branch for both: the branch is almost never taken.
    for (let i = 0; i < count; i += 2) {
      const z = (units[i + 2] as number) & 31;
      const w = (units[i + 3] as number) & 31;
      const atFirst = ANCHOR_STARTS[(x << 10) | (y << 5) | z] as number;
      const atSecond = ANCHOR_STARTS[(y << 10) | (z << 5) | w] as number;
      if ((atFirst | atSecond) !== 0) {
        if (atFirst !== 0 && this.matchAt(units, i, count, fractional)) return;
        if (atSecond !== 0 && i + 1 < count && this.matchAt(units, i + 1, count, fractional)) return;
      }
      x = z;
      y = w;
    }
  }

  /**
   * Counts the keyword(s) that the word starting at `start` is (or begins, for a two-word keyword), if it is
   * a word start at all. True when the count has saturated. `fractional`: the scorer has always left a word
   * that reaches a fractional budget's end uncounted; kept so that scores stay what they were.
   */
  private matchAt(units: Uint16Array, start: number, count: number, fractional: boolean): boolean {
    if (start > 0 && isLetter(units[start - 1] as number)) return false;
    const state = this.walkWord(units, start);
    if (state === DEAD) return false;
    const end = this.wordEnd;
    if (fractional && end === count) return false;
    const single = this.singleAt[state] as number;
    if (single !== NONE) this.hit(single);
    const first = this.pairFirstAt[state] as number;
    if (first !== NONE) {
      let next = end;
      while (next < count && !isLetter(units[next] as number)) next++;
      if (next < count) {
        const secondState = this.walkWord(units, next);
        if (secondState !== DEAD && !(fractional && this.wordEnd === count)) {
          const second = this.pairSecondAt[secondState] as number;
          const pair = second === NONE ? undefined : this.pairIds.get(first * this.pairSecondCount + second);
          if (pair !== undefined) this.hit(pair);
        }
      }
    }
    return this.hits >= KEYWORD_SATURATION;
  }

  /** Where the last walkWord's word ended (the index of the non-letter after it). */
  private wordEnd = 0;

  /** The trie state after the letters from `start` up to the next non-letter, or DEAD once off the trie. */
  private walkWord(units: Uint16Array, start: number): number {
    const next = this.next;
    let state = ROOT;
    let i = start;
    let code = (units[i] as number) | 0x20;
    if (code < LOWER_A || code > LOWER_Z) return DEAD;
    do {
      state = next[(state << 5) | (code & 31)] as number;
      if (state === DEAD) return DEAD;
      code = (units[++i] as number) | 0x20;
    } while (code >= LOWER_A && code <= LOWER_Z);
    this.wordEnd = i;
    return state;
  }

  private hit(id: number): void {
    if (id === this.firstSeen || id === this.secondSeen) return;
    if (this.firstSeen < 0) this.firstSeen = id;
    else if (this.secondSeen < 0) this.secondSeen = id;
    this.hits++;
  }
}
