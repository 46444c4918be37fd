// sealed-session/vault: an authenticated `fetch` whose bearer token lives in a closure. The vault
// performs the login request itself, keeps the token in a local variable and adds it only to
// requests that match the allowlist. Everything it touches after load is a captured intrinsic, so a
// script injected later cannot patch its way to the token (THREATS.md 20-25).
import { expectedType } from '../core/errors.js';
import {
  abLength,
  apply,
  blobSize,
  brand,
  defineProperty,
  formKeys,
  freeze,
  hasOwn,
  headersForEach,
  hrefGetter,
  isArray,
  isView,
  keys,
  P,
  paramsKeys,
  pin,
  realFetch,
  resOk,
  responseProto,
  resStatus,
  resText,
  toLower,
  toStr,
  toUpper,
  urlHref,
} from '../internal/intrinsics.js';
import { type AllowRule, compileAllow, matchUrl, type Rules } from './allow.js';
import { VaultError } from './errors.js';
import { SCHEME_RE, tokenFrom } from './token.js';

export type { AllowRule, Method } from './allow.js';
export { VaultError, type VaultErrorCode } from './errors.js';

// A fetch promise is resolved with its Response through the promise resolve procedure, which reads
// `response.then`: a `then` planted on Object.prototype would receive the login Response and could
// clone its body. An own, frozen `then: undefined` on Response.prototype ends that lookup.
try {
  if (responseProto)
    defineProperty(responseProto, 'then', { __proto__: null, value: undefined } as PropertyDescriptor);
} catch {}

const G = globalThis;
const rejectP = P.reject;
const reject = (e: unknown): Promise<never> => apply(rejectP, P, [e]) as Promise<never>;

/**
 * Options of {@link createVault}.
 *
 * @example
 * ```ts
 * const options: VaultOptions = {
 *   allow: [{ origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET'] }],
 *   tokenField: 'access_token',
 * };
 * ```
 */
export interface VaultOptions {
  /** Where the token may go. Required and non-empty: nothing is allowed by default. */
  allow: readonly AllowRule[];
  /** JSON field of the login response that holds the token. Default `'token'`. */
  tokenField?: string;
  /** Authorization scheme. Default `'Bearer'`. */
  scheme?: string;
}

/**
 * The request options the vault accepts. Other `RequestInit` members are ignored; `mode` and
 * `redirect` are restricted so that the token can neither be stripped silently nor follow a
 * redirect.
 *
 * @example
 * ```ts
 * await vault.fetch('/v1/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
 * ```
 */
export interface VaultRequestInit {
  method?: string;
  headers?: HeadersInit;
  /** A string, Blob, ArrayBuffer (or view), FormData or URLSearchParams. Streams are refused. */
  body?: string | Blob | ArrayBuffer | ArrayBufferView | FormData | URLSearchParams | null;
  signal?: AbortSignal | null;
  credentials?: RequestCredentials;
  cache?: RequestCache;
  keepalive?: boolean;
  integrity?: string;
  referrerPolicy?: ReferrerPolicy;
  priority?: 'high' | 'low' | 'auto';
  /** `'cors'` (default) or `'same-origin'`; `'no-cors'` would drop the Authorization header. */
  mode?: 'cors' | 'same-origin';
  /** `'manual'` (default: a redirect comes back as an opaque response) or `'error'`. */
  redirect?: 'manual' | 'error';
}

/**
 * A URL string or a `URL`. `Request` objects are refused (a subclass could hook its getters).
 *
 * @example
 * ```ts
 * const input: VaultInput = new URL('/v1/me', 'https://api.example.com');
 * ```
 */
export type VaultInput = string | URL;

/**
 * The frozen object returned by {@link createVault}.
 *
 * @example
 * ```ts
 * const vault: Vault = createVault({ allow });
 * if (!vault.authenticated) await vault.login(loginUrl, { body });
 * ```
 */
