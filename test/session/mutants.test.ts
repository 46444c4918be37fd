// Tests that kill the mutants StrykerJS left alive in src/session (docs/mutation.md): exact errors
// ("expected X, got Y"), exact defaults and exact boundaries.
import { describe, expect, it, vi } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { checkCookieName, resolveCookieOptions } from '../../src/session/cookie-options.js';
import {
  assertDistinctCookieNames,
  CookieNameRegistry,
  findCookie,
  SessionEngine,
} from '../../src/session/engine.js';
import { MemoryRevocationStore } from '../../src/session/revocation.js';
import { Session, type SessionHost, type SessionState } from '../../src/session/session.js';
import { cookieHeader } from '../support/cookies.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
const msg = (fn: () => unknown) => (thrown(fn) as Error).message;

describe('cookie options', () => {
  it('defaults are secure: path /, HttpOnly, Secure, SameSite=Lax, not partitioned', () => {
    expect(resolveCookieOptions('s', undefined)).toEqual({
      domain: undefined,
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      partitioned: false,
      priority: undefined,
      maxAge: undefined,
    });
  });

  it('sameSite: true is strict, false is none of the attribute, strings pass', () => {
    expect(resolveCookieOptions('s', { sameSite: true }).sameSite).toBe('strict');
    expect(resolveCookieOptions('s', { sameSite: false }).sameSite).toBeUndefined();
    for (const v of ['lax', 'strict', 'none'] as const)
      expect(resolveCookieOptions('s', { sameSite: v }).sameSite).toBe(v);
    expect(msg(() => resolveCookieOptions('s', { sameSite: 'Lax' as never }))).toBe(
      "cookie.sameSite: expected 'lax', 'strict', 'none' or a boolean, got a string of 3 characters",
    );
  });

  it('booleans are checked by type with the option name', () => {
    for (const k of ['httpOnly', 'secure', 'partitioned'] as const) {
      const e = thrown(() => resolveCookieOptions('s', { [k]: 1 } as never, 'opts.cookie'));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(`opts.cookie.${k}: expected a boolean, got a number`);
    }
    const r = resolveCookieOptions('s', { httpOnly: false, secure: true, partitioned: true });
    expect([r.httpOnly, r.secure, r.partitioned]).toEqual([false, true, true]);
    expect(resolveCookieOptions('s', { secure: false, sameSite: 'lax' }).secure).toBe(false);
  });

  it('the options must be an object', () => {
    for (const [v, shown] of [
      [null, 'null'],
      ['x', 'a string of 1 characters'],
      [1, 'a number'],
    ] as const) {
      expect(msg(() => resolveCookieOptions('s', v as never))).toBe(
        `cookie: expected an object of cookie attributes, got ${shown}`,
      );
    }
  });

  it('domain, path and priority are checked', () => {
    expect(resolveCookieOptions('s', { domain: '.example.com' }).domain).toBe('.example.com');
    expect(msg(() => resolveCookieOptions('s', { domain: 'a b' }))).toBe(
      'cookie.domain: expected a domain name (letters, digits, - and .), got a string of 3 characters',
    );
    expect(msg(() => resolveCookieOptions('s', { domain: 5 as never }))).toBe(
      'cookie.domain: expected a domain name (letters, digits, - and .), got a number',
    );
    expect(resolveCookieOptions('s', { path: '/app' }).path).toBe('/app');
    const p = "cookie.path: expected a path starting with '/' without ';' or control characters, got ";
    expect(msg(() => resolveCookieOptions('s', { path: 'app' }))).toBe(`${p}a string of 3 characters`);
    expect(msg(() => resolveCookieOptions('s', { path: '/a;b' }))).toBe(`${p}a string of 4 characters`);
    expect(msg(() => resolveCookieOptions('s', { path: 1 as never }))).toBe(`${p}a number`);
    for (const v of ['low', 'medium', 'high'] as const)
      expect(resolveCookieOptions('s', { priority: v }).priority).toBe(v);
    expect(msg(() => resolveCookieOptions('s', { priority: 'urgent' as never }))).toBe(
      "cookie.priority: expected 'low', 'medium' or 'high', got a string of 6 characters",
    );
  });

  it('maxAge: 0 and 2**31 - 1 are accepted; -1, 2**31, 1.5 and strings refused with the exact message', () => {
    expect(resolveCookieOptions('s', { maxAge: 0 }).maxAge).toBe(0);
    expect(resolveCookieOptions('s', { maxAge: 2_147_483_647 }).maxAge).toBe(2_147_483_647);
    const m = 'cookie.maxAge: expected an integer number of seconds from 0 to 2147483647, got ';
    for (const [v, shown] of [
      [-1, '-1'],
      [2_147_483_648, '2147483648'],
      [1.5, '1.5'],
      ['1', 'a string of 1 characters'],
    ] as const) {
      const e = thrown(() => resolveCookieOptions('s', { maxAge: v as number }));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(m + shown);
    }
  });

  it('prefixes: __Host- needs secure, path / and no domain; __Secure- needs secure', () => {
    const host = "cookie: a __Host- cookie needs secure: true, path: '/' and no domain";
    expect(resolveCookieOptions('__Host-s', {}).secure).toBe(true);
    expect(msg(() => resolveCookieOptions('__Host-s', { secure: false }))).toBe(host);
    expect(msg(() => resolveCookieOptions('__Host-s', { path: '/a' }))).toBe(host);
    expect(msg(() => resolveCookieOptions('__Host-s', { domain: 'example.com' }))).toBe(host);
    expect(resolveCookieOptions('x__Host-s', { secure: false, path: '/a' }).path).toBe('/a');
    expect(msg(() => resolveCookieOptions('__Secure-s', { secure: false }))).toBe(
      'cookie: a __Secure- cookie needs secure: true',
    );
    expect(resolveCookieOptions('__Secure-s', { path: '/a', domain: 'example.com' }).domain).toBe(
      'example.com',
    );
    expect(resolveCookieOptions('x__Secure-s', { secure: false }).secure).toBe(false);
  });

  it('SameSite=None and Partitioned need secure', () => {
    const m = 'cookie: SameSite=None and Partitioned cookies need secure: true';
    expect(msg(() => resolveCookieOptions('s', { sameSite: 'none', secure: false }))).toBe(m);
    expect(msg(() => resolveCookieOptions('s', { partitioned: true, secure: false }))).toBe(m);
    expect(resolveCookieOptions('s', { sameSite: 'strict', secure: false }).sameSite).toBe('strict');
  });

  it('cookie names are RFC 6265 tokens', () => {
    expect(checkCookieName('name', "a!#$%&'*+-.^_`|~9Z")).toBe("a!#$%&'*+-.^_`|~9Z");
    for (const [n, shown] of [
      ['', 'a string of 0 characters'],
      ['a b', 'a string of 3 characters'],
      ['a;', 'a string of 2 characters'],
      ['a=', 'a string of 2 characters'],
      [1, 'a number'],
    ] as const) {
      const e = thrown(() => checkCookieName('name', n));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(
        `name: expected a cookie name (RFC 6265 token characters), got ${shown}`,
      );
    }
  });
});

