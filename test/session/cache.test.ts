// Attacks on the engine's cache of opened tokens (issue 11): a hit skips base64 and the AEAD, so
// everything an open decides must still be decided on a hit. Each test below went red on a
// deliberately broken cache (a hit that skips the revocation store, a hit that skips the sealed
// deadlines, one cache shared by every engine, failed tokens remembered, no bound, the parsed data
// handed out by reference) and is green on the engine as shipped.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Backend, backend, setBackend } from '../../src/core/backend.js';
import { generateKey, MemoryRevocationStore, SessionEngine } from '../../src/index.js';

afterEach(() => vi.useRealTimers());

const T0 = Date.UTC(2026, 0, 1);
const keyA = generateKey();
const keyB = generateKey();

/** The Cookie header a browser sends back after these Set-Cookie values. */
const headerOf = (setCookies: string[]): string => setCookies.map((c) => c.split(';')[0]!).join('; ');

/** Logs in and returns the Cookie header; the token is in the cache from the seal on. */
function login(engine: SessionEngine, data: Record<string, unknown>): string {
  return headerOf(engine.commit(engine.create(data)));
}

/** One request that reads the session (a cache hit after the first). */
const read = (engine: SessionEngine, header: string, field = 'user'): unknown =>
  engine.load(header).get(field as never);

function debugged(options: ConstructorParameters<typeof SessionEngine>[0]): {
  engine: SessionEngine;
  reasons: string[];
} {
  const reasons: string[] = [];
  const engine = new SessionEngine({ ...options, debug: (_m, { reason }) => reasons.push(reason) });
  return { engine, reasons };
}

describe('revocation applies on every hit', () => {
  it('revoke(id) after the token was cached ends the session on the next request', () => {
    const revocation = new MemoryRevocationStore();
    const { engine, reasons } = debugged({ key: keyA, revocation });
    const cookie = login(engine, { user: 'ada' });
    expect(read(engine, cookie)).toBe('ada');
    expect(read(engine, cookie)).toBe('ada'); // served from the cache
    expect(engine.cacheSize).toBe(1);
    // Revoked behind the engine's back (another instance's logout arriving through the store).
    const id = engine.load(cookie).id;
    revocation.revoke(id, Date.now() + 86_400_000);
    expect(read(engine, cookie)).toBeUndefined();
    expect(reasons).toContain('revoked');
  });

  it('a logout through the engine ends the cached session (replayed cookie)', () => {
    const engine = new SessionEngine({ key: keyA, revocation: new MemoryRevocationStore() });
    const cookie = login(engine, { user: 'ada' });
    expect(read(engine, cookie)).toBe('ada');
    const s = engine.load(cookie);
    s.delete();
    engine.commit(s);
    expect(read(engine, cookie)).toBeUndefined();
  });

  it('revokeAll(subject) ends the cached sessions of that user issued before it, not others', () => {
    vi.useFakeTimers({ now: T0 });
    const revocation = new MemoryRevocationStore();
    const engine = new SessionEngine({ key: keyA, revocation, subject: 'user' });
    const ada = login(engine, { user: 'ada' });
    const bob = login(engine, { user: 'bob' });
    expect(read(engine, ada)).toBe('ada');
    expect(read(engine, bob)).toBe('bob');
    vi.advanceTimersByTime(1000);
    revocation.revokeAll('ada');
    expect(read(engine, ada)).toBeUndefined();
    expect(read(engine, bob)).toBe('bob');
    vi.advanceTimersByTime(1000);
    expect(read(engine, login(engine, { user: 'ada' }))).toBe('ada'); // a new login lives
  });

  it('a not-before watermark (store at capacity) ends older cached sessions', () => {
    vi.useFakeTimers({ now: T0 });
    const revocation = new MemoryRevocationStore({ maxEntries: 2 });
    const engine = new SessionEngine({ key: keyA, revocation });
    const old = login(engine, { user: 'old' });
    expect(read(engine, old)).toBe('old');
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(10);
      const c = login(engine, { user: `x${i}` });
      const s = engine.load(c);
      s.delete();
      engine.commit(s);
    }
    expect(revocation.watermark).toBeGreaterThan(T0);
    expect(read(engine, old)).toBeUndefined();
  });

  it('a store that throws on a hit fails closed, as on a miss', () => {
    let broken = false;
    const revocation = {
      revoke: () => {},
      isRevoked: () => {
        if (broken) throw new Error('store down');
        return false;
      },
    };
    const { engine, reasons } = debugged({ key: keyA, revocation });
    const cookie = login(engine, { user: 'ada' });
    expect(read(engine, cookie)).toBe('ada');
    broken = true;
    expect(read(engine, cookie)).toBeUndefined();
    expect(reasons).toContain('revocation-store-error');
  });
});

