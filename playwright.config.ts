import { defineConfig } from '@playwright/test';

import { chromiumLaunch } from './scripts/chromium.mjs';
import { firefoxLaunch } from './scripts/firefox.mjs';

// Every browser suite runs in Debian's chromium and in Debian's firefox-esr (driven over WebDriver
// BiDi through scripts/firefox.mjs). What differs between the two: docs/runtimes.md.
export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  use: { headless: true },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', launchOptions: chromiumLaunch } },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        channel: firefoxLaunch.channel,
        launchOptions: {
          executablePath: firefoxLaunch.executablePath,
          firefoxUserPrefs: firefoxLaunch.firefoxUserPrefs,
        },
      },
    },
  ],
});
