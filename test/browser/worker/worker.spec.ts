// sealed-session/worker in real Chromium: a module service worker (test/browser/pages/worker/sw.js,
// served at /sw.js) holding the token, and the page client. Attacks run in the page after load.
import { type CDPSession, expect, type Page, test } from '@playwright/test';
import {
  expectTokenNotLeaked,
  type Harness,
  settled,
  startHarness,
  trackRequests,
} from '../vault/harness.js';
import { hostileUrls } from '../vault/urls.js';

let h: Harness;
test.beforeAll(async () => {
  h = await startHarness();
});
test.afterAll(async () => {
  await h.close();
});
test.beforeEach(() => h.reset());

declare global {
  var tw: import('../../../src/worker/index.js').TokenWorkerClient;
  interface Window {
    twReady?: boolean;
    twError?: string;
  }
}

const MARK = 'x-sealed-session-nonce';

async function open(page: Page, query = ''): Promise<void> {
  trackRequests(page);
  await page.goto(`${h.app.origin}/pages/worker/index.html${query}`);
  // http://127.0.0.1 is a secure context, so service workers must be available here.
  expect(await page.evaluate(() => window.isSecureContext && 'serviceWorker' in navigator)).toBe(true);
  await page.waitForFunction(() => window.twReady === true || window.twError !== undefined, null, {
    timeout: 20_000,
  });
  expect(await page.evaluate(() => window.twError ?? null)).toBeNull();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

async function login(page: Page): Promise<void> {
  await page.evaluate(() =>
    tw.login('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', password: 'pw' }),
    }),
  );
}

const expectNoLeak = (page: Page, pageValues?: unknown): Promise<void> =>
  expectTokenNotLeaked(h, page, pageValues);

/**
 * Stops every service worker and waits for the fact: CDP reports each version's running status,
 * and the wait ends when none is running any more (instead of sleeping after the stop command).
 */
async function stopWorkers(cdp: CDPSession): Promise<void> {
  const status = new Map<string, string>();
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) status.set(v.versionId, v.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => status.size).toBeGreaterThan(0);
  await cdp.send('ServiceWorker.stopAllWorkers');
  await expect.poll(() => [...status.values()].every((s) => s === 'stopped')).toBe(true);
}

const calls = (path: string) => h.appLog.filter((s) => s.path === path);

test('login, authenticated fetch through the worker, logout', async ({ page }) => {
  await open(page);
  const before = await page.evaluate(() => tw.fetch('/api/data').then(String, (e) => e.code));
  expect(before).toBe('ERR_WORKER_NOT_AUTHENTICATED');
  await login(page);
  const out = await page.evaluate(async () => {
    const a = await tw.fetch('/api/data#fragment');
    const b = await tw.fetch('/api/post', { method: 'POST', body: 'hello', headers: { 'x-a': '1' } });
    const fd = new FormData();
    fd.set('k', 'v');
    const c = await tw.fetch('/api/form', { method: 'PUT', body: fd });
    return [a.status, await a.json(), b.status, c.status];
  });
  expect(out).toEqual([200, { ok: true, path: '/api/data', method: 'GET' }, 200, 200]);
  expect(h.logins).toBe(1);
  // The login itself was made by the worker (no page fetch carried the credentials twice).
  expect(calls('/api/auth/login')).toHaveLength(1);
  for (const p of ['/api/data', '/api/post', '/api/form']) {
    const [s] = calls(p);
    expect(s!.authorization).toBe(`Bearer ${h.token}`);
    // The nonce header is stripped before the request leaves the browser.
    expect(s!.headers[MARK]).toBeUndefined();
  }
  expect(calls('/api/post')[0]!.body).toBe('hello');
  expect(calls('/api/post')[0]!.headers['x-a']).toBe('1');
  expect(calls('/api/form')[0]!.body).toContain('name="k"');
  await page.evaluate(() => tw.logout());
  const after = await page.evaluate(() => tw.fetch('/api/data').then(String, (e) => e.code));
  expect(after).toBe('ERR_WORKER_NOT_AUTHENTICATED');
  await expectNoLeak(page, out);
});

