import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { PayloadCodec } from '../../src/intake/payload-codec.ts';
import type { JsonValue } from '../../src/model/message.ts';
import { canonicalSigningText, SIGNATURE_DOMAIN } from '../../src/signature/canonical.ts';
import { parsePrivateKey, parsePublicKey, rawPublicKey } from '../../src/signature/keys.ts';
import { ReplayGuard } from '../../src/signature/replay.ts';
import { signMessage } from '../../src/signature/sign.ts';
import { verifyMessageSignature } from '../../src/signature/verify.ts';

const alice = generateKeyPairSync('ed25519');
const mallory = generateKeyPairSync('ed25519');
const base = { id: 'm-1', from: 'alice', to: 'bob', type: 'command', tenantId: 'acme', payload: { task: 'x', n: 1 }, createdAt: 1_700_000_000_000 } as const;

test('canonical text: domain prefix, members sorted, numbers in shortest form, absent expiresAt as null', () => {
  const text = canonicalSigningText({
    id: 'm', from: 'a', to: 'b', tenantId: 't', type: 'command', priority: 1, createdAt: 1e12,
    payload: { z: [1.5, 1e21, -0, 0.1], a: 'é"\n', m: { y: true, b: null } }, constitutionalHash: 'h',
  });
  assert.equal(
    text,
    SIGNATURE_DOMAIN +
      '{"constitutionalHash":"h","createdAt":1000000000000,"expiresAt":null,"from":"a","id":"m","payload":{"a":"é\\"\\n","m":{"b":null,"y":true},"z":[1.5,1e+21,0,0.1]},"priority":1,"tenantId":"t","to":"b","type":"command"}',
  );
  const reordered = canonicalSigningText({
    payload: { m: { b: null, y: true }, a: 'é"\n', z: [1.5, 1e21, 0, 0.1] }, type: 'command', tenantId: 't', to: 'b', from: 'a', id: 'm',
    priority: 1, createdAt: 1e12, constitutionalHash: 'h',
  });
  assert.equal(reordered, text);
});

test('signMessage fills every signed field the bus would fill, and the signature verifies', () => {
  const signed = signMessage({ from: 'alice', to: 'bob', type: 'command', tenantId: 'acme' }, alice.privateKey, { now: 42 });
  assert.equal(signed.createdAt, 42);
  assert.equal(signed.priority, 1);
  assert.equal(signed.constitutionalHash, 'cdd01ef066bc6cf2');
  assert.equal(signed.payload, null);
  assert.equal(typeof signed.id, 'string');
  assert.equal(Buffer.from(signed.signature, 'base64').length, 64);
  assert.equal(verifyMessageSignature(signed, signed.signature, alice.publicKey), true);
  const withDates = signMessage({ ...base, createdAt: new Date(5), expiresAt: new Date(9) }, alice.privateKey);
  assert.deepEqual([withDates.createdAt, withDates.expiresAt], [5, 9]);
  assert.equal(verifyMessageSignature(withDates, withDates.signature, alice.publicKey), true);
});

test('wrong key: a signature by another key does not verify', () => {
  const forged = signMessage(base, mallory.privateKey);
  assert.equal(verifyMessageSignature(forged, forged.signature, alice.publicKey), false);
});

test('altered payload: any change to the payload breaks the signature', () => {
  const signed = signMessage(base, alice.privateKey);
  for (const payload of [{ task: 'x', n: 2 }, { task: 'x', n: 1, extra: true }, { task: 'x' }, null, [{ task: 'x', n: 1 }]] as JsonValue[]) {
    assert.equal(verifyMessageSignature({ ...signed, payload }, signed.signature, alice.publicKey), false, JSON.stringify(payload));
  }
});

test('altered header: every signed header field is covered', () => {
  const signed = signMessage({ ...base, expiresAt: 1_700_000_060_000 }, alice.privateKey);
  const changes: Record<string, unknown>[] = [
    { id: 'm-2' }, { from: 'mallory' }, { to: 'carol' }, { tenantId: 'other' }, { type: 'query' }, { priority: 3 },
    { createdAt: signed.createdAt + 1 }, { expiresAt: signed.expiresAt! + 1 }, { expiresAt: undefined }, { constitutionalHash: 'cdd01ef066bc6cf3' },
  ];
  for (const change of changes) {
    assert.equal(verifyMessageSignature({ ...signed, ...change } as typeof signed, signed.signature, alice.publicKey), false, JSON.stringify(change));
  }
  // Fields outside the signature (metadata, conversationId) may change in transit.
  const traced = { ...signed, metadata: { trace: 'x' }, conversationId: 'c-1' };
  assert.equal(verifyMessageSignature(traced, signed.signature, alice.publicKey), true);
});

