// The playground server: Fastify with sealed-session's own plugins (the sealed cookie session for
// strategy 1, the signed-request middleware for strategy 8), bearer-token endpoints for the
// other strategies, an event log the pages poll, and the "attacker's server" that receives what
// injected scripts exfiltrate and tries to use it from outside the browser.
//
// Plain ESM JavaScript (Node 20 cannot run TypeScript): it imports the built library from
// ../dist/*.js, which `npm start` builds first.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { registerMulti } from './multi/multi.mjs';
import { bundleAll } from './server/bundle.mjs';
import { indexPage, notFoundPage, strategyPage, summaryPage } from './server/pages.mjs';
import { PlaygroundState, PROBE_PATTERN, TOKEN_PATTERN, USER_PATTERN } from './server/state.mjs';
import { strategies, strategyById } from './server/strategies.mjs';

const COOKIE_NAME = 'pg_session';
const VIA_PATTERN = /^[a-z][a-z-]{0,23}$/;
const API_BODY_LIMIT = 16 * 1024;
const LOOT_LIMIT = 64 * 1024;

/** Imports a built module of the library; a placeholder (no exports yet) counts as absent. */
async function loadDist(name, pick) {
  try {
    // PLAYGROUND_DIST (a directory URL or path) lets a developer point at another build of dist/.
    const base = process.env.PLAYGROUND_DIST
      ? pathToFileURL(`${process.env.PLAYGROUND_DIST.replace(/\/$/, '')}/`)
      : new URL('../dist/', import.meta.url);
    const mod = await import(new URL(`${name}.js`, base).href);
    const value = pick(mod);
    if (!value) return { value: undefined, reason: `dist/${name}.js does not export it yet` };
    return { value, reason: '' };
  } catch (err) {
    return { value: undefined, reason: `dist/${name}.js could not be loaded (${err?.code ?? 'error'})` };
  }
}

/** What the server says about a request; never contains the credential itself. */
function initiator(request) {
  const h = request.headers;
  const dest = h['sec-fetch-dest'];
  const mode = h['sec-fetch-mode'];
  const site = h['sec-fetch-site'];
  if (!dest && !mode) return 'no browser (server-side client)';
  const parts = [];
  if (dest === 'empty') parts.push('fetch()');
  else if (dest === 'image') parts.push('<img>');
  else if (dest === 'iframe' || dest === 'document')
    parts.push(mode === 'navigate' ? 'form / navigation' : String(dest));
  else if (dest) parts.push(String(dest));
  if (site && site !== 'same-origin') parts.push(String(site));
  return parts.join(', ');
}

function marker(request) {
  const q = request.query ?? {};
  const probe = typeof q.probe === 'string' && PROBE_PATTERN.test(q.probe) ? q.probe : undefined;
  const via = typeof q.via === 'string' && VIA_PATTERN.test(q.via) ? q.via : undefined;
  return { probe, via };
}

function bearerOf(request) {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(h);
  return m ? m[1] : '';
}

/**
 * Starts the playground. With `strict`, a strategy whose page script does not build or whose
 * module does not load is an error (the tests use it: a broken bundle fails the suite); without
 * it, that strategy's page says "not available" and the others still work (`npm start`).
 * @param {{ port?: number, host?: string, quiet?: boolean, strict?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, host: string, close(): Promise<void>, availability: Map<string, { available: boolean, reason: string }> }>}
 */
