// The few primitives the token format needs, behind one small interface so that Node can swap in
// libsodium (sodium-native) as a fast path. Both implementations produce byte-identical tokens;
// test/core/backend.test.ts checks them against each other.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { fromBase64Url, toBase64Url } from '../internal/base64.js';
import { randomBytes } from '../internal/random.js';

export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface Backend {
  readonly name: string;
  /** `n` fresh random bytes, checked (src/internal/random.ts): throws RandomSourceError otherwise. */
  randomBytes(n: number): Uint8Array;
  /** XChaCha20-Poly1305 (IETF): ciphertext || 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /** Returns undefined when authentication fails. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array | undefined;
  toBase64Url(bytes: Uint8Array): string;
  fromBase64Url(s: string): Uint8Array | undefined;
  /**
   * Optional one-buffer fast path (Node, libsodium). token.ts owns the layout and passes every
   * part of it; the result must equal
   * `toBase64Url(ad[0..headerBytes) || nonce || seal(key, nonce, meta || utf8(json), ad))`.
   * `nonce` is only given by fixed test vectors; otherwise a fresh random one is used.
   */
  sealToken?(
    key: Uint8Array,
    ad: Uint8Array,
    headerBytes: number,
    meta: Uint8Array,
    json: string,
    nonce?: Uint8Array,
  ): string;
}

export const portableBackend: Backend = {
  name: 'noble',
  randomBytes,
  seal(key, nonce, plaintext, ad) {
    return xchacha20poly1305(key, nonce, ad).encrypt(plaintext);
  },
  open(key, nonce, sealed, ad) {
    try {
      return xchacha20poly1305(key, nonce, ad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
  toBase64Url,
  fromBase64Url,
};

let current: Backend = portableBackend;

/** The backend in use. Swapped once at start-up by the Node entry points, never per request. */
export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
