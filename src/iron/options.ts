// iron-session's options, validated with iron-session's own messages ("iron-session: Bad usage. …"),
// and turned into what the session engine needs. Semantics follow iron-session 8/9: `ttl` in
// seconds (default 14 days, 0 = the maximum), cookie Max-Age = ttl − 60 s, `cookieOptions.maxAge:
// undefined` for a cookie that lasts as long as the browser session.

/**
 * One password, or several keyed by an integer id: the highest id seals, every id opens
 * (iron-session's rotation scheme). Each password has at least 32 characters.
 *
 * @example
 * ```ts
 * const password: Password = { 2: process.env.SESSION_PASSWORD_2!, 1: process.env.SESSION_PASSWORD_1! };
 * ```
 */
export type Password = string | Record<string, string>;

/**
 * Cookie attributes, as iron-session passes them to `cookie`'s serializer. `maxAge: undefined`
 * (present, explicitly undefined) asks for a browser-session cookie without Max-Age.
 *
 * @example
 * ```ts
 * const cookieOptions: IronCookieOptions = { sameSite: 'strict', maxAge: undefined };
 * ```
 */
export interface IronCookieOptions {
  domain?: string | undefined;
  path?: string | undefined;
  expires?: Date | undefined;
  httpOnly?: boolean | undefined;
  secure?: boolean | undefined;
  sameSite?: 'lax' | 'strict' | 'none' | boolean | undefined;
  partitioned?: boolean | undefined;
  priority?: 'low' | 'medium' | 'high' | undefined;
  maxAge?: number | undefined;
}

/**
 * Why an existing cookie could not be read (iron-session 9's `onUnsealError` reasons). Every
 * reason gives a fresh, empty session.
 *
 * @example
 * ```ts
 * const log = (reason: UnsealErrorReason) => { if (reason !== 'expired') console.warn(reason); };
 * ```
 */
export type UnsealErrorReason = 'expired' | 'invalid' | 'unknown-password';

/**
 * The options of `getIronSession`, as iron-session 8/9 takes them.
 *
 * @example
 * ```ts
 * export const sessionOptions: IronSessionOptions = {
 *   password: process.env.SESSION_PASSWORD!, // at least 32 characters
 *   cookieName: 'myapp_session',
 *   ttl: 60 * 60 * 24 * 7,
 * };
 * ```
 */
export interface IronSessionOptions {
  /** The cookie's name. Required. */
  cookieName: string;
  /** A password of at least 32 characters, or `{ id: password }` (highest id seals). Required. */
  password: Password;
  /** Session lifetime in seconds; each `save()` starts it again. Default 14 days; 0 = the maximum. */
  ttl?: number | undefined;
  /** Cookie attributes. Defaults: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age = ttl − 60. */
  cookieOptions?: IronCookieOptions | undefined;
  /** Called (with a reason, never the cookie) when a cookie was present but could not be read. */
  onUnsealError?: ((reason: UnsealErrorReason, error: unknown) => void) | undefined;
  /** Allow a session to span several cookies (at most 4) instead of throwing when it is too big. */
  chunk?: boolean | undefined;
}

/** iron-session's clock skew allowance, seconds: a seal stays valid ttl + 60 s, the cookie ttl − 60 s. */
export const TIMESTAMP_SKEW = 60;
/** 14 days in seconds. */
export const DEFAULT_TTL: number = 14 * 24 * 3600;
/** Max-Age iron-session writes for `ttl: 0`; also our longest lifetime (68 years, inside the format's range). */
export const MAX_TTL = 2_147_483_647;
/** iron-session 9's hard cap on chunks. */
export const MAX_CHUNKS = 4;

/** @internal */
export const BAD_USAGE: string =
  'iron-session: Bad usage: use getIronSession(req, res, options) or getIronSession(cookieStore, options).';

