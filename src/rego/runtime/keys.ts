// The policy's lookup keys, interned. The linker (src/rego/emit.ts) lays out a hash table of the
// constant strings the generated code looks up (`input.message.from` → "message", "from") and
// returns its address from policy.key_table. The parser gives an object key equal to one of them
// that very constant as its value, so a lookup (rt_get_hinted) finds its key by comparing pointers
// instead of bytes, and the key costs no allocation. Table: [mask: u32][mask + 1 slots: u32 string
// record pointer or 0], linear probing, hash as below (keyHash in emit.ts computes the same).
import { strLen, strPtr } from "./value";
import { bytesEqual } from "./compare";

@external("policy", "key_table")
declare function policy_key_table(): usize;

const FNV_PRIME: u32 = 0x01000193;

/** The hash of n bytes at p: their length and first, last and middle bytes. */
@inline export function keyHash(p: usize, n: u32): u32 {
  let h: u32 = n;
  if (n > 0) {
    h = (h ^ <u32>load<u8>(p)) * FNV_PRIME;
    h = (h ^ <u32>load<u8>(p + n - 1)) * FNV_PRIME;
    h = (h ^ <u32>load<u8>(p + (n >> 1))) * FNV_PRIME;
  }
  return h ^ (h >> 16);
}

/** The policy's constant string with these n bytes, or 0 when the policy never looks such a key up. */
export function internedKey(p: usize, n: u32): usize {
  const table = policy_key_table();
  const mask = load<u32>(table);
  let i = keyHash(p, n) & mask;
  while (true) {
    const key = <usize>load<u32>(table + 4 + (<usize>i << 2));
    if (key == 0) return 0;
    if (strLen(key) == n && bytesEqual(strPtr(key), p, n)) return key;
    i = (i + 1) & mask;
  }
}
