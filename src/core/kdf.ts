// Keys from a secret + salt, byte-identical to `@fastify/secure-session` (libsodium crypto_pwhash:
// Argon2id v1.3, OPSLIMIT_MODERATE, MEMLIMIT_MODERATE, 32-byte output) so that cookies made with
// `secret` + `salt` keep opening after a switch. The derivation is memory-hard and slow on purpose:
// it runs once, off the event loop when libsodium is loaded, otherwise in slices that yield.
// Portable: no `node:` imports; Node entry points plug libsodium in through setNativePwhash().
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { fromBase64, utf8 } from '../internal/base64.js';
import { expectedRange, expectedType } from './errors.js';
import { createKeyring, type Keyring } from './keyring.js';

/** libsodium crypto_pwhash_OPSLIMIT_MODERATE (Argon2id passes). */
export const PWHASH_OPSLIMIT = 3;
/** libsodium crypto_pwhash_MEMLIMIT_MODERATE, in bytes (256 MiB). */
export const PWHASH_MEMLIMIT = 268_435_456;
/** libsodium crypto_pwhash_SALTBYTES. */
export const PWHASH_SALT_BYTES = 16;
/** Shortest secret accepted, in characters (strings) or bytes. */
export const MIN_SECRET_LENGTH = 32;

// `@fastify/secure-session`'s built-in salt. Static, hence weak (same salt for every application);
// kept only so that existing cookies made without a salt still open. Prefer a random key.
const DEFAULT_SALT = fromBase64('mq9hDxBVDbspDR6nLfFT1g==')!;

/** A crypto_pwhash implementation: Argon2id v1.3, 32-byte output. */
export type Pwhash = (
  secret: Uint8Array,
  salt: Uint8Array,
  opslimit: number,
  memlimit: number,
) => Promise<Uint8Array>;

let native: Pwhash | undefined;

/** @internal Node entry points plug libsodium's crypto_pwhash_async (runs on the libuv pool) in here. */
export function setNativePwhash(fn: Pwhash | undefined): void {
  native = fn;
}

/**
 * Options of {@link deriveKeyring}.
 *
 * @example
 * ```ts
 * const options: DeriveOptions = { secret: process.env.SESSION_SECRET!, salt: process.env.SESSION_SALT! };
 * ```
 */
export interface DeriveOptions {
  /** At least 32 characters (or bytes). A long random value; never a human password. */
  secret: string | Uint8Array;
  /**
   * 16 bytes, or a string of 16 characters (one byte each, as `@fastify/secure-session` reads it).
   * Default: `@fastify/secure-session`'s static salt — weak, for compatibility only.
   */
  salt?: string | Uint8Array;
}

/** @internal validates and normalises; throws "expected X, got Y" without echoing the secret. */
export function checkDeriveOptions(
  options: unknown,
  what = 'options',
): { secret: Uint8Array; salt: Uint8Array } {
  if (options === null || typeof options !== 'object') {
    throw expectedType(what, 'an object with a secret', options);
  }
  const { secret, salt } = options as DeriveOptions;
  let secretBytes: Uint8Array;
  if (typeof secret === 'string') {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw expectedRange(`${what}.secret`, `a secret of at least ${MIN_SECRET_LENGTH} characters`, secret);
    }
    secretBytes = utf8(secret);
  } else if (secret instanceof Uint8Array) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw expectedRange(`${what}.secret`, `a secret of at least ${MIN_SECRET_LENGTH} bytes`, secret);
    }
    secretBytes = Uint8Array.from(secret);
  } else {
    throw expectedType(`${what}.secret`, `a string of at least ${MIN_SECRET_LENGTH} characters`, secret);
  }
  let saltBytes: Uint8Array;
  if (salt === undefined || salt === null) saltBytes = DEFAULT_SALT;
  else if (typeof salt === 'string') {
    // Node's 'ascii' decoding, as the original: one byte per UTF-16 code unit, low 8 bits.
    saltBytes = Uint8Array.from(salt, (c) => c.charCodeAt(0) & 0xff);
  } else if (salt instanceof Uint8Array) saltBytes = Uint8Array.from(salt);
  else throw expectedType(`${what}.salt`, `${PWHASH_SALT_BYTES} bytes or a string of 16 characters`, salt);
  if (saltBytes.length !== PWHASH_SALT_BYTES) {
    throw expectedRange(`${what}.salt`, `a salt of ${PWHASH_SALT_BYTES} bytes`, salt);
  }
  return { secret: secretBytes, salt: saltBytes };
}

/** @internal the portable Argon2id path (exported for the cross-check test). */
export function portablePwhash(
  secret: Uint8Array,
  salt: Uint8Array,
  opslimit: number,
  memlimit: number,
): Promise<Uint8Array> {
  // asyncTick: give the event loop a turn every 10 ms of hashing.
  return argon2idAsync(secret, salt, {
    t: opslimit,
    m: memlimit / 1024,
    p: 1,
    dkLen: 32,
    asyncTick: 10,
    maxmem: memlimit + 1024 * 1024,
  });
}

/** @internal the 32 raw key bytes (the legacy reader needs them as well as the keyring). */
export function deriveKey(options: DeriveOptions, what = 'options'): Promise<Uint8Array> {
  const { secret, salt } = checkDeriveOptions(options, what);
  const run = native ?? portablePwhash;
  return run(secret, salt, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT);
}

/**
 * Derives a one-key {@link Keyring} from a secret and a salt with Argon2id (libsodium
 * `crypto_pwhash`, MODERATE limits: 3 passes, 256 MiB), byte-identical to `@fastify/secure-session`,
 * so sessions made with its `secret` + `salt` keep opening. Takes about a second with libsodium
 * (off the event loop) and longer on the portable path (which yields to the event loop). Misuse
 * (a secret under 32 characters, a salt that is not 16 bytes) throws a TypeError/RangeError at
 * once, before any work; the secret never appears in a message.
 *
 * Prefer a random key (`generateKey()`) over a secret: a key needs no derivation, and without a
 * `salt` this uses `@fastify/secure-session`'s static salt, the same for every application.
 *
 * @example
 * ```ts
 * import { deriveKeyring, seal } from 'sealed-session';
 * const ring = await deriveKeyring({ secret: process.env.SESSION_SECRET!, salt: process.env.SESSION_SALT! });
 * const token = seal({ userId: 1 }, ring, { context: 'session' });
 * ```
 */
export function deriveKeyring(options: DeriveOptions): Promise<Keyring> {
  return deriveKey(options).then((key) => createKeyring(key));
}
