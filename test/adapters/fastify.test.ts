// sealed-session/fastify through real Fastify request paths (inject, and one listening server):
// the request API, lazy opening, Set-Cookie handling, THREATS §Server 2-7, rotation, chunking,
// decorators and misuse at registration.
import { inspect } from 'node:util';
import { parseSetCookie } from 'cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backend } from '../../src/core/backend.js';
import type { SecureSessionPluginOptions } from '../../src/fastify/index.js';
import sealedSession, { fastifySecureSession, sessionInfo } from '../../src/fastify/index.js';
import { generateKey, MemoryRevocationStore, SessionEngine, type SessionOptions } from '../../src/index.js';
import { Jar, sess, setCookies } from './fastify-support.js';

const key = generateKey();
const apps: FastifyInstance[] = [];

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(options: SecureSessionPluginOptions = { key }): Promise<FastifyInstance> {
  const f = Fastify();
  apps.push(f);
  await f.register(sealedSession, options);
  f.post('/set', async (req) => {
    const body = req.body as Record<string, unknown>;
    for (const [k, v] of Object.entries(body)) sess(req).set(k, v);
    return 'ok';
  });
  f.get('/data', async (req) => sess(req).data());
  f.get('/untouched', async () => 'hi');
  f.post('/logout', async (req) => {
    sess(req).delete();
    return 'bye';
  });
  f.post('/login', async (req) => {
    sess(req).regenerate();
    sess(req).set('user', (req.body as { user: string }).user);
    return 'welcome';
  });
  return f;
}

