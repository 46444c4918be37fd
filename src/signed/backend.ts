// The crypto the signed-request server runs per request, behind one small interface: the portable
// backend (@noble/* and WebCrypto: browsers, workerd, any runtime) here, and the Node one
// (node:crypto, plus libsodium when installed) in ./backend-node.ts, which the server picks at
// start-up when the runtime offers it. Every backend gives the same bytes and the same verdicts;
// test/signed/backends.test.ts runs the same signed vectors through each.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url, utf8 } from '../internal/base64.js';
import { randomBytes } from '../internal/random.js';
import { type Aead, nobleAead, sealBody } from './seal.js';

/** Which implementation a server uses. */
export type BackendName = 'sodium-native' | 'node:crypto' | 'webcrypto';

/** A synchronous signature check; false (never throws) for anything that does not verify. */
export type SyncVerify = (data: Uint8Array, signature: Uint8Array) => boolean;

/** Static Diffie-Hellman with our secret: the peer's public key bytes → shared secret, or null. */
export type SyncDH = (peer: Uint8Array) => Uint8Array | null;

/**
 * Fast synchronous key operations a runtime may offer (node:crypto, libsodium). The key layer
 * (./keys.ts) uses them when present and falls back to WebCrypto / @noble for anything they
 * answer null to, so one backend can cover only some curves.
 */
export interface KeyOps {
  /** A verifier for a public key (32 bytes Ed25519, the 65-byte P-256 point), or null. */
  verifier(alg: 'ed25519' | 'p256', publicKey: Uint8Array): SyncVerify | null;
  /**
   * A signer for a 32-byte secret (Ed25519 seed or P-256 scalar) whose public key is `publicKey`
   * (32 bytes Ed25519, the 65-byte P-256 point), or null.
   */
  signer(
    alg: 'ed25519' | 'p256',
    secret: Uint8Array,
    publicKey: Uint8Array,
  ): ((data: Uint8Array) => Uint8Array) | null;
  /**
   * Static DH with a 32-byte secret: X25519 (`secret` is the Montgomery scalar, `publicKey` its
   * 32-byte u) or P-256 ECDH (`publicKey` the 65-byte point); the result is the 32-byte shared
   * secret (x coordinate for P-256). Null when not offered.
   */
  staticDh(alg: 'x25519' | 'p256', secret: Uint8Array, publicKey: Uint8Array): SyncDH | null;
}

export interface SignedBackend {
  readonly name: BackendName;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** XChaCha20-Poly1305 (IETF). */
  readonly aead: Aead;
  /** `n` fresh random bytes, checked (src/internal/random.ts): throws RandomSourceError otherwise. */
  randomBytes(n: number): Uint8Array;
  /** base64url without padding, and its strict decoder (src/internal/base64.ts rules; undefined otherwise). */
  toBase64Url(bytes: Uint8Array): string;
  fromBase64Url(text: string): Uint8Array | undefined;
  /** UTF-8 encoding (lone surrogates become U+FFFD, as with TextEncoder). */
  utf8(text: string): Uint8Array;
  /**
   * {@link sealBody} (./seal.ts) with this backend's AEAD and randomness: the same frame, and the
   * same bytes for the same nonce.
   */
  sealBody(key: Uint8Array, contentType: string, body: Uint8Array): Uint8Array;
  /** Fast key operations, or null (WebCrypto / @noble only). */
  readonly keys: KeyOps | null;
}

/** @noble/hashes, @noble/ciphers and WebCrypto: runs everywhere. */
export const portableBackend: SignedBackend = Object.freeze({
  name: 'webcrypto',
  sha256: (data: Uint8Array) => sha256(data),
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  aead: nobleAead,
  randomBytes,
  toBase64Url,
  fromBase64Url,
  utf8,
  sealBody: (key: Uint8Array, contentType: string, body: Uint8Array) =>
    sealBody(key, contentType, body, nobleAead, randomBytes),
  keys: null,
});
