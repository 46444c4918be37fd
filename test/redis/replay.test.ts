// RedisReplayCache against a real redis-server, with both client libraries: a nonce recorded by one
// instance is refused by every other, with exactly one Redis command per signed request (INFO
// commandstats deltas), namespaced keys that expire, and an optional per-key quota.
import { RedisReplayCache } from 'sealed-session/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientPair, libraries } from './clients.js';
import { callDelta, RedisServer } from './redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.kill();
});

const open: ClientPair[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});
const quiet = () => {};
let n = 0;

for (const [lib, make] of libraries) {
  describe(lib, () => {
    async function pair() {
      const p = await make(server.url);
      open.push(p);
      return p;
    }

    it('a nonce seen by one instance is refused by another; one SET per request', async () => {
      const prefix = `r${++n}:`;
      const a = new RedisReplayCache({ client: (await pair()).client, prefix, log: quiet });
      const b = new RedisReplayCache({ client: (await pair()).client, prefix, log: quiet });
      const exp = Date.now() + 30_000;
      // First use checks the data-loss marker once; steady state is one command per request.
      expect(await a.add('warm-a', exp)).toBe(true);
      expect(await b.add('warm-b', exp)).toBe(true);
      const before = await server.commandCalls();
      for (let i = 0; i < 50; i++) {
        expect(await a.add(`k n${i}`, exp, 'k')).toBe(true);
        expect(await b.add(`k n${i}`, exp, 'k')).toBe(false);
      }
      expect(callDelta(before, await server.commandCalls())).toEqual({ set: 100, info: 1 });
      const pttl = Number((await server.command('PTTL', `${prefix}n:k n0`)).slice(1));
      expect(pttl).toBeGreaterThan(25_000);
      expect(pttl).toBeLessThanOrEqual(30_000);
      expect(await server.command('GET', `${prefix}n:k n0`)).toBe('$1\r\n1\r\n');
    });

    it('refuses what cannot be recorded: expired, empty or oversized nonces', async () => {
      const a = new RedisReplayCache({ client: (await pair()).client, prefix: `r${++n}:`, log: quiet });
      expect(await a.add('x', Date.now() - 1)).toBe(false);
      expect(await a.add('', Date.now() + 1000)).toBe(false);
      expect(await a.add('x'.repeat(1025), Date.now() + 1000)).toBe(false);
      expect(await a.add('y', Number.NaN)).toBe(false);
      expect(await a.add('y', Date.now() + 1000)).toBe(true);
    });

    it('perKeyMax: one flooding key is refused, other keys are not; still one round trip', async () => {
      const prefix = `r${++n}:`;
      const a = new RedisReplayCache({ client: (await pair()).client, prefix, perKeyMax: 5, log: quiet });
      const exp = Date.now() + 30_000;
      expect(await a.add('warm', exp, 'w')).toBe(true);
      const before = await server.commandCalls();
      const results: boolean[] = [];
      for (let i = 0; i < 8; i++) results.push(await a.add(`flood ${i}`, exp, 'flood'));
      expect(results).toEqual([true, true, true, true, true, false, false, false]);
      expect(await a.add('other 1', exp, 'other')).toBe(true);
      expect(callDelta(before, await server.commandCalls())).toMatchObject({ eval: 9 });
    });
  });
}

describe('options', () => {
  it('are checked at construction', () => {
    const client = { call: async () => null };
    expect(() => new RedisReplayCache({ client, maxSkew: 0 })).toThrow(
      /maxSkew: expected a number of seconds/,
    );
    expect(() => new RedisReplayCache({ client, perKeyMax: 1.5 })).toThrow(
      /perKeyMax: expected a positive integer/,
    );
    expect(() => new RedisReplayCache({ client, commandTimeout: 0 })).toThrow(
      /commandTimeout: expected an integer/,
    );
    expect(() => new RedisReplayCache({ client: null as never })).toThrow(
      /expected an options object|client/,
    );
  });
});
