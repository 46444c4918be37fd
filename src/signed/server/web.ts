// Web `Request` / `Response` handlers of `sealed-session/signed/server`: Next.js App Router, Hono,
// Bun, Deno, Workers.
import { expectedType } from '../../core/errors.js';
import {
  isSignableReplyHeader,
  optionsFromEnv,
  type PeerSession,
  type SealedReply,
  type SignedServer,
  type SignedServerOptions,
  type VerifiedRequest,
} from '../core.js';
import { SignedServerFault } from '../errors.js';
import { jsonBytes, type RequestToken, requestToken, toCore, UNAUTHORIZED_MESSAGE } from './shared.js';

/** What `new Headers(...)` takes (the DOM's `HeadersInit`), spelled so server code compiles without the DOM lib. */
type HeadersLike = ConstructorParameters<typeof Headers>[0];

/**
 * What a Web handler receives besides the Request.
 *
 * @example
 * ```ts
 * export const GET = createSignedHandler(options, (req, secure: SecureContext) => secure.json({ data: secure.data }));
 * ```
 */
export interface SecureContext {
  readonly session: PeerSession;
  /** Always true: the handler runs only for verified requests (crypto-sessions' `req.isAuthenticated`). */
  readonly isAuthenticated: true;
  /** Who signed the request (crypto-sessions' `req.token`). */
  readonly token: RequestToken;
  /** Decrypted body: JSON, text or bytes; undefined if none. */
  readonly data: unknown;
  /** A signed, encrypted JSON response bound to this request. */
  /**
   * `init.headers` are covered by the reply signature, so `SecureFetch` exposes them; `set-cookie`,
   * `cache-control` and framing headers travel unsigned and are not exposed on the verified response.
   */
  json(value: unknown, init?: { status?: number; headers?: HeadersLike }): Promise<Response>;
  /** A signed, encrypted text or byte response bound to this request. */
  send(
    body: string | Uint8Array,
    init?: { status?: number; headers?: HeadersLike; contentType?: string },
  ): Promise<Response>;
}

/**
 * A Web handler protected by {@link createSignedHandler}.
 *
 * @example
 * ```ts
 * const handler: SignedWebHandler<[]> = async (_req, secure) => secure.send('pong');
 * ```
 */
export type SignedWebHandler<C extends unknown[]> = (
  request: Request,
  secure: SecureContext,
  ...rest: C
) => Response | Promise<Response>;

const sealedResponses = new WeakSet<Response>();