describe('the sealed deadlines apply on every hit', () => {
  it('idle expiry: a cached token is refused once its idle deadline passes', () => {
    vi.useFakeTimers({ now: T0 });
    const { engine, reasons } = debugged({ key: keyA, expiry: 60, rolling: false });
    const cookie = login(engine, { user: 'ada' });
    vi.advanceTimersByTime(59_000);
    expect(read(engine, cookie)).toBe('ada');
    vi.advanceTimersByTime(1000);
    expect(read(engine, cookie)).toBeUndefined();
    expect(reasons).toContain('expired-idle');
    expect(engine.cacheSize).toBe(0); // the dead entry is dropped
  });

  it('idle expiry of a token first cached by an open (not by the seal) holds too', () => {
    vi.useFakeTimers({ now: T0 });
    const sealer = new SessionEngine({ key: keyA, expiry: 60, rolling: false });
    const cookie = login(sealer, { user: 'ada' });
    const { engine, reasons } = debugged({ key: keyA, expiry: 60, rolling: false });
    expect(read(engine, cookie)).toBe('ada'); // miss: opened and cached
    expect(engine.cacheSize).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(read(engine, cookie)).toBeUndefined();
    expect(reasons).toContain('expired-idle');
  });

  it('absolute expiry: a cached token is refused at its absolute deadline', () => {
    vi.useFakeTimers({ now: T0 });
    const { engine, reasons } = debugged({ key: keyA, expiry: 3600, absoluteExpiry: 120 });
    let cookie = login(engine, { user: 'ada' });
    // Keep it active (re-sealed, each new token cached at seal) until the absolute deadline.
    for (let t = 30; t <= 90; t += 30) {
      vi.advanceTimersByTime(30_000);
      const s = engine.load(cookie);
      expect(s.get('user' as never)).toBe('ada');
      s.touch();
      cookie = headerOf(engine.commit(s));
    }
    vi.setSystemTime(T0 + 120_000);
    expect(read(engine, cookie)).toBeUndefined();
    expect(reasons).toContain('expired-absolute');
  });

  it('a deadline in a sub-second fraction is not extended by the cache (whole seconds, as sealed)', () => {
    vi.useFakeTimers({ now: T0 + 999 });
    const engine = new SessionEngine({ key: keyA, expiry: 1, rolling: false });
    const cookie = login(engine, { user: 'ada' }); // idle deadline T0+1999 → sealed as T0+1000
    vi.setSystemTime(T0 + 1000);
    expect(read(engine, cookie)).toBeUndefined();
    const fresh = new SessionEngine({ key: keyA, expiry: 1, rolling: false });
    expect(read(fresh, cookie)).toBeUndefined(); // same verdict without a cache
  });
});

describe('keys', () => {
  it('a key removed from the keyring stops its cached tokens from opening', () => {
    const old = new SessionEngine({ key: [keyA, keyB] });
    const underB = login(new SessionEngine({ key: keyB }), { user: 'ada' });
    expect(read(old, underB)).toBe('ada'); // opened with the older key and cached
    expect(old.cacheSize).toBe(1);
    // The app restarts (or registers again) with keyB removed: same cookie name, same key A.
    const rotated = new SessionEngine({ key: [keyA] });
    expect(read(rotated, underB)).toBeUndefined();
    expect(rotated.cacheSize).toBe(0);
    expect(read(old, underB)).toBe('ada'); // the old engine is unaffected (its own keyring)
  });

  it('a token cached under an old key is still re-issued under the newest key on a hit', () => {
    const engine = new SessionEngine({ key: [keyA, keyB] });
    const underB = login(new SessionEngine({ key: keyB }), { user: 'ada' });
    expect(read(engine, underB)).toBe('ada');
    const s = engine.load(underB); // a hit
    expect(s.get('user' as never)).toBe('ada');
    const reissued = engine.commit(s);
    expect(reissued).toHaveLength(1);
    expect(read(new SessionEngine({ key: keyA }), headerOf(reissued))).toBe('ada');
  });
});

