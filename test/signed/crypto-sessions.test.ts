// Issue 9, crypto-sessions habits: code written for @cmdcode/crypto-sessions runs unchanged. The
// server below is shaped like crypto-sessions' own test app (body parsers, then
// `app.use(useAuthWithExpress)`, handlers that check `req.isAuthenticated` and answer with
// `res.status(200).secure.send/json`), typed without casts; the client sends object bodies and an
// empty POST; `CryptoSession.encode()` returns `{ token, data }` with `token.encoded`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  CryptoSession,
  generateSecretKey,
  getPublicKey,
  SecureFetch,
  type SecureResponse,
  SignedResponseError,
} from '../../src/signed/index.js';
import {
  createExpressAuth,
  createNextAuth,
  createSignedHandler,
  fastifySigned,
  type RequestToken,
  useAuthWithExpress,
} from '../../src/signed/server/index.js';
import { fastifyFetcher } from './helpers.js';

const servers: Server[] = [];
const rejections: unknown[] = [];
const onRejection = (r: unknown) => rejections.push(r);
beforeEach(() => {
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  delete process.env.CRYPTO_SESSION_KEY;
  delete process.env.CRYPTO_SESSION_HOST;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<string> {
  const server = createServer(handler as never);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('crypto-sessions code runs as written', () => {
  it("its test app's routes, its client calls, typed without casts", async () => {
    const serverKey = generateSecretKey('secp256k1');
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(express.json({ limit: 1000 }));
    app.use(useAuthWithExpress);
    const tokens: RequestToken[] = [];
    app.get('/getSend', async (req: Request, res: Response) => {
      tokens.push(req.token);
      const { challenge } = req.query;
      return req.isAuthenticated ? res.status(200).secure.send(String(challenge)) : res.status(401).end();
    });
    app.post('/postSend', async (req: Request, res: Response) => {
      const { challenge } = req.body;
      return req.isAuthenticated ? res.secure.send(challenge) : res.status(401).end();
    });
    app.get('/getJson', async (req: Request, res: Response) =>
      req.isAuthenticated ? res.status(200).secure.json(req.query) : res.status(401).end(),
    );
    app.post('/postJson', async (req: Request, res: Response) =>
      req.isAuthenticated ? res.secure.json(req.body) : res.status(401).end(),
    );
    const origin = await listen(app);
    process.env.CRYPTO_SESSION_KEY = serverKey;
    process.env.CRYPTO_SESSION_HOST = origin;
    const peerKey = await getPublicKey(serverKey);
    const clientKey = crypto.getRandomValues(new Uint8Array(32));
    const simpleFetch = new SecureFetch(peerKey, clientKey);
    const customFetch = new SecureFetch(peerKey, crypto.getRandomValues(new Uint8Array(32)), {
      hostname: origin,
    });
    const challenge = 'c0ffee';
    const a = await simpleFetch(`${origin}/getSend?challenge=${challenge}`);
    expect(a.data).toBe(challenge);
    expect(tokens[0]!.pubkey).toBe(await getPublicKey(clientKey));
    expect(tokens[0]!.issuedBy(await getPublicKey(clientKey))).toBe(true);
    const b = await simpleFetch(`${origin}/postSend`, { method: 'POST', body: { challenge } });
    expect(b.data).toBe(challenge);
    expect((await customFetch(`/getJson?challenge=${challenge}`)).data).toEqual({ challenge });
    expect((await customFetch('/postJson', { method: 'POST', body: { challenge } })).data).toEqual({
      challenge,
    });
    // An empty POST: req.body is {} (as Express 4's parsers leave it), nothing crashes.
    const empty = await customFetch('/postJson', { method: 'POST' });
    expect(empty.ok).toBe(true);
    expect(empty.data).toEqual({});
    expect(empty.url).toBe(`${origin}/postJson`);
    expect(rejections).toEqual([]);
  });

  it('an async Express 4-style handler on an empty POST: no throw, no unhandled rejection', async () => {
    const key = generateSecretKey('ed25519');
    let auth: ReturnType<typeof createExpressAuth> | null = null;
    let answered = 0;
    // Express 4 drops the promise a handler returns; so does this server.
    const origin = await listen((req, res) => {
      void auth!(req as never, res as never, () => {
        const handler = async () => {
          const { challenge } = (req as unknown as { body: { challenge?: string } }).body;
          await (res as unknown as Response).secure.json(challenge);
          answered++;
        };
        handler();
      });
    });
    auth = createExpressAuth({ key, origin });
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), { hostname: origin });
    const res = await f('/x', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.data).toBeUndefined();
    // A sentinel request after the first: its answer comes after any rejection of the first would.
    await f('/x', { method: 'POST' });
    expect(answered).toBe(2);
    expect(rejections).toEqual([]);
  });

  it('res.secure errors go to next(err), never an unhandled rejection', async () => {
    const key = generateSecretKey('ed25519');
    const app = express();
    let auth: ReturnType<typeof createExpressAuth> | null = null;
    const errors: unknown[] = [];
    app.use((req, res, next) => auth!(req, res, next));
    app.get('/x', (_req, res) => {
      void res.secure.json({ a: 1 }, 99); // not an HTTP status
    });
    app.use((err: unknown, _req: Request, res: Response, _next: () => void) => {
      errors.push(err);
      res.status(500).end();
    });
    const origin = await listen(app);
    auth = createExpressAuth({ key, origin });
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), { hostname: origin });
    await expect(f('/x')).rejects.toMatchObject({ status: 500 });
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(rejections).toEqual([]);
  });

  it('CryptoSession.encode() returns { token, data } with token.encoded (payload kept as an alias)', async () => {
    const clientKey = generateSecretKey('secp256k1');
    const serverKey = generateSecretKey('secp256k1');
    const client = new CryptoSession(await getPublicKey(serverKey), clientKey);
    const server = new CryptoSession(await getPublicKey(clientKey), serverKey);
    const { token, data, payload } = await client.encode({ client: 'ping!' });
    expect(payload).toBe(data);
    expect(token.encoded).toMatch(/^1\.[0-9a-f]{64}\.[A-Za-z0-9_-]+$/);
    expect(String(token)).toBe(token.encoded);
    expect(token.pubkey).toBe(await getPublicKey(clientKey));
    expect(await server.decode(token, data)).toEqual({ data: { client: 'ping!' }, isValid: true });
    expect(await server.decode(token.encoded, data)).toEqual({ data: { client: 'ping!' }, isValid: true });
    expect((await server.decode({ encoded: `${token.encoded}x` }, data)).isValid).toBe(false);
  });

  it('a bad reply throws (never data); crypto-sessions set res.err and left data empty', async () => {
    const key = generateSecretKey('ed25519');
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      fetcher: () =>
        new Response(JSON.stringify({ forged: true }), { headers: { 'content-type': 'application/json' } }),
    });
    const err = await f('https://a.test/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignedResponseError);
    expect(err).not.toHaveProperty('data');
  });
});

