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
//
// The AEAD is RFC 8439's ChaCha20-Poly1305, composed here from noble's ChaCha20 and Poly1305 so that
// the plaintext (the stored values) never passes through code that uses live built-ins: noble reads
// `length`, `buffer` and `subarray` of its inputs through prototypes a page script can still hook
// after load (THREATS 45). noble only ever sees the key, the nonce, zero blocks (from which it makes
// the keystream) and the ciphertext; our own loops over typed arrays, whose indexed elements are
// never looked up on a prototype, XOR the keystream in. The fixed vector in
// test/keystore/shares.test.ts is opened and re-sealed byte for byte by node:crypto's own
// chacha20-poly1305, so this composition cannot drift from the RFC.

import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { fromBase64Url, toBase64Url } from '../internal/base64.js';
import { equalBytes } from '../internal/compare.js';
import { fromUtf8, lengthOf, slice, startsWith, U8, utf8 } from '../internal/intrinsics.js';
import { randomBytes } from '../internal/random.js';
import { jsonNumber, jsonString } from './json.js';

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
export const encodeKeyShare = (key: Uint8Array): string => KEY_PREFIX + toBase64Url(key);

/** Parses a `window.name` share; `null` if absent or malformed. */
export function decodeKeyShare(share: unknown): Uint8Array | null {
  if (typeof share !== 'string' || !startsWith(share, KEY_PREFIX)) return null;
  const key = fromBase64Url(slice(share, KEY_PREFIX.length));
  return key && lengthOf(key) === KEY_BYTES ? key : null;
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
  return utf8(
    `["sealed-session/keystore",${SHARE_VERSION},${jsonString(ctx.origin)},${jsonString(ctx.store)},${jsonNumber(time)}]`,
  );
}

/** Little-endian 64-bit length (lengths here are far below 2^32). */
function putLength(out: Uint8Array, at: number, n: number): void {
  for (let i = 0; i < 8; i++) out[at + i] = i < 4 ? (n >>> (8 * i)) & 0xff : 0;
}

const pad16 = (n: number): number => (16 - (n & 15)) & 15;

/** RFC 8439 §2.8 tag over `ad` and `ct[from .. from + n)`. */
function tagOf(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  ct: Uint8Array,
  from: number,
  n: number,
): Uint8Array {
  const otk = chacha20(key, nonce, new U8(32), undefined, 0);
  const adLen = lengthOf(ad);
  const a = adLen + pad16(adLen);
  const mac = new U8(a + n + pad16(n) + 16);
  for (let i = 0; i < adLen; i++) mac[i] = ad[i]!;
  for (let i = 0; i < n; i++) mac[a + i] = ct[from + i]!;
  putLength(mac, a + n + pad16(n), adLen);
  putLength(mac, a + n + pad16(n) + 8, n);
  const tag = poly1305(mac, otk);
  for (let i = 0; i < 32; i++) otk[i] = 0;
  return tag;
}

/**
 * Seals a JSON text (which must end where JSON ends: trailing spaces are padding). The store seals
 * the flat list `[key, value, expiry - time | null, ...]`: relative expiries are shorter, and every
 * byte saved is a byte the next page does not have to decrypt.
 */
export function sealShare(key: Uint8Array, json: string, ctx: ShareContext, time: number): string {
  const body = utf8(json);
  const len = lengthOf(body);
  const n = bucket(len);
  const nonce = randomBytes(NONCE_BYTES);
  const out = new U8(HEADER_BYTES + NONCE_BYTES + n + TAG_BYTES);
  out[0] = SHARE_VERSION;
  const hi = Math.floor(time / 0x100000000);
  const lo = time >>> 0;
  for (let i = 0; i < 4; i++) {
    out[1 + i] = (hi >>> (24 - 8 * i)) & 0xff;
    out[5 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  for (let i = 0; i < NONCE_BYTES; i++) out[HEADER_BYTES + i] = nonce[i]!;
  // Keystream from counter 1 (RFC 8439 §2.8), XORed with the padded plaintext by our own loop.
  const ks = chacha20(key, nonce, new U8(n), undefined, 1);
  const at = HEADER_BYTES + NONCE_BYTES;
  for (let i = 0; i < n; i++) {
    out[at + i] = ks[i]! ^ (i < len ? body[i]! : 0x20);
    ks[i] = 0;
  }
  for (let i = 0; i < len; i++) body[i] = 0;
  const tag = tagOf(key, nonce, aad(ctx, time), out, at, n);
  for (let i = 0; i < TAG_BYTES; i++) out[at + n + i] = tag[i]!;
  return toBase64Url(out);
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
  const raw = fromBase64Url(share);
  const total = raw ? lengthOf(raw) : 0;
  if (!raw || total < HEADER_BYTES + NONCE_BYTES + TAG_BYTES + MIN_BUCKET) {
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
  const nonce = new U8(NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) nonce[i] = raw[HEADER_BYTES + i]!;
  const at = HEADER_BYTES + NONCE_BYTES;
  const n = total - at - TAG_BYTES;
  // Authenticate first (constant-time tag compare); any edited bit lands here.
  const tag = tagOf(key, nonce, aad(ctx, time), raw, at, n);
  const given = new U8(TAG_BYTES);
  for (let i = 0; i < TAG_BYTES; i++) given[i] = raw[at + n + i]!;
  if (!equalBytes(tag, given)) return { ok: false, reason: 'tampered' };
  const ks = chacha20(key, nonce, new U8(n), undefined, 1);
  const pt = new U8(n);
  for (let i = 0; i < n; i++) {
    pt[i] = raw[at + i]! ^ ks[i]!;
    ks[i] = 0;
  }
  try {
    return { ok: true, json: fromUtf8(pt), time };
  } catch {
    return { ok: false, reason: 'malformed' };
  } finally {
    for (let i = 0; i < n; i++) pt[i] = 0;
  }
}
