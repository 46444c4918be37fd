// How every Playwright user in this repository launches Chromium: Debian's package (Playwright
// cannot download its own browser on these machines) with the flags known to work as root on a
// closed network. Plain JS so that Node 20 scripts (benches, the screenshot) and the TypeScript
// Playwright config share one definition.
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};
