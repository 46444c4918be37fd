// The playground's "many instances" page (/multi/): instance A is the playground itself, instance B
// a second Node process (instance-b.mjs); both check sessions against one RedisRevocationStore
// prefix on a redis-server started here on a free loopback port. "Log out everywhere" on A is then
// refused by B. Optional: without redis-server (or the built redis module) the page says what is
// missing and the rest of the playground runs as before.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

const COOKIE_NAME = 'pg_multi';
const PREFIX = 'playground:';
const USER = /^[A-Za-z0-9_.-]{1,32}$/;
// As the playground's loadDist: PLAYGROUND_DIST points at another build of dist/.
const distBase = process.env.PLAYGROUND_DIST
  ? pathToFileURL(`${process.env.PLAYGROUND_DIST.replace(/\/$/, '')}/`)
  : new URL('../../dist/', import.meta.url);
const distUrl = (name) => new URL(`${name}.js`, distBase).href;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** redis-server on a free port, without persistence; rejects with a reason a person can act on. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('error', (e) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? 'redis-server is not installed (e.g. apt-get install redis-server)'
            : e.message,
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return { port, child };
}

function startB(env) {
  const child = fork(fileURLToPath(new URL('./instance-b.mjs', import.meta.url)), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`instance B exited with ${code}`)));
  });
}

const kill = (child) =>
  new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

/**
 * Adds /multi/ to the playground's Fastify app. Resolves `{ ensure(), close() }`; `ensure()`
 * starts Redis and instance B on first use and resolves `{ available, reason }`.
 * @param {import('fastify').FastifyInstance} app
 */
export async function registerMulti(app) {
  const script = await readFile(new URL('./app.js', import.meta.url), 'utf8');
  let redis;
  let b;
  let clients = [];
  let sessions;
  let revocation;
  let closed = false;
  /** Started on first use (so the playground's other pages and tests pay nothing for it). */
  let started;
  const ensure = () => {
    started ??= (async () => {
      try {
        const { createClient } = await import('redis');
        const { createSessions } = await import(distUrl('web'));
        const { RedisRevocationStore } = await import(distUrl('redis'));
        redis = await startRedis();
        const url = `redis://127.0.0.1:${redis.port}`;
        const client = createClient({ url });
        const subscriber = client.duplicate();
        clients = [client, subscriber];
        for (const c of clients) {
          c.on('error', () => {});
          await c.connect();
        }
        revocation = new RedisRevocationStore({ client, subscriber, prefix: PREFIX, log: () => {} });
        const key = randomBytes(32).toString('hex');
        sessions = createSessions({ key, cookieName: COOKIE_NAME, revocation, subject: 'user' });
        b = await startB({ REDIS_URL: url, SESSION_KEY: key, COOKIE_NAME, PREFIX });
        if (closed) throw new Error('the playground is closing');
        return { available: true, reason: '' };
      } catch (e) {
        await stop();
        return { available: false, reason: String(e?.message ?? e).split('\n')[0] };
      }
    })();
    return started;
  };
  async function stop() {
    await revocation?.close();
    for (const c of clients) {
      try {
        c.destroy();
      } catch {}
    }
    await kill(b?.child);
    await kill(redis?.child);
  }

  app.get('/multi', async (_request, reply) => reply.redirect('/multi/'));
  app.get('/multi/', async (_request, reply) => {
    const { available, reason } = await ensure();
    return reply.type('text/html; charset=utf-8').send(pageHtml(available, reason));
  });
  app.get('/multi/app.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );

  /** Null when running; otherwise the 503 is sent. */
  const unavailable = async (reply) => {
    const { available, reason } = await ensure();
    return available ? null : reply.code(503).send({ error: `not available: ${reason}` });
  };
  const load = (request) => sessions.load(new Headers({ cookie: String(request.headers.cookie ?? '') }));
  const send = (reply, session, body) => {
    for (const c of sessions.cookies(session)) reply.header('set-cookie', c);
    return reply.send(body);
  };

  app.post('/multi/login', async (request, reply) => {
    if (await unavailable(reply)) return reply;
    const user = request.body?.user;
    if (typeof user !== 'string' || !USER.test(user)) return reply.code(400).send({ error: 'bad user name' });
    const session = await load(request);
    session.regenerate();
    session.set('user', user);
    return send(reply, session, { ok: true });
  });
  app.get('/multi/whoami', async (request, reply) => {
    if (await unavailable(reply)) return reply;
    if (request.query.at === 'b') {
      // Asked from here so the page stays same-origin (its CSP allows no other); B decides alone.
      const res = await fetch(`http://127.0.0.1:${b.port}/whoami`, {
        headers: { cookie: String(request.headers.cookie ?? '') },
      });
      return reply.send(await res.json());
    }
    const session = await load(request);
    return send(reply, session, {
      instance: 'A',
      pid: process.pid,
      user: session.get('user') ?? null,
      view: revocation.mode,
    });
  });
  app.post('/multi/logout-everywhere', async (request, reply) => {
    if (await unavailable(reply)) return reply;
    const session = await load(request);
    const user = session.get('user');
    if (typeof user !== 'string') return reply.code(401).send({ error: 'not signed in' });
    await revocation.revokeAll(user);
    return reply.send({ ok: true, user });
  });

  return {
    /** Starts redis-server and instance B if not yet done; says whether the page works. */
    ensure,
    async close() {
      closed = true;
      if (started) await started;
      await stop();
    },
  };
}

function pageHtml(available, reason) {
  const esc = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const off = available ? '' : ' disabled';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Many instances · sealed-session playground</title>
<link rel="stylesheet" href="/assets/playground.css">
</head>
<body>
<main>
<p><a href="/">← Overview</a></p>
<h1>Many instances: log out everywhere</h1>
<p class="lead">Instance A is this server; instance B is a second Node process with its own Fastify server, its own
Redis connections and its own local view of revocations (<code>sealed-session/redis</code>). They share the session
key and one Redis, nothing else. Log in on A, then <strong>log out everywhere</strong> on A: B refuses the very same
cookie, without asking Redis per request.</p>
${available ? '' : `<p class="warn" id="unavailable"><strong>Not available:</strong> ${esc(reason)}. The rest of the playground works without it.</p>`}
<section>
<p><label>User name <input id="user" value="alice" maxlength="32"></label>
<button id="btn-login"${off}>Log in on A</button>
<button id="btn-a"${off}>Ask A: who am I?</button>
<button id="btn-b"${off}>Ask B: who am I?</button>
<button id="btn-everywhere"${off}>Log out everywhere (on A)</button></p>
<dl>
<dt>Instance A says</dt><dd id="who-a">–</dd>
<dt>Instance B says</dt><dd id="who-b">–</dd>
</dl>
<p id="reach"></p>
</section>
<section><h2>What the servers answered</h2><ol id="log" reversed></ol></section>
</main>
<script src="/multi/app.js"></script>
</body>
</html>
`;
}