export async function startPlayground({
  port = 3000,
  host = '127.0.0.1',
  quiet = false,
  strict = false,
} = {}) {
  const state = new PlaygroundState();
  const availability = new Map();

  // --- the library, as built in dist/ -------------------------------------------------------
  const fastifySession = await loadDist('fastify', (m) => m.default ?? m.fastifySecureSession);
  const signedServer = await loadDist('signed-server', (m) => m.fastifySigned);
  const signedClient = await loadDist('signed', (m) =>
    m.generateSecretKey && m.getPublicKey ? m : undefined,
  );

  // --- browser bundles ----------------------------------------------------------------------
  const entries = { summary: 'summary.ts', 'worker-sw': 'sw.ts' };
  for (const s of strategies) entries[`s-${s.id}`] = `strategies/${s.id}.ts`;
  const bundles = await bundleAll(entries);
  const css = await readFile(new URL('static/playground.css', import.meta.url), 'utf8');

  for (const s of strategies) {
    const b = bundles.get(`s-${s.id}`);
    let reason = b?.error ? `the page script could not be built: ${b.error}` : '';
    if (s.id === 'cookie' && !fastifySession.value) reason = fastifySession.reason;
    if (s.id === 'signed' && !signedServer.value) reason = signedServer.reason;
    if (s.id === 'signed' && !signedClient.value) reason = signedClient.reason;
    if (s.id === 'worker' && bundles.get('worker-sw')?.error)
      reason = `worker script: ${bundles.get('worker-sw').error}`;
    availability.set(s.id, { available: !reason, reason });
  }
  const broken = [...availability].filter(([, a]) => !a.available);
  if (strict && broken.length > 0)
    throw new Error(`playground: ${broken.map(([id, a]) => `${id}: ${a.reason}`).join('; ')}`);
  if (strict && bundles.get('summary')?.error)
    throw new Error(`playground: summary: ${bundles.get('summary').error}`);

  // The port must be known before listening: the signed-request plugin needs the origins clients
  // sign for, and the CSRF payload frames the same server under its other loopback name.
  const listenPort = port === 0 ? await freePort(host) : port;
  const origins = [...new Set([host, '127.0.0.1', 'localhost', '::1'])].map(
    (h) => `http://${h.includes(':') ? `[${h}]` : h}:${listenPort}`,
  );
  const loopback = [`http://127.0.0.1:${listenPort}`, `http://localhost:${listenPort}`];

  const app = Fastify({ logger: false, bodyLimit: API_BODY_LIMIT, return503OnClosing: false });

  // Forms (the CSRF payload) and anything an attacker's beacon sends.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, request, reply) => {
    const code =
      typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500
        ? err.statusCode
        : 500;
    if (code === 500 && !quiet)
      console.error(
        '[playground] internal error on',
        request.method,
        request.routeOptions?.url,
        err?.code ?? '',
      );
    const messages = {
      400: 'bad request',
      401: 'not authenticated',
      413: 'request body too large',
      415: 'unsupported content type',
    };
    reply
      .code(code)
      .header('cache-control', 'no-store')
      .send({
        error: messages[code] ?? (code === 500 ? 'internal error' : 'request refused'),
        code: err?.code,
      });
  });
  app.setNotFoundHandler((request, reply) => {
    const wantsHtml = request.method === 'GET' && String(request.headers.accept ?? '').includes('text/html');
    reply.code(404).header('cache-control', 'no-store');
    if (wantsHtml)
      reply.type('text/html; charset=utf-8').send(notFoundPage('No such page in the playground.'));
    else reply.send({ error: 'not found' });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      // Strategy pages allow inline scripts on purpose: the attacker box injects <script>
      // elements. Nothing may load from or connect to another origin.
      const strategyPage = request.url.startsWith('/s/');
      const inline = strategyPage ? " 'unsafe-inline'" : '';
      // Strategy pages may frame the "other site" (this server under its other loopback name).
      const frames = strategyPage ? ` ${loopback.join(' ')}` : '';
      const csp = request.url.startsWith('/evil/')
        ? `default-src 'none'; script-src 'self'; form-action ${loopback.join(' ')}; frame-ancestors ${loopback.join(' ')}; base-uri 'none'`
        : `default-src 'self'; script-src 'self'${inline}; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'${frames}; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; worker-src 'self'`;
      reply.header('content-security-policy', csp);
    }
    return payload;
  });

  // --- shared: record what arrived ----------------------------------------------------------
  /**
   * @param {import('fastify').FastifyRequest} request
   * @param {string} strategy
   * @param {{ authenticated: boolean, user?: string, credential: string, verified?: boolean | null }} verdict
   * @param {number} status
   */
  function record(request, strategy, verdict, status) {
    const { probe, via } = marker(request);
    const path = request.url.split('?')[0];
    state.log({
      strategy,
      method: request.method,
      path,
      via: via ?? null,
      initiator: initiator(request),
      credential: verdict.credential,
      verified: verdict.verified ?? null,
      authenticated: verdict.authenticated,
      user: verdict.user ?? null,
      status,
    });
    if (probe) {
      const p = state.probe(probe);
      const entry = { strategy, via: via ?? null, path, authenticated: verdict.authenticated };
      if (via === 'img' || via === 'form' || via === 'cross-site') p.autoSent.push(entry);
      else if (via !== 'replay') p.uses.push(entry);
      if (p.uses.length > 50) p.uses.shift();
      if (p.autoSent.length > 50) p.autoSent.shift();
    }
  }

  /** The protected resource every strategy calls: describes the credential, never echoes it. */
  function meReply(strategy, verdict) {
    return verdict.authenticated
      ? { authenticated: true, user: verdict.user, credential: verdict.credential, verified: true, strategy }
      : {
          authenticated: false,
          credential: verdict.credential,
          verified: verdict.verified ?? null,
          strategy,
        };
  }

  function transferReply(strategy, verdict, body) {
    const to = body && typeof body.to === 'string' ? body.to.slice(0, 40) : 'nobody';
    return verdict.authenticated
      ? {
          authenticated: true,
          user: verdict.user,
          done: `transfer from ${verdict.user} to ${to} accepted`,
          strategy,
        }
      : { authenticated: false, credential: verdict.credential, strategy };
  }

  function userFrom(body) {
    const user = body && typeof body === 'object' ? body.user : undefined;
    if (typeof user !== 'string' || !USER_PATTERN.test(user)) return undefined;
    return user;
  }

  // --- strategy 1: sealed HttpOnly cookie (sealed-session/fastify) ---------------------------
  /** @type {import('fastify').FastifyInstance | undefined} */
  let cookieScope;
  if (availability.get('cookie').available) {
    await app.register(
      async (scope) => {
        await scope.register(fastifySession.value, {
          key: randomBytes(32),
          cookieName: COOKIE_NAME,
          cookie: { path: '/api/cookie', httpOnly: true, sameSite: 'lax', secure: true },
        });
        cookieScope = scope;
        const verdictOf = (request) => {
          const present =
            typeof request.headers.cookie === 'string' && request.headers.cookie.includes(`${COOKIE_NAME}=`);
          const user = present ? request.session.get('user') : undefined;
          if (typeof user === 'string')
            return {
              authenticated: true,
              user,
              credential: 'HttpOnly cookie, opened by sealed-session/fastify',
              verified: true,
            };
          return present
            ? {
                authenticated: false,
                credential: 'cookie present but it did not open: empty session',
                verified: false,
              }
            : { authenticated: false, credential: 'no session cookie' };
        };
        scope.post('/login', async (request, reply) => {
          const user = userFrom(request.body);
          if (!user)
            return reply.code(400).send({ error: 'expected { user: 1-40 letters, digits or ._@- }' });
          await request.session.regenerate();
          request.session.set('user', user);
          const v = {
            authenticated: true,
            user,
            credential: 'login: new sealed cookie issued (Set-Cookie, HttpOnly)',
            verified: true,
          };
          record(request, 'cookie', v, 200);
          return { authenticated: true, user };
        });
        scope.post('/logout', async (request) => {
          const v = verdictOf(request);
          request.session.delete();
          record(request, 'cookie', { ...v, credential: `logout: ${v.credential}; cookie cleared` }, 200);
          return { authenticated: false };
        });
        scope.get('/me', async (request, reply) => {
          const v = verdictOf(request);
          const status = v.authenticated ? 200 : 401;
          record(request, 'cookie', v, status);
          return reply.code(status).send(meReply('cookie', v));
        });
        scope.post('/transfer', async (request, reply) => {
          const v = verdictOf(request);
          const status = v.authenticated ? 200 : 401;
          record(request, 'cookie', v, status);
          return reply.code(status).send(transferReply('cookie', v, request.body));
        });
      },
      { prefix: '/api/cookie' },
    );
  }

  // --- strategies 2–7: bearer tokens ------------------------------------------------------
  const bearerIds = strategies.filter((s) => s.credential === 'bearer').map((s) => s.id);
  const bearerVerdict = (request, strategy) => {
    const token = bearerOf(request);
    if (token === undefined) return { authenticated: false, credential: 'no Authorization header' };
    if (token === '')
      return { authenticated: false, credential: 'malformed Authorization header', verified: false };
    const t = state.lookupToken(token);
    if (!t)
      return {
        authenticated: false,
        credential: 'bearer token: unknown, revoked or expired',
        verified: false,
      };
    if (t.strategy !== strategy)
      return {
        authenticated: false,
        credential: `bearer token issued for "${t.strategy}", refused here`,
        verified: false,
      };
    return {
      authenticated: true,
      user: t.user,
      credential: `bearer token issued to ${t.user} for "${t.strategy}"`,
      verified: true,
    };
  };
  await app.register(
    async (scope) => {
      scope.addHook('preValidation', async (request, reply) => {
        if (
          !bearerIds.includes(request.params.strategy) ||
          !availability.get(request.params.strategy)?.available
        ) {
          return reply.code(404).send({ error: 'no such strategy' });
        }
      });
      scope.post('/:strategy/login', async (request, reply) => {
        const strategy = request.params.strategy;
        const user = userFrom(request.body);
        if (!user) return reply.code(400).send({ error: 'expected { user: 1-40 letters, digits or ._@- }' });
        const token = state.issueToken(user, strategy);
        record(
          request,
          strategy,
          {
            authenticated: true,
            user,
            credential: 'login: bearer token issued in the JSON reply',
            verified: true,
          },
          200,
        );
        return { token, user, tokenType: 'Bearer' };
      });
      scope.post('/:strategy/logout', async (request) => {
        const strategy = request.params.strategy;
        const v = bearerVerdict(request, strategy);
        if (v.authenticated) state.revokeToken(bearerOf(request));
        record(
          request,
          strategy,
          { ...v, credential: `logout: ${v.credential}${v.authenticated ? '; token revoked' : ''}` },
          200,
        );
        return { authenticated: false, revoked: v.authenticated };
      });
      scope.get('/:strategy/me', async (request, reply) => {
        const strategy = request.params.strategy;
        const v = bearerVerdict(request, strategy);
        const status = v.authenticated ? 200 : 401;
        record(request, strategy, v, status);
        return reply.code(status).send(meReply(strategy, v));
      });
      scope.post('/:strategy/transfer', async (request, reply) => {
        const strategy = request.params.strategy;
        const v = bearerVerdict(request, strategy);
        const status = v.authenticated ? 200 : 401;
        record(request, strategy, v, status);
        return reply.code(status).send(transferReply(strategy, v, request.body));
      });
    },
    { prefix: '/api' },
  );

  // --- strategy 8: signed requests (sealed-session/signed/server) ---------------------------
  const signedHooks = availability.get('signed').available
    ? await registerSigned(
        app,
        { fastifySigned: signedServer.value, ...signedClient.value },
        { state, record, meReply, transferReply, userFrom, origins },
      )
    : undefined;

  // --- what the pages poll ------------------------------------------------------------------
  app.get('/api/events', async (request) => {
    const since = Number.parseInt(String(request.query?.since ?? '0'), 10);
    const strategy = typeof request.query?.strategy === 'string' ? request.query.strategy : undefined;
    return { seq: state.seq, events: state.eventsSince(Number.isFinite(since) ? since : 0, strategy) };
  });

  app.get('/api/probes/:id', async (request, reply) => {
    const id = request.params.id;
    if (!PROBE_PATTERN.test(id)) return reply.code(400).send({ error: 'bad probe id' });
    const p = state.probes.get(id) ?? { loot: [], uses: [], autoSent: [] };
    const live = p.loot.flatMap((l) => l.live);
    return {
      readable: live.length > 0,
      exfiltrated: p.loot.map((l) => ({ bytes: l.bytes, live: l.live })),
      usable: p.uses.some((u) => u.authenticated),
      uses: p.uses,
      autoSent: p.autoSent.some((u) => u.authenticated),
      autoSentRequests: p.autoSent,
    };
  });

  // --- the attacker's server ----------------------------------------------------------------
  // Receives anything (JSON, text, a beacon), looks for live credentials in it, and uses each one
  // from here — outside the victim's browser — to show what a stolen credential is worth.
  app.post('/attacker/collect', { bodyLimit: LOOT_LIMIT }, async (request, reply) => {
    const { probe } = marker(request);
    const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? '');
    const live = await analyseLoot(text.slice(0, LOOT_LIMIT), probe);
    const replays = await replaySigned(text.slice(0, LOOT_LIMIT));
    if (probe) {
      const p = state.probe(probe);
      p.loot.push({ bytes: Buffer.byteLength(text), live });
      if (p.loot.length > 20) p.loot.shift();
    }
    return reply.send({ received: Buffer.byteLength(text), live, replays });
  });

  /**
   * Signed requests captured in the page (the fetch-patching payload records method, URL,
   * headers and body) are sent again from here: the signature is valid, but its nonce was used.
   */
  async function replaySigned(text) {
    if (!signedHooks) return [];
    const strings = [];
    const walk = (v) => {
      if (strings.length > 2000) return;
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    try {
      walk(JSON.parse(text));
    } catch {
      return [];
    }
    const out = [];
    for (const s of strings) {
      if (out.length >= 3 || !s.startsWith('fetch request: ')) continue;
      let req;
      try {
        req = JSON.parse(s.slice('fetch request: '.length));
      } catch {
        continue;
      }
      const headers = req && typeof req.headers === 'object' && req.headers ? req.headers : {};
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'signature')) continue;
      let url;
      try {
        url = new URL(String(req.url));
      } catch {
        continue;
      }
      if (!url.pathname.startsWith('/api/signed/')) continue;
      const method = String(req.method ?? 'GET').toUpperCase();
      if (!['GET', 'POST'].includes(method)) continue;
      const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => typeof v === 'string'));
      const r = await app.inject({
        method,
        url: url.pathname + url.search,
        headers: { ...clean, host: url.host },
        payload: typeof req.body === 'string' ? req.body : undefined,
      });
      out.push({
        method,
        path: url.pathname,
        status: r.statusCode,
        result:
          r.statusCode === 401
            ? 'refused (401): a signature is good for one request only'
            : `HTTP ${r.statusCode}`,
      });
    }
    return out;
  }

  async function analyseLoot(text, probe) {
    const live = [];
    const seen = new Set();
    const q = probe ? `?probe=${probe}&via=replay` : '?via=replay';
    for (const token of text.match(TOKEN_PATTERN) ?? []) {
      if (seen.has(token)) continue;
      seen.add(token);
      const t = state.lookupToken(token);
      if (!t) continue;
      const r = await app.inject({
        method: 'GET',
        url: `/api/${t.strategy}/me${q}`,
        headers: { authorization: `Bearer ${token}` },
      });
      live.push({
        kind: 'bearer token',
        strategy: t.strategy,
        user: t.user,
        replay:
          r.statusCode === 200
            ? `replayed from the attacker's server: authenticated as ${t.user}`
            : 'replay refused',
      });
    }
    if (cookieScope && typeof cookieScope.decodeSecureSession === 'function') {
      const candidates = [...new Set(text.match(/[A-Za-z0-9_\-.~%;:+/=]{40,4096}/g) ?? [])].slice(0, 64);
      for (const c of candidates) {
        if (TOKEN_PATTERN.test(c)) continue;
        TOKEN_PATTERN.lastIndex = 0;
        let session = null;
        try {
          session = cookieScope.decodeSecureSession(c);
        } catch {
          session = null;
        }
        const user = session?.get?.('user');
        if (typeof user !== 'string') continue;
        const r = await app.inject({
          method: 'GET',
          url: `/api/cookie/me${q}`,
          cookies: { [COOKIE_NAME]: c },
        });
        live.push({
          kind: 'sealed session cookie',
          strategy: 'cookie',
          user,
          replay:
            r.statusCode === 200
              ? `replayed from the attacker's server: authenticated as ${user}`
              : 'replay refused',
        });
      }
    }
    TOKEN_PATTERN.lastIndex = 0;
    if (signedHooks?.privateKeyIn(text))
      live.push({
        kind: 'private signing key',
        strategy: 'signed',
        user: null,
        replay: 'key material found',
      });
    return live;
  }

  // --- "another site" for the cross-site CSRF payload ---------------------------------------
  // The same server under its other loopback name (localhost vs 127.0.0.1: different sites), with
  // a page that posts a form to the playground's API, as a third-party page would.
  app.get('/evil/csrf', async (request, reply) => {
    let action;
    try {
      action = new URL(String(request.query?.action ?? ''));
    } catch {
      return reply.code(400).send({ error: 'expected ?action=<playground API URL>' });
    }
    if (!loopback.includes(action.origin) || !action.pathname.startsWith('/api/')) {
      return reply.code(400).send({ error: 'expected ?action=<playground API URL>' });
    }
    const href = action.href.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title><script src="/evil/submit.js" defer></script></head><body><form id="f" method="POST" action="${href}"><input name="to" value="mallory"><input name="amount" value="1000"></form></body></html>`,
      );
  });
  app.get('/evil/submit.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send("document.getElementById('f').submit();\n"),
  );

  // --- pages and assets ---------------------------------------------------------------------
  const html = (reply, body) => reply.type('text/html; charset=utf-8').send(body);
  app.get('/', async (_request, reply) => html(reply, indexPage(availability)));
  app.get('/summary', async (_request, reply) => html(reply, summaryPage(availability)));
  for (const s of strategies) {
    app.get(`/s/${s.id}`, async (_request, reply) => reply.redirect(`/s/${s.id}/`));
    app.get(`/s/${s.id}/`, async (_request, reply) => html(reply, strategyPage(s, availability.get(s.id))));
  }
  app.get('/assets/playground.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(css),
  );
  app.get('/assets/:name', async (request, reply) => {
    const m = /^([\w-]+)\.js$/.exec(request.params.name);
    const b = m ? bundles.get(m[1]) : undefined;
    if (!b?.js || m[1] === 'worker-sw') return reply.code(404).send({ error: 'not found' });
    return reply.type('text/javascript; charset=utf-8').send(b.js);
  });
  // The service worker lives inside /s/worker/ so its scope covers that page only.
  app.get('/s/worker/sw.js', async (_request, reply) => {
    const b = bundles.get('worker-sw');
    if (!b?.js || !availability.get('worker').available) return reply.code(404).send({ error: 'not found' });
    return reply.type('text/javascript; charset=utf-8').send(b.js);
  });

  // Many instances (/multi/): optional, started on first use; says what is missing without redis-server.
  const multi = await registerMulti(app);

  await app.listen({ port: listenPort, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    port: actualPort,
    host,
    availability,
    multi: { ensure: multi.ensure },
    close: async () => {
      app.server.closeAllConnections?.();
      await app.close();
      await multi.close();
    },
  };
}

/** A free loopback port, so the signed-request origin is known before the server listens. */
function freePort(host) {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Strategy 8: every route under /api/signed requires a request signed by the client's key
 * (sealed-session/signed/server's Fastify plugin); replies are signed and encrypted. "Logging in"
 * enrols the client's public key for a user name (a demo stand-in for a real login).
 */
async function registerSigned(app, mods, ctx) {
  const { fastifySigned, generateSecretKey, getPublicKey } = mods;
  const { state, record, meReply, transferReply, userFrom, origins } = ctx;
  const serverSecret = generateSecretKey('ed25519');
  const serverPublic = await getPublicKey(serverSecret);
  app.get('/api/signed-key', async () => ({ publicKey: serverPublic }));
  await app.register(
    async (scope) => {
      let lastFailure = '';
      scope.decorateRequest('pgRecorded', false);
      scope.addHook('onRequest', async () => {
        lastFailure = '';
      });
      await scope.register(fastifySigned, {
        key: serverSecret,
        origin: origins,
        decorator: 'peer',
        maxBodySize: 16 * 1024,
        onFailure: (reason) => {
          lastFailure = String(reason);
        },
      });
      // Refusals happen in the plugin, before any handler: log them here.
      scope.addHook('onResponse', async (request, reply) => {
        if (request.pgRecorded) return;
        const signedHeaders = typeof request.headers.signature === 'string';
        const credential = signedHeaders
          ? `signature refused by sealed-session/signed/server${lastFailure ? ` (${lastFailure})` : ''}`
          : 'no signature: refused before the handler ran';
        const v = { authenticated: false, credential, verified: signedHeaders ? false : null };
        record(request, 'signed', v, reply.statusCode);
      });
      const fingerprint = (peerKey) => `${peerKey.slice(0, 20)}…`;
      const verdictOf = (request) => {
        const peer = request.peer;
        const enrolled = peer ? state.signers.get(peer.peerKey) : undefined;
        if (!enrolled) {
          const credential = `valid signature, but key ${fingerprint(peer.peerKey)} is not enrolled (logged out)`;
          return { authenticated: false, credential, verified: true };
        }
        const credential = `signature verified: key ${fingerprint(peer.peerKey)}, enrolled by ${enrolled.user}`;
        return { authenticated: true, user: enrolled.user, credential, verified: true };
      };
      const bodyOf = (request) => {
        const b = request.body;
        const text =
          typeof b === 'string' ? b : b instanceof Uint8Array ? new TextDecoder().decode(b) : undefined;
        if (text === undefined) return b;
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      };
      const send = async (request, reply, verdict, status, body) => {
        request.pgRecorded = true;
        record(request, 'signed', verdict, status);
        return reply.secure.json(body, status);
      };
      scope.post('/login', async (request, reply) => {
        const user = userFrom(bodyOf(request));
        if (!user) {
          return send(request, reply, { authenticated: false, credential: 'bad login body' }, 400, {
            error: 'expected { user: 1-40 letters, digits or ._@- }',
          });
        }
        if (state.signers.size >= 2000) state.signers.delete(state.signers.keys().next().value);
        state.signers.set(request.peer.peerKey, { user, enrolled: Date.now() });
        const credential = `login: key ${fingerprint(request.peer.peerKey)} enrolled for ${user}`;
        return send(request, reply, { authenticated: true, user, credential, verified: true }, 200, {
          authenticated: true,
          user,
        });
      });
      scope.post('/logout', async (request, reply) => {
        const v = verdictOf(request);
        state.signers.delete(request.peer.peerKey);
        const logged = { ...v, credential: `logout: ${v.credential}; key forgotten` };
        return send(request, reply, logged, 200, { authenticated: false });
      });
      scope.get('/me', async (request, reply) => {
        const v = verdictOf(request);
        const status = v.authenticated ? 200 : 401;
        return send(request, reply, v, status, meReply('signed', v));
      });
      scope.post('/transfer', async (request, reply) => {
        const v = verdictOf(request);
        const status = v.authenticated ? 200 : 401;
        return send(request, reply, v, status, transferReply('signed', v, bodyOf(request)));
      });
    },
    { prefix: '/api/signed' },
  );
  return {
    // A private JWK ("d" member) can only come from an extractable key.
    privateKeyIn: (text) => /"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/.test(text),
  };
}

export { strategies, strategyById };
