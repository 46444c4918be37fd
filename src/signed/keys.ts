// Key handling for the three signature profiles. Secret material only ever lives in closures (or
// inside non-extractable WebCrypto keys); what leaves this file are functions and public bytes.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { expectedType } from '../core/errors.js';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../internal/base64.js';
import { randomBytes } from '../internal/random.js';
import type { KeyOps, SyncVerify } from './backend.js';

/**
 * The key types a party can sign with.
 *
 * @example
 * ```ts
 * const alg: KeyAlgorithm = 'ed25519';
 * ```
 */
export type KeyAlgorithm = 'ed25519' | 'p256' | 'secp256k1';

/** The RFC 9421 `alg` value of each profile (secp256k1 is our own, documented in docs/signed.md). */
export const RFC_ALG: Readonly<Record<KeyAlgorithm, string>> = Object.freeze({
  ed25519: 'ed25519',
  p256: 'ecdsa-p256-sha256',
  secp256k1: 'bip340-secp256k1-sha256',
});

const ALG_BY_RFC: ReadonlyMap<string, KeyAlgorithm> = new Map(
  Object.entries(RFC_ALG).map(([k, v]) => [v, k as KeyAlgorithm]),
);

/** The profile named by an RFC 9421 `alg` value, or undefined. */
export function algFromRfc(alg: string): KeyAlgorithm | undefined {
  return ALG_BY_RFC.get(alg);
}

/**
 * A secret key as users pass it: `ed25519:<64 hex>`, `p256:<64 hex>`, a bare 64-hex secp256k1 key
 * (the crypto-sessions form), 32 raw bytes (secp256k1), or a WebCrypto `CryptoKeyPair` (Ed25519 or
 * ECDSA P-256, typically non-extractable).
 *
 * @example
 * ```ts
 * const secret: SecretKeyInput = await generateKeyPair('ed25519'); // or 'ed25519:<hex>'
 * ```
 */
export type SecretKeyInput = string | Uint8Array | KeyPairLike;

/**
 * A WebCrypto `CryptoKeyPair`, spelled out so that server code compiles without the DOM lib (where
 * `@types/node` 20 has `crypto.subtle` but no global `CryptoKey` or `CryptoKeyPair`).
 */
interface KeyPairLike {
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
}
type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * A public key: `ed25519:<hex>`, `p256:<hex of the 33-byte compressed point>`, or a bare x-only hex secp256k1 key.
 *
 * @example
 * ```ts
 * const server: PublicKeyInput = 'ed25519:8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c';
 * ```
 */
export type PublicKeyInput = string | Uint8Array;

export interface PublicKey {
  readonly alg: KeyAlgorithm;
  /** Canonical bytes: 32 (ed25519), 33 compressed (p256), 32 x-only (secp256k1). */
  readonly bytes: Uint8Array;
  /** Canonical text form, also the RFC 9421 `keyid`. */
  readonly id: string;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const b64u = (b: Uint8Array): string => toBase64Url(b);

/** A fresh copy as a plain ArrayBuffer-backed Uint8Array (what WebCrypto wants as BufferSource). */
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
}

function publicId(alg: KeyAlgorithm, bytes: Uint8Array): string {
  return alg === 'secp256k1' ? toHex(bytes) : `${alg}:${toHex(bytes)}`;
}

function canonicalPublic(alg: KeyAlgorithm, raw: Uint8Array): Uint8Array | null {
  try {
    if (alg === 'ed25519') {
      if (raw.length !== 32) return null;
      ed25519.Point.fromBytes(raw);
      return raw;
    }
    if (alg === 'p256') {
      if (raw.length !== 33 && raw.length !== 65) return null;
      return p256.Point.fromBytes(raw).toBytes(true);
    }
    if (raw.length === 33) raw = raw.subarray(1);
    if (raw.length !== 32) return null;
    schnorr.utils.lift_x(BigInt(`0x${toHex(raw)}`));
    return raw;
  } catch {
    return null;
  }
}

