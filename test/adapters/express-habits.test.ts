// cookie-session / express-session habits on sealed-session/express, through a real Express 5
// server on 127.0.0.1: property access stores, `req.session = null` logs out, isNew / isChanged /
// isPopulated answer as cookie-session's, nested changes in place are saved; and clashes are loud
// (another session middleware on req.session, two sealedSession() for one property, cookie names
// that collide across the sessions of one app).
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import cookieSession from 'cookie-session';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpressSession, MemoryRevocationStore, sealedSession } from '../../src/express/index.js';
import { generateKey } from '../../src/index.js';
import { cookieHeader, jar } from './express-web-support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Reply {
  status: number;
  body: unknown;
  setCookie: string[];
  jar: Record<string, string>;
}

async function call(
  base: string,
  path: string,
  cookies: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  const r = await fetch(base + path, { method, headers: { cookie: cookieHeader(cookies) } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const setCookie = r.headers.getSetCookie();
  return { status: r.status, body, setCookie, jar: jar(setCookie, cookies) };
}

/** Untyped view, as a plain-JS app would write it. */
type Loose = ExpressSession<Record<string, unknown>> & Record<string, unknown>;
const s = (req: express.Request): Loose => req.session as unknown as Loose;

/** Errors as JSON, so that a test can read the code and message. */
function errors(a: express.Express): void {
  a.use(
    (
      err: Error & { code?: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res.status(500).json({ code: err.code ?? err.name, message: err.message });
    },
  );
}

const key = generateKey();

function habitsApp(options: Parameters<typeof sealedSession>[0] = { key }): express.Express {
  const a = express();
  a.use(sealedSession(options));
  a.post('/login', (req, res) => {
    req.session.regenerate();
    s(req).userId = 42; // the habit: plain property assignment
    s(req).roles = ['admin'];
    res.json({ isNew: s(req).isNew, isChanged: s(req).isChanged, isPopulated: s(req).isPopulated });
  });
  a.get('/me', (req, res) => {
    res.json({
      userId: s(req).userId ?? null,
      viaGet: s(req).get('userId') ?? null,
      isNew: s(req).isNew,
      isChanged: s(req).isChanged,
      isPopulated: s(req).isPopulated,
      keys: Object.keys(s(req)),
      json: JSON.parse(JSON.stringify(s(req))),
      has: 'userId' in s(req),
    });
  });
  a.post('/views', (req, res) => {
    s(req).views = ((s(req).views as number | undefined) ?? 0) + 1;
    res.json({ views: s(req).views });
  });
  a.post('/forget', (req, res) => {
    delete s(req).roles;
    res.json({ roles: s(req).roles ?? null });
  });
  a.post('/cart', (req, res) => {
    // In place, no set(): cookie-session saves this, so must we.
    if (s(req).cart === undefined) s(req).cart = { items: [] };
    const cart = s(req).cart as { items: string[] };
    if (req.query.item) cart.items.push(String(req.query.item));
    res.json(cart);
  });
  a.post('/logout', (req, res) => {
    req.session = null; // cookie-session's logout
    res.json({ after: req.session });
  });
  a.post('/replace', (req, res) => {
    const before = req.session.id;
    req.session = { userId: 7 }; // cookie-session: a new session with these fields
    res.json({ changedId: req.session.id !== before, userId: s(req).userId, isNew: s(req).isNew });
  });
  a.post('/reserved', (req, res) => {
    try {
      (s(req) as Record<string, unknown>).get = 'oops';
      res.json({ stored: true });
    } catch (err) {
      res.status(400).json({ message: (err as Error).message });
    }
  });
  a.get('/inspect', (req, res) => {
    s(req).secret = 'hunter2-value';
    res.json({ shown: inspect(req.session) });
  });
  errors(a);
  return a;
}

describe('cookie-session habits on req.session', () => {
  it('req.session.userId = 42 stores; property reads, get(), Object.keys, JSON and `in` all see it', async () => {
    const base = await listen(habitsApp());
    const login = await call(base, '/login', {}, 'POST');
    expect(login.status).toBe(200);
    expect(login.setCookie).toHaveLength(1);
    expect(login.body).toEqual({ isNew: true, isChanged: true, isPopulated: true });
    const me = await call(base, '/me', login.jar);
    expect(me.body).toEqual({
      userId: 42,
      viaGet: 42,
      isNew: false,
      isChanged: false,
      isPopulated: true,
      keys: ['userId', 'roles'],
      json: { userId: 42, roles: ['admin'] },
      has: true,
    });
    expect(me.setCookie).toEqual([]); // read-only: nothing written
  });

  it('a counter in the cookie-session style, and delete req.session.field', async () => {
    const base = await listen(habitsApp());
    let j: Record<string, string> = {};
    for (let i = 1; i <= 3; i++) {
      const r = await call(base, '/views', j, 'POST');
      expect(r.body).toEqual({ views: i });
      j = r.jar;
    }
    const login = await call(base, '/login', j, 'POST');
    const forgot = await call(base, '/forget', login.jar, 'POST');
    expect(forgot.body).toEqual({ roles: null });
    expect(((await call(base, '/me', forgot.jar)).body as { keys: string[] }).keys).toEqual(['userId']);
  });

  it('a nested value changed in place (no set) is saved, as cookie-session saves it', async () => {
    const base = await listen(habitsApp());
    const first = await call(base, '/cart', {}, 'POST');
    const added = await call(base, '/cart?item=book', first.jar, 'POST');
    expect(added.setCookie).toHaveLength(1);
    const again = await call(base, '/cart?item=pen', added.jar, 'POST');
    expect(again.body).toEqual({ items: ['book', 'pen'] });
    const read = await call(base, '/cart', again.jar, 'POST');
    expect(read.body).toEqual({ items: ['book', 'pen'] });
    expect(read.setCookie).toEqual([]); // looked at, not changed: nothing written
  });

  it('req.session = null logs out: the cookie is cleared, reads give null, a replay is dead with a store', async () => {
    const revocation = new MemoryRevocationStore();
    const base = await listen(habitsApp({ key, revocation }));
    const login = await call(base, '/login', {}, 'POST');
    const logout = await call(base, '/logout', login.jar, 'POST');
    expect(logout.body).toEqual({ after: null });
    expect(logout.setCookie).toHaveLength(1);
    expect(logout.setCookie[0]).toMatch(/^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    expect(logout.jar).toEqual({});
    const replay = await call(base, '/me', login.jar);
    expect((replay.body as { userId: null }).userId).toBeNull();
  });

  it('req.session = { … } starts a new session (fresh identity) holding those fields', async () => {
    const base = await listen(habitsApp());
    const login = await call(base, '/login', {}, 'POST');
    const r = await call(base, '/replace', login.jar, 'POST');
    expect(r.body).toEqual({ changedId: true, userId: 7, isNew: true });
    expect((await call(base, '/me', r.jar)).body).toMatchObject({ userId: 7, keys: ['userId'] });
  });

  it('a method name is never silently shadowed: req.session.get = … throws, naming set()', async () => {
    const base = await listen(habitsApp());
    const r = await call(base, '/reserved', {}, 'POST');
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toBe(
      "req.session.get: expected a session field, got the name of a session method or property (store it with req.session.set('get', value))",
    );
  });

  it('util.inspect / console.log show field names, never values', async () => {
    const base = await listen(habitsApp());
    const r = await call(base, '/inspect');
    expect((r.body as { shown: string }).shown).toContain('secret');
    expect((r.body as { shown: string }).shown).not.toContain('hunter2');
  });

  it('req.session can only be set to null or a plain object', async () => {
    const a = express();
    a.use(sealedSession({ key }));
    a.get('/', (req, res) => {
      try {
        (req as unknown as { session: unknown }).session = 'logged out';
        res.send('accepted');
      } catch (err) {
        res.status(400).send((err as Error).message);
      }
    });
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(400);
    expect(r.body).toBe(
      'req.session: expected null (log out) or a plain object of session fields, got a string of 10 characters',
    );
  });
});

describe('clashes are loud (THREATS 50)', () => {
  it('cookie-session mounted before: the first request fails through next(err), naming both', async () => {
    const a = express();
    a.use(cookieSession({ keys: ['old-key'] }));
    a.use(sealedSession({ key }));
    a.get('/', (_req, res) => res.send('handler ran'));
    errors(a);
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(500);
    const body = r.body as { code: string; message: string };
    expect(body.code).toBe('ERR_SESSION_CLASH');
    expect(body.message).toMatch(/^sealed-session\/express: req\.session is already set by cookie-session/);
    expect(body.message).toContain('legacy: { cookieSession }');
  });

  it('another middleware that set req.session before: refused too', async () => {
    const a = express();
    a.use((req, _res, next) => {
      (req as unknown as Record<string, unknown>).session = { user: 'from elsewhere' };
      next();
    });
    a.use(sealedSession({ key }));
    a.get('/', (_req, res) => res.send('handler ran'));
    errors(a);
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(500);
    expect((r.body as { message: string }).message).toMatch(
      /req\.session is already set by another middleware/,
    );
  });

  it('a session middleware mounted after cannot take req.session over silently', async () => {
    const a = express();
    a.use(sealedSession({ key }));
    a.use(cookieSession({ keys: ['old-key'] }));
    a.get('/', (req, res) => {
      s(req).set('n', 1);
      res.send('handler ran');
    });
    errors(a);
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(500);
    expect(r.body).not.toBe('handler ran');
    expect((r.body as { message: string }).message).toMatch(/redefine property: session/);
  });

  it('two sealedSession() middlewares for one property: refused, naming both', async () => {
    const a = express();
    a.use(sealedSession({ key }));
    a.use(sealedSession({ key: generateKey(), cookieName: 'other' }));
    a.get('/', (_req, res) => res.send('handler ran'));
    errors(a);
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(500);
    const body = r.body as { code: string; message: string };
    expect(body.code).toBe('ERR_SESSION_CLASH');
    expect(body.message).toMatch(/two sealedSession\(\) middlewares serve req\.session/);
    expect(body.message).toContain("cookie 'other'");
  });

  it('THREATS 48: sessions `a` and `a.1` of one app are refused (a chunk of `a` is the cookie `a.1`)', async () => {
    const a = express();
    a.use(sealedSession({ key, sessionName: 'a' }));
    a.use(sealedSession({ key, sessionName: 'a.1' }));
    a.get('/', (_req, res) => res.send('handler ran'));
    errors(a);
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(500);
    expect((r.body as { message: string }).message).toMatch(
      /^sealedSession\(a\.1\)\[1\]\.cookieName: expected cookie names not used by another session, got 'a\.1' \(also written by session 'a'\)/,
    );
  });

  it('THREATS 48: also across routes of one app (each on its own path prefix)', async () => {
    const a = express();
    a.use('/x', sealedSession({ key, sessionName: 'a' }));
    a.use('/y', sealedSession({ key, sessionName: 'a.1' }));
    a.get('/x', (_req, res) => res.send('x'));
    a.get('/y', (_req, res) => res.send('y'));
    errors(a);
    const base = await listen(a);
    expect((await call(base, '/x')).body).toBe('x');
    const y = await call(base, '/y');
    expect(y.status).toBe(500);
    expect((y.body as { message: string }).message).toMatch(/got 'a\.1' \(also written by session 'a'\)/);
    expect((await call(base, '/y')).status).toBe(500); // every time, not once
  });

  it('distinct names (a, b) work side by side in one app; separate apps may reuse a name', async () => {
    const a = express();
    a.use(sealedSession({ key, sessionName: 'a' }));
    a.use(sealedSession({ key, sessionName: 'b' }));
    a.get('/', (req, res) => {
      (req as unknown as Record<string, Loose>).a!.set('v', 1);
      (req as unknown as Record<string, Loose>).b!.set('v', 2);
      res.send('ok');
    });
    const base = await listen(a);
    const r = await call(base, '/');
    expect(r.status).toBe(200);
    expect(Object.keys(r.jar).sort()).toEqual(['a', 'b']);
    const base2 = await listen(habitsApp());
    expect((await call(base2, '/login', {}, 'POST')).status).toBe(200);
  });
});