describe('request API', () => {
  it('set/get, property access, data(), changed/deleted, like @fastify/secure-session', async () => {
    const f = await app();
    f.post('/api', async (req) => {
      const s = sess(req);
      const before = s.changed;
      s.set('a', 1);
      (s as unknown as Record<string, unknown>).b = { nested: true };
      return {
        before,
        changed: s.changed,
        a: s.a,
        b: s.get('b'),
        data: s.data(),
        missing: s.get('missing') ?? null,
        keys: Object.keys(s),
      };
    });
    const res = await f.inject({ method: 'POST', url: '/api' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      before: false,
      changed: true,
      a: 1,
      b: { nested: true },
      data: { a: 1, b: { nested: true } },
      missing: null,
      keys: ['a', 'b'],
    });
    const jar = new Jar().take(res.headers);
    const read = await f.inject({ url: '/data', headers: { cookie: jar.header } });
    expect(read.json()).toEqual({ a: 1, b: { nested: true } });
    // Read-only, not due for a rolling refresh: no Set-Cookie, as the original.
    expect(read.headers['set-cookie']).toBeUndefined();
  });

  it('writes secure defaults: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age from the sealed expiry', async () => {
    const f = await app({ key, expiry: 3600 });
    const res = await f.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
    const [line] = setCookies(res.headers);
    const c = parseSetCookie(line!);
    expect(c).toMatchObject({ name: 'session', path: '/', httpOnly: true, secure: true, sameSite: 'lax' });
    expect(c.maxAge).toBe(3600);
  });

  it('does no crypto for a request that never touches its session, even with a cookie', async () => {
    const f = await app({ key, cache: false }); // without the opened-token cache, a read opens
    const jar = new Jar().take((await f.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers);
    const open = vi.spyOn(backend(), 'open');
    const res = await f.inject({ url: '/untouched', headers: { cookie: jar.header } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(open).not.toHaveBeenCalled();
    await f.inject({ url: '/data', headers: { cookie: jar.header } });
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('appends its Set-Cookie to other Set-Cookie headers instead of overwriting them', async () => {
    const f = await app();
    f.get('/many', async (req, reply) => {
      reply.header('set-cookie', 'raw=1; Path=/');
      (reply as unknown as { setCookie(n: string, v: string, o: object): void }).setCookie(
        'viaPlugin',
        'two',
        {
          path: '/',
        },
      );
      sess(req).set('a', 1);
      return 'ok';
    });
    const names = setCookies((await f.inject({ url: '/many' })).headers).map((l) => parseSetCookie(l).name);
    expect(names.sort()).toEqual(['raw', 'session', 'viaPlugin']);
  });

  it('registers @fastify/cookie as the original (request.cookies, reply.setCookie), or not with cookiePlugin: false', async () => {
    const f = await app();
    expect(f.hasPlugin('@fastify/cookie')).toBe(true);
    f.get('/c', async (req) => (req as unknown as { cookies: Record<string, string> }).cookies);
    expect((await f.inject({ url: '/c', headers: { cookie: 'x=1' } })).json()).toEqual({ x: '1' });

    const bare = await app({ key, cookiePlugin: false });
    expect(bare.hasPlugin('@fastify/cookie')).toBe(false);
    const jar = new Jar().take(
      (await bare.inject({ method: 'POST', url: '/set', payload: { a: 2 } })).headers,
    );
    expect((await bare.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({ a: 2 });
  });

  it('console.log(request.session) shows field names only, never values or internals', async () => {
    const f = await app();
    f.get('/inspect', async (req) => {
      sess(req).set('secretToken', 'tok-123456');
      return inspect(req.session);
    });
    expect((await f.inject({ url: '/inspect' })).body).toBe(
      'Session { fields: [secretToken], changed: true, deleted: false }',
    );
  });

  it('exports the plugin as default, .default and .fastifySecureSession', () => {
    expect(fastifySecureSession).toBe(sealedSession);
    expect(sealedSession.default).toBe(sealedSession);
    expect(sealedSession.fastifySecureSession).toBe(sealedSession);
  });

  it('works through a real listening server on 127.0.0.1', async () => {
    const f = await app();
    await f.listen({ host: '127.0.0.1', port: 0 });
    const { port } = f.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((l) => l.split(';')[0])
      .join('; ');
    expect(cookie).toMatch(/^session=[A-Za-z0-9_-]+$/);
    const me = await fetch(`${base}/data`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: 'alice' });
    const hostile = await fetch(`${base}/data`, { headers: { cookie: 'session=%E0%A4%A;session=\u00ff' } });
    expect(hostile.status).toBe(200);
    expect(await hostile.json()).toEqual({});
  });
});

describe('THREATS 2: a cookie sealed for "a" never opens as "b", even with the same key', () => {
  it('two sessions sharing a key: a cookie moved from one name to the other is refused', async () => {
    const f = await app([
      { key, sessionName: 'a', cookieName: 'a' },
      { key, sessionName: 'b', cookieName: 'b' },
    ]);
    f.post('/seta', async (req) => {
      sess(req, 'a').set('role', 'admin');
      return 'ok';
    });
    f.get('/b', async (req) => sess(req, 'b').data());
    f.get('/a', async (req) => sess(req, 'a').data());
    const jar = new Jar().take((await f.inject({ method: 'POST', url: '/seta' })).headers);
    const value = jar.cookies.get('a')!;
    expect((await f.inject({ url: '/a', headers: { cookie: `a=${value}` } })).json()).toEqual({
      role: 'admin',
    });
    const moved = await f.inject({ url: '/b', headers: { cookie: `b=${value}` } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toEqual({});
    // And through the decorators.
    const token = f.encodeSecureSession(f.createSecureSession({ role: 'admin' }), 'a');
    expect(f.decodeSecureSession(token, undefined, 'a')?.get('role')).toBe('admin');
    expect(f.decodeSecureSession(token, undefined, 'b')).toBeNull();
  });

  it('two applications with the same key and different cookie names do not accept each other’s cookie', async () => {
    const one = await app({ key, cookieName: 'app1' });
    const two = await app({ key, cookieName: 'app2' });
    const jar = new Jar().take(
      (await one.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers,
    );
    const res = await two.inject({ url: '/data', headers: { cookie: `app2=${jar.cookies.get('app1')}` } });
    expect(res.json()).toEqual({});
  });
});

describe('THREATS 3: a bad key is refused at registration, naming its index', () => {
  it('one bad key in the list (the original accepts it and fails later)', async () => {
    const f = Fastify();
    apps.push(f);
    const err = await f.register(sealedSession, { key: [key, Buffer.alloc(16), key] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err!.message).toMatch(/^options\.key\[1\]: expected a 32-byte key .*, got a Buffer of 16 bytes/);
  });

  it.each([
    [{ key: 'too short' }, /^options\.key: expected a 32-byte key .*, got a string of 9 characters/],
    [{ key: [] }, /^options\.key: expected at least one key, got an array of 0 items/],
    [{ key: [key, 42] }, /^options\.key\[1\]: expected a Buffer, a Uint8Array or a string, got a number/],
    [{ key: [key, key] }, /key\[1\]: expected a key different from key\[0\]/],
    [{}, /^options: expected a key or a secret, got neither/],
    // The original's exact words (its own suite compares them), the detail as the cause.
    [
      { secret: 'short secret' },
      /^secret must be at least 32 bytes \| options\.secret: expected a secret of at least 32 characters, got a string of 12/,
    ],
    [
      [{ key }, { secret: 'x'.repeat(40), salt: 'short', sessionName: 'b' }],
      /^salt must be length 16 \| options\[1\]\.salt: expected a salt of 16 bytes, got a string of 5/,
    ],
    [{ key, expiry: -1 }, /^options\.expiry: expected a positive number of seconds, got a number/],
    [{ key, cookie: { path: 'no-slash' } }, /^options\.cookie\.path: expected a path starting with '\/'/],
    [{ key, cookieName: 'bad name' }, /^options\.cookieName: expected a cookie name/],
    [{ key, legacy: 'yes' }, /^options\.legacy: expected a boolean, got a string/],
    [
      [{ key }, { key: generateKey() }],
      /^options\[1\]\.sessionName: expected a name not used by another session/,
    ],
  ])('misuse %# → "expected X, got Y" at registration', async (options, message) => {
    const f = Fastify();
    apps.push(f);
    const err = await f.register(sealedSession, options as SecureSessionPluginOptions).then(
      () => undefined,
      (e: Error) => e,
    );
    const cause = (err as { cause?: Error } | undefined)?.cause;
    const text = cause ? `${err?.message} | ${cause.message}` : err?.message;
    expect(text).toMatch(message);
    expect(text).not.toContain('short secret');
  });
});

describe('THREATS 4: expiry enforced from the sealed payload, not from Max-Age', () => {
  it('idle timeout: a replayed cookie is refused after `expiry` seconds whatever the browser keeps', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const f = await app({ key, expiry: 60, cookie: { maxAge: 10 * 365 * 86400 } });
    const jar = new Jar().take((await f.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers);
    vi.setSystemTime(Date.now() + 59_000);
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({ a: 1 });
    vi.setSystemTime(Date.now() + 2_000);
    const late = await f.inject({ url: '/data', headers: { cookie: jar.header } });
    expect(late.statusCode).toBe(200);
    expect(late.json()).toEqual({});
  });

  it('absolute lifetime: activity keeps the idle window open but not past absoluteExpiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const f = await app({ key, expiry: 60, absoluteExpiry: 150 });
    f.get('/touch', async (req) => {
      sess(req).touch();
      return sess(req).data();
    });
    const jar = new Jar().take((await f.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers);
    for (let i = 0; i < 2; i++) {
      vi.setSystemTime(Date.now() + 50_000);
      const r = await f.inject({ url: '/touch', headers: { cookie: jar.header } });
      expect(r.json()).toEqual({ a: 1 });
      jar.take(r.headers);
    }
    vi.setSystemTime(Date.now() + 51_000); // 151 s after creation, 51 s after the last touch
    expect((await f.inject({ url: '/touch', headers: { cookie: jar.header } })).json()).toEqual({});
  });
});

describe('THREATS 5: logged-out cookies', () => {
  it('with a revocation store, a destroyed session replayed later stays dead', async () => {
    const f = await app({ key, revocation: new MemoryRevocationStore() });
    const jar = new Jar().take(
      (await f.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } })).headers,
    );
    const stolen = jar.header;
    const out = await f.inject({ method: 'POST', url: '/logout', headers: { cookie: stolen } });
    expect(parseSetCookie(setCookies(out.headers)[0]!).maxAge).toBe(0);
    const replay = await f.inject({ url: '/data', headers: { cookie: stolen } });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({});
  });

  it('without a store, stateless cookies live until expiry (documented in docs/fastify.md)', async () => {
    const f = await app();
    const jar = new Jar().take(
      (await f.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } })).headers,
    );
    await f.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header } });
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({
      user: 'alice',
    });
  });
});

describe('THREATS 6: no silently dropped cookie', () => {
  it('splits a large session over numbered cookies, reads it back, clears stale chunks', async () => {
    const f = await app({ key, maxCookies: 3 }); // 6000 bytes: over the default 6144-byte budget
    const big = 'x'.repeat(6000);
    const first = await f.inject({ method: 'POST', url: '/set', payload: { big } });
    const lines = setCookies(first.headers);
    expect(lines.map((l) => parseSetCookie(l).name)).toEqual(['session', 'session.1', 'session.2']);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(4096);
    const jar = new Jar().take(first.headers);
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({ big });

    const shrink = await f.inject({
      method: 'POST',
      url: '/set',
      payload: { big: 'small' },
      headers: { cookie: jar.header },
    });
    const after = setCookies(shrink.headers).map((l) => parseSetCookie(l));
    expect(after.find((c) => c.name === 'session.1')?.maxAge).toBe(0);
    expect(after.find((c) => c.name === 'session.2')?.maxAge).toBe(0);
    jar.take(shrink.headers);
    expect([...jar.cookies.keys()]).toEqual(['session']);
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({
      big: 'small',
    });
  });

  it('maxCookieBytes reaches the engine: a smaller budget refuses, a larger one chunks, as SessionEngine does', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const outcome = async (options: SecureSessionPluginOptions, size: number) => {
      const f = await app(options);
      f.post('/big', async (req, reply) => {
        try {
          sess(req).set('big', 'x'.repeat(size));
        } catch (err) {
          return reply.code(413).send((err as { code: string }).code);
        }
        return 'stored';
      });
      const res = await f.inject({ method: 'POST', url: '/big' });
      return res.statusCode === 200 ? setCookies(res.headers).map((l) => parseSetCookie(l).name) : res.body;
    };
    const engine = (options: SessionOptions, size: number) => {
      const e = new SessionEngine<{ big: string }>(options);
      const s = e.load(undefined);
      try {
        s.set('big', 'x'.repeat(size));
      } catch (err) {
        return (err as { code: string }).code;
      }
      return e.commit(s).map((l) => parseSetCookie(l).name);
    };
    // The default 6144-byte budget stores 2000 and 4000 characters and refuses 7000; 2048 refuses
    // 2000; 12000 spreads 7000 over three cookies.
    const cases = [
      [{ key }, 2000, ['session']],
      [{ key }, 4000, ['session', 'session.1']],
      [{ key }, 7000, 'ERR_COOKIE_TOO_LARGE'],
      [{ key, maxCookieBytes: 2048 }, 1400, ['session']],
      [{ key, maxCookieBytes: 2048 }, 2000, 'ERR_COOKIE_TOO_LARGE'],
      [{ key, maxCookieBytes: 12_000 }, 4000, ['session', 'session.1']],
      [{ key, maxCookieBytes: 12_000 }, 7000, ['session', 'session.1', 'session.2']],
    ] as const;
    for (const [options, size, expected] of cases) {
      const budget = 'maxCookieBytes' in options ? options.maxCookieBytes : 'default';
      expect(await outcome(options, size), `${budget} ${size}`).toEqual(expected);
      expect(engine(options, size)).toEqual(expected);
    }
    // 12000 is over the 6144 default: registration warned, naming the option.
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        /^sealed-session: options\.maxCookieBytes is 12000: session 'session' may add up to 12000 bytes/,
      ),
    ]);
  });

  it('throws CookieTooLargeError at set() time past maxCookies, leaving the session as it was', async () => {
    const f = await app({ key, maxCookies: 2 });
    f.post('/huge', async (req, reply) => {
      sess(req).set('small', 1);
      try {
        sess(req).set('huge', 'y'.repeat(20_000));
      } catch (err) {
        return reply.code(413).send({ code: (err as { code: string }).code, data: sess(req).data() });
      }
      return 'stored';
    });
    const res = await f.inject({ method: 'POST', url: '/huge' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ code: 'ERR_COOKIE_TOO_LARGE', data: { small: 1 } });
  });
});

