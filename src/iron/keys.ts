// An iron password is the only secret an iron-session user has, so our key is derived from it,
// deterministically, with the core's KDF (src/core/kdf.ts: Argon2id v1.3, 3 passes, 256 MiB,
// 32 bytes — libsodium's crypto_pwhash MODERATE) and the fixed salt below. The same password gives
// the same key on every instance and after every restart, without a second secret to deploy.
// Derivation is slow on purpose (about 1–2 s with libsodium, longer on the portable path), so it
// runs once per password per process, lazily (a request that needs no key waits for nothing),
// and the promise is shared by concurrent requests.
import { deriveKey } from '../core/kdf.js';
import { createKeyring, type Keyring } from '../core/keyring.js';

/**
 * The salt of the iron password derivation: the 16 ASCII bytes `sealed-session/i`. Fixed and public
 * (a salt is not a secret); it separates these keys from other Argon2id uses of the same password.
 *
 * @example
 * ```ts
 * IRON_KDF_SALT; // 'sealed-session/i'
 * ```
 */
export const IRON_KDF_SALT = 'sealed-session/i';

// Bounded: an application has a handful of passwords; a loop building options with fresh
// passwords must not grow memory without limit (oldest entries go first).
const MAX_CACHED = 16;
const keys = new Map<string, Promise<Uint8Array>>();
const rings = new Map<string, Promise<Keyring>>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

/** @internal the 32-byte key of one iron password (cached per process). */
export function keyOf(password: string): Promise<Uint8Array> {
  const hit = keys.get(password);
  if (hit) return hit;
  const p = deriveKey({ secret: password, salt: IRON_KDF_SALT }, 'password');
  // A failure (out of memory) must not stay cached.
  p.catch(() => keys.get(password) === p && keys.delete(password));
  return remember(keys, password, p);
}

/**
 * @internal the keyring of a password map: the highest id's key first (it seals), every other one
 * opens. The same password under two ids counts once.
 */
export function keyringOf(passwords: readonly (readonly [string, string])[]): Promise<Keyring> {
  const cacheKey = JSON.stringify(passwords);
  const hit = rings.get(cacheKey);
  if (hit) return hit;
  const unique = [...new Set(passwords.map(([, pw]) => pw))];
  const p = Promise.all(unique.map(keyOf)).then((list) => createKeyring(list));
  p.catch(() => rings.get(cacheKey) === p && rings.delete(cacheKey));
  return remember(rings, cacheKey, p);
}
