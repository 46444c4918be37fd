// RedisRevocationStore against a real redis-server, with both client libraries: revocations reach
// every instance within the staleness bound, reads cost no round trip (INFO commandstats deltas),
// keys are namespaced and expire, values hold no secrets, and a view that cannot be trusted (no
// subscriber, overflow, lost subscription) asks Redis instead of answering "not revoked".
import { RedisRevocationStore } from 'sealed-session/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SessionEngine } from '../../src/session/engine.js';
import { type ClientPair, libraries, until } from './clients.js';
import { callDelta, RedisServer, StallingRelay } from './redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.kill();
});

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

let n = 0;
const quiet = () => {};

for (const [lib, make] of libraries) {
  describe(lib, () => {
    async function store(
      opts: Partial<ConstructorParameters<typeof RedisRevocationStore>[0]> & { prefix: string },
      pair?: ClientPair,
    ) {
      const p = pair ?? (await make(server.url));
      if (!pair) open.push(p);
      const s = new RedisRevocationStore({ client: p.client, subscriber: p.subscriber, log: quiet, ...opts });
      open.push(s);
      return s;
    }
    const prefix = () => `t${++n}:`;

    it('a revocation on one instance is refused on another within maxStaleness; reads cost no round trip', async () => {
      const p = prefix();
      const a = await store({ prefix: p });
      const b = await store({ prefix: p });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      const issuedAt = Date.now() - 10_000;

      const before = await server.commandCalls();
      for (let i = 0; i < 2000; i++) {
        // Synchronous answers: the engine's lazy path can use them directly.
        expect(b.isRevoked({ id: `live-${i}`, issuedAt, subject: 'u1' })).toBe(false);
      }
      const delta = callDelta(before, await server.commandCalls());
      // Only the heartbeats (PUBLISH, a few per second per instance, independent of traffic).
      expect(Object.keys(delta).filter((c) => c !== 'publish' && c !== 'info')).toEqual([]);

      const t0 = performance.now();
      await a.revoke('sid-1', Date.now() + 60_000);
      const took = await until(
        () => b.isRevoked({ id: 'sid-1', issuedAt }) === true,
        1000,
        'revocation on b',
      );
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(took).toBeLessThan(1000);
      // The revoking instance refuses at once (its own view first).
      expect(a.isRevoked({ id: 'sid-1', issuedAt })).toBe(true);
    });

    it('revokeAll(subject) ends that subject’s older sessions everywhere, not newer ones, not other subjects', async () => {
      const p = prefix();
      const a = await store({ prefix: p });
      const b = await store({ prefix: p });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      const old = Date.now() - 5000;
      await a.revokeAll('42');
      await until(
        () => b.isRevoked({ id: 'x', issuedAt: old, subject: '42' }) === true,
        1000,
        'revokeAll on b',
      );
      expect(b.isRevoked({ id: 'y', issuedAt: old, subject: '43' })).toBe(false);
      expect(b.isRevoked({ id: 'z', issuedAt: old })).toBe(false);
      expect(b.isRevoked({ id: 'w', issuedAt: Date.now() + 1, subject: '42' })).toBe(false);
      // A store that starts later loads it from Redis (sync), before answering locally.
      const c = await store({ prefix: p });
      expect(await c.isRevoked({ id: 'x', issuedAt: old, subject: '42' })).toBe(true);
      await until(() => c.mode === 'local', 5000, 'c local');
      expect(c.isRevoked({ id: 'x', issuedAt: old, subject: '42' })).toBe(true);
      expect(c.isRevoked({ id: 'y', issuedAt: old, subject: '43' })).toBe(false);
    });

    it('revokeAll ends a session issued in the same millisecond (a tie is refused, as the memory store)', async () => {
      const p = prefix();
      const a = await store({ prefix: p });
      const b = await store({ prefix: p });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      const t = Date.now();
      const clock = vi.spyOn(Date, 'now').mockReturnValue(t);
      const done = a.revokeAll('tie');
      clock.mockRestore();
      await done;
      await until(() => b.isRevoked({ id: 'x', issuedAt: t - 1, subject: 'tie' }) === true, 5000, 'b');
      const pair = await make(server.url);
      open.push(pair);
      const remote = new RedisRevocationStore({ client: pair.client, prefix: p, log: quiet });
      open.push(remote);
      for (const s of [a, b, remote]) {
        expect(await s.isRevoked({ id: 'x', issuedAt: t, subject: 'tie' })).toBe(true);
        expect(await s.isRevoked({ id: 'x', issuedAt: t + 1, subject: 'tie' })).toBe(false);
      }
    });

    it('keys are namespaced by prefix and expire; values are ids and times only', async () => {
      const p = prefix();
      const a = await store({ prefix: p });
      const until1 = Date.now() + 30_000;
      await a.revoke('session-id-abc', until1);
      await a.revokeAll('user-7', Date.now() + 60_000);
      const keys = (await server.command('KEYS', '*')).split('\r\n').filter((l) => l.startsWith(p));
      expect(keys.sort()).toEqual([`${p}epoch`, `${p}r:session-id-abc`, `${p}s:user-7`].sort());
      for (const k of [`${p}r:session-id-abc`, `${p}s:user-7`]) {
        expect(await server.command('GET', k)).toMatch(/^\$\d+\r\n\d+ \d+\r\n$/);
        const pttl = Number((await server.command('PTTL', k)).slice(1));
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(60_000);
      }
      // A second prefix sees none of it.
      const other = await store({ prefix: prefix() });
      expect(await other.isRevoked({ id: 'session-id-abc', issuedAt: 0, subject: 'user-7' })).toBe(false);
    });

    it('without a subscriber every check asks Redis (one MGET) and is still right', async () => {
      const p = prefix();
      const pair = await make(server.url);
      open.push(pair);
      const a = new RedisRevocationStore({ client: pair.client, prefix: p, log: quiet });
      open.push(a);
      expect(a.mode).toBe('remote');
      await a.revoke('gone', Date.now() + 10_000);
      // The first check also reads the data-loss marker once (SET NX GET): after that, one MGET.
      expect(await a.isRevoked({ id: 'warm-up', issuedAt: 0 })).toBe(false);
      const before = await server.commandCalls();
      expect(await a.isRevoked({ id: 'gone', issuedAt: 0 })).toBe(true);
      expect(await a.isRevoked({ id: 'here', issuedAt: 0 })).toBe(false);
      expect(callDelta(before, await server.commandCalls())).toEqual({ mget: 1, info: 1 });
    });

    it('a full local view asks Redis for what it does not hold (never "not revoked" from a partial view)', async () => {
      const p = prefix();
      const events: string[] = [];
      const a = await store({ prefix: p, maxEntries: 2, log: (_m, { code }) => events.push(code) });
      const b = await store({ prefix: p });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      for (const id of ['s1', 's2', 's3']) await b.revoke(id, Date.now() + 60_000);
      await until(() => events.includes('view-overflow'), 5000, 'overflow');
      expect(a.mode).toBe('remote');
      // s1 was evicted from a's view: Redis answers.
      expect(await a.isRevoked({ id: 's1', issuedAt: 0 })).toBe(true);
      expect(await a.isRevoked({ id: 's3', issuedAt: 0 })).toBe(true);
      expect(await a.isRevoked({ id: 'other', issuedAt: 0 })).toBe(false);
    });

    it('a lost subscription makes checks ask Redis, and a revocation made meanwhile is refused', async () => {
      const p = prefix();
      const a = await store({ prefix: p });
      const b = await store({ prefix: p });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      // Drop every pub/sub connection (both instances' subscribers), then revoke at once.
      await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await a.revoke('during-gap', Date.now() + 60_000);
      expect(await b.isRevoked({ id: 'during-gap', issuedAt: 0 })).toBe(true);
      // Resubscribed and resynced: local again, and still right.
      await until(() => b.mode === 'local', 5000, 'b local again');
      expect(b.isRevoked({ id: 'during-gap', issuedAt: 0 })).toBe(true);
      expect(b.isRevoked({ id: 'fine', issuedAt: 0 })).toBe(false);
    });

    it('a subscriber that goes silent (no disconnect) is trusted at most maxStaleness: then checks ask Redis', async () => {
      const p = prefix();
      const maxStaleness = 200;
      const relay = new StallingRelay(server.port);
      await relay.listen();
      open.push(relay);
      const a = await store({ prefix: p });
      // b's subscriber reaches Redis through the relay; its command client directly.
      const direct = await make(server.url);
      const relayed = await make(relay.url);
      open.push(direct, relayed);
      const b = await store({ prefix: p, maxStaleness }, { ...direct, subscriber: relayed.subscriber });
      await until(() => a.mode === 'local' && b.mode === 'local', 5000, 'local views');
      relay.stall();
      await a.revoke('unheard', Date.now() + 60_000);
      const t0 = performance.now();
      // The revocation never reaches b's view; b must stop trusting it within maxStaleness.
      await until(
        async () => (await b.isRevoked({ id: 'unheard', issuedAt: 0 })) === true,
        2000,
        'b refuses',
      );
      const took = performance.now() - t0;
      // Slack for a loaded machine, still below the default 1000 ms: an ignored option is caught.
      expect(took).toBeLessThan(maxStaleness + 600);
      expect(b.mode).toBe('remote');
      // close() is bounded too: the silent subscriber never answers UNSUBSCRIBE.
      const c0 = performance.now();
      await b.close();
      expect(performance.now() - c0).toBeLessThan(500 + 1500);
    });

    it('hostile names are refused at the API, not stored', async () => {
      const a = await store({ prefix: prefix() });
      await expect(a.revoke('', Date.now() + 1000)).rejects.toThrow(
        /revoke\(id\): expected a non-empty string/,
      );
      await expect(a.revoke('x'.repeat(513), Date.now() + 1000)).rejects.toThrow(TypeError);
      await expect(a.revoke('x', Number.NaN)).rejects.toThrow(RangeError);
      await expect(a.revokeAll(42 as unknown as string)).rejects.toThrow(/got a number/);
      // A name with spaces and glob characters round-trips through pub/sub and SCAN.
      const b = await store({ prefix: `${prefix()}*[?` });
      await b.revokeAll('a b * [c]');
      expect(await b.isRevoked({ id: 'q', issuedAt: 0, subject: 'a b * [c]' })).toBe(true);
    });
  });
}

