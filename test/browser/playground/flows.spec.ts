// Each strategy page end to end in real Chromium: log in → authenticated request → reload →
// new tab → log out, with the server's reply deciding every step.
import { expect, test } from '@playwright/test';
import { type Playground, startPlayground, strategies } from '../../../playground/server.mjs';
import { expected } from './expectations.js';

let pg: Playground;
test.beforeAll(async () => {
  pg = await startPlayground({ port: 0, quiet: true, strict: true });
});
test.afterAll(async () => {
  await pg?.close();
});

for (const s of strategies) {
  test(`${s.n}. ${s.id}: log in → request → reload → new tab → log out`, async ({ page, context }) => {
    expect(pg.availability.get(s.id), `${s.module} must build and load`).toEqual({
      available: true,
      reason: '',
    });
    const exp = expected[s.id]!;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const status = page.locator('#status');

    await page.goto(`${pg.url}/s/${s.id}/`);
    await expect(status).toHaveAttribute('data-state', 'no');

    await page.locator('#user').fill('alice');
    await page.click('#btn-login');
    await expect(status).toHaveAttribute('data-state', 'ok');
    await expect(status).toContainText('authenticated as alice');

    await page.click('#btn-request');
    const latest = page.locator('#events tbody tr').first();
    await expect(latest).toContainText(`GET /api/${s.id}/me (page)`);
    await expect(latest).toContainText('authenticated as alice');
    // The log describes the credential; it never shows one.
    expect(await page.locator('#events').textContent()).not.toMatch(/ptk_[A-Za-z0-9_-]{43}/);

    await page.click('#btn-reload');
    await page.waitForLoadState('load');
    await expect(status).toHaveAttribute('data-state', exp.reload ? 'ok' : 'no');
    if (!exp.reload) {
      await page.click('#btn-login');
      await expect(status).toHaveAttribute('data-state', 'ok');
    }

    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('#btn-newtab')]);
    await tab.waitForLoadState('load');
    await expect(tab.locator('#mode-banner')).toContainText('new tab');
    await expect(tab.locator('#status')).toHaveAttribute('data-state', exp.newtab ? 'ok' : 'no');

    await page.click('#btn-logout');
    await expect(status).toHaveAttribute('data-state', 'no');
    await expect(status).toContainText('Not logged in');

    // Logged out everywhere: the other tab's next request is refused, and so is a reload here.
    await tab.click('#btn-request');
    await expect(tab.locator('#status')).toHaveAttribute('data-state', 'no');
    await page.reload();
    await expect(status).toHaveAttribute('data-state', 'no');
    expect(errors).toEqual([]);
  });
}
