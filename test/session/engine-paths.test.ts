// Engine paths StrykerJS found untested (docs/mutation.md, src/session/engine.ts): the payload
// shape a token must hold, the legacy opener's gate and deadline, a key still being derived, the
// revocation verdicts one by one, the two cache generations, exact cookie and byte limits, and
// the cookies an untouched or destroyed session writes. Each assertion names an exact value, so a
// changed condition or boundary in the engine turns it red.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CookieTooLargeError } from '../../src/core/errors.js';
import { createKeyring } from '../../src/core/keyring.js';
import { generateKey } from '../../src/core/keys.js';
import { sealJson, type TokenTimes } from '../../src/core/token.js';
import {
  findCookie,
  type LegacyOpener,
  SessionEngine,
  type SessionOptions,
} from '../../src/session/engine.js';
import type { RevocationCheck, RevocationStore } from '../../src/session/revocation.js';
import { cookieHeader } from '../support/cookies.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const key = generateKey();
const T0 = Date.UTC(2026, 0, 1); // a whole second
const NO_SESSION = 'sealed-session: no session from the cookie';

const namesOf = (setCookies: string[]) => setCookies.map((c) => c.slice(0, c.indexOf('=')));
const cleared = (setCookies: string[]) => setCookies.filter((c) => /^[^=]+=; Max-Age=0;/.test(c));

/** An engine whose debug reasons (and causes) are recorded. */
function debugged(
  options: Partial<SessionOptions> = {},
  extra?: ConstructorParameters<typeof SessionEngine>[1],
) {
  const lines: { message: string; reason: string; cause?: unknown }[] = [];
  const engine = new SessionEngine(
    { key, debug: (message, d) => lines.push({ message, ...d }), ...options },
    extra,
  );
  const reasons = () => lines.map((l) => l.reason);
  return { engine, lines, reasons };
}

/** Silences the budget warning that engines above 6144 bytes print (restored after each test). */
const quietWarnings = () => vi.spyOn(console, 'warn').mockImplementation(() => {});

/** Seals any JSON text under the engine's own key and context, as a forger holding the key could. */
const sealed = (engine: SessionEngine, json: string, times: TokenTimes = { createdAt: Date.now() }) =>
  sealJson(json, engine.keyring, engine.cookieName, times);

