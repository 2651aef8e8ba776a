export { canonicalSigningText, signingBytes, SIGNATURE_DOMAIN, type SignedFields } from './canonical.ts';
export { parsePrivateKey, parsePublicKey, rawPublicKey, type PrivateKeyInput, type PublicKeyInput } from './keys.ts';
export { ReplayGuard, type ReplayGuardOptions, type ReplayStats } from './replay.ts';
export { signMessage, type SignedMessage, type SignOptions } from './sign.ts';
export { decodeSignature, SIGNATURE_BYTES, verifyMessageSignature } from './verify.ts';
