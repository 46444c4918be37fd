// Cookie attributes: secure defaults, validated once when a middleware is built. Everything accepted
// here is written on every response without a failure (THREATS 47): the same checks as the `cookie`
// serializer, made up front with "expected X, got Y" messages.
import { expectedRange, expectedType } from '../core/errors.js';
import { MAX_LIFETIME } from '../core/token.js';

/**
 * Cookie attributes of the session cookie. Defaults: HttpOnly, Secure, SameSite=Lax, Path=/.
 *
 * @example
 * ```ts
 * app.use(sealedSession({ key, cookieName: '__Host-sid', cookie: { sameSite: 'strict' } }));
 * ```
 */
export interface CookieOptions {
  domain?: string;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none' | boolean;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  /**
   * Cookie lifetime in seconds. By default Max-Age follows the sealed expiry (the earlier of the
   * idle and absolute deadlines); the sealed expiry is enforced whatever the browser keeps.
   */
  maxAge?: number;
  /** Accepted for `@fastify/secure-session` compatibility; sealed cookies need no extra signature. */
  signed?: boolean;
}

/** @internal the attributes after defaults and checks. */
export interface ResolvedCookieOptions {
  domain: string | undefined;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none' | undefined;
  partitioned: boolean;
  priority: 'low' | 'medium' | 'high' | undefined;
  maxAge: number | undefined;
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The `cookie` package's own checks (stringifySetCookie throws on anything else).
const DOMAIN = /^([.]?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)([.][a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PATH = /^[\u0020-\u003A\u003D-\u007E]*$/;
const PRIORITIES: readonly unknown[] = ['low', 'medium', 'high'];
function bool(what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw expectedType(what, 'a boolean', v);
  return v;
}

/** @internal a cookie name, or a TypeError. */
export function checkCookieName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw expectedType(what, 'a cookie name (RFC 6265 token characters)', name);
  }
  return name;
}

/** Applies the secure defaults and the `__Host-` / `__Secure-` prefix rules; throws on misuse. */
export function resolveCookieOptions(
  cookieName: string,
  opts: CookieOptions | undefined,
  what = 'cookie',
): ResolvedCookieOptions {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw expectedType(what, 'an object of cookie attributes', opts);
  }
  const o = opts ?? {};
  const sameSite =
    o.sameSite === undefined ? 'lax' : o.sameSite === true ? 'strict' : o.sameSite || undefined;
  if (sameSite !== undefined && !['lax', 'strict', 'none'].includes(sameSite)) {
    throw expectedType(`${what}.sameSite`, "'lax', 'strict', 'none' or a boolean", o.sameSite);
  }
  const r: ResolvedCookieOptions = {
    domain: o.domain,
    path: o.path ?? '/',
    httpOnly: bool(`${what}.httpOnly`, o.httpOnly, true),
    secure: bool(`${what}.secure`, o.secure, true),
    sameSite,
    partitioned: bool(`${what}.partitioned`, o.partitioned, false),
    priority: o.priority,
    maxAge: o.maxAge,
  };
  if (r.domain !== undefined && (typeof r.domain !== 'string' || !DOMAIN.test(r.domain)))
    throw expectedType(`${what}.domain`, 'a domain name (letters, digits, - and .)', r.domain);
  if (typeof r.path !== 'string' || !r.path.startsWith('/') || !PATH.test(r.path)) {
    throw expectedType(`${what}.path`, "a path starting with '/' without ';' or control characters", r.path);
  }
  if (r.priority !== undefined && !PRIORITIES.includes(r.priority)) {
    throw expectedType(`${what}.priority`, "'low', 'medium' or 'high'", r.priority);
  }
  if (
    r.maxAge !== undefined &&
    (typeof r.maxAge !== 'number' || !Number.isInteger(r.maxAge) || r.maxAge < 0 || r.maxAge > MAX_LIFETIME)
  ) {
    throw expectedRange(`${what}.maxAge`, `an integer number of seconds from 0 to ${MAX_LIFETIME}`, r.maxAge);
  }
  if (cookieName.startsWith('__Host-') && (!r.secure || r.path !== '/' || r.domain !== undefined)) {
    throw new TypeError(`${what}: a __Host- cookie needs secure: true, path: '/' and no domain`);
  }
  if (cookieName.startsWith('__Secure-') && !r.secure) {
    throw new TypeError(`${what}: a __Secure- cookie needs secure: true`);
  }
  if ((sameSite === 'none' || r.partitioned) && !r.secure) {
    throw new TypeError(`${what}: SameSite=None and Partitioned cookies need secure: true`);
  }
  return r;
}
