// Reader for cookies written by `cookie-session` 2.x, so that switching logs nobody out: the data is
// `base64(JSON)` in cookie `<name>`, signed by Keygrip in `<name>.sig` = base64url-without-padding
// of HMAC-SHA1(key, "<name>=<value>"), any of the app's keys (newest first, as cookie-session's
// `keys`). Only signed cookies are read: an unsigned cookie-session cookie is whatever the client
// wrote. Once read, the data is sealed in our format and both old cookies are erased (THREATS 52).
// Hostile input never throws: every refusal is a reason code, never the input.
import { createHmac } from 'node:crypto';
import { stringifySetCookie } from 'cookie';
import { describe, expectedType } from '../core/errors.js';
import { fromBase64, fromUtf8 } from '../internal/base64.js';
import { equalStrings } from '../internal/compare.js';

/**
 * `legacy.cookieSession` of `sealedSession()`: the options your app gave `cookie-session`.
 *
 * @example
 * ```ts
 * app.use(sealedSession({ key, legacy: { cookieSession: { keys: [process.env.COOKIE_SESSION_KEY!] } } }));
 * ```
 */
export interface CookieSessionLegacyOptions {
  /**
   * cookie-session's `keys`, newest first: strings or bytes, or the configured Keygrip instance
   * your app passed (its own algorithm is then used). One of `keys` or `secret` is required:
   * unsigned cookies are not read.
   */
  keys?: readonly (string | Uint8Array)[] | KeygripLike;
  /** cookie-session's `secret` (a single key, used when `keys` is not given). */
  secret?: string;
  /** cookie-session's `name`. Default `'session'`. */
  name?: string;
  /** cookie-session's `path`, where the old cookies are erased. Default `'/'`. */
  path?: string;
  /** cookie-session's `domain`, if it set one (the old cookies are erased there). */
  domain?: string;
  /**
   * cookie-session's `signed`. Only `true` (its default) is accepted: an unsigned cookie is
   * whatever the client wrote, so it is never moved into a sealed session.
   */
  signed?: boolean;
  /** The cookie attributes cookie-session also takes; accepted so its options object can be passed as is, not used. */
  maxAge?: number;
  expires?: Date;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  overwrite?: boolean;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * A configured Keygrip instance (`new Keygrip(keys, algorithm)`), as cookie-session accepts for `keys`.
 *
 * @example
 * ```ts
 * import Keygrip from 'keygrip';
 * app.use(sealedSession({ key, legacy: { cookieSession: { keys: new Keygrip([old], 'sha256') } } }));
 * ```
 */
export interface KeygripLike {
  /** The index of the key that signed `data` with `digest`, or -1. */
  index(data: string, digest: string): number;
}

/** Why an old cookie was not moved; safe to log. */
export type CookieSessionReason = 'signature' | 'encoding' | 'payload' | 'missing-value';

/** @internal what the Express adapter needs. */
export interface CookieSessionReader {
  readonly name: string;
  readonly sigName: string;
  /** Cheap test on the raw header: is there an old signature cookie at all? */
  present(header: string): boolean;
  /** Opens the old session from the raw Cookie header. */
  open(
    header: string,
  ): { ok: true; data: Record<string, unknown> } | { ok: false; reason: CookieSessionReason };
  /** Set-Cookie values that erase the old cookies (`except` is a name the adapter now writes itself). */
  erase(except: string): string[];
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_LENGTH = 16_384;

/** The first `name=value` of a raw Cookie header, as the `cookies` package reads it (no decoding). */
function rawCookie(header: string, name: string): string | undefined {
  let at = 0;
  while (at < header.length) {
    let end = header.indexOf(';', at);
    if (end === -1) end = header.length;
    let start = at;
    while (start < end && header.charCodeAt(start) === 32) start++;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && eq - start === name.length && header.startsWith(name, start)) {
      return header.slice(eq + 1, end).trim();
    }
    at = end + 1;
  }
  return undefined;
}

/** Keygrip's sign(): HMAC-SHA1, base64 with `/`→`_`, `+`→`-`, `=` removed. */
function keygripSign(data: string, key: string | Uint8Array): string {
  return createHmac('sha1', key).update(data).digest('base64url');
}

const OPTIONS = [
  'keys',
  'secret',
  'name',
  'path',
  'domain',
  'signed',
  'maxAge',
  'expires',
  'secure',
  'httpOnly',
  'sameSite',
  'overwrite',
  'partitioned',
  'priority',
];

/** The signature check for `keys` (array or Keygrip instance) or `secret`, validated once. */
function verifierOf(o: CookieSessionLegacyOptions, what: string): (data: string, sig: string) => boolean {
  const given = o.keys ?? (o.secret === undefined ? undefined : [o.secret]);
  const field = o.keys === undefined && o.secret !== undefined ? 'secret' : 'keys';
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    const grip = given as KeygripLike;
    if (typeof grip.index !== 'function') {
      throw expectedType(`${what}.keys`, "cookie-session's keys (an array or a Keygrip instance)", given);
    }
    return (data, sig) => {
      try {
        return grip.index(data, sig) !== -1;
      } catch {
        return false; // a hostile digest must not throw out of the request path
      }
    };
  }
  if (!Array.isArray(given) || given.length === 0) {
    throw expectedType(
      `${what}.keys`,
      "cookie-session's keys (a non-empty array or a Keygrip instance) or secret",
      given,
    );
  }
  const keys = (given as readonly unknown[]).map((k, i) => {
    if ((typeof k === 'string' && k.length > 0) || (k instanceof Uint8Array && k.length > 0)) return k;
    const at = field === 'secret' ? field : `keys[${i}]`;
    throw new TypeError(`${what}.${at}: expected a non-empty string or bytes, got ${describe(k)}`);
  });
  return (data, sig) => {
    // Every key is tried (no early exit on the first match): time does not tell which key signed.
    let valid = false;
    for (const key of keys) if (equalStrings(keygripSign(data, key), sig)) valid = true;
    return valid;
  };
}

