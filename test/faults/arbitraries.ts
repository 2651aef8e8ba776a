// Generators of malformed send() inputs, shared by the CI corpus (test/faults/malformed-input.test.ts) and
// `npm run fuzz` (bench/fuzz.ts). Every generated input is wrong by construction (each family below says
// why), so the only right answer is a typed rejection; `expected` names the code when it is determined.
import fc from 'fast-check';
import { ErrorCode } from '../../src/errors.ts';
import { DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_LIMITS, MessageType } from '../../src/model/message.ts';

export interface MalformedCase {
  /** Which family made it (for the failure report). */
  readonly label: string;
  /** Built on demand: hostile values (throwing getters, Proxies) must not be touched by the generator. */
  readonly build: () => unknown;
  /** The code it must get, when only one is right; otherwise any documented code. */
  readonly expected?: ErrorCode;
}

/** The agents the corpus's bus registers: the sender and the recipient of every base message. */
export const SENDER = { id: 'fuzz-sender', tenantId: 'tenant-fuzz' } as const;
export const RECIPIENT = { id: 'fuzz-recipient', tenantId: 'tenant-fuzz' } as const;

const BASE = { from: SENDER.id, to: RECIPIENT.id, type: 'event', tenantId: SENDER.tenantId } as const;

const boom = (): never => { throw new Error('hostile input'); };

class Point {
  constructor(readonly x: number, readonly y: number) {}
}

/** Values that are not JSON, or not plain: each refused wherever it appears in a payload. */
const nonJsonValue: fc.Arbitrary<[string, () => unknown]> = fc.constantFrom<[string, () => unknown]>(
  ['bigint', () => 10n ** 20n],
  ['symbol', () => Symbol('s')],
  ['function', () => () => 1],
  ['undefined', () => undefined],
  ['NaN', () => Number.NaN],
  ['Infinity', () => Number.POSITIVE_INFINITY],
  ['-Infinity', () => Number.NEGATIVE_INFINITY],
  ['Date', () => new Date(0)],
  ['invalid Date', () => new Date(Number.NaN)],
  ['Map', () => new Map([['a', 1]])],
  ['Set', () => new Set([1])],
  ['RegExp', () => /x/g],
  ['Error', () => new Error('e')],
  ['Uint8Array', () => new Uint8Array(8)],
  ['Float64Array', () => new Float64Array([1.5])],
  ['ArrayBuffer', () => new ArrayBuffer(4)],
  ['DataView', () => new DataView(new ArrayBuffer(4))],
  ['SharedArrayBuffer', () => new SharedArrayBuffer(4)],
  ['class instance', () => new Point(1, 2)],
  ['Promise', () => Promise.resolve(1)],
  ['WeakMap', () => new WeakMap()],
  ['boxed string', () => new String('s')],
  ['object with a throwing getter', () => ({ get x() { return boom(); } })],
  ['Proxy whose traps throw', () => new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom })],
  ['lone high surrogate', () => 'a\ud800b'],
  ['lone low surrogate', () => '\udc00'],
);

/** A small valid JSON payload to corrupt (ASCII strings, so no accidental surrogates). */
const jsonPayload = fc.jsonValue({ maxDepth: 3 });

/** Puts `bad` somewhere inside a fresh copy of `payload`: as an element, a value, or the payload itself. */
function plant(payload: unknown, bad: unknown, path: readonly number[]): unknown {
  if (path.length === 0 || payload === null || typeof payload !== 'object') return path[0] === undefined || path[0] % 3 === 0 ? bad : [payload, bad];
  const [step, ...rest] = path;
  if (Array.isArray(payload)) {
    if (payload.length === 0) return [bad];
    const copy = [...payload];
    copy[step! % copy.length] = plant(copy[step! % copy.length], bad, rest);
    return copy;
  }
  const keys = Object.keys(payload);
  if (keys.length === 0) return { k: bad };
  const copy: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  const key = keys[step! % keys.length]!;
  copy[key] = plant(copy[key], bad, rest);
  return copy;
}

const noise = fc.constantFrom<Record<string, unknown>>({}, { constructor: { prototype: { polluted: true } } }, { prototype: { polluted: true } }, { constructor: 'x' });

