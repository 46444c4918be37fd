// node:http-shaped requests (node:http, Express, Connect, Next.js pages API): reading the body,
// refusing, writing a sealed reply and the one authentication step both the Express and the Next
// adapters use.
import { utf8ToBytes } from '../bytes.js';
import type { SealedReply, SignedServer, VerifiedRequest } from '../core.js';
import { headerOf, type SecureSend, secureReplier, UNAUTHORIZED_MESSAGE } from './shared.js';

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

/**
 * Verifies a node:http-style request; on success sets `req.session`, `req.body` (decrypted data)
 * and `res.secure`, and returns true. On failure it answers 401 with a fixed message and returns false.
 */
export async function authenticateNode(
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
      path: nodeTarget(req),
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