/** Reads a Web body up to `limit` bytes (false beyond it, without buffering the rest). */
async function readWebBody(request: Request, limit: number): Promise<Uint8Array | null | false> {
  if (!request.body) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return false;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Path and query of a Request's URL as the string holds them (no re-parse, no re-encoding). */
function webTarget(href: string): string {
  const slash = href.indexOf('/', href.indexOf('//') + 2);
  return slash < 0 ? '' : href.slice(slash);
}

/**
 * A handler's headers: those the reply signature can cover go into it (SecureFetch exposes them);
 * the rest (`set-cookie`, `cache-control`, framing) travel unsigned and SecureFetch drops them.
 */
function splitHeaders(init: HeadersLike | undefined): { signed: Record<string, string>; plain: Headers } {
  const plain = new Headers(init);
  const signed: Record<string, string> = {};
  plain.forEach((v, k) => {
    if (isSignableReplyHeader(k)) signed[k] = v;
  });
  for (const k of Object.keys(signed)) plain.delete(k);
  for (const k of ['content-type', 'content-length', 'content-encoding']) plain.delete(k);
  return { signed, plain };
}

async function sealWith(
  verified: VerifiedRequest,
  status: number,
  body: Uint8Array | string,
  contentType: string | undefined,
  init: HeadersLike | undefined,
): Promise<Response> {
  const { signed, plain } = splitHeaders(init);
  return toResponse(await verified.seal(status, body, contentType, signed), plain);
}

function toResponse(reply: SealedReply, extra?: HeadersLike): Response {
  const headers = new Headers(extra);
  for (const [k, v] of Object.entries(reply.headers)) headers.set(k, v);
  const res = new Response(reply.body === '' ? null : reply.body, { status: reply.status, headers });
  sealedResponses.add(res);
  return res;
}

function unauthorizedResponse(): Response {
  return new Response(UNAUTHORIZED_MESSAGE, {
    status: 401,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * Protects a Web `Request` handler (Next.js App Router route, Hono, Bun, Deno, Workers). The
 * handler receives a {@link SecureContext}; any plain `Response` it returns is signed and encrypted
 * on the way out. Failures get 401 and the handler never runs.
 *
 * @example
 * ```ts
 * // app/api/notes/route.ts
 * export const POST = createSignedHandler({ key: process.env.SERVER_KEY!, origin: 'https://app.example.com' },
 *   async (req, secure) => secure.json({ saved: secure.data }));
 * ```
 */
export function createSignedHandler<C extends unknown[]>(
  options: SignedServerOptions | SignedServer,
  handler: SignedWebHandler<C>,
): (request: Request, ...rest: C) => Promise<Response> {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  if (typeof handler !== 'function') throw expectedType('handler', 'a function', handler);
  return async (request, ...rest) => {
    let verified: VerifiedRequest;
    try {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBody) return unauthorizedResponse();
      const body = await readWebBody(request, maxBody);
      if (body === false) return unauthorizedResponse();
      const url = new URL(request.url);
      const r = await core.verify({
        method: request.method,
        path: webTarget(request.url),
        // Web runtimes often hide Host: the URL's host picks among several configured origins.
        header: (n) => (n === 'host' ? (request.headers.get('host') ?? url.host) : request.headers.get(n)),
        body,
      });
      if (!r.ok) {
        // `authorize` or the replay store failed: rethrown with its cause, so the runtime or
        // framework answers 500 and logs it; never reported as a 401.
        if (r.error instanceof SignedServerFault) throw r.error;
        return unauthorizedResponse();
      }
      verified = r.request;
    } catch (err) {
      if (err instanceof SignedServerFault) throw err;
      return unauthorizedResponse();
    }
    const secure: SecureContext = Object.freeze({
      session: verified.session,
      isAuthenticated: true,
      token: requestToken(verified.session),
      data: verified.data,
      json: async (value: unknown, init?: { status?: number; headers?: HeadersLike }) =>
        sealWith(verified, init?.status ?? 200, jsonBytes(value), 'application/json', init?.headers),
      send: async (
        body: string | Uint8Array,
        init?: { status?: number; headers?: HeadersLike; contentType?: string },
      ) => sealWith(verified, init?.status ?? 200, body, init?.contentType, init?.headers),
    });
    const res = await handler(request, secure, ...rest);
    if (sealedResponses.has(res)) return res;
    // A plain Response from the handler: seal it here so nothing leaves unsigned.
    const bytes = new Uint8Array(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? 'application/octet-stream';
    return sealWith(verified, res.status, bytes, type, res.headers);
  };
}

/**
 * Next.js App Router wrapper configured from `CRYPTO_SESSION_KEY` / `CRYPTO_SESSION_HOST`.
 *
 * @example
 * ```ts
 * export const GET = useAuthWithRoute(async (req, secure) => secure.json({ you: secure.session.peerKey }));
 * ```
 */
export function useAuthWithRoute<C extends unknown[]>(
  handler: SignedWebHandler<C>,
): (request: Request, ...rest: C) => Promise<Response> {
  let wrapped: ((request: Request, ...rest: C) => Promise<Response>) | null = null;
  return async (request, ...rest) => {
    try {
      wrapped ??= createSignedHandler(optionsFromEnv(), handler);
    } catch {
      return unauthorizedResponse();
    }
    return wrapped(request, ...rest);
  };
}
