// sealed-session/express through a real Express 5 server on 127.0.0.1, hit with fetch (and a raw
// socket for bytes fetch refuses to send).
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { deriveKeyring } from '../../src/core/kdf.js';
import {
  type CookieTooLargeError,
  type ExpressSession,
  type ExpressSessionOptions,
  MemoryRevocationStore,
  type Session,
  type SessionData,
  type SessionOptions,
  sealedSession,
} from '../../src/express/index.js';
import { generateKey } from '../../src/index.js';
import { cookieHeader, HOSTILE_HEADERS, hostileValues, jar, sealedValue } from './express-web-support.js';

interface Data {
  user: string;
  big: string;
  cart: { items: string[] };
  n: number;
}
const sess = (req: express.Request): Session<Data> => req.session as unknown as Session<Data>;

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
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

function app(options: ExpressSessionOptions): express.Express {
  const a = express();
  a.use(sealedSession<Data>(options));
  a.post('/login', (req, res) => {
    const s = sess(req);
    s.regenerate();
    s.set('user', String(req.query.user ?? 'alice'));
    res.json({ id: s.id });
  });
  a.get('/me', (req, res) => {
    const s = sess(req);
    res.json({ user: s.get('user') ?? null, id: s.id });
  });
  a.get('/untouched', (_req, res) => {
    res.send('ok');
  });
  a.post('/big', (req, res) => {
    sess(req).set('big', 'x'.repeat(Number(req.query.n)));
    res.send('ok');
  });
  a.get('/big', (req, res) => {
    res.json({ length: sess(req).get('big')?.length ?? 0 });
  });
  a.post('/huge', (req, res) => {
    try {
      sess(req).set('big', 'y'.repeat(50_000));
      res.send('stored');
    } catch (err) {
      res.status(413).json({ code: (err as CookieTooLargeError).code });
    }
  });
  a.post('/logout', (req, res) => {
    sess(req).delete();
    res.sendStatus(204);
  });
  a.get('/touch', (req, res) => {
    sess(req).touch();
    res.json({ user: sess(req).get('user') ?? null });
  });
  return a;
}