test('THREATS 27: a page cannot set or replace the token by postMessage', async ({ page }) => {
  await open(page);
  const r = await page.evaluate(async (B) => {
    const c = navigator.serviceWorker.controller!;
    const ask = (msg: unknown) =>
      new Promise((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => resolve(e.data);
        c.postMessage(msg, [ch.port2]);
        setTimeout(() => resolve('no answer'), 1500);
      });
    const evil = 'tok_evil_from_page';
    // Untagged, tagged with unknown ops, and a "login" pointing at the attacker.
    c.postMessage({ token: evil });
    c.postMessage({ sealedSession: 1, op: 'login', token: evil });
    const answers = [
      await ask({ token: evil }),
      await ask({ sealedSession: 1, op: 'setToken', token: evil }),
      await ask({ sealedSession: 1, op: 'token', value: evil }),
      await ask({
        sealedSession: 1,
        op: 'login',
        url: `${B}/api/auth/login`,
        method: 'POST',
        headers: [],
        body: '{"password":"pw"}',
      }),
      await ask({
        sealedSession: 1,
        op: 'login',
        url: '/api/echo',
        method: 'POST',
        headers: [],
        token: evil,
      }),
    ];
    const stillOut = await tw.fetch('/api/data').then(String, (e) => e.code);
    // A login endpoint redirecting to the attacker: the worker does not follow it.
    const redirected = await tw
      .login('/api/auth/login/redirect', { body: '{"password":"pw"}' })
      .then(String, (e) => e.code);
    return { answers, stillOut, redirected };
  }, h.attacker.origin);
  expect(r.answers).toEqual([
    'no answer',
    { ok: false, code: 'ERR_WORKER_FAILED' },
    { ok: false, code: 'ERR_WORKER_FAILED' },
    { ok: false, code: 'ERR_WORKER_NOT_ALLOWED' },
    { ok: false, code: 'ERR_WORKER_LOGIN_FAILED' },
  ]);
  expect(r.stillOut).toBe('ERR_WORKER_NOT_AUTHENTICATED');
  expect(r.redirected).toBe('ERR_WORKER_LOGIN_FAILED');
  // After a real login the posted token is still nowhere.
  await login(page);
  await page.evaluate(async () => {
    navigator.serviceWorker.controller!.postMessage({
      sealedSession: 1,
      op: 'login',
      token: 'tok_evil_from_page',
    });
    await tw.fetch('/api/after');
  });
  expect(calls('/api/after')[0]!.authorization).toBe(`Bearer ${h.token}`);
  expect(JSON.stringify(h.appLog)).not.toContain('tok_evil_from_page');
  expect(h.attackerLog).toEqual([]);
  await expectNoLeak(page, r);
});

test('THREATS 28: markup-initiated and unmarked requests never get the token', async ({ page }) => {
  await open(page);
  await login(page);
  const r = await page.evaluate(async () => {
    const MARK_NAME = 'x-sealed-session-nonce';
    const c = navigator.serviceWorker.controller!;
    const nonceFor = (url: string, method = 'GET') =>
      new Promise<string>((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => resolve(e.data.nonce);
        c.postMessage({ sealedSession: 1, op: 'nonce', url: new URL(url, location.href).href, method }, [
          ch.port2,
        ]);
      });
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e) => (e as Error).name,
      );
    const out: Record<string, string> = {};
    const add = (html: string) => {
      const d = document.createElement('div');
      d.innerHTML = html;
      document.body.append(d);
    };
    add('<img src="/api/m/img">');
    add('<link rel="stylesheet" href="/api/m/style.css">');
    add('<div style="background:url(/api/m/bg)">x</div>');
    add('<img src="/api/m/img-cors" crossorigin="use-credentials">');
    add('<iframe src="/api/m/frame"></iframe>');
    add('<iframe name="sink"></iframe>');
    add('<form method="POST" action="/api/m/form" target="sink"><input name="a" value="b"></form>');
    document.querySelector('form')!.submit();
    const s = document.createElement('script');
    s.src = '/api/m/script';
    document.head.append(s);
    navigator.sendBeacon('/api/m/beacon', 'x');
    const xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/m/xhr');
    xhr.setRequestHeader(MARK_NAME, 'forged.forged');
    xhr.send();
    out.plain = await settle(fetch('/api/m/plain'));
    out.forged = await settle(fetch('/api/m/forged', { headers: { [MARK_NAME]: 'aaaa.bbbb' } }));
    // A genuine nonce on a no-cors request: the browser drops the header, the worker sees nothing.
    const n1 = await nonceFor('/api/m/nocors');
    out.nocors = await settle(fetch('/api/m/nocors', { mode: 'no-cors', headers: { [MARK_NAME]: n1 } }));
    out.nocorsPlain = await settle(fetch('/api/m/nocors2', { mode: 'no-cors' }));
    return out;
  });
  // Facts, not a delay: the markup requests (a CSS background loads only at layout) have arrived,
  // then every request the page started has finished.
  const expected = [
    '/api/m/img',
    '/api/m/style.css',
    '/api/m/bg',
    '/api/m/frame',
    '/api/m/form',
    '/api/m/plain',
  ];
  await expect
    .poll(() => expected.filter((p) => !h.appLog.some((s) => s.path === p)), { timeout: 10_000 })
    .toEqual([]);
  await settled(h, page);
  const paths = h.appLog.filter((s) => s.path.startsWith('/api/m/'));
  for (const s of paths) expect(s.authorization, s.path).toBeUndefined();
  await expectNoLeak(page, r);
});

