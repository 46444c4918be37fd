// Issue 8, "loud instead of silent": the signed middleware must not overwrite a session another
// middleware set, and an error thrown by the application's own `authorize` hook or replay store is
// a server error with its cause — passed to Express's next(err), a 500 in Fastify, rethrown from a
// Web handler — never a `malformed` 401.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import cookieSession from 'cookie-session';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey, getPublicKey, SecureFetch, SignedResponseError } from '../../src/signed/index.js';
import {
  createExpressAuth,
  createSignedHandler,
  fastifySigned,
  type PeerSession,
  type SignedFailureReason,
  SignedPropertyClashError,
  SignedServerFault,
  type SignedServerOptions,
} from '../../src/signed/server/index.js';
import { fastifyFetcher } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** An Express app: cookie-session (optional), the signed middleware, a route, an error handler. */
async function expressApp(
  options: Partial<SignedServerOptions> & { property?: string },
  withCookieSession: boolean,
) {
  const key = generateSecretKey('ed25519');
  const errors: unknown[] = [];
  const seen: { session?: unknown; peer?: unknown }[] = [];
  const app = express();
  if (withCookieSession) app.use(cookieSession({ name: 's', keys: ['k'.repeat(32)] }));
  let auth: ReturnType<typeof createExpressAuth> | null = null;
  app.use((req, res, next) => auth!(req, res, next));
  app.get('/me', (req, res) => {
    const r = req as unknown as Record<string, unknown>;
    seen.push({ session: r.session, peer: r.peer });
    void res.secure.json({ ok: true });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(500).end();
  };
  app.use(onError);
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = createExpressAuth({ key, origin, ...options });
  const client = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), { hostname: origin });
  return { client, errors, seen };
}

describe('a session another middleware set is never overwritten', () => {
  it('Express after cookie-session: next(err) with SignedPropertyClashError, the handler never runs', async () => {
    const { client, errors, seen } = await expressApp({}, true);
    const err = await client('/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignedResponseError);
    expect((err as SignedResponseError).status).toBe(500);
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SignedPropertyClashError);
    expect((errors[0] as SignedPropertyClashError).code).toBe('ERR_SIGNED_PROPERTY_CLASH');
    expect((errors[0] as Error).message).toMatch(/req\.session is already set.*property: 'peer'/);
  });

  it("Express with property: 'peer': req.peer is the signer, req.session stays cookie-session's", async () => {
    const { client, errors, seen } = await expressApp({ property: 'peer' }, true);
    expect((await client('/me')).data).toEqual({ ok: true });
    expect(errors).toEqual([]);
    expect((seen[0]!.peer as PeerSession).peerKey).toMatch(/^ed25519:/);
    expect(seen[0]!.session).toMatchObject({ isNew: true });
  });

  it('Express without another session middleware keeps req.session (crypto-sessions compatible)', async () => {
    const { client, seen } = await expressApp({}, false);
    expect((await client('/me')).data).toEqual({ ok: true });
    expect((seen[0]!.session as PeerSession).peerKey).toMatch(/^ed25519:/);
  });

  it('a property that is not a name is refused when the middleware is built', () => {
    const key = generateSecretKey('ed25519');
    expect(() => createExpressAuth({ key, origin: 'https://a.test', property: '' })).toThrow(TypeError);
    expect(() => createExpressAuth({ key, origin: 'https://a.test', property: '__proto__' })).toThrow(
      TypeError,
    );
  });

  it('Fastify: a request decorator another plugin filled is refused with a 500, not overwritten', async () => {
    const key = generateSecretKey('ed25519');
    const fastify = Fastify();
    await fastify.register(
      fp(async (f) => {
        f.decorateRequest('session', null as never);
        f.addHook('onRequest', async (req) => {
          (req as unknown as { session: unknown }).session = { cookie: 'theirs' };
        });
      }),
    );
    let ran = 0;
    let caught: unknown = null;
    fastify.setErrorHandler((err, _req, reply) => {
      caught = err;
      return reply.code(500).send('error');
    });
    await fastify.register(fastifySigned, { key, origin: 'http://localhost' });
    fastify.get('/me', async (_req, reply) => {
      ran++;
      return reply.secure!.json({ ok: true });
    });
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: 'http://localhost',
      fetcher: fastifyFetcher(fastify),
    });
    await expect(f('/me')).rejects.toMatchObject({ status: 500 });
    expect(ran).toBe(0);
    expect(caught).toBeInstanceOf(SignedPropertyClashError);
  });
});