/** A payload containing one non-JSON value somewhere. */
const poisonedPayload: fc.Arbitrary<MalformedCase> = fc.tuple(jsonPayload, nonJsonValue, fc.array(fc.nat(), { maxLength: 4 }), noise).map(([payload, [name, make], path, extra]) => ({
  label: `payload holds a ${name}${Object.keys(extra).length > 0 ? ' (and constructor/prototype keys beside it)' : ''}`,
  build: () => {
    const planted = plant(payload, make(), path);
    // An undefined payload means "none" (null): keep the undefined inside an array, where it is refused.
    return { ...BASE, ...extra, payload: planted === undefined ? [planted] : planted };
  },
}));

/** Every field given a value of the wrong type (values chosen so that none is accidentally right). */
const wrongValue = fc.constantFrom<[string, () => unknown]>(
  ['null', () => null], ['true', () => true], ['0', () => 0], ['-0', () => -0], ['1.5', () => 1.5], ['NaN', () => Number.NaN],
  ['bigint', () => 1n], ['symbol', () => Symbol('x')], ['function', () => () => 'sender'], ['array', () => ['fuzz-sender']],
  ['object', () => ({ id: 'x' })], ['Date', () => new Date(0)], ['Uint8Array', () => new Uint8Array(2)], ['class instance', () => new Point(0, 0)],
  ['Proxy', () => new Proxy({}, { get: boom })], ['boxed string', () => new String('fuzz-sender')],
);
const stringFields = ['id', 'from', 'to', 'tenantId', 'conversationId'] as const;
const wrongField: fc.Arbitrary<MalformedCase> = fc.tuple(fc.constantFrom(...stringFields, 'type', 'priority', 'constitutionalHash'), wrongValue)
  // Priority 0 (and -0) is LOW, a right value.
  .filter(([field, [name]]) => !(field === 'priority' && (name === '0' || name === '-0')))
  .map(([field, [name, make]]) => ({
  label: `${field} is a ${name}`,
  build: () => ({ ...BASE, [field]: make() }),
  ...(field === 'constitutionalHash' ? { expected: ErrorCode.HASH_MISMATCH } : field === 'tenantId' ? { expected: ErrorCode.TENANT } : { expected: ErrorCode.INVALID_MESSAGE }),
}));

