// Two origins for the vault and worker suites: the app/API server (A) that issues a fresh token per
// test and records every request with its Authorization header, and the attacker's server (B)
// that records everything it receives.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BrowserContext, expect, type Page, type Request } from '@playwright/test';
import { captureScript, serveCapture } from '../support/capture.js';
import { readBody, startServer, type TestServer } from '../support/server.js';
import { dumpStorage } from './hostile.js';

export interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Harness {
  app: TestServer;
  attacker: TestServer;
  /** Requests the app server received. */
  appLog: Seen[];
  /** Requests the attacker's server received. */
  attackerLog: Seen[];
  /** The token the app issues at the next logins (fresh per `reset`). */
  token: string;
  /** Number of logins and refreshes served. */
  logins: number;
  refreshes: number;
  reset(): void;
  close(): Promise<void>;
}

const record = async (req: IncomingMessage, url: URL, into: Seen[]): Promise<Seen> => {
  const body = (await readBody(req)).toString('utf8');
  const s: Seen = {
    method: req.method ?? '',
    path: url.pathname + url.search,
    authorization: req.headers.authorization,
    headers: { ...req.headers },
    body,
  };
  into.push(s);
  return s;
};

const json = (
  res: ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): true => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
  res.end(JSON.stringify(value));
  return true;
};

/**
 * The worker-side attacker: defines the capture hooks, answers `{ __capture: 'report' }` on the
 * message's port with what they saw (through methods taken before the hooks exist), installs them
 * with the token's prefix as marker, and trips the canary once.
 */
function captureWorkerScript(): string {
  return `${captureScript()}
const RA = Reflect.apply;
const gopd = Object.getOwnPropertyDescriptor;
const dataOf = gopd(ExtendableMessageEvent.prototype, 'data').get;
const portsOf = gopd(ExtendableMessageEvent.prototype, 'ports').get;
const post = MessagePort.prototype.postMessage;
RA(EventTarget.prototype.addEventListener, self, ['message', (e) => {
  const d = RA(dataOf, e, []);
  if (!d || d.__capture !== 'report') return;
  const cap = globalThis.__capture;
  cap.rescan();
  const loot = [];
  for (let i = 0; i < cap.loot.length; i++) loot[i] = cap.loot[i];
  RA(post, RA(portsOf, e, [])[0], [{ __proto__: null, loot, hooks: cap.names.length }]);
}]);
globalThis.__installCapture({ markers: ['tok_', 'canary_'] });
[].push('canary_worker');
`;
}

export async function startHarness(): Promise<Harness> {
  const h = {
    appLog: [] as Seen[],
    attackerLog: [] as Seen[],
    token: '',
    logins: 0,
    refreshes: 0,
  } as Harness;
  h.reset = () => {
    h.appLog.length = 0;
    h.attackerLog.length = 0;
    h.token = `tok_${randomBytes(18).toString('base64url')}`;
    h.logins = 0;
    h.refreshes = 0;
  };
  h.reset();
  h.attacker = await startServer(async (req, res, url) => {
    await record(req, url, h.attackerLog);
    res.writeHead(200, {
      'content-type': 'text/plain',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': '*',
    });
    res.end('ok');
    return true;
  });
  h.app = await startServer(async (req, res, url) => {
    const p = url.pathname;
    if (serveCapture(req, res, url)) return true;
    if (p === '/sw-hooked.js' || p === '/capture-sw.js') {
      const js =
        p === '/sw-hooked.js'
          ? await readFile(new URL('../pages/worker/sw-hooked.js', import.meta.url), 'utf8')
          : captureWorkerScript();
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(js);
      return true;
    }
    if (p === '/sw.js') {
      // The token worker's script, served at the root so that its scope covers /api navigations too.
      const js = await readFile(new URL('../pages/worker/sw.js', import.meta.url));
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(js);
      return true;
    }
    const s = await record(req, url, h.appLog);
    if (p === '/auth/login' || p === '/api/auth/login') {
      let ok = false;
      try {
        ok = JSON.parse(s.body).password === 'pw';
      } catch {}
      if (!ok) return json(res, 401, { error: 'bad credentials' });
      h.logins++;
      // An HttpOnly refresh cookie for the worker's re-acquisition after a restart.
      json(
        res,
        200,
        { token: h.token, user: 'alice' },
        { 'set-cookie': 'rt=refresh-ok; HttpOnly; Path=/; SameSite=Strict' },
      );
      return true;
    }
    if (p === '/auth/login/notoken') return json(res, 200, { user: 'alice' });
    if (p === '/auth/login/redirect' || p === '/api/auth/login/redirect') {
      // 307 keeps method and body: a followed redirect would hand the credentials to the attacker.
      res.writeHead(307, { location: `${h.attacker.origin}/auth/login` });
      res.end();
      return true;
    }
    if (p === '/auth/login/badtoken') return json(res, 200, { token: 'has space\u00e9' });
    if (p === '/api/auth/refresh') {
      if (!/(?:^|; )rt=refresh-ok/.test(req.headers.cookie ?? ''))
        return json(res, 401, { error: 'no cookie' });
      h.refreshes++;
      return json(res, 200, { token: h.token });
    }
    if (p === '/api/echo') return json(res, 200, { authorization: s.authorization ?? null });
    if (p === '/api/redirect-out') {
      res.writeHead(302, { location: `${h.attacker.origin}/stolen-by-redirect` });
      res.end();
      return true;
    }
    if (p === '/api/redirect-same') {
      res.writeHead(302, { location: '/admin/by-redirect' });
      res.end();
      return true;
    }
    if (p.startsWith('/api/')) {
      // CSS/image requests get a harmless body of the right type.
      if (p.endsWith('.css')) {
        res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'no-store' });
        res.end('body { color: black }');
        return true;
      }
      return json(res, 200, { ok: true, path: p, method: s.method });
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end('other');
    return true;
  });
  h.close = async () => {
    await h.app.close();
    await h.attacker.close();
  };
  return h;
}