describe('MemoryRevocationStore', () => {
  const clock = (start: number) => {
    const c = { t: start, now: () => c.t };
    return c;
  };

  it('options are checked with exact messages; defaults are 14 days and 100000 entries', () => {
    expect(new MemoryRevocationStore().lifetime).toBe(14 * 86_400);
    expect(new MemoryRevocationStore({ lifetime: 1 }).lifetime).toBe(1);
    expect(new MemoryRevocationStore({ lifetime: 2_147_483_647 }).lifetime).toBe(2_147_483_647);
    const life = 'lifetime: expected an integer number of seconds from 1 to 2147483647, got ';
    for (const [v, shown] of [
      [0, '0'],
      [2_147_483_648, '2147483648'],
      [1.5, '1.5'],
    ] as const) {
      const e = thrown(() => new MemoryRevocationStore({ lifetime: v }));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(life + shown);
    }
    for (const [v, shown] of [
      [0, '0'],
      [1.5, '1.5'],
      [2 ** 53, String(2 ** 53)],
    ] as const) {
      expect(msg(() => new MemoryRevocationStore({ maxEntries: v }))).toBe(
        `maxEntries: expected a positive integer, got ${shown}`,
      );
    }
    expect(new MemoryRevocationStore({ maxEntries: 1 }).size).toBe(0);
    expect(msg(() => new MemoryRevocationStore({ now: 5 as never }))).toBe(
      'now: expected a function, got a number',
    );
    expect(msg(() => new MemoryRevocationStore(null as never))).toBe(
      'MemoryRevocationStore(options): expected an options object, got null',
    );
    expect(msg(() => new MemoryRevocationStore('x' as never))).toBe(
      'MemoryRevocationStore(options): expected an options object, got a string of 1 characters',
    );
  });

  it('revoke: refused until the deadline, forgotten after; a past deadline stores nothing', () => {
    const c = clock(1000);
    const s = new MemoryRevocationStore({ now: c.now });
    s.revoke('a', 1000); // until == now: expired anyway
    expect(s.size).toBe(0);
    s.revoke('a', 2000);
    expect(s.size).toBe(1);
    expect(s.isRevoked({ id: 'a', issuedAt: 500 })).toBe(true);
    expect(s.isRevoked({ id: 'b', issuedAt: 500 })).toBe(false);
    c.t = 1999;
    expect(s.isRevoked({ id: 'a', issuedAt: 500 })).toBe(true);
    c.t = 2000;
    expect(s.isRevoked({ id: 'a', issuedAt: 500 })).toBe(false);
    expect(s.watermark).toBe(Number.NEGATIVE_INFINITY);
  });

  it('revoke and revokeAll check their arguments with exact messages', () => {
    const s = new MemoryRevocationStore();
    expect(msg(() => s.revoke('', 1))).toBe(
      'revoke(id): expected a non-empty string, got a string of 0 characters',
    );
    expect(msg(() => s.revoke(1 as never, 1))).toBe('revoke(id): expected a non-empty string, got a number');
    expect(msg(() => s.revoke('a', Number.NaN))).toBe('revoke(until): expected a time in ms, got NaN');
    expect(msg(() => s.revoke('a', '1' as never))).toBe(
      'revoke(until): expected a time in ms, got a string of 1 characters',
    );
    expect(msg(() => s.revokeAll(''))).toBe(
      'revokeAll(subject): expected a non-empty string, got a string of 0 characters',
    );
    expect(msg(() => s.revokeAll('u', Number.NaN))).toBe('revokeAll(until): expected a time in ms, got NaN');
    expect(msg(() => s.revokeAll('u', 'x' as never))).toBe(
      'revokeAll(until): expected a time in ms, got a string of 1 characters',
    );
  });

  it('revokeAll: sessions issued at or before the call are refused, later ones pass; default lifetime', () => {
    const c = clock(10_000);
    const s = new MemoryRevocationStore({ now: c.now, lifetime: 5 });
    s.revokeAll('u');
    expect(s.isRevoked({ id: 'x', issuedAt: 10_000, subject: 'u' })).toBe(true);
    expect(s.isRevoked({ id: 'x', issuedAt: 9_999, subject: 'u' })).toBe(true);
    expect(s.isRevoked({ id: 'x', issuedAt: 10_001, subject: 'u' })).toBe(false);
    expect(s.isRevoked({ id: 'x', issuedAt: 10_000, subject: 'v' })).toBe(false);
    expect(s.isRevoked({ id: 'x', issuedAt: 10_000 })).toBe(false);
    c.t = 14_999;
    expect(s.isRevoked({ id: 'x', issuedAt: 10_000, subject: 'u' })).toBe(true);
    c.t = 15_000;
    expect(s.isRevoked({ id: 'x', issuedAt: 10_000, subject: 'u' })).toBe(false);
    expect(s.size).toBe(0);
  });

  it('a later revokeAll never shortens an earlier one, and a past deadline stores nothing', () => {
    const c = clock(1000);
    const s = new MemoryRevocationStore({ now: c.now });
    s.revokeAll('p', 1000);
    expect(s.size).toBe(0);
    s.revokeAll('u', 5000);
    c.t = 2000;
    s.revokeAll('u', 3000);
    // notBefore moved to 2000, until kept at 5000
    expect(s.isRevoked({ id: 'x', issuedAt: 2000, subject: 'u' })).toBe(true);
    c.t = 4000;
    expect(s.isRevoked({ id: 'x', issuedAt: 1500, subject: 'u' })).toBe(true);
    c.t = 5000;
    expect(s.isRevoked({ id: 'x', issuedAt: 1500, subject: 'u' })).toBe(false);
  });

  it('a non-number or NaN issuedAt is refused', () => {
    const s = new MemoryRevocationStore();
    expect(s.isRevoked({ id: 'a', issuedAt: Number.NaN })).toBe(true);
    expect(s.isRevoked({ id: 'a', issuedAt: '1' as never })).toBe(true);
    expect(s.isRevoked(undefined as never)).toBe(true);
    expect(s.isRevoked({ id: 'a', issuedAt: 0 })).toBe(false);
  });

  it('at capacity an evicted id raises the watermark to just after its revocation, never un-revokes', () => {
    const c = clock(1000);
    const s = new MemoryRevocationStore({ now: c.now, maxEntries: 1 });
    s.revoke('a', 10_000);
    c.t = 1500;
    s.revoke('b', 10_000); // evicts a
    expect(s.watermark).toBe(1001);
    expect(s.isRevoked({ id: 'a', issuedAt: 1000 })).toBe(true);
    expect(s.isRevoked({ id: 'c', issuedAt: 1001 })).toBe(false);
    expect(s.isRevoked({ id: 'c', issuedAt: 1000 })).toBe(true);
  });

  it('re-revoking an id keeps the earliest revocation time for the watermark', () => {
    const c = clock(1000);
    const s = new MemoryRevocationStore({ now: c.now, maxEntries: 1 });
    s.revoke('a', 10_000);
    c.t = 3000;
    s.revoke('a', 10_000);
    c.t = 4000;
    s.revoke('b', 10_000);
    expect(s.watermark).toBe(1001);
  });

  it('an evicted subject raises the watermark to its notBefore; an expired one does not', () => {
    const c = clock(1000);
    const s = new MemoryRevocationStore({ now: c.now, maxEntries: 1 });
    s.revokeAll('u', 10_000);
    c.t = 2000;
    s.revokeAll('v', 10_000);
    expect(s.watermark).toBe(1000);
    expect(s.isRevoked({ id: 'x', issuedAt: 999 })).toBe(true);
    expect(s.isRevoked({ id: 'x', issuedAt: 1000 })).toBe(false);
    const c2 = clock(1000);
    const s2 = new MemoryRevocationStore({ now: c2.now, maxEntries: 1 });
    s2.revoke('a', 1500);
    c2.t = 1500;
    s2.revoke('b', 10_000);
    expect(s2.watermark).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('Session (over a host that loads once and refuses data over 2 keys)', () => {
  const make = (init: Record<string, unknown> = {}) => {
    const log: string[] = [];
    const state = {
      loaded: false,
      data: {},
      id: '',
      createdAt: 0,
      expiresAt: undefined,
      idleExpiresAt: undefined,
      changed: false,
      deleted: false,
      reissue: false,
      valid: false,
      cookieOptions: undefined,
    } as SessionState;
    const host: SessionHost = {
      load(st) {
        log.push('load');
        st.loaded = true;
        st.data = { ...init };
        st.id = 'id-1';
        st.createdAt = 1000;
      },
      checkSize(_st, data) {
        if (Object.keys(data).length > 2) throw new RangeError('too big');
      },
      renew(st) {
        log.push('renew');
        st.id = 'id-2';
      },
      checkCookieOptions(o) {
        log.push('options');
        return o as never;
      },
    };
    return { s: new Session<Record<string, unknown>>(host, state), state, log };
  };

  it('loads lazily, once; changed and deleted do not load', () => {
    const { s, log } = make({ a: 1 });
    expect(s.changed).toBe(false);
    expect(s.deleted).toBe(false);
    expect(log).toEqual([]);
    expect(s.get('a')).toBe(1);
    expect(s.id).toBe('id-1');
    expect(s.createdAt).toBe(1000);
    expect(log).toEqual(['load']);
  });

  it('get reads own keys only', () => {
    const { s } = make({ a: 1 });
    expect(s.get('toString')).toBeUndefined();
    expect(s.get('b')).toBeUndefined();
  });

  it('set marks changed and clears deleted; a refused set restores the previous value or removes the key', () => {
    const { s } = make({ a: 1, b: 2 });
    s.delete();
    expect(s.deleted).toBe(true);
    expect(s.changed).toBe(true);
    s.set('a', 3);
    expect(s.deleted).toBe(false);
    expect(s.data()).toEqual({ a: 3, b: 2 });
    expect(() => s.set('c', 1)).toThrow('too big');
    expect(s.data()).toEqual({ a: 3, b: 2 });
    expect(Object.keys(s.data())).toEqual(['a', 'b']);
    s.set('a', undefined);
    expect(s.data()).toEqual({ b: 2 });
    s.set('__proto__', 5);
    expect(Object.hasOwn(s.data(), '__proto__')).toBe(true);
    expect(s.get('__proto__')).toBe(5);
    expect(Object.getPrototypeOf(s.toJSON())).toBe(Object.prototype);
  });

  it('a refused set of an existing key keeps the old value; a refused removal keeps the data', () => {
    const { s, state } = make({ a: 1, b: 2 });
    s.get('a');
    state.data.c = 0; // four keys: every further check refuses
    state.data.d = 0;
    expect(() => s.set('a', 9)).toThrow('too big');
    expect(s.get('a')).toBe(1);
    expect(() => s.set('b', undefined)).toThrow('too big');
    expect(s.get('b')).toBe(2);
    expect(s.changed).toBe(false);
  });

  it('data() and toJSON() are copies', () => {
    const { s } = make({ a: 1 });
    const d = s.data();
    d.a = 2;
    expect(s.get('a')).toBe(1);
    expect(s.toJSON()).toEqual({ a: 1 });
  });

  it('regenerate renews the id and keeps only the named own fields', () => {
    const { s, log } = make({ a: 1, b: 2 });
    s.delete();
    s.regenerate(['a', 'toString' as never]);
    expect(s.id).toBe('id-2');
    expect(s.data()).toEqual({ a: 1 });
    expect(s.deleted).toBe(false);
    expect(s.changed).toBe(true);
    expect(log).toEqual(['load', 'renew']);
    s.regenerate();
    expect(s.data()).toEqual({});
    expect(() => s.regenerate('a' as never)).toThrow(
      'regenerate(keep): expected an array of field names, got a string of 1 characters',
    );
  });

  it('touch marks changed; options go through the host', () => {
    const { s, state, log } = make();
    s.touch();
    expect(s.changed).toBe(true);
    s.options({ maxAge: 5 });
    expect(state.cookieOptions).toEqual({ maxAge: 5 });
    expect(log).toEqual(['load', 'options']);
  });

  it('expiresAt is the earlier of the idle and absolute deadlines', () => {
    const { s, state } = make();
    s.get('x');
    expect(s.expiresAt).toBeUndefined();
    state.idleExpiresAt = 5;
    expect(s.expiresAt).toBe(5);
    state.expiresAt = 3;
    expect(s.expiresAt).toBe(3);
    state.idleExpiresAt = undefined;
    expect(s.expiresAt).toBe(3);
    state.idleExpiresAt = 2;
    expect(s.expiresAt).toBe(2);
  });

  it('__proto__ is stored as a plain writable, enumerable, configurable own field; a refused one is removed', () => {
    const { s, state } = make({ a: 1 });
    s.set('__proto__', { x: 1 });
    expect(Object.getOwnPropertyDescriptor(state.data, '__proto__')).toEqual({
      value: { x: 1 },
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(JSON.stringify(s.toJSON())).toBe('{"a":1,"__proto__":{"x":1}}');
    s.set('__proto__', 2);
    expect(s.get('__proto__')).toBe(2);
    const t = make({ a: 1, b: 2 });
    expect(() => t.s.set('__proto__', 1)).toThrow('too big');
    expect(Object.hasOwn(t.state.data, '__proto__')).toBe(false);
    expect(Object.keys(t.state.data)).toEqual(['a', 'b']);
  });
});

// Module-level constants (the cookie-option regexes, PRIORITIES, DEFAULT_LIFETIME, Session's static
// block) are evaluated once, when the module loads; StrykerJS (ignoreStatic) activates such a mutant
// in a beforeAll, after this file's static imports ran (docs/mutation.md). These tests load a fresh
// copy of the module inside the test, while the mutant is active.
async function fresh<T>(load: () => Promise<T>): Promise<T> {
  vi.resetModules();
  return load();
}

describe('module-level constants, with the module loaded inside the test', () => {
  it('cookie-options.ts: names, domains, paths and priorities', async () => {
    const c = await fresh(() => import('../../src/session/cookie-options.js'));
    const name = 'name: expected a cookie name (RFC 6265 token characters), got ';
    expect(c.checkCookieName('name', "a!#$%&'*+-.^_`|~9Z")).toBe("a!#$%&'*+-.^_`|~9Z");
    for (const [n, shown] of [
      ['', 'a string of 0 characters'],
      ['a b', 'a string of 3 characters'],
      [' a', 'a string of 2 characters'],
      ['a ', 'a string of 2 characters'],
      ['a;', 'a string of 2 characters'],
      ['(a', 'a string of 2 characters'],
    ] as const) {
      expect(msg(() => c.checkCookieName('name', n))).toBe(name + shown);
    }
    for (const d of ['example.com', '.example.com', 'a.b-c.d', 'A1.EXAMPLE', `${'a'.repeat(63)}.com`, 'x']) {
      expect(c.resolveCookieOptions('s', { domain: d }).domain).toBe(d);
    }
    const dom = 'cookie.domain: expected a domain name (letters, digits, - and .), got ';
    for (const d of [
      'a b',
      ' example.com',
      'example.com ',
      '-a.com',
      'a-.com',
      'a..com',
      '..a',
      '.',
      `${'a'.repeat(64)}.com`,
      `a.${'b'.repeat(64)}`,
      'a.-b',
      'a.b-',
      'a_b.com',
      'a.b_c',
    ]) {
      expect(msg(() => c.resolveCookieOptions('s', { domain: d }))).toBe(
        `${dom}a string of ${d.length} characters`,
      );
    }
    for (const p of ['/', '/a b', '/~!$%&()*+,-.:=@[]^_`{|}', '/>?']) {
      expect(c.resolveCookieOptions('s', { path: p }).path).toBe(p);
    }
    const path = "cookie.path: expected a path starting with '/' without ';' or control characters, got ";
    for (const p of ['/a;', '/a<', '/a\u001f', '/a\u007f', '/é']) {
      expect(msg(() => c.resolveCookieOptions('s', { path: p }))).toBe(
        `${path}a string of ${p.length} characters`,
      );
    }
    for (const v of ['low', 'medium', 'high'] as const)
      expect(c.resolveCookieOptions('s', { priority: v }).priority).toBe(v);
    expect(msg(() => c.resolveCookieOptions('s', { priority: '' as never }))).toBe(
      "cookie.priority: expected 'low', 'medium' or 'high', got a string of 0 characters",
    );
  });

  it('revocation.ts: the default lifetime is 14 days', async () => {
    const r = await fresh(() => import('../../src/session/revocation.js'));
    expect(new r.MemoryRevocationStore().lifetime).toBe(1_209_600);
  });

  it("session.ts: stateOf reads the session's state (assigned by the class's static block)", async () => {
    const m = await fresh(() => import('../../src/session/session.js'));
    const state = { loaded: true, data: { a: 1 } } as unknown as SessionState;
    const s = new m.Session({} as SessionHost, state);
    expect(m.stateOf(s)).toBe(state);
    expect(s.get('a')).toBe(1);
  });
});

describe('SessionEngine options: exact messages and boundaries', () => {
  const key = generateKey();
  const make = (o: object, extra?: object) => new SessionEngine({ key, ...o } as never, extra as never);
  const err = (o: object, extra?: object) => thrown(() => make(o, extra)) as Error;

  it('the options must be a plain object; the name in the messages is "options" unless given', () => {
    for (const bad of [null, 1, 'x', [key]]) {
      const e = thrown(() => new SessionEngine(bad as never)) as Error;
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^options: expected an options object, got /);
    }
    expect(err({ rolling: 1 }, { what: 'app' }).message).toBe(
      'app.rolling: expected a boolean, got a number',
    );
    expect(err({ nope: 1 }).message).toMatch(
      /^options\.nope: expected one of key, sessionName, .*, got an unknown option$/,
    );
    expect(err({ nope: 1 }, { adapterOptions: ['secret'] }).message).toMatch(
      /^options\.nope: expected one of key, secret, sessionName/,
    );
    expect(() => make({ secret: 1 }, { adapterOptions: ['secret'] })).not.toThrow();
  });

  it('sessionName: a non-empty string, the default cookie name is "session"', () => {
    expect(make({}).cookieName).toBe('session');
    expect(make({}).sessionName).toBe('session');
    expect(make({ sessionName: 'app' }).cookieName).toBe('app');
    expect(make({ sessionName: 'app', cookieName: 'c' }).cookieName).toBe('c');
    expect(err({ sessionName: '' }).message).toBe(
      'options.sessionName: expected a non-empty string, got a string of 0 characters',
    );
    expect(err({ sessionName: 5 }).message).toBe(
      'options.sessionName: expected a non-empty string, got a number',
    );
  });

  it('rolling must be a boolean', () => {
    expect(() => make({ rolling: false })).not.toThrow();
    expect(() => make({ rolling: true })).not.toThrow();
    const e = err({ rolling: 'yes' });
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('options.rolling: expected a boolean, got a string of 3 characters');
  });

  it('maxCookies: integers from 1 to 20', () => {
    expect(make({ maxCookies: 1 }).cookieNames).toEqual(['session']);
    expect(make({ maxCookies: 20 }).cookieNames).toHaveLength(20);
    for (const bad of [0, 21, 1.5, '2']) {
      const e = err({ maxCookies: bad });
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/^options\.maxCookies: expected an integer from 1 to 20, got /);
    }
  });

  it('maxCookieBytes: integers from 1024 to 81920', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(() => make({ maxCookieBytes: 1024 })).not.toThrow();
      expect(() => make({ maxCookieBytes: 81_920 })).not.toThrow();
    } finally {
      warn.mockRestore();
    }
    for (const bad of [1023, 81_921, 2048.5, '4096']) {
      const e = err({ maxCookieBytes: bad });
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/^options\.maxCookieBytes: expected an integer from 1024 to 81920, got /);
    }
  });

  it('revocation: needs revoke() and isRevoked(); its lifetime bounds absoluteExpiry', () => {
    const msgRev = 'options.revocation: expected a store with revoke() and isRevoked(), got ';
    expect(err({ revocation: null }).message).toBe(`${msgRev}null`);
    expect(err({ revocation: { revoke() {} } }).message).toBe(`${msgRev}an object (Object)`);
    expect(err({ revocation: { isRevoked() {} } }).message).toBe(`${msgRev}an object (Object)`);
    const store = { revoke() {}, isRevoked: () => false, lifetime: 100 };
    expect(() => make({ revocation: store, absoluteExpiry: 100, expiry: 50 })).not.toThrow();
    const e = err({ revocation: store, absoluteExpiry: 101, expiry: 50 });
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(
      "options.absoluteExpiry: expected at most the revocation store's lifetime (100 s), got 101",
    );
    expect(() => make({ revocation: { revoke() {}, isRevoked: () => false, lifetime: '1' } })).not.toThrow();
  });

  it('subject: a non-empty field name, and only with a revocation store', () => {
    const store = new MemoryRevocationStore();
    expect(() => make({ revocation: store, subject: 'user' })).not.toThrow();
    expect(err({ revocation: store, subject: '' }).message).toBe(
      'options.subject: expected the name of a session field, got a string of 0 characters',
    );
    expect(err({ revocation: store, subject: 1 }).message).toBe(
      'options.subject: expected the name of a session field, got a number',
    );
    expect(err({ subject: 'user' }).message).toBe(
      'options.revocation: expected a revocation store (subject is set), got undefined',
    );
  });

  it('debug must be a function; cache is false or an integer from 0 to 10000000', () => {
    expect(() => make({ debug: () => {} })).not.toThrow();
    expect(err({ debug: 'log' }).message).toBe(
      'options.debug: expected a function, got a string of 3 characters',
    );
    for (const ok of [false, 0, 10_000_000, 1]) expect(() => make({ cache: ok })).not.toThrow();
    for (const bad of [true, -1, 10_000_001, 1.5, '5']) {
      const e = err({ cache: bad });
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/^options\.cache: expected false or an integer from 0 to 10000000, got /);
    }
  });
});

