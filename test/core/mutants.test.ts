// Tests that kill the mutants StrykerJS left alive in src/core (docs/mutation.md): exact reason
// codes, exact error messages ("expected X, got Y") and exact boundaries, through the public API.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { describe, expect, it, vi } from 'vitest';
import { backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { checkDeriveOptions, deriveKey, deriveKeyring, setNativePwhash } from '../../src/core/kdf.js';
import { loadSodium, type Sodium, sodiumBackend, useNativeBackend } from '../../src/core/native.js';
import { sealJson, sealTimes, tryOpen, tryOpenText } from '../../src/core/token.js';
import {
  createKeyring,
  generateKey,
  open,
  seal,
  TokenExpiredError,
  TokenInvalidError,
} from '../../src/index.js';
import { fromBase64Url, toBase64Url } from '../../src/internal/base64.js';

const k1 = generateKey();
const k2 = generateKey();
const ring = createKeyring(k1);
const T0 = 1_700_000_000_000;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('token: lifetime options', () => {
  it('accepts 1 and 2**31 - 1 seconds, refuses 0, 2**31, fractions and non-numbers with the exact message', () => {
    const t = seal(1, ring, { context: 'c', maxAge: 1, idleTimeout: 1, now: T0 });
    const o = open(t, ring, { context: 'c', now: T0 });
    expect(o.expiresAt).toBe(T0 + 1000);
    expect(o.idleExpiresAt).toBe(T0 + 1000);
    expect(o.createdAt).toBe(T0);
    const big = seal(1, ring, { context: 'c', maxAge: 2_147_483_647, now: T0 });
    expect(open(big, ring, { context: 'c', now: T0 }).expiresAt).toBe(T0 + 2_147_483_647_000);
    const range = 'an integer number of seconds from 1 to 2147483647';
    for (const [v, shown] of [
      [0, '0'],
      [2_147_483_648, '2147483648'],
      [1.5, '1.5'],
      [-1, '-1'],
      ['60', 'a string of 2 characters'],
    ] as const) {
      const e = thrown(() => seal(1, ring, { context: 'c', maxAge: v as number }));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(`options.maxAge: expected ${range}, got ${shown}`);
      const i = thrown(() => seal(1, ring, { context: 'c', idleTimeout: v as number }));
      expect((i as Error).message).toBe(`options.idleTimeout: expected ${range}, got ${shown}`);
    }
  });

  it('refuses a non-finite or non-number clock with the exact message', () => {
    for (const [v, shown] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['1', 'a string of 1 characters'],
    ] as const) {
      const e = thrown(() => seal(1, ring, { context: 'c', now: v as number }));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(`options.now: expected a time in ms, got ${shown}`);
    }
  });

  it('without options the token has no deadlines and opens now', () => {
    const o = open(seal({ a: 1 }, ring, { context: 'c' }), ring, { context: 'c' });
    expect(o.expiresAt).toBeUndefined();
    expect(o.idleExpiresAt).toBeUndefined();
    expect(o.rotated).toBe(false);
    expect(Math.abs(o.createdAt - Date.now())).toBeLessThan(5000);
    expect(o.createdAt % 1000).toBe(0);
  });
});

describe('token: context', () => {
  it('accepts 1 and 256 characters, refuses 0 and 257 and non-strings with the exact message', () => {
    for (const c of ['x', 'y'.repeat(256)]) {
      expect(open(seal(7, ring, { context: c }), ring, { context: c }).value).toBe(7);
    }
    const msg = 'options.context: expected a non-empty string of at most 256 characters, got ';
    for (const [c, shown] of [
      ['', 'a string of 0 characters'],
      ['z'.repeat(257), 'a string of 257 characters'],
      [5, 'a number'],
    ] as const) {
      const e = thrown(() => seal(1, ring, { context: c as string }));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(msg + shown);
      const o = thrown(() => open('x', ring, { context: c as string }));
      expect((o as Error).message).toBe(msg + shown);
    }
    expect((thrown(() => seal(1, ring, undefined as never)) as Error).message).toBe(`${msg}undefined`);
  });

  it('a token opens only under its own context, with reason auth', () => {
    const t = seal(1, ring, { context: 'a' });
    const e = thrown(() => open(t, ring, { context: 'b' }));
    expect(e).toBeInstanceOf(TokenInvalidError);
    expect((e as TokenInvalidError).reason).toBe('auth');
  });

  it('more than 64 contexts under one key still open each under its own context only', () => {
    const tokens = Array.from({ length: 70 }, (_, i) => seal(i, ring, { context: `ctx-${i}` }));
    for (let i = 0; i < 70; i++) {
      expect(open(tokens[i]!, ring, { context: `ctx-${i}` }).value).toBe(i);
      expect(tryOpen(tokens[i], ring, `ctx-${(i + 1) % 70}`, Date.now())).toEqual({
        ok: false,
        reason: 'auth',
      });
    }
  });
});

