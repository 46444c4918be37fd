// THREATS 45 for the keystore, as an attack in real Chromium: capture hooks on a wide list of
// built-ins, installed after the module loaded (test/browser/support/capture.ts), watch set, get,
// persist(), the trusted pagehide of a real reload, and the restore in the next page life. No hook
// may ever be handed a stored value. The assertions run after definite events: the page's result
// object exists once set/get/persist returned, and the restore is complete when the next page's
// result reports the values back (compared with === in the page, never handed to a built-in).
import { randomBytes } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { serveCapture } from '../support/capture.js';
import { serveSecret, startServer, type TestServer } from '../support/server.js';

let app: TestServer;
let secret = '';

test.beforeAll(async () => {
  const s = serveSecret(() => secret);
  app = await startServer(async (req, res, url) => (await serveCapture(req, res, url)) || s(req, res, url));
});
test.afterAll(async () => {
  await app.close();
});

interface Result {
  restore: boolean;
  previous: string | null;
  hooks: number;
  checks: boolean[];
}

async function result(page: Page): Promise<{ result: Result; loot: string[] }> {
  await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  const r = JSON.parse((await page.locator('#out').textContent()) ?? '') as Result & { loot: string[] };
  return { result: r, loot: r.loot };
}

const secretSeen = (loot: string[]) => loot.filter((l) => l.endsWith(': marker 0'));
const canarySeen = (loot: string[]) => loot.filter((l) => l.endsWith(': marker 1'));

test('no hooked built-in sees a value at set, get, persist, pagehide or restore', async ({ page }) => {
  secret = `sk_${randomBytes(16).toString('hex')}`;
  await page.goto(`${app.origin}/pages/keystore/hooked.html`);
  const first = await result(page);
  expect(first.result.restore).toBe(false);
  expect(first.result.hooks).toBeGreaterThan(500);
  expect(first.result.checks).toEqual([true, true, true, true]);
  expect(canarySeen(first.loot).length).toBeGreaterThan(0); // the hooks detect
  expect(secretSeen(first.loot)).toEqual([]);

  await page.reload(); // trusted pagehide: the store seals under the hooks of the first life
  const second = await result(page);
  expect(second.result.restore).toBe(true);
  expect(second.result.checks).toEqual([true, true, true]);
  const previous = (second.result.previous ?? '').split('\n').filter(Boolean);
  // The first life's hooks were live during its pagehide (the canary listener runs after the store's).
  expect(canarySeen(previous).length).toBeGreaterThan(canarySeen(first.loot).length);
  expect(secretSeen(previous)).toEqual([]);
  expect(canarySeen(second.loot).length).toBeGreaterThan(0);
  expect(secretSeen(second.loot)).toEqual([]);
});
