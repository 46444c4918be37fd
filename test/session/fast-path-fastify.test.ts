// The Fastify drop-in registers @fastify/cookie for compatibility (as @fastify/secure-session does),
// but a request that never reads `request.cookies` must not pay for parsing every cookie (issue 11:
// "touch only our cookie"). The jar is parsed on first read, with the plugin's own parser, and
// behaves as before: same values (percent-decoded, as @fastify/cookie gives them), assignable,
// reset per request, visible in encapsulated plugins, and reply.setCookie/unsignCookie still work.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import plugin from '../../src/fastify/index.js';
import { generateKey } from '../../src/index.js';

const key = generateKey();
const HEADER = 'a=1; b=%41%20B; c="quoted"';

/** Counts reads of the raw `Cookie` header per request, installed before any plugin hook. */
async function app(
  options: Record<string, unknown> = {},
): Promise<{ f: FastifyInstance; reads: () => number }> {
  const f = Fastify();
  let reads = 0;
  f.addHook('onRequest', async (request) => {
    const headers = request.raw.headers;
    const value = headers.cookie;
    Object.defineProperty(headers, 'cookie', {
      configurable: true,
      enumerable: true,
      get: () => {
        reads++;
        return value;
      },
    });
  });
  await f.register(plugin, { key, ...options });
  f.get('/none', async () => ({ ok: true }));
  f.get('/jar', async (request) => ({ jar: request.cookies }));
  f.get('/session', async (request) => ({ u: request.session.get('u') ?? null }));
  return {
    f,
    reads: () => {
      const n = reads;
      reads = 0;
      return n;
    },
  };
}

describe('@fastify/cookie registered by the drop-in: the jar is parsed on first use only', () => {
  it('a route that touches neither request.cookies nor the session never reads the Cookie header', async () => {
    const { f, reads } = await app();
    const r = await f.inject({ url: '/none', headers: { cookie: HEADER } });
    expect(r.statusCode).toBe(200);
    expect(reads()).toBe(0);
    await f.inject({ url: '/session', headers: { cookie: HEADER } });
    expect(reads()).toBeGreaterThan(0); // the session reads it (raw, for our cookie only)
    await f.close();
  });

  it('request.cookies is the jar @fastify/cookie gives (its parser, decoded values)', async () => {
    const { f } = await app();
    const r = await f.inject({ url: '/jar', headers: { cookie: HEADER } });
    expect(r.json()).toEqual({ jar: f.parseCookie(HEADER) });
    expect(r.json().jar.b).toBe('A B');
    const empty = await f.inject({ url: '/jar' });
    expect(empty.json()).toEqual({ jar: {} });
    expect(f.hasRequestDecorator('cookies')).toBe(true);
    await f.close();
  });

  it('one jar per request: a mutation does not leak into the next request', async () => {
    const { f } = await app();
    f.get('/mutate', async (request) => {
      const jar = request.cookies as Record<string, string>;
      jar.injected = 'x';
      return { same: request.cookies === jar };
    });
    expect((await f.inject({ url: '/mutate', headers: { cookie: 'a=1' } })).json()).toEqual({ same: true });
    expect((await f.inject({ url: '/jar', headers: { cookie: 'a=1' } })).json()).toEqual({ jar: { a: '1' } });
    await f.close();
  });

  it('request.cookies can be assigned, and encapsulated plugins see the jar', async () => {
    const { f } = await app();
    f.get('/assign', async (request: FastifyRequest) => {
      (request as { cookies: Record<string, string> }).cookies = { z: '26' };
      return { jar: request.cookies };
    });
    await f.register(async (child) => {
      child.get('/child', async (request) => ({ jar: request.cookies }));
    });
    expect((await f.inject({ url: '/assign', headers: { cookie: 'a=1' } })).json()).toEqual({
      jar: { z: '26' },
    });
    expect((await f.inject({ url: '/child', headers: { cookie: 'a=1' } })).json()).toEqual({
      jar: { a: '1' },
    });
    await f.close();
  });

  it('reply.setCookie, signCookie/unsignCookie and the session cookie all still reach the response', async () => {
    const { f } = await app({ secret: undefined });
    f.get('/both', async (request, reply) => {
      request.session.set('u' as never, 'ada' as never);
      reply.setCookie('theme', 'dark', { path: '/' });
      const signed = reply.signCookie('v');
      return { unsigned: request.unsignCookie(signed).value };
    });
    const r = await f.inject({ url: '/both' });
    expect(r.json()).toEqual({ unsigned: 'v' });
    const names = ([] as string[]).concat(r.headers['set-cookie'] as string[]).map((l) => l.split('=')[0]);
    expect(names.sort()).toEqual(['session', 'theme']);
    await f.close();
  });

  it('an app that registered @fastify/cookie itself keeps its hook (nothing is changed)', async () => {
    const f = Fastify();
    const { default: cookie } = await import('@fastify/cookie');
    await f.register(cookie);
    await f.register(plugin, { key });
    let seen: unknown;
    f.addHook('preHandler', async (request) => {
      seen = Object.hasOwn(request, 'cookies') ? request.cookies : 'no own field';
    });
    f.get('/x', async () => 'ok');
    await f.inject({ url: '/x', headers: { cookie: 'a=1' } });
    expect(seen).toEqual({ a: '1' });
    await f.close();
  });
});
