// The service-worker side: holds the token in the worker's memory, performs login/refresh itself,
// and decorates only requests carrying a one-time nonce it issued to the requesting client.
import { expectedType } from '../core/errors.js';
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

const hex = (n: number): string => {
  const b = crypto.getRandomValues(new Uint8Array(n));
  let s = '';
  for (let i = 0; i < n; i++) s += (b[i]! + 256).toString(16).slice(1);
  return s;
};

/** Constant-time comparison of two strings of equal length (the nonce secret, THREATS 39). */
export const ctEqual = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
};

const CREDENTIALS: readonly string[] = ['omit', 'same-origin', 'include'];

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
  return { rules, field, scheme, refresh: { h: u.href, m } };
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
  const pending = new Map<string, Pending>();

  const acquire = async (href: string, init: RequestInit): Promise<boolean> => {
    const at = epoch;
    const res = await fetch(href, init);
    if (!res.ok) return false;
    const t = tokenFrom(await res.text(), field);
    if (t === undefined || at !== epoch) return false;
    token = t;
    return true;
  };

  const ensure = (): Promise<void> => {
    if (token !== undefined || !refresh) return Promise.resolve();
    refreshing ??= acquire(refresh.h, {
      method: refresh.m,
      credentials: 'include',
      mode: 'cors',
      redirect: 'manual',
      cache: 'no-store',
    })
      .catch(() => false)
      .then(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  const login = async (d: LoginMsg): Promise<Reply> => {
    const method = typeof d.method === 'string' ? d.method : 'POST';
    const u = typeof d.url === 'string' ? matchUrl(rules, d.url, method) : 'url';
    if (typeof u === 'string') return { ok: false, code: 'ERR_WORKER_NOT_ALLOWED' };
    const headers = new Headers();
    if (Array.isArray(d.headers))
      for (const pair of d.headers)
        if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
          headers.append(pair[0], pair[1]);
    headers.delete('authorization');
    let body: BodyInit | undefined;
    if (typeof d.body === 'string' || d.body instanceof Blob || d.body instanceof ArrayBuffer) body = d.body;
    else if (Array.isArray(d.form)) {
      const f = new FormData();
      for (const [k, v] of d.form) if (typeof k === 'string') f.append(k, v instanceof Blob ? v : String(v));
      body = f;
    }
    const credentials = (
      CREDENTIALS.includes(d.credentials as string) ? d.credentials : 'same-origin'
    ) as RequestCredentials;
    const ok = await acquire(u.href, {
      method,
      headers,
      body,
      credentials,
      mode: 'cors',
      redirect: 'manual',
      cache: 'no-store',
    });
    return ok ? { ok: true } : { ok: false, code: 'ERR_WORKER_LOGIN_FAILED' };
  };

  const nonce = async (d: { url?: unknown; method?: unknown }, client: string): Promise<Reply> => {
    const method = d.method;
    const u =
      typeof d.url === 'string' && typeof method === 'string' ? matchUrl(rules, d.url, method) : 'url';
    if (typeof u === 'string') return { ok: false, code: 'ERR_WORKER_NOT_ALLOWED' };
    // Fragments never reach the network; bind the nonce to what the fetch event will see.
    u.hash = '';
    await ensure();
    if (token === undefined) return { ok: false, code: 'ERR_WORKER_NOT_AUTHENTICATED' };
    const now = Date.now();
    for (const [k, p] of pending) if (p.t < now || pending.size >= MAX_PENDING) pending.delete(k);
    const id = hex(8);
    const s = hex(16);
    pending.set(id, { s, c: client, m: method as string, h: u.href, t: now + NONCE_TTL });
    return { ok: true, nonce: `${id}.${s}`, url: u.href };
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
        pending.clear();
        return Promise.resolve({ ok: true });
    }
    return Promise.resolve({ ok: false, code: 'ERR_WORKER_FAILED' });
  };

  const decorate = async (req: Request, client: string, mark: string): Promise<Response> => {
    const dot = mark.indexOf('.');
    const id = mark.slice(0, dot);
    const p = dot > 0 ? pending.get(id) : undefined;
    // One-time: the nonce is spent whatever the outcome.
    if (p) pending.delete(id);
    if (
      !p ||
      !ctEqual(p.s, mark.slice(dot + 1)) ||
      p.t < Date.now() ||
      p.c !== client ||
      p.m !== req.method ||
      p.h !== req.url ||
      (req.mode !== 'cors' && req.mode !== 'same-origin') ||
      req.destination !== '' ||
      !isMethod(req.method) ||
      typeof matchUrl(rules, req.url, req.method) === 'string' ||
      token === undefined
    )
      return Response.error();
    const headers = new Headers(req.headers);
    headers.delete(MARK);
    // set, not append: a page-supplied Authorization is replaced.
    headers.set('authorization', `${scheme} ${token}`);
    return fetch(new Request(req, { headers, redirect: 'manual' }));
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
    const mark = e.request.headers.get(MARK);
    // Unmarked requests (markup, navigations, no-cors, plain page fetches) are left alone.
    if (mark === null) return;
    e.respondWith(decorate(e.request, e.clientId, mark));
  });
}
