// Moving from cookie-session: cookies written by the real `cookie-session` 2.1 (Keygrip-signed
// `session` + `session.sig`, the app's existing keys) open in sealed-session/express with
// `legacy: { cookieSession: { keys } }`, are re-issued sealed, and both old cookies are erased once
// moved (THREATS 52); forged, tampered or unsigned old cookies never open. Real servers on 127.0.0.1.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import cookieSession from 'cookie-session';
import express from 'express';
import Keygrip from 'keygrip';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpressSessionOptions, MemoryRevocationStore, sealedSession } from '../../src/express/index.js';
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

async function call(
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

/** The app before the switch: real cookie-session logs a user in. */
async function oldCookies(options: Parameters<typeof cookieSession>[0]): Promise<Record<string, string>> {
  const a = express();
  a.use(cookieSession(options));
  a.post('/login', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    s.userId = 7;
    s.roles = ['admin'];
    res.send('ok');
  });
  const base = await listen(a);
  const r = await call(base, '/login', {}, 'POST');
  expect(r.status).toBe(200);
  return r.jar;
}

const key = generateKey();

/** The app after the switch. */
async function newApp(options: ExpressSessionOptions): Promise<string> {
  const a = express();
  a.use(sealedSession(options));
  a.get('/me', (req, res) => {
    const s = req.session as unknown as Record<string, unknown> & { isNew: boolean };
    res.json({ userId: s.userId ?? null, roles: s.roles ?? null, isNew: s.isNew });
  });
  return listen(a);
}

const erased = (setCookie: string[], name: string): boolean =>
  setCookie.some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c) && /Path=\//.test(c));

