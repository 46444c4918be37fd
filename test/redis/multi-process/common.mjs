// Shared by the three servers of multi-process.test.ts (plain ESM, run by node on the built
// package): the Redis clients, the stores, the env they are configured from, and the IPC report.
//   REDIS_URL, SESSION_KEY (64 hex), SIGNED_KEY (server secret key), ORIGIN, PREFIX, CLIENT
//   (node-redis | ioredis), MAX_SKEW (s, signed servers and replay cache), STORE (redis | memory:
//   memory is the "old code" the test must fail on).
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { MemoryRevocationStore } from 'sealed-session';
import { RedisReplayCache, RedisRevocationStore } from 'sealed-session/redis';
import { MemoryReplayCache } from 'sealed-session/signed/server';

const env = process.env;
export const SESSION_KEY = env.SESSION_KEY;
export const COOKIE_NAME = 'sid';

/** High-resolution wall-clock time in ms (comparable between processes of one machine). */
export const now = () => performance.timeOrigin + performance.now();

async function connect(url) {
  if (env.CLIENT === 'ioredis') {
    const mk = () => {
      const c = new Redis(url, { maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      return c;
    };
    const client = mk();
    const subscriber = mk();
    await Promise.all(
      [client, subscriber].map((c) => new Promise((resolve) => c.once('ready', () => resolve()))),
    );
    return { client, subscriber };
  }
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  return { client, subscriber };
}

/** The stores of this instance; `revoke()` reports over IPC when it resolved (for the staleness). */
export async function stores() {
  if (env.STORE === 'memory') {
    return {
      revocation: new MemoryRevocationStore(),
      replayCache: new MemoryReplayCache(),
      mode: () => 'local',
    };
  }
  const { client, subscriber } = await connect(env.REDIS_URL);
  const revocation = new RedisRevocationStore({ client, subscriber, prefix: env.PREFIX, log: () => {} });
  const revoke = revocation.revoke.bind(revocation);
  revocation.revoke = (id, until) => {
    const p = revoke(id, until);
    Promise.resolve(p).then(
      () => process.send?.({ revoked: id, at: now() }),
      () => {},
    );
    return p;
  };
  const replayCache = new RedisReplayCache({ client, prefix: env.PREFIX, maxSkew: maxSkew(), log: () => {} });
  return { revocation, replayCache, mode: () => revocation.mode };
}

const maxSkew = () => (env.MAX_SKEW ? Number(env.MAX_SKEW) : undefined);
export const signedOptions = (replayCache) => ({
  key: env.SIGNED_KEY,
  origin: env.ORIGIN,
  replayCache,
  ...(maxSkew() ? { maxSkew: maxSkew() } : {}),
});

/** Reports the port to the parent; exits when the parent goes away (IPC channel closed). */
export function ready(port) {
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}