// crypto-sessions' handlers read `req.isAuthenticated` and `req.token`: every adapter gives them,
// typed, not only Express and node:http.
describe('every adapter exposes the authenticated flag and the token, typed', () => {
  it('Fastify: request.isAuthenticated and request.token', async () => {
    const key = generateSecretKey('ed25519');
    const client = generateSecretKey('ed25519');
    const clientPublic = await getPublicKey(client);
    const app = Fastify();
    const seen: Array<{ ok: boolean; mine: boolean | undefined; created: number | undefined }> = [];
    await app.register(async (scope) => {
      await scope.register(fastifySigned, { key, origin: 'http://localhost' });
      scope.get('/me', async (req, reply) => {
        expectTypeOf(req.isAuthenticated).toEqualTypeOf<boolean>();
        expectTypeOf(req.token).toEqualTypeOf<RequestToken | null>();
        seen.push({
          ok: req.isAuthenticated,
          mine: req.token?.issuedBy(clientPublic),
          created: req.token?.created,
        });
        return reply.secure!.json({ pubkey: req.token?.pubkey ?? null });
      });
    });
    const f = SecureFetch(await getPublicKey(key), client, {
      hostname: 'http://localhost',
      fetcher: fastifyFetcher(app),
    });
    expect((await f('/me')).data).toEqual({ pubkey: clientPublic });
    expect(seen).toEqual([{ ok: true, mine: true, created: expect.any(Number) }]);
    expect((await app.inject({ url: '/me' })).statusCode).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('Next.js pages: req.isAuthenticated and req.token in the handler', async () => {
    const key = generateSecretKey('ed25519');
    const client = generateSecretKey('p256');
    const clientPublic = await getPublicKey(client);
    const seen: Array<{ ok: boolean; mine: boolean }> = [];
    const handler = createNextAuth({ key, origin: 'http://127.0.0.1' })((req, res) => {
      expectTypeOf(req.isAuthenticated).toEqualTypeOf<true>();
      expectTypeOf(req.token).toEqualTypeOf<RequestToken>();
      seen.push({ ok: req.isAuthenticated, mine: req.token.issuedBy(clientPublic) });
      void res.secure.json({ pubkey: req.token.pubkey });
    });
    const origin = await listen((req, res) => handler(req as never, res as never));
    const f = SecureFetch(await getPublicKey(key), client, {
      fetcher: (i, n) => fetch(String(i).replace('http://127.0.0.1', origin), n),
      hostname: 'http://127.0.0.1',
    });
    expect((await f('/api/me')).data).toEqual({ pubkey: clientPublic });
    expect(seen).toEqual([{ ok: true, mine: true }]);
  });

  it('Web handler: secure.isAuthenticated and secure.token', async () => {
    const key = generateSecretKey('ed25519');
    const client = generateSecretKey('secp256k1');
    const clientPublic = await getPublicKey(client);
    const seen: Array<{ ok: boolean; mine: boolean; nonce: string }> = [];
    const handler = createSignedHandler({ key, origin: 'https://api.example.test' }, async (_req, secure) => {
      expectTypeOf(secure.isAuthenticated).toEqualTypeOf<true>();
      expectTypeOf(secure.token).toEqualTypeOf<RequestToken>();
      seen.push({
        ok: secure.isAuthenticated,
        mine: secure.token.issuedBy(clientPublic),
        nonce: secure.token.nonce,
      });
      return secure.json({ pubkey: secure.token.pubkey });
    });
    const f = SecureFetch(await getPublicKey(key), client, {
      hostname: 'https://api.example.test',
      fetcher: (i, n) => handler(new Request(i, n)),
    });
    expect((await f('/me')).data).toEqual({ pubkey: clientPublic });
    expect(seen).toEqual([{ ok: true, mine: true, nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) }]);
  });
});

it("SecureResponse.err is typed (crypto-sessions' checkResponse compiles) and never set: a bad reply throws", async () => {
  const key = generateSecretKey('ed25519');
  const handler = createSignedHandler({ key, origin: 'https://api.example.test' }, async (_r, secure) =>
    secure.send('ok'),
  );
  const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
    hostname: 'https://api.example.test',
    fetcher: (i, n) => handler(new Request(i, n)),
  });
  const res: SecureResponse = await f('/x');
  // crypto-sessions' own test helper, verbatim in substance.
  const problems: unknown[] = [];
  if (!res.ok || res.err !== undefined) problems.push(res.err);
  expectTypeOf(res.err).toEqualTypeOf<undefined>();
  expect(problems).toEqual([]);
  expect('err' in res).toBe(false);
  expect(res.data).toBe('ok');
});
