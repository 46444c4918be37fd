// `npm test`: everything, from a fresh clone. Installs what is missing, builds, type-checks,
// lints, runs the Node suite (Vitest, which also drives Bun, Deno and workerd servers from
// test/runtimes/) and the real-browser suite (Playwright: Debian chromium and firefox-esr), prints the
// counts per runtime and per browser, then one plain closing line `N passed, N failed` that any CI
// can read.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureAll, root } from './ensure.mjs';

const reports = join(root, '.reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
let skipped = 0;

/** Per runtime and per browser: { passed, failed, skipped }, printed before the closing line. */
const where = new Map();
/** Names of failed tests and checks, repeated just above the closing line so a CI tail shows them. */
const failures = [];
function count(name, outcome, title) {
  const c = where.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
  c[outcome]++;
  where.set(name, c);
  if (outcome === 'failed') failures.push(`[${name}] ${title}`);
}

/** Vitest runs on Node; test/runtimes/<bun|deno|workerd>.test.ts drive a server in that runtime. */
function runtimeOf(file) {
  const m = /[\\/]test[\\/]runtimes[\\/](bun|deno|workerd)\.test\.ts$/.exec(file);
  return m ? m[1] : 'node';
}
const VITEST_OUTCOME = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'skipped',
  todo: 'skipped',
};
const PLAYWRIGHT_OUTCOME = { expected: 'passed', flaky: 'passed', unexpected: 'failed', skipped: 'skipped' };

function* playwrightTests(suite) {
  for (const spec of suite.specs ?? []) for (const t of spec.tests ?? []) yield [spec, t];
  for (const child of suite.suites ?? []) yield* playwrightTests(child);
}

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
  else {
    failed++;
    failures.push(`[static] ${name}`);
  }
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
  if (!vitestOk && v.numFailedTests === 0) {
    failed++;
    failures.push('[node] a test file failed to load (see its error above)');
    for (const file of v.testResults ?? [])
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'))
        failures.push(`[node] ${relative(root, file.name)}: ${String(file.message ?? '').split('\n')[0]}`);
  }
  for (const file of v.testResults ?? [])
    for (const t of file.assertionResults ?? [])
      count(
        runtimeOf(file.name),
        VITEST_OUTCOME[t.status] ?? 'failed',
        `${relative(root, file.name)} > ${t.fullName}`,
      );
} catch {
  failed++;
  failures.push('[node] no Vitest report (see the output above)');
}

const pwJson = join(reports, 'playwright.json');
const pwOk = step(
  'browser tests (playwright: chromium, firefox-esr)',
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
  if (!pwOk && p.stats.unexpected === 0) {
    failed++;
    failures.push('[browser] Playwright failed outside a test (see its output above)');
  }
  for (const suite of p.suites ?? [])
    for (const [spec, t] of playwrightTests(suite))
      count(
        t.projectName || 'browser',
        PLAYWRIGHT_OUTCOME[t.status] ?? 'failed',
        `${spec.file} > ${spec.title}`,
      );
} catch {
  failed++;
  failures.push('[browser] no Playwright report (see the output above)');
}

const order = ['node', 'bun', 'deno', 'workerd', 'chromium', 'firefox'];
const names = [...where.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
console.log(
  `\nper runtime/browser: ${names
    .map((n) => {
      const c = where.get(n);
      return `${n} ${c.passed}/${c.passed + c.failed}${c.skipped ? ` (+${c.skipped} skipped)` : ''}`;
    })
    .join(', ')} (passed/run; static checks not included)`,
);
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
