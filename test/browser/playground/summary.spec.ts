// The summary matrix, filled live: click "Run every check", let the lab window drive every
// strategy page, and compare each cell with what the strategy promises.
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

test('the summary matrix is filled live and matches every strategy’s promises', async ({ page, context }) => {
  test.setTimeout(400_000);
  await page.goto(`${pg.url}/summary`);
  const cells = page.locator('#matrix td');
  await expect(cells.first()).toBeVisible();
  // Before a run, nothing is claimed.
  expect(await page.locator('#matrix td[data-value]').count()).toBe(0);

  const [lab] = await Promise.all([context.waitForEvent('page'), page.click('#btn-run')]);
  // A new page starts at about:blank; its URL is the lab's once it has navigated.
  await expect(lab).toHaveURL(/\/s\//);
  await expect(page.locator('body')).toHaveAttribute('data-run', /done|failed/, { timeout: 380_000 });
  expect(await page.locator('body').getAttribute('data-run')).toBe('done');

  const yn = (b: boolean) => (b ? 'yes' : 'no');
  for (const s of strategies) {
    const row = page.locator(`#matrix tr[data-strategy="${s.id}"]`);
    const cell = (col: string) => row.locator(`td[data-col="${col}"]`);
    expect(pg.availability.get(s.id)?.available, `${s.id} must build and load`).toBe(true);
    const exp = expected[s.id]!;
    const got = {
      works: await cell('works').getAttribute('data-value'),
      reload: await cell('reload').getAttribute('data-value'),
      newtab: await cell('newtab').getAttribute('data-value'),
      readable: await cell('readable').getAttribute('data-value'),
      usable: await cell('usable').getAttribute('data-value'),
      autosent: await cell('autosent').getAttribute('data-value'),
    };
    expect(got, s.id).toEqual({
      works: 'yes',
      reload: yn(exp.reload),
      newtab: yn(exp.newtab),
      readable: yn(exp.readable),
      usable: yn(exp.usable),
      autosent: yn(exp.autoSent),
    });
  }
});
