// Options of the Fastify plugin: `@fastify/secure-session`'s names, validated once at registration.
// Every bad key is refused with its index (the original accepts a list with one bad key and fails
// later, per request); messages say "expected X, got Y" and never echo a key or a secret, then quote
// the original's message in parentheses for code that matched on it.
import { blake2b } from '@noble/hashes/blake2.js';
import { describe, expectedType } from '../core/errors.js';
import { checkDeriveOptions } from '../core/kdf.js';
import type { KeyInput } from '../core/keys.js';
import { parseKey } from '../core/keys.js';
import { toHex } from '../internal/base64.js';
import type { CookieOptions } from '../session/cookie-options.js';
import type { DebugLog } from '../session/engine.js';
import type { RevocationStore } from '../session/revocation.js';

/**
 * Cookie attributes, as `@fastify/secure-session` takes them (a subset of `@fastify/cookie`'s).
 *
 * @example
 * ```ts
 * await app.register(sealedSession, { key, cookie: { sameSite: 'strict', maxAge: 3600 } });
 * request.session.options({ maxAge: 30 * 86400 }); // "remember me", this response only
 * ```
 */
export interface SessionCookieOptions extends Omit<CookieOptions, 'secure'> {
  /** Default true. `'auto'` is accepted for compatibility and means true. */
  secure?: boolean | 'auto';
  /** A fixed expiry date written as `Expires`; the sealed expiry is enforced whatever it says. */
  expires?: Date;
}

/**
 * One session configuration; pass an array of them for several sessions.
 *
 * @example
 * ```ts
 * await app.register(sealedSession, {
 *   key: [process.env.SESSION_KEY!, process.env.OLD_SESSION_KEY!], // newest first
 *   cookieName: '__Host-session',
 *   expiry: 3600,
 *   revocation: new MemoryRevocationStore(),
 * });
 * ```
 */
export interface SecureSessionOptions {
  /** 32-byte key(s), newest first: Buffer/Uint8Array, base64 (as the original) or 64 hex characters. */
  key?: KeyInput | readonly KeyInput[];
  /** Instead of `key`: a secret of at least 32 characters, stretched with Argon2id (slow; prefer `key`). */
  secret?: string | Uint8Array;
  /** 16 bytes for `secret`. Default: the original's static salt (weak, compatibility only). */
  salt?: string | Uint8Array;
  /** Request property. Default `'session'`. */
  sessionName?: string;
  /** Cookie name. Default: the session name. */
  cookieName?: string;
  /** Cookie attributes. Defaults: HttpOnly, Secure, SameSite=Lax, Path=/. */
  cookie?: SessionCookieOptions;
  /** Alias of `cookie` (the original reads `cookieOptions` first). */
  cookieOptions?: SessionCookieOptions;
  /** Idle timeout in seconds. Default 86401, as the original. */
  expiry?: number;
  /** Absolute lifetime in seconds. Default 14 days (or `expiry` if longer). */
  absoluteExpiry?: number;
  /** Re-seal read-only sessions past half the idle window. Default true. */
  rolling?: boolean;
  /** Cookies one session may span (4096 bytes each). Default 2 (a 6144-byte Cookie budget; docs/format.md). */
  maxCookies?: number;
  /**
   * The most bytes one session may add to a request's `Cookie` header; past it `set()` throws
   * `CookieTooLargeError`. Default 6144 (under the 8 KB that curl, nginx and Apache accept); above
   * it warns at registration. See the engine's `SessionOptions.maxCookieBytes`.
   */
  maxCookieBytes?: number;
  /** Revocation store: a destroyed session's cookie stays dead if replayed. */
  revocation?: RevocationStore;
  /** Session field naming the user (e.g. `'userId'`), passed to the store for `revokeAll(subject)`. */
  subject?: string;
  /** Debug sink for refused cookies (reason codes only). Default: the request's logger at debug level. */
  debug?: DebugLog;
  /** Opened tokens to remember so a returning cookie is not decrypted again (see the engine). Default 10 000; `false` = off. */
  cache?: number | false;
  /**
   * Open cookies written by `@fastify/secure-session` and re-issue them in the sealed format.
   * Default: on, unless another session of this registration shares a key (that format does not
   * bind the session name, so a cookie of one could open as the other).
   */
  legacy?: boolean;
  /**
   * Register `@fastify/cookie` (when installed and not registered yet), as the original does, so
   * that `request.cookies` / `reply.setCookie` keep working. Default true. Read from the first config.
   */
  cookiePlugin?: boolean;
}

export const DEFAULT_EXPIRY = 86_401;
const FOURTEEN_DAYS = 14 * 86_400;

export interface ParsedConfig {
  sessionName: string;
  cookieName: string;
  expiry: number;
  absoluteExpiry: number;
  cookie: CookieOptions | undefined;
  expires: Date | undefined;
  signed: boolean;
  /** Raw keys (given), or undefined when they come from `secret` + `salt`. */
  keys: Uint8Array[] | undefined;
  secret: { secret: string | Uint8Array; salt: string | Uint8Array | undefined } | undefined;
  legacy: boolean | undefined;
  options: SecureSessionOptions;
}

const EXPECTED_KEY = 'a 32-byte key (Buffer, Uint8Array, base64 or 64 hex characters)';

