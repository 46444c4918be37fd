// Issue 8, "signed path ≠ routed path": a signature made for one request target must verify for
// that exact target only — the raw string the framework routes on — and never for another spelling
// of it. Each adapter is attacked through its real request path: Express, Fastify and a Next.js
// pages handler on 127.0.0.1 sockets written with node:http (which sends the target byte for byte,
// unlike fetch or fastify.inject, which parse and normalise it), and the Web `Request` wrapper.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey, getPublicKey, SecureFetch } from '../../src/signed/index.js';
import {
  createExpressAuth,
  createNextAuth,
  createRequestVerifier,
  createSignedHandler,
  createSignedServer,
  fastifySigned,
  type SignedFailureReason,
} from '../../src/signed/server/index.js';

/** A request SecureFetch signed, as it would go on the wire. */
interface Signed {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string | null;
}

/** Signs a request for `url` with a fresh client key and captures it instead of sending it. */
async function sign(serverKey: string, url: string, init: RequestInit = {}): Promise<Signed> {
  let captured: Signed | null = null;
  const f = SecureFetch(await getPublicKey(serverKey), generateSecretKey('ed25519'), {
    fetcher: async (input, i) => {
      const req = new Request(input, i);
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const u = new URL(req.url);
      captured = {
        method: req.method,
        target: req.url.slice(u.origin.length),
        headers,
        body: req.body ? await req.text() : null,
      };
      return new Response('not sent');
    },
  });
  await f(url, init).catch(() => {});
  if (!captured) throw new Error('nothing was signed');
  return captured;
}

/** One raw HTTP/1.1 request: the target goes out exactly as given. */
function send(
  origin: string,
  s: Signed,
  target: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const r = request({ host: hostname, port, method: s.method, path: target, headers: s.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    r.on('error', reject);
    r.end(s.body ?? undefined);
  });
}

