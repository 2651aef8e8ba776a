/**
 * The single-pass scorer (src/pipeline/impact.ts) against the scorer it replaced, kept verbatim in
 * bench/reference/impact-v1.ts: equal scores and equal components, for generated payloads and configurations.
 * `IMPACT_EQUIVALENCE_RUNS` raises the number of generated cases (default 1,500 per property).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveOptions } from '../../src/config.ts';
import { acceptMessage } from '../../src/intake/accept.ts';
import { MessageType, type AgentMessage, type JsonValue } from '../../src/model/message.ts';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import { createImpactModel, DEFAULT_IMPACT_CONFIG, explainImpact, scoreEncodedImpact, scoreImpact, type ImpactConfig } from '../../src/pipeline/impact.ts';
import { buildScenario } from '../../bench/scenario.ts';
import * as reference from '../../bench/reference/impact-v1.ts';

const RUNS = Number(process.env.IMPACT_EQUIVALENCE_RUNS ?? 1500);

/** Words that matter to the scorer (keywords, their parts, near misses, verbs) and some that don't. */
const VOCABULARY = [
  ...DEFAULT_IMPACT_CONFIG.sensitiveKeywords.flatMap((k) => k.split(' ')),
  'key', 'table', 'keys', 'tables', 'secure', 'insecurity', 'tokens', 'tokenize', 'pass', 'passwords', 'wir', 'wires',
  'rooted', 'sud', 'a', 'rm', 'x', 'summarise', 'document', 'review', 'draft', 'status', 'report', 'notes', 'read',
  'transferFunds', 'deleteUser', 'privateKey', 'dropTable', 'suDO', 'seCReT',
];

/** Characters between words: plain separators, digits, look-alikes of letters in their low bits, non-ASCII. */
const SEPARATORS = [' ', '  ', '_', '-', '.', ', ', '\n', '1', '42', '@', '[', '`', '{', '~', '\u0161', '\u00e9', '\u0141', '\u{1F600}', '\uD800', '\u0000', ''];

const caseMixed = (word: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) =>
    Array.from(word, (ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''),
  );

const word = fc.constantFrom(...VOCABULARY).chain(caseMixed);
const separator = fc.constantFrom(...SEPARATORS);

/** Text built from words and separators, or arbitrary unicode, or a long run to exhaust the character budget. */
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(separator, word), { maxLength: 24 }).map((parts) => parts.map(([s, w]) => s + w).join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(400), word).map(([n, w]) => `${'lorem '.repeat(n)}${w} breach password`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a', 'A', 'private', 'key', 'drop table', 'private\u0161key', 'root') },
);

const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

const { payload } = fc.letrec<{ payload: JsonValue; object: JsonValue; array: JsonValue }>((tie) => ({
  payload: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('array')),
  object: fc.dictionary(fc.oneof(text, word), tie('payload'), { maxKeys: 6 }) as fc.Arbitrary<JsonValue>,
  array: fc.array(tie('payload'), { maxLength: 6 }) as fc.Arbitrary<JsonValue>,
}));

/** A chain of nested objects and arrays, deeper than the node budget of the small configurations. */
const deep = fc.tuple(fc.integer({ min: 1, max: 60 }), text, fc.boolean()).map(([depth, leaf, arrays]) => {
  let value: JsonValue = { note: leaf };
  for (let i = 0; i < depth; i++) value = arrays && i % 2 === 0 ? [value, i] : { [`level${i}`]: value, key: 'x' };
  return value;
});

const verb = fc.oneof(
  fc.constantFrom('deleteUser', 'delete_user', 'DELETE /x', 'Bash(rm -rf)', 'transfer_funds', 'readFile', 'READ', 'GetStatus', 'ping', '', '123', '_run'),
  fc.constantFrom('x'.repeat(70), 'a'.repeat(63), 'a'.repeat(64), 'A'.repeat(70), `${'a'.repeat(64)}read`, 'execute'.repeat(10)),
  word,
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
);
const actionValue: fc.Arbitrary<JsonValue> = fc.oneof(verb, verb.map((name) => ({ name })), fc.integer(), fc.constant(null));

/** Payloads shaped like the scorer's inputs: action fields, amounts and text, plus generated extras. */
const scorerPayload: fc.Arbitrary<JsonValue> = fc.oneof(
  payload,
  deep,
  fc
    .record(
      {
        tool: actionValue,
        action: actionValue,
        operation: actionValue,
        method: actionValue,
        amount: fc.oneof(fc.double(), fc.integer(), fc.constantFrom('5000', '1e6', 'abc', '', '-3'), fc.constant(null)),
        text,
        nested: payload,
      },
      { requiredKeys: [] },
    )
    .map((record) => record as JsonValue),
);

const messageType = fc.constantFrom(...Object.values(MessageType), 'unknown_type');

function message(body: JsonValue, type: string, priority: number): AgentMessage {
  return {
    id: 'm', from: 'a', to: 'b', type: type as AgentMessage['type'], tenantId: 't', priority: priority as AgentMessage['priority'],
    constitutionalHash: 'h', payload: body, metadata: {}, createdAt: 0,
  };
}