const wrongString = fc.oneof(
  fc.constant(''),
  fc.constant('a\ud800'),
  fc.constant('\udfff-x'),
  fc.integer({ min: DEFAULT_LIMITS.maxIdBytes + 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
  // Multi-byte: within the limit in UTF-16 units, over it in UTF-8 bytes.
  fc.integer({ min: Math.ceil(DEFAULT_LIMITS.maxIdBytes / 3) + 1, max: DEFAULT_LIMITS.maxIdBytes }).map((n) => '€'.repeat(n)),
);
const badString: fc.Arbitrary<MalformedCase> = fc.tuple(fc.constantFrom(...stringFields), wrongString).map(([field, value]) => ({
  label: `${field} is a malformed string (${value.length} units)`,
  build: () => ({ ...BASE, [field]: value }),
  expected: field === 'tenantId' ? ErrorCode.TENANT : ErrorCode.INVALID_MESSAGE,
}));

const badType: fc.Arbitrary<MalformedCase> = fc.string({ maxLength: 30 }).filter((s) => !(Object.values(MessageType) as string[]).includes(s)).map((type) => ({
  label: `type ${JSON.stringify(type)}`, build: () => ({ ...BASE, type }), expected: ErrorCode.INVALID_MESSAGE,
}));

const badPriority: fc.Arbitrary<MalformedCase> = fc.oneof(fc.integer().filter((n) => n < 0 || n > 3), fc.double().filter((n) => !Number.isInteger(n)), fc.constantFrom('1', '0', null, true)).map((priority) => ({
  label: `priority ${String(priority)}`, build: () => ({ ...BASE, priority }), expected: ErrorCode.INVALID_MESSAGE,
}));

const badTime: fc.Arbitrary<MalformedCase> = fc.tuple(fc.constantFrom('createdAt', 'expiresAt'), fc.constantFrom<[string, () => unknown]>(
  ['NaN', () => Number.NaN], ['Infinity', () => Number.POSITIVE_INFINITY], ['a string', () => '2026-01-01'], ['an invalid Date', () => new Date('nope')],
  ['null', () => null], ['bigint', () => 5n], ['a Date whose getTime throws', () => Object.assign(new Date(), { getTime: boom })],
)).map(([field, [name, make]]) => ({ label: `${field} is ${name}`, build: () => ({ ...BASE, [field]: make() }), expected: ErrorCode.INVALID_MESSAGE }));

/** Deeper than maxDepth; arrays or objects, up to a few thousand levels. */
const deepPayload: fc.Arbitrary<MalformedCase> = fc.tuple(fc.integer({ min: DEFAULT_LIMITS.maxDepth + 1, max: 5_000 }), fc.boolean()).map(([depth, arrays]) => ({
  label: `payload nested ${depth} deep`,
  build: () => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { d: value };
    return { ...BASE, payload: value };
  },
  expected: ErrorCode.PAYLOAD_TOO_DEEP,
}));

const hugePayload: fc.Arbitrary<MalformedCase> = fc.oneof(
  fc.integer({ min: DEFAULT_LIMITS.maxPayloadBytes + 1, max: 400_000 }).map((n) => ({ label: `payload string of ${n}`, make: () => 'y'.repeat(n) })),
  fc.integer({ min: DEFAULT_LIMITS.maxPayloadBytes + 1, max: 150_000 }).map((n) => ({ label: `payload array of ${n}`, make: () => new Array<number>(n).fill(7) })),
  fc.integer({ min: 2_500, max: 9_000 }).map((n) => ({ label: `payload object of ${n} long keys`, make: () => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key-${i}-${'k'.repeat(24)}`, i])) })),
).map(({ label, make }) => ({ label, build: () => ({ ...BASE, payload: make() }), expected: ErrorCode.PAYLOAD_TOO_LARGE }));

const cyclic: fc.Arbitrary<MalformedCase> = fc.tuple(fc.constantFrom('payload', 'metadata'), fc.integer({ min: 0, max: 40 })).map(([where, depth]) => ({
  label: `cycle in ${where} at depth ${depth}`,
  build: () => {
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < depth; i++) node = (node.next = {}) as Record<string, unknown>;
    node.back = root;
    return { ...BASE, [where]: root };
  },
}));

const protoKey: fc.Arbitrary<MalformedCase> = fc.constantFrom(
  ['top level', `{"__proto__":{"polluted":true},"from":"${SENDER.id}","to":"${RECIPIENT.id}","type":"event","tenantId":"${SENDER.tenantId}"}`],
  ['payload', `{"from":"${SENDER.id}","to":"${RECIPIENT.id}","type":"event","tenantId":"${SENDER.tenantId}","payload":{"a":[{"__proto__":{"polluted":true}}]}}`],
  ['metadata', `{"from":"${SENDER.id}","to":"${RECIPIENT.id}","type":"event","tenantId":"${SENDER.tenantId}","metadata":{"__proto__":"x"}}`],
  ['payload root', `{"from":"${SENDER.id}","to":"${RECIPIENT.id}","type":"event","tenantId":"${SENDER.tenantId}","payload":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}}`],
).map(([where, json]) => ({ label: `__proto__ key in ${where}`, build: () => JSON.parse(json) as unknown, expected: ErrorCode.INVALID_MESSAGE }));

const badMetadata: fc.Arbitrary<MalformedCase> = fc.oneof(
  fc.integer({ min: DEFAULT_LIMITS.maxMetadataEntries + 1, max: 5_000 }).map((n) => ({ label: `metadata of ${n} entries`, make: () => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, 'v'])) })),
  fc.integer({ min: DEFAULT_LIMITS.maxMetadataBytes + 1, max: 300_000 }).map((n) => ({ label: `metadata of ${n} bytes`, make: () => ({ big: 'm'.repeat(n) }) })),
  // Not 'object' (a plain object of strings is right) nor 'Proxy' (of an empty object: no entries to refuse).
  wrongValue.filter(([name]) => name !== 'object' && name !== 'Proxy').map(([name, make]) => ({ label: `metadata is a ${name}`, make })),
  wrongValue.map(([name, make]) => ({ label: `metadata value is a ${name}`, make: () => ({ k: make() }) })),
  fc.constant({ label: 'metadata value with a lone surrogate', make: () => ({ k: 'x\ud800' }) }),
  fc.constant({ label: 'metadata key with a lone surrogate', make: () => ({ ['\udc00k']: 'v' }) }),
  fc.constant({ label: 'metadata with a throwing getter', make: () => ({ get k() { return boom(); } }) }),
).map(({ label, make }) => ({ label, build: () => ({ ...BASE, metadata: make() }), expected: ErrorCode.INVALID_MESSAGE }));

/** The configured hash, wrong in every way a hash can be almost right. */
const HASH = DEFAULT_CONSTITUTIONAL_HASH;
const wrongHash: fc.Arbitrary<MalformedCase> = fc.oneof(
  fc.constantFrom(
    ['upper case', HASH.toUpperCase()], ['empty', ''], ['truncated by one', HASH.slice(0, -1)], ['one character more', `${HASH}0`],
    ['leading space', ` ${HASH}`], ['trailing newline', `${HASH}\n`], ['zero-width space inside', `${HASH.slice(0, 8)}\u200b${HASH.slice(8)}`],
    ['trailing NUL', `${HASH}\u0000`], ['reversed', [...HASH].reverse().join('')], ['full-width digits', HASH.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    ['with a 0x prefix', `0x${HASH}`], ['Cyrillic lookalike', HASH.replace('c', '\u0441')],
  ),
  fc.tuple(fc.nat({ max: HASH.length - 1 }), fc.constantFrom(...'0123456789abcdef')).filter(([i, c]) => HASH[i] !== c).map(([i, c]) => [`character ${i} changed`, HASH.slice(0, i) + c + HASH.slice(i + 1)] as [string, string]),
  fc.string({ minLength: 1, maxLength: 64 }).filter((s) => s !== HASH).map((s) => ['random', s] as [string, string]),
).map(([name, hash]) => ({ label: `hash: ${name}`, build: () => ({ ...BASE, constitutionalHash: hash }), expected: ErrorCode.HASH_MISMATCH }));

const notAnObject: fc.Arbitrary<MalformedCase> = fc.constantFrom<[string, () => unknown]>(
  ['undefined', () => undefined], ['null', () => null], ['a number', () => 42], ['a string', () => JSON.stringify(BASE)], ['an array', () => [BASE]],
  ['a function', () => () => BASE], ['a symbol', () => Symbol('m')], ['a bigint', () => 1n], ['true', () => true],
).map(([name, make]) => ({ label: `message is ${name}`, build: make, expected: ErrorCode.INVALID_MESSAGE }));

const hostileMessage: fc.Arbitrary<MalformedCase> = fc.constantFrom<[string, () => unknown]>(
  ['a Proxy whose every trap throws', () => new Proxy({ ...BASE }, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom })],
  ['a Proxy whose get throws', () => new Proxy({ ...BASE }, { get: boom })],
  ['a payload getter that throws', () => ({ ...BASE, get payload() { return boom(); } })],
  ['a from getter that throws', () => ({ ...BASE, get from() { return boom(); } })],
  ['a getter that throws a non-Error', () => ({ ...BASE, get to() { throw Symbol('x'); } })],
  ['a getter whose error message throws', () => ({ ...BASE, get type() { throw new Proxy(new Error('x'), { get: boom, getPrototypeOf: boom }); } })],
).map(([name, make]) => ({ label: `message is ${name}`, build: make, expected: ErrorCode.INVALID_MESSAGE }));

/** Well-formed, but about agents that do not exist or live in another tenant: refused by the pipeline. */
const wrongParties: fc.Arbitrary<MalformedCase> = fc.constantFrom<MalformedCase>(
  { label: 'unknown recipient', build: () => ({ ...BASE, to: 'fuzz-ghost' }), expected: ErrorCode.UNKNOWN_AGENT },
  { label: 'sender in another tenant', build: () => ({ ...BASE, tenantId: 'tenant-other' }), expected: ErrorCode.TENANT },
);

/** Every family, weighted so the cheap ones make up most cases and the large ones stay affordable. */
export const malformedInput: fc.Arbitrary<MalformedCase> = fc.oneof(
  { arbitrary: poisonedPayload, weight: 20 },
  { arbitrary: wrongField, weight: 14 },
  { arbitrary: badString, weight: 8 },
  { arbitrary: badType, weight: 4 },
  { arbitrary: badPriority, weight: 4 },
  { arbitrary: badTime, weight: 4 },
  { arbitrary: deepPayload, weight: 4 },
  { arbitrary: hugePayload, weight: 2 },
  { arbitrary: cyclic, weight: 4 },
  { arbitrary: protoKey, weight: 4 },
  { arbitrary: badMetadata, weight: 8 },
  { arbitrary: wrongHash, weight: 12 },
  { arbitrary: notAnObject, weight: 3 },
  { arbitrary: hostileMessage, weight: 5 },
  { arbitrary: wrongParties, weight: 4 },
);
