// THREATS 1 and 38 through Fastify: foreign, truncated, bit-flipped, re-encoded, oversized and
// non-UTF-8 cookies (a shared corpus, legacy-looking values, and fast-check random Cookie headers)
// → 200 with an empty session, never a 5xx, and no cookie value in any log line (the logger's
// output is captured at trace level through a pino destination stream).
import { validateHeaderValue } from 'node:http';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sealedSession from '../../src/fastify/index.js';
import { createKeyring, generateKey } from '../../src/index.js';
import { alteredTokens, HOSTILE_COOKIE_HEADERS, HOSTILE_STRINGS } from '../support/hostile.js';
import { Jar, sess } from './fastify-support.js';

const key = generateKey();
const ring = createKeyring(key);
const lines: string[] = [];
let app: FastifyInstance;

const sendable = (h: string): boolean => {
  try {
    validateHeaderValue('cookie', h);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  app = Fastify({ logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } } });
  await app.register(sealedSession, { key });
  app.get('/', async (req) => ({ data: sess(req).data(), changed: sess(req).changed }));
  app.post('/write', async (req) => {
    sess(req).set('ok', true);
    return sess(req).data();
  });
});
afterAll(() => app.close());

async function expectEmpty(cookie: string): Promise<void> {
  const res = await app.inject({ url: '/', headers: { cookie } });
  expect(res.statusCode, JSON.stringify(cookie.slice(0, 60))).toBe(200);
  expect(res.json()).toEqual({ data: {}, changed: false });
  // A write on top of a hostile cookie works and yields a fresh, valid cookie.
  const w = await app.inject({ method: 'POST', url: '/write', headers: { cookie } });
  expect(w.statusCode).toBe(200);
  expect(w.json()).toEqual({ ok: true });
}

const uriEncoded = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return v; // lone surrogates
  }
};

function legacyLooking(): string[] {
  const b64 = (n: number, fill = 0) => Buffer.alloc(n, fill).toString('base64');
  return [
    `${b64(15)};`,
    `${b64(16)};${b64(24)}`,
    `${b64(64, 7)};${b64(24, 1)}`,
    `${b64(64)};${b64(23)}`,
    `${b64(64)};${b64(24)}.signature`,
    `${b64(3000)};${b64(24)}`,
    `${b64(64)};${b64(24)};${b64(24)}`,
  ];
}

describe('THREATS 1: hostile cookies → empty session, never a 5xx', () => {
  it('the shared corpus, altered real tokens, legacy-looking values and raw headers', async () => {
    const values = [...HOSTILE_STRINGS, ...alteredTokens(ring, 'session'), ...legacyLooking()];
    const headers = [
      ...values.map((v) => `session=${v}`),
      ...values.map((v) => `session=${uriEncoded(v)}`),
      ...HOSTILE_COOKIE_HEADERS,
    ].filter(sendable);
    expect(headers.length).toBeGreaterThan(100);
    for (const h of headers) await expectEmpty(h);
  });

  it('chunk headers that lie (missing, extra, out-of-range counts) are refused', async () => {
    const res = await app.inject({ method: 'POST', url: '/write' });
    const jar = new Jar().take(res.headers);
    const t = jar.cookies.get('session')!;
    for (const h of [
      `session=2.${t}`,
      `session=2.${t.slice(0, 20)}; session.1=${t.slice(20, 30)}`,
      `session=99.${t}; session.1=${t}`,
      `session=3.${t.slice(0, 50)}; session.1=${t.slice(50)}`,
    ]) {
      await expectEmpty(h);
    }
  });

  it('fuzz: random Cookie headers (binary strings, random names around ours)', async () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .tuple(
          fc.constantFrom('session', 'session.1', 'session.2', 'x'),
          fc.string({ unit: 'binary', maxLength: 300 }),
        )
        .map(([n, v]) => `${n}=${v}`),
      fc
        .array(fc.base64String({ maxLength: 200 }), { maxLength: 4 })
        .map((parts) => `session=${parts.join(';')}`),
    );
    await fc.assert(
      fc.asyncProperty(header.filter(sendable), async (h) => {
        const res = await app.inject({ url: '/', headers: { cookie: h } });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ data: {}, changed: false });
      }),
      { numRuns: 300 },
    );
  });

  it('THREATS 38: no cookie value in any log line, and refusals are logged with a reason', () => {
    const debug = lines.filter((l) => l.includes('no session from the cookie'));
    expect(debug.length).toBeGreaterThan(50);
    for (const l of debug) expect(JSON.parse(l)).toMatchObject({ level: 20, reason: expect.any(String) });
    const secrets = [...alteredTokens(ring, 'session'), ...legacyLooking()].filter((v) => v.length >= 16);
    const log = lines.join('\n');
    for (const v of secrets) {
      expect(log.includes(v)).toBe(false);
      expect(log.includes(uriEncoded(v))).toBe(false);
      expect(log.includes(v.slice(0, 16))).toBe(false);
    }
    expect(log.includes(Buffer.from(key).toString('hex'))).toBe(false);
    expect(log.includes(Buffer.from(key).toString('base64'))).toBe(false);
  });
});

describe('where @fastify/secure-session answers 500, we do not', () => {
  it('a key list with one bad key: the original 500s on a well-shaped foreign cookie; ours refuses the config', async () => {
    const require = createRequire(import.meta.url);
    const original = require('@fastify/secure-session') as FastifyPluginCallback<Record<string, unknown>>;
    const badKeys = [Buffer.from(generateKey()), Buffer.alloc(16)];
    const foreign = `session=${encodeURIComponent(`${'A'.repeat(44)};${'A'.repeat(32)}`)}`;

    const theirs = Fastify();
    await theirs.register(original, { key: badKeys });
    theirs.get('/', async (req) => (req as unknown as { session: { data(): unknown } }).session.data());
    expect((await theirs.inject({ url: '/', headers: { cookie: foreign } })).statusCode).toBe(500);
    await theirs.close();

    const ours = Fastify();
    await expect(ours.register(sealedSession, { key: badKeys })).rejects.toThrow(/key\[1\]/);
    await ours.close();
    await expectEmpty(foreign);
  });
});
