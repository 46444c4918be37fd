// Cookie attributes: secure defaults, validated once when a middleware is built.
import { expectedType } from '../core/errors.js';

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
    httpOnly: o.httpOnly ?? true,
    secure: o.secure ?? true,
    sameSite,
    partitioned: o.partitioned ?? false,
    priority: o.priority,
    maxAge: o.maxAge,
  };
  if (r.domain !== undefined && typeof r.domain !== 'string')
    throw expectedType(`${what}.domain`, 'a string', r.domain);
  if (typeof r.path !== 'string' || !r.path.startsWith('/')) {
    throw expectedType(`${what}.path`, "a path starting with '/'", r.path);
  }
  if (r.maxAge !== undefined && (typeof r.maxAge !== 'number' || !(r.maxAge >= 0))) {
    throw expectedType(`${what}.maxAge`, 'a number of seconds >= 0', r.maxAge);
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
