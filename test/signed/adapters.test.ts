// Every adapter through its real request path: Express on a real 127.0.0.1 socket, Fastify via
// inject, a Next.js pages-style handler behind node:http (with and without a body parser), the
// App Router / Web wrapper, and the environment-configured crypto-sessions entry points.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey, getPublicKey, SecureFetch, SignedResponseError } from '../../src/signed/index.js';
import {
  createExpressAuth,
  createNextAuth,
  createSignedHandler,
  fastifySigned,
  type PeerSession,
  useAuthWithExpress,
  useAuthWithNext,
  useAuthWithRoute,
} from '../../src/signed/server/index.js';
import { fastifyFetcher } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<string> {
  const server = createServer(handler as never);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Express (real server on 127.0.0.1)', () => {
  it('verifies, decrypts into req.body, exposes req.session and signs res.secure replies', async () => {
    const key = generateSecretKey('ed25519');
    const app = express();
    let ran = 0;
    let auth: ReturnType<typeof createExpressAuth> | null = null;
    app.use(express.json());
    app.use((req, res, next) => auth!(req, res, next));
    app.post('/notes', (req, res) => {
      ran++;
      const r = res as unknown as { secure: { json(v: unknown, s?: number): Promise<unknown> } };
      void r.secure.json(
        { got: req.body, by: (req as unknown as { session: PeerSession }).session.peerKey },
        201,
      );
    });
    const origin = await listen(app);
    auth = createExpressAuth({ key, origin });
    const client = generateSecretKey('p256');
    const f = SecureFetch(await getPublicKey(key), client, { hostname: origin });
    const res = await f('/notes', {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.data).toEqual({ got: { a: 1 }, by: await getPublicKey(client) });
    // An unsigned request: 401, fixed message, handler never ran again.
    const plain = await fetch(`${origin}/notes`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(plain.status).toBe(401);
    expect(await plain.text()).toBe('Unauthorized');
    // A SecureFetch talking to this server with a wrong server key throws on the 401.
    const wrong = SecureFetch(await getPublicKey(generateSecretKey('ed25519')), client, { hostname: origin });
    await expect(wrong('/notes', { method: 'POST', body: '1' })).rejects.toBeInstanceOf(SignedResponseError);
    expect(ran).toBe(1);
  });

  it('app.use(useAuthWithExpress) works as is from CRYPTO_SESSION_KEY / CRYPTO_SESSION_HOST', async () => {
    const key = generateSecretKey('secp256k1');
    const app = express();
    app.use(useAuthWithExpress);
    app.get('/hello', (req, res) => {
      const r = res as unknown as { secure: { json(v: unknown): Promise<unknown> } };
      void r.secure.json({ message: `Hello ${String(req.query.name)}!` });
    });
    const origin = await listen(app);
    process.env.CRYPTO_SESSION_KEY = key;
    process.env.CRYPTO_SESSION_HOST = origin;
    try {
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('secp256k1'), { hostname: origin });
      expect((await f('/hello?name=world')).data).toEqual({ message: 'Hello world!' });
    } finally {
      delete process.env.CRYPTO_SESSION_KEY;
      delete process.env.CRYPTO_SESSION_HOST;
    }
  });
});

