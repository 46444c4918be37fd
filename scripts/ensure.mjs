// Set-up shared by `npm test` and `npm start`: installs what a fresh clone lacks, or says exactly
// what is missing and how to get it. Idempotent and quiet when everything is already there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** Runs a command with its output captured; prints the output only when it fails. */
function quiet(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  }
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** npm packages: `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[setup] installing npm packages (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  // Known-harmless noise on Node 20: cookie@2.0.2 (pulled in by the test-only dev dependencies
  // @fastify/cookie and fastify's light-my-request) declares `engines.node >= 22`, which npm flags as
  // EBADENGINE; it runs on Node 20 in the tests, and the library does not depend on it. Shown as one
  // explained line instead. npm 11's "install scripts not yet covered by allowScripts" advisory is
  // answered in package.json#allowScripts (bun, deno, esbuild, workerd: their postinstall places
  // their binary), so it is not filtered here.
  const noise = /EBADENGINE|Unknown user config "nodedir"|^npm warn (\s|$)/;
  const ebadengine = lines.some((l) => /EBADENGINE/.test(l));
  for (const l of lines) if (r.status !== 0 || !noise.test(l)) console.log(l);
  if (ebadengine)
    console.log(
      '[setup] note: EBADENGINE warnings come from test-only dev dependencies (cookie@2.0.2 via fastify/@fastify/cookie); harmless on Node 20',
    );
  if (r.status !== 0) throw new Error(`npm ci exited with ${r.status}`);
}

/** Debian packages the tests need: chromium and firefox-esr (browser tests), redis-server (Redis tests). */
export const SYSTEM_PACKAGES = ['chromium', 'firefox-esr', 'redis-server'];

export function ensureSystemPackages(names = SYSTEM_PACKAGES) {
  const missing = names.filter((n) => !has(n));
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && has('apt-get')) {
    console.log(`[setup] installing Debian packages: ${missing.join(' ')}…`);
    // apt prints pages even with -qq; keep them out of the test output unless it fails.
    quiet('apt-get', ['update', '-qq']);
    quiet('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const still = missing.filter((n) => !has(n));
    if (still.length) throw new Error(`apt-get installed but still missing: ${still.join(', ')}`);
    return;
  }
  throw new Error(
    `missing system packages: ${missing.join(', ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}` +
      ' (or set CHROMIUM_PATH / FIREFOX_PATH, put redis-server on PATH)',
  );
}

/** Build dist/ (the browser tests and the playground load the built modules). */
export function build() {
  run('npx', ['tsdown', '--log-level', 'warn']);
}

export function ensureAll({ system } = { system: SYSTEM_PACKAGES }) {
  ensureNodeModules();
  ensureSystemPackages(system);
  build();
}

export { execFileSync, root, run };
