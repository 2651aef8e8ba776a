import { ANY, ANY_NO_SLASH, ONE_NO_SLASH, type Glob, type GlobToken, type PermissionRule } from './rules.ts';

/**
 * The fast pass: does one glob include another? A DP over the two token lists that aligns every token of the
 * smaller glob with tokens of the larger one able to produce all its expansions. It is sound (true means
 * inclusion) but not complete: it answers false when coverage needs several rules together or a cleverer
 * alignment, and those cases go to Z3. Milliseconds for hundreds of rules.
 */

const SLASH = 47;

/** Can `token` of the inner glob be absorbed by a single repetition of `star` in the outer glob? */
function absorbs(star: GlobToken, token: GlobToken): boolean {
  if (star === ANY) return true;
  // ANY_NO_SLASH absorbs anything that never produces '/'.
  return token === ANY_NO_SLASH || token === ONE_NO_SLASH || (token >= 0 && token !== SLASH);
}

/** L(inner) ⊆ L(outer), decided by alignment (sufficient, not necessary). */
export function globIncludes(outer: Glob, inner: Glob): boolean {
  const n = inner.length;
  const m = outer.length;
  // reach[i][j]: inner[i..] can be covered by outer[j..]; computed backwards, one row at a time.
  let next = new Uint8Array(m + 1);
  let current = new Uint8Array(m + 1);
  // Row i = n (inner exhausted): outer's tail must be able to produce the empty string (stars only).
  next[m] = 1;
  for (let j = m - 1; j >= 0; j--) next[j] = (outer[j] === ANY || outer[j] === ANY_NO_SLASH) && next[j + 1] === 1 ? 1 : 0;
  for (let i = n - 1; i >= 0; i--) {
    const token = inner[i] as GlobToken;
    current[m] = 0;
    for (let j = m - 1; j >= 0; j--) {
      const o = outer[j] as GlobToken;
      let ok = false;
      if (o === ANY || o === ANY_NO_SLASH) {
        // The star matches nothing more (skip it) or absorbs this inner token and stays.
        ok = current[j + 1] === 1 || (absorbs(o, token) && next[j] === 1);
      } else if (o === ONE_NO_SLASH) {
        ok = (token === ONE_NO_SLASH || (token >= 0 && token !== SLASH)) && next[j + 1] === 1;
      } else {
        ok = token === o && next[j + 1] === 1;
      }
      current[j] = ok ? 1 : 0;
    }
    [next, current] = [current, next];
  }
  return next[0] === 1;
}

/** Every alternative of `inner` is included in one alternative of `outer`. */
export function ruleIncludes(outer: PermissionRule, inner: PermissionRule): boolean {
  return inner.alternatives.every((a) => outer.alternatives.some((b) => globIncludes(b, a)));
}

/** Each alternative of `inner` included in some alternative of some rule in `outers`. */
export function coveredBySingleRules(outers: readonly PermissionRule[], inner: PermissionRule): PermissionRule[] | null {
  const witnesses: PermissionRule[] = [];
  for (const alternative of inner.alternatives) {
    const by = outers.find((outer) => outer.alternatives.some((b) => globIncludes(b, alternative)));
    if (by === undefined) return null;
    witnesses.push(by);
  }
  return witnesses;
}

/** Exact membership of a concrete string in a glob (what a permission check at run time would answer). */
export function globMatches(glob: Glob, text: string): boolean {
  const n = text.length;
  // reach[i]: the glob prefix processed so far can produce text[0, i).
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const token of glob) {
    const next = new Uint8Array(n + 1);
    if (token === ANY || token === ANY_NO_SLASH) {
      for (let i = 0; i <= n; i++) {
        if (reach[i] === 1 || (i > 0 && next[i - 1] === 1 && (token === ANY || text.charCodeAt(i - 1) !== SLASH))) next[i] = 1;
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (reach[i] !== 1) continue;
        const c = text.charCodeAt(i);
        if (token === ONE_NO_SLASH ? c !== SLASH : c === token) next[i + 1] = 1;
      }
    }
    reach = next;
  }
  return reach[n] === 1;
}

export function ruleMatches(rule: PermissionRule, text: string): boolean {
  return rule.alternatives.some((glob) => globMatches(glob, text));
}