describe('what enters the cache', () => {
  it('tokens that fail to open never add entries (100 000 garbage cookies)', () => {
    const engine = new SessionEngine({ key: keyA, cache: 1000 });
    const cookie = login(engine, { user: 'ada' });
    const token = cookie.slice('session='.length);
    expect(engine.cacheSize).toBe(1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let opened = 0;
    for (let i = 0; i < 100_000; i++) {
      // Altered real tokens (auth failures), random base64url, a percent spelling, a foreign key.
      const at = i % token.length;
      const c = alphabet[(alphabet.indexOf(token[at]!) + 1 + (i % 63)) % 64]!;
      const altered = token.slice(0, at) + c + token.slice(at + 1);
      const garbage = i % 3 === 0 ? altered : i % 3 === 1 ? `${token.slice(0, 40)}${i}` : `%${token}`;
      if (engine.load(`session=${garbage}`).get('user' as never) !== undefined) opened++;
    }
    expect(opened).toBe(0);
    const foreign = login(new SessionEngine({ key: keyB }), { user: 'eve' });
    expect(read(engine, foreign)).toBeUndefined();
    expect(engine.cacheSize).toBe(1);
    expect(read(engine, cookie)).toBe('ada');
  });

  it('the bound holds: the size never exceeds the option, and evicted tokens still open', () => {
    const engine = new SessionEngine({ key: keyA, cache: 3 });
    const cookies: string[] = [];
    for (let i = 0; i < 20; i++) {
      cookies.push(login(engine, { user: `u${i}` }));
      expect(engine.cacheSize).toBeLessThanOrEqual(3);
    }
    for (let i = 0; i < 20; i++) {
      expect(read(engine, cookies[i]!)).toBe(`u${i}`);
      expect(engine.cacheSize).toBeLessThanOrEqual(3);
    }
    expect(engine.cacheSize).toBeGreaterThan(0);
  });

  it('the bound holds for every size under a mix of seals, hits and misses', () => {
    for (const cache of [1, 2, 3, 5, 8]) {
      const engine = new SessionEngine({ key: keyA, cache });
      const other = new SessionEngine({ key: keyA, cache: 0 });
      const cookies: string[] = [];
      for (let i = 0; i < 60; i++) {
        cookies.push(login(i % 2 ? engine : other, { user: `u${i}` }));
        expect(read(engine, cookies[(i * 7) % cookies.length]!)).toBe(`u${(i * 7) % cookies.length}`);
        expect(read(engine, cookies[i]!)).toBe(`u${i}`);
        expect(engine.cacheSize, `cache: ${cache}`).toBeLessThanOrEqual(cache);
      }
    }
  });

  it('an active session stays cached while many others come and go (no AEAD open on its hits)', () => {
    const real = backend();
    let opens = 0;
    const counting: Backend = {
      ...real,
      open: (...args: Parameters<Backend['open']>) => {
        opens++;
        return real.open(...args);
      },
    };
    const engine = new SessionEngine({ key: keyA, cache: 8 });
    const sealer = new SessionEngine({ key: keyA, cache: 0 });
    const active = login(engine, { user: 'ada' });
    const others = Array.from({ length: 100 }, (_, i) => login(sealer, { user: `u${i}` }));
    setBackend(counting);
    try {
      for (const other of others) {
        expect(read(engine, other)).toBeDefined(); // a miss: opened, then cached
        expect(read(engine, active)).toBe('ada');
      }
      expect(opens).toBe(100); // one per other session; the active one never again
    } finally {
      setBackend(real);
    }
  });

  it('cache: 0 and cache: false disable it (sessions still open, nothing is kept)', () => {
    for (const cache of [0, false] as const) {
      const engine = new SessionEngine({ key: keyA, cache });
      const cookie = login(engine, { user: 'ada' });
      expect(read(engine, cookie)).toBe('ada');
      expect(read(engine, cookie)).toBe('ada');
      expect(engine.cacheSize).toBe(0);
    }
  });

  it('the option is validated', () => {
    for (const bad of [-1, 1.5, '10', true, Number.NaN, 10_000_001]) {
      expect(() => new SessionEngine({ key: keyA, cache: bad as never })).toThrow(
        /^options\.cache: expected false or an integer from 0 to 10000000, got /,
      );
    }
  });
});

describe('a cached entry cannot be aliased', () => {
  it('mutating the data one request got (nested, without set) does not change the next request', () => {
    const engine = new SessionEngine({ key: keyA });
    const cookie = login(engine, { user: 'ada', roles: ['user'], profile: { name: 'Ada' } });
    const first = engine.load(cookie); // hit (cached at seal)
    (first.get('roles' as never) as unknown as string[]).push('admin');
    (first.get('profile' as never) as unknown as { name: string }).name = 'Mallory';
    first.data(); // a shallow copy; the nested objects are the request's own
    const second = engine.load(cookie);
    expect(second.get('roles' as never)).toEqual(['user']);
    expect(second.get('profile' as never)).toEqual({ name: 'Ada' });
  });

  it('the request that first opened a token (a miss) cannot alias the entry either', () => {
    const sealer = new SessionEngine({ key: keyA });
    const cookie = login(sealer, { user: 'ada', roles: ['user'] });
    const engine = new SessionEngine({ key: keyA });
    const first = engine.load(cookie); // miss: opened, then cached
    (first.get('roles' as never) as unknown as string[]).push('admin');
    expect(engine.load(cookie).get('roles' as never)).toEqual(['user']);
  });

  it('changing the session after its token was sealed does not change what the token opens to', () => {
    const engine = new SessionEngine({ key: keyA });
    const s = engine.create({ user: 'ada', roles: ['user'] });
    const cookie = headerOf(engine.commit(s));
    (s.get('roles' as never) as unknown as string[]).push('admin'); // after the seal, never committed
    s.set('user' as never, 'eve' as never);
    expect(engine.load(cookie).get('roles' as never)).toEqual(['user']);
    expect(read(engine, cookie)).toBe('ada');
  });
});

describe('entries are per engine, cookie name (context) and keyring', () => {
  it('a token cached by one engine does not open under another cookie name with the same key', () => {
    const a = new SessionEngine({ key: keyA, cookieName: 'a' });
    const b = new SessionEngine({ key: keyA, cookieName: 'b' });
    const cookieA = login(a, { user: 'ada' });
    expect(read(a, cookieA)).toBe('ada');
    const token = cookieA.slice('a='.length);
    expect(read(b, `b=${token}`)).toBeUndefined();
    expect(b.cacheSize).toBe(0);
  });

  it('a token cached by one engine does not open in an engine with another key (same name)', () => {
    const a = new SessionEngine({ key: keyA });
    const b = new SessionEngine({ key: keyB });
    const cookie = login(a, { user: 'ada' });
    expect(read(a, cookie)).toBe('ada');
    expect(read(b, cookie)).toBeUndefined();
  });

  it('the cookie name is part of the lookup: the same token under a chunk name is not a hit', () => {
    const engine = new SessionEngine({ key: keyA, cookieName: 'sid' });
    const cookie = login(engine, { user: 'ada' });
    const token = cookie.slice('sid='.length);
    expect(read(engine, `sid.1=${token}`)).toBeUndefined();
    expect(read(engine, `xsid=${token}`)).toBeUndefined();
    expect(read(engine, `sid=${token}`)).toBe('ada');
  });
});

describe('repeat reads hand out primitive fields without a parse (the cached payload is shared)', () => {
  const data = { user: 'ada', n: 42, ok: true, none: null, roles: ['user'], profile: { name: 'Ada' } };
  /** Logged in, then read twice: from the third request on, reads get the cached fields. */
  function warmed(options: Partial<ConstructorParameters<typeof SessionEngine>[0]> = {}) {
    const engine = new SessionEngine({ key: keyA, ...options });
    const cookie = login(engine, structuredClone(data));
    read(engine, cookie);
    read(engine, cookie);
    return { engine, cookie };
  }

  it('a primitive field costs no JSON.parse; an object field parses the request its own copy', () => {
    const { engine, cookie } = warmed();
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const s = engine.load(cookie);
      expect([s.get('user'), s.get('n'), s.get('ok'), s.get('none'), s.get('missing')]).toEqual([
        'ada',
        42,
        true,
        null,
        undefined,
      ]);
      expect(parse).not.toHaveBeenCalled();
      const roles = s.get('roles') as string[];
      expect(roles).toEqual(['user']);
      expect(parse).toHaveBeenCalledTimes(1);
      roles.push('admin'); // this request's copy only
      (s.get('profile') as { name: string }).name = 'Mallory';
      expect(parse).toHaveBeenCalledTimes(1); // parsed once per request
      expect(s.get('roles')).toEqual(['user', 'admin']);
    } finally {
      parse.mockRestore();
    }
    const next = engine.load(cookie);
    expect(next.get('roles')).toEqual(['user']);
    expect(next.get('profile')).toEqual({ name: 'Ada' });
  });

  it('data(), set, regenerate, touch and delete see the whole session on a repeat read', () => {
    const { engine, cookie } = warmed();
    expect(engine.load(cookie).data()).toEqual(data);
    const other = new SessionEngine({ key: keyA }); // opens the written cookies without the cache
    const written = (change: (s: ReturnType<SessionEngine['load']>) => void) => {
      const s = engine.load(cookie);
      change(s);
      return other.load(headerOf(engine.commit(s)));
    };
    expect(written((s) => s.set('n', 43)).data()).toEqual({ ...data, n: 43 });
    expect(written((s) => s.set('roles', undefined)).data()).toEqual({ ...data, roles: undefined });
    expect(written((s) => s.touch()).data()).toEqual(data);
    const mutated = written((s) => {
      (s.get('roles') as string[]).push('editor'); // nested change, then touch (the original's way)
      s.touch();
    });
    expect(mutated.get('roles')).toEqual(['user', 'editor']);
    expect(written((s) => s.regenerate(['user'])).data()).toEqual({ user: 'ada' });
    const deleted = engine.load(cookie);
    deleted.delete();
    expect(engine.commit(deleted)[0]).toMatch(/^session=; Max-Age=0/);
    expect(JSON.stringify(engine.load(cookie))).toBe(JSON.stringify(data));
  });

  it('odd field names: __proto__, prototype method names, numeric keys', () => {
    const engine = new SessionEngine({ key: keyA });
    const cookie = login(engine, JSON.parse('{"__proto__":"x","constructor":1,"7":"seven","user":"ada"}'));
    read(engine, cookie);
    read(engine, cookie);
    const s = engine.load(cookie);
    expect(s.get('__proto__')).toBe('x');
    expect(s.get('constructor')).toBe(1);
    expect(s.get('toString')).toBeUndefined();
    expect(s.get('7')).toBe('seven');
    expect(s.get(7 as never)).toBe('seven'); // an untyped caller's number key, as on a parsed session
    expect(Object.getPrototypeOf(s.data())).toBe(Object.prototype);
  });

  it('a forged token sharing the cached nonce characters misses the cache and is refused', () => {
    const { engine, cookie } = warmed();
    const reasons: string[] = [];
    const watched = new SessionEngine({ key: keyA, debug: (_m, d) => reasons.push(d.reason) });
    login(watched, {}); // same key; its own cache
    const token = cookie.slice('session='.length);
    const forgeries = [
      `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`, // ciphertext / tag
      `${token.slice(0, 2)}${token[2] === 'A' ? 'B' : 'A'}${token.slice(3)}`, // key id
      `${token}A`, // extended
    ];
    for (const forged of forgeries) {
      expect(forged.slice(8, 40)).toBe(token.slice(8, 40));
      expect(read(engine, `session=${forged}`)).toBeUndefined();
      // Warm the other engine with the genuine token, then present the forgery to it.
      read(watched, cookie);
      read(watched, cookie);
      expect(read(watched, `session=${forged}`)).toBeUndefined();
    }
    expect(reasons.length).toBe(forgeries.length);
    expect(read(engine, cookie)).toBe('ada'); // the genuine entry still serves
    expect(engine.cacheSize).toBe(1);
  });

  it('revokeAll(subject) ends a session on a repeat read (subject read from the cached fields)', () => {
    vi.useFakeTimers({ now: T0 });
    const revocation = new MemoryRevocationStore();
    const { engine, cookie } = warmed({ revocation, subject: 'user' });
    expect(read(engine, cookie)).toBe('ada');
    vi.advanceTimersByTime(1000);
    revocation.revokeAll('ada');
    expect(read(engine, cookie)).toBeUndefined();
  });

  it('a subject field holding an object is not a subject, on a repeat read as on a parse', () => {
    const revocation = new MemoryRevocationStore();
    const isRevoked = vi.spyOn(revocation, 'isRevoked');
    const { engine, cookie } = warmed({ revocation, subject: 'profile' });
    expect(read(engine, cookie)).toBe('ada');
    expect(isRevoked.mock.calls.at(-1)![0]).not.toHaveProperty('subject');
    expect(isRevoked.mock.calls[0]![0]).not.toHaveProperty('subject');
  });
});