describe('findCookie, assertDistinctCookieNames, CookieNameRegistry', () => {
  it('findCookie returns the raw value of the first cookie with exactly that name', () => {
    expect(findCookie('s=abc', 's')).toBe('abc');
    expect(findCookie('a=1; s=abc; b=2', 's')).toBe('abc');
    expect(findCookie('a=1;s=abc', 's')).toBe('abc');
    expect(findCookie('a=1;\t s=abc', 's')).toBe('abc');
    expect(findCookie('s=first; s=second', 's')).toBe('first');
    expect(findCookie('xs=1; s=2', 's')).toBe('2');
    expect(findCookie('xs=1', 's')).toBeUndefined();
    expect(findCookie('a=s=1', 's')).toBeUndefined();
    expect(findCookie('s.1=1; s=2', 's')).toBe('2');
    expect(findCookie('ss; s=3', 's')).toBe('3');
    expect(findCookie('s', 's')).toBeUndefined();
    expect(findCookie('s=', 's')).toBe('');
    expect(findCookie('s=%20"x" ', 's')).toBe('%20"x" ');
    expect(findCookie('', 's')).toBeUndefined();
  });

  it('assertDistinctCookieNames names the index and the owner; one engine is named without an index', () => {
    const a = { cookieNames: ['a', 'a.1'], sessionName: 'a' };
    const b = { cookieNames: ['a.1'], sessionName: 'b' };
    const c = { cookieNames: ['c'], sessionName: 'c' };
    expect(() => assertDistinctCookieNames([a, c])).not.toThrow();
    const e = thrown(() => assertDistinctCookieNames([c, a, b])) as Error;
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(
      "options[2].cookieName: expected cookie names not used by another session, got 'a.1' (also written by session 'a')",
    );
    expect(msg(() => assertDistinctCookieNames([a, b], 'app'))).toMatch(/^app\[1\]\.cookieName: /);
    const twice = { cookieNames: ['x', 'x'], sessionName: 'x' };
    expect(() => assertDistinctCookieNames([twice])).not.toThrow();
    expect(() => assertDistinctCookieNames([twice, twice])).toThrow(/'x' \(also written by session 'x'\)/);
    const r = new CookieNameRegistry();
    r.claim(a);
    expect(msg(() => r.claim(b))).toBe(
      "options[1].cookieName: expected cookie names not used by another session, got 'a.1' (also written by session 'a')",
    );
    expect(msg(() => r.claim(b, 'app'))).toMatch(/^app\[1\]\.cookieName/);
    r.claim(c);
    expect(msg(() => r.claim({ cookieNames: ['c'], sessionName: 'd' }))).toMatch(
      /^options\[2\]\.cookieName: .*'c' \(also written by session 'c'\)$/,
    );
  });
});