const servers: Server[] = [];
const fastifies: FastifyInstance[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const f of fastifies.splice(0)) await f.close();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<string> {
  const server = createServer(handler as never);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port that was free a moment ago (the Fastify plugin needs its origin before it listens). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Other spellings of `/admin`: each one some router or file server resolves, or could resolve, to it. */
const ATTACKS = [
  '/x/%2e%2e/admin',
  '/x/%2E%2E/admin',
  '/x/.%2e/admin',
  '/x/../admin',
  '/./admin',
  '/x/..%2fadmin',
  '/x%2f..%2fadmin',
  '/x\\..\\admin',
  '/x/%5c../admin',
  '//admin',
  '/admin/',
  '/admin;x',
  '/ADMIN',
  '/%61dmin',
  '/admin#x',
  '/admin?',
] as const;

/** Serves `/admin` behind the adapter under test and attacks it with every other spelling. */
async function attackAdapter(
  start: (key: string, onFailure: (r: SignedFailureReason) => void) => Promise<{ origin: string }>,
  ran: string[],
): Promise<void> {
  const key = generateSecretKey('ed25519');
  const failures: SignedFailureReason[] = [];
  const { origin } = await start(key, (r) => failures.push(r));
  const signed = await sign(key, `${origin}/admin`, { method: 'POST', body: 'transfer everything' });
  expect(signed.target).toBe('/admin');
  for (const target of ATTACKS) {
    const res = await send(origin, signed, target);
    expect(res.status, target).toBe(401);
    expect(res.body, target).toBe('Unauthorized');
  }
  expect(ran).toEqual([]);
  // Dot segments and encoded separators are refused as such, before any signature work.
  expect(failures.filter((f) => f === 'target').length).toBeGreaterThanOrEqual(9);
  expect(failures.every((f) => f === 'target' || f === 'signature')).toBe(true);
  // The same signed request on its own target still works: the refusals were about the target.
  const good = await send(origin, signed, '/admin');
  expect(good.status).toBe(200);
  expect(ran).toEqual(['/admin']);
}

describe('a signature for /admin verifies for /admin only', () => {
  it('Express (router, mounted or not)', async () => {
    const ran: string[] = [];
    await attackAdapter(async (key, onFailure) => {
      const app = express();
      let auth: ReturnType<typeof createExpressAuth> | null = null;
      app.use((req, res, next) => auth!(req, res, next));
      app.use((req, res) => {
        ran.push(req.url);
        void (res as unknown as { secure: { send(b: string): Promise<unknown> } }).secure.send('done');
      });
      const origin = await listen(app);
      auth = createExpressAuth({ key, origin, onFailure });
      return { origin };
    }, ran);
  });

  it('Express: a req.url rewritten before the middleware is refused, a mount prefix is not', async () => {
    const key = generateSecretKey('ed25519');
    const ran: string[] = [];
    const app = express();
    let auth: ReturnType<typeof createExpressAuth> | null = null;
    app.use('/public', (req, _res, next) => {
      if (req.url === '/rewrite') req.url = '/admin';
      next();
    });
    app.use('/api', (req, res, next) => auth!(req, res, next));
    app.use('/public', (req, res, next) => auth!(req, res, next));
    app.use((req, res) => {
      ran.push(req.originalUrl);
      void (res as unknown as { secure: { send(b: string): Promise<unknown> } }).secure.send('done');
    });
    const origin = await listen(app);
    auth = createExpressAuth({ key, origin });
    const mounted = await sign(key, `${origin}/api/admin?x=1`);
    expect((await send(origin, mounted, mounted.target)).status).toBe(200);
    const rewritten = await sign(key, `${origin}/public/rewrite`);
    expect((await send(origin, rewritten, rewritten.target)).status).toBe(401);
    expect(ran).toEqual(['/api/admin?x=1']);
  });

  it('Fastify (real socket: fastify.inject parses and normalises the target first)', async () => {
    const ran: string[] = [];
    await attackAdapter(async (key, onFailure) => {
      // A router as lenient as Fastify allows: each of these would route a variant to `/admin`.
      const fastify = Fastify({
        useSemicolonDelimiter: true,
        routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false },
      });
      fastifies.push(fastify);
      const port = await freePort();
      await fastify.register(async (scope) => {
        await scope.register(fastifySigned, { key, origin: `http://127.0.0.1:${port}`, onFailure });
        scope.all('/*', async (req, reply) => {
          ran.push(req.url);
          return reply.secure!.send('done');
        });
      });
      const address = await fastify.listen({ port, host: '127.0.0.1' });
      return { origin: address };
    }, ran);
  });

  it('Next.js pages API handler behind node:http', async () => {
    const ran: string[] = [];
    await attackAdapter(async (key, onFailure) => {
      let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
      const origin = await listen((req, res) => handler!(req, res));
      handler = createNextAuth({ key, origin, onFailure })((req, res) => {
        ran.push(req.url ?? '');
        return res.secure.send('done');
      }) as never;
      return { origin };
    }, ran);
  });

  it('Web Request handler: every spelling the Request keeps is refused', async () => {
    const key = generateSecretKey('ed25519');
    const origin = 'https://api.example.test';
    const failures: SignedFailureReason[] = [];
    const ran: string[] = [];
    const handler = createSignedHandler(
      { key, origin, onFailure: (r) => failures.push(r) },
      async (req, s) => {
        ran.push(req.url);
        return s.send('done');
      },
    );
    const signed = await sign(key, `${origin}/admin`, { method: 'POST', body: 'transfer everything' });
    const make = (target: string) =>
      new Request(origin + target, { method: 'POST', headers: signed.headers, body: signed.body });
    for (const target of ATTACKS) {
      const req = make(target);
      // The URL parser already removed dot segments and the fragment: the handler (and any router on
      // req.url) sees `/admin`, the target that was signed. Every other spelling reaches us as sent.
      if (req.url === `${origin}/admin`) continue;
      expect((await handler(req)).status, target).toBe(401);
    }
    expect(ran).toEqual([]);
    expect(failures.length).toBeGreaterThanOrEqual(8);
    expect((await handler(make('/admin'))).status).toBe(200);
  });

  it('createRequestVerifier checks the same raw target', async () => {
    const key = generateSecretKey('ed25519');
    const origin = 'https://api.example.test';
    const check = createRequestVerifier(origin);
    const signed = await sign(key, `${origin}/admin`);
    const incoming = (path: string) => ({
      method: signed.method,
      path,
      header: (n: string) => signed.headers[n],
      body: signed.body,
    });
    for (const target of ATTACKS) expect(await check(incoming(target)), target).toBe(false);
    expect(await check(incoming('/admin'))).toBe(true);
  });

  it('SecureFetch refuses to sign a target the server would refuse', async () => {
    const f = SecureFetch(await getPublicKey(generateSecretKey('ed25519')), generateSecretKey('ed25519'), {
      fetcher: () => new Response('never called'),
    });
    for (const url of ['https://a.test/files/a%2fb', 'https://a.test/a%2E', 'https://a.test/%5c'])
      await expect(f(url)).rejects.toThrow(/expected a URL whose path has no encoded dot/);
  });
});

