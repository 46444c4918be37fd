// `sealed-session/signed`: requests signed with the user's own key pair and encrypted end to end.
// Isomorphic (browsers, Web runtimes, Node): no `node:` imports, no server code.
import { expectedType } from '../core/errors.js';
import {
  checkSecretKeyShape,
  generateSecretKeyText,
  type KeyAlgorithm,
  loadSecretKey,
  type SecretKeyInput,
} from './keys.js';

export { type SignedFailureReason, SignedRequestError, SignedResponseError } from './errors.js';
export {
  type Fetcher,
  SecureFetch,
  type SecureFetchConstructor,
  type SecureFetchFunction,
  type SecureFetchOptions,
  type SecureRequestInit,
  type SecureResponse,
} from './fetch.js';
export type { KeyAlgorithm, PublicKeyInput, SecretKeyInput } from './keys.js';
export {
  CryptoSession,
  type DecodedData,
  type EncodedData,
  type MessageToken,
  type SessionInfo,
} from './session.js';

const ALGS: readonly KeyAlgorithm[] = ['ed25519', 'p256', 'secp256k1'];

/**
 * Generates a WebCrypto key pair for signing requests. Non-extractable by default, so no script
 * can ever read the secret; keep it in memory or store the `CryptoKeyPair` in IndexedDB (structured
 * clone keeps it non-extractable).
 *
 * @example
 * ```ts
 * const keys = await generateKeyPair('ed25519');
 * const secureFetch = SecureFetch(serverPublicKey, keys);
 * ```
 */
export async function generateKeyPair(
  alg: 'ed25519' | 'p256' = 'ed25519',
  options: { extractable?: boolean } = {},
): Promise<CryptoKeyPair> {
  if (alg !== 'ed25519' && alg !== 'p256') throw expectedType('alg', "'ed25519' or 'p256'", alg);
  const params = alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  return (await globalThis.crypto.subtle.generateKey(params, options.extractable === true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

/**
 * Generates a secret key as text: `ed25519:<hex>`, `p256:<hex>`, or bare hex for secp256k1 (the
 * crypto-sessions / nostr form). For servers (`CRYPTO_SESSION_KEY`) and tools; browsers should
 * prefer {@link generateKeyPair}.
 *
 * @example
 * ```ts
 * const serverKey = generateSecretKey('ed25519'); // store it in CRYPTO_SESSION_KEY
 * ```
 */
export function generateSecretKey(alg: KeyAlgorithm = 'secp256k1'): string {
  if (!ALGS.includes(alg)) throw expectedType('alg', "'ed25519', 'p256' or 'secp256k1'", alg);
  return generateSecretKeyText(alg);
}

/**
 * The public key (canonical text form: `ed25519:<hex>`, `p256:<hex>` or x-only secp256k1 hex) of a
 * secret key or key pair. This is what the other side passes as `peerPublicKey`/`serverPublicKey`.
 *
 * @example
 * ```ts
 * const serverPublicKey = await getPublicKey(process.env.CRYPTO_SESSION_KEY!);
 * ```
 */
export async function getPublicKey(secretKey: SecretKeyInput): Promise<string> {
  checkSecretKeyShape(secretKey, 'secretKey');
  return (await loadSecretKey(secretKey, 'secretKey')).publicKey.id;
}
