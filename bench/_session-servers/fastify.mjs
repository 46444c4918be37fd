// One Fastify server for bench/session-http.mjs, in its own process:
//   node bench/_session-servers/fastify.mjs bare|noop-hook|write-floor|ours|secure-session
//   (diagnostics: cookie-only, ours-no-cookie-plugin)
// Listens on 127.0.0.1, a free port, and reports it over IPC. Routes:
//   /login  writes the 214-byte fixture session (to obtain a valid cookie first)
//   /rw     reads a value and writes one (the session is re-sealed on every response)
//   /ro     reads a value only
//   /none   never touches the session
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { childReady, childSkip, distUrl, tryImport } from '../_lib.mjs';
import { COOKIE_NAME, KEY, SESSION } from './fixture.mjs';

const require = createRequire(import.meta.url);
const variant = process.argv[2];
const cookie = { path: '/', httpOnly: true, secure: true, sameSite: 'lax' };
const app = Fastify({ logger: false });

if (variant === 'ours') {
  const { mod, error } = await tryImport(distUrl('fastify'));
  const plugin = mod?.default ?? mod?.fastifySealedSession ?? mod?.sealedSession;
  if (typeof plugin !== 'function') {
    childSkip(`sealed-session/fastify: ${error ?? 'dist/fastify.js exports no plugin yet'}`);
    await new Promise(() => {});
  }
  await app.register(plugin, { key: KEY, cookieName: COOKIE_NAME, cookie });
} else if (variant === 'secure-session') {
  await app.register(require('@fastify/secure-session'), { key: KEY, cookieName: COOKIE_NAME, cookie });
} else if (variant === 'cookie-only') {
  // Diagnostic, not in the default run: bare + @fastify/cookie (parses every Cookie header), the
  // fixed cost both session plugins bring along.
  await app.register(require('@fastify/cookie'));
} else if (variant === 'ours-no-cookie-plugin') {
  // Diagnostic: ours without registering @fastify/cookie (the engine parses the header lazily).
  const { default: plugin } = await import(distUrl('fastify'));
  await app.register(plugin, { key: KEY, cookieName: COOKIE_NAME, cookie, cookiePlugin: false });
} else if (variant === 'noop-hook') {
  // Floor of any session plugin: bare Fastify plus one onRequest and one onSend hook doing nothing.
  app.addHook('onRequest', (_request, _reply, done) => done());
  app.addHook('onSend', (_request, _reply, payload, done) => done(null, payload));
} else if (variant === 'write-floor') {
  // Floor of a read+write, not a session library: bare Fastify plus the work no sealing plugin can
  // skip when it writes, and nothing else (the read is free, nothing is checked or cached): the
  // session's JSON, one XChaCha20-Poly1305 seal with a fresh nonce (sodium-native, as ours), base64url,
  // and a Set-Cookie header of the same size as ours.
  const sodium = require('sodium-native');
  const header = Buffer.from([1, 0, 0, 0, 0]);
  const ad = Buffer.from(`\x01\0\0\0\0${COOKIE_NAME}`);
  const meta = Buffer.alloc(12);
  let n = 0;
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url === '/rw') {
      const plain = Buffer.concat([
        meta,
        Buffer.from(JSON.stringify({ i: 'x'.repeat(22), c: Date.now(), d: { ...SESSION, lastSeen: ++n } })),
      ]);
      const nonce = Buffer.alloc(24);
      sodium.randombytes_buf(nonce);
      const sealed = Buffer.alloc(plain.length + 16);
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, plain, ad, null, nonce, KEY);
      const token = Buffer.concat([header, nonce, sealed]).toString('base64url');
      reply.header(
        'set-cookie',
        `${COOKIE_NAME}=${token}; Max-Age=86400; Path=/; HttpOnly; Secure; SameSite=Lax`,
      );
    }
    done(null, payload);
  });
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`);
}

const sessions = !['bare', 'cookie-only', 'noop-hook', 'write-floor'].includes(variant);
let n = 0;
app.get('/login', async (request) => {
  if (sessions) for (const [k, v] of Object.entries(SESSION)) request.session.set(k, v);
  return { ok: true };
});
app.get('/rw', async (request) => {
  n++;
  if (!sessions) return { user: null, n };
  const user = request.session.get('userId') ?? null;
  request.session.set('lastSeen', n);
  return { user, n };
});
app.get('/ro', async (request) => ({ user: sessions ? (request.session.get('userId') ?? null) : null }));
app.get('/none', async () => ({ ok: true }));

await app.listen({ host: '127.0.0.1', port: 0 });
childReady(app.server.address().port);
