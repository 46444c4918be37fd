// libsodium (sodium-native) as a crypto backend, given an already loaded module. No `node:` imports
// and no loading here, so both the Node entry points (src/core/native.ts, synchronous require) and
// the Web-safe signed-request server (src/signed/core.ts, optional dynamic import) can use it.
import { checkRandom } from '../internal/random.js';
import { type Backend, NONCE_BYTES, TAG_BYTES } from './backend.js';

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

// Why the buffers below: V8 keeps typed arrays of <= 64 bytes on the JS heap, and every native
// call that reads `.buffer` makes V8 move such an array off-heap first (~0.5-1 us each). Nonces
// come from one off-heap pool (each byte handed out once), and tokens are built in one buffer.
const NONCE_POOL_NONCES = 128;

export function sodiumBackend(sodium: Sodium): Backend {
  const pool = Buffer.allocUnsafeSlow(NONCE_BYTES * NONCE_POOL_NONCES);
  let poolOffset = pool.length; // empty: filled on first use
  /**
   * Copies `n` fresh random bytes into `target` at `at`; every pooled byte is used once. Each draw
   * from libsodium passes the kernel's sanity check (all zero or repeated → RandomSourceError), so
   * a broken source never yields a nonce or a session id.
   */
  const random = (target: Uint8Array, at: number, n: number): void => {
    if (n > pool.length) {
      const out = target.subarray(at, at + n);
      sodium.randombytes_buf(out);
      checkRandom(out);
      return;
    }
    if (poolOffset + n > pool.length) {
      poolOffset = pool.length; // stays empty if the check below throws
      sodium.randombytes_buf(pool);
      checkRandom(pool);
      poolOffset = 0;
    }
    pool.copy(target, at, poolOffset, poolOffset + n);
    pool.fill(0, poolOffset, poolOffset + n); // a used nonce does not linger in the pool
    poolOffset += n;
  };
  // Plaintext scratch, reused (calls are synchronous) and wiped after each use; rare larger
  // payloads get a one-off buffer so that the scratch never grows.
  const scratch = Buffer.allocUnsafeSlow(16_384);
  const scratchFor = (n: number): Buffer => (n <= scratch.length ? scratch : Buffer.allocUnsafeSlow(n));

  return {
    name: 'sodium-native',
    randomBytes(n) {
      const b = new Uint8Array(n);
      random(b, 0, n);
      return b;
    },
    seal(key, nonce, plaintext, ad) {
      const out = new Uint8Array(plaintext.length + TAG_BYTES);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
      return out;
    },
    open(key, nonce, sealed, ad) {
      if (sealed.length < TAG_BYTES) return undefined;
      // From Buffer's pool: no per-call off-heap allocation (a Buffer is a Uint8Array).
      const out = Buffer.allocUnsafe(sealed.length - TAG_BYTES);
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
      // Buffer's decoder is lenient (both alphabets, padding, skips other characters); the
      // re-encode comparison keeps the portable decoder's strictness: anything outside the URL
      // alphabet, padding, whitespace or a non-canonical last character changes the re-encoding.
      if (s.length % 4 === 1) return undefined;
      const b = Buffer.from(s, 'base64url');
      if (b.toString('base64url') !== s) return undefined;
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    },
    sealToken(key, ad, headerBytes, meta, json, nonce) {
      const plain = scratchFor(meta.length + json.length * 3);
      plain.set(meta, 0);
      const length = meta.length + plain.write(json, meta.length, 'utf8');
      const sealedAt = headerBytes + NONCE_BYTES;
      const out = Buffer.allocUnsafe(sealedAt + length + TAG_BYTES);
      out.set(ad.subarray(0, headerBytes), 0);
      if (nonce) out.set(nonce, headerBytes);
      else random(out, headerBytes, NONCE_BYTES);
      try {
        sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
          out.subarray(sealedAt),
          plain.subarray(0, length),
          ad,
          null,
          out.subarray(headerBytes, sealedAt),
          key,
        );
      } finally {
        plain.fill(0, 0, length);
      }
      return out.toString('base64url');
    },
  };
}