describe('Fastify plugin (inject)', () => {
  async function app(decorator?: string) {
    const key = generateSecretKey('ed25519');
    const fastify = Fastify();
    let ran = 0;
    await fastify.register(async (scope) => {
      await scope.register(fastifySigned, {
        key,
        origin: 'http://localhost',
        ...(decorator ? { decorator } : {}),
      });
      scope.all('/api/*', async (req, reply) => {
        ran++;
        const peer = (req as unknown as Record<string, PeerSession>)[decorator ?? 'session']!;
        return reply.secure!.json({ method: req.method, body: req.body ?? null, peer: peer.peerKey });
      });
    });
    fastify.get('/public', async () => 'open');
    const client = generateSecretKey('ed25519');
    const f = SecureFetch(await getPublicKey(key), client, {
      hostname: 'http://localhost',
      fetcher: fastifyFetcher(fastify),
    });
    return { fastify, f, client, ran: () => ran };
  }

  it('verifies every method, decrypts the body, and signs the reply', async () => {
    const { fastify, f, client, ran } = await app();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await f(
        '/api/x',
        method === 'GET'
          ? {}
          : { method, body: JSON.stringify({ m: method }), headers: { 'content-type': 'application/json' } },
      );
      expect(res.data).toEqual({
        method,
        body: method === 'GET' ? null : { m: method },
        peer: await getPublicKey(client),
      });
    }
    const bare = await fastify.inject({ method: 'POST', url: '/api/x', payload: { a: 1 } });
    expect(bare.statusCode).toBe(401);
    expect(bare.body).toBe('Unauthorized');
    expect((await fastify.inject({ url: '/public' })).body).toBe('open');
    expect(ran()).toBe(5);
  });

  it('can be registered in two scopes of one app', async () => {
    const fastify = Fastify();
    for (const prefix of ['/a', '/b'])
      await fastify.register(
        async (scope) => {
          await scope.register(fastifySigned, {
            key: generateSecretKey('ed25519'),
            origin: 'http://localhost',
          });
          scope.get('/x', async (_req, reply) => reply.secure!.json({ prefix }));
        },
        { prefix },
      );
    await fastify.ready();
    expect((await fastify.inject({ url: '/a/x' })).statusCode).toBe(401);
    expect((await fastify.inject({ url: '/b/x' })).statusCode).toBe(401);
  });

  it('a replayed request is refused before the route handler', async () => {
    const { fastify, f, ran } = await app('peer');
    await f('/api/x');
    expect(ran()).toBe(1);
    // Capture a signed request by building it and replaying it twice through inject.
    let captured: { url: string; headers: Record<string, string> } | null = null;
    const key = (await fastify.inject({ url: '/public' })).body;
    expect(key).toBe('open');
    const g = SecureFetch((f as unknown as { serverKey: string }).serverKey, generateSecretKey('ed25519'), {
      hostname: 'http://localhost',
      fetcher: async (input, init) => {
        const req = new Request(input, init);
        const headers: Record<string, string> = {};
        req.headers.forEach((v, k) => {
          headers[k] = v;
        });
        captured = { url: new URL(req.url).pathname, headers };
        const r = await fastify.inject({ method: 'GET', url: captured.url, headers });
        return new Response(r.body, { status: r.statusCode, headers: r.headers as Record<string, string> });
      },
    });
    await g('/api/y');
    const c = captured as unknown as { url: string; headers: Record<string, string> };
    const replay = await fastify.inject({ method: 'GET', url: c.url, headers: c.headers });
    expect(replay.statusCode).toBe(401);
    expect(ran()).toBe(2);
  });
});

describe('Next.js pages API', () => {
  it('createNextAuth: handler runs only for verified requests; works with and without a body parser', async () => {
    const key = generateSecretKey('ed25519');
    let ran = 0;
    const handler = createNextAuth({ key, origin: 'http://127.0.0.1' })((req, res) => {
      ran++;
      void res.secure.json({ body: req.body ?? null, peer: req.session.peerKey });
    });
    // Next's default parser hands the handler a string body for unknown content types.
    let preParse = false;
    const origin = await listen(async (req, res) => {
      if (preParse) {
        let text = '';
        for await (const c of req) text += c;
        (req as unknown as { body: string }).body = text;
      }
      await handler(req as never, res as never);
    });
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      fetcher: (i, n) => fetch(String(i).replace('http://127.0.0.1', origin), n),
      hostname: 'http://127.0.0.1',
    });
    expect((await f('/api/a', { method: 'POST', body: 'one' })).data).toMatchObject({ body: 'one' });
    preParse = true;
    expect((await f('/api/a', { method: 'POST', body: 'two' })).data).toMatchObject({ body: 'two' });
    const bad = await fetch(`${origin}/api/a`, { method: 'POST', body: 'x' });
    expect(bad.status).toBe(401);
    expect(ran).toBe(2);
  });

  it('useAuthWithNext never runs the handler when verification fails (crypto-sessions ran it)', async () => {
    const key = generateSecretKey('ed25519');
    process.env.CRYPTO_SESSION_KEY = key;
    let ran = 0;
    const origin = await listen(
      useAuthWithNext((_req, res) => {
        ran++;
        void res.secure.json({ ok: true });
      }) as never,
    );
    process.env.CRYPTO_SESSION_HOST = origin;
    try {
      const res = await fetch(`${origin}/api/x`);
      expect(res.status).toBe(401);
      expect(ran).toBe(0);
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), { hostname: origin });
      expect((await f('/api/x')).data).toEqual({ ok: true });
      expect(ran).toBe(1);
    } finally {
      delete process.env.CRYPTO_SESSION_KEY;
      delete process.env.CRYPTO_SESSION_HOST;
    }
  });

  it('a missing environment fails closed with 401', async () => {
    let ran = 0;
    const origin = await listen(useAuthWithNext(() => void ran++) as never);
    expect((await fetch(`${origin}/x`)).status).toBe(401);
    expect(ran).toBe(0);
  });
});

