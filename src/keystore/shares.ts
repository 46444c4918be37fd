// The two shares a store leaves behind across a reload, and nothing else:
//
//   window.name  {"sealed-session/keystore:<store>": "k1.<base64url 32-byte key>"}  (written when the
//                store is built and whenever a value changes; never at unload: Chromium drops those)
//   sessionStorage["sealed-session/keystore:<store>"] = base64url(
//                version(1) | persistTime(8, ms, big-endian) | nonce(12) | ChaCha20-Poly1305(padded state))
//                (written only at a trusted `pagehide`)
//
// The additional data binds the format version, the page origin, the store name and the persist
// time, so a share moved to another origin or store, replayed later, or edited in any bit fails to
// open. The plaintext is JSON padded with spaces to a bucket (see `bucket`) so that the share length
// does not reveal the exact length of the secrets. Pure functions: time and origin are parameters.
//
// ChaCha20-Poly1305 (RFC 8439) rather than AES-GCM: both must run synchronously in JS (at `pagehide`
// WebCrypto's promises never settle, and `get()` must work right after construction), and in JS the
// ARX cipher is faster than table-based AES + GHASH, which dominated restore time (measured in
// Chromium: 9.6 against 5.4-7.5 ms of CPU to restore 100 keys, docs/benchmarks.md). A random
// 96-bit nonce is safe: each page life has its own random key and seals only a few times.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { b64url, fromB64url, fromUtf8, randomBytes, stringify, utf8 } from './intrinsics.js';

/** Format version of the sealed share (2: ChaCha20-Poly1305; 1 was AES-256-GCM). The key share keeps its `k1.` prefix: its format did not change. */
export const SHARE_VERSION = 2;
const KEY_PREFIX = 'k1.';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const HEADER_BYTES = 1 + 8;
const TAG_BYTES = 16;
const MIN_BUCKET = 256;

/**
 * Why a restore was refused; safe to log (never contains share content).
 *
 * @example
 * ```ts
 * store.on('restore-failed', ({ reason }: { reason: RestoreFailureReason }) => log.debug(reason));
 * ```
 */
export type RestoreFailureReason = 'missing-share' | 'malformed' | 'version' | 'stale' | 'tampered';

/** What a ciphertext share is bound to besides its key. */
export interface ShareContext {
  origin: string;
  store: string;
}

/** A fresh random wrapping key for one page life of one store. */
export const newWrappingKey = (): Uint8Array => randomBytes(KEY_BYTES);

/** The `window.name` share: the wrapping key, versioned. Never holds a stored value. */
export const encodeKeyShare = (key: Uint8Array): string => KEY_PREFIX + b64url(key);

/** Parses a `window.name` share; `null` if absent or malformed. */
export function decodeKeyShare(share: unknown): Uint8Array | null {
  if (typeof share !== 'string' || !share.startsWith(KEY_PREFIX)) return null;
  const key = fromB64url(share.slice(KEY_PREFIX.length));
  return key && key.length === KEY_BYTES ? key : null;
}

/**
 * Padded length for `n` bytes: 256 at least, then multiples of a step that doubles with each power
 * of two from 4 KiB on (eight buckets per doubling), so padding costs at most 256 bytes or 12.5 %
 * while the length still reveals only the bucket. Power-of-two buckets wasted up to half of the
 * share, and the restore decrypts every padded byte.
 */
export function bucket(n: number): number {
  let step = MIN_BUCKET;
  while (step * 16 < n) step *= 2;
  return n <= MIN_BUCKET ? MIN_BUCKET : Math.ceil(n / step) * step;
}

function aad(ctx: ShareContext, time: number): Uint8Array {
  return utf8(stringify(['sealed-session/keystore', SHARE_VERSION, ctx.origin, ctx.store, time]));
}

/**
 * Seals a JSON text (which must end where JSON ends: trailing spaces are padding). The store seals
 * the flat list `[key, value, expiry - time | null, ...]`: relative expiries are shorter, and every
 * byte saved is a byte the next page does not have to decrypt.
 */
export function sealShare(key: Uint8Array, json: string, ctx: ShareContext, time: number): string {
  const body = utf8(json);
  const padded = new Uint8Array(bucket(body.length)).fill(0x20);
  padded.set(body);
  const nonce = randomBytes(NONCE_BYTES);
  const ct = chacha20poly1305(key, nonce, aad(ctx, time)).encrypt(padded);
  padded.fill(0);
  const out = new Uint8Array(HEADER_BYTES + NONCE_BYTES + ct.length);
  out[0] = SHARE_VERSION;
  const hi = Math.floor(time / 0x100000000);
  const lo = time >>> 0;
  for (let i = 0; i < 4; i++) {
    out[1 + i] = (hi >>> (24 - 8 * i)) & 0xff;
    out[5 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  out.set(nonce, HEADER_BYTES);
  out.set(ct, HEADER_BYTES + NONCE_BYTES);
  return b64url(out);
}

/** Result of opening a ciphertext share. */
export type OpenResult =
  | { ok: true; json: string; time: number }
  | { ok: false; reason: RestoreFailureReason };

/**
 * Opens a ciphertext share. Refuses a share persisted more than `maxAge` ms before `now` (or more
 * than 2 s in the future: a clock that went backwards), before even trying to decrypt it.
 */
export function openShare(
  key: Uint8Array,
  share: string,
  ctx: ShareContext,
  now: number,
  maxAge: number,
): OpenResult {
  const raw = fromB64url(share);
  if (!raw || raw.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES + MIN_BUCKET) {
    return { ok: false, reason: 'malformed' };
  }
  if (raw[0] !== SHARE_VERSION) return { ok: false, reason: 'version' };
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    hi = hi * 256 + raw[1 + i]!;
    lo = lo * 256 + raw[5 + i]!;
  }
  const time = hi * 0x100000000 + lo;
  if (!(now - time <= maxAge && time - now <= 2000)) return { ok: false, reason: 'stale' };
  const nonce = raw.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  let pt: Uint8Array;
  try {
    // noble's Poly1305 tag check is constant-time; any edited bit lands here.
    pt = chacha20poly1305(key, nonce, aad(ctx, time)).decrypt(raw.subarray(HEADER_BYTES + NONCE_BYTES));
  } catch {
    return { ok: false, reason: 'tampered' };
  }
  try {
    return { ok: true, json: fromUtf8(pt), time };
  } catch {
    return { ok: false, reason: 'malformed' };
  } finally {
    pt.fill(0);
  }
}
