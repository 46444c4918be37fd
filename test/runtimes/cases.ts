// The portable part of the runtime matrix: test cases over the public package (`sealed-session`,
// `sealed-session/web`, `sealed-session/signed/server`) and one fetch handler serving them plus real
// application routes. The same module is served by Bun (serve.bun.ts), Deno (serve.deno.ts) and
// workerd (worker.ts) on loopback and driven over HTTP by Vitest (driver.ts); node.test.ts runs the
// cases in Node too. It imports the package by its name, so each runtime resolves the export
// conditions it really uses (Bun and Deno: `node`; workerd: `workerd`/`worker`/default).
// The hostile inputs and vectors are the Node suite's own fixtures (test/support, test/adapters).

import { Hono } from 'hono';
import * as root from 'sealed-session';
import {
  COOKIE_BYTES,
  createKeyring,
  generateKey,
  open,
  SessionEngine,
  seal,
  TokenExpiredError,
  TokenInvalidError,
} from 'sealed-session';
import { generateSecretKey, getPublicKey, SecureFetch } from 'sealed-session/signed';
import { createSignedHandler, MemoryReplayCache } from 'sealed-session/signed/server';
import {
  CookieTooLargeError,
  createSessions,
  honoSession,
  MemoryRevocationStore,
  type SessionOptions,
} from 'sealed-session/web';
// alteredTokens() seals with the sources' copy of the core (test/support imports src/): its keyring
// must come from that copy too. Its tokens then open in the package, which is the point.
import { createKeyring as sourceKeyring } from '../../src/core/keyring.js';
import { cookieHeader, HOSTILE_HEADERS, hostileValues, jar } from '../adapters/express-web-support.js';
import { alteredTokens, HOSTILE_COOKIE_HEADERS, HOSTILE_STRINGS } from '../support/hostile.js';
import { KEY, VECTORS } from '../support/vectors.js';
import { eq, ok, throws } from './check.js';

/** What the servers are configured with (environment variables, or workerd text bindings). */
export interface RuntimeEnv {
  /** 32-byte session key, hex. */
  SESSION_KEY: string;
  /** The signed-request server's secret key (`ed25519:<hex>`). */
  SIGNED_KEY: string;
}

/** The origin the signed-request clients sign for; the servers listen on loopback under another host. */
export const SIGNED_ORIGIN = 'https://api.example.test';

/** The cookie budget of the served routes (three chunks): the chunking cases rely on it. */
export const MAX_COOKIES = 3;

interface Data {
  user: string;
  big: string;
  n: number;
}

const req = (j: Record<string, string> = {}) =>
  new Request('https://app.example/', { headers: { cookie: cookieHeader(j) } });