describe("errors of the application's own code keep their cause and are server errors", () => {
  const boom = new Error('database down');

  for (const [what, options] of [
    ['authorize', { authorize: () => Promise.reject(boom) }],
    [
      'store',
      {
        replayCache: {
          add: () => {
            throw boom;
          },
        },
      },
    ],
  ] as const) {
    it(`Express: a throwing ${what} goes to next(err) as SignedServerFault with the cause`, async () => {
      const failures: [SignedFailureReason, unknown][] = [];
      const { client, errors, seen } = await expressApp(
        { ...options, onFailure: (r, cause) => failures.push([r, cause]) },
        false,
      );
      await expect(client('/me')).rejects.toMatchObject({ status: 500 });
      expect(seen).toEqual([]);
      expect(errors).toHaveLength(1);
      const err = errors[0] as SignedServerFault;
      expect(err).toBeInstanceOf(SignedServerFault);
      expect(err.code).toBe('ERR_SIGNED_SERVER_FAULT');
      expect(err.reason).toBe(what);
      expect(err.cause).toBe(boom);
      expect(failures).toEqual([[what, boom]]);
    });

    it(`Fastify: a throwing ${what} is a 500 through the error handler, cause kept`, async () => {
      const key = generateSecretKey('ed25519');
      const fastify = Fastify();
      let caught: unknown = null;
      fastify.setErrorHandler((err, _req, reply) => {
        caught = err;
        return reply.code(500).send('error');
      });
      await fastify.register(fastifySigned, { key, origin: 'http://localhost', ...options });
      fastify.get('/me', async (_req, reply) => reply.secure!.json({ ok: true }));
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
        hostname: 'http://localhost',
        fetcher: async (input, init) => {
          const req = new Request(input, init);
          const headers: Record<string, string> = {};
          req.headers.forEach((v, k) => {
            headers[k] = v;
          });
          const r = await fastify.inject({ method: 'GET', url: '/me', headers });
          return new Response(r.body, { status: r.statusCode });
        },
      });
      await expect(f('/me')).rejects.toMatchObject({ status: 500 });
      expect(caught).toBeInstanceOf(SignedServerFault);
      expect((caught as SignedServerFault).cause).toBe(boom);
    });

    it(`Web: a throwing ${what} is rethrown from the handler (the runtime answers 500)`, async () => {
      const key = generateSecretKey('ed25519');
      const handler = createSignedHandler({ key, origin: 'https://a.test', ...options }, async (_r, s) =>
        s.json({ ok: true }),
      );
      let thrown: unknown = null;
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
        hostname: 'https://a.test',
        fetcher: async (input, init) => {
          try {
            return await handler(new Request(input, init));
          } catch (err) {
            thrown = err;
            return new Response(null, { status: 500 });
          }
        },
      });
      await expect(f('/me')).rejects.toMatchObject({ status: 500 });
      expect(thrown).toBeInstanceOf(SignedServerFault);
      expect((thrown as SignedServerFault).reason).toBe(what);
      expect((thrown as SignedServerFault).cause).toBe(boom);
    });
  }

  it('authorize returning false is still a plain 401 (reason key)', async () => {
    const failures: SignedFailureReason[] = [];
    const { client, errors } = await expressApp(
      { authorize: () => false, onFailure: (r) => failures.push(r) },
      false,
    );
    await expect(client('/me')).rejects.toMatchObject({ status: 401 });
    expect(errors).toEqual([]);
    expect(failures).toEqual(['key']);
  });
});