const keyword = fc.oneof(
  fc.constantFrom(...VOCABULARY.filter((w) => /^[a-z]+$/i.test(w))),
  fc.tuple(fc.constantFrom('private', 'drop', 'key', 'a', 'root', 'drop'), fc.constantFrom('key', 'table', 'drop', 'x', 'root')).map(([a, b]) => `${a} ${b}`),
);

/** Configurations that move what the scanner reads: budgets (tiny, fractional, unbounded), keywords, verbs. */
const configOverrides: fc.Arbitrary<Partial<ImpactConfig>> = fc.record(
  {
    scanBudgetChars: fc.oneof(fc.nat(300), fc.double({ min: 0, max: 300, noNaN: true }), fc.constantFrom(4096, Infinity, 0, -5, Number.NaN)),
    scanBudgetNodes: fc.oneof(fc.nat(40), fc.double({ min: 0, max: 40, noNaN: true }), fc.constantFrom(512, Infinity, 0)),
    sensitiveKeywords: fc.array(keyword, { maxLength: 40 }),
    verbRisk: fc.dictionary(fc.oneof(word, fc.constantFrom('', 'rm-rf', 'Read', 'DELETE', 'x', 'a'.repeat(64), 'a'.repeat(63))), fc.double({ min: 0, max: 1, noNaN: true }), { maxKeys: 12 }),
    actionFields: fc.shuffledSubarray(['tool', 'action', 'operation', 'command', 'method', 'text'], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const codec = new PayloadCodec();
/** How often scoreEncodedImpact answered from the bytes, and how often it had to decode. */
const encodedPaths = { bytes: 0, decoded: 0 };

function assertSame(m: AgentMessage, volume: number, model: ReturnType<typeof createImpactModel>, referenceModel: reference.ImpactModel): void {
  assert.equal(scoreImpact(m, volume, model), reference.scoreImpact(m, volume, referenceModel));
  assert.deepEqual(explainImpact(m, volume, model).components, reference.explainImpact(m, volume, referenceModel).components);
  assertEncodedSame(m, volume, model);
}

/** A validation thread scores the payload's bytes: the same score as decoding them and scoring the message. */
function assertEncodedSame(m: AgentMessage, volume: number, model: ReturnType<typeof createImpactModel>): void {
  const bytes = codec.encode(m.payload);
  const decoded = { ...m, payload: codec.decode(bytes) };
  let decodedHere = false;
  const score = scoreEncodedImpact(m, bytes, () => ((decodedHere = true), decoded.payload), volume, model);
  assert.equal(score, scoreImpact(decoded, volume, model), `payload ${JSON.stringify(decoded.payload)?.slice(0, 300)}`);
  if (decodedHere) encodedPaths.decoded++;
  else encodedPaths.bytes++;
}

describe('the single-pass impact scorer equals the scorer it replaced', () => {
  it('on every bench scenario message', () => {
    const options = resolveOptions({});
    const scenario = buildScenario({ count: 4096 });
    const model = createImpactModel();
    let compared = 0;
    for (const input of scenario.messages) {
      const intake = acceptMessage(input, options.constitutionalHash, options.limits, 0);
      if (!intake.ok) continue;
      for (const volume of [0, 3, 200]) assertSame(intake.value.message, volume, model, reference.DEFAULT_IMPACT_MODEL);
      compared++;
    }
    assert.ok(compared > 4000, `compared ${compared} messages`);
  });

  it('on generated payloads with the default configuration', () => {
    const model = createImpactModel();
    const before = { ...encodedPaths };
    fc.assert(
      fc.property(scorerPayload, messageType, fc.integer({ min: 0, max: 4 }), fc.nat(400), (body, type, priority, volume) => {
        assertSame(message(body, type, priority), volume, model, reference.DEFAULT_IMPACT_MODEL);
      }),
      { numRuns: RUNS },
    );
    // Within the default budgets nearly every payload is read from its bytes; the comparison must cover that path.
    const bytes = encodedPaths.bytes - before.bytes;
    const decoded = encodedPaths.decoded - before.decoded;
    assert.ok(bytes > 0.8 * (bytes + decoded), `read from bytes ${bytes}, decoded ${decoded}`);
  });

  it('on generated payloads and configurations (budgets, keywords, verbs, action fields)', () => {
    fc.assert(
      fc.property(configOverrides, fc.array(scorerPayload, { minLength: 1, maxLength: 4 }), messageType, (overrides, bodies, type) => {
        const model = createImpactModel(overrides);
        const referenceModel = reference.createImpactModel(overrides as Partial<reference.ImpactConfig>);
        for (const body of bodies) assertSame(message(body, type, 2), 5, model, referenceModel);
      }),
      { numRuns: RUNS },
    );
  });

  it('where the character budget ends inside a keyword, inside a two-word keyword and at a fractional character', () => {
    const overrides = { sensitiveKeywords: ['password', 'private key', 'a', 'token'] };
    const texts = ['xx password', 'private  key', 'A token', 'passwordy', 'private key a'];
    for (const body of texts) {
      for (let budget = 0; budget <= body.length + 1; budget += 0.5) {
        const config = { ...overrides, scanBudgetChars: budget };
        const m = message({ t: body }, 'event', 1);
        assertSame(m, 0, createImpactModel(config), reference.createImpactModel(config));
        assertSame(message(body, 'event', 1), 0, createImpactModel(config), reference.createImpactModel(config));
      }
    }
  });
});