export interface Vault {
  /**
   * POSTs (or `init.method`) to an allowlisted login URL and keeps the token found in the JSON
   * response field `tokenField`. Rejects with `ERR_VAULT_LOGIN_FAILED` on a non-2xx answer or a
   * missing token, `ERR_VAULT_NOT_ALLOWED` for a URL outside the allowlist.
   */
  login(url: VaultInput, init?: VaultRequestInit): Promise<void>;
  /** `fetch` with `Authorization: <scheme> <token>` for allowlisted requests; rejects otherwise. */
  fetch(input: VaultInput, init?: VaultRequestInit): Promise<Response>;
  /** Forgets the token (a login still in flight is discarded). */
  logout(): void;
  /** Whether a token is held. Never the token itself. */
  readonly authenticated: boolean;
}

// Reads only own properties of page-supplied objects: a member planted on Object.prototype
// (`method: 'DELETE'`, `redirect: 'follow'`) is never picked up.
const own = (o: unknown, k: string): unknown =>
  o !== null && typeof o === 'object' && hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;

const noop = (): void => {};

function readHeaders(h: unknown, out: Record<string, string>): void {
  const add = (v: unknown, k: unknown): void => {
    out[toLower(toStr(k))] = toStr(v);
  };
  if (h === undefined || h === null) return;
  if (brand(headersForEach, h, [noop])) apply(headersForEach!, h, [add]);
  else if (isArray(h))
    for (let i = 0; i < h.length; i++) {
      const pair = h[i];
      if (!isArray(pair) || pair.length !== 2)
        throw expectedType('init.headers', 'pairs [name, value]', pair);
      add(pair[1], pair[0]);
    }
  else if (typeof h === 'object') {
    const ks = keys(h);
    for (let i = 0; i < ks.length; i++) add((h as Record<string, unknown>)[ks[i]!], ks[i]);
  } else throw expectedType('init.headers', 'a Headers, pairs or a record', h);
}

const okBody = (b: unknown): boolean =>
  b === undefined ||
  b === null ||
  typeof b === 'string' ||
  isView(b) ||
  brand(abLength, b) ||
  brand(blobSize, b) ||
  brand(formKeys, b) ||
  brand(paramsKeys, b);

const choice = (v: unknown, what: string, allowed: readonly string[]): string => {
  if (v === undefined) return allowed[0]!;
  for (let i = 0; i < allowed.length; i++) if (v === allowed[i]) return allowed[i]!;
  throw expectedType(`init.${what}`, `one of "${allowed.join('", "')}"`, v);
};
const MODES = ['cors', 'same-origin'];
const REDIRECTS = ['manual', 'error'];

/** A prepared request, on a null prototype (never an array: destructuring would use an iterator). */
interface Prepared {
  /** The absolute URL, serialised once from the parsed URL that was matched. */
  h: string;
  /** Request options, null-prototype. */
  i: RequestInit;
  /** The header record inside `i`, lower-case names. */
  x: Record<string, string>;
}

/** The URL to fetch (stringified once, matched) and the options, on a null prototype. */
function prepare(rules: Rules, input: unknown, init: unknown, dflt: string): Prepared {
  let s: string;
  if (typeof input === 'string') s = input;
  else if (brand(hrefGetter, input)) s = urlHref(input);
  else throw expectedType('input', 'a URL string or URL (not a Request)', input);
  if (init !== undefined && (init === null || typeof init !== 'object'))
    throw expectedType('init', 'an object or undefined', init);
  // Each member is read exactly once and turned into a primitive before anything is checked.
  const m = own(init, 'method');
  const method = m === undefined ? dflt : toUpper(toStr(m));
  const body = own(init, 'body');
  if (!okBody(body))
    throw expectedType('init.body', 'a string, Blob, BufferSource, FormData or URLSearchParams', body);
  const mode = choice(own(init, 'mode'), 'mode', MODES);
  const redirect = choice(own(init, 'redirect'), 'redirect', REDIRECTS);
  const x = { __proto__: null } as unknown as Record<string, string>;
  readHeaders(own(init, 'headers'), x);
  const str = (k: string): string | undefined => {
    const v = own(init, k);
    return v === undefined ? undefined : toStr(v);
  };
  const u = matchUrl(rules, s, method);
  if (typeof u === 'string') throw new VaultError('ERR_VAULT_NOT_ALLOWED', `refused by the allowlist (${u})`);
  // A null prototype and every member spelled out: nothing is inherited from Object.prototype.
  const i = {
    __proto__: null,
    method,
    headers: x,
    body,
    mode,
    redirect,
    credentials: str('credentials'),
    cache: str('cache'),
    integrity: str('integrity'),
    referrerPolicy: str('referrerPolicy'),
    priority: str('priority'),
    keepalive: own(init, 'keepalive') === true,
    signal: own(init, 'signal'),
    referrer: undefined,
    duplex: undefined,
    window: undefined,
  } as unknown as RequestInit;
  return { __proto__: null, h: urlHref(u), i, x } as unknown as Prepared;
}