/** The cases, by name. Each throws on failure. */
export const cases: Record<string, () => void | Promise<void>> = {
  'token vectors sealed by Node open byte for byte'() {
    const ring = createKeyring(KEY);
    for (const v of VECTORS) {
      const opened = open(v.token, ring, { context: v.context, now: v.times.createdAt });
      eq(opened.value, v.value, `vector ${v.context}`);
      eq(opened.createdAt, v.times.createdAt, 'createdAt');
      eq(opened.expiresAt, v.times.expiresAt, 'expiresAt');
      eq(opened.idleExpiresAt, v.times.idleExpiresAt, 'idleExpiresAt');
      throws(() => open(v.token, ring, { context: `${v.context}!` }), TokenInvalidError, 'other context');
    }
  },

  'seal/open round trip, expiry, key rotation'() {
    const oldKey = generateKey();
    const oldRing = createKeyring(oldKey);
    const t = seal({ a: [1, 'é', null] }, oldRing, { context: 'c', maxAge: 60 });
    eq(open(t, oldRing, { context: 'c' }).value, { a: [1, 'é', null] }, 'round trip');
    const rotated = createKeyring([generateKey(), oldKey]);
    eq(open(t, rotated, { context: 'c' }).value, { a: [1, 'é', null] }, 'opened by the rotated ring');
    throws(() => open(t, createKeyring(generateKey()), { context: 'c' }), TokenInvalidError, 'other key');
    throws(() => open(t, oldRing, { context: 'c', now: Date.now() + 61_000 }), TokenExpiredError, 'expired');
  },

  'open() refuses every hostile string and altered token'() {
    const key = generateKey();
    const ring = createKeyring(key);
    for (const t of [...HOSTILE_STRINGS, ...alteredTokens(sourceKeyring(key), 'session')]) {
      throws(() => open(t, ring, { context: 'session' }), TokenInvalidError, JSON.stringify(t.slice(0, 40)));
    }
  },

  'the engine turns hostile Cookie headers into an empty session and logs a reason only'() {
    const key = generateKey();
    const lines: string[] = [];
    const engine = new SessionEngine({
      key,
      debug: (msg, detail) => lines.push(`${msg} ${JSON.stringify(detail)}`),
    });
    for (const h of [
      ...HOSTILE_COOKIE_HEADERS,
      ...HOSTILE_STRINGS.map((s) => `session=${s}`),
      ...alteredTokens(sourceKeyring(key), 'session').map((t) => `session=${t}`),
    ]) {
      const s = engine.load(h);
      eq(s.data(), {}, h.slice(0, 40));
      engine.commit(s);
    }
    ok(lines.length > 10, 'reasons logged');
    for (const line of lines)
      ok(
        /^sealed-session: no session from the cookie \{"session":"session","reason":"[a-z-]+"\}$/.test(line),
        line,
      );
  },

  'web: round trip through Request/Response, appending to existing Set-Cookie'() {
    return (async () => {
      const sessions = createSessions<Data>({ key: generateKey() });
      const s = await sessions.load(req());
      s.set('user', 'alice');
      const out = sessions.commit(s, new Response('ok', { headers: [['set-cookie', 'theme=dark']] }));
      const sc = out.headers.getSetCookie();
      eq(sc.length, 2, 'Set-Cookie count');
      eq(sc[0], 'theme=dark', 'existing Set-Cookie kept first');
      ok(
        /^session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/.test(sc[1] ?? ''),
        'cookie',
      );
      const back = await sessions.load(req(jar(sc)));
      eq(back.get('user'), 'alice', 'read back');
      eq(sessions.cookies(back), [], 'unchanged session writes nothing');
    })();
  },

  async 'web: an immutable Response.redirect is copied, not failed'() {
    const sessions = createSessions<Data>({ key: generateKey() });
    const s = await sessions.load(null);
    s.set('user', 'carol');
    // Immutable in Node, Deno and workerd (as the Fetch standard says); Bun lets them change.
    const redirect = Response.redirect('https://app.example/home', 303);
    const out = sessions.commit(s, redirect);
    eq(out.status, 303, 'status');
    eq(out.headers.get('location'), 'https://app.example/home', 'location');
    eq(out.headers.getSetCookie().length, 1, 'one Set-Cookie');
  },

  async 'web: chunks in and out, clears stale chunks; past the budget set() throws'() {
    const sessions = createSessions<Data>({ key: generateKey(), maxCookies: MAX_COOKIES });
    const s = await sessions.load(null);
    s.set('big', 'x'.repeat(7000));
    const sc = sessions.cookies(s);
    eq(sc.length, 3, 'chunks');
    for (const c of sc) ok(new TextEncoder().encode(c).length <= COOKIE_BYTES, 'a chunk fits one cookie');
    const j = jar(sc);
    const back = await sessions.load(req(j));
    eq(back.get('big')?.length, 7000, 'length read back');
    throws(() => back.set('big', 'y'.repeat(50_000)), CookieTooLargeError, 'over budget');
    back.set('big', 'small');
    const j2 = jar(sessions.cookies(back), j);
    eq(Object.keys(j2), ['session'], 'stale chunks cleared');
    eq((await sessions.load(req(j2))).get('big'), 'small', 'small read back');
  },

  async 'web: hostile cookies and headers give an empty session; debug gets a reason only'() {
    const key = generateKey();
    const seen: unknown[] = [];
    const sessions = createSessions<Data>({ key, debug: (...a) => seen.push(a) });
    const values = [...hostileValues(key, 'session'), { label: '70k', value: 'A'.repeat(70_000) }];
    for (const { label, value } of values) {
      const s = await sessions.load(req({ session: value }));
      eq(s.data(), {}, label);
      eq(sessions.cookies(s), [], label);
    }
    for (const header of HOSTILE_HEADERS) {
      const s = await sessions.load(new Request('https://app.example/', { headers: { cookie: header } }));
      eq(s.data(), {}, header);
    }
    const logged = JSON.stringify(seen);
    for (const { value } of values)
      if (value.length > 8) ok(!logged.includes(value.slice(0, 24)), 'no cookie value in the debug log');
  },

  async 'web: a destroyed session replayed later stays dead with a revocation store'() {
    const sessions = createSessions<Data>({ key: generateKey(), revocation: new MemoryRevocationStore() });
    const s = await sessions.load(null);
    s.set('user', 'frank');
    const j = jar(sessions.cookies(s));
    const out = await sessions.load(req(j));
    out.delete();
    ok(/^session=; Max-Age=0/.test(sessions.cookies(out)[0] ?? ''), 'deletion cookie');
    eq((await sessions.load(req(j))).data(), {}, 'replayed cookie');
  },

  async 'hono: login, read, chunk and logout through app.request()'() {
    const a = honoApp({ key: generateKey(), maxCookies: MAX_COOKIES });
    const login = await a.request('/login?user=alice', { method: 'POST' });
    const j = jar(login.headers.getSetCookie());
    const me = await a.request('/me', { headers: { cookie: cookieHeader(j) } });
    eq(await me.json(), { user: 'alice' }, '/me');
    eq(me.headers.getSetCookie(), [], 'read-only request writes no cookie');
    const big = await a.request('/big?n=7000', { method: 'POST', headers: { cookie: cookieHeader(j) } });
    const jb = jar(big.headers.getSetCookie(), j);
    eq(Object.keys(jb), ['session', 'session.1', 'session.2'], 'chunk cookies');
    eq(
      await (await a.request('/big', { headers: { cookie: cookieHeader(jb) } })).json(),
      { length: 7000 },
      '/big',
    );
    const out = await a.request('/logout', { method: 'POST', headers: { cookie: cookieHeader(jb) } });
    eq(Object.keys(jar(out.headers.getSetCookie(), jb)), [], 'logout clears every chunk');
  },

  async 'signed: a SecureFetch client and createSignedHandler, tampering refused'() {
    const key = generateSecretKey('ed25519');
    const failures: string[] = [];
    const handler = signedHandler(key, failures);
    let tamper = false;
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: SIGNED_ORIGIN,
      fetcher: async (input, init) => {
        const r = new Request(input, init);
        if (!tamper) return handler(r);
        return handler(new Request(r.url, { method: r.method, headers: r.headers, body: 'evil' }));
      },
    });
    eq((await f('/echo', { method: 'POST', body: 'hi' })).data, { got: 'hi', path: '/echo' }, 'echo');
    tamper = true;
    const refused = await f('/echo', { method: 'POST', body: 'hi' }).then(
      (r) => r.status,
      () => 401,
    );
    eq(refused, 401, 'tampered body');
    ok(failures.length === 1, `one failure recorded, got ${failures.join(',')}`);
  },
};