async function get(
  base: string,
  path: string,
  cookies: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: unknown; setCookie: string[]; jar: Record<string, string> }> {
  const r = await fetch(base + path, { method, headers: { cookie: cookieHeader(cookies) } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const setCookie = r.headers.getSetCookie();
  return { status: r.status, body, setCookie, jar: jar(setCookie, cookies) };
}

/** A request with raw header bytes (fetch refuses non-ByteString headers). */
function raw(base: string, path: string, cookie: Buffer): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    let out = '';
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.end(
        Buffer.concat([
          Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: `),
          cookie,
          Buffer.from('\r\n\r\n'),
        ]),
      );
    });
    sock.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

const key = generateKey();

describe('sealed-session/express', () => {
  it('round-trips a session with secure cookie defaults; untouched routes write nothing', async () => {
    const base = await listen(app({ key }));
    const login = await get(base, '/login', {}, 'POST');
    expect(login.status).toBe(200);
    expect(login.setCookie).toHaveLength(1);
    expect(login.setCookie[0]).toMatch(
      /^session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const me = await get(base, '/me', login.jar);
    expect(me.body).toEqual({ user: 'alice', id: (login.body as { id: string }).id });
    expect(me.setCookie).toEqual([]); // read-only and not due for a rolling refresh
    const untouched = await get(base, '/untouched', login.jar);
    expect(untouched.setCookie).toEqual([]);
  });

  it('types req.session through the Express augmentation', () => {
    expectTypeOf<express.Request['session']>().toEqualTypeOf<ExpressSession<SessionData>>();
  });

  it('appends to Set-Cookie headers set by the handler, res.cookie() and writeHead(), never replaces them', async () => {
    const a = express();
    a.use(sealedSession({ key }));
    a.get('/express', (req, res) => {
      res.cookie('theme', 'dark');
      res.append('Set-Cookie', 'lang=fr');
      sess(req).set('user', 'bob');
      res.send('ok');
    });
    a.get('/set-header', (req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      sess(req).set('user', 'bob');
      res.end('ok');
    });
    a.get('/write-head-object', (req, res) => {
      sess(req).set('user', 'bob');
      res.writeHead(201, 'Made', { 'set-cookie': ['c=3'], 'x-test': 'y' });
      res.end();
    });
    a.get('/write-head-array', (req, res) => {
      sess(req).set('user', 'bob');
      res.setHeader('Set-Cookie', 'replaced=1');
      res.writeHead(200, ['Set-Cookie', 'd=4', 'Set-Cookie', 'e=5']);
      res.end();
    });
    const base = await listen(a);
    const names = (sc: string[]) => sc.map((c) => c.slice(0, c.indexOf('=')));

    expect(names((await get(base, '/express')).setCookie)).toEqual(['theme', 'lang', 'session']);
    expect(names((await get(base, '/set-header')).setCookie)).toEqual(['a', 'b', 'session']);
    const r = await fetch(`${base}/write-head-object`);
    expect(r.status).toBe(201);
    expect(r.statusText).toBe('Made');
    expect(r.headers.get('x-test')).toBe('y');
    expect(names(r.headers.getSetCookie())).toEqual(['c', 'session']);
    // Node's array form replaces earlier values of that name, and ours still comes after.
    expect(names((await get(base, '/write-head-array')).setCookie)).toEqual(['d', 'e', 'session']);
  });

  it('re-issues a cookie sealed with an old key under the newest key (rotation)', async () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const old = await listen(app({ key: oldKey }));
    const login = await get(old, '/login', {}, 'POST');

    const rotated = await listen(app({ key: [newKey, oldKey] }));
    const me = await get(rotated, '/me', login.jar);
    expect((me.body as { user: string }).user).toBe('alice');
    expect(me.setCookie).toHaveLength(1); // re-issued although nothing changed
    expect(me.jar.session).not.toBe(login.jar.session);

    const newOnly = await listen(app({ key: newKey }));
    expect(((await get(newOnly, '/me', me.jar)).body as { user: string }).user).toBe('alice');
    expect(((await get(newOnly, '/me', login.jar)).body as { user: null }).user).toBeNull();
  });

  it('chunks a large session over several cookies, reads it back and clears stale chunks', async () => {
    const base = await listen(app({ key, maxCookies: 3 })); // 7000 bytes: over the default budget
    const big = await get(base, '/big?n=7000', {}, 'POST');
    expect(big.setCookie.length).toBe(3);
    for (const c of big.setCookie) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(4096);
    expect(Object.keys(big.jar)).toEqual(['session', 'session.1', 'session.2']);
    expect((await get(base, '/big', big.jar)).body).toEqual({ length: 7000 });

    const small = await get(base, '/big?n=10', big.jar, 'POST');
    expect(small.setCookie.filter((c) => /Max-Age=0/.test(c)).length).toBe(2);
    expect(Object.keys(small.jar)).toEqual(['session']);
    expect((await get(base, '/big', small.jar)).body).toEqual({ length: 10 });
  });

  it('THREATS 6: a session past the cookie budget throws CookieTooLargeError at set(), nothing dropped', async () => {
    const base = await listen(app({ key, maxCookies: 3 }));
    const login = await get(base, '/login', {}, 'POST');
    const huge = await get(base, '/huge', login.jar, 'POST');
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ code: 'ERR_COOKIE_TOO_LARGE' });
    expect(huge.setCookie).toEqual([]); // the session is as it was; nothing half-written
    expect(((await get(base, '/me', login.jar)).body as { user: string }).user).toBe('alice');
  });

  it('fails the response (500, no cookie) when data mutated behind set() no longer fits', async () => {
    const debug = vi.fn();
    const a = express();
    a.use(sealedSession<Data>({ key, debug }));
    a.get('/mutate', (req, res) => {
      const cart = { items: [] as string[] };
      sess(req).set('cart', cart);
      cart.items.push('z'.repeat(20_000)); // not seen by set()'s size check
      res.send('ok');
    });
    const base = await listen(a);
    const r = await get(base, '/mutate');
    expect(r.status).toBe(500);
    expect(r.setCookie).toEqual([]);
    expect(debug).toHaveBeenCalledWith(expect.any(String), {
      session: 'session',
      reason: 'ERR_COOKIE_TOO_LARGE',
    });
  });

  it('writes the cookie of a session first used after another middleware wrapped writeHead; an untouched route writes none', async () => {
    const a = express();
    a.use(sealedSession<Data>({ key }));
    a.get('/untouched', (_req, res) => {
      res.send('ok');
    });
    // A middleware between ours and the route wraps writeHead too, then the route uses the session.
    a.use((_req, res, next) => {
      const inner = res.writeHead;
      res.writeHead = function (this: typeof res, ...args: unknown[]) {
        this.setHeader('x-wrapped', '1');
        return Reflect.apply(inner, this, args) as typeof res;
      } as typeof res.writeHead;
      next();
    });
    a.get('/later', (req, res) => {
      sess(req).set('user', 'later');
      res.send('ok');
    });
    const base = await listen(a);
    const untouched = await get(base, '/untouched', { session: 'x'.repeat(40) });
    expect(untouched.setCookie).toEqual([]);
    const r = await fetch(`${base}/later`);
    expect(r.headers.get('x-wrapped')).toBe('1');
    const [cookie] = r.headers.getSetCookie();
    expect(cookie).toMatch(/^session=/);
    const back = await get(await listen(app({ key })), '/me', { session: cookie!.split(';')[0]!.slice(8) });
    expect(back.body).toMatchObject({ user: 'later' });
  });

  it('an object inheriting from the request (Object.create(req)) reaches the same session', async () => {
    const a = express();
    a.use(sealedSession<Data>({ key }));
    a.get('/derived', (req, res) => {
      const derived = Object.create(req) as express.Request;
      sess(derived).set('user', 'derived');
      res.json({ same: derived.session === req.session, user: sess(req).get('user') });
    });
    const r = await get(await listen(a), '/derived');
    expect(r.body).toEqual({ same: true, user: 'derived' });
    expect(r.setCookie).toHaveLength(1);
  });

  it('clears orphan chunk cookies on a route that never touches the session', async () => {
    const base = await listen(app({ key }));
    const r = await get(base, '/untouched', { 'session.1': 'abc', 'session.2': 'def' });
    expect(r.status).toBe(200);
    expect(r.setCookie.map((c) => c.split(';')[0]).sort()).toEqual(['session.1=', 'session.2=']);
    expect(r.setCookie.every((c) => /Max-Age=0/i.test(c))).toBe(true);
  });

  it('debug reports a change made after the headers were sent (streaming) instead of losing it silently', async () => {
    const debug = vi.fn();
    const a = express();
    a.use(sealedSession<Data>({ key, debug }));
    a.get('/stream', (req, res) => {
      res.write('first chunk');
      sess(req).set('user', 'late');
      res.end();
    });
    // Sentinel: a 'finish' listener added after the middleware's runs after it.
    let finished!: Promise<void>;
    a.get('/ok', (req, res) => {
      finished = new Promise((r) => res.on('finish', r));
      sess(req).set('user', 'early');
      res.end();
    });
    const base = await listen(a);
    const r = await get(base, '/stream');
    expect(r.setCookie).toEqual([]);
    await vi.waitFor(() =>
      expect(debug).toHaveBeenCalledWith(expect.any(String), {
        session: 'session',
        reason: 'changed-after-headers',
      }),
    );
    debug.mockClear();
    expect((await get(base, '/ok')).setCookie).toHaveLength(1);
    await finished;
    expect(debug).not.toHaveBeenCalled();
  });

  it('THREATS 1/2/38: hostile cookies give 200 and an empty session; the debug hook never sees the value', async () => {
    const seen: unknown[] = [];
    const base = await listen(app({ key, debug: (...args) => seen.push(args) }));
    for (const { label, value } of hostileValues(key, 'session')) {
      const r = await get(base, '/me', { session: value });
      expect(r.status, label).toBe(200);
      expect((r.body as { user: unknown }).user, label).toBeNull();
      // A read of an empty session writes nothing: the attacker gets no fresh cookie either.
      expect(r.setCookie, label).toEqual([]);
      const login = await get(base, '/login', { session: value }, 'POST');
      expect(login.status, label).toBe(200);
    }
    for (const header of HOSTILE_HEADERS) {
      const r = await raw(base, '/me', Buffer.from(header, 'latin1'));
      expect(r, header).toMatch(/^HTTP\/1\.1 200 /);
      expect(r, header).toContain('"user":null');
    }
    expect(seen.length).toBeGreaterThan(10);
    const logged = JSON.stringify(seen);
    for (const { value } of hostileValues(key, 'session')) {
      if (value.length > 8) expect(logged).not.toContain(value.slice(0, 24));
    }
    for (const entry of seen as [string, { reason: string }][]) expect(entry[1].reason).toMatch(/^[a-z-]+$/);
  });

  it('THREATS 1: non-UTF-8 bytes in the Cookie header, around a valid cookie, never break the request', async () => {
    const base = await listen(app({ key }));
    const login = await get(base, '/login', {}, 'POST');
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x3d, 0xc3, 0x28, 0x3b, 0x20]), // "\xff\xfe=\xc3(; "
      Buffer.from(`session=${login.jar.session}; other=`),
      Buffer.from([0xe2, 0x82, 0x28, 0x80]),
    ]);
    const r = await raw(base, '/me', bytes);
    expect(r).toMatch(/^HTTP\/1\.1 200 /);
    expect(r).toContain('"user":"alice"'); // the valid cookie still opens
    const broken = await raw(
      base,
      '/me',
      Buffer.concat([Buffer.from('session='), Buffer.from([0xc3, 0x28, 0xff])]),
    );
    expect(broken).toMatch(/^HTTP\/1\.1 200 /);
    expect(broken).toContain('"user":null');
  });

  it('THREATS 2: a cookie sealed for session "a" does not open as "b" under the same key', async () => {
    const a = express();
    a.use(sealedSession<Data>({ key, sessionName: 'a' }));
    a.use(sealedSession<Data>({ key, sessionName: 'b' }));
    a.post('/a', (req, res) => {
      (req as unknown as { a: Session<Data> }).a.set('user', 'admin');
      res.send('ok');
    });
    a.get('/b', (req, res) => {
      res.json({ user: (req as unknown as { b: Session<Data> }).b.get('user') ?? null });
    });
    const base = await listen(a);
    const setA = await get(base, '/a', {}, 'POST');
    expect(Object.keys(setA.jar)).toEqual(['a']);
    const r = await get(base, '/b', { b: setA.jar.a! });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: null });
  });

  it('THREATS 4: idle and absolute expiry are enforced from the sealed payload, whatever the cookie says', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2030, 0, 1);
    vi.setSystemTime(t0);
    const base = await listen(app({ key, expiry: 60, absoluteExpiry: 300, cookie: { maxAge: 10 ** 8 } }));
    const login = await get(base, '/login', {}, 'POST');
    expect(login.setCookie[0]).toContain('Max-Age=100000000'); // the browser would keep it

    vi.setSystemTime(t0 + 59_000);
    expect(((await get(base, '/me', login.jar)).body as { user: string }).user).toBe('alice');
    vi.setSystemTime(t0 + 61_000);
    expect(((await get(base, '/me', login.jar)).body as { user: null }).user).toBeNull();

    // Active use keeps the idle deadline moving, but never past the absolute lifetime.
    let j = (await get(base, '/login', {}, 'POST')).jar;
    for (let t = 50; t < 300; t += 50) {
      vi.setSystemTime(t0 + 61_000 + t * 1000);
      const r = await get(base, '/touch', j);
      expect((r.body as { user: string }).user, `t=${t}`).toBe('alice');
      j = r.jar;
    }
    vi.setSystemTime(t0 + 61_000 + 301_000);
    expect(((await get(base, '/me', j)).body as { user: null }).user).toBeNull();
  });

  it('THREATS 5: with a revocation store a replayed logged-out cookie stays dead; without one it lives until expiry', async () => {
    const revocation = new MemoryRevocationStore();
    const base = await listen(app({ key, revocation }));
    const login = await get(base, '/login', {}, 'POST');
    const logout = await get(base, '/logout', login.jar, 'POST');
    expect(logout.setCookie[0]).toMatch(/^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    const replay = await get(base, '/me', login.jar);
    expect(replay.status).toBe(200);
    expect((replay.body as { user: null }).user).toBeNull();

    // An async store (e.g. Redis) is consulted before the handler runs.
    const ids = new Set<string>();
    const asyncStore = {
      revoke: async (id: string) => {
        ids.add(id);
      },
      isRevoked: async ({ id }: { id: string }) => ids.has(id),
    };
    const base2 = await listen(app({ key, revocation: asyncStore }));
    const l2 = await get(base2, '/login', {}, 'POST');
    await get(base2, '/logout', l2.jar, 'POST');
    expect(ids.size).toBe(1);
    expect(((await get(base2, '/me', l2.jar)).body as { user: null }).user).toBeNull();

    // Documented limit: stateless, no store → the old cookie still opens until it expires.
    const stateless = await listen(app({ key }));
    const l3 = await get(stateless, '/login', {}, 'POST');
    await get(stateless, '/logout', l3.jar, 'POST');
    expect(((await get(stateless, '/me', l3.jar)).body as { user: string }).user).toBe('alice');
  });

  it('a failing revocation store fails closed: no session, a 200, the cause in the debug log', async () => {
    const reasons: string[] = [];
    const a = app({
      key,
      revocation: { revoke: () => {}, isRevoked: async () => Promise.reject(new Error('store down')) },
      debug: (_m, d) => reasons.push(d.reason),
    });
    const base = await listen(a);
    const login = await get(base, '/login', {}, 'POST');
    const me = await get(base, '/me', login.jar);
    expect(me.status).toBe(200);
    expect((me.body as { user: null }).user).toBeNull();
    expect(reasons.length).toBeGreaterThan(0);
  });

  it('THREATS 7: regenerate() at login gives a planted (fixated) session a fresh identity', async () => {
    const base = await listen(app({ key }));
    // The attacker obtains a valid anonymous session and plants it in the victim's browser.
    const planted = await get(base, '/touch', {});
    const plantedId = ((await get(base, '/me', planted.jar)).body as { id: string }).id;
    const login = await get(base, '/login?user=victim', planted.jar, 'POST');
    const newId = (login.body as { id: string }).id;
    expect(newId).not.toBe(plantedId);
    expect(((await get(base, '/me', login.jar)).body as { id: string }).id).toBe(newId);
    // The attacker's copy is still just the anonymous session.
    expect(((await get(base, '/me', planted.jar)).body as { user: null }).user).toBeNull();
  });

  it('a cookie written by the engine directly opens in the middleware (same format everywhere)', async () => {
    const base = await listen(app({ key, cookieName: '__Host-sid' }));
    const value = sealedValue(key, '__Host-sid', { user: 'carol' });
    expect(((await get(base, '/me', { '__Host-sid': value })).body as { user: string }).user).toBe('carol');
  });

  it('THREATS 3 and misuse: bad options throw at construction with "expected X, got Y"', () => {
    const bad = generateKey().subarray(0, 16);
    expect(() => sealedSession({ key: [generateKey(), bad] })).toThrow(
      /^key\[1\]: expected a 32-byte key.*got a Uint8Array of 16 bytes$/,
    );
    expect(() => sealedSession({ key: 'too-short' })).toThrow(TypeError);
    expect(() => sealedSession({} as SessionOptions)).toThrow(/options\.key: expected a key/);
    expect(() => sealedSession(null as unknown as SessionOptions)).toThrow(
      /options: expected an options object, got null/,
    );
    expect(() => sealedSession({ key, sessionName: '' })).toThrow(
      /options\.sessionName: expected a non-empty string/,
    );
    expect(() => sealedSession({ key, cookieName: 'bad name' })).toThrow(
      /options\.cookieName: expected a cookie name/,
    );
    expect(() => sealedSession({ key, expiry: -1 })).toThrow(RangeError);
    expect(() => sealedSession({ key, maxCookies: 0 })).toThrow(/options\.maxCookies/);
    expect(() => sealedSession({ key, debug: 'yes' as never })).toThrow(
      /options\.debug: expected a function/,
    );
    expect(() => sealedSession({ key, cookie: { sameSite: 'bogus' as never } })).toThrow(/sameSite/);
    expect(() => sealedSession({ key, cookieName: '__Host-x', cookie: { path: '/app' } })).toThrow(/__Host-/);
    expect(() => sealedSession({ key, cookieNmae: 'x' } as SessionOptions)).toThrow(
      /options\.cookieNmae: expected one of key, secret, salt, legacy, sessionName/,
    );
    expect(() => sealedSession({ key, secret: 'x'.repeat(40) })).toThrow(
      /expected a key or a secret, got both/,
    );
    expect(() => sealedSession({ secret: 'short secret' })).toThrow(
      /^options\.secret: expected a secret of at least 32/,
    );
    expect(() => sealedSession({ secret: 'x'.repeat(40), salt: 'abc' })).toThrow(
      /^options\.salt: expected a salt of 16 bytes/,
    );
    expect(() => sealedSession({ key, salt: 'x'.repeat(16) })).toThrow(
      /options\.salt: expected a secret with it/,
    );
    // The secret and the key never appear in a message (and each is refused: no catch-only check).
    expect(() => sealedSession({ secret: 'my-secret-that-is-too-short' })).toThrow(/^(?!.*my-secret)/s);
    expect(() => sealedSession({ key: 'AAAA'.repeat(10) })).toThrow(/^(?!.*AAAA)/s);
  });

  it('wrong option types do not compile, and throw if forced', () => {
    // @ts-expect-error expiry is a number of seconds
    expect(() => sealedSession({ key, expiry: '60' })).toThrow(RangeError);
    // @ts-expect-error the key is bytes or a string
    expect(() => sealedSession({ key: 42 })).toThrow(/^key: expected a 32-byte key .*got a number$/);
    // @ts-expect-error rolling is a boolean
    expect(() => sealedSession({ key, rolling: 'false' })).toThrow(
      /^options\.rolling: expected a boolean, got a string/,
    );
  });

  it('secret + salt: derived once with Argon2id; requests arriving meanwhile wait; same key as deriveKeyring', async () => {
    const secret = 'correct horse battery staple, but much longer';
    const salt = 'sixteen-byte-slt';
    const base = await listen(app({ secret, salt })); // first request follows at once
    const login = await get(base, '/login', {}, 'POST');
    expect(login.status).toBe(200);
    expect(((await get(base, '/me', login.jar)).body as { user: string }).user).toBe('alice');
    const ring = await deriveKeyring({ secret, salt });
    const viaKeyring = await listen(app({ key: ring }));
    expect(((await get(viaKeyring, '/me', login.jar)).body as { user: string }).user).toBe('alice');
  });

  it('mounting the middleware twice for one name keeps one session and writes one cookie', async () => {
    const a = express();
    const mw = sealedSession<Data>({ key });
    a.use(mw);
    a.use((req, _res, next) => {
      sess(req).set('user', 'from-auth'); // e.g. an auth middleware between the two mounts
      next();
    });
    a.use(mw); // e.g. a router that mounts it again
    a.get('/', (req, res) => {
      sess(req).set('n', 1);
      res.send('ok');
    });
    const base = await listen(a);
    const r = await get(base, '/');
    expect(r.setCookie).toHaveLength(1);
    const me = await listen(app({ key }));
    expect(((await get(me, '/me', r.jar)).body as { user: string }).user).toBe('from-auth');
  });
});
