// The two client libraries the Redis stores support, created the same way for every test.
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from 'sealed-session/redis';

/** A connected pair (commands, subscriber) of one library, and how to close both. */
export interface ClientPair {
  client: RedisClientLike;
  subscriber: RedisClientLike;
  close(): Promise<void>;
}

type Factory = (url: string, opts?: { connect?: boolean }) => Promise<ClientPair>;

/**
 * node-redis: `connect()` is awaited only when the server is up (`connect: false` starts it in the
 * background, as an app booting while Redis is down does). Errors go to a listener (the stores also
 * listen; a test must not crash on an 'error' event).
 */
const nodeRedis: Factory = async (url, { connect = true } = {}) => {
  const mk = () => {
    const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
    c.on('error', () => {});
    return c;
  };
  const client = mk();
  const subscriber = mk();
  const started = Promise.all([client.connect(), subscriber.connect()]);
  if (connect) await started;
  else started.catch(() => {});
  return {
    client,
    subscriber,
    async close() {
      for (const c of [client, subscriber]) {
        try {
          c.destroy();
        } catch {}
      }
    },
  };
};

const ioRedis: Factory = async (url, { connect = true } = {}) => {
  const mk = () => {
    const c = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null, lazyConnect: false });
    c.on('error', () => {});
    return c;
  };
  const client = mk();
  const subscriber = mk();
  if (connect) await Promise.all([waitReady(client), waitReady(subscriber)]);
  return {
    client,
    subscriber,
    async close() {
      client.disconnect();
      subscriber.disconnect();
    },
  };
};

function waitReady(c: Redis): Promise<void> {
  if (c.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => c.once('ready', () => resolve()));
}

export const libraries: [string, Factory][] = [
  ['node-redis', nodeRedis],
  ['ioredis', ioRedis],
];

/** Polls `fact` until it holds or `ms` pass; returns how long it took (ms). */
export async function until(
  fact: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'condition',
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await fact()) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
