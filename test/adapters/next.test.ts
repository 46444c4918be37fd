// sealed-session/web's Next.js helper. Next.js is NOT installed here: these tests drive the helper
// through an object implementing the same structural interface as `cookies()` from next/headers
// (get(name)?.value, set(name, value, attributes)), serialising set() calls the way Next's
// ResponseCookies does (encodeURIComponent of the value), so a browser-like jar can replay them.
import { stringifySetCookie } from 'cookie';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/index.js';
import {
  type NextCookieAttributes,
  type NextCookieStore,
  nextSessions,
  type SessionOptions,
} from '../../src/web/index.js';
import { hostileValues, jar } from './express-web-support.js';

interface Data {
  user: string;
  big: string;
}

/** Stands in for Next's cookies(): reads the request's cookies, records what the response sets. */
class FakeNextCookies implements NextCookieStore {
  readonly written: string[] = [];
  readonly calls: [string, string, NextCookieAttributes | undefined][] = [];
  constructor(private readonly request: Record<string, string> = {}) {}
  get(name: string): { name: string; value: string } | undefined {
    const value = this.request[name];
    return value === undefined ? undefined : { name, value };
  }
  set(name: string, value: string, attributes?: NextCookieAttributes): this {
    this.calls.push([name, value, attributes]);
    this.written.push(
      stringifySetCookie(name, encodeURIComponent(value), { ...attributes, encode: (v) => v }),
    );
    return this;
  }
}

const key = generateKey();

describe('sealed-session/web: nextSessions (structural cookies() interface; Next.js not installed)', () => {
  it('loads from cookies(), commits through the same store with secure attributes, reads back', async () => {
    const sessions = nextSessions<Data>({ key });
    const store = new FakeNextCookies();
    const s = await sessions.load(store);
    s.set('user', 'alice');
    sessions.commit(s);
    expect(store.calls).toHaveLength(1);
    const [name, value, attrs] = store.calls[0]!;
    expect(name).toBe('session');
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(attrs).toEqual({ path: '/', maxAge: 86400, httpOnly: true, secure: true, sameSite: 'lax' });

    const next = new FakeNextCookies(jar(store.written));
    const back = await sessions.load(next);
    expect(back.get('user')).toBe('alice');
    sessions.commit(back);
    expect(next.calls).toEqual([]); // unchanged: nothing written
  });

  it('accepts the promise cookies() returns in Next 15', async () => {
    const sessions = nextSessions<Data>({ key });
    const store = new FakeNextCookies();
    const s = await sessions.load(Promise.resolve(store));
    s.set('user', 'bob');
    sessions.commit(s);
    expect((await sessions.load(new FakeNextCookies(jar(store.written)))).get('user')).toBe('bob');
  });

  it('middleware style: load from request.cookies, commit to response.cookies', async () => {
    const sessions = nextSessions<Data>({ key, cookieName: '__Host-s' });
    const request = new FakeNextCookies();
    const response = new FakeNextCookies();
    const s = await sessions.load(request);
    s.set('user', 'carol');
    sessions.commit(s, response);
    expect(request.calls).toEqual([]);
    expect(response.calls[0]?.[0]).toBe('__Host-s');
  });

  it('chunks in and out and deletes every chunk on logout', async () => {
    const sessions = nextSessions<Data>({ key, maxCookies: 3 }); // 7000 bytes: over the default budget
    const first = new FakeNextCookies();
    const s = await sessions.load(first);
    s.set('big', 'x'.repeat(7000));
    sessions.commit(s);
    const j = jar(first.written);
    expect(Object.keys(j)).toEqual(['session', 'session.1', 'session.2']);
    const second = new FakeNextCookies(j);
    const back = await sessions.load(second);
    expect(back.get('big')).toHaveLength(7000);
    back.delete();
    sessions.commit(back);
    expect(second.calls.map(([n, v, a]) => [n, v, a?.maxAge])).toEqual([
      ['session', '', 0],
      ['session.1', '', 0],
      ['session.2', '', 0],
    ]);
    expect(jar(second.written, j)).toEqual({});
  });

  it('THREATS 1/2: hostile cookies give an empty session and nothing written', async () => {
    const sessions = nextSessions<Data>({ key });
    for (const { label, value } of hostileValues(key, 'session')) {
      const store = new FakeNextCookies({ session: value, 'session.1': value });
      const s = await sessions.load(store);
      expect(s.data(), label).toEqual({});
      sessions.commit(s);
      expect(store.calls, label).toEqual([]);
    }
  });

  it('misuse: bad options at construction, a non-store at load, commit without a store', async () => {
    expect(() => nextSessions({ key: [key, 'short'] })).toThrow(/^key\[1\]/);
    expect(() => nextSessions({ key, salt: 'x' } as SessionOptions)).toThrow(/options\.salt/);
    const sessions = nextSessions<Data>({ key });
    await expect(sessions.load({} as NextCookieStore)).rejects.toThrow(TypeError);
    const other = nextSessions<Data>({ key });
    const s = await other.load(new FakeNextCookies());
    s.set('user', 'x');
    expect(() => sessions.commit(s)).toThrow(/commit\(session, store\)/);
  });
});

describe('nextSessions: what `next build` and proxy.ts need', () => {
  it('a key still undefined at module scope (next build, no SESSION_KEY) does not throw until first use', async () => {
    const sessions = nextSessions<Data>({ key: undefined });
    await expect(sessions.load(new FakeNextCookies())).rejects.toThrow(
      /^nextSessions: options\.key: expected a key at run time, got undefined/,
    );
    // Every other option is still checked at once.
    expect(() => nextSessions({ key: undefined, maxCookies: 0 })).toThrow(/maxCookies/);
  });

  it('loads from a read-only store (RequestCookies in proxy.ts has no 3-argument set)', async () => {
    const sessions = nextSessions<Data>({ key });
    const write = new FakeNextCookies();
    const s = await sessions.load(write);
    s.set('user', 'dora');
    sessions.commit(s);
    const jarNow = jar(write.written);
    const readOnly = { get: (name: string) => (name in jarNow ? { value: jarNow[name]! } : undefined) };
    const back = await sessions.load(readOnly);
    expect(back.get('user')).toBe('dora');
    const response = new FakeNextCookies();
    back.touch();
    sessions.commit(back, response);
    expect(response.calls[0]?.[0]).toBe('session');
  });
});
