import { fromBase64, fromBase64Url, fromHex, toBase64Url, toHex } from '../internal/base64.js';
import { backend, KEY_BYTES } from './backend.js';
import { expectedType } from './errors.js';

/**
 * A 32-byte key: bytes, 64 hex characters, or base64/base64url of 32 bytes.
 *
 * @example
 * ```ts
 * const key: KeyInput = process.env.SESSION_KEY!; // from `npx sealed-session genkey`
 * ```
 */
export type KeyInput = Uint8Array | string;

/**
 * A fresh random 32-byte key for sealing sessions, as bytes, hex or base64url.
 *
 * @example
 * ```ts
 * import { generateKey } from 'sealed-session';
 * const key = generateKey('hex'); // store it in a secret manager, pass it as `key`
 * ```
 */
export function generateKey(): Uint8Array;
export function generateKey(encoding: 'hex' | 'base64url'): string;
export function generateKey(encoding?: 'hex' | 'base64url'): Uint8Array | string {
  const key = backend().randomBytes(KEY_BYTES);
  if (encoding === 'hex') return toHex(key);
  if (encoding === 'base64url') return toBase64Url(key);
  return key;
}

const decodeBase64 = (s: string): Uint8Array | undefined => fromBase64Url(s) ?? fromBase64(s);

const EXPECTED_KEY = 'a 32-byte key (Uint8Array, 64 hex characters or base64 of 32 bytes)';

/**
 * Turns one key input into 32 bytes or throws a TypeError naming `what` (e.g. `key[2]`). Never
 * echoes the key.
 */
export function parseKey(input: unknown, what: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (input instanceof Uint8Array) bytes = input;
  else if (typeof input === 'string')
    // Hex, or one of the two strict spellings of base64: URL alphabet unpadded, standard padded.
    bytes = input.length === 64 ? fromHex(input) : decodeBase64(input.trim());
  if (!bytes || bytes.length !== KEY_BYTES) throw expectedType(what, EXPECTED_KEY, input);
  // A copy, so a caller that later zeroes or reuses its buffer cannot change our key.
  return Uint8Array.from(bytes);
}
