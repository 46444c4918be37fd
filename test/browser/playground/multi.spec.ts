// The playground's "many instances" page (/multi/), in a real browser: log in on instance A (the
// playground), both A and B (a second Node process, its own Redis connections and local view)
// accept the cookie; "log out everywhere" on A makes B refuse the very same cookie. Without
// redis-server the page says what is missing and its buttons are off (the playground still runs).
import { expect, test } from '@playwright/test';
import { type Playground, startPlayground } from '../../../playground/server.mjs';

let pg: Playground;
test.beforeAll(async () => {
  pg = await startPlayground({ port: 0, quiet: true, strict: true });
});
test.afterAll(async () => {
  await pg?.close();
});

test('log out everywhere on A reaches instance B (a second process), for the same cookie', async ({
  page,
}) => {
  const { available, reason } = await pg.multi.ensure();
  expect(available, reason).toBe(true);
  await page.goto(`${pg.url}/multi/`);
  await page.fill('#user', 'carol');
  await page.click('#btn-login');
  await expect(page.locator('#who-a')).toHaveAttribute('data-user', 'carol');
  await expect(page.locator('#who-b')).toHaveAttribute('data-user', 'carol');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'pg_multi');
  expect(cookie, 'the session cookie').toBeDefined();

  await page.click('#btn-everywhere');
  await expect(page.locator('#reach')).toHaveAttribute('data-ms', /^\d+$/);
  await expect(page.locator('#who-b')).toHaveAttribute('data-user', '');
  await expect(page.locator('#who-a')).toHaveAttribute('data-user', '');
  // The browser still holds and sends the same cookie: B refused it, it was not just deleted.
  const after = (await page.context().cookies()).find((c) => c.name === 'pg_multi');
  expect(after?.value).toBe(cookie?.value);
  const ms = Number(await page.locator('#reach').getAttribute('data-ms'));
  expect(ms).toBeLessThan(1000);

  // Logging in again (a session issued after the revocation) works on both.
  await page.click('#btn-login');
  await expect(page.locator('#who-b')).toHaveAttribute('data-user', 'carol');
});

test('without redis-server the page says what is missing and the rest still works', async ({ page }) => {
  const saved = process.env.REDIS_SERVER;
  process.env.REDIS_SERVER = '/nonexistent/redis-server';
  let other: Playground | undefined;
  try {
    other = await startPlayground({ port: 0, quiet: true, strict: true });
    await page.goto(`${other.url}/multi/`);
    await expect(page.locator('#unavailable')).toContainText('redis-server is not installed');
    await expect(page.locator('#btn-everywhere')).toBeDisabled();
    const home = await page.goto(`${other.url}/`);
    expect(home?.status()).toBe(200);
  } finally {
    if (saved === undefined) delete process.env.REDIS_SERVER;
    else process.env.REDIS_SERVER = saved;
    await other?.close();
  }
});
