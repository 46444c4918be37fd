// One Fastify server for bench/redis.mjs (section 1b), in its own process:
//   node bench/_redis-fastify.mjs memory|node-redis|ioredis   (REDIS_URL for the Redis variants)
// sealed-session/fastify with the given revocation store (subject 'userId'). Routes: /login
// writes a session, /ro reads it. Listens on 127.0.0.1, a free port, reported over IPC.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { childReady, distUrl } from './_lib.mjs';

const variant = process.argv[2];
const { default: sealedSession } = await import(distUrl('fastify'));
const { MemoryRevocationStore } = await import(distUrl('index'));
const { RedisRevocationStore } = await import(distUrl('redis'));

let revocation;
if (variant === 'memory') revocation = new MemoryRevocationStore();
else if (variant === 'node-redis') {
  const client = createClient({ url: process.env.REDIS_URL });
  client.on('error', () => {});
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  revocation = new RedisRevocationStore({ client, subscriber, prefix: 'bench-http:' });
} else if (variant === 'ioredis') {
  const client = new Redis(process.env.REDIS_URL);
  client.on('error', () => {});
  revocation = new RedisRevocationStore({ client, subscriber: client.duplicate(), prefix: 'bench-http:' });
} else throw new Error(`unknown variant ${variant}`);

const app = Fastify({ logger: false });
await app.register(sealedSession, {
  key: process.env.SESSION_KEY,
  cookieName: 'sid',
  revocation,
  subject: 'userId',
  cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
});
app.get('/login', async (request) => {
  request.session.set('userId', 'usr_7Hq2LmP9');
  return { ok: true };
});
app.get('/ro', async (request) => ({ user: request.session.get('userId') ?? null }));
app.get('/mode', async () => ({ mode: revocation.mode ?? 'local' }));
await app.listen({ host: '127.0.0.1', port: 0 });
childReady(app.server.address().port);