describe('payload: a token that opens must hold { i: string, c?: number, d: object }', () => {
  it('every other shape is no session, logged as "payload", and never handed to the legacy opener', () => {
    const legacy = vi.fn<LegacyOpener>(() => undefined);
    const { engine, reasons } = debugged({}, { legacy });
    const bad = [
      'not json',
      'null',
      '1',
      '"text"',
      '[]',
      '{"d":{}}',
      '{"i":1,"d":{}}',
      '{"i":"x","c":"1","d":{}}',
      '{"i":"x","c":null,"d":{}}',
      '{"i":"x"}',
      '{"i":"x","d":null}',
      '{"i":"x","d":[]}',
      '{"i":"x","d":1}',
      '{"i":"x","d":"y"}',
    ];
    for (const json of bad) {
      expect(engine.load(`session=${sealed(engine, json)}`).data(), json).toEqual({});
    }
    expect(reasons()).toEqual(bad.map(() => 'payload'));
    expect(legacy).not.toHaveBeenCalled();
    const good = engine.load(`session=${sealed(engine, '{"i":"id-1","d":{"a":1}}')}`);
    expect(good.get('a' as never)).toBe(1);
    expect(good.id).toBe('id-1');
    const withTime = engine.load(`session=${sealed(engine, `{"i":"id-2","c":${Date.now()},"d":{}}`)}`);
    expect(withTime.id).toBe('id-2');
    expect(reasons()).toHaveLength(bad.length);
  });

  it('createdAt is the payload ms time when it falls in the sealed second, else the sealed time', () => {
    const engine = new SessionEngine({ key });
    const at = (c: string) =>
      engine.load(`session=${sealed(engine, `{"i":"x",${c}"d":{}}`, { createdAt: T0 })}`).createdAt;
    expect(at(`"c":${T0 + 999},`)).toBe(T0 + 999);
    expect(at(`"c":${T0},`)).toBe(T0);
    expect(at(`"c":${T0 + 1000},`)).toBe(T0);
    expect(at(`"c":${T0 - 1},`)).toBe(T0);
    expect(at('')).toBe(T0);
  });

  it('a token sealed without deadlines opens, and again from the cache', () => {
    const engine = new SessionEngine({ key });
    const cookie = `session=${sealed(engine, '{"i":"x","d":{"a":1}}')}`;
    expect(engine.load(cookie).get('a' as never)).toBe(1);
    expect(engine.cacheSize).toBe(1);
    const again = engine.load(cookie);
    expect(again.get('a' as never)).toBe(1);
    expect(again.expiresAt).toBeUndefined();
  });

  it('a forged or foreign-key token is refused by its reason; a percent in a token says so', () => {
    const legacy = vi.fn<LegacyOpener>(() => undefined);
    const { engine, reasons } = debugged({}, { legacy });
    const token = sealed(engine, '{"i":"x","d":{}}');
    const flipped = token.slice(0, -4) + (token.at(-4) === 'A' ? 'B' : 'A') + token.slice(-3);
    expect(engine.load(`session=${flipped}`).data()).toEqual({});
    const other = new SessionEngine({ key: generateKey() });
    expect(engine.load(`session=${sealed(other, '{"i":"x","d":{}}')}`).data()).toEqual({});
    expect(reasons()).toEqual(['auth', 'unknown-key']);
    expect(legacy).not.toHaveBeenCalled();
    expect(engine.load(`session=${token.slice(0, 5)}%41${token.slice(5)}`).data()).toEqual({});
    expect(reasons()[2]).toBe('percent-encoded');
  });
});

describe('the legacy opener (foreign cookies, e.g. @fastify/secure-session)', () => {
  const absoluteExpiry = 1000;
  function withLegacy() {
    const legacy = vi.fn<LegacyOpener>((value, now) => {
      if (value === 'legacy value') return { data: { u: 1 }, createdAt: now - 10_000 };
      if (value === 'at deadline') return { data: { u: 2 }, createdAt: now - absoluteExpiry * 1000 };
      if (value === 'just inside') return { data: { u: 3 }, createdAt: now - absoluteExpiry * 1000 + 1 };
      return undefined;
    });
    return { legacy, ...debugged({ absoluteExpiry, expiry: 100 }, { legacy }) };
  }

  it('gets the percent-decoded value; the session opens with a fresh id and is re-sealed in our format', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const { engine, legacy, reasons } = withLegacy();
    const s = engine.load('session=legacy%20value');
    expect(s.get('u' as never)).toBe(1);
    expect(legacy).toHaveBeenCalledWith('legacy value', T0);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(s.createdAt).toBe(T0 - 10_000);
    expect(s.expiresAt).toBe(T0 - 10_000 + absoluteExpiry * 1000);
    const out = engine.commit(s);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=100;/);
    expect(engine.load(cookieHeader(out)).get('u' as never)).toBe(1);
    expect(reasons()).toEqual([]);
  });

  it('past the absolute lifetime (counted from its creation) it is refused; 1 ms before, it opens', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const { engine, reasons } = withLegacy();
    expect(engine.load('session=at%20deadline').data()).toEqual({});
    expect(reasons()).toEqual(['expired-absolute']);
    expect(engine.load('session=just%20inside').get('u' as never)).toBe(3);
    expect(reasons()).toHaveLength(1);
  });

  it('a value that is not valid percent-encoding never reaches it; one it refuses is "malformed"', () => {
    const { engine, legacy, reasons } = withLegacy();
    expect(engine.load('session=bad%zz').data()).toEqual({});
    expect(legacy).not.toHaveBeenCalled();
    expect(engine.load('session=unknown').data()).toEqual({});
    expect(legacy).toHaveBeenCalledWith('unknown', expect.any(Number));
    expect(reasons()).toEqual(['percent-encoded', 'malformed']);
  });
});

