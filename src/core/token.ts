// The sealed token format, version 1 (docs/format.md):
//
//   token     = base64url( version || keyId || nonce || ciphertext || tag )   (no padding)
//   version   = 0x01                          1 byte
//   keyId     = uint32 BE                     4 bytes, SHA-256("sealed-session/v1/key-id" || key)[0..4]
//   nonce     = 24 random bytes               XChaCha20-Poly1305 (IETF)
//   AD        = version || keyId || utf8(context)
//   plaintext = createdAt || idleExpiresAt || expiresAt (uint32 BE seconds, 0 = none) || utf8(JSON)
//
// The context (cookie or session name) is bound as additional data, so a token sealed for "a" never
// opens as "b" even under the same key. Expiry lives inside the ciphertext: a browser's Max-Age or
// an attacker's clock cannot extend it.

import { fromUtf8, utf8 } from '../internal/base64.js';
import { backend, NONCE_BYTES, TAG_BYTES } from './backend.js';
import {
  expectedRange,
  expectedType,
  TokenExpiredError,
  TokenInvalidError,
  type TokenInvalidReason,
} from './errors.js';
import { type Keyring, keyById, primaryKey } from './keyring.js';

/**
 * The version byte of the token format (docs/format.md); a token of another version is refused.
 *
 * @example
 * ```ts
 * import { TOKEN_VERSION } from 'sealed-session';
 * TOKEN_VERSION; // 1
 * ```
 */
export const TOKEN_VERSION = 1;
const HEADER_BYTES = 5;
const META_BYTES = 12;
const MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES + META_BYTES;
/** Longer strings are refused before any decoding work. */
export const MAX_TOKEN_LENGTH = 65_536;
/**
 * @internal The longest lifetime accepted anywhere (seal options, engine options, cookie Max-Age),
 * in seconds: 2**31 - 1 (about 68 years). Far inside the format's uint32 seconds until 2038 (the
 * deadline itself is checked at every seal), and a whole number, so nothing accepted can wrap.
 */
export const MAX_LIFETIME = 2_147_483_647;
/** The format's last representable second (uint32): 2106-02-07T06:28:15Z, in ms. */
const MAX_TIME_MS = 0xffff_ffff * 1000;

/**
 * Lifetimes inside a sealed token, in milliseconds since the epoch (second precision).
 *
 * @example
 * ```ts
 * const { createdAt, expiresAt } = open(token, ring, { context: 'jobs' });
 * ```
 */
export interface TokenTimes {
  /** When the session was first created; kept across re-seals. */
  createdAt: number;
  /** Idle deadline: the token is refused after it unless re-sealed before. */
  idleExpiresAt?: number | undefined;
  /** Absolute deadline, fixed at creation. */
  expiresAt?: number | undefined;
}

/**
 * What {@link open} returns.
 *
 * @example
 * ```ts
 * const { value, rotated } = open<{ userId: number }>(token, ring, { context: 'ws-auth' });
 * ```
 */
export interface Opened<T> extends TokenTimes {
  value: T;
  /** True when an older key of the ring opened it: re-seal to move it to the newest key. */
  rotated: boolean;
}

/** @internal a non-throwing result for hot paths. */
export type OpenResult<T> =
  | ({ ok: true } & Opened<T>)
  | { ok: false; reason: TokenInvalidReason | 'expired-idle' | 'expired-absolute' };

const secs = (ms: number | undefined): number => (ms === undefined ? 0 : Math.floor(ms / 1000));

// Reused scratch for the 12 meta bytes (calls are synchronous; never returned to callers).
const metaScratch = new Uint8Array(META_BYTES);

/**
 * A time for the meta bytes, refused (RangeError) unless it is a whole, representable second count:
 * a lifetime past the uint32 range would otherwise wrap into an already-expired token.
 */
function checkTime(what: string, ms: number | undefined, optional: boolean): number {
  if (ms === undefined && optional) return 0;
  if (typeof ms !== 'number' || !(ms >= (optional ? 1000 : 0) && ms <= MAX_TIME_MS)) {
    throw expectedRange(what, 'a time from 1970 to 2106-02-07T06:28:15Z in ms', ms);
  }
  return secs(ms);
}

function writeMeta(times: TokenTimes): Uint8Array {
  putUint32(metaScratch, 0, checkTime('createdAt', times.createdAt, false));
  putUint32(metaScratch, 4, checkTime('idleExpiresAt', times.idleExpiresAt, true));
  putUint32(metaScratch, 8, checkTime('expiresAt', times.expiresAt, true));
  return metaScratch;
}

function putUint32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

