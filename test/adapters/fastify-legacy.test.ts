// Cookies written by the real @fastify/secure-session 8.4 are opened by sealed-session/fastify and
// re-issued in the sealed format, so users stay logged in across the switch; the legacy format's
// lack of context binding is contained; hostile legacy-looking input never throws.
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import sealedSession, { type SecureSessionPluginOptions } from '../../src/fastify/index.js';
import { createLegacyReader } from '../../src/fastify/legacy.js';
import { sodiumSecretboxOpen } from '../../src/fastify/sodium.js';
import { generateKey } from '../../src/index.js';
import { Jar, sess, setCookies } from './fastify-support.js';

// Loaded untyped: its type declarations would clash with ours on FastifyRequest.session.
const require = createRequire(import.meta.url);
const original = require('@fastify/secure-session') as FastifyPluginCallback<Record<string, unknown>>;

const key = Buffer.from(generateKey());
const apps: FastifyInstance[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

type Req = { [name: string]: { set(k: string, v: unknown): void; get(k: string): unknown } };

/** An application still on @fastify/secure-session that logs a user in. */
async function legacyApp(options: unknown): Promise<FastifyInstance> {
  const f = Fastify();
  apps.push(f);
  await f.register(original, options as Record<string, unknown>);
  f.post('/login', async (req) => {
    const names = Array.isArray(options) ? options.map((o) => o.sessionName ?? 'session') : ['session'];
    for (const n of names) (req as unknown as Req)[n]!.set('userId', `${n}-7`);
    return 'ok';
  });
  return f;
}

async function ourApp(options: SecureSessionPluginOptions): Promise<FastifyInstance> {
  const f = Fastify();
  apps.push(f);
  await f.register(sealedSession, options);
  f.get('/me', async (req) => sess(req).data());
  f.get('/me/:name', async (req) => sess(req, (req.params as { name: string }).name).data());
  return f;
}

async function legacyCookies(options: unknown): Promise<Jar> {
  const old = await legacyApp(options);
  const res = await old.inject({ method: 'POST', url: '/login' });
  expect(res.statusCode).toBe(200);
  return new Jar().take(res.headers);
}

describe('cookies of @fastify/secure-session', () => {
  it('open with the same key and are re-issued in the sealed format', async () => {
    const jar = await legacyCookies({ key });
    expect(decodeURIComponent(jar.cookies.get('session')!)).toMatch(/^[A-Za-z0-9+/=]+;[A-Za-z0-9+/=]+$/);
    const ours = await ourApp({ key });
    const read = await ours.inject({ url: '/me', headers: { cookie: jar.header } });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ userId: 'session-7' });
    // Re-issued although the handler only read it, in the new format.
    const lines = setCookies(read.headers);
    expect(lines).toHaveLength(1);
    jar.take(read.headers);
    expect(jar.cookies.get('session')).toMatch(/^[A-Za-z0-9_-]+$/);
    // The new cookie opens without the legacy reader.
    const strict = await ourApp({ key, legacy: false });
    expect((await strict.inject({ url: '/me', headers: { cookie: jar.header } })).json()).toEqual({
      userId: 'session-7',
    });
  });

  it('open when the key was given as base64, and from an older key of a rotated list', async () => {
    const jar = await legacyCookies({ key: key.toString('base64') });
    const rotated = await ourApp({ key: [generateKey(), key.toString('base64')] });
    expect((await rotated.inject({ url: '/me', headers: { cookie: jar.header } })).json()).toEqual({
      userId: 'session-7',
    });
  });

  it('open when made with secret + salt (same Argon2id derivation)', async () => {
    const options = { secret: 'averylogphrasebiggerthanthirtytwochars', salt: 'mq9hDxBVDbspDR6n' };
    const jar = await legacyCookies(options);
    const ours = await ourApp(options);
    const read = await ours.inject({ url: '/me', headers: { cookie: jar.header } });
    expect(read.json()).toEqual({ userId: 'session-7' });
    expect(setCookies(read.headers)).toHaveLength(1);
  });

  it('open when signed with @fastify/cookie (cookie.signed: true)', async () => {
    const jar = await legacyCookies({ key, cookie: { signed: true, path: '/' } });
    const ours = await ourApp({ key, cookie: { signed: true } });
    expect((await ours.inject({ url: '/me', headers: { cookie: jar.header } })).json()).toEqual({
      userId: 'session-7',
    });
  });

  it('stay expired after __ts + expiry, as with the original', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const jar = await legacyCookies({ key, expiry: 60 });
    const ours = await ourApp({ key, expiry: 60 });
    vi.setSystemTime(Date.now() + 61_000);
    const read = await ours.inject({ url: '/me', headers: { cookie: jar.header } });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({});
  });

  it('tampered legacy cookies give an empty session, never an error', async () => {
    const jar = await legacyCookies({ key });
    const [cipher, nonce] = decodeURIComponent(jar.cookies.get('session')!).split(';') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const variants = [
      `${flip(cipher, 5)};${nonce}`,
      `${cipher};${flip(nonce, 3)}`,
      `${cipher.slice(4)};${nonce}`,
      `${cipher};${nonce};${nonce}`,
      `${cipher} ;${nonce}`,
      `${cipher.replace(/=+$/, '')};${nonce}`,
      `${cipher};`,
      `;${nonce}`,
      `${nonce};${cipher}`,
    ];
    const ours = await ourApp({ key });
    for (const v of variants) {
      const r = await ours.inject({ url: '/me', headers: { cookie: `session=${encodeURIComponent(v)}` } });
      expect(r.statusCode, v.slice(0, 20)).toBe(200);
      expect(r.json()).toEqual({});
    }
  });
});