describe('a keyring still being derived', () => {
  it('the key is required unless a keyring promise is given', () => {
    expect(() => new SessionEngine({} as never)).toThrow(
      new TypeError('options.key: expected a key, a list of keys or a Keyring, got undefined'),
    );
  });

  it('keyring and opening a cookie throw until ready; then the derived ring seals and opens', async () => {
    const ring = createKeyring(key);
    let resolve!: (r: typeof ring) => void;
    const engine = new SessionEngine({} as never, { keyring: new Promise((r) => (resolve = r)) });
    const early = 'sealed-session: the key is still being derived; await engine.ready first';
    expect(() => engine.keyring).toThrow(early);
    expect(() => engine.load('session=x').data()).toThrow(early);
    resolve(ring);
    await engine.ready;
    expect(engine.keyring).toBe(ring);
    const other = new SessionEngine({ key });
    expect(engine.load(cookieHeader(other.commit(other.create({ a: 1 })))).get('a' as never)).toBe(1);
  });
});

describe('the budget warning', () => {
  it("an adapter's own wording is used above 6144 bytes, and not at 6144", () => {
    const warn = quietWarnings();
    const budgetWarning = vi.fn((budget: number) => `engine-paths test: budget ${budget}`);
    new SessionEngine({ key, maxCookieBytes: 6144 }, { budgetWarning });
    expect(budgetWarning).not.toHaveBeenCalled();
    new SessionEngine({ key, maxCookieBytes: 6145 }, { budgetWarning });
    expect(budgetWarning).toHaveBeenCalledWith(6145);
    expect(warn).toHaveBeenCalledWith('engine-paths test: budget 6145');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('each distinct warning prints once, and at most 100 distinct ones per process', async () => {
    vi.resetModules();
    const { SessionEngine: Fresh } = await import('../../src/session/engine.js');
    const warn = quietWarnings();
    for (let i = 0; i < 101; i++) new Fresh({ key, maxCookieBytes: 7000 + i });
    new Fresh({ key, maxCookieBytes: 7000 });
    expect(warn).toHaveBeenCalledTimes(100);
    expect(warn.mock.calls[0]![0]).toMatch(/^sealed-session: options\.maxCookieBytes is 7000: /);
  });
});

describe('what an untouched, emptied or destroyed session writes', () => {
  it('no cookie source is no session and no debug line; a non-string one is "unparsable"', () => {
    const { engine, reasons } = debugged();
    for (const source of [undefined, null, '']) {
      expect(engine.commit(engine.load(source))).toEqual([]); // never loaded
      const s = engine.load(source);
      expect(s.data()).toEqual({});
      expect(engine.commit(s)).toEqual([]);
    }
    expect(reasons()).toEqual([]);
    expect(engine.commit(engine.load(5 as never))).toEqual([]);
    const s = engine.load(5 as never);
    s.delete();
    expect(namesOf(engine.commit(s))).toEqual(['session']);
    expect(reasons()).toEqual(['unparsable-cookie-header']);
  });

  it('destroying a session that had no cookie clears the main cookie', () => {
    const engine = new SessionEngine({ key });
    const s = engine.load('other=1');
    s.delete();
    const out = engine.commit(s);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT;/);
  });

  it('orphan chunks of a session nobody used are cleared, from a header or a lookup; .20 is not ours', () => {
    const engine = new SessionEngine({ key });
    expect(engine.cookieNames).toEqual(['session', 'session.1']);
    expect(namesOf(engine.commit(engine.load('session.1=x')))).toEqual(['session.1']);
    expect(namesOf(engine.commit(engine.load((n) => (n === 'session.1' ? 'x' : undefined))))).toEqual([
      'session.1',
    ]);
    expect(engine.commit(engine.load('session.20=x'))).toEqual([]);
    const wide = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: 6144 });
    expect(wide.commit(wide.load((n) => (n === 'session.3' ? 'x' : undefined)))).toEqual([]);
    expect(namesOf(wide.commit(wide.load('session.19=x')))).toEqual(['session.19']);
  });

  it('session.0 is not a chunk: next to a whole token it is left alone', () => {
    const engine = new SessionEngine({ key });
    const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
    const s = engine.load(`${cookie}; session.0=x`);
    expect(s.get('a' as never)).toBe(1);
    expect(engine.commit(s)).toEqual([]);
  });

  it('a second commit of the same response writes nothing more', () => {
    const engine = new SessionEngine({ key });
    const s = engine.create({ a: 1 });
    expect(engine.commit(s)).toHaveLength(1);
    expect(engine.commit(s)).toEqual([]);
  });

  it('a per-response override goes into the Set-Cookie; under a second left, the cookie is cleared', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const engine = new SessionEngine({ key, absoluteExpiry: 10, expiry: 10 });
    const s = engine.create({ a: 1 });
    s.options({ path: '/app' });
    expect(engine.commit(s)[0]).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=10; Path=\/app;/);
    const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
    vi.setSystemTime(T0 + 9500);
    const late = engine.load(cookie);
    late.set('a' as never, 2 as never);
    expect(engine.commit(late)[0]).toMatch(
      /^session=[A-Za-z0-9_-]+; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/,
    );
  });

  it('a commit at exactly the absolute deadline saves nothing and clears the cookie', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const { engine, lines } = debugged({ absoluteExpiry: 10, expiry: 10 });
    const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
    vi.setSystemTime(T0 + 9999);
    const s = engine.load(cookie);
    expect(s.get('a' as never)).toBe(1);
    vi.setSystemTime(T0 + 10_000);
    s.set('a' as never, 2 as never);
    expect(cleared(engine.commit(s))).toHaveLength(1);
    expect(lines.map((l) => [l.message, l.reason])).toEqual([
      ['sealed-session: session past its absolute deadline; changes not saved', 'expired-at-commit'],
    ]);
  });

  it('rolling is on by default: past half the idle time a read re-issues the cookie', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const engine = new SessionEngine({ key, expiry: 100 });
    const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
    vi.setSystemTime(T0 + 50_001);
    const s = engine.load(cookie);
    expect(s.get('a' as never)).toBe(1);
    expect(engine.commit(s)).toHaveLength(1);
  });

  it('regenerate gives a new id and creation time through the engine', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const engine = new SessionEngine({ key });
    const s = engine.load(cookieHeader(engine.commit(engine.create({ a: 1 }))));
    const before = s.id;
    vi.setSystemTime(T0 + 5000);
    s.regenerate();
    expect(s.id).not.toBe(before);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(s.createdAt).toBe(T0 + 5000);
  });

  it('an invalid cookie name is refused with the option name', () => {
    expect(() => new SessionEngine({ key, cookieName: 'a b' })).toThrow(
      /^options\.cookieName: expected a cookie name \(RFC 6265 token characters\), got /,
    );
  });
});