test('malformed signatures are invalid, never a throw', () => {
  const signed = signMessage(base, alice.privateKey);
  for (const signature of ['', 'abc', signed.signature.slice(0, -4), signed.signature + 'AAAA', 42, null, {}, new Uint8Array(63), new Uint8Array(64), '!'.repeat(88)]) {
    assert.equal(verifyMessageSignature(signed, signature, alice.publicKey), false, String(signature));
  }
  assert.equal(verifyMessageSignature(signed, Buffer.from(signed.signature, 'base64'), alice.publicKey), true, 'the raw 64 bytes verify too');
});

function hasProtoKey(value: JsonValue): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  return Object.keys(value).some((key) => key === '__proto__' || hasProtoKey(value[key] as JsonValue));
}

test('a payload signed on the caller\'s thread verifies after crossing to a worker as msgpack (property)', () => {
  const codec = new PayloadCodec();
  const json: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;
  const numbers = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 2 ** 53 - 1, -(2 ** 53) + 1, 1e21, 5e-324, 0.1 + 0.2));
  fc.assert(
    fc.property(fc.oneof(json, fc.array(numbers), fc.dictionary(fc.string(), numbers)), (payload) => {
      // Intake refuses a payload with a "__proto__" key (inspect-payload.ts): such a payload never crosses.
      fc.pre(!hasProtoKey(payload));
      const signed = signMessage({ ...base, payload }, alice.privateKey);
      const crossed = codec.decode(codec.encode(signed.payload));
      assert.equal(canonicalSigningText({ ...signed, payload: crossed }), canonicalSigningText(signed));
      assert.equal(verifyMessageSignature({ ...signed, payload: crossed }, signed.signature, alice.publicKey), true);
    }),
    { numRuns: 300 },
  );
});

test('keys: raw bytes, PEM and KeyObjects are accepted; other key types are E_CONFIG', () => {
  const raw = rawPublicKey(alice.publicKey);
  assert.equal(raw.length, 32);
  const pem = alice.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  for (const input of [raw, pem, alice.publicKey, alice.privateKey]) {
    assert.deepEqual(rawPublicKey(parsePublicKey(input)), raw);
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const x25519 = generateKeyPairSync('x25519');
  for (const bad of [rsa.publicKey, x25519.publicKey, 'not a key', new Uint8Array(31), 42 as never]) {
    assert.throws(() => parsePublicKey(bad), { code: 'E_CONFIG' });
  }
  assert.throws(() => parsePrivateKey(alice.publicKey), { code: 'E_CONFIG' });
  assert.throws(() => signMessage(base, rsa.privateKey), { code: 'E_CONFIG' });
  assert.equal(parsePrivateKey(alice.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()).asymmetricKeyType, 'ed25519');
});

test('replay guard: the same sender and id within the window is refused; outside the window by createdAt', () => {
  const guard = new ReplayGuard({ windowMs: 1_000, maxSkewMs: 100 });
  const now = 1_000_000;
  assert.equal(guard.check('alice', 'm1', now, now), null);
  assert.match(guard.check('alice', 'm1', now, now + 10)?.reasons[0] ?? '', /replay/);
  assert.equal(guard.check('alice', 'm1', now, now + 10)?.code, 'E_SIGNATURE');
  assert.equal(guard.check('bob', 'm1', now, now + 10), null, 'ids are per sender');
  assert.equal(guard.check('alice', 'm2', now, now + 10), null);
  // After the window the old message is refused for its age, not remembered.
  assert.match(guard.check('alice', 'm1', now, now + 1_001)?.reasons[0] ?? '', /outside the 1000 ms replay window/);
  assert.match(guard.check('alice', 'm3', now + 500, now)?.reasons[0] ?? '', /in the future/);
  assert.equal(guard.check('alice', 'm4', now + 100, now), null, 'skew within bounds');
  assert.equal(guard.stats().refused, 4);
});

test('replay guard: memory is bounded; ids forgotten early are counted', () => {
  const guard = new ReplayGuard({ windowMs: 60_000, maxRemembered: 3 });
  const now = 5_000_000;
  for (let i = 0; i < 10; i++) assert.equal(guard.check('a', `m${i}`, now, now), null);
  assert.deepEqual(guard.stats(), { remembered: 3, evictedLive: 7, refused: 0 });
  assert.notEqual(guard.check('a', 'm9', now, now), null, 'the most recent ids are still refused');
  assert.throws(() => new ReplayGuard({ maxRemembered: 0 }), { code: 'E_CONFIG' });
});