describe('Web Request handlers (Next.js App Router, Hono, Workers)', () => {
  it('useAuthWithRoute reads the environment; createSignedHandler takes options', async () => {
    const key = generateSecretKey('p256');
    process.env.CRYPTO_SESSION_KEY = key;
    process.env.CRYPTO_SESSION_HOST = 'https://app.example.test';
    try {
      let ran = 0;
      const GET = useAuthWithRoute(async (_req, secure, ctx: { params: { id: string } }) => {
        ran++;
        return secure.json({ id: ctx.params.id, peer: secure.session.peerKey });
      });
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
        hostname: 'https://app.example.test',
        fetcher: (i, n) => GET(new Request(i, n), { params: { id: '42' } }),
      });
      expect((await f('/items/42')).data).toMatchObject({ id: '42' });
      expect(
        (await GET(new Request('https://app.example.test/items/42'), { params: { id: '42' } })).status,
      ).toBe(401);
      expect(ran).toBe(1);
    } finally {
      delete process.env.CRYPTO_SESSION_KEY;
      delete process.env.CRYPTO_SESSION_HOST;
    }
  });

  it('works inside Hono through c.req.raw', async () => {
    const { Hono } = await import('hono');
    const key = generateSecretKey('ed25519');
    const signedRoute = createSignedHandler({ key, origin: 'https://hono.test' }, async (_req, secure) =>
      secure.json({ via: 'hono', got: secure.data ?? null }),
    );
    const app = new Hono();
    app.post('/api/echo', (c) => signedRoute(c.req.raw));
    app.get('/health', (c) => c.text('ok'));
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: 'https://hono.test',
      fetcher: (i, n) => app.fetch(new Request(i, n)),
    });
    expect((await f('/api/echo', { method: 'POST', body: 'hi' })).data).toEqual({ via: 'hono', got: 'hi' });
    expect(
      (await app.fetch(new Request('https://hono.test/api/echo', { method: 'POST', body: 'hi' }))).status,
    ).toBe(401);
    expect(await (await app.fetch(new Request('https://hono.test/health'))).text()).toBe('ok');
  });

  it('an oversized streamed body is refused without buffering it, and the handler never runs', async () => {
    let ran = 0;
    const handler = createSignedHandler(
      { key: generateSecretKey('ed25519'), origin: 'https://a.test', maxBodySize: 1024 },
      async () => {
        ran++;
        return new Response('x');
      },
    );
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        if (pulled > 1000) c.close();
        else c.enqueue(new Uint8Array(512));
      },
    });
    const res = await handler(
      new Request('https://a.test/x', { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
    );
    expect(res.status).toBe(401);
    expect(pulled).toBeLessThan(10);
    expect(ran).toBe(0);
  });

  it('options are validated once, at construction', () => {
    expect(() =>
      createSignedHandler({ key: 'nope', origin: 'https://a.test' }, async () => new Response()),
    ).toThrow(/expected a secret key/);
    expect(() =>
      createSignedHandler(
        { key: generateSecretKey(), origin: 'https://a.test/path' },
        async () => new Response(),
      ),
    ).toThrow(/origin/);
    expect(() =>
      createSignedHandler(
        { key: generateSecretKey(), origin: 'https://a.test', maxSkew: -1 },
        async () => new Response(),
      ),
    ).toThrow(RangeError);
  });
});
