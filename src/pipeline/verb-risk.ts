import { DEAD as TRIE_DEAD, LetterTrie, ROOT as TRIE_ROOT } from './letter-trie.ts';

// Module-local copies: the hot loops read these, and an imported binding can cost a getter call per read
// when the module is run through a CommonJS transform (as tsx does).
const DEAD = TRIE_DEAD;
const ROOT = TRIE_ROOT;

/** Verbs longer than this are read as cut here (as `leadingVerb` in impact.ts does). */
export const MAX_VERB_LENGTH = 64;

/**
 * The risk of an action name's leading verb, looked up by walking the name's char codes through a letter trie
 * of the known verbs: no lower-cased copy of the name and no substring per message.
 *
 * Gives the same answer as `verbRisk.get(leadingVerb(name))`: the verb is the leading run of ASCII letters,
 * up to MAX_VERB_LENGTH, ending before an upper-case letter that follows a lower-case one (`deleteUser`,
 * `delete_user`, `DELETE /x` → `delete`), compared without case.
 */
export class VerbRiskTable {
  private readonly next: Int32Array;
  /** Per trie state: the risk of the verb that ends there (undefined where none does, as Map.get answers). */
  private readonly riskAt: (number | undefined)[];

  /** `verbRisk` keys are lower-cased verbs; a key that is not all ASCII letters can never be a leading verb. */
  constructor(verbRisk: ReadonlyMap<string, number>) {
    const trie = new LetterTrie();
    const ends: [number, number][] = [];
    for (const [verb, risk] of verbRisk) {
      const state = trie.insert(verb);
      if (state >= ROOT) ends.push([state, risk]);
    }
    this.next = trie.table();
    this.riskAt = new Array<number | undefined>(trie.stateCount).fill(undefined);
    for (const [state, risk] of ends) this.riskAt[state] = risk;
  }

  /** The risk of `name`'s leading verb, or undefined when that verb is not in the table. */
  riskOf(name: string): number | undefined {
    const limit = name.length < MAX_VERB_LENGTH ? name.length : MAX_VERB_LENGTH;
    let state = ROOT;
    let previousWasLower = false;
    for (let i = 0; i < limit; i++) {
      const code = name.charCodeAt(i);
      const lower = code >= 97 && code <= 122;
      if (!lower && !(code >= 65 && code <= 90)) break;
      // camelCase boundary: an upper-case letter after a lower-case one starts the next word.
      if (!lower && previousWasLower) break;
      state = this.next[(state << 5) | (code & 31)] as number;
      if (state === DEAD) return undefined;
      previousWasLower = lower;
    }
    return this.riskAt[state];
  }
}
