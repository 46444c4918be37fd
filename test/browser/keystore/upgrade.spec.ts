// Moving from session-keystore 1.0.3, in real Chromium and Firefox, with shares written by the real
// package (node_modules/session-keystore, bundled into the page): its values are moved into the store
// once and BOTH old shares are erased (together they reveal the values); garbled, hostile or half
// old shares yield nothing and break nothing. Also the clock: @sinonjs/fake-timers installed before
// `new SessionKeystore()` drive it; installed after, neither they nor a replaced Date.now/setTimeout
// can stretch an expiry.
import { expect, type Page, test } from '@playwright/test';
import { build } from 'esbuild';
import { startServer, type TestServer } from '../support/server.js';

const OLD = 'session-keystore:auth';
const OURS = 'sealed-session/keystore:auth';
let app: TestServer;
let evil: TestServer;

const vendor = new Map<string, Promise<string>>();
/** The real npm package, bundled for the browser as is (esbuild honours its `browser` field). */
function bundleVendor(name: string, code: string, external: string[] = []): Promise<string> {
  let p = vendor.get(name);
  if (!p) {
    p = build({
      stdin: { contents: code, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
      external,
    }).then((out) => out.outputFiles[0]!.text);
    vendor.set(name, p);
  }
  return p;
}

const html = (body: string) =>
  `<!doctype html><meta charset="utf-8"><body><script type="module">${body}</script></body>`;

// The page before the upgrade: the application on session-keystore 1.0.3. `?hold=1` registers,
// before the store exists, an unload listener that stops the store's own unload persist, so that
// the shares are exactly those its explicit persist() wrote (Chromium would otherwise overwrite the
// sessionStorage half at unload while dropping the window.name half: a mismatched pair).
const OLD_PAGE = html(`
  import SessionKeystore from '/vendor/session-keystore.js';
  const q = new URLSearchParams(location.search);
  if (q.has('hold')) addEventListener('unload', (e) => e.stopImmediatePropagation());
  const store = new SessionKeystore({ name: 'auth' });
  window.old = {
    set: (k, v, e) => store.set(k, v, e),
    get: (k) => store.get(k),
    persist: () => store.persist(),
  };
  document.body.dataset.ready = '1';
`);

// The page after the upgrade: the same application on sealed-session/keystore.
const NEW_PAGE = html(`
  import { SessionKeystore } from '/mod/keystore.js';
  const events = [];
  const store = new SessionKeystore({ name: 'auth' });
  for (const ev of ['restore-failed', 'expired']) store.on(ev, (p) => events.push(ev + ':' + (p.reason ?? p.name)));
  window.app = {
    get: (k) => store.get(k),
    set: (k, v, e) => store.set(k, v, e),
    expiresAt: (k) => store.expiresAt(k),
    events: () => events.join(','),
  };
  await null; // restore events are microtasks queued by the constructor
  document.body.dataset.ready = '1';
`);

// Fake timers (the real @sinonjs/fake-timers) installed before construction drive the store; a
// second store built on the real clock ignores fakes installed after it.
const CLOCK_PAGE = html(`
  import FakeTimers from '/vendor/fake-timers.js';
  import { SessionKeystore } from '/mod/keystore.js';
  const out = {};
  // 1. Installed before construction, at a date in the past: the store follows the fake clock.
  let clock = FakeTimers.install({ now: Date.UTC(2020, 0, 1) });
  const faked = new SessionKeystore({ name: 'faked', reloadSurvival: false });
  const expired = [];
  faked.on('expired', ({ name }) => expired.push(name));
  faked.set('k', 'v', Date.now() + 1000);
  out.fakeNow = Date.now();
  out.before = faked.get('k');
  clock.tick(999);
  out.at999 = [faked.get('k'), expired.join()];
  clock.tick(1);
  out.at1000 = [faked.get('k'), expired.join()];
  clock.uninstall();
  // 2. Built on the real clock; then page code installs fakes frozen an hour in the past, and
  //    replaces Date.now and setTimeout on top of them: the expiry still happens on time.
  const real = new SessionKeystore({ name: 'real', reloadSurvival: false });
  real.set('short', 'v', Date.now() + 300);
  real.set('long', 'v', Date.now() + 3600000);
  const due = Date.now() + 300;
  out.realExpired = new Promise((resolve) => real.on('expired', ({ name }) => resolve(name)));
  clock = FakeTimers.install({ now: Date.now() - 3600000, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const frozen = Date.now();
  Date.now = () => frozen;
  window.setTimeout = () => 0;
  out.realExpired = await out.realExpired;
  out.lateEnough = performance.timeOrigin + performance.now() >= due - 5;
  out.afterExpiry = [real.get('short'), real.has('long'), real.get('short', frozen)];
  clock.tick(2 * 3600000);
  out.afterTicks = real.has('long');
  document.getElementById('out')?.remove();
  const pre = document.createElement('pre');
  pre.id = 'out';
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
  document.body.dataset.ready = '1';
`);

test.beforeAll(async () => {
  const pages: Record<string, string> = {
    '/old.html': OLD_PAGE,
    '/new.html': NEW_PAGE,
    '/clock.html': CLOCK_PAGE,
  };
  app = await startServer(async (_req, res, url) => {
    let body: string | undefined;
    let type = 'text/html; charset=utf-8';
    if (url.pathname === '/vendor/session-keystore.js') {
      body = await bundleVendor('sk', "export { default } from 'session-keystore';");
      type = 'text/javascript; charset=utf-8';
    } else if (url.pathname === '/vendor/fake-timers.js') {
      // `util` is required only under Node (`process` defined): left out of the browser bundle.
      body = await bundleVendor('ft', "import F from '@sinonjs/fake-timers'; export default F;", ['util']);
      type = 'text/javascript; charset=utf-8';
    } else body = pages[url.pathname];
    if (body === undefined) return false;
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
    return true;
  });
  evil = await startServer(async (_req, res, url) => {
    if (url.pathname !== '/plant.html') return false;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><body data-ready="1"></body>');
    return true;
  });
});
test.afterAll(async () => {
  await app.close();
  await evil.close();
});

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
}

