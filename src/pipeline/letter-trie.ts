/**
 * A trie over ASCII letters that is matched case-insensitively by char code, for scanning text without
 * building lower-cased strings or substrings.
 *
 * States are numbers; `next[(state << 5) | (code & 31)]` is the state after the letter `code`. Upper- and
 * lower-case forms of a letter share their low five bits (`A` 65 and `a` 97 are both 1), so one table entry
 * serves both. DEAD (0) means "no word of the trie starts with what was read" and loops to itself, so a scan
 * can stop walking as soon as it gets there. Only call `step` with ASCII letters: other char codes alias letters.
 */
export const DEAD = 0;
export const ROOT = 1;
const STRIDE = 32;

export function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 97 && lower <= 122;
}

export class LetterTrie {
  private next = new Int32Array(STRIDE * 16);
  private size = 2; // DEAD and ROOT

  /** The state `word` ends in, adding it if needed; -1 when `word` has a character other than an ASCII letter a-z. */
  insert(word: string): number {
    for (let i = 0; i < word.length; i++) {
      const code = word.charCodeAt(i);
      if (code < 97 || code > 122) return -1;
    }
    let state = ROOT;
    for (let i = 0; i < word.length; i++) {
      const slot = (state << 5) | (word.charCodeAt(i) & 31);
      let target = this.next[slot] as number;
      if (target === DEAD) {
        target = this.grow();
        this.next[slot] = target;
      }
      state = target;
    }
    return state;
  }

  get stateCount(): number {
    return this.size;
  }

  /** The transition table, trimmed to the states in use; the trie is not to be changed after this. */
  table(): Int32Array {
    return this.next.slice(0, this.size * STRIDE);
  }

  private grow(): number {
    if ((this.size + 1) * STRIDE > this.next.length) {
      const bigger = new Int32Array(this.next.length * 2);
      bigger.set(this.next);
      this.next = bigger;
    }
    return this.size++;
  }
}
