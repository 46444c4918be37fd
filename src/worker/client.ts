// The page side of the token worker. It never sees the token: it forwards login requests to the
// worker, asks the worker for a one-time nonce per request and adds it as a header the worker
// strips. It needs no hardening of its own for that reason; any script of the page can use it,
// which is the inherent limit stated in THREATS 26.
import { expectedType } from '../core/errors.js';
import { isWorkerCode, WorkerError } from './errors.js';
import { type LoginMsg, MARK, type Msg, type Reply, TAG } from './protocol.js';

/**
 * Request options accepted by the client (a `RequestInit`; `mode` and `redirect` are fixed).
 *
 * @example
 * ```ts
 * await api.fetch('/v1/items', { method: 'POST', body: JSON.stringify(item) });
 * ```
 */
export type TokenWorkerRequestInit = Omit<RequestInit, 'mode' | 'redirect'> & {
  mode?: 'cors' | 'same-origin';
};

/**
 * What {@link registerTokenWorker} resolves to. Same signatures as the vault.
 *
 * @example
 * ```ts
 * const api: TokenWorkerClient = await registerTokenWorker('/sw.js');
 * ```
 */
export interface TokenWorkerClient {
  /** The worker performs this login request and keeps the token from the JSON response. */
  login(url: string | URL, init?: TokenWorkerRequestInit): Promise<void>;
  /** `fetch` through the worker, which adds `Authorization` if the request is allowlisted. */
  fetch(input: string | URL, init?: TokenWorkerRequestInit): Promise<Response>;
  /** Makes the worker forget its token. */
  logout(): Promise<void>;
}

/**
 * Options of {@link registerTokenWorker}.
 *
 * @example
 * ```ts
 * await registerTokenWorker('/app/sw.js', { scope: '/app/', timeout: 5000 });
 * ```
 */
export interface RegisterOptions {
  /** Service worker scope (default: the script's directory). */
  scope?: string;
  /** How long to wait for the worker to take control and to answer, in ms. Default 10000. */
  timeout?: number;
}

const absolute = (u: unknown, what: string): string => {
  if (typeof u !== 'string' && !(u instanceof URL))
    throw expectedType(what, 'a URL string or URL (not a Request)', u);
  return new URL(String(u), location.href).href;
};

async function loginBody(body: unknown, headers: Headers): Promise<Pick<LoginMsg, 'body' | 'form'>> {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string' || body instanceof Blob || body instanceof ArrayBuffer) return { body };
  if (ArrayBuffer.isView(body))
    return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice().buffer };
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return { body: body.toString() };
  }
  if (body instanceof FormData) {
    const form: [string, string | Blob][] = [];
    body.forEach((v, k) => {
      form.push([k, v]);
    });
    return { form };
  }
  throw expectedType('init.body', 'a string, Blob, BufferSource, FormData or URLSearchParams', body);
}

/**
 * Registers the token worker (a module service worker whose script calls `installTokenWorker`),
 * waits until it controls the page and returns its client.
 *
 * @example
 * ```ts
 * import { registerTokenWorker } from 'sealed-session/worker';
 *
 * const api = await registerTokenWorker('/sw.js');
 * await api.login('https://api.example.com/auth/login', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ user, password }),
 * });
 * const me = await (await api.fetch('https://api.example.com/v1/me')).json();
 * await api.logout();
 * ```
 */
export async function registerTokenWorker(
  scriptUrl: string | URL,
  options: RegisterOptions = {},
): Promise<TokenWorkerClient> {
  const sw = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
  if (!sw) throw new WorkerError('ERR_WORKER_UNAVAILABLE');
  const timeout = options.timeout ?? 10_000;
  if (typeof timeout !== 'number' || !(timeout > 0))
    throw expectedType('registerTokenWorker: options.timeout', 'a positive number of ms', timeout);
  await sw.register(scriptUrl, { type: 'module', scope: options.scope, updateViaCache: 'none' });
  await sw.ready;
  if (!sw.controller)
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new WorkerError('ERR_WORKER_NOT_CONTROLLING')), timeout);
      sw.addEventListener(
        'controllerchange',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });

  const ask = (msg: Msg): Promise<Reply & { ok: true }> =>
    new Promise((resolve, reject) => {
      const c = sw.controller;
      if (!c) return reject(new WorkerError('ERR_WORKER_NOT_CONTROLLING'));
      const ch = new MessageChannel();
      const t = setTimeout(() => {
        ch.port1.close();
        reject(new WorkerError('ERR_WORKER_TIMEOUT'));
      }, timeout);
      ch.port1.onmessage = (e: MessageEvent<Reply>) => {
        clearTimeout(t);
        ch.port1.close();
        const r = e.data;
        if (r?.ok === true) resolve(r);
        else reject(new WorkerError(isWorkerCode(r?.code) ? r.code : 'ERR_WORKER_FAILED'));
      };
      c.postMessage({ [TAG]: 1, ...msg }, [ch.port2]);
    });

  const method = (init: TokenWorkerRequestInit | undefined, dflt: string): string =>
    init?.method === undefined ? dflt : String(init.method).toUpperCase();

  return Object.freeze({
    async login(url: string | URL, init?: TokenWorkerRequestInit): Promise<void> {
      const headers = new Headers(init?.headers);
      const body = await loginBody(init?.body, headers);
      await ask({
        op: 'login',
        url: absolute(url, 'url'),
        method: method(init, 'POST'),
        headers: [...headers],
        ...body,
        credentials: init?.credentials,
      });
    },
    async fetch(input: string | URL, init?: TokenWorkerRequestInit): Promise<Response> {
      const m = method(init, 'GET');
      const r = await ask({ op: 'nonce', url: absolute(input, 'input'), method: m });
      const headers = new Headers(init?.headers);
      headers.set(MARK, r.nonce!);
      // 'cors' so that the nonce header is not dropped (no-cors would drop it), 'manual' so that
      // the worker's unfollowed redirect is a valid answer.
      return fetch(r.url!, {
        ...init,
        method: m,
        headers,
        mode: init?.mode === 'same-origin' ? 'same-origin' : 'cors',
        redirect: 'manual',
      });
    },
    async logout(): Promise<void> {
      await ask({ op: 'logout' });
    },
  });
}
