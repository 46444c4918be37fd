// The engine's per-request shortcuts (Set-Cookie by concatenation, in-place set, size upper
// bound) must give exactly what the slow paths gave.
import { parseCookie, stringifySetCookie } from 'cookie';
import { describe, expect, it } from 'vitest';
import { CookieTooLargeError, generateKey, SessionEngine } from '../../src/index.js';
import type { CookieOptions } from '../../src/session/cookie-options.js';

const key = generateKey();

/** What `cookie` itself formats for these attributes (the engine's secure defaults applied). */
function expected(name: string, value: string, maxAge: number, c: CookieOptions): string {
  const sameSite = c.sameSite === undefined ? 'lax' : c.sameSite;
  return stringifySetCookie(name, value, {
    encode: (v) => v,
    domain: c.domain,
    path: c.path ?? '/',
    httpOnly: c.httpOnly ?? true,
    secure: c.secure ?? true,
    sameSite: sameSite === false ? undefined : sameSite,
    partitioned: c.partitioned ?? false,
    priority: c.priority,
    maxAge,
  });
}

describe('Set-Cookie built from the precomputed suffix', () => {
  const configs: CookieOptions[] = [
    {},
    { domain: 'example.com', path: '/app', sameSite: 'strict', priority: 'high' },
    { sameSite: 'none', partitioned: true },
    { sameSite: false, httpOnly: false, maxAge: 120 },
    { secure: false, sameSite: true, priority: 'low' },
  ];
  for (const cookie of configs) {
    it(`equals cookie's own output for ${JSON.stringify(cookie)}`, () => {
      const e = new SessionEngine({ key, cookieName: 'sid', cookie, expiry: 3600 });
      const s = e.create({ a: 1 });
      const [line, ...rest] = e.commit(s);
      expect(rest).toEqual([]);
      const value = line!.slice(4, line!.indexOf(';'));
      const maxAge = Number(/Max-Age=(\d+)/.exec(line!)![1]);
      expect(maxAge).toBe(cookie.maxAge ?? 3600);
      expect(line).toBe(expected('sid', value, maxAge, cookie));
    });
  }

  it('chunked cookies carry the same attributes on every part', () => {
    const e = new SessionEngine({ key, cookieName: 'sid', cookie: { domain: 'example.com' } });
    const s = e.create({ big: 'x'.repeat(4000) });
    const lines = e.commit(s);
    expect(lines.length).toBeGreaterThan(1);
    lines.forEach((line, i) => {
      const name = i === 0 ? 'sid' : `sid.${i}`;
      const value = line.slice(name.length + 1, line.indexOf(';'));
      expect(line).toBe(expected(name, value, 86_400, { domain: 'example.com' }));
    });
  });

  it('a per-response options() override still applies, and deletion still sets Expires', () => {
    const e = new SessionEngine({ key, cookieName: 'sid' });
    const s = e.create({ a: 1 });
    s.options({ path: '/x', maxAge: 5, sameSite: 'strict' });
    const [line] = e.commit(s);
    expect(line).toContain('; Max-Age=5;');
    expect(line).toContain('; Path=/x');
    expect(line).toContain('; SameSite=Strict');
    expect(line).not.toContain('; Path=/;');
    const d = e.create({ a: 1 });
    d.delete();
    expect(e.commit(d)).toEqual([
      'sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    ]);
  });

  it('a non-integer configured maxAge is refused at construction, not at every commit', () => {
    expect(() => new SessionEngine({ key, cookieName: 'sid', cookie: { maxAge: 1.5 } })).toThrow(
      'options.cookie.maxAge: expected an integer number of seconds from 0 to 2147483647, got 1.5',
    );
  });
});

describe('set() in place', () => {
  it('a refused set leaves the data, its key order and the changed flag as they were', () => {
    const e = new SessionEngine({ key, cookieName: 'sid', maxCookies: 1 });
    const header = `sid=${e
      .commit(e.create({ a: 1, b: 'two', c: [3] }))[0]!
      .split(';')[0]!
      .slice(4)}`;
    const s = e.load(header);
    expect(() => s.set('b' as never, 'y'.repeat(5000) as never)).toThrow(CookieTooLargeError);
    expect(() => s.set('z' as never, 'y'.repeat(5000) as never)).toThrow(CookieTooLargeError);
    expect(() => s.set('a' as never, 10n as never)).toThrow(TypeError); // not JSON
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => s.set('c' as never, cyclic as never)).toThrow(TypeError);
    expect(JSON.stringify(s.data())).toBe('{"a":1,"b":"two","c":[3]}');
    expect(s.changed).toBe(false);
    expect(e.commit(s)).toEqual([]);
  });

  it('data() stays a copy: changing it does not change the session', () => {
    const e = new SessionEngine({ key });
    const s = e.create({ a: 1 });
    const copy = s.data() as Record<string, unknown>;
    s.set('b' as never, 2 as never);
    expect(copy).toEqual({ a: 1 });
    copy.c = 3;
    expect(s.data()).toEqual({ a: 1, b: 2 });
  });

  it('a "__proto__" key is stored as data, never as the prototype', () => {
    const e = new SessionEngine({ key, cookieName: 'sid' });
    const s = e.create({});
    s.set('__proto__' as never, { polluted: true } as never);
    expect(Object.getPrototypeOf(s.data())).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(s.get('__proto__' as never)).toEqual({ polluted: true });
    const back = e.load(`sid=${parseCookie(e.commit(s)[0]!.split(';')[0]!).sid}`);
    expect(back.get('__proto__' as never)).toEqual({ polluted: true });
    expect((back.data() as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('near the limit, multi-byte text is measured exactly (accepted when it fits, refused when not)', () => {
    const e = new SessionEngine({ key, cookieName: 'sid', maxCookies: 1 });
    const s = e.create({});
    // 'é' is 2 UTF-8 bytes: 1300 of them fit (≈ 3.5 kB of base64), though 3 bytes each would not.
    s.set('t' as never, 'é'.repeat(1300) as never);
    expect(e.commit(s).length).toBe(1);
    expect(() => s.set('t' as never, 'é'.repeat(1600) as never)).toThrow(CookieTooLargeError);
    expect(s.get('t' as never)).toBe('é'.repeat(1300));
  });
});
