// THREATS 45 for the tab handover, as an attack in real Chromium: capture hooks on a wide list of
// built-ins (test/browser/support/capture.ts), installed in both tabs after the modules loaded,
// watch one tab answer with the session and the other store it. No hook may be handed a value.
// Assertions wait for facts: tab B is ready once its request() resolved with the answer (so tab A
// has posted it), and tab A's detections are read after a click that makes it report again.
import { randomBytes } from 'node:crypto';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
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
  role: string;
  hooks: number;
  checks: boolean[];
  loot: string[];
}

async function tab(context: BrowserContext, role: string): Promise<Page> {
  const p = await context.newPage();
  await p.goto(`${app.origin}/pages/tabs/hooked.html?role=${role}`);
  await p.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  return p;
}
const read = async (p: Page): Promise<Result> => JSON.parse((await p.locator('#out').textContent()) ?? '');
const secretSeen = (r: Result) => r.loot.filter((l) => l.endsWith(': marker 0'));
const canarySeen = (r: Result) => r.loot.filter((l) => l.endsWith(': marker 1'));

test('no hooked built-in sees a value while one tab hands its session to another', async ({ context }) => {
  secret = `sk_${randomBytes(16).toString('hex')}`;
  const a = await tab(context, 'a');
  const b = await tab(context, 'b');
  const rb = await read(b);
  expect(rb.checks).toEqual([true, true, true]); // the handover happened
  await a.locator('#report').click();
  await a.locator('body[data-reported="2"]').waitFor({ state: 'attached' });
  const ra = await read(a);
  expect(ra.checks).toEqual([true]);
  for (const r of [ra, rb]) {
    expect(r.hooks).toBeGreaterThan(500);
    expect(canarySeen(r).length).toBeGreaterThan(0);
    expect(secretSeen(r)).toEqual([]);
  }
});