test('THREATS 29: exact matching, one-time nonces bound to client, URL and method; Authorization replaced', async ({
  page,
}) => {
  await open(page);
  await login(page);
  const A = h.app.origin;
  const B = h.attacker.origin;
  const table = hostileUrls(A, B, h.app.port, h.attacker.port);
  const r = await page.evaluate(async (rows) => {
    const c = navigator.serviceWorker.controller!;
    const nonceFor = (url: string, method = 'GET') =>
      new Promise<string>((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => resolve(e.data.nonce);
        c.postMessage({ sealedSession: 1, op: 'nonce', url: new URL(url, location.href).href, method }, [
          ch.port2,
        ]);
      });
    const settle = (p: Promise<Response>) =>
      p.then(
        (res) => `resolved ${res.status}`,
        (e) => `${e.name} ${e.code ?? ''}`.trim(),
      );
    const out: Record<string, string> = {};
    for (const [label, url] of rows) out[label] = await settle(tw.fetch(url));
    // THREATS 38: refusals name the check, never the URL.
    out.message = await tw.fetch(`${rows[0]![1]}?q=secret-query`).then(
      () => 'resolved',
      (e) => `${e.message}|${e.stack}`,
    );
    out.method = await settle(tw.fetch('/api/data', { method: 'DELETE' }));
    // A page-supplied Authorization is replaced, not appended.
    out.replaced = await settle(
      tw.fetch('/api/replaced', { headers: { Authorization: 'Bearer tok_page_supplied' } }),
    );
    const H = 'x-sealed-session-nonce';
    // Nonce for one URL used on another, or with another method.
    const n1 = await nonceFor('/api/n1');
    out.otherUrl = await settle(fetch('/api/n1-other', { headers: { [H]: n1 }, redirect: 'manual' }));
    const n2 = await nonceFor('/api/n2');
    out.otherMethod = await settle(
      fetch('/api/n2', { method: 'POST', headers: { [H]: n2 }, redirect: 'manual' }),
    );
    // Replay: the first use works, the second is refused.
    const n3 = await nonceFor('/api/n3');
    out.first = await settle(fetch('/api/n3', { headers: { [H]: n3 }, redirect: 'manual' }));
    out.replay = await settle(fetch('/api/n3', { headers: { [H]: n3 }, redirect: 'manual' }));
    // Right id, wrong secret.
    const n4 = await nonceFor('/api/n4');
    const [id] = n4.split('.');
    out.badSecret = await settle(
      fetch('/api/n4', { headers: { [H]: `${id}.${'0'.repeat(32)}` }, redirect: 'manual' }),
    );
    // A nonce issued to this page, used by another client (a same-origin frame).
    const n5 = await nonceFor('/api/n5');
    const f = document.createElement('iframe');
    f.src = '/pages/worker/blank.html';
    document.body.append(f);
    await new Promise((res) => f.addEventListener('load', res, { once: true }));
    const fw = f.contentWindow as Window & typeof globalThis;
    out.frameControlled = String(fw.navigator.serviceWorker.controller !== null);
    out.otherClient = await settle(fw.fetch('/api/n5', { headers: { [H]: n5 }, redirect: 'manual' }));
    // Nonce for an allowlisted URL used on the attacker's URL.
    const n6 = await nonceFor('/api/n6');
    out.toAttacker = await settle(fetch(`${rows[0]![1]}`, { headers: { [H]: n6 }, redirect: 'manual' }));
    return out;
  }, table);
  for (const [label] of table)
    expect(r[label], label).toMatch(/^(WorkerError ERR_WORKER_NOT_ALLOWED|TypeError)$/);
  expect(r.method).toBe('WorkerError ERR_WORKER_NOT_ALLOWED');
  expect(r.message).toContain('refused by the allowlist');
  expect(r.message).not.toContain('secret-query');
  expect(r.message).not.toContain(h.attacker.origin);
  expect(r.replaced).toBe('resolved 200');
  expect(calls('/api/replaced')[0]!.authorization).toBe(`Bearer ${h.token}`);
  expect(r.otherUrl).toBe('TypeError');
  expect(r.otherMethod).toBe('TypeError');
  expect(r.first).toBe('resolved 200');
  expect(r.replay).toBe('TypeError');
  expect(r.badSecret).toBe('TypeError');
  expect(r.frameControlled).toBe('true');
  expect(r.otherClient).toBe('TypeError');
  expect(r.toAttacker).toBe('TypeError');
  expect(calls('/api/n3')).toHaveLength(1);
  for (const p of ['/api/n1-other', '/api/n2', '/api/n4', '/api/n5']) expect(calls(p), p).toEqual([]);
  expect(h.attackerLog).toEqual([]);
  await expectNoLeak(page, r);
});

