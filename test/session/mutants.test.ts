// Tests that kill the mutants StrykerJS left alive in src/session (docs/mutation.md): exact errors
// ("expected X, got Y"), exact defaults and exact boundaries.
import { describe, expect, it } from 'vitest';
import { checkCookieName, resolveCookieOptions } from '../../src/session/cookie-options.js';

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