/** Validates the options once (at middleware construction) and builds the reader. */
export function createCookieSessionReader(raw: unknown, what: string): CookieSessionReader {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw expectedType(what, 'cookie-session options ({ keys, name? })', raw);
  }
  const o = raw as CookieSessionLegacyOptions;
  for (const k of Object.keys(o)) {
    if (!OPTIONS.includes(k)) {
      throw new TypeError(`${what}.${k}: expected one of ${OPTIONS.join(', ')}, got an unknown option`);
    }
  }
  if (o.signed !== undefined && o.signed !== true) {
    throw expectedType(
      `${what}.signed`,
      'true (unsigned cookie-session cookies are whatever the client wrote and are never moved)',
      o.signed,
    );
  }
  const verify = verifierOf(o, what);
  const name = o.name ?? 'session';
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw expectedType(`${what}.name`, 'a cookie name (RFC 6265 token characters)', name);
  }
  const path = o.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw expectedType(`${what}.path`, "a path starting with '/'", path);
  }
  if (o.domain !== undefined && typeof o.domain !== 'string') {
    throw expectedType(`${what}.domain`, 'a string', o.domain);
  }
  const sigName = `${name}.sig`;
  const clear = (n: string) =>
    stringifySetCookie(n, '', {
      path,
      domain: o.domain,
      httpOnly: true,
      maxAge: 0,
      expires: new Date(0),
    });

  return {
    name,
    sigName,
    present: (header) => header.includes(`${sigName}=`),
    open(header) {
      const value = rawCookie(header, name);
      const sig = rawCookie(header, sigName);
      if (!value || !sig || value.length > MAX_LENGTH) return { ok: false, reason: 'missing-value' };
      if (!verify(`${name}=${value}`, sig)) return { ok: false, reason: 'signature' };
      const bytes = fromBase64(value);
      if (bytes === undefined) return { ok: false, reason: 'encoding' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(fromUtf8(bytes));
      } catch {
        return { ok: false, reason: 'payload' };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { ok: false, reason: 'payload' };
      }
      return { ok: true, data: parsed as Record<string, unknown> };
    },
    erase: (except) => (name === except ? [clear(sigName)] : [clear(name), clear(sigName)]),
  };
}