const getUint32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** @internal seals with explicit times; `nonce` is only for fixed test vectors. */
export function sealTimes(
  value: unknown,
  ring: Keyring,
  context: string,
  times: TokenTimes,
  nonce?: Uint8Array,
): string {
  writeMeta(times); // refuses out-of-range times before any other work
  const json = JSON.stringify(value);
  if (json === undefined) throw expectedType('value', 'a JSON-serialisable value', value);
  return sealJson(json, ring, context, times, nonce);
}

/** @internal {@link sealTimes} for a value already serialised (`json` must be JSON text). */
export function sealJson(
  json: string,
  ring: Keyring,
  context: string,
  times: TokenTimes,
  nonce?: Uint8Array,
): string {
  const meta = writeMeta(times);
  const { id, key } = primaryKey(ring);
  const ad = adFor(id, key, context);
  const b = backend();
  if (b.sealToken) return b.sealToken(key, ad, HEADER_BYTES, meta, json, nonce);

  const body = utf8(json);
  const plain = new Uint8Array(META_BYTES + body.length);
  plain.set(meta, 0);
  plain.set(body, META_BYTES);
  const n = nonce ?? b.randomBytes(NONCE_BYTES);
  const sealed = b.seal(key, n, plain, ad);
  const out = new Uint8Array(HEADER_BYTES + NONCE_BYTES + sealed.length);
  out.set(ad.subarray(0, HEADER_BYTES), 0);
  out.set(n, HEADER_BYTES);
  out.set(sealed, HEADER_BYTES + NONCE_BYTES);
  return b.toBase64Url(out);
}

// AD = header || utf8(context), built once per (key, context): small arrays cost most on the
// native path (see native.ts). Bounded, since seal()/open() accept any context.
const AD_CACHE_CONTEXTS = 64;
const adCache = new WeakMap<Uint8Array, Map<string, Uint8Array>>();

function adFor(id: number, key: Uint8Array, context: string): Uint8Array {
  let byContext = adCache.get(key);
  if (byContext === undefined) {
    byContext = new Map();
    adCache.set(key, byContext);
  }
  let ad = byContext.get(context);
  if (ad === undefined) {
    const c = utf8(context);
    ad = new Uint8Array(HEADER_BYTES + c.length);
    ad[0] = TOKEN_VERSION;
    putUint32(ad, 1, id);
    ad.set(c, HEADER_BYTES);
    if (byContext.size >= AD_CACHE_CONTEXTS) byContext.clear();
    byContext.set(context, ad);
  }
  return ad;
}

/** @internal what {@link tryOpenText} returns: the JSON text, not yet parsed. */
export type OpenTextResult =
  | { ok: true; text: string; createdAt: number; idleExpiresAt: number; expiresAt: number; rotated: boolean }
  | { ok: false; reason: TokenInvalidReason | 'expired-idle' | 'expired-absolute' };

/**
 * @internal opens without throwing and without parsing the JSON (the session engine caches the
 * text); `now` in ms. Deadlines are 0 when absent.
 */
export function tryOpenText(token: unknown, ring: Keyring, context: string, now: number): OpenTextResult {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const bytes = backend().fromBase64Url(token);
  if (!bytes || bytes.length < MIN_BYTES) return { ok: false, reason: 'malformed' };
  if (bytes[0] !== TOKEN_VERSION) return { ok: false, reason: 'version' };
  const id = getUint32(bytes, 1);
  const entry = keyById(ring, id);
  if (!entry) return { ok: false, reason: 'unknown-key' };
  const ad = adFor(id, entry.key, context);
  const plain = backend().open(
    entry.key,
    bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    bytes.subarray(HEADER_BYTES + NONCE_BYTES),
    ad,
  );
  if (!plain) return { ok: false, reason: 'auth' };

  const createdAt = getUint32(plain, 0) * 1000;
  const idle = getUint32(plain, 4) * 1000;
  const abs = getUint32(plain, 8) * 1000;
  if (abs !== 0 && now >= abs) return { ok: false, reason: 'expired-absolute' };
  if (idle !== 0 && now >= idle) return { ok: false, reason: 'expired-idle' };
  let text: string;
  try {
    text = fromUtf8(plain.subarray(META_BYTES));
  } catch {
    // Authentic but not UTF-8: only possible if someone sealed garbage with our key.
    return { ok: false, reason: 'payload' };
  }
  return { ok: true, text, createdAt, idleExpiresAt: idle, expiresAt: abs, rotated: entry.rotated };
}