function parseOne(input: unknown, what: string, inArray: boolean): Uint8Array {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    const original = inArray ? 'Key must be string or buffer' : 'key must be a string or a Buffer';
    throw new TypeError(
      `${what}: expected a Buffer, a Uint8Array or a string, got ${describe(input)} (${original})`,
    );
  }
  try {
    return parseKey(input, what);
  } catch {
    throw new TypeError(`${what}: expected ${EXPECTED_KEY}, got ${describe(input)} (key must be 32 bytes)`);
  }
}

/** Parses `key`: one key or a non-empty list, each validated on its own and named by its index. */
export function parseKeys(input: unknown, what: string): Uint8Array[] {
  if (Array.isArray(input)) {
    if (input.length === 0) throw expectedType(what, 'at least one key', input);
    return input.map((k, i) => parseOne(k, `${what}[${i}]`, true));
  }
  return [parseOne(input, what, false)];
}

function cookieOptions(
  raw: unknown,
  what: string,
): { cookie: CookieOptions | undefined; expires: Date | undefined; signed: boolean } {
  if (raw === undefined || raw === null) return { cookie: undefined, expires: undefined, signed: false };
  if (typeof raw !== 'object') throw expectedType(what, 'an object of cookie attributes', raw);
  const { expires, secure, signed, ...rest } = raw as SessionCookieOptions;
  if (expires !== undefined && !(expires instanceof Date && Number.isFinite(expires.getTime()))) {
    throw expectedType(`${what}.expires`, 'a valid Date', expires);
  }
  const cookie: CookieOptions = { ...rest };
  if (secure !== undefined) cookie.secure = secure === 'auto' ? true : secure;
  return { cookie, expires, signed: signed === true };
}

/** Validates one configuration (synchronously; key derivation comes later). */
export function parseConfig(raw: unknown, what: string): ParsedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw expectedType(what, 'an options object', raw);
  }
  const o = raw as SecureSessionOptions;
  const sessionName = o.sessionName ?? 'session';
  if (typeof sessionName !== 'string' || sessionName === '') {
    throw expectedType(`${what}.sessionName`, 'a non-empty string', sessionName);
  }
  const cookieName = o.cookieName ?? sessionName;
  const expiry = o.expiry ?? DEFAULT_EXPIRY;
  if (typeof expiry !== 'number' || !Number.isFinite(expiry) || expiry <= 0) {
    throw new RangeError(`${what}.expiry: expected a positive number of seconds, got ${describe(expiry)}`);
  }
  const { cookie, expires, signed } = cookieOptions(o.cookieOptions ?? o.cookie, `${what}.cookie`);

  let keys: Uint8Array[] | undefined;
  let secret: ParsedConfig['secret'];
  if (o.key !== undefined && o.key !== null) keys = parseKeys(o.key, `${what}.key`);
  else if (o.secret !== undefined && o.secret !== null) secret = { secret: o.secret, salt: o.salt };
  else {
    throw new TypeError(
      `${what}: expected a key or a secret, got ${o.key === null ? 'null' : 'neither'} (key or secret must specified)`,
    );
  }
  if (o.legacy !== undefined && typeof o.legacy !== 'boolean') {
    throw expectedType(`${what}.legacy`, 'a boolean', o.legacy);
  }
  if (o.cookiePlugin !== undefined && typeof o.cookiePlugin !== 'boolean') {
    throw expectedType(`${what}.cookiePlugin`, 'a boolean', o.cookiePlugin);
  }
  return {
    sessionName,
    cookieName,
    expiry,
    absoluteExpiry: o.absoluteExpiry ?? Math.max(FOURTEEN_DAYS, expiry),
    cookie,
    expires,
    signed,
    keys,
    secret,
    legacy: o.legacy,
    options: o,
  };
}

/** The original's own words where it refuses a secret or a salt (its tests compare them exactly). */
export const SECRET_MESSAGE = 'secret must be at least 32 bytes';
export const SALT_MESSAGE = 'salt must be length 16';

/**
 * Validates `secret` + `salt` before any derivation. A secret that is too short or a salt that is
 * not 16 bytes is refused with `@fastify/secure-session`'s exact message (code that compares it keeps
 * working); the "expected X, got Y" detail, naming the session's index, is the error's `cause`.
 * Other misuse (a number as the secret) keeps the project's message.
 */
export function checkSecret(secret: NonNullable<ParsedConfig['secret']>, what: string): void {
  try {
    checkDeriveOptions(secret, what);
  } catch (err) {
    const message = (err as Error).message;
    const original = message.startsWith(`${what}.secret: expected a secret of at least`)
      ? SECRET_MESSAGE
      : message.startsWith(`${what}.salt: expected a salt of`)
        ? SALT_MESSAGE
        : undefined;
    if (original === undefined) throw err;
    throw new RangeError(original, { cause: err });
  }
}

/**
 * The `@fastify/cookie` signing secret the original registers: hex(BLAKE2b-256(key[0])) for a key,
 * the secret itself otherwise. Kept identical so that cookies an application signed with
 * `reply.setCookie(…, { signed: true })` still verify after the switch.
 */
export function cookieSigningSecret(config: ParsedConfig): string | Uint8Array {
  if (config.keys) return toHex(blake2b(config.keys[0]!, { dkLen: 32 }));
  return config.secret!.secret;
}
