// `sealed-session/signed/server`: the verification core and its adapters for Express/Connect and
// node:http, Fastify, Next.js (pages API and App Router) and Web `Request` handlers. Adapters use
// structural types only: nothing here imports express or next at run time.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { expectedType } from '../core/errors.js';
import { utf8ToBytes } from './bytes.js';
import {
  createSignedServer,
  optionsFromEnv,
  type PeerSession,
  type SealedReply,
  type SignedServer,
  type SignedServerOptions,
  type VerifiedRequest,
} from './core.js';
import { WIRE_TYPE } from './protocol.js';

export {
  createRequestVerifier,
  createSignedServer,
  type IncomingSigned,
  type PeerSession,
  type SealedReply,
  type SignedServer,
  type SignedServerOptions,
  type VerifiedRequest,
  type VerifyResult,
} from './core.js';
export { type SignedFailureReason, SignedRequestError } from './errors.js';
export { MemoryReplayCache, type ReplayCache } from './replay.js';

/**
 * The fixed body of every refusal.
 *
 * @example
 * ```ts
 * expect(await (await fetch(url)).text()).toBe(UNAUTHORIZED_MESSAGE);
 * ```
 */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized';

/**
 * Reply helpers bound to one verified request (`res.secure` / `reply.secure`).
 *
 * @example
 * ```ts
 * app.post('/notes', (req, res) => res.secure.json({ saved: true }, 201));
 * ```
 */
export interface SecureSend<R> {
  /** Signs and encrypts a text or byte body. */
  send(body: string | Uint8Array, status?: number): Promise<R>;
  /** Signs and encrypts `JSON.stringify(value)` as application/json. */
  json(value: unknown, status?: number): Promise<R>;
}

function toCore(server: SignedServer | SignedServerOptions): SignedServer {
  return typeof (server as SignedServer).verify === 'function'
    ? (server as SignedServer)
    : createSignedServer(server as SignedServerOptions);
}

function jsonBytes(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) throw expectedType('value', 'a JSON-serializable value', value);
  return s;
}

/** `res.secure` / `reply.secure` for one verified request; `write` hands the sealed reply to the framework. */
function secureReplier<R>(verified: VerifiedRequest, write: (sealed: SealedReply) => R): SecureSend<R> {
  return Object.freeze({
    send: async (body: string | Uint8Array, status = 200) =>
      write(
        await verified.seal(status, body, typeof body === 'string' ? undefined : 'application/octet-stream'),
      ),
    json: async (value: unknown, status = 200) =>
      write(await verified.seal(status, jsonBytes(value), 'application/json')),
  });
}

// ---------------------------------------------------------------------------------------------
// node:http, Express, Connect, Next.js pages API (all share IncomingMessage / ServerResponse)

/**
 * The parts of a node:http / Express request the adapter uses.
 *
 * @example
 * ```ts
 * const middleware = createExpressAuth(options); // accepts Express, Connect and node:http requests
 * ```
 */
export interface NodeLikeRequest extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readableEnded?: boolean;
  session?: unknown;
}

/**
 * The parts of a node:http / Express response the adapter uses.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => createExpressAuth(options)(req, res, () => res.secure!.send('ok')));
 * ```
 */
export interface NodeLikeResponse {
  statusCode: number;
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  secure?: SecureSend<NodeLikeResponse>;
}

/**
 * Express/Connect middleware shape.
 *
 * @example
 * ```ts
 * const auth: NodeMiddleware = createExpressAuth(options);
 * app.use(auth);
 * ```
 */
export type NodeMiddleware = (
  req: NodeLikeRequest,
  res: NodeLikeResponse,
  next: (err?: unknown) => void,
) => Promise<void>;

