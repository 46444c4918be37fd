// Next.js pages API wrappers of `sealed-session/signed/server`.
import { optionsFromEnv, type PeerSession, type SignedServer, type SignedServerOptions } from '../core.js';
import {
  authenticateNode,
  type NodeLikeRequest,
  type NodeLikeResponse,
  propertyOption,
  refuse,
} from './node.js';
import { type RequestToken, type SecureSend, toCore } from './shared.js';

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
> = (
  req: Q & { session: PeerSession; isAuthenticated: true; token: RequestToken },
  res: S & { secure: SecureSend<NodeLikeResponse> },
) => unknown;

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
export function createNextAuth(
  options: (SignedServerOptions & { property?: string }) | SignedServer,
): NextAuthWrapper {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  const property = propertyOption((options as { property?: string }).property);
  return ((handler: NextApiLikeHandler) => async (req: NodeLikeRequest, res: NodeLikeResponse) => {
    // A failing `authorize` or replay store, or a taken `req.session`, is thrown: Next.js answers
    // 500 and logs it. An error while sealing a reply answers 500 too.
    const ok = await authenticateNode(core, req, res, maxBody, property, (err) => serverError(res, err));
    if (ok) await handler(req as never, res as never);
  }) as NextAuthWrapper;
}

function serverError(res: NodeLikeResponse, _err: unknown): NodeLikeResponse {
  if (!res.headersSent) {
    res.statusCode = 500;
    res.setHeader('cache-control', 'no-store');
    res.end();
  }
  return res;
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
