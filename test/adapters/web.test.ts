// sealed-session/web with real WHATWG Request/Response/Headers objects (Node's undici).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKey } from '../../src/index.js';
import {
  CookieTooLargeError,
  createSessions,
  MemoryRevocationStore,
  Session,
  type SessionOptions,
} from '../../src/web/index.js';
import { cookieHeader, HOSTILE_HEADERS, hostileValues, jar } from './express-web-support.js';

interface Data {
  user: string;
  big: string;
}

const key = generateKey();
const req = (j: Record<string, string> = {}) =>
  new Request('https://app.example/', { headers: { cookie: cookieHeader(j) } });

afterEach(() => vi.useRealTimers());

describe('sealed-session/web: createSessions', () => {
  it('round-trips through Request and Response, appending to existing Set-Cookie', async () => {
    const sessions = createSessions<Data>({ key });
    const s = await sessions.load(req());
    expect(s.data()).toEqual({});
    s.set('user', 'alice');
    const res = new Response('ok', { headers: [['set-cookie', 'theme=dark']] });
    const out = sessions.commit(s, res);
    expect(out).toBe(res);
    const sc = out.headers.getSetCookie();
    expect(sc[0]).toBe('theme=dark');
    expect(sc[1]).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    const back = await sessions.load(req(jar(sc)));
    expect(back.get('user')).toBe('alice');
    expect(sessions.cookies(back)).toEqual([]); // unchanged: nothing to write
    const untouched = await sessions.load(req(jar(sc)));
    expect(sessions.commit(untouched, new Response('x')).headers.getSetCookie()).toEqual([]);
  });

  it('accepts Headers, a Cookie header string and a lookup function as the source', async () => {
    const sessions = createSessions<Data>({ key });
    const s = await sessions.load(null);
    s.set('user', 'bob');
    const h = sessions.commit(s, new Headers());
    const j = jar(h.getSetCookie());
    for (const source of [
      new Headers({ cookie: cookieHeader(j) }),
      cookieHeader(j),
      (name: string) => j[name],
    ]) {
      expect((await sessions.load(source)).get('user')).toBe('bob');
    }
  });

  it('copies a response with immutable headers (Response.redirect, fetch results) instead of failing', async () => {
    const sessions = createSessions<Data>({ key });
    const s = await sessions.load(req());
    s.set('user', 'carol');
    const redirect = Response.redirect('https://app.example/home', 303);
    expect(() => redirect.headers.append('x', 'y')).toThrow(TypeError); // the case being handled
    const out = sessions.commit(s, redirect);
    expect(out).not.toBe(redirect);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('https://app.example/home');
    expect(out.headers.getSetCookie()).toHaveLength(1);
  });

  it('re-issues a cookie sealed with an old key under the newest one', async () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const before = createSessions<Data>({ key: oldKey });
    const s = await before.load(req());
    s.set('user', 'dave');
    const j = jar(before.cookies(s));
    const after = createSessions<Data>({ key: [newKey, oldKey] });
    const s2 = await after.load(req(j));
    expect(s2.get('user')).toBe('dave');
    const reissued = after.cookies(s2);
    expect(reissued).toHaveLength(1);
    const only = createSessions<Data>({ key: newKey });
    expect((await only.load(req(jar(reissued)))).get('user')).toBe('dave');
  });

  it('chunks in and out, clears stale chunks; THREATS 6: past the budget set() throws', async () => {
    const sessions = createSessions<Data>({ key, maxCookies: 3 });
    const s = await sessions.load(req());
    s.set('big', 'x'.repeat(7000));
    const sc = sessions.cookies(s);
    expect(sc).toHaveLength(3);
    for (const c of sc) expect(new TextEncoder().encode(c).length).toBeLessThanOrEqual(4096);
    const j = jar(sc);
    const back = await sessions.load(req(j));
    expect(back.get('big')).toHaveLength(7000);
    expect(() => back.set('big', 'y'.repeat(50_000))).toThrow(CookieTooLargeError);
    back.set('big', 'small');
    const j2 = jar(sessions.cookies(back), j);
    expect(Object.keys(j2)).toEqual(['session']);
    expect((await sessions.load(req(j2))).get('big')).toBe('small');
  });

  it('THREATS 1/2/38: hostile cookies and headers give an empty session; debug gets a reason only', async () => {
    const seen: unknown[] = [];
    const sessions = createSessions<Data>({ key, debug: (...a) => seen.push(a) });
    const values = [...hostileValues(key, 'session'), { label: '70k', value: 'A'.repeat(70_000) }];
    for (const { label, value } of values) {
      const s = await sessions.load(req({ session: value }));
      expect(s.data(), label).toEqual({});
      expect(sessions.cookies(s), label).toEqual([]);
    }
    for (const header of HOSTILE_HEADERS) {
      // Headers holds ByteStrings: non-UTF-8 bytes arrive as latin1 characters, as from the network.
      const s = await sessions.load(new Request('https://app.example/', { headers: { cookie: header } }));
      expect(s.data(), header).toEqual({});
    }
    const logged = JSON.stringify(seen);
    for (const { value } of values) if (value.length > 8) expect(logged).not.toContain(value.slice(0, 24));
  });

  it('THREATS 4: idle and absolute expiry come from the sealed payload', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.UTC(2030, 0, 1);
    vi.setSystemTime(t0);
    const sessions = createSessions<Data>({
      key,
      expiry: 60,
      absoluteExpiry: 120,
      cookie: { maxAge: 10 ** 8 },
    });
    const s = await sessions.load(req());
    s.set('user', 'erin');
    let j = jar(sessions.cookies(s));
    vi.setSystemTime(t0 + 61_000);
    expect((await sessions.load(req(j))).data()).toEqual({});
    vi.setSystemTime(t0 + 50_000);
    const touched = await sessions.load(req(j));
    touched.touch();
    j = jar(sessions.cookies(touched));
    vi.setSystemTime(t0 + 100_000);
    expect((await sessions.load(req(j))).get('user')).toBe('erin'); // idle moved on
    vi.setSystemTime(t0 + 121_000);
    expect((await sessions.load(req(j))).data()).toEqual({}); // absolute reached
  });

  it('THREATS 5: a destroyed session replayed later stays dead with a revocation store', async () => {
    const sessions = createSessions<Data>({ key, revocation: new MemoryRevocationStore() });
    const s = await sessions.load(req());
    s.set('user', 'frank');
    const j = jar(sessions.cookies(s));
    const out = await sessions.load(req(j));
    out.delete();
    expect(sessions.cookies(out)[0]).toMatch(/^session=; Max-Age=0/);
    expect((await sessions.load(req(j))).data()).toEqual({});
  });

  it('THREATS 7: regenerate() gives a fresh id and drops planted data', async () => {
    const sessions = createSessions<Data>({ key });
    const planted = await sessions.load(req());
    planted.set('big', 'attacker');
    const j = jar(sessions.cookies(planted));
    const s = await sessions.load(req(j));
    const before = s.id;
    s.regenerate();
    s.set('user', 'victim');
    expect(s.id).not.toBe(before);
    expect(s.data()).toEqual({ user: 'victim' });
  });

  it('session.user = x never loses data silently: it throws (strict and sloppy code), set() still works', async () => {
    const sessions = createSessions<Data>({ key });
    const s = await sessions.load(req());
    const message =
      "session.user: expected session.set('user', value), got a property assignment (it would not be saved)";
    expect(() => {
      (s as unknown as Record<string, unknown>).user = 'alice';
    }).toThrow(new TypeError(message));
    // Sloppy-mode JavaScript (a plain script): a failed assignment would otherwise be silent.
    const sloppy = new Function('s', "s.user = 'alice'; return 'assigned';") as (x: unknown) => string;
    expect(() => sloppy(s)).toThrow(message);
    expect(() => Object.assign(s, { user: 'alice' })).toThrow(TypeError);
    expect(() => {
      delete (s as unknown as Record<string, unknown>).user;
    }).toThrow(TypeError);
    expect(s).toBeInstanceOf(Session);
    s.set('user', 'alice');
    const back = await sessions.load(req(jar(sessions.cookies(s))));
    expect(back.get('user')).toBe('alice');
    expect(back.data()).toEqual({ user: 'alice' });
  });

  it('misuse throws at construction', () => {
    // @ts-expect-error maxCookies is a number
    expect(() => createSessions({ key, maxCookies: '3' })).toThrow(/options\.maxCookies/);
    // @ts-expect-error rolling is a boolean
    expect(() => createSessions({ key, rolling: 'false' })).toThrow(/options\.rolling: expected a boolean/);
    expect(() => createSessions({ key: [key, 'abcd'] })).toThrow(/^key\[1\]: expected a 32-byte key/);
    expect(() => createSessions({} as SessionOptions)).toThrow(/options\.key/);
    expect(() => createSessions({ key, cookiename: 'x' } as SessionOptions)).toThrow(/options\.cookiename/);
    expect(() => createSessions({ key, cookie: { sameSite: 'none', secure: false } })).toThrow(TypeError);
  });
});
