// `npm test`: everything, from a fresh clone. Installs what is missing, builds, type-checks,
// lints, runs the Node suite (Vitest) and the real-browser suite (Playwright + Debian chromium),
// then prints one plain closing line `N passed, N failed` that any CI can read.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAll, root } from './ensure.mjs';

const reports = join(root, '.reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  return r.status === 0;
}

try {
  ensureAll();
} catch (err) {
  console.error(`[setup] ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Static checks count as one test each: a type error or a lint error fails the run.
for (const [name, cmd, args] of [
  ['typecheck (library, isolatedDeclarations)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['typecheck (tests, benches, scripts)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.test.json']],
  ['lint', 'npx', ['biome', 'check', '.']],
]) {
  if (step(name, cmd, args)) passed++;
  else failed++;
}

const vitestJson = join(reports, 'vitest.json');
const vitestOk = step('node tests (vitest)', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
try {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + v.numTodoTests;
  // A suite that failed to load has no failed test but must still fail the run.
  if (!vitestOk && v.numFailedTests === 0) failed++;
} catch {
  failed++;
}

const pwJson = join(reports, 'playwright.json');
const pwOk = step(
  'browser tests (playwright + chromium)',
  'npx',
  ['playwright', 'test', '--reporter=list,json'],
  {
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
  },
);
try {
  const p = JSON.parse(readFileSync(pwJson, 'utf8'));
  passed += p.stats.expected + p.stats.flaky;
  failed += p.stats.unexpected;
  skipped += p.stats.skipped;
  if (!pwOk && p.stats.unexpected === 0) failed++;
} catch {
  failed++;
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
