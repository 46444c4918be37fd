// The one random source of the package, with a sanity check: a broken polyfill or a stubbed
// `crypto.getRandomValues` that returns zeros, or the same bytes twice, would make every nonce and
// session id predictable. Such output is refused loudly instead of being used (THREATS 50).
import { RandomSourceError } from '../core/errors.js';
import { getRandomValues, lengthOf, U8 } from './intrinsics.js';

// Below this many bytes an all-zero draw is plausible (1 in 2^(8n)); from 16 bytes on it is not.
const CHECKED = 16;
let previous: Uint8Array | undefined;

function same(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < CHECKED; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Refuses `bytes` (16 or more) that are all zero or equal to the previous checked draw; returns
 * them otherwise. For bytes drawn elsewhere (libsodium) as well as by {@link randomBytes}.
 */
export function checkRandom(bytes: Uint8Array): Uint8Array {
  // Load-time length getter and our own copy, never `subarray`: these bytes become keys, and a
  // prototype method replaced after load would be handed them (THREATS 45).
  const n = lengthOf(bytes);
  if (n < CHECKED) return bytes;
  let any = 0;
  for (let i = 0; i < n; i++) any |= bytes[i]!;
  if (any === 0) throw new RandomSourceError('returned only zero bytes');
  // Compare a prefix only: it keeps the check cheap for large draws and still catches a source
  // that replays its output.
  const head = new U8(CHECKED);
  for (let i = 0; i < CHECKED; i++) head[i] = bytes[i]!;
  if (previous !== undefined && same(previous, head))
    throw new RandomSourceError('returned the same bytes twice');
  previous = head;
  return bytes;
}

/** `n` random bytes from the `crypto.getRandomValues` captured at load, checked. */
export function randomBytes(n: number): Uint8Array {
  return checkRandom(getRandomValues(new U8(n)));
}