/**
 * Creates a closure token vault: an authenticated `fetch` whose token no page script can read.
 *
 * @example
 * ```ts
 * import { createVault } from 'sealed-session/vault';
 *
 * const vault = createVault({
 *   allow: [
 *     { origin: 'https://api.example.com', pathPrefix: '/auth/login', methods: ['POST'] },
 *     { origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET', 'POST'] },
 *   ],
 * });
 * await vault.login('https://api.example.com/auth/login', {
 *   body: JSON.stringify({ user, password }),
 *   headers: { 'content-type': 'application/json' },
 * });
 * const me = await (await vault.fetch('https://api.example.com/v1/me')).json();
 * vault.logout();
 * ```
 */
export function createVault(options: VaultOptions): Vault {
  if (typeof options !== 'object' || options === null)
    throw expectedType('createVault options', 'an object { allow, tokenField?, scheme? }', options);
  const rules = compileAllow(options.allow, 'createVault');
  const field = options.tokenField ?? 'token';
  if (typeof field !== 'string' || field.length === 0)
    throw expectedType('createVault: options.tokenField', 'a non-empty string', field);
  const scheme = options.scheme ?? 'Bearer';
  if (typeof scheme !== 'string' || !SCHEME_RE.test(scheme))
    throw expectedType('createVault: options.scheme', 'an auth scheme like "Bearer"', scheme);

  let token: string | undefined;
  // Bumped by logout so that a login answered after it cannot bring a token back.
  let epoch = 0;

  async function login(url: VaultInput, init?: VaultRequestInit): Promise<void> {
    const r = prepare(rules, url, init, 'POST');
    const at = epoch;
    const res = await pin(apply(realFetch, G, [r.h, r.i]) as Promise<Response>);
    if (!resOk(res)) throw new VaultError('ERR_VAULT_LOGIN_FAILED', `login failed (HTTP ${resStatus(res)})`);
    const t = tokenFrom(await pin(resText(res)), field);
    if (t === undefined)
      throw new VaultError('ERR_VAULT_LOGIN_FAILED', 'login failed (no token in the response)');
    if (at !== epoch) throw new VaultError('ERR_VAULT_LOGIN_FAILED', 'login failed (logged out meanwhile)');
    token = t;
  }

  function vfetch(input: VaultInput, init?: VaultRequestInit): Promise<Response> {
    try {
      const r = prepare(rules, input, init, 'GET');
      // Read after the caller's getters ran (they may have called logout).
      if (token === undefined) throw new VaultError('ERR_VAULT_NOT_AUTHENTICATED', 'not logged in');
      // Replaces any caller-supplied Authorization (header names were lower-cased above).
      r.x.authorization = `${scheme} ${token}`;
      return apply(realFetch, G, [r.h, r.i]) as Promise<Response>;
    } catch (e) {
      return reject(e);
    }
  }

  return freeze({
    login,
    fetch: vfetch,
    logout(): void {
      token = undefined;
      epoch++;
    },
    get authenticated(): boolean {
      return token !== undefined;
    },
  });
}