describe('chunk counts have one spelling and a bound', () => {
  /** A session in `count` cookies, as a Cookie header, and the engine that wrote it. */
  function chunked(count: number) {
    quietWarnings();
    const engine = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: 12_288, cache: false });
    const out = engine.commit(engine.create({ big: 'x'.repeat(count === 2 ? 4000 : 7000) }));
    expect(out).toHaveLength(count);
    return { engine, cookie: cookieHeader(out) };
  }

  it('"02." and "1." are not counts: the cookie does not open', () => {
    const { engine, cookie } = chunked(2);
    expect(engine.load(cookie).get('big' as never)).toHaveLength(4000);
    expect(engine.load(cookie.replace(/^session=2\./, 'session=02.')).data()).toEqual({});
    const whole = cookie.replace(/^session=2\.([^;]+); session\.1=(.*)$/, 'session=1.$1$2');
    expect(whole).not.toBe(cookie);
    expect(engine.load(whole).data()).toEqual({});
  });

  it("a count above the engine's maxCookies does not open", () => {
    const { cookie } = chunked(3);
    quietWarnings();
    const narrow = new SessionEngine({ key, maxCookies: 2, maxCookieBytes: 8192 });
    expect(narrow.load(cookie).data()).toEqual({});
  });

  it('a destroyed session clears the chunks it read, up to a missing one, and its leftovers', () => {
    const { engine, cookie } = chunked(3);
    const gap = cookie.replace(/; session\.2=[^;]*/, '');
    const s = engine.load(gap);
    s.delete();
    expect(namesOf(engine.commit(s))).toEqual(['session', 'session.1']);
    const two = chunked(2);
    const extra = two.engine.load(`${two.cookie}; session.2=leftover`);
    extra.delete();
    expect(namesOf(two.engine.commit(extra))).toEqual(['session', 'session.1', 'session.2']);
  });
});

