// THREATS 43/44: a revocation store never forgets a revoked id before its expiry; at capacity it
// fails closed (a not-before watermark ends older sessions), never open; revokeAll(subject) ends one
// user's older sessions and nobody else's. Before the fix, the store dropped the entry closest to
// expiry when full, so an attacker's own logouts un-revoked a stolen session.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKey, MemoryRevocationStore, SessionEngine } from '../../src/index.js';

const key = generateKey();
afterEach(() => vi.useRealTimers());

const tokenOf = (setCookie: string): string => setCookie.split(';')[0]!.split('=')[1]!;

function login(engine: SessionEngine, data: Record<string, unknown>): string {
  const s = engine.create(data);
  return tokenOf(engine.commit(s)[0]!);
}
function logout(engine: SessionEngine, token: string): void {
  const s = engine.load(`session=${token}`);
  s.delete();
  engine.commit(s);
}
const user = (engine: SessionEngine, token: string): unknown =>
  engine.load(`session=${token}`).get('user' as never);

describe('MemoryRevocationStore at capacity', () => {
  it("an attacker's logouts at capacity never un-revoke a stolen session", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const revocation = new MemoryRevocationStore({ maxEntries: 8 });
    const e = new SessionEngine({ key, revocation });
    const stolen = login(e, { user: 'victim' });
    vi.advanceTimersByTime(1000);
    logout(e, stolen); // the victim logs out; the thief keeps the cookie
    expect(user(e, stolen)).toBeUndefined();
    // The attacker fills the store with their own logouts (each session lives longer than the victim's).
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(1000);
      logout(e, login(e, { user: `attacker-${i}` }));
      expect(user(e, stolen), `after ${i + 1} attacker logouts`).toBeUndefined();
    }
    expect(revocation.size).toBeLessThanOrEqual(8);
  });

  it('fails closed by a watermark: sessions issued before it end, newer ones live', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const revocation = new MemoryRevocationStore({ maxEntries: 2 });
    const e = new SessionEngine({ key, revocation });
    const old = login(e, { user: 'old' });
    vi.advanceTimersByTime(10);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(10);
      logout(e, login(e, { user: `x${i}` }));
    }
    expect(revocation.watermark).toBeGreaterThan(Date.UTC(2026, 0, 1));
    expect(user(e, old)).toBeUndefined(); // older than the first evicted revocation: refused
    vi.advanceTimersByTime(10);
    const fresh = login(e, { user: 'fresh' });
    expect(user(e, fresh)).toBe('fresh');
  });

  it('a revoked id is remembered exactly until its expiry, then forgotten (memory is returned)', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const store = new MemoryRevocationStore();
    const issuedAt = Date.now() - 1;
    store.revoke('a', Date.now() + 60_000);
    expect(store.isRevoked({ id: 'a', issuedAt })).toBe(true);
    vi.advanceTimersByTime(59_999);
    expect(store.isRevoked({ id: 'a', issuedAt })).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(store.isRevoked({ id: 'a', issuedAt })).toBe(false);
    expect(store.size).toBe(0);
    store.revoke('b', Date.now() - 1); // already expired: nothing to remember
    expect(store.size).toBe(0);
  });

  it('refuses checks it cannot judge (issuedAt not a number)', () => {
    const store = new MemoryRevocationStore();
    expect(store.isRevoked({ id: 'a', issuedAt: Number.NaN })).toBe(true);
    expect(store.isRevoked({ id: 'a', issuedAt: '1' as unknown as number })).toBe(true);
    expect(store.isRevoked({ id: 'a', issuedAt: Date.now() })).toBe(false);
  });

  it('stays bounded at any fill and keeps every entry it holds', () => {
    const store = new MemoryRevocationStore({ maxEntries: 1000 });
    const until = Date.now() + 3_600_000;
    for (let i = 0; i < 50_000; i++) store.revoke(`id-${i}`, until);
    expect(store.size).toBe(1000);
    const issuedAt = store.watermark; // every evicted id was issued before it
    for (let i = 49_000; i < 50_000; i++) expect(store.isRevoked({ id: `id-${i}`, issuedAt })).toBe(true);
    expect(store.isRevoked({ id: 'id-0', issuedAt: issuedAt - 1 })).toBe(true);
  });
});

describe('revokeAll(subject)', () => {
  it("ends that subject's older sessions and nobody else's; a new login works, even in the same second", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 10, 0, 0, 200) });
    const revocation = new MemoryRevocationStore();
    const e = new SessionEngine({ key, revocation, subject: 'userId' });
    const phone = login(e, { userId: 42, user: 'alice-phone' });
    const laptop = login(e, { userId: 42, user: 'alice-laptop' });
    const bob = login(e, { userId: 7, user: 'bob' });
    const stringId = login(e, { userId: '42', user: 'alice-string-id' });
    vi.advanceTimersByTime(300); // 10:00:00.500, same second as the logins
    revocation.revokeAll('42');
    expect(user(e, phone)).toBeUndefined();
    expect(user(e, laptop)).toBeUndefined();
    expect(user(e, stringId)).toBeUndefined();
    expect(user(e, bob)).toBe('bob');
    vi.advanceTimersByTime(200); // 10:00:00.700: still the same second
    const again = login(e, { userId: 42, user: 'alice-again' });
    expect(user(e, again)).toBe('alice-again');
    // Rolling re-seals keep the creation time: a refreshed old session stays ended.
    vi.advanceTimersByTime(13 * 3_600_000);
    expect(user(e, phone)).toBeUndefined();
    expect(user(e, again)).toBe('alice-again');
  });

  it('is remembered for the store lifetime; an engine living longer than that is refused', () => {
    const revocation = new MemoryRevocationStore({ lifetime: 3600 });
    expect(() => new SessionEngine({ key, revocation, absoluteExpiry: 7200 })).toThrow(
      "options.absoluteExpiry: expected at most the revocation store's lifetime (3600 s), got 7200",
    );
    expect(() => new SessionEngine({ key, revocation, absoluteExpiry: 3600 })).not.toThrow();
  });

  it('a later revokeAll never shortens an earlier promise', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const store = new MemoryRevocationStore();
    const issuedAt = Date.now() - 1;
    store.revokeAll('s', Date.now() + 100_000);
    store.revokeAll('s', Date.now() + 10);
    vi.advanceTimersByTime(50_000);
    expect(store.isRevoked({ id: 'x', issuedAt, subject: 's' })).toBe(true);
  });

  it('subjects at capacity also fail closed', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const store = new MemoryRevocationStore({ maxEntries: 2 });
    const issuedAt = Date.now();
    vi.advanceTimersByTime(1);
    store.revokeAll('a');
    vi.advanceTimersByTime(1);
    store.revokeAll('b');
    store.revokeAll('c'); // evicts 'a'
    expect(store.isRevoked({ id: 'x', issuedAt, subject: 'a' })).toBe(true);
  });

  it('subject needs a store, and names a field', () => {
    expect(() => new SessionEngine({ key, subject: 'userId' })).toThrow(
      'options.revocation: expected a revocation store (subject is set), got undefined',
    );
    expect(() => new SessionEngine({ key, revocation: new MemoryRevocationStore(), subject: '' })).toThrow(
      'options.subject: expected the name of a session field, got a string of 0 characters',
    );
  });
});