describe('options', () => {
  it('are checked at construction, "expected X, got Y"', async () => {
    const client = { sendCommand: async () => null };
    expect(() => new RedisRevocationStore({ client, maxStaleness: 10 })).toThrow(
      /maxStaleness: expected an integer number of ms from 50 to 60000, got 10/,
    );
    expect(() => new RedisRevocationStore({ client, onUnavailable: 'open' as 'deny' })).toThrow(
      /onUnavailable: expected 'deny' or 'allow'/,
    );
    expect(() => new RedisRevocationStore({ client: {} as typeof client })).toThrow(
      /client: expected a node-redis/,
    );
    expect(() => new RedisRevocationStore({ client, subscriber: client })).toThrow(
      /subscriber: expected a second client/,
    );
    expect(() => new RedisRevocationStore({ client, prefx: 'a' } as never)).toThrow(/prefx: expected one of/);
  });

  it('the engine refuses sessions that outlive what the store remembers revokeAll for', () => {
    const store = new RedisRevocationStore({
      client: { sendCommand: async () => null },
      maxSessionAge: 3600,
    });
    expect(store.lifetime).toBe(3600);
    expect(
      () => new SessionEngine({ key: new Uint8Array(32).fill(1), revocation: store, absoluteExpiry: 7200 }),
    ).toThrow(/absoluteExpiry: expected at most the revocation store's lifetime \(3600 s\)/);
  });
});
