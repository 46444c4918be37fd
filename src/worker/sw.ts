// The service-worker side: holds the token in the worker's memory, performs login/refresh itself,
// and decorates only requests carrying a one-time nonce it issued to the requesting client.
import { expectedType } from '../core/errors.js';
import { toHex } from '../internal/base64.js';
import { equalStrings } from '../internal/compare.js';
import { ExpiringMap } from '../internal/expiring-map.js';
import {
  apply,
  defineProperty,
  headerAppend,
  headerDelete,
  headerGet,
  headersForEach,
  indexOf,
  isArray,
  now,
  P,
  pin,
  RealHeaders,
  RealRequest,
  realFetch,
  reqDestination,
  reqHeaders,
  reqMethod,
  reqMode,
  reqUrl,
  resOk,
  responseError,
  responseProto,
  resText,
  setHash,
  slice,
  toStr,
  urlHref,
} from '../internal/intrinsics.js';
import { randomBytes } from '../internal/random.js';
import { type AllowRule, compileAllow, isMethod, matchUrl, type Rules } from '../vault/allow.js';
import { SCHEME_RE, tokenFrom } from '../vault/token.js';
import { type LoginMsg, MARK, type Msg, type Reply, TAG } from './protocol.js';
import type { SwFetchEvent, SwMessageEvent, TokenWorkerScope } from './sw-types.js';

/**
 * Options of {@link installTokenWorker}.
 *
 * @example
 * ```ts
 * const config: TokenWorkerConfig = {
 *   allow: [{ origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET'] }],
 *   refresh: { url: 'https://api.example.com/v1/auth/refresh' },
 * };
 * ```
 */
export interface TokenWorkerConfig {
  /** Where the token may go, exactly as for `createVault`. Required and non-empty. */
  allow: readonly AllowRule[];
  /** JSON field of the login (and refresh) response that holds the token. Default `'token'`. */
  tokenField?: string;
  /** Authorization scheme. Default `'Bearer'`. */
  scheme?: string;
  /**
   * How to re-acquire a token after the browser stopped the worker (its memory, and the token with
   * it, is gone): an allowlisted endpoint called with `credentials: 'include'` that answers with a
   * fresh token, typically authenticated by an HttpOnly refresh cookie. Without it, requests after
   * a restart fail with `ERR_WORKER_NOT_AUTHENTICATED` until the page logs in again.
   */
  refresh?: { url: string; method?: 'GET' | 'POST' };
}

interface Pending {
  /** The secret half of the nonce. */
  s: string;
  /** Client the nonce was issued to. */
  c: string;
  /** Method and absolute URL the nonce is bound to. */
  m: string;
  h: string;
  /** Expiry, ms since the epoch. */
  t: number;
}

const NONCE_TTL = 30_000;
const MAX_PENDING = 256;

const hex = (n: number): string => toHex(randomBytes(n));

// As in the vault: the fetch promise is resolved with its Response through the promise resolve
// procedure, which reads `response.then`; an own `then: undefined` on Response.prototype ends that
// lookup before it reaches a getter planted on Object.prototype (which would get the login answer).
try {
  if (responseProto)
    defineProperty(responseProto, 'then', { __proto__: null, value: undefined } as PropertyDescriptor);
} catch {}

const G = globalThis;
const isCredentials = (c: unknown): c is RequestCredentials =>
  c === 'omit' || c === 'same-origin' || c === 'include';
/** `fetch` with the load-time function, its promise pinned (see `pin`). */
const send = (input: string | Request, init?: RequestInit): Promise<Response> =>
  pin(apply(realFetch, G, init === undefined ? [input] : [input, init]) as Promise<Response>);

function validate(config: TokenWorkerConfig): {
  rules: Rules;
  field: string;
  scheme: string;
  refresh?: { h: string; m: string };
} {
  if (typeof config !== 'object' || config === null)
    throw expectedType(
      'installTokenWorker config',
      'an object { allow, tokenField?, scheme?, refresh? }',
      config,
    );
  const rules = compileAllow(config.allow, 'installTokenWorker');
  const field = config.tokenField ?? 'token';
  if (typeof field !== 'string' || field.length === 0)
    throw expectedType('installTokenWorker: options.tokenField', 'a non-empty string', field);
  const scheme = config.scheme ?? 'Bearer';
  if (typeof scheme !== 'string' || !SCHEME_RE.test(scheme))
    throw expectedType('installTokenWorker: options.scheme', 'an auth scheme like "Bearer"', scheme);
  const r = config.refresh;
  if (r === undefined) return { rules, field, scheme };
  const m = r?.method ?? 'POST';
  const u = typeof r?.url === 'string' && (m === 'GET' || m === 'POST') ? matchUrl(rules, r.url, m) : 'url';
  if (typeof u === 'string')
    throw expectedType(
      'installTokenWorker: options.refresh',
      '{ url, method? } with an absolute URL and method in the allowlist',
      r,
    );
  return { rules, field, scheme, refresh: { h: urlHref(u), m } };
}