describe('token: value', () => {
  it('refuses a value JSON cannot serialise with the exact message', () => {
    const e = thrown(() => seal(undefined, ring, { context: 'c' }));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe('value: expected a JSON-serialisable value, got undefined');
    const f = thrown(() => seal(() => 1, ring, { context: 'c' }));
    expect((f as Error).message).toBe('value: expected a JSON-serialisable value, got a function');
  });
});

describe('token: deadlines are exact', () => {
  it('absolute: opens 1 ms before, refused at the deadline with limit absolute', () => {
    const t = seal('v', ring, { context: 'c', maxAge: 10, now: T0 });
    expect(open(t, ring, { context: 'c', now: T0 + 9_999 }).value).toBe('v');
    const e = thrown(() => open(t, ring, { context: 'c', now: T0 + 10_000 }));
    expect(e).toBeInstanceOf(TokenExpiredError);
    expect((e as TokenExpiredError).limit).toBe('absolute');
    expect((e as Error).message).toBe('token has expired (absolute timeout)');
    expect(tryOpenText(t, ring, 'c', T0 + 10_000)).toEqual({ ok: false, reason: 'expired-absolute' });
  });

  it('idle: opens 1 ms before, refused at the deadline with limit idle', () => {
    const t = seal('v', ring, { context: 'c', idleTimeout: 10, now: T0 });
    expect(open(t, ring, { context: 'c', now: T0 + 9_999 }).value).toBe('v');
    const e = thrown(() => open(t, ring, { context: 'c', now: T0 + 10_000 }));
    expect(e).toBeInstanceOf(TokenExpiredError);
    expect((e as TokenExpiredError).limit).toBe('idle');
    expect((e as Error).message).toBe('token has expired (idle timeout)');
    expect(tryOpenText(t, ring, 'c', T0 + 10_000)).toEqual({ ok: false, reason: 'expired-idle' });
  });

  it('both reached: the absolute limit is reported first', () => {
    const t = seal('v', ring, { context: 'c', idleTimeout: 5, maxAge: 5, now: T0 });
    expect(tryOpenText(t, ring, 'c', T0 + 5_000)).toEqual({ ok: false, reason: 'expired-absolute' });
  });

  it('tryOpenText reports the deadlines in ms (0 when absent) and the text', () => {
    const t = seal({ a: 1 }, ring, { context: 'c', maxAge: 20, idleTimeout: 10, now: T0 + 999 });
    expect(tryOpenText(t, ring, 'c', T0)).toEqual({
      ok: true,
      text: '{"a":1}',
      createdAt: T0,
      idleExpiresAt: T0 + 10_000,
      expiresAt: T0 + 20_000,
      rotated: false,
    });
    const n = seal(null, ring, { context: 'c', now: T0 });
    expect(tryOpenText(n, ring, 'c', T0)).toEqual({
      ok: true,
      text: 'null',
      createdAt: T0,
      idleExpiresAt: 0,
      expiresAt: 0,
      rotated: false,
    });
  });
});

describe('token: sealTimes range checks', () => {
  const msg = (what: string, shown: string) =>
    `${what}: expected a time from 1970 to 2106-02-07T06:28:15Z in ms, got ${shown}`;
  it('createdAt 0 and the last second (2106) seal; -1 ms, one ms later, NaN and non-numbers are refused', () => {
    const last = 0xffff_ffff * 1000;
    expect(tryOpenText(sealTimes(1, ring, 'c', { createdAt: 0 }), ring, 'c', 0)).toMatchObject({
      ok: true,
      createdAt: 0,
    });
    expect(tryOpenText(sealTimes(1, ring, 'c', { createdAt: last }), ring, 'c', 0)).toMatchObject({
      ok: true,
      createdAt: last,
    });
    for (const [v, shown] of [
      [-1, '-1'],
      [last + 1, String(last + 1)],
      [Number.NaN, 'NaN'],
      ['0', 'a string of 1 characters'],
    ] as const) {
      const e = thrown(() => sealTimes(1, ring, 'c', { createdAt: v as number }));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(msg('createdAt', shown));
    }
  });

  it('optional deadlines: undefined means none, 1000 ms is the first accepted, 999 and 0 are refused', () => {
    const t = sealTimes(1, ring, 'c', { createdAt: 0, idleExpiresAt: 1000, expiresAt: 1000 });
    expect(tryOpenText(t, ring, 'c', 999)).toMatchObject({ ok: true, idleExpiresAt: 1000, expiresAt: 1000 });
    for (const what of ['idleExpiresAt', 'expiresAt'] as const) {
      for (const [v, shown] of [
        [999, '999'],
        [0, '0'],
        [0xffff_ffff * 1000 + 1, String(0xffff_ffff * 1000 + 1)],
        [null, 'null'],
      ] as const) {
        const e = thrown(() => sealTimes(1, ring, 'c', { createdAt: 0, [what]: v as number }));
        expect(e).toBeInstanceOf(RangeError);
        expect((e as Error).message).toBe(msg(what, shown));
      }
    }
  });

  it('a lifetime past 2106 is refused at seal, never wrapped', () => {
    const e = thrown(() => seal(1, ring, { context: 'c', maxAge: 2_147_483_647, now: 0xffff_0000 * 1000 }));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/^expiresAt: expected a time from 1970/);
  });
});

