// Instance B of the playground's "many instances" page: a separate Node process with its own
// Fastify server, its own Redis connections and its own local revocation view. It shares only the
// session key and Redis with the playground (instance A). Started by multi.mjs; exits with it.

import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { createClient } from 'redis';

const base = process.env.PLAYGROUND_DIST
  ? pathToFileURL(`${process.env.PLAYGROUND_DIST.replace(/\/$/, '')}/`)
  : new URL('../../dist/', import.meta.url);
const dist = (name) => new URL(`${name}.js`, base).href;
const { default: sealedSession } = await import(dist('fastify'));
const { RedisRevocationStore } = await import(dist('redis'));

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', () => {});
await client.connect();
const subscriber = client.duplicate();
subscriber.on('error', () => {});
await subscriber.connect();
const revocation = new RedisRevocationStore({
  client,
  subscriber,
  prefix: process.env.PREFIX,
  log: () => {},
});

const app = Fastify({ logger: false });
await app.register(sealedSession, {
  key: process.env.SESSION_KEY,
  cookieName: process.env.COOKIE_NAME,
  revocation,
  subject: 'user',
});
app.get('/whoami', async (request) => ({
  instance: 'B',
  pid: process.pid,
  user: request.session.get('user') ?? null,
  view: revocation.mode,
}));
await app.listen({ host: '127.0.0.1', port: 0 });
process.on('disconnect', () => process.exit(0));
process.send?.({ port: app.server.address().port });