describe('THREATS 7: session fixation', () => {
  it('regenerate() at login gives a fresh identity; a planted pre-login cookie is worthless', async () => {
    const f = await app();
    f.get('/id', async (req) => ({ id: sessionInfo(req.session)?.id, data: sess(req).data() }));
    // The attacker gets a valid anonymous session and plants it in the victim's browser.
    const planted = new Jar().take(
      (await f.inject({ method: 'POST', url: '/set', payload: { cart: 1 } })).headers,
    );
    const plantedId = (await f.inject({ url: '/id', headers: { cookie: planted.header } })).json().id;
    // The victim logs in with it.
    const victim = planted.clone();
    victim.take(
      (
        await f.inject({
          method: 'POST',
          url: '/login',
          payload: { user: 'victim' },
          headers: { cookie: planted.header },
        })
      ).headers,
    );
    const after = (await f.inject({ url: '/id', headers: { cookie: victim.header } })).json();
    expect(after.data).toEqual({ user: 'victim' });
    expect(after.id).not.toBe(plantedId);
    // The attacker's copy of the planted cookie did not become a logged-in session.
    expect((await f.inject({ url: '/id', headers: { cookie: planted.header } })).json().data).toEqual({
      cart: 1,
    });
  });

  it('regenerate(keep) keeps only the listed fields', async () => {
    const f = await app();
    f.post('/regen', async (req) => {
      sess(req).regenerate(['keep']);
      return sess(req).data();
    });
    const jar = new Jar().take(
      (await f.inject({ method: 'POST', url: '/set', payload: { keep: 1, drop: 2 } })).headers,
    );
    expect(
      (await f.inject({ method: 'POST', url: '/regen', headers: { cookie: jar.header } })).json(),
    ).toEqual({
      keep: 1,
    });
  });
});