/**
 * Installs the token holder in a module service worker. Call it once, synchronously, at the top
 * level of the worker script (event listeners must be added during the first evaluation).
 *
 * @example
 * ```ts
 * // sw.js, registered by registerTokenWorker('/sw.js')
 * import { installTokenWorker } from 'sealed-session/worker';
 * installTokenWorker(self, {
 *   allow: [
 *     { origin: 'https://api.example.com', pathPrefix: '/auth', methods: ['POST'] },
 *     { origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET', 'POST'] },
 *   ],
 *   refresh: { url: 'https://api.example.com/auth/refresh' },
 * });
 * ```
 */
export function installTokenWorker(scope: TokenWorkerScope, config: TokenWorkerConfig): void {
  const { rules, field, scheme, refresh } = validate(config);
  // The token exists only in this closure, in the worker's memory: nothing is written to Cache
  // Storage, IndexedDB or any other place a page of the origin could read.
  let token: string | undefined;
  let epoch = 0;
  let refreshing: Promise<void> | undefined;
  // Bounded and expiring (the kernel's map): a flood of nonce requests evicts the oldest nonces,
  // which only makes those requests fail; it never grows without bound.
  const pendingMap = (): ExpiringMap<Pending> =>
    new ExpiringMap<Pending>({ maxEntries: MAX_PENDING, full: 'evict-oldest' });
  let pending = pendingMap();

  // Request options are null-prototype objects with every member written out: the Request and
  // fetch dictionary conversions would otherwise look up missing members on Object.prototype.
  const acquire = async (href: string, init: RequestInit): Promise<boolean> => {
    const at = epoch;
    const res = await send(href, init);
    if (!resOk(res)) return false;
    const t = tokenFrom(await pin(resText(res)), field);
    if (t === undefined || at !== epoch) return false;
    token = t;
    return true;
  };

  const ensure = (): Promise<void> => {
    if (token !== undefined || !refresh) return P.resolve();
    refreshing ??= (async () => {
      try {
        await pin(
          acquire(refresh.h, {
            __proto__: null,
            method: refresh.m,
            credentials: 'include',
            mode: 'cors',
            redirect: 'manual',
            cache: 'no-store',
          } as RequestInit),
        );
      } catch {}
      refreshing = undefined;
    })();
    return refreshing;
  };

  const login = async (d: LoginMsg): Promise<Reply> => {
    const method = typeof d.method === 'string' ? d.method : 'POST';
    const u = typeof d.url === 'string' ? matchUrl(rules, d.url, method) : 'url';
    if (typeof u === 'string') return { ok: false, code: 'ERR_WORKER_NOT_ALLOWED' };
    const headers = new (RealHeaders as typeof Headers)();
    const hs = d.headers as unknown;
    if (isArray(hs))
      for (let i = 0; i < hs.length; i++) {
        const pair = hs[i];
        if (isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
          headerAppend(headers, pair[0], pair[1]);
      }
    headerDelete(headers, 'authorization');
    let body: BodyInit | undefined;
    if (typeof d.body === 'string' || d.body instanceof Blob || d.body instanceof ArrayBuffer) body = d.body;
    else if (isArray(d.form)) {
      const f = new FormData();
      const form = d.form as unknown[];
      for (let i = 0; i < form.length; i++) {
        const e = form[i];
        if (!isArray(e) || typeof e[0] !== 'string') continue;
        f.append(e[0], e[1] instanceof Blob ? e[1] : toStr(e[1]));
      }
      body = f;
    }
    const credentials = isCredentials(d.credentials) ? d.credentials : 'same-origin';
    const ok = await pin(
      acquire(urlHref(u), {
        __proto__: null,
        method,
        headers,
        body,
        credentials,
        mode: 'cors',
        redirect: 'manual',
        cache: 'no-store',
      } as RequestInit),
    );
    return ok ? { ok: true } : { ok: false, code: 'ERR_WORKER_LOGIN_FAILED' };
  };

  const nonce = async (d: { url?: unknown; method?: unknown }, client: string): Promise<Reply> => {
    const method = d.method;
    const u =
      typeof d.url === 'string' && typeof method === 'string' ? matchUrl(rules, d.url, method) : 'url';
    if (typeof u === 'string') return { ok: false, code: 'ERR_WORKER_NOT_ALLOWED' };
    // Fragments never reach the network; bind the nonce to what the fetch event will see.
    setHash(u, '');
    await pin(ensure());
    if (token === undefined) return { ok: false, code: 'ERR_WORKER_NOT_AUTHENTICATED' };
    const t = now() + NONCE_TTL;
    const id = hex(8);
    const s = hex(16);
    const href = urlHref(u);
    pending.set(id, { s, c: client, m: method as string, h: href, t }, t);
    return { ok: true, nonce: `${id}.${s}`, url: href };
  };

  const handle = (d: Msg, client: string): Promise<Reply> => {
    switch (d.op) {
      case 'login':
        return login(d);
      case 'nonce':
        return nonce(d, client);
      case 'logout':
        token = undefined;
        epoch++;
        pending = pendingMap();
        return P.resolve({ ok: true });
    }
    return P.resolve({ ok: false, code: 'ERR_WORKER_FAILED' });
  };

  // Not async: its result is handed to respondWith as is. The request that carries the token is
  // built with load-time Headers, Request and fetch only, from a null-prototype init (THREATS 45).
  const decorate = (req: Request, client: string, mark: string): Promise<Response> => {
    const dot = indexOf(mark, '.');
    const id = slice(mark, 0, dot);
    const p = dot > 0 ? pending.get(id) : undefined;
    // One-time: the nonce is spent whatever the outcome.
    if (p) pending.delete(id);
    const method = reqMethod(req);
    const url = reqUrl(req);
    const mode = reqMode(req);
    if (
      !p ||
      !equalStrings(p.s, slice(mark, dot + 1)) ||
      p.t < now() ||
      p.c !== client ||
      p.m !== method ||
      p.h !== url ||
      (mode !== 'cors' && mode !== 'same-origin') ||
      reqDestination(req) !== '' ||
      !isMethod(method) ||
      typeof matchUrl(rules, url, method) === 'string' ||
      token === undefined
    )
      return P.resolve(responseError());
    // A null-prototype record, not a Headers: the Request constructor would iterate a Headers with
    // the page-replaceable Headers iterator. Names from forEach are lower case.
    const headers = { __proto__: null } as unknown as Record<string, string>;
    apply(headersForEach!, reqHeaders(req), [
      (v: string, k: string) => {
        if (k !== MARK && k !== 'authorization') headers[k] = v;
      },
    ]);
    // A page-supplied Authorization is replaced.
    headers.authorization = `${scheme} ${token}`;
    const init = { __proto__: null, headers, redirect: 'manual' } as RequestInit;
    return send(new (RealRequest as typeof Request)(req, init));
  };

  scope.addEventListener('install', (e) => e.waitUntil(scope.skipWaiting()));
  scope.addEventListener('activate', (e) => e.waitUntil(scope.clients.claim()));
  scope.addEventListener('message', (e: SwMessageEvent) => {
    const port = e.ports[0];
    const d = e.data as Record<string, unknown> | null;
    const src = e.source as { id?: unknown } | null;
    // Only tagged requests with a reply port from a client are answered; a token posted by a page
    // (or anything else) is ignored: the worker obtains its token itself.
    if (!port || typeof d !== 'object' || d === null || d[TAG] !== 1 || typeof src?.id !== 'string') return;
    e.waitUntil(
      handle(d as unknown as Msg, src.id)
        .catch((): Reply => ({ ok: false, code: 'ERR_WORKER_FAILED' }))
        .then((r) => port.postMessage(r)),
    );
  });
  scope.addEventListener('fetch', (e: SwFetchEvent) => {
    const mark = headerGet(reqHeaders(e.request), MARK);
    // Unmarked requests (markup, navigations, no-cors, plain page fetches) are left alone.
    if (mark === null) return;
    e.respondWith(decorate(e.request, e.clientId, mark));
  });
}
