// THREATS 48: cookie names of all sessions in one app, with their chunk names, never collide. Before
// the fix, sessions named `a` and `a.1` both wrote an `a.1` Set-Cookie once `a` was chunked.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import sealedSession from '../../src/fastify/index.js';
import { generateKey, SessionEngine } from '../../src/index.js';
import { assertDistinctCookieNames, CookieNameRegistry } from '../../src/session/engine.js';

const key = generateKey();

describe('colliding cookie names are refused at registration', () => {
  it('each engine lists every name it may write', () => {
    expect(new SessionEngine({ key, cookieName: 'a', maxCookies: 3 }).cookieNames).toEqual([
      'a',
      'a.1',
      'a.2',
    ]);
    expect(new SessionEngine({ key, cookieName: 'a', maxCookies: 1 }).cookieNames).toEqual(['a']);
  });

  it('`a` (chunked) and `a.1` collide, in either order; the message names both', () => {
    const a = new SessionEngine({ key, sessionName: 'a' });
    const a1 = new SessionEngine({ key, sessionName: 'b', cookieName: 'a.1', maxCookies: 3 });
    // What went wrong: both engines write `a.1` for one response.
    const big = a.create({ big: 'x'.repeat(4000) });
    const small = a1.create({ n: 1 });
    const names = [...a.commit(big), ...a1.commit(small)].map((c) => c.split('=')[0]);
    expect(names.filter((n) => n === 'a.1')).toHaveLength(2);

    expect(() => assertDistinctCookieNames([a, a1])).toThrow(
      "options[1].cookieName: expected cookie names not used by another session, got 'a.1' (also written by session 'a')",
    );
    expect(() => assertDistinctCookieNames([a1, a])).toThrow(/got 'a\.1' \(also written by session 'b'\)/);
    const b = new SessionEngine({ key, sessionName: 'b' });
    expect(() => assertDistinctCookieNames([a, b])).not.toThrow();
    // `a` that never chunks leaves `a.1` free.
    const single = new SessionEngine({ key, sessionName: 'a', maxCookies: 1 });
    expect(() => assertDistinctCookieNames([single, a1])).not.toThrow();
    // Chunks of two sessions: `a.1` with 3 cookies writes `a.1.1`, which `a.1.1` would also write.
    const a11 = new SessionEngine({ key, sessionName: 'c', cookieName: 'a.1.1' });
    expect(() => assertDistinctCookieNames([a1, a11])).toThrow(/got 'a\.1\.1'/);
  });

  it('the registry refuses a clash and keeps what it had', () => {
    const names = new CookieNameRegistry();
    names.claim(new SessionEngine({ key, sessionName: 'a' }));
    expect(() => names.claim(new SessionEngine({ key, sessionName: 'x', cookieName: 'a.1' }))).toThrow(
      /got 'a\.1'/,
    );
    expect(() => names.claim(new SessionEngine({ key, sessionName: 'b' }))).not.toThrow();
  });

  it('Fastify refuses sessions `a` and `a.1` at registration', async () => {
    const f = Fastify();
    f.register(sealedSession, [
      { key, sessionName: 'a' },
      { key: generateKey(), sessionName: 'b', cookieName: 'a.1' },
    ]);
    await expect(f.ready().then(() => 'registered')).rejects.toThrow(
      /expected cookie names not used by another session, got 'a\.1'/,
    );
  });
});
