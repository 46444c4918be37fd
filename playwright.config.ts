import { defineConfig } from '@playwright/test';

import { chromiumLaunch } from './scripts/chromium.mjs';

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  use: { headless: true, launchOptions: chromiumLaunch },
});
