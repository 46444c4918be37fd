// Faults against a real redis-server, with both client libraries: down at start, killed mid-run
// and restarted empty, slow (DEBUG SLEEP). Every call settles within the command timeout (no
// hang), nothing rejects unhandled, `onUnavailable` decides (deny by default), each outage is
// logged once, and a Redis that lost its data never turns into "not revoked" / "never seen".
import { RedisReplayCache, RedisRevocationStore, RedisUnavailableError } from 'sealed-session/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientPair, libraries, until } from './clients.js';
import { RedisServer } from './redis-server.js';

const TIMEOUT = 200;
/**
 * A call that does not settle within the command timeout plus this margin counts as a hang. The
 * margin absorbs a loaded CI machine; a call that waited for Redis instead would take seconds
 * (the slow-Redis case sleeps 8 s), and one that never settles, forever.
 */
const MARGIN = 1000;

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const servers: RedisServer[] = [];
const closers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
  for (const s of servers.splice(0)) await s.kill();
});

/** Runs `call` and returns its result with how long it took; fails if it takes too long. */
async function timed<T>(call: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await call();
  expect(performance.now() - t0).toBeLessThan(TIMEOUT + MARGIN);
  return v;
}

function recorder() {
  const codes: string[] = [];
  return { codes, log: (_m: string, d: { code: string }) => void codes.push(d.code) };
}

