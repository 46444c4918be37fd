// `sealed-session/signed/server`: the verification core (../core.ts) and one adapter per framework:
// Express/Connect and node:http (express.ts), Next.js pages API (next.ts), Web `Request` handlers
// for the App Router, Hono, Bun, Deno and Workers (web.ts), and Fastify (fastify.ts). Adapters use
// structural types only: nothing here imports express or next at run time.
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
} from '../core.js';
export {
  type SignedFailureReason,
  SignedPropertyClashError,
  SignedRequestError,
  SignedServerFault,
} from '../errors.js';
export { MemoryReplayCache, type MemoryReplayCacheOptions, type ReplayCache } from '../replay.js';
export { createExpressAuth, type ExpressAuthOptions, useAuthWithExpress } from './express.js';
export { type FastifySignedOptions, fastifySigned } from './fastify.js';
export { createNextAuth, type NextApiLikeHandler, type NextAuthWrapper, useAuthWithNext } from './next.js';
export type { NodeLikeRequest, NodeLikeResponse, NodeMiddleware } from './node.js';
export { type RequestToken, type SecureSend, UNAUTHORIZED_MESSAGE } from './shared.js';
export { createSignedHandler, type SecureContext, type SignedWebHandler, useAuthWithRoute } from './web.js';
