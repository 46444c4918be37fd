// sealed-session/web's Hono middleware through Hono's own request path (app.request()).
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { generateKey } from '../../src/index.js';
import {
  honoSession,
  MemoryRevocationStore,
  type Session,
  type SessionData,
  type SessionOptions,
} from '../../src/web/index.js';
import { cookieHeader, HOSTILE_HEADERS, hostileValues, jar } from './express-web-support.js';

interface Data {
  user: string;
  big: string;
}

const key = generateKey();

function app(options: SessionOptions) {
  const a = new Hono().use(honoSession<Data>(options));
  a.post('/login', (c) => {
    const s = c.var.session;
    s.regenerate();
    s.set('user', c.req.query('user') ?? 'alice');
    return c.json({ id: s.id });
  });
  a.get('/me', (c) => c.json({ user: c.var.session.get('user') ?? null, id: c.var.session.id }));
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

interface App {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

async function call(a: App, path: string, j: Record<string, string> = {}, method = 'GET') {
  const r = await a.request(path, { method, headers: { cookie: cookieHeader(j) } });
  const setCookie = r.headers.getSetCookie();
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, body, setCookie, jar: jar(setCookie, j) };
}

describe('sealed-session/web: honoSession', () => {
  it('types c.get("session") via ContextVariableMap and c.var via the middleware generic', async () => {
    const plain = new Hono().use(honoSession({ key }));
    plain.get('/', (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<SessionData>>();
      return c.json({ isSession: typeof c.get('session').set === 'function' });
    });
    const a = new Hono().use(honoSession<Data, 'cart'>({ key, sessionName: 'cart' }));
    a.get('/', (c) => {
      expectTypeOf(c.var.cart).toEqualTypeOf<Session<Data>>();
      c.var.cart.set('user', 'carol');
      return c.json({ user: c.var.cart.get('user') });
    });
    // The handlers run: what the types promise is there at run time too.
    expect(await (await plain.request('/')).json()).toEqual({ isSession: true });
    expect(await (await a.request('/')).json()).toEqual({ user: 'carol' });
  });

  it('round-trips a session; read-only requests write no cookie', async () => {
    const a = app({ key });
    const login = await call(a, '/login', {}, 'POST');
    expect(login.setCookie).toHaveLength(1);
    expect(login.setCookie[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    const me = await call(a, '/me', login.jar);
    expect(me.body).toEqual({ user: 'alice', id: (login.body as { id: string }).id });
    expect(me.setCookie).toEqual([]);
  });

  it('appends after the handlers: setCookie(), c.header(), c.redirect() and a returned immutable Response', async () => {
    const a = new Hono().use(honoSession<Data>({ key }));
    a.get('/helper', (c) => {
      setCookie(c, 'theme', 'dark');
      c.header('Set-Cookie', 'lang=fr', { append: true });
      c.var.session.set('user', 'bob');
      return c.text('ok');
    });
    a.get('/redirect', (c) => {
      c.var.session.set('user', 'bob');
      return c.redirect('/home', 303);
    });
    a.get('/immutable', (c) => {
      c.var.session.set('user', 'bob');
      return Response.redirect('https://app.example/elsewhere', 302);
    });
    const names = (sc: string[]) => sc.map((x) => x.slice(0, x.indexOf('=')));
    expect(names((await call(a, '/helper')).setCookie)).toEqual(['theme', 'lang', 'session']);
    const r = await a.request('/redirect');
    expect(r.status).toBe(303);
    expect(names(r.headers.getSetCookie())).toEqual(['session']);
    const im = await a.request('/immutable');
    expect(im.status).toBe(302);
    expect(im.headers.get('location')).toBe('https://app.example/elsewhere');
    expect(names(im.headers.getSetCookie())).toEqual(['session']);
  });

  it('chunks in and out', async () => {
    const a = app({ key, maxCookies: 3 }); // 7000 bytes: over the default 6144-byte budget
    const big = await call(a, '/big?n=7000', {}, 'POST');
    expect(Object.keys(big.jar)).toEqual(['session', 'session.1', 'session.2']);
    expect((await call(a, '/big', big.jar)).body).toEqual({ length: 7000 });
    const small = await call(a, '/big?n=3', big.jar, 'POST');
    expect(Object.keys(small.jar)).toEqual(['session']);
  });

  it('re-issues cookies sealed with an old key', async () => {
    const oldKey = generateKey();
    const login = await call(app({ key: oldKey }), '/login', {}, 'POST');
    const me = await call(app({ key: [generateKey(), oldKey] }), '/me', login.jar);
    expect((me.body as { user: string }).user).toBe('alice');
    expect(me.setCookie).toHaveLength(1);
  });

  it('THREATS 1/2: hostile cookies give 200 and an empty session', async () => {
    const a = app({ key });
    for (const { label, value } of [
      ...hostileValues(key, 'session'),
      { label: '70k', value: 'A'.repeat(70_000) },
    ]) {
      const r = await call(a, '/me', { session: value });
      expect(r.status, label).toBe(200);
      expect((r.body as { user: unknown }).user, label).toBeNull();
      expect((await call(a, '/login', { session: value }, 'POST')).status, label).toBe(200);
    }
    for (const header of HOSTILE_HEADERS) {
      const r = await a.request('/me', { headers: { cookie: header } });
      expect(r.status, header).toBe(200);
    }
  });

  it('THREATS 5: logout with a revocation store kills a replayed cookie', async () => {
    const a = app({ key, revocation: new MemoryRevocationStore() });
    const login = await call(a, '/login', {}, 'POST');
    await call(a, '/logout', login.jar, 'POST');
    expect(((await call(a, '/me', login.jar)).body as { user: null }).user).toBeNull();
  });

  it('THREATS 7: login regenerates the identity of a planted session', async () => {
    const a = app({ key });
    const planted = await call(a, '/big?n=1', {}, 'POST');
    const plantedId = ((await call(a, '/me', planted.jar)).body as { id: string }).id;
    const login = await call(a, '/login', planted.jar, 'POST');
    expect((login.body as { id: string }).id).not.toBe(plantedId);
  });

  it('an error in a handler goes to onError; the session middleware neither hides nor crashes on it', async () => {
    const a = new Hono().use(honoSession<Data>({ key }));
    a.get('/boom', (c) => {
      c.var.session.set('user', 'x');
      throw new Error('boom');
    });
    a.onError((_err, c) => c.text('handled', 500));
    const r = await a.request('/boom');
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('handled');
  });

  it('mounting the middleware twice for one name keeps one session and writes one cookie', async () => {
    const mw = honoSession<Data>({ key });
    const a = new Hono().use(mw);
    a.use(async (c, next) => {
      c.var.session.set('user', 'from-auth'); // e.g. an auth middleware between the two mounts
      await next();
    });
    a.use(mw); // e.g. a sub-app that mounts it again
    a.get('/', (c) => {
      c.var.session.set('big', 'from-handler');
      return c.text('ok');
    });
    const r = await call(a, '/');
    expect(r.setCookie).toHaveLength(1);
    const back = await call(app({ key }), '/me', r.jar);
    expect((back.body as { user: string }).user).toBe('from-auth');
  });

  it('THREATS 48/50: a second instance for one name, or colliding cookie names, fail loudly; a sub-app mount does not', async () => {
    const errors: unknown[] = [];
    const build = (...mws: ReturnType<typeof honoSession>[]) => {
      const a = new Hono();
      for (const mw of mws) a.use(mw);
      a.get('/', (c) => c.text('ok'));
      a.onError((err, c) => {
        errors.push(err);
        return c.text('clash', 500);
      });
      return a;
    };
    // Two instances serving c.var.session (e.g. different keys): the second would silently lose.
    expect((await call(build(honoSession({ key }), honoSession({ key: generateKey() })), '/')).status).toBe(
      500,
    );
    expect(errors.pop()).toMatchObject({
      code: 'ERR_SESSION_CLASH',
      message: /two honoSession\(\) middlewares serve c\.var\.session/,
    });
    // Sessions `a` and `a.1`: once `a` is chunked both would write the cookie `a.1`.
    const r = await call(
      build(honoSession({ key, sessionName: 'a' }), honoSession({ key, sessionName: 'a.1' })),
      '/',
    );
    expect(r.status).toBe(500);
    expect(String(errors.pop())).toMatch(
      /expected cookie names not used by another session, got 'a\.1' \(also written by session 'a'\)/,
    );
    // Distinct names side by side work, each with its own cookie.
    const ok = await call(build(honoSession({ key, sessionName: 'cart' }), honoSession({ key })), '/');
    expect(ok.status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('misuse throws when the middleware is built', () => {
    expect(() => honoSession({ key: [key, key.subarray(2)] })).toThrow(/^key\[1\]: expected a 32-byte key/);
    expect(() => honoSession({ key, expiry: 0 })).toThrow(/options\.expiry/);
  });
});
