import { parseSetCookie } from 'cookie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CookieTooLargeError, generateKey, MemoryRevocationStore, SessionEngine } from '../../src/index.js';

const key = generateKey();

/** Turns Set-Cookie values into the Cookie header a browser would send back. */
function jar(setCookies: string[], previous: Record<string, string> = {}): Record<string, string> {
  const next = { ...previous };
  for (const sc of setCookies) {
    const c = parseSetCookie(sc);
    if (c.maxAge === 0) delete next[c.name];
    else next[c.name] = c.value ?? '';
  }
  return next;
}
const header = (j: Record<string, string>) =>
  Object.entries(j)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

afterEach(() => vi.useRealTimers());

describe('SessionEngine', () => {
  it('does no work for an untouched session and writes nothing', () => {
    const e = new SessionEngine({ key });
    const s = e.load('session=garbage');
    expect(e.commit(s)).toEqual([]);
  });

  it('round-trips through Set-Cookie with secure defaults', () => {
    const e = new SessionEngine({ key });
    const s = e.load(undefined);
    s.set('user' as never, 'alice' as never);
    const out = e.commit(s);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/; Path=\/; .*HttpOnly; Secure; SameSite=Lax/);
    const s2 = e.load(header(jar(out)));
    expect(s2.get('user' as never)).toBe('alice');
    expect(e.commit(s2)).toEqual([]); // read, unchanged, not due for refresh
  });

  it('chunks a large session across cookies and reassembles it; throws at set() past the limit', () => {
    const e = new SessionEngine({ key, maxCookies: 3 });
    const s = e.load(undefined);
    const big = 'x'.repeat(5000); // ~6.8 kB of base64: two cookies
    s.set('big' as never, big as never);
    const out = e.commit(s);
    expect(out.length).toBe(2);
    for (const c of out) expect(c.length).toBeLessThanOrEqual(4096);
    const back = e.load(header(jar(out)));
    expect(back.get('big' as never)).toBe(big);
    expect(() => back.set('more' as never, 'y'.repeat(9000) as never)).toThrow(CookieTooLargeError);
    expect(back.get('big' as never)).toBe(big); // nothing lost
    // Shrinking clears the stale chunk.
    back.set('big' as never, 'small' as never);
    const shrunk = e.commit(back);
    const j = jar(shrunk, jar(out));
    expect(Object.keys(j)).toEqual(['session']);
    expect(e.load(header(j)).get('big' as never)).toBe('small');
  });

  it('enforces idle and absolute expiry from the sealed payload', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const e = new SessionEngine({ key, expiry: 60, absoluteExpiry: 300, rolling: true });
    const s = e.load(undefined);
    s.set('n' as never, 1 as never);
    let j = jar(e.commit(s));
    vi.advanceTimersByTime(61_000);
    expect(e.load(header(j)).get('n' as never)).toBeUndefined();
    // Keep it alive by reading: rolling refresh after half the idle window.
    const s2 = e.load(undefined);
    s2.set('n' as never, 2 as never);
    j = jar(e.commit(s2));
    for (let t = 0; t < 8; t++) {
      vi.advanceTimersByTime(40_000);
      const r = e.load(header(j));
      if (t < 7) expect(r.get('n' as never)).toBe(2);
      else expect(r.get('n' as never)).toBeUndefined(); // 320 s > absolute 300 s
      j = jar(e.commit(r), j);
    }
  });

  it('revoked (destroyed) sessions stay dead when replayed', async () => {
    const revocation = new MemoryRevocationStore();
    const e = new SessionEngine({ key, revocation });
    const s = e.load(undefined);
    s.set('user' as never, 'alice' as never);
    const cookie = header(jar(e.commit(s)));
    const s2 = e.load(cookie);
    await e.prepare(s2);
    expect(s2.get('user' as never)).toBe('alice');
    s2.delete();
    expect(e.commit(s2)[0]).toMatch(/Max-Age=0/);
    const replay = e.load(cookie);
    await e.prepare(replay);
    expect(replay.get('user' as never)).toBeUndefined();
  });

  it('refuses misuse at construction with "expected X, got Y"', () => {
    expect(() => new SessionEngine({ key: new Uint8Array(16) })).toThrow(
      'key: expected a 32-byte key (Uint8Array, 64 hex characters or base64 of 32 bytes), got a Uint8Array of 16 bytes',
    );
    expect(() => new SessionEngine({ key: [key, 'short'] })).toThrow(/^key\[1\]: expected a 32-byte key/);
    expect(() => new SessionEngine({ key, cookieName: '__Host-s', cookie: { path: '/x' } })).toThrow(
      /__Host-/,
    );
    expect(() => new SessionEngine({ key, expiry: -1 })).toThrow(
      'options.expiry: expected an integer number of seconds from 1 to 2147483647, got -1',
    );
  });
});
