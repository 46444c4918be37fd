// The allowlist: validated once at construction, then matched on every request against the
// parsed absolute URL (never the caller's string) with load-time intrinsics only.
import { expectedType } from '../core/errors.js';
import {
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
} from './intrinsics.js';

/** One allowlist entry: requests to `origin` whose path is `pathPrefix` or below it, with one of `methods`. */
export interface AllowRule {
  /** Exact origin, `scheme://host[:port]`, e.g. `https://api.example.com`. */
  origin: string;
  /** Path prefix starting with `/`, matched per segment: `/api` matches `/api` and `/api/x`, not `/api-x`. */
  pathPrefix: string;
  /** Upper-case methods allowed for this entry, from GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods: readonly Method[];
}

/** The methods an allowlist entry may name. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The compiled form: frozen, null-prototype, read by index only. */
export interface Rule {
  readonly o: string;
  readonly p: string;
  readonly m: Readonly<Record<string, true>>;
}

const METHODS = 'GET HEAD POST PUT PATCH DELETE';
const METHOD_SET: Record<string, true> = { __proto__: null } as unknown as Record<string, true>;
for (const m of METHODS.split(' ')) METHOD_SET[m] = true;

/** True for one of the fixed set of methods, upper-case. */
export const isMethod = (m: string): boolean => METHOD_SET[m] === true;

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
export function compileAllow(allow: unknown, where: string): readonly Rule[] {
  if (!isArray(allow) || allow.length === 0)
    throw expectedType(
      `${where}: options.allow`,
      'a non-empty array of { origin, pathPrefix, methods }',
      allow,
    );
  const rules: Rule[] = [];
  for (let i = 0; i < allow.length; i++) {
    const at = `${where}: options.allow[${i}]`;
    const e = allow[i] as Partial<AllowRule> | null;
    if (typeof e !== 'object' || e === null)
      throw expectedType(at, 'an object { origin, pathPrefix, methods }', e);
    const { origin, pathPrefix, methods } = e;
    let parsed: URL | undefined;
    try {
      parsed = new RealURL(origin as string);
    } catch {}
    if (
      typeof origin !== 'string' ||
      !parsed ||
      (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
      urlOrigin(parsed) !== origin
    )
      throw expectedType(
        `${at}.origin`,
        'an exact http(s) origin such as "https://api.example.com" (scheme://host[:port], lower-case, no path, no trailing slash)',
        origin,
      );
    if (
      typeof pathPrefix !== 'string' ||
      !startsWith(pathPrefix, '/') ||
      urlPath(new RealURL(pathPrefix, 'http://h')) !== pathPrefix ||
      includes(pathPrefix, '?') ||
      suspiciousPath(pathPrefix)
    )
      throw expectedType(
        `${at}.pathPrefix`,
        'a normalised path starting with "/" such as "/api" (no dot segments, query or encoded slash)',
        pathPrefix,
      );
    if (
      !isArray(methods) ||
      methods.length === 0 ||
      !methods.every((m) => typeof m === 'string' && isMethod(m))
    )
      throw expectedType(
        `${at}.methods`,
        `a non-empty array of upper-case methods from ${METHODS.split(' ').join(', ')}`,
        methods,
      );
    const m = { __proto__: null } as unknown as Record<string, true>;
    for (let j = 0; j < methods.length; j++) m[methods[j] as string] = true;
    // '/api/' and '/api' both mean "the /api segment and below".
    const p = pathPrefix.length > 1 && pathPrefix.endsWith('/') ? pathPrefix.slice(0, -1) : pathPrefix;
    rules.push(
      Object.freeze({ __proto__: null, o: origin, p: p === '/' ? '' : p, m: Object.freeze(m) }) as Rule,
    );
  }
  return Object.freeze(rules);
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
export function matchUrl(rules: readonly Rule[], input: string, method: string): URL | Refusal {
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
    if (path === r.p || startsWith(path, `${r.p}/`)) return u;
  }
  return 'not-allowed';
}