describe('SessionEngine debug lines and chunked cookies', () => {
  const key = generateKey();

  it('a debug line has the default message and { session, reason }, with cause only when there is one', () => {
    const lines: [string, object][] = [];
    const err = new Error('store down');
    const engine = new SessionEngine({
      key,
      sessionName: 'app',
      debug: (m, d) => lines.push([m, d]),
      revocation: {
        revoke() {},
        isRevoked() {
          throw err;
        },
      },
    });
    expect(engine.load(5 as never).get('user' as never)).toBeUndefined();
    expect(lines).toStrictEqual([
      ['sealed-session: no session from the cookie', { session: 'app', reason: 'unparsable-cookie-header' }],
    ]);
    lines.length = 0;
    const cookie = cookieHeader(engine.commit(engine.create({ user: 'ada' })));
    expect(engine.load(cookie).get('user' as never)).toBeUndefined();
    expect(lines).toStrictEqual([
      [
        'sealed-session: no session from the cookie',
        { session: 'app', reason: 'revocation-store-error', cause: err },
      ],
    ]);
  });

  it('a chunked session reads back from all its cookies; a missing chunk is logged and gives no session', () => {
    const reasons: string[] = [];
    const engine = new SessionEngine({
      key,
      maxCookies: 3,
      maxCookieBytes: 6144,
      debug: (_m, d) => reasons.push(d.reason),
    });
    const big = 'x'.repeat(4000);
    const sets = engine.commit(engine.create({ big }));
    const names = sets.map((c) => c.slice(0, c.indexOf('=')));
    expect(names.slice(0, 2)).toEqual(['session', 'session.1']);
    const full = cookieHeader(sets);
    expect(full.startsWith('session=2.')).toBe(true);
    expect(engine.load(full).get('big' as never)).toBe(big);
    expect(reasons).toEqual([]);
    const withoutChunk = full
      .split('; ')
      .filter((c) => !c.startsWith('session.1='))
      .join('; ');
    expect(engine.load(withoutChunk).get('big' as never)).toBeUndefined();
    expect(reasons).toEqual(['missing-chunk']);
  });
});

