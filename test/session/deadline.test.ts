// THREATS 50: a commit past the absolute deadline is explicit. The session is over: the response
// clears its cookie (the browser drops it) and the debug log says `expired-at-commit`. Before the
// fix commit() returned no Set-Cookie at all and the changes vanished without a word.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKey, SessionEngine } from '../../src/index.js';

const key = generateKey();
afterEach(() => vi.useRealTimers());

describe('commit() past the absolute deadline', () => {
  it('clears the cookie and logs expired-at-commit instead of dropping the change silently', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const lines: { message: string; reason: string }[] = [];
    const e = new SessionEngine({
      key,
      expiry: 3600,
      absoluteExpiry: 60,
      debug: (message, d) => lines.push({ message, reason: d.reason }),
    });
    const cookie = e.commit(e.create({ cart: 1 }))[0]!.split(';')[0]!;
    vi.advanceTimersByTime(59_000);
    const s = e.load(cookie);
    expect(s.get('cart' as never)).toBe(1); // still valid when the request starts
    vi.advanceTimersByTime(2_000); // the deadline passes during the request
    s.set('cart' as never, 2 as never);
    const out = e.commit(s);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^session=; Max-Age=0;/);
    expect(lines).toEqual([
      {
        message: 'sealed-session: session past its absolute deadline; changes not saved',
        reason: 'expired-at-commit',
      },
    ]);
    expect(s.changed).toBe(false);
    expect(e.commit(s)).toEqual([]); // once
  });

  it('a session just inside its deadline is saved as usual', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const e = new SessionEngine({ key, absoluteExpiry: 60 });
    const cookie = e.commit(e.create({ cart: 1 }))[0]!.split(';')[0]!;
    vi.advanceTimersByTime(58_000);
    const s = e.load(cookie);
    s.set('cart' as never, 2 as never);
    const [line] = e.commit(s);
    expect(line).toMatch(/^session=[A-Za-z0-9_-]+; Max-Age=2;/);
  });
});
