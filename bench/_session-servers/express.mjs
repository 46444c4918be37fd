// One Express server for bench/session-http.mjs, in its own process:
//   node bench/_session-servers/express.mjs bare|ours|cookie-session
// Same routes as fastify.mjs: /login, /rw (read + write), /ro (read only), /none (untouched).
import { createRequire } from 'node:module';
import express from 'express';
import { childReady, childSkip, distUrl, tryImport } from '../_lib.mjs';
import { COOKIE_NAME, KEY, PASSWORD, SESSION } from './fixture.mjs';

const require = createRequire(import.meta.url);
const variant = process.argv[2];
const app = express();
app.disable('x-powered-by');
app.set('etag', false);

// `get`/`set` over whichever session object the middleware gives.
let get = () => null;
let set = () => {};
if (variant === 'ours') {
  const { mod, error } = await tryImport(distUrl('express'));
  const middleware = mod?.sealedSession ?? mod?.default;
  if (typeof middleware !== 'function') {
    childSkip(`sealed-session/express: ${error ?? 'dist/express.js exports no sealedSession yet'}`);
    await new Promise(() => {});
  }
  app.use(middleware({ key: KEY, cookieName: COOKIE_NAME }));
  get = (req, k) => req.session.get(k);
  set = (req, k, v) => req.session.set(k, v);
} else if (variant === 'cookie-session') {
  // Secure cookies are refused on plain HTTP by `cookies`, so this one runs without `secure`.
  app.use(
    require('cookie-session')({
      name: COOKIE_NAME,
      keys: [PASSWORD],
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 86_400_000,
    }),
  );
  get = (req, k) => req.session[k];
  set = (req, k, v) => {
    req.session[k] = v;
  };
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`);
}

const sessions = variant !== 'bare';
let n = 0;
app.get('/login', (req, res) => {
  if (sessions) for (const [k, v] of Object.entries(SESSION)) set(req, k, v);
  res.json({ ok: true });
});
app.get('/rw', (req, res) => {
  n++;
  if (!sessions) return res.json({ user: null, n });
  const user = get(req, 'userId') ?? null;
  set(req, 'lastSeen', n);
  res.json({ user, n });
});
app.get('/ro', (req, res) => res.json({ user: sessions ? (get(req, 'userId') ?? null) : null }));
app.get('/none', (_req, res) => res.json({ ok: true }));

const server = app.listen(0, '127.0.0.1', () => childReady(server.address().port));