describe('exact limits: 4096 bytes per cookie, the byte budget, maxCookies', () => {
  /** The largest n for which `ok(n)` holds (ok is monotonic: true up to n, false after). */
  function largest(ok: (n: number) => boolean, lo: number, hi: number): number {
    expect(ok(lo)).toBe(true);
    expect(ok(hi)).toBe(false);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ok(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }
  /** What `fn` returns, or undefined when it refuses the session as too large (any other error fails). */
  function unlessTooLarge<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      expect(e).toBeInstanceOf(CookieTooLargeError);
      return undefined;
    }
  }
  /** A Set-Cookie as long as it gets: Max-Age at its widest (the capacity is measured that way). */
  const widest = (c: string) => c.replace(/Max-Age=\d+/, 'Max-Age=400000000').length;

  it('one cookie is used up to 4096 bytes, each chunk too, and never more', () => {
    quietWarnings();
    const engine = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: 12_288, cache: false });
    const commit = (n: number) => engine.commit(engine.create({ p: 'x'.repeat(n) }));
    const fitsIn = (count: number) => (n: number) =>
      (unlessTooLarge(() => commit(n).length) ?? Number.POSITIVE_INFINITY) <= count;
    const one = largest(fitsIn(1), 100, 5000);
    expect(widest(commit(one)[0]!)).toBeGreaterThanOrEqual(4094);
    expect(widest(commit(one)[0]!)).toBeLessThanOrEqual(4096);
    for (const c of commit(one + 1)) expect(widest(c)).toBeLessThanOrEqual(4096);
    const two = largest(fitsIn(2), one + 1, 9000);
    const parts = commit(two).map(widest);
    expect(Math.max(...parts)).toBeGreaterThanOrEqual(4090);
    for (const w of [...parts, ...commit(two + 1).map(widest)]) expect(w).toBeLessThanOrEqual(4096);
  });

  it('maxCookieBytes 1024 admits a Cookie header of exactly 1024 bytes for the session, not 1025', () => {
    const engine = new SessionEngine({ key });
    const small = new SessionEngine({ key, maxCookieBytes: 1024 });
    const fits = (n: number) =>
      unlessTooLarge(() => {
        small.create().set('p' as never, 'x'.repeat(n) as never);
        return true;
      }) ?? false;
    const n = largest(fits, 10, 2000);
    const token = cookieHeader(engine.commit(engine.create({ p: 'x'.repeat(n) })));
    expect(token.length).toBe(1024); // 'session=' + 1016 characters
    const over = () => small.commit(small.create({ p: 'x'.repeat(n + 1) }));
    expect(over).toThrow(CookieTooLargeError);
    expect(over).toThrow(new CookieTooLargeError(1026, 1024)); // the exact message
  });

  it('maxCookies: 1 refuses what needs two cookies, naming cookies, not bytes', () => {
    const one = new SessionEngine({ key, maxCookies: 1 });
    const two = new SessionEngine({ key });
    const n = largest((len) => two.commit(two.create({ p: 'x'.repeat(len) })).length === 1, 100, 4200) + 1;
    const set = () => one.create().set('p' as never, 'x'.repeat(n) as never);
    expect(set).toThrow(CookieTooLargeError);
    expect(set).toThrow(new CookieTooLargeError(8192, 4096)); // cookies, not bytes
  });

  it('set() checks the exact size after a token without its ms time, or a legacy cookie, was opened', () => {
    // Re-sealing either adds to what was opened ("c", our own format): no bound from the opened text.
    const fresh = new SessionEngine({ key });
    const withQ = (n: number) =>
      unlessTooLarge(() => {
        const s = fresh.create({ p: 'x'.repeat(n) });
        s.set('q' as never, 'y'.repeat(40) as never);
        return true;
      }) ?? false;
    const n = largest(withQ, 100, 6000) + 1; // p alone fits, p and q do not
    const noTime = sealed(fresh, JSON.stringify({ i: 'a'.repeat(22), d: { p: 'x'.repeat(n) } }));
    const legacy: LegacyOpener = (value, now) =>
      value === 'legacy' ? { data: { p: 'x'.repeat(n) }, createdAt: now } : undefined;
    const foreign = new SessionEngine({ key }, { legacy });
    for (const s of [fresh.load(`session=${noTime}`), foreign.load('session=legacy')]) {
      expect(s.get('p' as never)).toHaveLength(n);
      expect(() => s.set('q' as never, 'y'.repeat(40) as never)).toThrow(CookieTooLargeError);
    }
  });

  /** The cookies a session holding `value` is written in, with room for `maxCookies` full ones. */
  function writtenIn(maxCookies: number, value: string): string[] {
    quietWarnings();
    const engine = new SessionEngine({ key, maxCookies, maxCookieBytes: maxCookies * 4096, cache: false });
    return engine.commit(engine.create({ p: value }));
  }

  it('three chunks: the budget counts both "; " separators between them, to the byte', () => {
    const value = 'x'.repeat(7000);
    const cookies = writtenIn(3, value);
    expect(cookies).toHaveLength(3);
    const bytes = cookieHeader(cookies).length; // what the browser sends back
    const exact = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: bytes });
    expect(exact.commit(exact.create({ p: value }))).toHaveLength(3);
    const under = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: bytes - 1 });
    expect(() => under.create().set('p' as never, value as never)).toThrow(
      new CookieTooLargeError(bytes, bytes - 1),
    );
  });

  it('over maxCookies at exactly the byte budget: the error names cookies, not bytes', () => {
    const value = 'x'.repeat(5000);
    const cookies = writtenIn(2, value);
    expect(cookies).toHaveLength(2);
    const one = new SessionEngine({ key, maxCookies: 1, maxCookieBytes: cookieHeader(cookies).length });
    expect(() => one.create().set('p' as never, value as never)).toThrow(new CookieTooLargeError(8192, 4096));
  });

  it('a value grown behind set() is refused at commit, not written short', () => {
    const engine = new SessionEngine({ key });
    const s = engine.create();
    const box = { text: '' };
    s.set('box' as never, box as never);
    box.text = 'x'.repeat(20_000);
    expect(() => engine.commit(s)).toThrow(CookieTooLargeError);
  });
});

