// Body encryption: HKDF-SHA256 from an ECDH secret to one key per direction and per request, then
// XChaCha20-Poly1305 (random 24-byte nonce, so nonce reuse is not a practical risk). The plaintext
// carries its own content type, so the type is hidden and authenticated along with the body.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { fromUtf8, utf8 } from '../internal/base64.js';
import { randomBytes } from '../internal/random.js';

/** Version label mixed into every derivation and signature tag of this wire format. */
export const LABEL = 'sealed-session/signed v1';

/** Which way a message travels; each direction has its own key. */
export type Direction = 'c2s' | 's2c';

/** HMAC-SHA256 (`key`, `data`) → 32 bytes; the server may pass node:crypto's, byte-identical. */
export type Mac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** The portable HMAC-SHA256 (@noble/hashes). */
export const nobleMac: Mac = (key, data) => hmac(sha256, key, data);

const ONE = Uint8Array.of(1);

/** RFC 5869 HKDF-Expand to 32 bytes (one block): HMAC(prk, info ‖ 0x01). */
function expand32(prk: Uint8Array, info: string, mac: Mac): Uint8Array {
  return mac(prk, concatBytes(utf8(info), ONE));
}

/** Pseudo-random key for one ephemeral agreement (RFC 5869 extract), bound to both public keys. */
export function agreementKey(
  shared: Uint8Array,
  ephemeralPub: Uint8Array,
  staticDhPub: Uint8Array,
  mac: Mac = nobleMac,
): Uint8Array {
  // HKDF-Extract(salt, IKM) = HMAC(salt, IKM); the salt is never empty here.
  return mac(concatBytes(utf8(LABEL), ephemeralPub, staticDhPub), shared);
}

/** The 32-byte AEAD key for one message: direction and request nonce go into the HKDF info. */
export function messageKey(
  prk: Uint8Array,
  direction: Direction,
  nonce: string,
  mac: Mac = nobleMac,
): Uint8Array {
  return expand32(prk, `${LABEL} ${direction} ${nonce}`, mac);
}

/**
 * Key of the optional `hmac-sha256` reply signature: only the server (static key) and the client
 * (ephemeral key) can derive it, so it authenticates the server to that client like a signature.
 */
export function replyMacKey(prk: Uint8Array, nonce: string, mac: Mac = nobleMac): Uint8Array {
  return expand32(prk, `${LABEL} s2c-mac ${nonce}`, mac);
}

/** RFC 9421 `alg` of the MAC reply signature. */
export const HMAC_ALG = 'hmac-sha256';

/** An XChaCha20-Poly1305 (IETF) implementation; the server may pass libsodium's, byte-identical. */
export interface Aead {
  encrypt(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Uint8Array;
  /** null when the tag does not verify. */
  decrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/** The portable AEAD (@noble/ciphers). */
export const nobleAead: Aead = Object.freeze({
  encrypt: (key: Uint8Array, nonce: Uint8Array, plain: Uint8Array) =>
    xchacha20poly1305(key, nonce).encrypt(plain),
  decrypt: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array) => {
    try {
      return xchacha20poly1305(key, nonce).decrypt(sealed);
    } catch {
      return null;
    }
  },
});

/** First byte of every plaintext frame. */
export const FRAME_VERSION = 1;

/** A frame's content type as UTF-8 (`encode`, the kernel's by default); RangeError above 255 bytes. */
export function frameType(contentType: string, encode: (text: string) => Uint8Array = utf8): Uint8Array {
  const ct = encode(contentType);
  if (ct.length > 255) throw new RangeError(`content type: expected at most 255 bytes, got ${ct.length}`);
  return ct;
}

/** Encrypts `body` (with its content type) under `key`: returns nonce ‖ ciphertext ‖ tag. */
export function sealBody(
  key: Uint8Array,
  contentType: string,
  body: Uint8Array,
  aead: Aead = nobleAead,
  random: (n: number) => Uint8Array = randomBytes,
): Uint8Array {
  const ct = frameType(contentType);
  const plain = new Uint8Array(2 + ct.length + body.length);
  plain[0] = FRAME_VERSION;
  plain[1] = ct.length;
  plain.set(ct, 2);
  plain.set(body, 2 + ct.length);
  const nonce = random(24);
  return concatBytes(nonce, aead.encrypt(key, nonce, plain));
}

/** Opens what {@link sealBody} produced; null (never throws) when forged, truncated or malformed. */
export function openBody(
  key: Uint8Array,
  sealed: Uint8Array,
  aead: Aead = nobleAead,
): { contentType: string; body: Uint8Array } | null {
  if (sealed.length < 24 + 16 + 2) return null;
  const plain = aead.decrypt(key, sealed.subarray(0, 24), sealed.subarray(24));
  if (!plain) return null;
  if (plain[0] !== FRAME_VERSION || plain.length < 2 + plain[1]!) return null;
  try {
    return { contentType: fromUtf8(plain.subarray(2, 2 + plain[1]!)), body: plain.subarray(2 + plain[1]!) };
  } catch {
    return null;
  }
}

/** Turns a decrypted body into `data` the way crypto-sessions did: JSON when typed so, text when text. */
export function reviveData(contentType: string, body: Uint8Array): unknown {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return undefined;
  try {
    if (type === 'application/json' || type.endsWith('+json')) return JSON.parse(fromUtf8(body));
    if (type.startsWith('text/') || type === 'application/x-www-form-urlencoded' || type === '')
      return fromUtf8(body);
  } catch {
    return body;
  }
  return body;
}
