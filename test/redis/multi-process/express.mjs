// The Express instance of multi-process.test.ts: sealed-session/express + createExpressAuth.
import express from 'express';
import { sealedSession } from 'sealed-session/express';
import { createExpressAuth } from 'sealed-session/signed/server';
import { COOKIE_NAME, now, ready, SESSION_KEY, signedOptions, stores } from './common.mjs';

const { revocation, replayCache, mode } = await stores();
const app = express();
app.use(sealedSession({ key: SESSION_KEY, cookieName: COOKIE_NAME, revocation, subject: 'userId' }));
app.get('/ready', (_req, res) => res.json({ mode: mode() }));
app.get('/login', (req, res) => {
  req.session.set('userId', req.query.user);
  res.json({ ok: true });
});
app.get('/me', (req, res) => res.json({ user: req.session.get('userId') ?? null }));
app.post('/logout', (req, res) => {
  req.session.delete();
  res.json({ ok: true });
});
app.post('/revoke-all', async (req, res) => {
  await revocation.revokeAll(req.query.user);
  res.json({ at: now() });
});
app.post('/signed', createExpressAuth({ ...signedOptions(replayCache), property: 'peer' }), (_req, res) =>
  res.secure.json({ ok: true, via: 'express' }),
);
const server = app.listen(0, '127.0.0.1', () => ready(server.address().port));