/** Every request that carried the token, anywhere other than an allowlisted /api path of the app. */
export function misplacedToken(h: Harness): string[] {
  const out: string[] = [];
  for (const s of h.attackerLog)
    if (JSON.stringify(s).includes(h.token)) out.push(`attacker ${s.method} ${s.path}`);
  for (const s of h.appLog)
    if (JSON.stringify(s).includes(h.token) && !s.path.startsWith('/api/'))
      out.push(`app ${s.method} ${s.path}`);
  return out;
}

const inflight = new WeakMap<BrowserContext, Set<Request>>();

/**
 * Starts counting the requests of the page's browser context (pages, frames, beacons, and the
 * service worker's own requests where Playwright reports them) that have not finished yet. Call
 * it before the attack (the suites' `open()` does).
 */
export function trackRequests(page: Page): void {
  const context = page.context();
  if (inflight.has(context)) return;
  const open = new Set<Request>();
  inflight.set(context, open);
  context.on('request', (r) => open.add(r));
  // A response (its headers) is enough: the servers record a request before they answer it, and
  // Chromium reports no "finished" for a body the page never reads.
  context.on('response', (r) => open.delete(r.request()));
  context.on('requestfinished', (r) => open.delete(r));
  context.on('requestfailed', (r) => open.delete(r));
}

let sentinels = 0;

/**
 * Waits for the facts that end an attack's traffic, instead of sleeping: a sentinel request sent
 * by the page after the attack has reached both servers, and every request the context started
 * (tracked since `trackRequests`) has been answered or has failed — the servers record a request
 * before answering it.
 */
export async function settled(h: Harness, page: Page): Promise<void> {
  const id = `/sentinel/${++sentinels}`;
  await page.evaluate(
    async ([a, b]) => {
      await (await fetch(a!, { cache: 'no-store' })).text();
      await fetch(b!, { mode: 'no-cors', cache: 'no-store' });
    },
    [h.app.origin + id, h.attacker.origin + id],
  );
  await expect
    .poll(() => h.appLog.some((s) => s.path === id) && h.attackerLog.some((s) => s.path === id))
    .toBe(true);
  const open = inflight.get(page.context());
  if (open)
    await expect
      .poll(() => [...open].map((r) => `${r.method()} ${r.url()}`), { message: 'requests still in flight' })
      .toEqual([]);
  // The sentinels themselves are not part of what the test looks at.
  for (const log of [h.appLog, h.attackerLog])
    for (let i = log.length - 1; i >= 0; i--) if (log[i]!.path === id) log.splice(i, 1);
}

/**
 * The three places a token could end up, checked after an attack: values the page script got
 * back, the attacker's server (and any request that carried the token where it must not), and
 * storage. Waits first for the attack's traffic to be over (`settled`): stray requests (beacons,
 * no-cors exfiltration) have landed by then.
 */
export async function expectTokenNotLeaked(
  h: Harness,
  page: Page,
  pageValues: unknown = null,
): Promise<void> {
  await settled(h, page);
  expect(JSON.stringify(pageValues ?? null)).not.toContain(h.token);
  expect(misplacedToken(h)).toEqual([]);
  expect(await page.evaluate(dumpStorage)).not.toContain(h.token);
}
