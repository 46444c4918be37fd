// node:http-shaped requests (node:http, Express, Connect, Next.js pages API): reading the body,
// refusing, writing a sealed reply and the one authentication step both the Express and the Next
// adapters use.
import { expectedType } from '../../core/errors.js';
import { utf8 } from '../../internal/base64.js';
import type { SealedReply, SignedServer, VerifiedRequest } from '../core.js';
import { SignedPropertyClashError, SignedServerFault } from '../errors.js';
import {
  headerOf,
  type RequestToken,
  requestToken,
  type SecureSend,
  secureReplier,
  statusOr200,
  UNAUTHORIZED_MESSAGE,
} from './shared.js';

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
  /** Set to true once the request verified (crypto-sessions' flag); handlers never run otherwise. */
  isAuthenticated?: boolean;
  /** Who signed the request, set once it verified. */
  token?: RequestToken;
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
  secure?: SecureSend<unknown>;
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
    const chunk = typeof c === 'string' ? utf8(c) : (c as Uint8Array);
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

/** Answers 401 with the fixed message (unless a reply was already sent). */
export function refuse(res: NodeLikeResponse): void {
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
 * The raw request target to verify: `req.originalUrl` (Express keeps the full target there while
 * a mounted router strips its prefix from `req.url`), else `req.url` as node:http received it. When
 * both exist, `req.url` must be that same target or its tail after a mount prefix; a `req.url`
 * rewritten to another path before this middleware yields an empty target, which is refused.
 */
export function nodeTarget(req: { url?: string | undefined; originalUrl?: string | undefined }): string {
  const routed = typeof req.url === 'string' ? req.url : '';
  const raw = typeof req.originalUrl === 'string' ? req.originalUrl : routed;
  if (raw === routed) return raw;
  if (routed.startsWith('/') && raw.endsWith(routed)) return raw;
  // A mount prefix that is the whole path: Express routes `/api?x` as `/?x`.
  const tail = routed.slice(1);
  if ((routed === '/' || routed.startsWith('/?')) && raw.endsWith(tail)) return raw;
  return '';
}

/** Sessions this adapter set, so a second pass of the middleware is not taken for a clash. */
const ours = new WeakSet<object>();

/** Whether `req[property]` is already held by someone else (read without running a getter). */
function taken(req: object, property: string): boolean {
  const d = Object.getOwnPropertyDescriptor(req, property);
  if (d === undefined) return property in req;
  if (d.get || d.set) return true;
  return d.value !== undefined && d.value !== null && !(typeof d.value === 'object' && ours.has(d.value));
}

/** Checks a request property name given as an option. */
export function propertyOption(property: unknown): string {
  if (property === undefined) return 'session';
  if (typeof property !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(property) || property === '__proto__')
    throw expectedType('property', 'a request property name such as "peer"', property);
  return property;
}

/**
 * Verifies a node:http-style request. On success sets `req[property]` (the peer, default
 * `req.session`), `req.isAuthenticated = true`, `req.token`, `req.body` (decrypted data; `{}` when
 * the request had no body, as Express 4's body parsers do) and `res.secure`, and returns true. On
 * an authentication failure it answers 401 with a fixed message and returns false. It throws, with
 * the cause kept, when the application's own code failed ({@link SignedServerFault}: `authorize`
 * or the replay store) or when `req[property]` is already set by another middleware
 * ({@link SignedPropertyClashError}); the adapter passes that on as a server error.
 */
export async function authenticateNode(
  core: SignedServer,
  req: NodeLikeRequest,
  res: NodeLikeResponse,
  maxBody: number,
  property: string,
  replyError: (err: unknown) => NodeLikeResponse,
): Promise<boolean> {
  if (taken(req, property)) throw new SignedPropertyClashError(property);
  const slot = req as unknown as Record<string, unknown>;
  slot.isAuthenticated = false;
  let verified: VerifiedRequest;
  try {
    const body = await readNodeBody(req, maxBody);
    const r = await core.verify({
      method: req.method ?? 'GET',
      path: nodeTarget(req),
      header: headerOf(req.headers),
      body,
    });
    if (!r.ok) {
      if (r.error instanceof SignedServerFault) throw r.error;
      refuse(res);
      return false;
    }
    verified = r.request;
  } catch (err) {
    if (err instanceof SignedServerFault) throw err;
    refuse(res);
    return false;
  }
  ours.add(verified.session);
  slot[property] = verified.session;
  slot.isAuthenticated = true;
  slot.token = requestToken(verified.session);
  req.body = verified.body.length === 0 && verified.data === undefined ? {} : verified.data;
  res.secure = secureReplier(verified, {
    write: (sealed) => writeNode(res, sealed),
    status: () => statusOr200(res.statusCode),
    error: replyError,
  });
  return true;
}