function honoApp(options: SessionOptions) {
  const a = new Hono().use(honoSession<Data>(options));
  a.post('/login', (c) => {
    const s = c.var.session;
    s.regenerate();
    s.set('user', c.req.query('user') ?? 'alice');
    return c.json({ id: s.id });
  });
  a.get('/me', (c) => c.json({ user: c.var.session.get('user') ?? null }));
  a.post('/logout', (c) => {
    c.var.session.delete();
    return c.body(null, 204);
  });
  a.post('/big', (c) => {
    c.var.session.set('big', 'x'.repeat(Number(c.req.query('n'))));
    return c.text('ok');
  });
  a.get('/big', (c) => c.json({ length: c.var.session.get('big')?.length ?? 0 }));
  return a;
}

function signedHandler(key: string, failures: string[]) {
  return createSignedHandler(
    { key, origin: SIGNED_ORIGIN, replayCache: new MemoryReplayCache(), onFailure: (r) => failures.push(r) },
    async (request, secure) => secure.json({ got: secure.data ?? null, path: new URL(request.url).pathname }),
  );
}

/** What the runtime resolved: whether the root entry is the Node one, and the AEAD it then uses. */
export function backendReport(): { nodeEntry: boolean; native: string | null } {
  // Read by name: a bundler warns on a named import the entry it resolved does not have.
  const use = Reflect.get(root, 'useNativeBackend') as (() => string) | undefined;
  return { nodeEntry: typeof use === 'function', native: use ? use() : null };
}

/**
 * The fetch handler every runtime serves:
 * - `GET /__runtime` the backend report; `GET /__cases` the case names; `POST /__cases/<name>` runs one;
 * - `/web/*` a plain `createSessions` app, `/hono/*` a Hono app, `/signed/*` a signed Web handler,
 *   all under `env`'s keys, for the driver's real HTTP requests.
 */
export function createApp(env: RuntimeEnv, runtime: string): (request: Request) => Promise<Response> {
  const options = { key: env.SESSION_KEY, maxCookies: MAX_COOKIES };
  const web = createSessions<Data>(options);
  const hono = honoApp(options);
  const signedFailures: string[] = [];
  const signed = signedHandler(env.SIGNED_KEY, signedFailures);
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === '/__runtime') return Response.json({ runtime, ...backendReport() });
    if (path === '/__cases') return Response.json(Object.keys(cases));
    if (path.startsWith('/__cases/') && request.method === 'POST') {
      const run = cases[decodeURIComponent(path.slice('/__cases/'.length))];
      if (!run) return Response.json({ ok: false, error: 'no such case' }, { status: 404 });
      try {
        await run();
        return Response.json({ ok: true });
      } catch (err) {
        const e = err as Error;
        return Response.json({ ok: false, error: `${e.name}: ${e.message}`, stack: e.stack ?? '' });
      }
    }
    if (path.startsWith('/web/')) {
      const s = await web.load(request);
      if (path === '/web/login' && request.method === 'POST') {
        s.regenerate();
        s.set('user', url.searchParams.get('user') ?? 'alice');
      } else if (path === '/web/count') {
        s.set('n', (s.get('n') ?? 0) + 1);
      } else if (path === '/web/big' && request.method === 'POST') {
        s.set('big', 'x'.repeat(Number(url.searchParams.get('n'))));
      } else if (path === '/web/logout' && request.method === 'POST') {
        s.delete();
      }
      const body = { user: s.get('user') ?? null, n: s.get('n') ?? null, big: s.get('big')?.length ?? 0 };
      return web.commit(s, Response.json(body));
    }
    if (path.startsWith('/hono/'))
      return hono.fetch(new Request(new URL(path.slice('/hono'.length) + url.search, url.origin), request));
    if (path.startsWith('/signed/')) return signed(request);
    if (path === '/__signed-failures') return Response.json(signedFailures);
    return new Response('not found', { status: 404 });
  };
}