describe('the cache: two generations, off when 0 or false', () => {
  it('with room for 4: sizes 1, 2, 3, 4, then 3 after a rotation; a hit in the older one moves up', () => {
    const engine = new SessionEngine({ key, cache: 4 });
    const cookies: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      cookies.push(cookieHeader(engine.commit(engine.create({ i }))));
      sizes.push(engine.cacheSize);
    }
    expect(sizes).toEqual([1, 2, 3, 4, 3]);
    expect(engine.load(cookies[2]!).get('i' as never)).toBe(2); // from the older generation
    expect(engine.cacheSize).toBe(3);
  });

  it('0 and false keep nothing and still seal and open', () => {
    for (const cache of [0, false] as const) {
      const engine = new SessionEngine({ key, cache });
      const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
      expect(engine.load(cookie).get('a' as never)).toBe(1);
      expect(engine.cacheSize).toBe(0);
    }
  });
});

describe('decode and encode (Fastify helpers) go through the request path', () => {
  it('decode refuses a non-string, reads only the main cookie, and its commit clears nothing else', () => {
    const engine = new SessionEngine({ key });
    expect(engine.decode(5 as never)).toBeNull();
    expect(engine.decode('garbage')).toBeNull();
    const token = cookieHeader(engine.commit(engine.create({ a: 1 }))).slice('session='.length);
    const s = engine.decode(token)!;
    expect(s.get('a' as never)).toBe(1);
    s.set('a' as never, 2 as never);
    expect(namesOf(engine.commit(s))).toEqual(['session']);
  });

  it('encode seals the data of a session it loads itself', () => {
    const engine = new SessionEngine({ key });
    const cookie = cookieHeader(engine.commit(engine.create({ a: 1 })));
    expect(engine.decode(engine.encode(engine.load(cookie)))!.get('a' as never)).toBe(1);
  });
});