/** Parses a public key; null (never throws) for anything malformed, so it is safe on untrusted input. */
export function tryParsePublicKey(input: unknown): PublicKey | null {
  let alg: KeyAlgorithm = 'secp256k1';
  let raw: Uint8Array | null;
  if (input instanceof Uint8Array) raw = input;
  else if (typeof input === 'string' && input.length <= 140) {
    const colon = input.indexOf(':');
    let hex = input;
    if (colon >= 0) {
      const prefix = input.slice(0, colon);
      if (prefix !== 'ed25519' && prefix !== 'p256' && prefix !== 'secp256k1') return null;
      alg = prefix;
      hex = input.slice(colon + 1);
    }
    raw = fromHex(hex) ?? null;
  } else return null;
  if (!raw) return null;
  const bytes = canonicalPublic(alg, raw);
  return bytes ? Object.freeze({ alg, bytes, id: publicId(alg, bytes) }) : null;
}

/** Parses a public key given by the programmer; throws "expected X, got Y" when it is not one. */
export function parsePublicKey(input: PublicKeyInput, what: string): PublicKey {
  const key = tryParsePublicKey(input);
  if (!key)
    throw expectedType(what, 'a public key (ed25519:<hex>, p256:<hex> or x-only secp256k1 hex)', input);
  return key;
}

/** Verifies a signature made by `key` over `data`; resolves false (never rejects) when invalid. */
export type VerifyFn = (data: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/**
 * A synchronous verifier for a public key when one is at hand: BIP340 (noble) for secp256k1, the
 * backend's own for ed25519/p256 when `fast` offers one; null otherwise (then {@link createVerifier}).
 */
export function createSyncVerifier(key: PublicKey, fast?: KeyOps | null): SyncVerify | null {
  if (key.alg === 'secp256k1') {
    const x = key.bytes;
    return (data, sig) => {
      try {
        return sig.length === 64 && schnorr.verify(sig, sha256(data), x);
      } catch {
        return false;
      }
    };
  }
  if (key.alg === 'ed25519' && smallOrder(key.bytes)) return never;
  if (!fast) return null;
  return fast.verifier(
    key.alg,
    key.alg === 'p256' ? p256.Point.fromBytes(key.bytes).toBytes(false) : key.bytes,
  );
}

const never: SyncVerify = () => false;

/**
 * Whether an Ed25519 public key is a point of small order (the identity and seven others). For
 * such a key the signature (R, S) = (a small-order point, 0) passes the cofactorless check of
 * OpenSSL, BoringSSL and WebCrypto for every message, so anyone can sign "as" it; libsodium refuses
 * them. Every backend refuses them, before any signature is looked at.
 */
function smallOrder(bytes: Uint8Array): boolean {
  try {
    return ed25519.Point.fromBytes(bytes).isSmallOrder();
  } catch {
    return true;
  }
}

/** Builds a verifier for a public key (`fast` when given, else WebCrypto for ed25519/p256, noble BIP340 for secp256k1). */
export async function createVerifier(key: PublicKey, fast?: KeyOps | null): Promise<VerifyFn> {
  const sync = createSyncVerifier(key, fast);
  if (sync) return async (data, sig) => sync(data, sig);
  const params =
    key.alg === 'ed25519'
      ? { name: 'Ed25519' }
      : ({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyImportParams);
  const raw = key.alg === 'p256' ? p256.Point.fromBytes(key.bytes).toBytes(false) : key.bytes;
  const ck = await subtle().importKey('raw', buf(raw), params, false, ['verify']);
  const algo = key.alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const sigLen = 64;
  return async (data, sig) => {
    if (sig.length !== sigLen) return false;
    try {
      return await subtle().verify(algo, ck, buf(sig), buf(data));
    } catch {
      return false;
    }
  };
}

/** Static Diffie-Hellman with our own secret: the peer's ephemeral public key → 32 shared bytes. */
export type StaticDH = (peerEphemeral: Uint8Array) => Promise<Uint8Array | null>;

/** What a holder of a secret key can do. No member returns or exposes the secret itself. */
export interface OwnKey {
  readonly alg: KeyAlgorithm;
  readonly publicKey: PublicKey;
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** The same signature without a promise, when the backend signs synchronously. */
  readonly signSync?: (data: Uint8Array) => Uint8Array;
  /** Key agreement with our static key, when the secret is available for it (not for a CryptoKeyPair). */
  readonly dh: { publicKey: Uint8Array; derive: StaticDH } | null;
}

function allZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

async function x25519Static(seed: Uint8Array): Promise<{ publicKey: Uint8Array; derive: StaticDH }> {
  const mont = ed25519.utils.toMontgomerySecret(seed);
  const pub = x25519.getPublicKey(mont);
  const priv = await subtle().importKey(
    'jwk',
    { kty: 'OKP', crv: 'X25519', d: b64u(mont), x: b64u(pub) },
    { name: 'X25519' },
    false,
    ['deriveBits'],
  );
  mont.fill(0);
  return {
    publicKey: pub,
    derive: async (epk) => {
      if (epk.length !== 32) return null;
      try {
        const pk = await subtle().importKey('raw', buf(epk), { name: 'X25519' }, true, []);
        const out = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pk }, priv, 256));
        return allZero(out) ? null : out;
      } catch {
        return null;
      }
    },
  };
}