describe('token: reasons for refused tokens', () => {
  const good = seal({ u: 1 }, ring, { context: 'c' });
  const bytes = fromBase64Url(good)!;
  const reason = (t: unknown) => tryOpen(t, ring, 'c', Date.now());

  it('non-strings and over-long strings are malformed; 65536 characters are decoded', () => {
    expect(reason(42)).toEqual({ ok: false, reason: 'malformed' });
    expect(reason('A'.repeat(65_537))).toEqual({ ok: false, reason: 'malformed' });
    expect(reason('!')).toEqual({ ok: false, reason: 'malformed' });
    // 65536 characters decode to 49152 bytes: past the length check, refused by the version byte.
    expect(reason('A'.repeat(65_536))).toEqual({ ok: false, reason: 'version' });
  });

  it('the shortest possible token is 1+4+24+16+12 = 57 bytes: 56 is malformed, 57 reaches the key check', () => {
    const b57 = new Uint8Array(57);
    b57[0] = 1;
    expect(reason(toBase64Url(b57))).toEqual({ ok: false, reason: 'unknown-key' });
    expect(reason(toBase64Url(b57.subarray(0, 56)))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('version byte 0 and 2 are refused as version; a foreign key id as unknown-key; a flipped tag as auth', () => {
    for (const v of [0, 2]) {
      const b = Uint8Array.from(bytes);
      b[0] = v;
      expect(reason(toBase64Url(b))).toEqual({ ok: false, reason: 'version' });
    }
    for (const at of [1, 2, 3, 4]) {
      const b = Uint8Array.from(bytes);
      b[at]! ^= 0x80;
      expect(reason(toBase64Url(b))).toEqual({ ok: false, reason: 'unknown-key' });
    }
    const b = Uint8Array.from(bytes);
    b[b.length - 1]! ^= 1;
    expect(reason(toBase64Url(b))).toEqual({ ok: false, reason: 'auth' });
    const e = thrown(() => open(toBase64Url(b), ring, { context: 'c' }));
    expect(e).toBeInstanceOf(TokenInvalidError);
    expect((e as TokenInvalidError).reason).toBe('auth');
    expect((e as TokenInvalidError).code).toBe('ERR_TOKEN_INVALID');
  });

  it('an authentic token whose text is not JSON is refused as payload', () => {
    // sealJson seals text as given: a key holder could seal non-JSON; open refuses it.
    const t = sealJson('{not json', ring, 'c', { createdAt: T0 });
    expect(tryOpenText(t, ring, 'c', T0)).toMatchObject({ ok: true, text: '{not json' });
    expect(tryOpen(t, ring, 'c', T0)).toEqual({ ok: false, reason: 'payload' });
    const e = thrown(() => open(t, ring, { context: 'c', now: T0 }));
    expect(e).toBeInstanceOf(TokenInvalidError);
    expect((e as TokenInvalidError).reason).toBe('payload');
  });
});

describe('token: rotation', () => {
  it('a token of the older key opens with rotated true; of the primary key with rotated false', () => {
    const old = createKeyring(k2);
    const both = createKeyring([k1, k2]);
    const t = seal(1, old, { context: 'c' });
    expect(open(t, both, { context: 'c' }).rotated).toBe(true);
    expect(open(seal(1, both, { context: 'c' }), both, { context: 'c' }).rotated).toBe(false);
    // the primary seals: the new token opens under k1 alone, not under k2 alone
    const n = seal(1, both, { context: 'c' });
    expect(open(n, ring, { context: 'c' }).value).toBe(1);
    expect(tryOpen(n, old, 'c', Date.now())).toEqual({ ok: false, reason: 'unknown-key' });
  });
});

describe('keys and keyring', () => {
  const EXPECTED = 'a 32-byte key (Uint8Array, 64 hex characters or base64 of 32 bytes)';
  const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const hex = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
  const b64url = toBase64Url(key);
  const b64 = Buffer.from(key).toString('base64');

  it('every spelling of one key seals tokens the others open (same key id)', () => {
    for (const spelling of [key, hex, b64url, b64, ` ${b64url}\n`]) {
      const t = seal(1, createKeyring(spelling), { context: 'c' });
      expect(open(t, createKeyring(key), { context: 'c' }).value).toBe(1);
    }
  });

  it('wrong lengths and types are refused with the exact message', () => {
    for (const [input, shown] of [
      [key.subarray(0, 31), 'a Uint8Array of 31 bytes'],
      [new Uint8Array(33), 'a Uint8Array of 33 bytes'],
      [hex.slice(0, 62), 'a string of 62 characters'],
      [`${hex.slice(0, 63)}g`, 'a string of 64 characters'],
      [toBase64Url(new Uint8Array(31)), 'a string of 42 characters'],
      [42, 'a number'],
      [null, 'null'],
    ] as const) {
      const e = thrown(() => createKeyring(input as string));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(`key: expected ${EXPECTED}, got ${shown}`);
    }
    const e = thrown(() => createKeyring([key, 'nope']));
    expect((e as Error).message).toBe(`key[1]: expected ${EXPECTED}, got a string of 4 characters`);
    const empty = thrown(() => createKeyring([]));
    expect((empty as Error).message).toBe('key: expected at least one key, got an array of 0 items');
  });

  it('the ring copies the key: zeroing the caller buffer changes nothing', () => {
    const mine = Uint8Array.from(key);
    const r = createKeyring(mine);
    const t = seal(1, r, { context: 'c' });
    mine.fill(0);
    expect(open(t, r, { context: 'c' }).value).toBe(1);
    expect(tryOpen(t, createKeyring(new Uint8Array(32)), 'c', Date.now())).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('a duplicate key is refused with the index of both', () => {
    const e = thrown(() => createKeyring([k1, k2, hex, key]));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe(
      'key[3]: expected a key different from key[2], got a duplicate (or a key-id collision)',
    );
  });

  it('open with something that is not a keyring refuses the token as unknown-key, never a TypeError', () => {
    const t = seal(1, ring, { context: 'c' });
    const e = thrown(() => open(t, {} as never, { context: 'c' }));
    expect(e).toBeInstanceOf(TokenInvalidError);
    expect((e as TokenInvalidError).reason).toBe('unknown-key');
  });

  it('size, toJSON and inspection show the count only; createKeyring(ring) is the same ring', () => {
    const r = createKeyring([k1, k2]);
    expect(r.size).toBe(2);
    expect(r.toJSON()).toBe('Keyring(2 keys)');
    expect(JSON.stringify({ r })).toBe('{"r":"Keyring(2 keys)"}');
    expect(createKeyring(r)).toBe(r);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('generateKey gives 32 random bytes, 64 hex or 43 base64url characters', () => {
    const a = generateKey();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(32);
    expect(generateKey('hex')).toMatch(/^[0-9a-f]{64}$/);
    expect(generateKey('base64url')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateKey('hex')).not.toBe(generateKey('hex'));
  });
});

describe('kdf: derive options', () => {
  const secret = 's'.repeat(32);
  it('a 32-character secret and a 16-character salt pass; the salt is read as ASCII low bytes', () => {
    const r = checkDeriveOptions({ secret, salt: 'abcdefghijklmno\u0141' });
    expect(r.secret).toEqual(new TextEncoder().encode(secret));
    expect(r.salt).toEqual(Uint8Array.from([...'abcdefghijklmno'].map((c) => c.charCodeAt(0)).concat(0x41)));
    const bytes = checkDeriveOptions({
      secret: new Uint8Array(32).fill(7),
      salt: new Uint8Array(16).fill(9),
    });
    expect(bytes.secret).toEqual(new Uint8Array(32).fill(7));
    expect(bytes.salt).toEqual(new Uint8Array(16).fill(9));
  });

  it('without a salt: the @fastify/secure-session default salt, for undefined and null', () => {
    const dflt = Uint8Array.from(Buffer.from('mq9hDxBVDbspDR6nLfFT1g==', 'base64'));
    expect(checkDeriveOptions({ secret }).salt).toEqual(dflt);
    expect(checkDeriveOptions({ secret, salt: null }).salt).toEqual(dflt);
  });

  it('inputs are copied', () => {
    const sec = new Uint8Array(32).fill(1);
    const salt = new Uint8Array(16).fill(2);
    const r = checkDeriveOptions({ secret: sec, salt });
    sec.fill(0);
    salt.fill(0);
    expect(r.secret[0]).toBe(1);
    expect(r.salt[0]).toBe(2);
  });

  it('refusals carry the exact message and never the secret', () => {
    const cases: [unknown, string][] = [
      [null, 'options: expected an object with a secret, got null'],
      ['x', 'options: expected an object with a secret, got a string of 1 characters'],
      [
        { secret: 's'.repeat(31) },
        'options.secret: expected a secret of at least 32 characters, got a string of 31 characters',
      ],
      [
        { secret: new Uint8Array(31) },
        'options.secret: expected a secret of at least 32 bytes, got a Uint8Array of 31 bytes',
      ],
      [{ secret: 5 }, 'options.secret: expected a string of at least 32 characters, got a number'],
      [
        { secret, salt: 'a'.repeat(15) },
        'options.salt: expected a salt of 16 bytes, got a string of 15 characters',
      ],
      [
        { secret, salt: 'a'.repeat(17) },
        'options.salt: expected a salt of 16 bytes, got a string of 17 characters',
      ],
      [
        { secret, salt: new Uint8Array(15) },
        'options.salt: expected a salt of 16 bytes, got a Uint8Array of 15 bytes',
      ],
      [{ secret, salt: 16 }, 'options.salt: expected 16 bytes or a string of 16 characters, got a number'],
    ];
    for (const [o, m] of cases)
      expect((thrown(() => checkDeriveOptions(o, 'options')) as Error).message).toBe(m);
    expect((thrown(() => checkDeriveOptions(null, 'cfg')) as Error).message).toBe(
      'cfg: expected an object with a secret, got null',
    );
  });

  it('the default name in the messages is "options" (checkDeriveOptions and deriveKey)', async () => {
    const m = 'options.salt: expected 16 bytes or a string of 16 characters, got a number';
    expect((thrown(() => checkDeriveOptions({ secret, salt: 16 })) as Error).message).toBe(m);
    // deriveKey checks before it starts the hash: a synchronous throw or a rejection, same message.
    await expect((async () => deriveKey({ secret, salt: 16 } as never))()).rejects.toThrow(m);
  });

  it('deriveKey passes the secret, salt, OPSLIMIT_MODERATE and MEMLIMIT_MODERATE to the hash', async () => {
    const calls: unknown[][] = [];
    setNativePwhash(async (...args) => {
      calls.push(args);
      return new Uint8Array(32).fill(3);
    });
    try {
      const key = await deriveKey({ secret, salt: 'b'.repeat(16) });
      expect(key).toEqual(new Uint8Array(32).fill(3));
      expect(calls).toEqual([
        [new TextEncoder().encode(secret), new Uint8Array(16).fill(98), 3, 268_435_456],
      ]);
      const ring = await deriveKeyring({ secret });
      expect(
        open(seal(1, ring, { context: 'c' }), createKeyring(new Uint8Array(32).fill(3)), { context: 'c' })
          .value,
      ).toBe(1);
      // refused before any hashing, synchronously
      expect(() => deriveKey({ secret: 'short' }, 'opts')).toThrow(
        'opts.secret: expected a secret of at least 32 characters, got a string of 5 characters',
      );
      expect(calls.length).toBe(2);
    } finally {
      setNativePwhash(undefined);
    }
  });
});

// Module-level constants (MIN_BYTES, MAX_TIME_MS, KID_LABEL, EXPECTED_KEY, DEFAULT_SALT, the
// portable backend's name…) are evaluated once, when the module loads. StrykerJS (ignoreStatic)
// activates such a mutant in a beforeAll, after this file's static imports ran, so a test that uses
// the statically imported module can never see it (docs/mutation.md). These tests load a fresh copy
// of the core inside the test, while the mutant is active.
async function freshCore() {
  vi.resetModules();
  const index = await import('../../src/index.js');
  return {
    ...index,
    token: await import('../../src/core/token.js'),
    kdf: await import('../../src/core/kdf.js'),
    backendModule: await import('../../src/core/backend.js'),
    base64: await import('../../src/internal/base64.js'),
  };
}

describe('module-level constants, with the core loaded inside the test', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

  it('token.ts: 57 bytes is the shortest token, 2106-02-07T06:28:15Z the last second, 65536 characters the longest', async () => {
    const c = await freshCore();
    const r = c.createKeyring(key);
    const b57 = new Uint8Array(57);
    b57[0] = 1;
    expect(c.token.tryOpenText(c.base64.toBase64Url(b57), r, 'c', 0)).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
    expect(c.token.tryOpenText(c.base64.toBase64Url(b57.subarray(0, 56)), r, 'c', 0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(c.token.tryOpenText('A'.repeat(65_536), r, 'c', 0)).toEqual({ ok: false, reason: 'version' });
    expect(c.token.tryOpenText('A'.repeat(65_537), r, 'c', 0)).toEqual({ ok: false, reason: 'malformed' });
    const last = 0xffff_ffff * 1000;
    const t = c.token.sealTimes(1, r, 'c', { createdAt: last, expiresAt: last, idleExpiresAt: last });
    expect(c.token.tryOpenText(t, r, 'c', last - 1)).toEqual({
      ok: true,
      text: '1',
      createdAt: last,
      idleExpiresAt: last,
      expiresAt: last,
      rotated: false,
    });
    expect((thrown(() => c.token.sealTimes(1, r, 'c', { createdAt: last + 1 })) as Error).message).toBe(
      `createdAt: expected a time from 1970 to 2106-02-07T06:28:15Z in ms, got ${last + 1}`,
    );
    expect(c.TOKEN_VERSION).toBe(1);
    expect(c.base64.fromBase64Url(t)![0]).toBe(1);
    expect((thrown(() => c.token.checkLifetime('x', 2 ** 31)) as Error).message).toBe(
      'x: expected an integer number of seconds from 1 to 2147483647, got 2147483648',
    );
  });

  it('keyring.ts: the key id is SHA-256("sealed-session/v1/key-id" || key)[0..4]', async () => {
    const c = await freshCore();
    const t = c.seal(1, c.createKeyring(key), { context: 'c' });
    const id = sha256(concatBytes(new TextEncoder().encode('sealed-session/v1/key-id'), key)).subarray(0, 4);
    expect(c.base64.fromBase64Url(t)!.subarray(1, 5)).toEqual(id);
  });

  it('keys.ts: base64url and padded base64 keys are read; the key error names the three spellings', async () => {
    const c = await freshCore();
    const t = c.seal(1, c.createKeyring(key), { context: 'c' });
    for (const spelling of [toBase64Url(key), Buffer.from(key).toString('base64')]) {
      expect(c.open(t, c.createKeyring(spelling), { context: 'c' }).value).toBe(1);
    }
    expect((thrown(() => c.createKeyring('nope')) as Error).message).toBe(
      'key: expected a 32-byte key (Uint8Array, 64 hex characters or base64 of 32 bytes), got a string of 4 characters',
    );
  });

  it('kdf.ts: without a salt, the @fastify/secure-session default salt', async () => {
    const c = await freshCore();
    expect(c.kdf.checkDeriveOptions({ secret: 's'.repeat(32) }).salt).toEqual(
      Uint8Array.from(Buffer.from('mq9hDxBVDbspDR6nLfFT1g==', 'base64')),
    );
  });

  it('backend.ts: the portable backend is named noble and is the default', async () => {
    const c = await freshCore();
    expect(c.backendModule.portableBackend.name).toBe('noble');
    expect(c.backendModule.backend()).toBe(c.backendModule.portableBackend);
  });
});

describe('sodium backend: pool, scratch and bounds (over a recording sodium-native)', () => {
  const real = loadSodium();
  if (!real) throw new Error('sodium-native must be installed for this suite');
  /** sodium-native whose randombytes_buf writes a counter pattern and records each buffer. */
  const recording = () => {
    const fills: Uint8Array[] = [];
    const plains: Uint8Array[] = [];
    let counter = 0;
    const fake: Sodium = Object.create(real, {
      randombytes_buf: {
        value: (buf: Uint8Array) => {
          fills.push(buf);
          for (let i = 0; i < buf.length; i++) buf[i] = (counter++ % 251) + 1;
        },
      },
      crypto_aead_xchacha20poly1305_ietf_encrypt: {
        value: (...args: Parameters<Sodium['crypto_aead_xchacha20poly1305_ietf_encrypt']>) => {
          plains.push(args[1]);
          return real.crypto_aead_xchacha20poly1305_ietf_encrypt(...args);
        },
      },
    });
    return { b: sodiumBackend(fake), fills, plains };
  };

  it('one pool of 128 nonces (3072 bytes) serves 128 draws of 24 bytes in order; the 129th refills it', () => {
    const { b, fills } = recording();
    const first = b.randomBytes(24);
    expect(fills.length).toBe(1);
    expect(fills[0]!.length).toBe(3072);
    expect(Array.from(first)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (let i = 1; i < 128; i++) {
      const r = b.randomBytes(24);
      expect(r[0]).toBe(((24 * i) % 251) + 1);
    }
    expect(fills.length).toBe(1);
    // handed-out bytes are wiped from the pool
    expect(fills[0]!.every((x) => x === 0)).toBe(true);
    b.randomBytes(24);
    expect(fills.length).toBe(2);
    expect(fills[1]).toBe(fills[0]);
  });

  it('a draw of exactly the pool size goes through the pool; one byte more is drawn directly', () => {
    const { b, fills } = recording();
    expect(b.randomBytes(3072).length).toBe(3072);
    expect(fills.map((f) => f.length)).toEqual([3072]);
    const big = b.randomBytes(3073);
    expect(fills.map((f) => f.length)).toEqual([3072, 3073]);
    expect(big[0]).toBe((3072 % 251) + 1);
    expect(fills[1]!.buffer).toBe(big.buffer);
    // a draw that does not fit the rest of the pool refills it first
    const { b: b2, fills: f2 } = recording();
    b2.randomBytes(3000);
    b2.randomBytes(72);
    expect(f2.length).toBe(1);
    b2.randomBytes(1);
    expect(f2.length).toBe(2);
  });

  it('open: under 16 bytes is undefined, exactly a tag opens to an empty plaintext, a bad tag is undefined', () => {
    const { b } = recording();
    const key = new Uint8Array(32).fill(1);
    const nonce = new Uint8Array(24).fill(2);
    const ad = new Uint8Array([1, 2, 3]);
    const empty = b.seal(key, nonce, new Uint8Array(0), ad);
    expect(empty.length).toBe(16);
    expect(Array.from(b.open(key, nonce, empty, ad)!)).toEqual([]);
    for (const n of [0, 5, 15]) expect(b.open(key, nonce, empty.subarray(0, n), ad)).toBeUndefined();
    const bad = Uint8Array.from(empty);
    bad[0]! ^= 1;
    expect(b.open(key, nonce, bad, ad)).toBeUndefined();
    const sealed = b.seal(key, nonce, new Uint8Array([9, 8, 7]), ad);
    expect(sealed.length).toBe(19);
    expect(Array.from(b.open(key, nonce, sealed, ad)!)).toEqual([9, 8, 7]);
    expect(portableBackend.seal(key, nonce, new Uint8Array([9, 8, 7]), ad)).toEqual(sealed);
  });

  it('sealToken: the plaintext scratch is reused and wiped; large and non-ASCII payloads fit', () => {
    const { b, plains } = recording();
    const r = createKeyring(k1);
    setBackend(b);
    try {
      const a = seal({ a: 1 }, r, { context: 'c', now: T0 });
      const c = seal({ c: 2 }, r, { context: 'c', now: T0 });
      expect(plains.length).toBe(2);
      expect(plains[0]!.buffer).toBe(plains[1]!.buffer); // one scratch buffer
      expect(plains[0]!.length).toBe(12 + '{"a":1}'.length);
      expect(plains.every((p) => p.every((x) => x === 0))).toBe(true); // wiped after use
      expect(open(a, r, { context: 'c', now: T0 }).value).toEqual({ a: 1 });
      expect(open(c, r, { context: 'c', now: T0 }).value).toEqual({ c: 2 });
      for (const v of ['x'.repeat(20_000), 'é'.repeat(6_000), '€'.repeat(5_500)]) {
        const t = seal(v, r, { context: 'c', now: T0 });
        setBackend(portableBackend);
        expect(open(t, r, { context: 'c', now: T0 }).value).toBe(v);
        setBackend(b);
      }
      // a given nonce (test vectors) is used as is
      const nonce = new Uint8Array(24).fill(0xab);
      const t = sealJson('1', r, 'c', { createdAt: T0 }, nonce);
      expect(Array.from(fromBase64Url(t)!.subarray(5, 29))).toEqual(Array.from(nonce));
      setBackend(portableBackend);
      expect(sealJson('1', r, 'c', { createdAt: T0 }, nonce)).toBe(t);
    } finally {
      setBackend(portableBackend);
    }
  });
});

describe('native.ts: useNativeBackend', () => {
  it('is the same backend on every call, and switches the AEAD to sodium-native', () => {
    try {
      expect(useNativeBackend()).toBe('sodium-native');
      const first = backend();
      expect(useNativeBackend()).toBe('sodium-native');
      expect(backend()).toBe(first);
      expect(loadSodium()).toBe(loadSodium());
    } finally {
      setBackend(portableBackend);
      setNativePwhash(undefined);
    }
  });

  it("plugs sodium-native's crypto_pwhash_async with Argon2id13 and a 32-byte output", async () => {
    const real = loadSodium()!;
    const calls: unknown[][] = [];
    vi.resetModules();
    vi.doMock('node:module', async (importOriginal) => {
      const orig = await importOriginal<typeof import('node:module')>();
      const fake = Object.create(real, {
        crypto_pwhash_async: {
          value: async (out: Uint8Array, ...rest: unknown[]) => {
            calls.push([out.length, ...rest]);
            out.fill(5);
          },
        },
      });
      return { ...orig, createRequire: () => () => fake };
    });
    try {
      const native = await import('../../src/core/native.js');
      const kdf = await import('../../src/core/kdf.js');
      expect(native.useNativeBackend()).toBe('sodium-native');
      const secret = 's'.repeat(32);
      expect(await kdf.deriveKey({ secret, salt: 'a'.repeat(16) })).toEqual(new Uint8Array(32).fill(5));
      expect(calls).toEqual([
        [
          32,
          new TextEncoder().encode(secret),
          new Uint8Array(16).fill(97),
          3,
          268_435_456,
          real.crypto_pwhash_ALG_ARGON2ID13,
        ],
      ]);
      native.useNativeBackend(); // still the same plugged hash
      await kdf.deriveKey({ secret, salt: 'a'.repeat(16) });
      expect(calls.length).toBe(2);
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });

  it('without sodium-native: loadSodium is null, the portable backend stays and no native hash is plugged', async () => {
    vi.resetModules();
    vi.doMock('node:module', async (importOriginal) => {
      const orig = await importOriginal<typeof import('node:module')>();
      return {
        ...orig,
        createRequire: () => () => {
          throw Object.assign(new Error("Cannot find module 'sodium-native'"), { code: 'MODULE_NOT_FOUND' });
        },
      };
    });
    try {
      const native = await import('../../src/core/native.js');
      const backendModule = await import('../../src/core/backend.js');
      expect(native.loadSodium()).toBeNull();
      expect(native.loadSodium()).toBeNull();
      expect(native.useNativeBackend()).toBe('noble');
      expect(backendModule.backend()).toBe(backendModule.portableBackend);
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});

describe('errors: codes, names, messages and describe()', () => {
  it('each error class has its fixed code, its class name and its exact message', async () => {
    const e = await import('../../src/core/errors.js');
    const cause = new Error('inner');
    const base = new e.SealedSessionError('ERR_X', 'msg', { cause });
    expect(base).toBeInstanceOf(Error);
    expect(base.code).toBe('ERR_X');
    expect(base.name).toBe('SealedSessionError');
    expect(base.message).toBe('msg');
    expect(base.cause).toBe(cause);
    expect(new e.SealedSessionError('ERR_Y', 'm').cause).toBeUndefined();

    const invalid = new e.TokenInvalidError('auth');
    expect(invalid).toBeInstanceOf(e.SealedSessionError);
    expect([invalid.code, invalid.name, invalid.message, invalid.reason]).toEqual([
      'ERR_TOKEN_INVALID',
      'TokenInvalidError',
      'token is invalid',
      'auth',
    ]);
    const expired = new e.TokenExpiredError('idle');
    expect([expired.code, expired.name, expired.message, expired.limit]).toEqual([
      'ERR_TOKEN_EXPIRED',
      'TokenExpiredError',
      'token has expired (idle timeout)',
      'idle',
    ]);
    expect(new e.TokenExpiredError('absolute').message).toBe('token has expired (absolute timeout)');
    const large = new e.CookieTooLargeError(5000, 4096);
    expect([large.code, large.name, large.message]).toEqual([
      'ERR_COOKIE_TOO_LARGE',
      'CookieTooLargeError',
      'sealed session needs 5000 bytes of cookies, over the limit of 4096',
    ]);
    const random = new e.RandomSourceError('returned zero bytes');
    expect([random.code, random.name, random.message]).toEqual([
      'ERR_RANDOM_SOURCE',
      'RandomSourceError',
      'random source is broken: it returned zero bytes',
    ]);
  });

  it('describe() names every kind of value without its content', async () => {
    const { describe: describeValue } = await import('../../src/core/errors.js');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue('hunter2')).toBe('a string of 7 characters');
    expect(describeValue('')).toBe('a string of 0 characters');
    expect(describeValue(new Uint8Array(16))).toBe('a Uint8Array of 16 bytes');
    expect(describeValue(Buffer.alloc(3))).toBe('a Buffer of 3 bytes');
    expect(describeValue([1, 2, 3])).toBe('an array of 3 items');
    expect(describeValue(42)).toBe('a number');
    expect(describeValue(0)).toBe('a number');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(describeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(describeValue({})).toBe('an object (Object)');
    expect(describeValue(new Map())).toBe('an object (Map)');
    expect(describeValue(Object.create(null))).toBe('an object (null prototype)');
    expect(describeValue(true)).toBe('a boolean');
    expect(describeValue(1n)).toBe('a bigint');
    expect(describeValue(Symbol('s'))).toBe('a symbol');
    expect(describeValue(() => 1)).toBe('a function');
  });

  it('expectedType and expectedRange build the exact messages', async () => {
    const { expectedRange, expectedType } = await import('../../src/core/errors.js');
    const t = expectedType('options.key', 'a 32-byte key', new Uint8Array(16));
    expect(t).toBeInstanceOf(TypeError);
    expect(t.message).toBe('options.key: expected a 32-byte key, got a Uint8Array of 16 bytes');
    const r = expectedRange('options.maxAge', 'a positive number of seconds', -1);
    expect(r).toBeInstanceOf(RangeError);
    expect(r.message).toBe('options.maxAge: expected a positive number of seconds, got -1');
    expect(expectedRange('x', 'y', 1.5).message).toBe('x: expected y, got 1.5');
    expect(expectedRange('x', 'y', 'abc').message).toBe('x: expected y, got a string of 3 characters');
    expect(expectedRange('x', 'y', null).message).toBe('x: expected y, got null');
  });
});