describe('revocation verdicts, one by one', () => {
  function store(isRevoked: RevocationStore['isRevoked'], revoke: RevocationStore['revoke'] = () => {}) {
    const checks: RevocationCheck[] = [];
    const revokes: [string, number][] = [];
    const s: RevocationStore = {
      isRevoked: (c) => {
        checks.push({ ...c });
        return isRevoked(c);
      },
      revoke: (id, until) => {
        revokes.push([id, until]);
        return revoke(id, until);
      },
    };
    return { store: s, checks, revokes };
  }
  const login = (engine: SessionEngine, data: Record<string, unknown>) => {
    const s = engine.create(data);
    return { id: s.id, cookie: cookieHeader(engine.commit(s)) };
  };

  it('eager only with a store', () => {
    expect(new SessionEngine({ key }).eager).toBe(false);
    expect(new SessionEngine({ key, revocation: store(() => false).store }).eager).toBe(true);
  });

  it('the check carries the subject only when configured, and only a string or a number', () => {
    const plain = store(() => false);
    const e1 = new SessionEngine({ key, revocation: plain.store });
    const a = login(e1, { undefined: 'not a subject', user: 'ada' });
    e1.load(a.cookie).data();
    expect(plain.checks).toStrictEqual([{ id: a.id, issuedAt: expect.any(Number) }]);
    const bySubject = store(() => false);
    const e2 = new SessionEngine({ key, revocation: bySubject.store, subject: 'user' });
    for (const user of ['ada', 42, { x: 1 }, true]) e2.load(login(e2, { user }).cookie).data();
    expect(bySubject.checks.map((c) => c.subject)).toEqual(['ada', '42', undefined, undefined]);
    expect(bySubject.checks.map((c) => 'subject' in c)).toEqual([true, true, false, false]);
  });

  it('revoked, throwing or non-boolean: no session, a fresh identity, the reason logged', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const boom = new Error('down');
    const verdicts: (() => unknown)[] = [
      () => true,
      () => {
        throw boom;
      },
      () => null,
      () => 'yes',
    ];
    const reasons: string[] = [];
    const causes: unknown[] = [];
    for (const verdict of verdicts) {
      const { engine, lines } = debugged({ revocation: store(verdict as never).store });
      const { id, cookie } = login(engine, { a: 1 });
      vi.setSystemTime(T0 + 3000);
      const s = engine.load(cookie);
      expect(s.data()).toEqual({});
      expect(s.id).not.toBe(id);
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(s.createdAt).toBe(T0 + 3000);
      for (const l of lines) {
        reasons.push(l.reason);
        causes.push(l.cause);
      }
      vi.setSystemTime(T0);
    }
    expect(reasons).toEqual([
      'revoked',
      'revocation-store-error',
      'revocation-store-error',
      'revocation-store-error',
    ]);
    expect(causes[1]).toBe(boom);
    expect(causes[2]).toEqual(new TypeError('isRevoked() returned a non-boolean'));
  });

  it('an asynchronous answer: waited for by prepare (even a slow one), refused on the sync path', async () => {
    const slow = (answer: boolean) => () =>
      new Promise<boolean>((resolve) => setTimeout(() => resolve(answer), 5));
    const ok = debugged({ revocation: store(slow(false)).store });
    const s = ok.engine.load(login(ok.engine, { a: 1 }).cookie);
    await ok.engine.prepare(s);
    expect(s.get('a' as never)).toBe(1);
    const id = s.id;
    await ok.engine.prepare(s); // already open: not opened twice
    expect(s.id).toBe(id);
    expect(ok.reasons()).toEqual([]);

    const no = debugged({ revocation: store(slow(true)).store });
    const r = no.engine.load(login(no.engine, { a: 1 }).cookie);
    await no.engine.prepare(r);
    expect(r.data()).toEqual({});
    expect(no.reasons()).toEqual(['revoked']);
  });

  it('an asynchronous false arriving after the session changed keeps the change and logs nothing', async () => {
    let answer!: (revoked: boolean) => void;
    const late = () =>
      new Promise<boolean>((resolve) => {
        answer = resolve;
      });
    const { engine, reasons } = debugged({ revocation: store(late).store });
    const s = engine.load(login(engine, { a: 1 }).cookie);
    const pending = engine.prepare(s);
    s.set('b' as never, 2 as never); // while the store is asked: the empty session, now changed
    answer(false);
    await pending;
    expect(s.data()).toEqual({ b: 2 });
    expect(reasons()).toEqual([]);
  });

  it('a rejected asynchronous answer on the sync path is handled, not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { engine, reasons } = debugged({ revocation: store(() => Promise.reject(new Error('x'))).store });
      expect(engine.load(login(engine, { a: 1 }).cookie).data()).toEqual({});
      expect(reasons()).toEqual(['revocation-async']);
      // Node reports unhandled rejections once the microtasks drain, before the next macrotask.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('destroy revokes until the absolute deadline + 1 s (now + lifetime when the token has none); a store failure is logged', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const boom = new Error('down');
    const st = store(
      () => false,
      () => {
        throw boom;
      },
    );
    const { engine, lines } = debugged({ revocation: st.store, absoluteExpiry: 100 });
    const { id, cookie } = login(engine, { a: 1 });
    const s = engine.load(cookie);
    s.delete();
    engine.commit(s);
    const undated = engine.load(`session=${sealed(engine, '{"i":"u","d":{}}')}`);
    vi.setSystemTime(T0 + 7000);
    undated.delete();
    engine.commit(undated);
    expect(st.revokes).toEqual([
      [id, T0 + 100_000 + 1000],
      ['u', T0 + 7000 + 100_000 + 1000],
    ]);
    expect(lines.map((l) => [l.message, l.reason, l.cause])).toEqual([
      ['sealed-session: could not revoke the session', 'revocation-store-error', boom],
      ['sealed-session: could not revoke the session', 'revocation-store-error', boom],
    ]);
    const fresh = engine.load(undefined);
    fresh.delete();
    engine.commit(fresh);
    expect(st.revokes).toHaveLength(2); // nothing to revoke for a session that never was
    expect(lines.every((l) => l.message !== NO_SESSION)).toBe(true);
  });
});

describe('findCookie', () => {
  it('a cookie at the very start after whitespace is found', () => {
    expect(findCookie(' s=1', 's')).toBe('1');
    expect(findCookie('\ts=1', 's')).toBe('1');
  });
});