async function p256Static(jwk: JsonWebKey): Promise<{ publicKey: Uint8Array; derive: StaticDH }> {
  const priv = await subtle().importKey(
    'jwk',
    { ...jwk, key_ops: undefined },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    ['deriveBits'],
  );
  const pubPoint = concatBytes(Uint8Array.of(4), fromB64u(jwk.x!), fromB64u(jwk.y!));
  return {
    publicKey: pubPoint,
    derive: async (epk) => {
      if (epk.length !== 65) return null;
      try {
        const pk = await subtle().importKey('raw', buf(epk), { name: 'ECDH', namedCurve: 'P-256' }, true, []);
        return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: pk }, priv, 256));
      } catch {
        return null;
      }
    },
  };
}

/** A JWK member (WebCrypto exports canonical base64url); anything else is not a usable key. */
function fromB64u(s: string): Uint8Array {
  const out = fromBase64Url(s);
  if (!out) throw new TypeError('key: expected a canonical base64url JWK member');
  return out;
}

function secpStatic(secret: Uint8Array): { publicKey: Uint8Array; derive: StaticDH } {
  const x = schnorr.getPublicKey(secret);
  return {
    // Peers lift our x-only key with an even y; the x coordinate of the shared point is the same
    // whichever sign the real point has, so the agreement holds for every secret.
    publicKey: concatBytes(Uint8Array.of(2), x),
    derive: async (epk) => {
      if (epk.length !== 33) return null;
      try {
        return secp256k1.getSharedSecret(secret, epk).subarray(1);
      } catch {
        return null;
      }
    },
  };
}

const SECRET_HINT = 'a secret key (ed25519:<64 hex>, p256:<64 hex>, 64-hex secp256k1 or a CryptoKeyPair)';

function isKeyPair(v: unknown): v is KeyPairLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof CryptoKey !== 'undefined' &&
    (v as CryptoKeyPair).privateKey instanceof CryptoKey &&
    (v as CryptoKeyPair).publicKey instanceof CryptoKey
  );
}

/**
 * Turns a secret key into an {@link OwnKey}. Throws a TypeError naming what was expected (never
 * echoing the input) for anything that is not a key.
 */