describe('property: any change of the raw target is refused', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/);
  const target = fc
    .tuple(
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.option(fc.stringMatching(/^[a-z]{1,4}=[A-Za-z0-9]{0,6}$/)),
    )
    .map(([segs, q]) => `/${segs.join('/')}${q ? `?${q}` : ''}`);

  const hex = (c: string, upper: boolean) => {
    const h = c.charCodeAt(0).toString(16).padStart(2, '0');
    return `%${upper ? h.toUpperCase() : h}`;
  };
  /** Every kind of change the issue names, at position `at` of the target (whichever applies). */
  function mutations(t: string, at: number, upper: boolean): string[] {
    const q = t.indexOf('?');
    const path = q < 0 ? t : t.slice(0, q);
    const query = q < 0 ? '' : t.slice(q);
    const i = 1 + (at % (path.length - 1 || 1));
    const slashes = [...path].flatMap((c, k) => (c === '/' ? [k] : []));
    const s = slashes[at % slashes.length]!;
    const letters = [...t].flatMap((c, k) => (/[A-Za-z]/.test(c) ? [k] : []));
    const out = [
      // encoding one character (any character, reserved or not)
      path.slice(0, i) + hex(path[i] ?? '/', upper) + path.slice(i + 1) + query,
      `${hex('/', upper)}${path.slice(1)}${query}`,
      // dot segments, plain and encoded
      `${path.slice(0, s)}/.${path.slice(s)}${query}`,
      `${path.slice(0, s)}/x/..${path.slice(s)}${query}`,
      `${path.slice(0, s)}/x/${upper ? '%2E%2E' : '%2e%2e'}${path.slice(s)}${query}`,
      `${path}/..${query}`,
      // doubled and trailing slashes, backslashes
      `${path.slice(0, s)}/${path.slice(s)}${query}`,
      `${path}/${query}`,
      `${path.slice(0, s)}\\${path.slice(s + 1)}${query}`,
      // `;` parameters
      `${path};${upper ? 'A' : 'jsessionid=1'}${query}`,
      // a query added, removed or changed
      query ? path : `${path}?`,
      `${t}${query ? '&' : '?'}a=1`,
    ];
    if (letters.length > 0) {
      const k = letters[at % letters.length]!;
      const c = t[k]!;
      out.push(t.slice(0, k) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + t.slice(k + 1));
      out.push(t.slice(0, k) + hex(c, upper) + t.slice(k + 1));
    }
    return out.filter((m) => m !== t);
  }

  it('for every target and every change: refused; the original still verifies', async () => {
    const key = generateSecretKey('ed25519');
    const origin = 'https://api.example.test';
    const core = createSignedServer({ key, origin });
    await fc.assert(
      fc.asyncProperty(target, fc.nat(), fc.boolean(), async (t, at, upper) => {
        const signed = await sign(key, origin + t);
        if (signed.target !== t) return false;
        const incoming = (path: string) => ({
          method: signed.method,
          path,
          header: (n: string) => signed.headers[n],
          body: signed.body,
        });
        for (const m of mutations(t, at, upper)) if ((await core.verify(incoming(m))).ok) return false;
        return (await core.verify(incoming(t))).ok;
      }),
      { numRuns: 150 },
    );
  });
});