test('THREATS 24 (worker): authenticated redirects are not followed', async ({ page }) => {
  await open(page);
  await login(page);
  const r = await page.evaluate(async () => {
    const a = await tw.fetch('/api/redirect-out');
    const b = await tw.fetch('/api/redirect-same');
    return [a.type, b.type];
  });
  expect(r).toEqual(['opaqueredirect', 'opaqueredirect']);
  await settled(h, page);
  expect(h.attackerLog).toEqual([]);
  expect(h.appLog.filter((s) => s.path.startsWith('/admin'))).toEqual([]);
  await expectNoLeak(page, r);
});

test('THREATS 30: a stopped worker loses the token and must log in again (no persistence)', async ({
  page,
  context,
  browserName,
}) => {
  test.skip(
    browserName === 'firefox',
    'stops the service worker through the Chrome DevTools Protocol (ServiceWorker.stopAllWorkers): Firefox, driven over WebDriver BiDi, offers no way to stop a service worker from the test',
  );
  await open(page);
  await login(page);
  expect(await page.evaluate(() => tw.fetch('/api/one').then((r) => r.status))).toBe(200);
  const cdp = await context.newCDPSession(page);
  await stopWorkers(cdp);
  const afterStop = await page.evaluate(() =>
    tw.fetch('/api/two').then(
      (r) => `resolved ${r.status}`,
      (e) => e.code,
    ),
  );
  expect(afterStop).toBe('ERR_WORKER_NOT_AUTHENTICATED');
  expect(calls('/api/two')).toEqual([]);
  // Nothing a page could read holds the token.
  await expectNoLeak(page);
  await login(page);
  expect(await page.evaluate(() => tw.fetch('/api/three').then((r) => r.status))).toBe(200);
  expect(calls('/api/three')[0]!.authorization).toBe(`Bearer ${h.token}`);
  expect(h.logins).toBe(2);
  await cdp.detach();
});

test('THREATS 30: with a refresh endpoint the restarted worker re-acquires by itself', async ({
  page,
  context,
  browserName,
}) => {
  test.skip(
    browserName === 'firefox',
    'stops the service worker through the Chrome DevTools Protocol (ServiceWorker.stopAllWorkers): Firefox, driven over WebDriver BiDi, offers no way to stop a service worker from the test',
  );
  await open(page, '?refresh=1');
  await login(page);
  const cdp = await context.newCDPSession(page);
  await stopWorkers(cdp);
  const s = await page.evaluate(() =>
    tw.fetch('/api/after-restart').then(
      (r) => r.status,
      (e) => e.code,
    ),
  );
  expect(s).toBe(200);
  expect(h.refreshes).toBe(1);
  expect(h.logins).toBe(1);
  expect(calls('/api/after-restart')[0]!.authorization).toBe(`Bearer ${h.token}`);
  // The refresh credential is an HttpOnly cookie: invisible to page scripts.
  expect(await page.evaluate(() => document.cookie)).not.toContain('rt=');
  await expectNoLeak(page);
  await cdp.detach();
});

test('THREATS 45: hooks planted in the worker after the module loaded never see the token', async ({
  page,
}) => {
  await open(page, '?sw=hooked');
  await login(page);
  const status = await page.evaluate(async () => {
    const a = await tw.fetch('/api/hooked');
    const b = await tw.fetch('/api/hooked-post', { method: 'POST', body: 'x', headers: { 'x-a': '1' } });
    return [a.status, b.status];
  });
  expect(status).toEqual([200, 200]);
  expect(calls('/api/hooked').map((s) => s.authorization)).toEqual([`Bearer ${h.token}`]);
  // A message round trip after the traffic: the worker's hooks report what they saw.
  const report = await page.evaluate(
    () =>
      new Promise<{ loot: string[]; hooks: number }>((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => resolve(e.data);
        navigator.serviceWorker.controller!.postMessage({ __capture: 'report' }, [ch.port2]);
      }),
  );
  expect(report.hooks).toBeGreaterThan(400);
  expect(report.loot.filter((l) => l.endsWith(': marker 1')).length).toBeGreaterThan(0); // the hooks detect
  expect(report.loot.filter((l) => l.endsWith(': marker 0'))).toEqual([]);
});