describe('key rotation', () => {
  it('a cookie sealed with an old key opens and is re-issued with the newest key', async () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const before = await app({ key: oldKey });
    const jar = new Jar().take(
      (await before.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers,
    );
    const rotated = await app({ key: [newKey, Buffer.from(oldKey).toString('base64')] });
    const read = await rotated.inject({ url: '/data', headers: { cookie: jar.header } });
    expect(read.json()).toEqual({ a: 1 });
    expect(setCookies(read.headers)).toHaveLength(1); // re-issued although only read
    jar.take(read.headers);
    const newOnly = await app({ key: newKey });
    expect((await newOnly.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({
      a: 1,
    });
  });
});

describe('decorators', () => {
  it('createSecureSession / encodeSecureSession / decodeSecureSession with the original null semantics', async () => {
    const f = await app();
    const s = f.createSecureSession({ foo: 'bar' });
    expect(s.get('foo')).toBe('bar');
    expect(s.changed).toBe(false);
    const token = f.encodeSecureSession(s);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(f.decodeSecureSession(token)?.get('foo')).toBe('bar');
    expect(f.decodeSecureSession(undefined)).toBeNull();
    expect(f.decodeSecureSession('bogus')).toBeNull();
    expect(() => f.decodeSecureSession('bogus', undefined, 'nope')).toThrow(/expected one of session/);
    expect(() => f.encodeSecureSession(s, 'nope')).toThrow(TypeError);
    expect(() => f.encodeSecureSession({} as never)).toThrow(/expected a session from/);
    // The decoded session works as a request session would.
    f.get('/swap', async (req) => {
      req.session = f.decodeSecureSession(token)!;
      sess(req).set('more', 1);
      return 'ok';
    });
    // The encoded value is a cookie value the request path opens too.
    expect((await f.inject({ url: '/data', headers: { cookie: `session=${token}` } })).json()).toEqual({
      foo: 'bar',
    });
    const jar = new Jar().take((await f.inject({ url: '/swap' })).headers);
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({
      foo: 'bar',
      more: 1,
    });
  });

  it('decodeSecureSession logs one debug line with a reason, never the value', async () => {
    const f = await app();
    const lines: string[] = [];
    const log = { debug: (m: string) => lines.push(m) };
    const value = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo';
    expect(f.decodeSecureSession(value, log)).toBeNull();
    expect(lines).toEqual(['sealed-session: no session from the cookie (reason: malformed)']);
  });
});

describe('cookie options as @fastify/secure-session takes them', () => {
  it('cookieOptions alias, expires, secure: "auto", per-response options({ maxAge, expires })', async () => {
    const expires = new Date(Date.now() + 86_400_000);
    const f = await app({ key, cookieOptions: { path: '/app', expires, secure: 'auto', maxAge: 600 } });
    f.post('/remember', async (req) => {
      sess(req).set('a', 1);
      sess(req).options({ maxAge: 30 * 86400, expires: new Date(0 + 2 ** 41) });
      return 'ok';
    });
    const set = parseSetCookie(
      setCookies((await f.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).headers)[0]!,
    );
    expect(set).toMatchObject({ path: '/app', maxAge: 600, secure: true });
    expect(set.expires?.toUTCString()).toBe(expires.toUTCString());
    const remember = parseSetCookie(
      setCookies((await f.inject({ method: 'POST', url: '/remember' })).headers)[0]!,
    );
    expect(remember.maxAge).toBe(30 * 86400);
    expect(remember.expires?.getTime()).toBe(new Date(2 ** 41).setMilliseconds(0));
    const out = parseSetCookie(setCookies((await f.inject({ method: 'POST', url: '/logout' })).headers)[0]!);
    expect(out).toMatchObject({ maxAge: 0, path: '/app' });
    expect(out.expires?.getTime()).toBe(0);
  });
});

describe('multiple sessions', () => {
  it('an array of configs, each with its own cookie, options and key', async () => {
    const f = await app([
      { key, sessionName: 'long', cookie: { maxAge: 3600 } },
      {
        key: generateKey(),
        sessionName: 'short',
        cookieName: 'short-c',
        cookie: { maxAge: 60, domain: 'example.com' },
      },
    ]);
    f.post('/both', async (req) => {
      sess(req, 'long').set('a', 1);
      sess(req, 'short').set('b', 2);
      return 'ok';
    });
    const res = await f.inject({ method: 'POST', url: '/both' });
    const cs = setCookies(res.headers).map((l) => parseSetCookie(l));
    expect(cs.map((c) => [c.name, c.maxAge, c.domain])).toEqual([
      ['long', 3600, undefined],
      ['short-c', 60, 'example.com'],
    ]);
  });
});
