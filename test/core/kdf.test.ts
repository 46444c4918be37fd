// deriveKeyring: misuse refused without echoing the secret; the libsodium path (crypto_pwhash_async)
// and the portable path (@noble/hashes argon2idAsync) produce the same key, which is the key
// @fastify/secure-session derives (sodium crypto_pwhash, synchronous, as the original calls it).
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkDeriveOptions,
  deriveKey,
  deriveKeyring,
  PWHASH_MEMLIMIT,
  PWHASH_OPSLIMIT,
  portablePwhash,
  setNativePwhash,
} from '../../src/core/kdf.js';
import { useNativeBackend } from '../../src/core/native.js';
import { createKeyring, open, seal } from '../../src/index.js';

interface Sodium {
  crypto_pwhash(out: Buffer, pw: Buffer, salt: Buffer, ops: number, mem: number, alg: number): void;
  crypto_pwhash_OPSLIMIT_MODERATE: number;
  crypto_pwhash_MEMLIMIT_MODERATE: number;
  crypto_pwhash_ALG_DEFAULT: number;
}
const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;

/** Exactly what @fastify/secure-session 8.4 does (index.js, secret branch). */
function originalDerivation(secret: string, salt?: string): Buffer {
  const key = Buffer.alloc(32);
  const s =
    salt === undefined ? Buffer.from('mq9hDxBVDbspDR6nLfFT1g==', 'base64') : Buffer.from(salt, 'ascii');
  sodium.crypto_pwhash(
    key,
    Buffer.from(secret),
    s,
    sodium.crypto_pwhash_OPSLIMIT_MODERATE,
    sodium.crypto_pwhash_MEMLIMIT_MODERATE,
    sodium.crypto_pwhash_ALG_DEFAULT,
  );
  return key;
}

const secret = 'averylogphrasebiggerthanthirtytwochars';

afterEach(() => setNativePwhash(undefined));

describe('deriveKeyring', () => {
  it('uses libsodium’s parameters (MODERATE limits)', () => {
    expect(PWHASH_OPSLIMIT).toBe(sodium.crypto_pwhash_OPSLIMIT_MODERATE);
    expect(PWHASH_MEMLIMIT).toBe(sodium.crypto_pwhash_MEMLIMIT_MODERATE);
  });

  it.each([
    [
      { secret: 'x'.repeat(31) },
      /^options\.secret: expected a secret of at least 32 characters, got a string of 31 characters$/,
    ],
    [
      { secret: new Uint8Array(8) },
      /^options\.secret: expected a secret of at least 32 bytes, got a Uint8Array of 8 bytes$/,
    ],
    [{ secret: 42 }, /^options\.secret: expected a string of at least 32 characters, got a number$/],
    [
      { secret, salt: 'too short' },
      /^options\.salt: expected a salt of 16 bytes, got a string of 9 characters$/,
    ],
    [
      { secret, salt: new Uint8Array(17) },
      /^options\.salt: expected a salt of 16 bytes, got a Uint8Array of 17 bytes$/,
    ],
    [null, /^options: expected an object with a secret, got null$/],
  ])('refuses misuse %# at once, without echoing the secret', (options, message) => {
    expect(() => deriveKeyring(options as never)).toThrow(message);
    // The messages are anchored: they hold nothing of the secret. Asserting the throw (instead of
    // checking inside a catch) means a check that stops refusing fails here.
    expect(() => checkDeriveOptions(options)).toThrow(message);
  });

  it('with libsodium: byte-identical to @fastify/secure-session, with and without a salt', async () => {
    expect(useNativeBackend()).toBe('sodium-native'); // plugs crypto_pwhash_async too
    expect(Buffer.from(await deriveKey({ secret, salt: 'mq9hDxBVDbspDR6n' }))).toEqual(
      originalDerivation(secret, 'mq9hDxBVDbspDR6n'),
    );
    expect(Buffer.from(await deriveKey({ secret }))).toEqual(originalDerivation(secret));
    const ring = await deriveKeyring({ secret });
    const token = seal({ a: 1 }, createKeyring(originalDerivation(secret)), { context: 'x' });
    expect(open(token, ring, { context: 'x' }).value).toEqual({ a: 1 });
  }, 120_000);

  it('the portable path (@noble/hashes argon2idAsync) gives the same key and yields to the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const portable = await portablePwhash(
        new TextEncoder().encode(secret),
        Buffer.from('mq9hDxBVDbspDR6n', 'ascii'),
        PWHASH_OPSLIMIT,
        PWHASH_MEMLIMIT,
      );
      expect(Buffer.from(portable)).toEqual(originalDerivation(secret, 'mq9hDxBVDbspDR6n'));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  }, 600_000);
});
