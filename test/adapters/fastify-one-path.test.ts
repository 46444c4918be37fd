// sealed-session/fastify opens sessions through the engine's one path on every entry point
// (THREATS 42): the decorators (decodeSecureSession, createSecureSession + encodeSecureSession)
// honour the revocation store, the sealed expiry and the session-name context exactly as a request
// does; request cookies are read from the raw header (one spelling, THREATS 49); cookie names of the
// sessions of one registration, chunk names included, never collide (THREATS 48).
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SecureSessionPluginOptions } from '../../src/fastify/index.js';
import sealedSession from '../../src/fastify/index.js';
import { generateKey, MemoryRevocationStore } from '../../src/index.js';
import { Jar, sess } from './fastify-support.js';

const key = generateKey();
const apps: FastifyInstance[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(options: SecureSessionPluginOptions): Promise<FastifyInstance> {
  const f = Fastify();
  apps.push(f);
  await f.register(sealedSession, options);
  f.post('/login', async (req) => {
    sess(req).regenerate();
    sess(req).set('userId', 42);
    return 'welcome';
  });
  f.post('/logout', async (req) => {
    sess(req).delete();
    return 'bye';
  });
  f.get('/data', async (req) => sess(req).data());
  return f;
}

const cookieValue = (jar: Jar, name = 'session'): string => jar.cookies.get(name)!;

describe('THREATS 42: the decorators open sessions through the one engine path', () => {
  it('decodeSecureSession: a logged-out (revoked) cookie decodes to null, as on a request', async () => {
    const revocation = new MemoryRevocationStore();
    const f = await app({ key, revocation });
    const login = new Jar().take((await f.inject({ method: 'POST', url: '/login' })).headers);
    const stolen = cookieValue(login);
    expect(f.decodeSecureSession(stolen)?.get('userId')).toBe(42);
    await f.inject({ method: 'POST', url: '/logout', headers: { cookie: login.header } });
    expect(f.decodeSecureSession(stolen)).toBeNull();
    expect((await f.inject({ url: '/data', headers: { cookie: login.header } })).json()).toEqual({});
  });

  it('decodeSecureSession: revokeAll(subject) ends every session of the user for the decorator too', async () => {
    const revocation = new MemoryRevocationStore();
    const f = await app({ key, revocation, subject: 'userId' });
    const a = cookieValue(new Jar().take((await f.inject({ method: 'POST', url: '/login' })).headers));
    const b = cookieValue(new Jar().take((await f.inject({ method: 'POST', url: '/login' })).headers));
    expect(f.decodeSecureSession(a)).not.toBeNull();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2000 });
    await revocation.revokeAll('42');
    expect(f.decodeSecureSession(a)).toBeNull();
    expect(f.decodeSecureSession(b)).toBeNull();
  });

  it('an encoded session that is later destroyed stays dead through the decorator', async () => {
    const revocation = new MemoryRevocationStore();
    const f = await app({ key, revocation });
    const token = f.encodeSecureSession(f.createSecureSession({ userId: 7 }));
    const jar = new Jar({ session: token });
    expect((await f.inject({ url: '/data', headers: { cookie: jar.header } })).json()).toEqual({ userId: 7 });
    await f.inject({ method: 'POST', url: '/logout', headers: { cookie: jar.header } });
    expect(f.decodeSecureSession(token)).toBeNull();
  });

  it('decodeSecureSession: the sealed idle expiry holds (no decode past `expiry`)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const f = await app({ key, expiry: 60 });
    const token = f.encodeSecureSession(f.createSecureSession({ userId: 7 }));
    vi.setSystemTime(Date.now() + 59_000);
    expect(f.decodeSecureSession(token)?.get('userId')).toBe(7);
    vi.setSystemTime(Date.now() + 2_000);
    expect(f.decodeSecureSession(token)).toBeNull();
  });

  it('decodeSecureSession: a cookie of session "b" never decodes as "a" (same key)', async () => {
    const f = await app([
      { key, sessionName: 'a', legacy: false },
      { key, sessionName: 'b', legacy: false },
    ]);
    const b = f.encodeSecureSession(f.createSecureSession({ userId: 1 }), 'b');
    expect(f.decodeSecureSession(b, undefined, 'b')?.get('userId')).toBe(1);
    expect(f.decodeSecureSession(b, undefined, 'a')).toBeNull();
  });
});

describe('THREATS 49: request cookies are read raw, one spelling', () => {
  it('a percent-encoded spelling of a valid cookie is refused, with @fastify/cookie registered', async () => {
    const f = await app({ key });
    expect(f.hasPlugin('@fastify/cookie')).toBe(true); // its request.cookies would percent-decode
    const jar = new Jar().take((await f.inject({ method: 'POST', url: '/login' })).headers);
    const value = cookieValue(jar);
    expect((await f.inject({ url: '/data', headers: { cookie: `session=${value}` } })).json()).toEqual({
      userId: 42,
    });
    const i = value.search(/[A-Za-z]/);
    const respelt = `${value.slice(0, i)}%${value.charCodeAt(i).toString(16).toUpperCase()}${value.slice(i + 1)}`;
    expect(decodeURIComponent(respelt)).toBe(value);
    expect((await f.inject({ url: '/data', headers: { cookie: `session=${respelt}` } })).json()).toEqual({});
  });
});

describe('THREATS 48: cookie names of one registration never collide', () => {
  it('sessions `a` and `a.1` are refused at registration (a chunk of `a` is the cookie `a.1`)', async () => {
    const f = Fastify();
    apps.push(f);
    const err = await f
      .register(sealedSession, [
        { key, sessionName: 'a' },
        { key: generateKey(), sessionName: 'a.1' },
      ])
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err).toBeInstanceOf(TypeError);
    expect(err?.message).toBe(
      "options[1].cookieName: expected cookie names not used by another session, got 'a.1' (also written by session 'a')",
    );
  });

  it('a cookieName equal to a chunk of another session is refused too; distinct names register', async () => {
    const f = Fastify();
    apps.push(f);
    const err = await f
      .register(sealedSession, [
        { key, sessionName: 'main', cookieName: 'sid', maxCookies: 3 },
        { key: generateKey(), sessionName: 'flash', cookieName: 'sid.2' },
      ])
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(/got 'sid\.2' \(also written by session 'main'\)/);
    const ok = await app([
      { key, sessionName: 'main', cookieName: 'sid' },
      { key: generateKey(), sessionName: 'flash', cookieName: 'flash' },
    ]);
    expect(ok.hasDecorator('decodeSecureSession')).toBe(true);
  });
});
