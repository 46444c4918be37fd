// The Fastify instance of multi-process.test.ts: sealed-session/fastify + fastifySigned (scope).
import Fastify from 'fastify';
import sealedSession from 'sealed-session/fastify';
import { fastifySigned } from 'sealed-session/signed/server';
import { COOKIE_NAME, now, ready, SESSION_KEY, signedOptions, stores } from './common.mjs';

const { revocation, replayCache, mode } = await stores();
const app = Fastify({ logger: false });
await app.register(sealedSession, {
  key: SESSION_KEY,
  cookieName: COOKIE_NAME,
  revocation,
  subject: 'userId',
});
app.get('/ready', async () => ({ mode: mode() }));
app.get('/login', async (request) => {
  request.session.set('userId', request.query.user);
  return { ok: true };
});
app.get('/me', async (request) => ({ user: request.session.get('userId') ?? null }));
app.post('/logout', async (request) => {
  request.session.delete();
  return { ok: true };
});
app.post('/revoke-all', async (request) => {
  await revocation.revokeAll(request.query.user);
  return { at: now() };
});
await app.register(async (scope) => {
  await scope.register(fastifySigned, { ...signedOptions(replayCache), decorator: 'peer' });
  scope.post('/signed', async (_request, reply) => reply.secure.json({ ok: true, via: 'fastify' }));
});
await app.listen({ host: '127.0.0.1', port: 0 });
ready(app.server.address().port);
