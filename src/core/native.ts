// Node-only fast path: libsodium through sodium-native (an optional dependency). Imported only by
// the Node entry points (the root on Node, fastify, express), never by the portable core.
import { createRequire } from 'node:module';
import { type Backend, portableBackend, setBackend, TAG_BYTES } from './backend.js';
import { type Pwhash, setNativePwhash } from './kdf.js';

/** The part of sodium-native's API this package uses. */
export interface Sodium {
  randombytes_buf(buf: Uint8Array): void;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_pwhash_async(
    out: Uint8Array,
    passwd: Uint8Array,
    salt: Uint8Array,
    opslimit: number,
    memlimit: number,
    alg: number,
  ): Promise<void>;
  crypto_pwhash_ALG_ARGON2ID13: number;
}

let sodium: Sodium | null | undefined;

/** sodium-native, loaded once; null when it is not installed. */
export function loadSodium(): Sodium | null {
  if (sodium === undefined) {
    try {
      sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    } catch {
      sodium = null;
    }
  }
  return sodium;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

export function sodiumBackend(sodium: Sodium): Backend {
  return {
    name: 'sodium-native',
    randomBytes(n) {
      const b = new Uint8Array(n);
      sodium.randombytes_buf(b);
      return b;
    },
    seal(key, nonce, plaintext, ad) {
      const out = new Uint8Array(plaintext.length + TAG_BYTES);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
      return out;
    },
    open(key, nonce, sealed, ad) {
      if (sealed.length < TAG_BYTES) return undefined;
      const out = new Uint8Array(sealed.length - TAG_BYTES);
      try {
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, sealed, ad, nonce, key);
        return out;
      } catch {
        return undefined;
      }
    },
    toBase64Url(bytes) {
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
    },
    fromBase64Url(s) {
      // Buffer's decoder is lenient; keep the portable decoder's strictness (alphabet, canonical).
      if (s.length % 4 === 1 || !B64URL.test(s)) return undefined;
      const b = Buffer.from(s, 'base64url');
      if (b.toString('base64url') !== s) return undefined;
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    },
  };
}

let loaded: Backend | undefined;
let pwhash: Pwhash | undefined;

/**
 * Switches the core to libsodium when `sodium-native` is installed — the AEAD, and Argon2id for
 * `secret` + `salt` (crypto_pwhash_async, on the libuv pool, off the event loop); otherwise keeps
 * the portable `@noble/*` paths. Safe to call many times. Returns the AEAD backend's name.
 */
export function useNativeBackend(): string {
  if (!loaded) {
    const s = loadSodium();
    loaded = s ? sodiumBackend(s) : portableBackend;
    pwhash = s
      ? async (secret, salt, opslimit, memlimit) => {
          const out = new Uint8Array(32);
          await s.crypto_pwhash_async(out, secret, salt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
          return out;
        }
      : undefined;
  }
  setBackend(loaded);
  setNativePwhash(pwhash);
  return loaded.name;
}