describe('THREATS 2 for legacy cookies (that format binds no session name)', () => {
  const configs = (k1: Buffer, k2: Buffer) => [
    { key: k1, sessionName: 'a', cookieName: 'a' },
    { key: k2, sessionName: 'b', cookieName: 'b' },
  ];

  it('with a key shared by two sessions, legacy reading is off: "a" never opens as "b"', async () => {
    const jar = await legacyCookies(configs(key, key));
    const moved = `b=${jar.cookies.get('a')}`;
    const ours = await ourApp(configs(key, key));
    expect((await ours.inject({ url: '/me/b', headers: { cookie: moved } })).json()).toEqual({});
    expect((await ours.inject({ url: '/me/a', headers: { cookie: jar.header } })).json()).toEqual({});
  });

  it('with distinct keys, legacy cookies open under their own name only', async () => {
    const other = Buffer.from(generateKey());
    const jar = await legacyCookies(configs(key, other));
    const ours = await ourApp(configs(key, other));
    expect((await ours.inject({ url: '/me/a', headers: { cookie: jar.header } })).json()).toEqual({
      userId: 'a-7',
    });
    const moved = `b=${jar.cookies.get('a')}`;
    expect((await ours.inject({ url: '/me/b', headers: { cookie: moved } })).json()).toEqual({});
  });

  it('legacy: false turns the reader off entirely', async () => {
    const jar = await legacyCookies({ key });
    const ours = await ourApp({ key, legacy: false });
    expect((await ours.inject({ url: '/me', headers: { cookie: jar.header } })).json()).toEqual({});
  });
});

describe('legacy reader', () => {
  it('the portable (@noble/ciphers) and libsodium openers agree on real cookies and on failures', async () => {
    const jar = await legacyCookies({ key });
    const value = decodeURIComponent(jar.cookies.get('session')!);
    const native = sodiumSecretboxOpen();
    expect(native).toBeDefined();
    const portable = createLegacyReader([key], 86401);
    const sodium = createLegacyReader([key], 86401, { open: native });
    const now = Date.now();
    expect(portable(value, now)).toEqual(sodium(value, now));
    expect(portable(value, now)).toMatchObject({ ok: true, data: { userId: 'session-7' } });
    const wrong = createLegacyReader([Buffer.from(generateKey())], 86401);
    expect(wrong(value, now)).toEqual({ ok: false, reason: 'decrypt' });
    for (const v of ['', ';', 'a;b', `${'A'.repeat(20_000)};x`, '\u0000;\u0000', 'QUJD;QUJD', 'QQ==;QUJD']) {
      expect(() => portable(v, now)).not.toThrow();
      expect(portable(v, now).ok).toBe(false);
    }
  });
});