for (const [lib, make] of libraries) {
  describe(lib, () => {
    async function setup(server: RedisServer, connect: boolean, extra: { maxSkew?: number } = {}) {
      const pairs: ClientPair[] = [await make(server.url, { connect }), await make(server.url, { connect })];
      closers.push(...pairs);
      const rlog = recorder();
      const plog = recorder();
      const common = { prefix: 'f:', commandTimeout: TIMEOUT };
      const rev = new RedisRevocationStore({
        ...common,
        client: pairs[0]!.client,
        subscriber: pairs[0]!.subscriber,
        log: rlog.log,
      });
      const revAllow = new RedisRevocationStore({
        ...common,
        client: pairs[1]!.client,
        subscriber: pairs[1]!.subscriber,
        onUnavailable: 'allow',
        log: () => {},
      });
      const replay = new RedisReplayCache({ ...common, client: pairs[0]!.client, log: plog.log, ...extra });
      const replayAllow = new RedisReplayCache({
        ...common,
        client: pairs[1]!.client,
        onUnavailable: 'allow',
        log: () => {},
        ...extra,
      });
      closers.push(rev, revAllow, replay, replayAllow);
      return { rev, revAllow, replay, replayAllow, rlog, plog };
    }

    it('Redis down at start: deny by default, allow when asked, logged once, then recovers', async () => {
      const server = await RedisServer.unstarted();
      servers.push(server);
      const s = await setup(server, false);
      const issuedAt = Date.now() - 1000;
      for (let i = 0; i < 4; i++) {
        expect(await timed(() => s.rev.isRevoked({ id: `a${i}`, issuedAt }))).toBe(true);
        expect(await timed(() => s.revAllow.isRevoked({ id: `a${i}`, issuedAt }))).toBe(false);
        expect(await timed(() => s.replay.add(`n${i}`, Date.now() + 10_000))).toBe(false);
        expect(await timed(() => s.replayAllow.add(`m${i}`, Date.now() + 10_000))).toBe(true);
      }
      const err = await timed(() =>
        s.rev.revoke('during-outage', Date.now() + 60_000).catch((e: unknown) => e),
      );
      expect(err).toBeInstanceOf(RedisUnavailableError);
      expect((err as RedisUnavailableError).code).toBe('ERR_REDIS_UNAVAILABLE');
      expect(s.rlog.codes.filter((c) => c === 'unavailable')).toEqual(['unavailable']);
      expect(s.plog.codes).toEqual(['unavailable']);

      await server.start();
      await until(() => s.rev.mode === 'local', 10_000, 'local view after Redis came up');
      expect(await s.replay.add('after', Date.now() + 10_000)).toBe(true);
      expect(s.rev.isRevoked({ id: 'fine', issuedAt })).toBe(false);
      // The revocation made during the outage was kept locally and written once Redis came up.
      expect(s.rev.isRevoked({ id: 'during-outage', issuedAt })).toBe(true);
      await until(
        async () => (await server.command('EXISTS', 'f:r:during-outage')) === ':1\r\n',
        5000,
        'flush',
      );
      expect(s.rlog.codes).toContain('recovered');
      expect(s.plog.codes).toEqual(['unavailable', 'recovered']);
    });

    it('killed mid-run and restarted empty: no hang meanwhile; what Redis forgot stays refused', async () => {
      const server = await RedisServer.start();
      servers.push(server);
      const s = await setup(server, true, { maxSkew: 1 });
      await until(() => s.rev.mode === 'local', 5000, 'local view');
      const before = Date.now() - 1000;
      // A signed request's nonce expires at created + maxSkew + 1 s: its replay carries the same time.
      const seenExpiry = Date.now() + 2000;
      expect(await s.replay.add('seen', seenExpiry)).toBe(true);
      expect(s.rev.isRevoked({ id: 'old', issuedAt: before })).toBe(false);

      await server.kill();
      await until(() => s.rev.mode === 'remote', 5000, 'remote mode after the kill');
      for (let i = 0; i < 3; i++) {
        expect(await timed(() => s.rev.isRevoked({ id: 'old', issuedAt: before }))).toBe(true);
        expect(await timed(() => s.replay.add(`x${i}`, Date.now() + 3000))).toBe(false);
      }
      expect(s.rlog.codes.filter((c) => c === 'unavailable')).toEqual(['unavailable']);

      await server.start(); // empty: no persistence
      await until(() => s.rev.mode === 'local', 10_000, 'local view after the restart');
      expect(s.rlog.codes).toContain('data-loss');
      // Every session issued before the loss is ended (Redis may have held its revocation)...
      expect(s.rev.isRevoked({ id: 'old', issuedAt: before })).toBe(true);
      expect(await s.revAllow.isRevoked({ id: 'old', issuedAt: before })).toBe(true);
      // ...sessions issued after it are fine.
      expect(s.rev.isRevoked({ id: 'new', issuedAt: Date.now() })).toBe(false);
      // The nonce Redis forgot is still refused, by both caches (the guard is shared through Redis).
      expect(await s.replay.add('seen', seenExpiry)).toBe(false);
      expect(await s.replayAllow.add('seen', seenExpiry)).toBe(false);
      expect(s.plog.codes).toContain('data-loss');
      // Requests signed after the guard (2 x maxSkew + 1 s from the loss) are accepted again.
      let i = 0;
      await until(() => s.replay.add(`fresh${i++}`, Date.now() + 2000), 6000, 'guard over');
    });

    it('restarted empty, asked before any resync: the per-request path refuses what Redis forgot', async () => {
      // Without a subscriber every check asks Redis, and no heartbeat ever resyncs: the answer of a
      // Redis that came back empty must still not read as "not revoked" (it did: a multi-process
      // run accepted a session from before the loss while the views were still reconnecting).
      const server = await RedisServer.start();
      servers.push(server);
      const pair = await make(server.url, { connect: true });
      closers.push(pair);
      const log = recorder();
      const rev = new RedisRevocationStore({
        prefix: 'e:',
        commandTimeout: TIMEOUT,
        client: pair.client,
        log: log.log,
      });
      closers.push(rev);
      const before = Date.now() - 1000;
      await rev.revoke('gone', Date.now() + 60_000);
      expect(await rev.isRevoked({ id: 'gone', issuedAt: before })).toBe(true);
      expect(await rev.isRevoked({ id: 'kept', issuedAt: before })).toBe(false);

      await server.kill();
      await server.start(); // empty: no persistence
      await until(
        async () => (await rev.isRevoked({ id: 'fresh', issuedAt: Date.now() })) === false,
        10_000,
        'the client reconnected',
      );
      expect(log.codes).toContain('data-loss');
      // Both sessions from before the loss are ended, the revoked one and the one Redis never held...
      expect(await rev.isRevoked({ id: 'gone', issuedAt: before })).toBe(true);
      expect(await rev.isRevoked({ id: 'kept', issuedAt: before })).toBe(true);
      // ...and so for another instance that looked before the loss: the watermark is in Redis.
      expect(await server.command('EXISTS', 'e:all')).toBe(':1\r\n');
    });

    it('slow Redis (DEBUG SLEEP): every call settles within the timeout, then it recovers', async () => {
      const server = await RedisServer.start();
      servers.push(server);
      const s = await setup(server, true);
      await until(() => s.rev.mode === 'local', 5000, 'local view');
      expect(await s.replay.add('warm', Date.now() + 10_000)).toBe(true);
      const issuedAt = Date.now() - 1000;
      const { done } = await server.sleep(8000);
      // Within the bound the view still answers (no revocation can complete while Redis sleeps);
      // past it, checks go to Redis, time out and deny.
      await until(() => s.rev.mode === 'remote', 4000, 'remote mode while Redis sleeps');
      for (let i = 0; i < 2; i++) {
        expect(await timed(() => s.rev.isRevoked({ id: 'q', issuedAt }))).toBe(true);
        expect(await timed(() => s.revAllow.isRevoked({ id: 'q', issuedAt }))).toBe(false);
        expect(await timed(() => s.replay.add(`slow${i}`, Date.now() + 10_000))).toBe(false);
      }
      const err = await timed(() => s.rev.revokeAll('u', Date.now() + 60_000).catch((e: unknown) => e));
      expect(err).toBeInstanceOf(RedisUnavailableError);
      expect(s.rlog.codes.filter((c) => c === 'unavailable')).toEqual(['unavailable']);
      await done;
      await until(() => s.rev.mode === 'local', 10_000, 'local view after the sleep');
      expect(s.rev.isRevoked({ id: 'q', issuedAt })).toBe(false);
      // The revokeAll that timed out is retried until Redis has it.
      await until(
        async () => (await server.command('EXISTS', 'f:s:u')) === ':1\r\n',
        5000,
        'retried revokeAll',
      );
      expect(s.rev.isRevoked({ id: 'q', issuedAt, subject: 'u' })).toBe(true);
      let i = 0;
      await until(() => s.replay.add(`after${i++}`, Date.now() + 10_000), 5000, 'replay cache back');
      expect(s.rlog.codes).toContain('recovered');
    });

    it('an event loop blocked past commandTimeout is no outage when Redis answered meanwhile', async () => {
      const server = await RedisServer.start();
      servers.push(server);
      const pair = await make(server.url);
      closers.push(pair);
      const plog = recorder();
      const cache = new RedisReplayCache({
        client: pair.client,
        prefix: 'b:',
        commandTimeout: TIMEOUT,
        log: plog.log,
      });
      closers.push(cache);
      expect(await cache.add('warm', Date.now() + 30_000)).toBe(true);
      for (let i = 0; i < 3; i++) {
        const added = cache.add(`blocked ${i}`, Date.now() + 30_000);
        // One loop turn puts the command on the wire; then this process is busy (a long sync task)
        // while Redis answers. When it is free again, the reply is waiting: it must win over the
        // timer that fired during the block (timers run before I/O in a loop turn).
        await new Promise((r) => setImmediate(r));
        const end = performance.now() + 2 * TIMEOUT;
        while (performance.now() < end) {}
        expect(await added).toBe(true);
      }
      expect(plog.codes).toEqual([]);
    });
  });
}
