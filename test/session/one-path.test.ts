// THREATS 42: one code path opens a session. Every entry point — the request path (lazy and eager),
// Fastify's decodeSecureSession, the engine's decode() — applies context, expiry and revocation.
// Before the fix, decodeSecureSession ignored the revocation store: a logged-out cookie reopened.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import sealedSession from '../../src/fastify/index.js';
import {
  generateKey,
  MemoryRevocationStore,
  type RevocationCheck,
  type RevocationStore,
  SessionEngine,
} from '../../src/index.js';

const key = generateKey();
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** The token of the first Set-Cookie (unchunked sessions only). */
const tokenOf = (setCookie: string): string => setCookie.split(';')[0]!.split('=')[1]!;

/** A session for `user` sealed by `engine`, as its raw token. */
function login(engine: SessionEngine, user: string): string {
  const s = engine.create({ user });
  return tokenOf(engine.commit(s)[0]!);
}

describe('decodeSecureSession goes through the revocation store', () => {
  it('a revoked cookie opened through decodeSecureSession stays dead', async () => {
    const revocation = new MemoryRevocationStore();
    const f = Fastify();
    apps.push(f);
    await f.register(sealedSession, { key, revocation });
    f.post('/login', async (req) => {
      req.session.regenerate();
      req.session.set('user' as never, 'alice' as never);
      return 'ok';
    });
    f.post('/logout', async (req) => {
      req.session.delete();
      return 'bye';
    });
    await f.ready();
    const res = await f.inject({ method: 'POST', url: '/login' });
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    const token = cookie.slice('session='.length);
    expect(f.decodeSecureSession(token)?.get('user')).toBe('alice');
    await f.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    // The attack: the stolen, logged-out cookie, opened through the decorator instead of a request.
    expect(f.decodeSecureSession(token)).toBeNull();
    expect((await f.inject({ url: '/', headers: { cookie } })).statusCode).toBe(404); // no 5xx
  });

  it('revokeAll(subject) reaches decodeSecureSession too', async () => {
    const revocation = new MemoryRevocationStore();
    const f = Fastify();
    apps.push(f);
    const options = { key, revocation, subject: 'userId' };
    await f.register(sealedSession, options);
    await f.ready();
    const s = f.createSecureSession({ userId: 42 });
    const token = f.encodeSecureSession(s);
    expect(f.decodeSecureSession(token)?.get('userId')).toBe(42);
    revocation.revokeAll('42');
    expect(f.decodeSecureSession(token)).toBeNull();
  });
});

describe('engine entry points share one path', () => {
  it('load (lazy), prepare (eager) and decode all refuse a revoked id', async () => {
    const revocation = new MemoryRevocationStore();
    const e = new SessionEngine({ key, revocation });
    const token = login(e, 'alice');
    const live = e.load(`session=${token}`);
    expect(live.get('user' as never)).toBe('alice');
    live.delete();
    e.commit(live);
    expect(e.load(`session=${token}`).get('user' as never)).toBeUndefined();
    const eager = e.load(`session=${token}`);
    await e.prepare(eager);
    expect(eager.data()).toEqual({});
    expect(e.decode(token)).toBeNull();
  });

  it('the check receives id, issuedAt (ms) and subject', () => {
    const seen: RevocationCheck[] = [];
    const store: RevocationStore = {
      revoke() {},
      isRevoked(check) {
        seen.push(check);
        return false;
      },
    };
    const e = new SessionEngine({ key, revocation: store, subject: 'uid' });
    const before = Date.now();
    const s = e.create({ uid: 7 });
    const token = tokenOf(e.commit(s)[0]!);
    expect(e.decode(token)?.get('uid' as never)).toBe(7);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.id).toBe(s.id);
    expect(seen[0]!.subject).toBe('7');
    expect(seen[0]!.issuedAt).toBe(s.createdAt);
    expect(seen[0]!.issuedAt).toBeGreaterThanOrEqual(before); // ms precision, not whole seconds
  });

  it('an asynchronous answer on a synchronous path is "no session" (fail closed), awaited by prepare', async () => {
    const lines: string[] = [];
    const store: RevocationStore = { revoke() {}, isRevoked: async () => false };
    const e = new SessionEngine({ key, revocation: store, debug: (_m, d) => lines.push(d.reason) });
    const token = login(e, 'bob');
    expect(e.decode(token)).toBeNull();
    expect(lines).toEqual(['revocation-async']);
    const s = e.load(`session=${token}`);
    await e.prepare(s);
    expect(s.get('user' as never)).toBe('bob');
  });

  it('an asynchronous "revoked" keeps the session empty', async () => {
    const store: RevocationStore = { revoke() {}, isRevoked: async () => true };
    const e = new SessionEngine({ key, revocation: store });
    const s = e.load(`session=${login(e, 'eve')}`);
    await e.prepare(s);
    expect(s.data()).toEqual({});
  });
});

describe('a store that fails: no session, a debug line with the cause, never a 5xx', () => {
  const boom = new Error('store down');
  const stores: [string, RevocationStore][] = [
    [
      'throws',
      {
        revoke() {
          throw boom;
        },
        isRevoked() {
          throw boom;
        },
      },
    ],
    [
      'rejects',
      {
        revoke: () => Promise.reject(boom),
        isRevoked: () => Promise.reject(boom),
      },
    ],
    ['answers nonsense', { revoke() {}, isRevoked: () => 'no' as unknown as boolean }],
  ];

  it.each(stores)('a store that %s', async (_name, store) => {
    const lines: { reason: string; cause?: unknown }[] = [];
    const writer = new SessionEngine({ key });
    const token = login(writer, 'alice');
    const e = new SessionEngine({ key, revocation: store, debug: (_m, d) => lines.push(d) });
    const s = e.load(`session=${token}`);
    await e.prepare(s);
    expect(s.data()).toEqual({});
    expect(lines[0]!.reason).toBe('revocation-store-error');
    if (_name !== 'answers nonsense') expect(lines[0]!.cause).toBe(boom);

    const f = Fastify();
    apps.push(f);
    await f.register(sealedSession, { key, revocation: store });
    f.get('/me', async (req) => ({ user: req.session.get('user') ?? null }));
    f.post('/logout', async (req) => {
      req.session.delete();
      return 'bye';
    });
    const me = await f.inject({ url: '/me', headers: { cookie: `session=${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: null });
    const out = await f.inject({ method: 'POST', url: '/logout', headers: { cookie: `session=${token}` } });
    expect(out.statusCode).toBe(200);
  });

  it('a revoke() that throws at logout is logged with its cause, and the cookie is still cleared', () => {
    const lines: { reason: string; cause?: unknown }[] = [];
    const store: RevocationStore = {
      revoke() {
        throw boom;
      },
      isRevoked: () => false,
    };
    const e = new SessionEngine({ key, revocation: store, debug: (_m, d) => lines.push(d) });
    const s = e.load(`session=${login(e, 'alice')}`);
    s.delete();
    expect(e.commit(s)[0]).toMatch(/^session=; Max-Age=0/);
    expect(lines).toEqual([{ session: 'session', reason: 'revocation-store-error', cause: boom }]);
  });
});