describe('SessionEngine commit: rolling refresh at half the idle time, leftover chunks cleared', () => {
  const key = generateKey();
  const T0 = 1_700_000_000_000;

  it('refreshes only once less than half the idle time is left, and not when rolling is false', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(T0);
      for (const rolling of [true, false]) {
        const engine = new SessionEngine({ key, expiry: 100, rolling, cache: false });
        const cookie = cookieHeader(engine.commit(engine.create({ user: 'ada' })));
        vi.setSystemTime(T0 + 50_000);
        const atHalf = engine.load(cookie);
        expect(atHalf.get('user' as never)).toBe('ada');
        expect(engine.commit(atHalf)).toEqual([]);
        vi.setSystemTime(T0 + 50_001);
        const after = engine.load(cookie);
        expect(after.get('user' as never)).toBe('ada');
        const out = engine.commit(after);
        if (rolling) {
          expect(out).toHaveLength(1);
          expect(out[0]).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=100;/);
        } else expect(out).toEqual([]);
        vi.setSystemTime(T0);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('a session that shrinks from two cookies to one clears the second', () => {
    const engine = new SessionEngine({ key, maxCookies: 3, maxCookieBytes: 6144 });
    const two = cookieHeader(engine.commit(engine.create({ big: 'x'.repeat(4000) })));
    expect(two).toMatch(/^session=2\.[^;]+; session\.1=/);
    const s = engine.load(two);
    s.set('big' as never, 'small' as never);
    const out = engine.commit(s);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=/);
    expect(out[1]).toMatch(/^session\.1=; Max-Age=0;/);
  });
});
