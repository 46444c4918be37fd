// The Web instance of multi-process.test.ts: sealed-session/web (createSessions) and
// createSignedHandler, served by node:http through Request/Response.
import { createServer } from 'node:http';
import { createSignedHandler } from 'sealed-session/signed/server';
import { createSessions } from 'sealed-session/web';
import { COOKIE_NAME, now, ready, SESSION_KEY, signedOptions, stores } from './common.mjs';

const { revocation, replayCache, mode } = await stores();
const sessions = createSessions({ key: SESSION_KEY, cookieName: COOKIE_NAME, revocation, subject: 'userId' });
const signed = createSignedHandler(signedOptions(replayCache), async (_request, secure) =>
  secure.json({ ok: true, via: 'web' }),
);

async function handle(request) {
  const url = new URL(request.url);
  const route = `${request.method} ${url.pathname}`;
  if (route === 'POST /signed') return signed(request);
  if (route === 'GET /ready') return Response.json({ mode: mode() });
  if (route === 'POST /revoke-all') {
    await revocation.revokeAll(url.searchParams.get('user'));
    return Response.json({ at: now() });
  }
  const session = await sessions.load(request);
  if (route === 'GET /login') {
    session.set('userId', url.searchParams.get('user'));
    return sessions.commit(session, Response.json({ ok: true }));
  }
  if (route === 'GET /me')
    return sessions.commit(session, Response.json({ user: session.get('userId') ?? null }));
  if (route === 'POST /logout') {
    session.delete();
    return sessions.commit(session, Response.json({ ok: true }));
  }
  return new Response('not found', { status: 404 });
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, String(v));
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
  let response;
  try {
    response = await handle(request);
  } catch {
    response = new Response('server error', { status: 500 });
  }
  const out = [];
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') out.push([k, v]);
  });
  for (const c of response.headers.getSetCookie()) out.push(['set-cookie', c]);
  res.writeHead(response.status, out.flat());
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(0, '127.0.0.1', () => ready(server.address().port));
