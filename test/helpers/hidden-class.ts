import { setFlagsFromString } from 'node:v8';

// V8's own answer, through a natives call compiled once while the flag is on (it only affects parsing).
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
setFlagsFromString('--no-allow-natives-syntax');

/**
 * Whether V8 gave all these objects one hidden class (map). Objects built per message should: on Node 20 an
 * object made as `{ ...source, extra }` gets a new map every time once the spread's fast path is warm (after
 * about ten calls: pass a few dozen objects), each new map is allocated in the old generation, and every
 * inline cache that reads such objects goes megamorphic.
 */
export function oneHiddenClass(objects: readonly object[]): boolean {
  return objects.every((o) => haveSameMap(objects[0]!, o));
}