export async function loadSecretKey(
  input: SecretKeyInput,
  what: string,
  fast?: KeyOps | null,
): Promise<OwnKey> {
  if (isKeyPair(input)) return loadKeyPair(input, what);
  let alg: KeyAlgorithm = 'secp256k1';
  let secret: Uint8Array | null = null;
  if (input instanceof Uint8Array) secret = input.length === 32 ? new Uint8Array(input) : null;
  else if (typeof input === 'string') {
    const colon = input.indexOf(':');
    let hex = input;
    if (colon >= 0) {
      const prefix = input.slice(0, colon);
      if (prefix === 'ed25519' || prefix === 'p256' || prefix === 'secp256k1') {
        alg = prefix;
        hex = input.slice(colon + 1);
      } else hex = '';
    }
    secret = hex.length === 64 ? (fromHex(hex) ?? null) : null;
  }
  if (!secret) throw expectedType(what, SECRET_HINT, input);
  try {
    if (alg === 'secp256k1') {
      const sk = secret;
      const dh = secpStatic(sk);
      const publicKey = tryParsePublicKey(dh.publicKey.subarray(1))!;
      return Object.freeze({
        alg,
        publicKey,
        sign: async (data: Uint8Array) => schnorr.sign(sha256(data), sk, randomBytes(32)),
        dh: Object.freeze(dh),
      });
    }
    if (alg === 'ed25519') {
      const pub = ed25519.getPublicKey(secret);
      const publicKey = tryParsePublicKey(`ed25519:${toHex(pub)}`)!;
      const signSync = fast?.signer('ed25519', secret, pub);
      if (signSync) {
        const mont = ed25519.utils.toMontgomerySecret(secret);
        const xpub = x25519.getPublicKey(mont);
        const derive = fast!.staticDh('x25519', mont, xpub);
        mont.fill(0);
        const dh = derive
          ? { publicKey: xpub, derive: async (epk: Uint8Array) => derive(epk) }
          : await x25519Static(secret);
        secret.fill(0);
        return Object.freeze({
          alg,
          publicKey,
          sign: async (data: Uint8Array) => signSync(data),
          signSync,
          dh: Object.freeze(dh),
        });
      }
      const ck = await subtle().importKey(
        'jwk',
        { kty: 'OKP', crv: 'Ed25519', d: b64u(secret), x: b64u(pub) },
        { name: 'Ed25519' },
        false,
        ['sign'],
      );
      const dh = await x25519Static(secret);
      const sign = async (data: Uint8Array) =>
        new Uint8Array(await subtle().sign({ name: 'Ed25519' }, ck, buf(data)));
      secret.fill(0);
      return Object.freeze({ alg, publicKey, sign, dh: Object.freeze(dh) });
    }
    const point = p256.getPublicKey(secret, false);
    const publicKey = tryParsePublicKey(`p256:${toHex(p256.Point.fromBytes(point).toBytes(true))}`)!;
    const signSync = fast?.signer('p256', secret, point);
    const derive = signSync ? fast!.staticDh('p256', secret, point) : null;
    if (signSync && derive) {
      secret.fill(0);
      return Object.freeze({
        alg,
        publicKey,
        sign: async (data: Uint8Array) => signSync(data),
        signSync,
        dh: Object.freeze({ publicKey: point, derive: async (epk: Uint8Array) => derive(epk) }),
      });
    }
    const jwk: JsonWebKey = {
      kty: 'EC',
      crv: 'P-256',
      d: b64u(secret),
      x: b64u(point.subarray(1, 33)),
      y: b64u(point.subarray(33)),
    };
    const ck = await subtle().importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const dh = await p256Static(jwk);
    jwk.d = '';
    secret.fill(0);
    return Object.freeze({
      alg,
      publicKey,
      sign: async (data: Uint8Array) =>
        new Uint8Array(await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, ck, buf(data))),
      dh: Object.freeze(dh),
    });
  } catch (err) {
    if (err instanceof TypeError) throw err;
    throw expectedType(what, SECRET_HINT, input);
  }
}