describe('moving from cookie-session', () => {
  it('a signed cookie-session cookie opens, is re-issued sealed, and session + session.sig are erased', async () => {
    const old = await oldCookies({ keys: ['cookie-session-key'] });
    expect(Object.keys(old).sort()).toEqual(['session', 'session.sig']);
    expect(JSON.parse(Buffer.from(old.session!, 'base64').toString())).toEqual({
      userId: 7,
      roles: ['admin'],
    });

    const base = await newApp({ key, legacy: { cookieSession: { keys: ['cookie-session-key'] } } });
    const moved = await call(base, '/me', old);
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    // The sealed cookie replaces `session` (same name) and the signature cookie is erased.
    expect(moved.setCookie).toHaveLength(2);
    expect(moved.setCookie[0]).toMatch(
      /^session=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(erased(moved.setCookie, 'session.sig')).toBe(true);
    expect(Object.keys(moved.jar)).toEqual(['session']);
    expect(moved.jar.session).not.toBe(old.session);

    // The browser now holds only the sealed cookie; it opens without the legacy option.
    const strict = await newApp({ key });
    const again = await call(strict, '/me', moved.jar);
    expect(again.body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    expect(again.setCookie).toEqual([]);
  });

  it('rotated keys: a cookie signed with an older key of the list moves too', async () => {
    const old = await oldCookies({ keys: ['older-key'] });
    const base = await newApp({ key, legacy: { cookieSession: { keys: ['newest-key', 'older-key'] } } });
    expect((await call(base, '/me', old)).body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
  });

  it('another cookie name: both old cookies are erased, the sealed one has its own name', async () => {
    const old = await oldCookies({ keys: ['k'], name: 'sess' });
    expect(Object.keys(old).sort()).toEqual(['sess', 'sess.sig']);
    const base = await newApp({
      key,
      cookieName: 'sid',
      legacy: { cookieSession: { keys: ['k'], name: 'sess' } },
    });
    const moved = await call(base, '/me', old);
    expect(moved.body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    expect(erased(moved.setCookie, 'sess')).toBe(true);
    expect(erased(moved.setCookie, 'sess.sig')).toBe(true);
    expect(Object.keys(moved.jar)).toEqual(['sid']);
  });

  it('a sealed session wins over old cookies still in the jar; the old ones are erased', async () => {
    const old = await oldCookies({ keys: ['k'], name: 'sess' });
    const base = await newApp({ key, legacy: { cookieSession: { keys: ['k'], name: 'sess' } } });
    const first = await call(base, '/me', old);
    const both = { ...first.jar, ...old }; // e.g. a second tab that still sends the old cookies
    const r = await call(base, '/me', both);
    expect(r.body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    expect(erased(r.setCookie, 'sess')).toBe(true);
    expect(erased(r.setCookie, 'sess.sig')).toBe(true);
  });

  it('forged or tampered old cookies never open (wrong key, edited value, edited signature); they are erased', async () => {
    const reasons: string[] = [];
    const base = await newApp({
      key,
      legacy: { cookieSession: { keys: ['the-real-key'] } },
      debug: (_m, d) => reasons.push(d.reason),
    });
    const forged = await oldCookies({ keys: ['attacker-key'] });
    const real = await oldCookies({ keys: ['the-real-key'] });
    const edited = {
      session: Buffer.from(JSON.stringify({ userId: 1, roles: ['admin'] })).toString('base64'),
      'session.sig': real['session.sig']!,
    };
    const sig = real['session.sig']!;
    const flipped = {
      session: real.session!,
      'session.sig': sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'),
    };
    for (const jarIn of [forged, edited, flipped]) {
      const r = await call(base, '/me', jarIn);
      expect(r.body).toEqual({ userId: null, roles: null, isNew: true });
      expect(erased(r.setCookie, 'session.sig')).toBe(true);
    }
    expect(reasons.filter((r) => r === 'cookie-session-signature')).toHaveLength(3);
  });

  it('an unsigned cookie-session cookie (signed: false) is never read: anyone can write one', async () => {
    const old = await oldCookies({ signed: false });
    expect(Object.keys(old)).toEqual(['session']);
    const base = await newApp({ key, legacy: { cookieSession: { keys: ['k'] } } });
    expect((await call(base, '/me', old)).body).toEqual({ userId: null, roles: null, isNew: true });
  });

  it('the options object the app gave cookie-session works as is: secret, a Keygrip instance, cookie attributes', async () => {
    // `secret` instead of `keys`, with cookie-session's cookie attributes alongside.
    const full = {
      secret: 'one-secret',
      name: 'sess',
      maxAge: 86_400_000,
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: false,
    };
    const old = await oldCookies(full);
    const base = await newApp({ key, legacy: { cookieSession: full } });
    expect((await call(base, '/me', old)).body).toEqual({ userId: 7, roles: ['admin'], isNew: false });

    // A configured Keygrip instance with another algorithm: its own signature check is used.
    const grip = new Keygrip(['grip-key'], 'sha256');
    const gripped = await oldCookies({ keys: grip as unknown as string[] });
    const viaGrip = await newApp({ key, legacy: { cookieSession: { keys: grip } } });
    expect((await call(viaGrip, '/me', gripped)).body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    // The same keys as a plain array mean SHA-1 (Keygrip's default): a SHA-256 signature is refused.
    const asArray = await newApp({ key, legacy: { cookieSession: { keys: ['grip-key'] } } });
    expect((await call(asArray, '/me', gripped)).body).toEqual({ userId: null, roles: null, isNew: true });
    // A hostile signature that makes the Keygrip instance throw is a refusal, not a 500.
    const throwing = await newApp({
      key,
      legacy: {
        cookieSession: {
          keys: {
            index: () => {
              throw new Error('boom');
            },
          },
        },
      },
    });
    const r = await call(throwing, '/me', gripped);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ userId: null, roles: null, isNew: true });
  });

  it('with an asynchronous revocation store too (the session is prepared before the handler)', async () => {
    const old = await oldCookies({ keys: ['k'] });
    const store = new MemoryRevocationStore();
    const revocation = {
      revoke: (id: string, until: number) => store.revoke(id, until),
      isRevoked: async (check: Parameters<typeof store.isRevoked>[0]) => store.isRevoked(check),
    };
    const base = await newApp({ key, revocation, legacy: { cookieSession: { keys: ['k'] } } });
    const moved = await call(base, '/me', old);
    expect(moved.body).toEqual({ userId: 7, roles: ['admin'], isNew: false });
    expect(erased(moved.setCookie, 'session.sig')).toBe(true);
  });

  it('misuse of the legacy option throws at construction with "expected X, got Y"', () => {
    const bad: [unknown, RegExp][] = [
      [{}, /^options\.legacy: expected \{ cookieSession: \{ keys, name\? \} \}, got an object/],
      [{ cookieSession: {} }, /^options\.legacy\.cookieSession\.keys: expected cookie-session's keys/],
      [
        { cookieSession: { keys: ['k', ''] } },
        /^options\.legacy\.cookieSession\.keys\[1\]: expected a non-empty/,
      ],
      [
        { cookieSession: { keys: ['k'], signed: false } },
        /^options\.legacy\.cookieSession\.signed: expected true \(unsigned cookie-session cookies/,
      ],
      [
        { cookieSession: { keys: { sign: () => '' } } },
        /keys: expected cookie-session's keys \(an array or a Keygrip instance\), got an object/,
      ],
      [
        { cookieSession: { secret: '' } },
        /^options\.legacy\.cookieSession\.secret: expected a non-empty string or bytes/,
      ],
      [
        { cookieSession: { keys: ['k'], maxage: 1 } },
        /^options\.legacy\.cookieSession\.maxage: expected one of keys, secret/,
      ],
      [
        { cookieSession: { keys: ['k'], name: 'session.1' } },
        /not one of the sealed cookie's chunks, got 'session\.1'/,
      ],
    ];
    for (const [legacy, message] of bad) {
      expect(() => sealedSession({ key, legacy: legacy as never })).toThrow(message);
    }
  });
});