async function readNodeBody(req: NodeLikeRequest, limit: number): Promise<Uint8Array | string | null> {
  const b = req.body;
  if (typeof b === 'string' || b instanceof Uint8Array) return b;
  if (req.readableEnded) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of req) {
    const chunk = typeof c === 'string' ? utf8ToBytes(c) : (c as Uint8Array);
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function headerOf(headers: NodeLikeRequest['headers']): (n: string) => string | undefined {
  return (n) => {
    const v = headers[n];
    return Array.isArray(v) ? v.join(', ') : v;
  };
}

function refuse(res: NodeLikeResponse): void {
  if (res.headersSent) return;
  res.statusCode = 401;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(UNAUTHORIZED_MESSAGE);
}

function writeNode(res: NodeLikeResponse, reply: SealedReply): NodeLikeResponse {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.end(reply.body);
  return res;
}

/**
 * Verifies a node:http-style request; on success sets `req.session`, `req.body` (decrypted data)
 * and `res.secure`, and returns true. On failure it answers 401 with a fixed message and returns false.
 */
async function authenticateNode(
  core: SignedServer,
  req: NodeLikeRequest,
  res: NodeLikeResponse,
  maxBody: number,
): Promise<boolean> {
  let verified: VerifiedRequest;
  try {
    const body = await readNodeBody(req, maxBody);
    const r = await core.verify({
      method: req.method ?? 'GET',
      path: req.originalUrl ?? req.url ?? '',
      header: headerOf(req.headers),
      body,
    });
    if (!r.ok) {
      refuse(res);
      return false;
    }
    verified = r.request;
  } catch {
    refuse(res);
    return false;
  }
  req.session = verified.session;
  req.body = verified.data;
  res.secure = secureReplier(verified, (sealed) => writeNode(res, sealed));
  return true;
}

/**
 * Express/Connect middleware built from explicit options (the preferred form). Verified requests
 * get `req.session` (the peer), `req.body` (decrypted) and `res.secure.send/json`; anything else
 * gets 401 and the rest of the chain never runs.
 *
 * @example
 * ```ts
 * app.use(createExpressAuth({ key: serverSecretKey, origin: 'https://api.example.com' }));
 * app.post('/notes', (req, res) => res.secure.json({ saved: req.body, by: req.session.peerKey }));
 * ```
 */
export function createExpressAuth(options: SignedServerOptions | SignedServer): NodeMiddleware {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  return async (req, res, next) => {
    if (await authenticateNode(core, req, res, maxBody)) next();
  };
}

let envMiddleware: NodeMiddleware | null = null;

/**
 * crypto-sessions' drop-in: `app.use(useAuthWithExpress)`, configured from `CRYPTO_SESSION_KEY`
 * and `CRYPTO_SESSION_HOST` on first use. A missing variable is passed to `next(err)` (the handler
 * never runs). Prefer {@link createExpressAuth} with explicit options.
 *
 * @example
 * ```ts
 * process.env.CRYPTO_SESSION_KEY = serverSecretKey; process.env.CRYPTO_SESSION_HOST = 'http://localhost:3000';
 * app.use(useAuthWithExpress);
 * ```
 */
export const useAuthWithExpress: NodeMiddleware = async (req, res, next) => {
  try {
    envMiddleware ??= createExpressAuth(optionsFromEnv());
  } catch (err) {
    next(err);
    return;
  }
  return envMiddleware(req, res, next);
};

/**
 * A Next.js pages API handler shape.
 *
 * @example
 * ```ts
 * const handler: NextApiLikeHandler = (req, res) => res.secure.json({ peer: req.session.peerKey });
 * ```
 */
export type NextApiLikeHandler<
  Q extends NodeLikeRequest = NodeLikeRequest,
  S extends NodeLikeResponse = NodeLikeResponse,
> = (req: Q & { session: PeerSession }, res: S & { secure: SecureSend<NodeLikeResponse> }) => unknown;

/**
 * Wraps a Next.js pages API handler with explicit options. Unlike crypto-sessions, the handler
 * never runs when verification fails. Set `export const config = { api: { bodyParser: false } }`
 * or keep Next's parser: both work (the wire body is base64url text).
 *
 * @example
 * ```ts
 * const withAuth = createNextAuth({ key: process.env.SERVER_KEY!, origin: 'https://app.example.com' });
 * export default withAuth((req, res) => res.secure.json({ hello: req.session.peerKey }));
 * ```
 */
export function createNextAuth(options: SignedServerOptions | SignedServer): NextAuthWrapper {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  return ((handler: NextApiLikeHandler) => async (req: NodeLikeRequest, res: NodeLikeResponse) => {
    if (await authenticateNode(core, req, res, maxBody)) await handler(req as never, res as never);
  }) as NextAuthWrapper;
}

/**
 * Wraps a pages API handler (typed loosely, or with your framework's own request/response types).
 *
 * @example
 * ```ts
 * const withAuth: NextAuthWrapper = createNextAuth(options);
 * export default withAuth((req, res) => res.secure.send('hi'));
 * ```
 */
export interface NextAuthWrapper {
  (handler: NextApiLikeHandler): (req: NodeLikeRequest, res: NodeLikeResponse) => Promise<void>;
  <Q extends NodeLikeRequest, S extends NodeLikeResponse>(
    handler: NextApiLikeHandler<Q, S>,
  ): (req: Q, res: S) => Promise<void>;
}

let envNext: ReturnType<typeof createNextAuth> | null = null;

/**
 * crypto-sessions' `useAuthWithNext(handler)`, configured from the environment variables.
 *
 * @example
 * ```ts
 * export default useAuthWithNext((req, res) => res.secure.json({ message: `Hello ${req.session.peerKey}` }));
 * ```
 */
export const useAuthWithNext: NextAuthWrapper = ((handler: NextApiLikeHandler) => {
  return async (req: NodeLikeRequest, res: NodeLikeResponse) => {
    try {
      envNext ??= createNextAuth(optionsFromEnv());
    } catch {
      // Misconfiguration fails closed, without naming the variables to the client.
      refuse(res);
      return;
    }
    return envNext(handler)(req, res);
  };
}) as NextAuthWrapper;

// ---------------------------------------------------------------------------------------------
// Web Request / Response: Next.js App Router, Hono, Bun, Deno, Workers

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
  /** Decrypted body: JSON, text or bytes; undefined if none. */
  readonly data: unknown;
  /** A signed, encrypted JSON response bound to this request. */
  json(value: unknown, init?: { status?: number; headers?: HeadersInit }): Promise<Response>;
  /** A signed, encrypted text or byte response bound to this request. */
  send(
    body: string | Uint8Array,
    init?: { status?: number; headers?: HeadersInit; contentType?: string },
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

function toResponse(reply: SealedReply, extra?: HeadersInit): Response {
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
        path: url.pathname + url.search,
        // Web runtimes often hide Host: the URL's host picks among several configured origins.
        header: (n) => (n === 'host' ? (request.headers.get('host') ?? url.host) : request.headers.get(n)),
        body,
      });
      if (!r.ok) return unauthorizedResponse();
      verified = r.request;
    } catch {
      return unauthorizedResponse();
    }
    const secure: SecureContext = Object.freeze({
      session: verified.session,
      data: verified.data,
      json: async (value: unknown, init?: { status?: number; headers?: HeadersInit }) =>
        toResponse(
          await verified.seal(init?.status ?? 200, jsonBytes(value), 'application/json'),
          init?.headers,
        ),
      send: async (
        body: string | Uint8Array,
        init?: { status?: number; headers?: HeadersInit; contentType?: string },
      ) => toResponse(await verified.seal(init?.status ?? 200, body, init?.contentType), init?.headers),
    });
    const res = await handler(request, secure, ...rest);
    if (sealedResponses.has(res)) return res;
    // A plain Response from the handler: seal it here so nothing leaves unsigned.
    const bytes = new Uint8Array(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    const type = headers.get('content-type') ?? 'application/octet-stream';
    for (const h of ['content-type', 'content-length', 'content-encoding']) headers.delete(h);
    return toResponse(await verified.seal(res.status, bytes, type), headers);
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

// ---------------------------------------------------------------------------------------------
// Fastify

/**
 * Options of the Fastify plugin.
 *
 * @example
 * ```ts
 * await app.register(fastifySigned, { key, origin: 'https://api.example.com', decorator: 'peer' } satisfies FastifySignedOptions);
 * ```
 */
export interface FastifySignedOptions extends SignedServerOptions {
  /** Request property that receives the peer (default `session`; rename it beside a cookie-session plugin). */
  decorator?: string;
}

interface FastifyLikeRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  [key: string]: unknown;
}

interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body?: unknown): FastifyLikeReply;
  sent?: boolean;
  secure?: SecureSend<FastifyLikeReply> | null;
}

interface FastifyLikeInstance {
  addContentTypeParser(
    type: string,
    opts: { parseAs: 'string'; bodyLimit?: number },
    parser: (req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
  hasContentTypeParser(type: string): boolean;
  decorateRequest(name: string, value: unknown): void;
  decorateReply(name: string, value: unknown): void;
  hasRequestDecorator(name: string): boolean;
  hasReplyDecorator(name: string): boolean;
  addHook(
    name: 'preHandler',
    hook: (req: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>,
  ): void;
}

function writeFastify(reply: FastifyLikeReply, sealed: SealedReply): FastifyLikeReply {
  reply.code(sealed.status);
  for (const [k, v] of Object.entries(sealed.headers)) reply.header(k, v);
  return reply.send(sealed.body);
}

async function fastifySignedPlugin(
  fastify: FastifyLikeInstance,
  options: FastifySignedOptions,
): Promise<void> {
  const { decorator = 'session', ...rest } = options;
  if (typeof decorator !== 'string' || decorator === '')
    throw expectedType('decorator', 'a property name', decorator);
  const core = createSignedServer(rest);
  const limit = rest.maxBodySize ?? 1 << 20;
  if (!fastify.hasContentTypeParser(WIRE_TYPE))
    fastify.addContentTypeParser(WIRE_TYPE, { parseAs: 'string', bodyLimit: limit }, (_r, body, done) =>
      done(null, body),
    );
  if (!fastify.hasRequestDecorator(decorator)) fastify.decorateRequest(decorator, null);
  if (!fastify.hasReplyDecorator('secure')) fastify.decorateReply('secure', null);
  fastify.addHook('preHandler', async (req, reply) => {
    let verified: VerifiedRequest | null = null;
    try {
      const r = await core.verify({
        method: req.method,
        path: req.url,
        header: headerOf(req.headers),
        body: typeof req.body === 'string' || req.body instanceof Uint8Array ? req.body : null,
      });
      if (r.ok) verified = r.request;
    } catch {}
    if (!verified) {
      reply.code(401).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store');
      return reply.send(UNAUTHORIZED_MESSAGE);
    }
    const v = verified;
    req[decorator] = v.session;
    req.body = v.data;
    reply.secure = secureReplier(v, (sealed) => writeFastify(reply, sealed));
    return undefined;
  });
}

/**
 * Fastify plugin: every route in the scope where it is registered requires a signed request;
 * `request.session` is the peer, `request.body` the decrypted data, `reply.secure.send/json` sign
 * and encrypt. Register it inside a child scope to protect only some routes.
 *
 * @example
 * ```ts
 * await app.register(fastifySigned, { key: serverSecretKey, origin: 'https://api.example.com' });
 * app.get('/me', (req, reply) => reply.secure.json({ you: req.session.peerKey }));
 * ```
 */
export const fastifySigned: FastifyPluginAsync<FastifySignedOptions> = fp(
  fastifySignedPlugin as unknown as FastifyPluginAsync<FastifySignedOptions>,
  { fastify: '5.x', name: 'sealed-session-signed' },
);

declare module 'fastify' {
  interface FastifyReply {
    /** Set by the `sealed-session/signed` plugin on verified requests. */
    secure: SecureSend<FastifyReply> | null;
  }
}
