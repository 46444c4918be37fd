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

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** npm packages: `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[setup] installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Debian packages the tests need: chromium (browser tests) and redis-server (Redis tests). */
export function ensureSystemPackages(names = ['chromium', 'redis-server']) {
  const missing = names.filter((n) => !has(n));
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && has('apt-get')) {
    console.log(`[setup] installing Debian packages: ${missing.join(' ')}…`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...missing], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return;
  }
  throw new Error(
    `missing system packages: ${missing.join(', ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}` +
      ' (or set CHROMIUM_PATH / put redis-server on PATH)',
  );
}

/** Build dist/ (the browser tests and the playground load the built modules). */
export function build() {
  run('npx', ['tsdown', '--log-level', 'warn']);
}

export function ensureAll({ system } = { system: ['chromium', 'redis-server'] }) {
  ensureNodeModules();
  ensureSystemPackages(system);
  build();
}

export { execFileSync, root, run };