/** @internal opens without throwing; `now` in ms. */
export function tryOpen<T = unknown>(
  token: unknown,
  ring: Keyring,
  context: string,
  now: number,
): OpenResult<T> {
  const r = tryOpenText(token, ring, context, now);
  if (!r.ok) return r;
  let value: T;
  try {
    value = JSON.parse(r.text) as T;
  } catch {
    // Authentic but not JSON: only possible if someone sealed garbage with our key.
    return { ok: false, reason: 'payload' };
  }
  return {
    ok: true,
    value,
    createdAt: r.createdAt,
    idleExpiresAt: r.idleExpiresAt || undefined,
    expiresAt: r.expiresAt || undefined,
    rotated: r.rotated,
  };
}

/**
 * Options of {@link seal}.
 *
 * @example
 * ```ts
 * seal(value, ring, { context: 'password-reset', maxAge: 900 });
 * ```
 */
export interface SealOptions {
  /** What the token is for (a cookie or session name, a job queue…). Bound into the token. */
  context: string;
  /** Absolute lifetime in whole seconds from now (1 to 2**31 - 1); RangeError otherwise. */
  maxAge?: number;
  /**
   * Idle lifetime in whole seconds (1 to 2**31 - 1): refuse the token if it was not re-sealed within
   * this time.
   */
  idleTimeout?: number;
  /** Clock override in milliseconds (tests). */
  now?: number;
}

/**
 * Options of {@link open}.
 *
 * @example
 * ```ts
 * open(token, ring, { context: 'password-reset' });
 * ```
 */
export interface OpenOptions {
  /** Must equal the context the token was sealed with. */
  context: string;
  /** Clock override in milliseconds (tests). */
  now?: number;
}

function checkContext(context: unknown): string {
  if (typeof context !== 'string' || context.length === 0 || context.length > 256) {
    throw expectedType('options.context', 'a non-empty string of at most 256 characters', context);
  }
  return context;
}

/**
 * @internal A lifetime option: a whole number of seconds from 1 to {@link MAX_LIFETIME}, else a
 * RangeError "what: expected …, got …". Shared by seal() and the session engine.
 */
export function checkLifetime(what: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_LIFETIME) {
    throw expectedRange(what, `an integer number of seconds from 1 to ${MAX_LIFETIME}`, v);
  }
  return v;
}

/**
 * Seals any JSON value into an encrypted, authenticated, URL-safe token bound to `context`,
 * outside HTTP too (websockets, jobs, tests).
 *
 * @example
 * ```ts
 * import { createKeyring, seal, open } from 'sealed-session';
 * const ring = createKeyring(process.env.SESSION_KEY!);
 * const token = seal({ userId: 42 }, ring, { context: 'ws-auth', maxAge: 60 });
 * open<{ userId: number }>(token, ring, { context: 'ws-auth' }).value.userId; // 42
 * ```
 */
export function seal(value: unknown, ring: Keyring, options: SealOptions): string {
  const context = checkContext(options?.context);
  const maxAge = checkLifetime('options.maxAge', options.maxAge);
  const idle = checkLifetime('options.idleTimeout', options.idleTimeout);
  const now = options.now ?? Date.now();
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw expectedRange('options.now', 'a time in ms', now);
  // sealTimes() refuses deadlines past the format's range (RangeError), never wraps them.
  return sealTimes(value, ring, context, {
    createdAt: now,
    expiresAt: maxAge === undefined ? undefined : now + maxAge * 1000,
    idleExpiresAt: idle === undefined ? undefined : now + idle * 1000,
  });
}

/**
 * Opens a token made by {@link seal}. Throws {@link TokenInvalidError} (one code for malformed,
 * forged, tampered, wrong-context or unknown-key tokens) or {@link TokenExpiredError}.
 *
 * @example
 * ```ts
 * const { value, rotated } = open(token, ring, { context: 'ws-auth' });
 * if (rotated) token = seal(value, ring, { context: 'ws-auth' }); // move to the newest key
 * ```
 */
export function open<T = unknown>(token: string, ring: Keyring, options: OpenOptions): Opened<T> {
  const context = checkContext(options?.context);
  const r = tryOpen<T>(token, ring, context, options.now ?? Date.now());
  if (r.ok) {
    // Spelled out: an object rest (`{ ok, ...opened }`) is a slow runtime copy on this hot path.
    return {
      value: r.value,
      createdAt: r.createdAt,
      idleExpiresAt: r.idleExpiresAt,
      expiresAt: r.expiresAt,
      rotated: r.rotated,
    };
  }
  if (r.reason === 'expired-idle') throw new TokenExpiredError('idle');
  if (r.reason === 'expired-absolute') throw new TokenExpiredError('absolute');
  throw new TokenInvalidError(r.reason);
}
