// The allowlist: validated once at construction, then matched on every request against the
// parsed absolute URL (never the caller's string) with load-time intrinsics only.
import { expectedType } from '../core/errors.js';
import {
  charCode,
  freeze,
  includes,
  isArray,
  loadHref,
  RealURL,
  startsWith,
  toLower,
  urlOrigin,
  urlPass,
  urlPath,
  urlUser,
} from '../internal/intrinsics.js';

/**
 * One allowlist entry: requests to `origin` whose path is `pathPrefix` or below it, with one of
 * `methods`.
 *
 * @example
 * ```ts
 * const rule: AllowRule = { origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET', 'POST'] };
 * ```
 */
export interface AllowRule {
  /** Exact origin, `scheme://host[:port]`, e.g. `https://api.example.com`. */
  origin: string;
  /**
   * Path prefix starting with `/`. Without a trailing slash it names a segment and what is below
   * it: `/api` matches `/api` and `/api/x`, not `/api-x`. With a trailing slash it means exactly
   * that: `/api/` matches `/api/` and `/api/x`, not the bare `/api`. `/` covers the whole origin.
   */
  pathPrefix: string;
  /** Upper-case methods allowed for this entry, from GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods: readonly Method[];
}

/**
 * The methods an allowlist entry may name.
 *
 * @example
 * ```ts
 * const methods: Method[] = ['GET', 'HEAD'];
 * ```
 */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One compiled entry: frozen, null-prototype. */
export interface Rule {
  readonly o: string;
  /** The one path matched exactly (a prefix without trailing slash), or undefined. */
  readonly e: string | undefined;
  /** Paths starting with this (always ends with `/`) match. */
  readonly s: string;
  readonly m: Readonly<Record<string, true>>;
}

/**
 * The compiled allowlist: a frozen null-prototype object read by index, so that no
 * `Array.prototype` setter, iterator or method is involved in building or matching it.
 */
export interface Rules {
  readonly length: number;
  readonly [i: number]: Rule;
}

const METHODS = 'GET HEAD POST PUT PATCH DELETE';

/** True for one of the fixed set of methods, upper-case. */
export const isMethod = (m: string): boolean => {
  switch (m) {
    case 'GET':
    case 'HEAD':
    case 'POST':
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
      return true;
  }
  return false;
};

// Segments that a server may still read as a dot segment or a separator after the URL parser has
// normalised the path (`..;` for Tomcat-style path parameters, encoded slashes and backslashes).
const SUSPICIOUS = ['%2f', '%5c', '/%2e', '/.;', '/..;'];

const suspiciousPath = (path: string): boolean => {
  const l = toLower(path);
  for (let i = 0; i < SUSPICIOUS.length; i++) if (includes(l, SUSPICIOUS[i]!)) return true;
  return false;
};

/**
 * Validates an allowlist and compiles it. Throws a TypeError naming the entry and field.
 *
 * @example
 * ```ts
 * compileAllow([{ origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET'] }], 'createVault');
 * ```
 */
export function compileAllow(allow: unknown, where: string): Rules {
  if (!isArray(allow) || allow.length === 0)
    throw expectedType(
      `${where}: options.allow`,
      'a non-empty array of { origin, pathPrefix, methods }',
      allow,
    );
  const rules = { __proto__: null, length: 0 } as unknown as { length: number; [i: number]: Rule };
  for (let i = 0; i < allow.length; i++) {
    const at = `${where}: options.allow[${i}]`;
    const e = allow[i] as Partial<AllowRule> | null;
    if (typeof e !== 'object' || e === null)
      throw expectedType(at, 'an object { origin, pathPrefix, methods }', e);
    const origin = e.origin;
    const prefix = e.pathPrefix;
    const methods = e.methods as unknown;
    let parsed: URL | undefined;
    try {
      parsed = new RealURL(origin as string);
    } catch {}
    if (
      typeof origin !== 'string' ||
      !parsed ||
      !(startsWith(origin, 'https://') || startsWith(origin, 'http://')) ||
      urlOrigin(parsed) !== origin
    )
      throw expectedType(`${at}.origin`, 'an exact origin like "https://api.example.com"', origin);
    if (
      typeof prefix !== 'string' ||
      !startsWith(prefix, '/') ||
      urlPath(new RealURL(prefix, 'http://h')) !== prefix ||
      includes(prefix, '?') ||
      suspiciousPath(prefix)
    )
      throw expectedType(`${at}.pathPrefix`, 'a normalised path like "/api"', prefix);
    const m = { __proto__: null } as unknown as Record<string, true>;
    let n = isArray(methods) ? methods.length : 0;
    for (let j = 0; j < n; j++) {
      const x = (methods as unknown[])[j];
      if (typeof x === 'string' && isMethod(x)) m[x] = true;
      else n = 0;
    }
    if (n === 0) throw expectedType(`${at}.methods`, `a non-empty array of ${METHODS}`, methods);
    // '/api' means the /api segment and below it; '/api/' only what is below it (not the bare
    // '/api', THREATS 46); '/' the whole origin.
    const slash = charCode(prefix, prefix.length - 1) === 47;
    rules[rules.length++] = freeze({
      __proto__: null,
      o: origin,
      e: slash ? undefined : prefix,
      s: slash ? prefix : `${prefix}/`,
      m: freeze(m),
    }) as Rule;
  }
  return freeze(rules);
}

/** Why a URL was refused; never contains the URL itself. */
export type Refusal = 'url' | 'userinfo' | 'path' | 'method' | 'not-allowed';

/**
 * Parses `input` (already a string) against the load-time document URL and matches it. Returns the
 * parsed URL, or the reason it is refused.
 *
 * @example
 * ```ts
 * const r = matchUrl(rules, 'https://api.example.com/v1/me', 'GET');
 * ```
 */
export function matchUrl(rules: Rules, input: string, method: string): URL | Refusal {
  let u: URL;
  try {
    u = new RealURL(input, loadHref);
  } catch {
    return 'url';
  }
  if (urlUser(u) !== '' || urlPass(u) !== '') return 'userinfo';
  const path = urlPath(u);
  if (suspiciousPath(path)) return 'path';
  const origin = urlOrigin(u);
  if (!isMethod(method)) return 'method';
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (r.o !== origin || r.m[method] !== true) continue;
    if (path === r.e || startsWith(path, r.s)) return u;
  }
  return 'not-allowed';
}