/** @internal validated, normalised options. */
export interface IronConfig {
  cookieName: string;
  /** Password ids, highest first, and their passwords. */
  passwords: readonly (readonly [id: string, password: string])[];
  /** Seconds, never 0 (0 became {@link MAX_TTL}). */
  ttl: number;
  /** What `cookie` serialises: iron's defaults merged with the user's. */
  cookieOptions: IronCookieOptions;
  chunk: boolean;
  onUnsealError: IronSessionOptions['onUnsealError'];
}

const DEFAULT_COOKIE: IronCookieOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' };

function badUsage(message: string): Error {
  return new Error(`iron-session: Bad usage. ${message}`);
}

/** @internal the password map, validated (never echoed): highest id first. */
export function checkPasswords(password: unknown): IronConfig['passwords'] {
  if (!password) throw badUsage('Missing password.');
  const map = typeof password === 'string' ? { 1: password } : (password as Record<string, unknown>);
  if (typeof map !== 'object') throw badUsage('Missing password.');
  const entries = Object.entries(map);
  if (entries.length === 0) {
    throw badUsage(
      "The password map is empty, it must be keyed by numbers, for example { 1: 'your-password' }.",
    );
  }
  const out: [string, string][] = [];
  for (const [id, pw] of entries) {
    if (!Number.isInteger(Number(id))) {
      throw badUsage(`Password ids must be integers, got ${JSON.stringify(id)}. Use { 1: '...', 2: '...' }.`);
    }
    if (typeof pw !== 'string' || pw.length < 32) {
      throw badUsage('Password must be at least 32 characters long.');
    }
    out.push([String(Number(id)), pw]);
  }
  return out.sort((a, b) => Number(b[0]) - Number(a[0]));
}

/** @internal ttl in seconds: 0 (or absent) handled as iron does. */
export function checkTtl(ttl: unknown): number {
  if (ttl === undefined) return DEFAULT_TTL;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw badUsage(
      `ttl: expected a number of seconds >= 0, got ${typeof ttl === 'number' ? ttl : typeof ttl}.`,
    );
  }
  if (ttl === 0 || ttl > MAX_TTL) return MAX_TTL;
  return ttl;
}

/** iron-session's Max-Age for a ttl: ttl − 60 s (the cookie ends before the seal does). */
function maxAgeFor(ttl: number): number {
  if (ttl === MAX_TTL) return MAX_TTL;
  return ttl > TIMESTAMP_SKEW ? ttl - TIMESTAMP_SKEW : ttl;
}

/** @internal iron's `getSessionConfig`: validates and merges once per options object. */
export function resolveConfig(options: unknown): IronConfig {
  if (options === null || typeof options !== 'object') throw new Error(BAD_USAGE);
  const o = options as Partial<IronSessionOptions>;
  if (!o.cookieName) throw badUsage('Missing cookie name.');
  if (typeof o.cookieName !== 'string') throw badUsage('cookieName: expected a string.');
  const passwords = checkPasswords(o.password);
  let ttl = checkTtl(o.ttl);
  if (o.cookieOptions !== undefined && (o.cookieOptions === null || typeof o.cookieOptions !== 'object')) {
    throw badUsage('cookieOptions: expected an object of cookie attributes.');
  }
  const cookieOptions: IronCookieOptions = { ...DEFAULT_COOKIE, ...o.cookieOptions };
  if (o.cookieOptions && 'maxAge' in o.cookieOptions) {
    // iron: an explicit `maxAge: undefined` is a browser-session cookie whose seal never expires.
    if (o.cookieOptions.maxAge === undefined) {
      ttl = MAX_TTL;
      delete cookieOptions.maxAge;
    }
  } else cookieOptions.maxAge = maxAgeFor(ttl);
  if (o.onUnsealError !== undefined && typeof o.onUnsealError !== 'function') {
    throw badUsage('onUnsealError: expected a function.');
  }
  return {
    cookieName: o.cookieName,
    passwords,
    ttl,
    cookieOptions,
    chunk: o.chunk === true,
    onUnsealError: o.onUnsealError,
  };
}