type Win = {
  old: Record<string, (...a: unknown[]) => unknown>;
  app: Record<string, (...a: unknown[]) => unknown>;
};
/** What is left in window.name and sessionStorage, by owner. */
const leftovers = (page: Page) =>
  page.evaluate(
    ([oldKey, ours]) => {
      let name: Record<string, unknown> = {};
      try {
        name = window.name ? JSON.parse(window.name) : {};
      } catch {}
      return {
        oldName: oldKey! in name,
        oldStorage: sessionStorage.getItem(oldKey!) !== null,
        oursName: typeof name[ours!] === 'string',
        storageKeys: Object.keys(sessionStorage),
      };
    },
    [OLD, OURS],
  );
const appCall = (page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(([f, a]) => (window as unknown as Win).app[f as string]!(...(a as unknown[])), [
    fn,
    args,
  ] as const);

test.describe('moving from session-keystore 1.0.3', () => {
  test('values written by the real 1.0.3 persist() are moved over once; both old shares are erased', async ({
    page,
  }) => {
    await open(page, `${app.origin}/old.html?hold=1`);
    const exp = await page.evaluate(() => {
      const old = (window as unknown as Win).old;
      const e = Date.now() + 3_600_000;
      old.set!('token', 'tok-€-✓', e);
      old.set!('refresh', 'ref');
      old.set!('gone', 'x', Date.now() + 1); // due before the next page reads it
      old.persist!();
      return e;
    });
    const before = await leftovers(page);
    expect([before.oldName, before.oldStorage]).toEqual([true, true]); // the premise: 1.0.3 wrote both
    await open(page, `${app.origin}/new.html`);
    expect(await appCall(page, 'get', 'token')).toBe('tok-€-✓');
    expect(await appCall(page, 'expiresAt', 'token')).toBe(exp);
    expect(await appCall(page, 'get', 'refresh')).toBe('ref');
    expect(await appCall(page, 'get', 'gone')).toBeNull();
    const after = await leftovers(page);
    expect(after).toEqual({ oldName: false, oldStorage: false, oursName: true, storageKeys: [] });
    expect(await appCall(page, 'events')).not.toContain('restore-failed');

    // From now on in our sealed format: the next page life restores them from our shares alone.
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    expect(await appCall(page, 'get', 'token')).toBe('tok-€-✓');
    expect(await appCall(page, 'get', 'refresh')).toBe('ref');
    expect(await appCall(page, 'events')).not.toContain('restore-failed');
    expect((await leftovers(page)).oldName).toBe(false);
  });

  test("1.0.3's own unload persist: moved over where the browser keeps both halves (Firefox), nothing and no crash where it drops one (Chromium)", async ({
    page,
    browserName,
  }) => {
    await open(page, `${app.origin}/old.html`);
    await page.evaluate(() => (window as unknown as Win).old.set!('token', 'from-unload'));
    await open(page, `${app.origin}/new.html`); // a real navigation: 1.0.3 persists at unload
    const got = await appCall(page, 'get', 'token');
    // Firefox keeps window.name writes made at unload, Chromium drops them (docs/runtimes.md):
    // there 1.0.3 itself loses the value, and what it left is no pair.
    expect(got).toBe(browserName === 'firefox' ? 'from-unload' : null);
    const after = await leftovers(page);
    expect([after.oldName, after.oldStorage, after.storageKeys]).toEqual([false, false, []]);
    await appCall(page, 'set', 'later', 'still works');
    expect(await appCall(page, 'get', 'later')).toBe('still works');
  });

  test('garbled, hostile or half old shares yield nothing, break nothing, and are erased', async ({
    page,
  }) => {
    const b64 = (bytes: Buffer) => bytes.toString('base64url');
    // A "valid" pair: a zero pad and the text itself.
    const pair = (text: string) => ({
      name: b64(Buffer.alloc(Buffer.byteLength(text))),
      storage: b64(Buffer.from(text)),
    });
    const A = 'AAAAAAAAAAAAAAAAAAAAAAAA';
    const cases: Array<{ name?: string; storage?: string; reason: string }> = [
      { name: A, storage: `${A}AAAA`, reason: 'malformed' }, // unequal lengths
      { name: A, storage: 'BBBBBBBBBBBBBBBBBBBBBBBB', reason: 'malformed' }, // XOR is not UTF-8 JSON
      { name: '!!!!', storage: '????', reason: 'malformed' },
      { name: A, reason: 'missing-share' },
      { storage: A, reason: 'missing-share' },
      { ...pair('{"k":"v"}'), reason: 'malformed' },
      { ...pair('[["k",{"v":1,"value":{"toString":1}}]]'), reason: 'malformed' },
      {
        ...pair('[["__proto__",{"v":1,"value":"x"}],["k",{"__proto__":{"v":1,"value":"y"}}]]'),
        reason: 'malformed',
      },
    ];
    for (const c of cases) {
      await open(page, `${app.origin}/pages/keystore/blank.html`);
      await page.evaluate(
        ([key, c]) => {
          const { name, storage } = c as { name?: string; storage?: string };
          window.name = name === undefined ? '' : JSON.stringify({ [key as string]: name, keep: 'me' });
          if (storage !== undefined) sessionStorage.setItem(key as string, storage);
        },
        [OLD, c] as const,
      );
      await open(page, `${app.origin}/new.html`);
      const after = await leftovers(page);
      expect([after.oldName, after.oldStorage, after.storageKeys], JSON.stringify(c)).toEqual([
        false,
        false,
        [],
      ]);
      expect(await appCall(page, 'get', 'k')).toBeNull();
      expect(await appCall(page, 'get', '__proto__')).toBeNull();
      expect(await appCall(page, 'events')).toContain(`restore-failed:${c.reason}`);
      expect(await page.evaluate(() => ({}) as Record<string, unknown>)).toEqual({});
      if (c.name !== undefined) expect(JSON.parse(await page.evaluate(() => window.name)).keep).toBe('me');
      await page.evaluate(() => sessionStorage.clear());
    }
  });

  test('another origin can plant the window.name half, never the sessionStorage one: nothing is injected', async ({
    page,
  }) => {
    // A real 1.0.3 half left in sessionStorage (its window.name half lost, as in Chromium) ...
    await open(page, `${app.origin}/old.html?hold=1`);
    const length = await page.evaluate((key) => {
      const old = (window as unknown as Win).old;
      old.set!('role', 'user');
      old.persist!();
      return sessionStorage.getItem(key)!.length;
    }, OLD);
    // ... and an attacker page in the same tab replacing window.name (with a half of the right
    // length, all zero bytes) before navigating back.
    await open(page, `${evil.origin}/plant.html`);
    await page.evaluate(
      ([key, n]) => {
        window.name = JSON.stringify({ [key as string]: 'A'.repeat(n as number) });
      },
      [OLD, length] as const,
    );
    await open(page, `${app.origin}/new.html`);
    expect(await appCall(page, 'get', 'role')).toBeNull();
    const after = await leftovers(page);
    expect([after.oldName, after.oldStorage, after.storageKeys]).toEqual([false, false, []]);
    // Chromium keeps the planted half (same site): the pair does not open. Firefox resets window.name
    // on the way back from another origin: the half is missing.
    expect(await appCall(page, 'events')).toMatch(/restore-failed:(malformed|missing-share)/);
  });
});

test('clock: fake timers installed before construction drive the store; fakes or hooks installed after cannot stretch an expiry', async ({
  page,
}) => {
  await open(page, `${app.origin}/clock.html`);
  const out = JSON.parse((await page.locator('#out').textContent()) ?? '{}');
  expect(out.fakeNow).toBe(Date.UTC(2020, 0, 1));
  expect(out.before).toBe('v');
  expect(out.at999).toEqual(['v', '']);
  expect(out.at1000).toEqual([null, 'k']);
  expect(out.realExpired).toBe('short');
  expect(out.lateEnough).toBe(true);
  expect(out.afterExpiry).toEqual([null, true, null]);
  expect(out.afterTicks).toBe(true);
});
