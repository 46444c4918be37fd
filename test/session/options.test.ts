// THREATS 47: everything accepted at construction works on every request. Before the fix,
// `cookie.maxAge: 1.5` passed construction and then every commit threw (HTTP 500), and lifetimes
// past the format's uint32 seconds wrapped silently (`maxAge: 2**32 + 100` sealed an expired token).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createKeyring,
  generateKey,
  open,
  SessionEngine,
  type SessionOptions,
  seal,
} from '../../src/index.js';

const key = generateKey();
const ring = createKeyring(key);

/** Numbers of every kind an option could be given: small, whole, fractional, huge, negative, odd. */
const anyNumber = fc.oneof(
  fc.integer({ min: 1, max: 400 * 86_400 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: 0, max: 10, noNaN: true }),
  fc.constantFrom(
    1.5,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32 + 100,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    1e-9,
  ),
);
const anyValue = fc.oneof(anyNumber, fc.constantFrom(undefined, '60', null, true));

const expectedMessage = /^(options|key|options\.cookie)[^:]*: expected .+, got .+$/;

/** A round of requests: new session, read back, rolling refresh, per-response options, delete. */
function requests(e: SessionEngine): void {
  const s = e.create({ user: 'alice' });
  const first = e.commit(s);
  expect(first.length).toBe(1);
  const cookie = first[0]!.split(';')[0]!;
  const back = e.load(cookie);
  expect(back.get('user' as never)).toBe('alice');
  back.touch();
  expect(e.commit(back).length).toBe(1);
  const again = e.load(cookie);
  again.set('n' as never, 1 as never);
  expect(e.commit(again).length).toBe(1);
  const gone = e.load(cookie);
  gone.delete();
  expect(e.commit(gone)[0]).toMatch(/Max-Age=0/);
}

describe('engine options: refused at construction or working on every request', () => {
  it('the two reported cases are refused up front with "expected X, got Y"', () => {
    expect(() => new SessionEngine({ key, cookie: { maxAge: 1.5 } })).toThrow(
      'options.cookie.maxAge: expected an integer number of seconds from 0 to 2147483647, got 1.5',
    );
    expect(() => new SessionEngine({ key, absoluteExpiry: 2 ** 32 + 100 })).toThrow(
      'options.absoluteExpiry: expected an integer number of seconds from 1 to 2147483647, got 4294967396',
    );
    expect(() => new SessionEngine({ key, expiry: 2 ** 32 + 100 })).toThrow(RangeError);
  });

  it('property: for random option values, construction throws "expected X, got Y" or every request succeeds', () => {
    fc.assert(
      fc.property(
        anyValue,
        anyValue,
        anyValue,
        anyValue,
        fc.constantFrom(undefined, 'low', 'medium', 'high', 'urgent'),
        fc.constantFrom(undefined, 'example.com', '.example.com', 'bad domain', 'a;b'),
        fc.constantFrom(undefined, '/', '/app', 'app', '/a;b', '/\u0000'),
        (expiry, absoluteExpiry, maxCookies, maxAge, priority, domain, path) => {
          const options = {
            key,
            expiry,
            absoluteExpiry,
            maxCookies,
            cookie: { maxAge, priority, domain, path },
          } as unknown as SessionOptions;
          let engine: SessionEngine;
          try {
            engine = new SessionEngine(options);
          } catch (err) {
            expect(err instanceof TypeError || err instanceof RangeError).toBe(true);
            expect((err as Error).message).toMatch(expectedMessage);
            return;
          }
          requests(engine);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('per-response options are checked when given, never at commit', () => {
    const e = new SessionEngine({ key });
    const s = e.create({ a: 1 });
    expect(() => s.options({ maxAge: 1.5 })).toThrow(
      'session.options().maxAge: expected an integer number of seconds from 0 to 2147483647, got 1.5',
    );
    expect(() => s.options({ priority: 'urgent' as never })).toThrow(/priority: expected/);
    s.options({ maxAge: 60 });
    expect(e.commit(s)[0]).toContain('Max-Age=60');
  });
});

describe('seal(): lifetimes inside the format, or refused', () => {
  it('maxAge past the uint32 range is refused, never wrapped into an expired token', () => {
    expect(() => seal(1, ring, { context: 'c', maxAge: 2 ** 32 + 100 })).toThrow(
      'options.maxAge: expected an integer number of seconds from 1 to 2147483647, got 4294967396',
    );
    expect(() => seal(1, ring, { context: 'c', maxAge: 1.5 })).toThrow(RangeError);
    // A deadline past 2106 (the last uint32 second) is refused even for an accepted lifetime.
    expect(() => seal(1, ring, { context: 'c', maxAge: 2 ** 31 - 1, now: 0xffff_0000 * 1000 })).toThrow(
      /^expiresAt: expected a time from 1970 to 2106-02-07T06:28:15Z in ms, got /,
    );
    expect(() => seal(1, ring, { context: 'c', now: Number.NaN })).toThrow(RangeError);
  });

  it('property: seal() throws "expected X, got Y" or the token opens right away', () => {
    fc.assert(
      fc.property(
        anyValue,
        anyValue,
        fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: 0, max: 2 ** 33 * 1000 }),
          fc.constantFrom(-1, 0.5, Number.NaN),
        ),
        (maxAge, idleTimeout, now) => {
          const options = { context: 'c', maxAge, idleTimeout, now } as never;
          let token: string;
          try {
            token = seal({ ok: 1 }, ring, options);
          } catch (err) {
            expect(err).toBeInstanceOf(RangeError);
            expect((err as Error).message).toMatch(/^[\w.]+: expected .+, got .+$/);
            return;
          }
          const at = now ?? Date.now();
          expect(open(token, ring, { context: 'c', now: at }).value).toEqual({ ok: 1 });
        },
      ),
      { numRuns: 400 },
    );
  });
});
