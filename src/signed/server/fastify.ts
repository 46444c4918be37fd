// Fastify plugin of `sealed-session/signed/server`.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { expectedType } from '../../core/errors.js';
import {
  createSignedServer,
  type SealedReply,
  type SignedServerOptions,
  type VerifiedRequest,
} from '../core.js';
import { SignedPropertyClashError, SignedServerFault } from '../errors.js';
import { WIRE_TYPE } from '../protocol.js';
import {
  headerOf,
  type RequestToken,
  requestToken,
  type SecureSend,
  secureReplier,
  statusOr200,
  UNAUTHORIZED_MESSAGE,
} from './shared.js';

const ours = new WeakSet<object>();

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
  raw?: { url?: string };
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  [key: string]: unknown;
}

interface FastifyLikeReply {
  statusCode?: number;
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
  // crypto-sessions' flag and token, as the Express adapter sets them.
  if (!fastify.hasRequestDecorator('isAuthenticated')) fastify.decorateRequest('isAuthenticated', false);
  if (!fastify.hasRequestDecorator('token')) fastify.decorateRequest('token', null);
  fastify.addHook('preHandler', async (req, reply) => {
    // Another plugin (a cookie session) set the property: say so (500 with this error), never
    // overwrite it. Checked before any verification work.
    const held = req[decorator];
    if (held !== null && held !== undefined && !(typeof held === 'object' && ours.has(held)))
      throw new SignedPropertyClashError(decorator);
    let verified: VerifiedRequest | null = null;
    try {
      const r = await core.verify({
        method: req.method,
        // The target Fastify routes on, as received (find-my-way decodes it only for matching).
        path: req.raw?.url ?? req.url,
        header: headerOf(req.headers),
        body: typeof req.body === 'string' || req.body instanceof Uint8Array ? req.body : null,
      });
      if (r.ok) verified = r.request;
      else if (r.error instanceof SignedServerFault) throw r.error;
    } catch (err) {
      // `authorize` or the replay store failed: Fastify's error handler answers 500, cause kept.
      if (err instanceof SignedServerFault) throw err;
    }
    if (!verified) {
      reply.code(401).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store');
      return reply.send(UNAUTHORIZED_MESSAGE);
    }
    const v = verified;
    ours.add(v.session);
    req[decorator] = v.session;
    req.isAuthenticated = true;
    req.token = requestToken(v.session);
    req.body = v.data;
    reply.secure = secureReplier(v, {
      write: (sealed) => writeFastify(reply, sealed),
      status: () => statusOr200(reply.statusCode),
      error: (err) => reply.send(err),
    });
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
  interface FastifyRequest {
    /** True once the `sealed-session/signed` plugin verified the request (crypto-sessions' flag). */
    isAuthenticated: boolean;
    /** Who signed the request (`sealed-session/signed`); null outside the plugin's scope. */
    token: RequestToken | null;
  }
  interface FastifyReply {
    /** Set by the `sealed-session/signed` plugin on verified requests. */
    secure: SecureSend<FastifyReply> | null;
  }
}
