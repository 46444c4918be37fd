// Node-only fast path: libsodium through sodium-native (an optional dependency). Imported only by
// the Node entry points (the root on Node, fastify, express), never by the portable core.
import { createRequire } from 'node:module';
import { type Backend, portableBackend, setBackend, TAG_BYTES } from './backend.js';

interface Sodium {
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

/**
 * Switches the core to libsodium when `sodium-native` is installed; otherwise keeps the portable
 * `@noble/ciphers` path. Safe to call many times. Returns the backend's name.
 */
export function useNativeBackend(): string {
  if (!loaded) {
    try {
      const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
      loaded = sodiumBackend(sodium);
    } catch {
      loaded = portableBackend;
    }
  }
  setBackend(loaded);
  return loaded.name;
}
