// Figures for sealed-session/vault and sealed-session/worker:
//   - minified + gzipped size of each module's browser bundle (esbuild JS API + node:zlib), and of
//     the two halves of the worker module (service-worker side, page side) as an app would bundle
//     them separately;
//   - per-request cost in Chromium: plain fetch vs vault.fetch vs the token worker's client.fetch
//     (which adds a MessageChannel round trip for the nonce and a pass through the service worker),
//     against a loopback server answering a tiny JSON body. Rounds are interleaved.
// Run: node bench/browser-vault.mjs   (needs /usr/bin/chromium or CHROMIUM_PATH; N=requests per round)
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright';
import { chromiumLaunch } from '../scripts/chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.N ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

async function bundle(opts, minify = true) {
  const out = await build({
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
    ...opts,
  });
  return out.outputFiles[0].contents;
}
const entry = (name) => ({ entryPoints: [`${root}src/${name}/index.ts`] });
const part = (what) => ({
  stdin: { contents: `export { ${what} } from './src/worker/index.ts';`, resolveDir: root, loader: 'ts' },
});

const sizes = [
  ['`sealed-session/vault`', await bundle(entry('vault')), '<= 2 048 B'],
  ['`sealed-session/worker` (whole entry)', await bundle(entry('worker')), ''],
  ['worker, service-worker side only (`installTokenWorker`)', await bundle(part('installTokenWorker')), ''],
  ['worker, page side only (`registerTokenWorker`)', await bundle(part('registerTokenWorker')), ''],
];
console.log('| module (browser bundle, esbuild minify, gzip -9) | minified | min+gzip | target |');
console.log('|---|---:|---:|---:|');
for (const [name, bytes, target] of sizes)
  console.log(`| ${name} | ${bytes.length} B | ${gzipSync(bytes, { level: 9 }).length} B | ${target} |`);

// ---------------------------------------------------------------------------------------------
// Per-request cost in Chromium.
const mods = {
  vault: Buffer.from(await bundle(entry('vault'), false)),
  worker: Buffer.from(await bundle(entry('worker'), false)),
};
const common = `
  const time = async (f, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await (await f('/api/x')).text();
    return ((performance.now() - t0) / n) * 1000;
  };
  const sync = (f, n) => {
    const ps = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) ps.push(f('/api/x'));
    const us = ((performance.now() - t0) / n) * 1000;
    return Promise.all(ps.map((p) => p.then((r) => r.text()))).then(() => us);
  };`;
// The vault page is outside the worker's scope (/w/), so its requests never meet a service worker.
const vaultPage = `<!doctype html><meta charset="utf-8"><script type="module">
  import { createVault } from '/mod/vault.js';
  ${common}
  const vault = createVault({ allow: [{ origin: location.origin, pathPrefix: '/api', methods: ['GET', 'POST'] }] });
  await vault.login('/api/login', { body: '{}' });
  window.bench = {
    fetch: (n) => time((u) => fetch(u), n),
    vault: (n) => time((u) => vault.fetch(u), n),
    fetchSync: (n) => sync((u) => fetch(u), n),
    vaultSync: (n) => sync((u) => vault.fetch(u), n),
    // Every check runs, then the method is refused: no network, so this is the checks' own cost
    // (plus building the VaultError and a rejected promise).
    vaultRefused: async (n) => {
      const t0 = performance.now();
      for (let i = 0; i < n * 20; i++) vault.fetch('/api/x', { method: 'DELETE' }).catch(() => {});
      return ((performance.now() - t0) / (n * 20)) * 1000;
    },
  };
  document.body.dataset.ready = '1';
</script>`;
const workerPage = `<!doctype html><meta charset="utf-8"><script type="module">
  import { registerTokenWorker } from '/mod/worker.js';
  ${common}
  const tw = await registerTokenWorker('/sw.js', { scope: '/w/' });
  await tw.login('/api/login', { body: '{}' });
  window.bench = {
    fetchSw: (n) => time((u) => fetch(u), n),
    worker: (n) => time((u) => tw.fetch(u), n),
  };
  document.body.dataset.ready = '1';
</script>`;
const sw = `import { installTokenWorker } from '/mod/worker.js';
installTokenWorker(self, { allow: [{ origin: self.location.origin, pathPrefix: '/api', methods: ['GET', 'POST'] }] });`;

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const mod = /^\/mod\/(\w+)\.js$/.exec(path);
  const send = (type, body) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (mod && mods[mod[1]]) return send('text/javascript', mods[mod[1]]);
  if (path === '/v') return send('text/html', vaultPage);
  if (path === '/w/') return send('text/html', workerPage);
  if (path === '/sw.js') return send('text/javascript', sw);
  if (path === '/api/login') return send('application/json', '{"token":"tok_bench_0123456789abcdef"}');
  if (path === '/api/x') return send('application/json', '{"ok":true}');
  res.writeHead(404);
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch(chromiumLaunch);
try {
  const ctx = await browser.newContext();
  const pages = {};
  for (const [name, path] of [
    ['v', '/v'],
    ['w', '/w/'],
  ]) {
    pages[name] = await ctx.newPage();
    await pages[name].goto(`${origin}${path}`);
    await pages[name].waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 30_000 });
  }
  const kinds = [
    ['v', 'fetch', 'plain `fetch` round trip (page without service worker)'],
    ['v', 'vault', '`vault.fetch` round trip'],
    ['w', 'fetchSw', 'plain `fetch` round trip through the token worker (unmarked, passed on)'],
    ['w', 'worker', 'token worker `client.fetch` round trip (nonce message + decorated by the worker)'],
    ['v', 'fetchSync', 'plain `fetch` call, synchronous part'],
    ['v', 'vaultSync', '`vault.fetch` call, synchronous part (checks + `fetch`)'],
    ['v', 'vaultRefused', '`vault.fetch` refused after all checks (no request; includes the VaultError)'],
  ];
  const runs = Object.fromEntries(kinds.map(([, k]) => [k, []]));
  const go = (pg, k, n) => pages[pg].evaluate(([k, n]) => window.bench[k](n), [k, n]);
  for (const [pg, k] of kinds) await go(pg, k, 20);
  for (let r = 0; r < ROUNDS; r++) for (const [pg, k] of kinds) runs[k].push(await go(pg, k, N));
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const f = (us) => (us < 1000 ? `${us.toFixed(1)} µs` : `${(us / 1000).toFixed(2)} ms`);
  console.log(
    `\n${ROUNDS} interleaved rounds of ${N} sequential requests each; median and best of the round means.\n`,
  );
  console.log('| per request (loopback, tiny JSON body) | median | best round |');
  console.log('|---|---:|---:|');
  for (const [, k, label] of kinds)
    console.log(`| ${label} | ${f(med(runs[k]))} | ${f(Math.min(...runs[k]))} |`);
} finally {
  await browser.close();
  server.close();
}
