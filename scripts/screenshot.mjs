// `node scripts/screenshot.mjs`: regenerates docs/playground-summary.png from the live summary
// page — builds dist/, starts the playground on a free loopback port, runs every check in
// Chromium (the same binary and flags as the browser tests) and captures the filled matrix.
import { join } from 'node:path';
import { chromium } from 'playwright';
import { chromiumLaunch } from './chromium.mjs';
import { build, ensureNodeModules, root } from './ensure.mjs';

ensureNodeModules();
// --no-build: use the dist/ already built (or the one PLAYGROUND_DIST points at).
if (!process.argv.includes('--no-build')) build();

const { startPlayground } = await import('../playground/server.mjs');
const pg = await startPlayground({ port: 0, quiet: true });
const browser = await chromium.launch(chromiumLaunch);
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`${pg.url}/summary`);
  await page.click('#btn-run');
  await page.waitForSelector('body[data-run="done"], body[data-run="failed"]', { timeout: 600_000 });
  const outcome = await page.getAttribute('body', 'data-run');
  const out = join(root, 'docs', 'playground-summary.png');
  await page.locator('main').screenshot({ path: out });
  console.log(`wrote docs/playground-summary.png (run: ${outcome})`);
  if (outcome !== 'done') process.exitCode = 1;
} finally {
  await browser.close();
  await pg.close();
}