async function loadKeyPair(pair: KeyPairLike, what: string): Promise<OwnKey> {
  const a = pair.privateKey.algorithm as EcKeyAlgorithm;
  let alg: KeyAlgorithm;
  if (a.name === 'Ed25519') alg = 'ed25519';
  else if (a.name === 'ECDSA' && a.namedCurve === 'P-256') alg = 'p256';
  else throw expectedType(what, 'an Ed25519 or ECDSA P-256 CryptoKeyPair', pair);
  const raw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  // tryParsePublicKey canonicalizes an uncompressed P-256 point to its compressed form.
  const pk = tryParsePublicKey(`${alg}:${toHex(raw)}`);
  if (!pk) throw expectedType(what, 'a usable CryptoKeyPair', pair);
  const priv = pair.privateKey;
  const algo = alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  return Object.freeze({
    alg,
    publicKey: pk,
    sign: async (data: Uint8Array) => new Uint8Array(await subtle().sign(algo, priv, buf(data))),
    dh: null,
  });
}

/** One-shot ephemeral key agreement toward a peer's static DH public key. */
export interface Ephemeral {
  readonly publicKey: Uint8Array;
  derive(): Promise<Uint8Array>;
}

/** The static DH public key that peers use to reach the holder of `key`. */
export function dhPublicOf(key: PublicKey): Uint8Array {
  if (key.alg === 'secp256k1') return concatBytes(Uint8Array.of(2), key.bytes);
  if (key.alg === 'ed25519') return ed25519.utils.toMontgomery(key.bytes);
  return p256.Point.fromBytes(key.bytes).toBytes(false);
}

/**
 * A fresh ephemeral key pair on the curve of `peer`, agreed with the peer's static DH key. The
 * ephemeral secret is a non-extractable WebCrypto key (X25519, P-256) or closure bytes (secp256k1).
 */
export async function createEphemeral(peer: PublicKey): Promise<Ephemeral> {
  const peerDh = dhPublicOf(peer);
  if (peer.alg === 'secp256k1') {
    const e = secp256k1.utils.randomSecretKey();
    const publicKey = secp256k1.getPublicKey(e, true);
    const shared = secp256k1.getSharedSecret(e, peerDh).slice(1);
    e.fill(0);
    return { publicKey, derive: async () => shared };
  }
  const params = peer.alg === 'ed25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: 'P-256' };
  const pair = (await subtle().generateKey(params, false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  const peerKey = await subtle().importKey('raw', buf(peerDh), params, true, []);
  let shared: Promise<Uint8Array> | null = null;
  return {
    publicKey,
    derive: () => {
      shared ??= subtle()
        .deriveBits({ name: params.name, public: peerKey }, pair.privateKey, 256)
        .then((b) => {
          const out = new Uint8Array(b);
          if (allZero(out)) throw new TypeError('key agreement produced a low-order point');
          return out;
        });
      return shared;
    },
  };
}

/**
 * Generates a new secret key as text (`ed25519:<hex>`, `p256:<hex>` or bare secp256k1 hex), for
 * servers and command-line use (for example the `CRYPTO_SESSION_KEY` variable).
 */
export function generateSecretKeyText(alg: KeyAlgorithm): string {
  if (alg === 'secp256k1') return toHex(schnorr.utils.randomSecretKey());
  if (alg === 'ed25519') return `ed25519:${toHex(ed25519.utils.randomSecretKey())}`;
  return `p256:${toHex(p256.utils.randomSecretKey())}`;
}

/**
 * Synchronous shape check of a secret key, so constructors can throw at once for a programmer
 * error (WebCrypto import itself is asynchronous).
 */
export function checkSecretKeyShape(input: unknown, what: string): void {
  if (isKeyPair(input)) return;
  if (input instanceof Uint8Array && input.length === 32) return;
  if (typeof input === 'string' && /^(?:(?:ed25519|p256|secp256k1):)?[0-9a-fA-F]{64}$/.test(input)) return;
  throw expectedType(what, SECRET_HINT, input);
}
