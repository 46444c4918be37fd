// Mutation testing (`npm run mutate`, not part of `npm test`): StrykerJS with the Vitest runner
// over the modules whose every branch is a security decision. Scores are recorded in
// docs/mutation.md. Run one module with `npm run mutate -- src/vault/allow.ts` (a glob works too).

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  // The Vitest runner always records coverage per test: each mutant runs only the tests that reach it.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/core/**/*.ts',
    'src/session/**/*.ts',
    // The signed verification core and wire protocol (globs: the module may be split further).
    'src/signed/core*.ts',
    'src/signed/core/**/*.ts',
    'src/signed/protocol*.ts',
    'src/signed/verify*.ts',
    // Wire format: the RFC 8941 structured-field parser and the sealed body frame.
    'src/signed/sf.ts',
    'src/signed/seal.ts',
    'src/vault/allow.ts',
  ],
  // The sandbox needs sources, tests and configs only.
  ignorePatterns: [
    'dist',
    'build-tsc',
    'bench',
    'playground',
    'test/browser',
    'test-results',
    'playwright-report',
    '.reports',
    'reports',
    'docs',
    // Sandboxes of other runs (scripts/mutate.mjs gives each run its own).
    '.stryker-tmp',
  ],
  // Two cores shared with other work: one test runner, a bounded run.
  concurrency: 1,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  // Type errors in a mutant are not "killed by a test": leave them out of the score honestly.
  checkers: [],
  disableTypeChecks: 'src/**/*.ts',
  ignoreStatic: true,
  thresholds: { high: 90, low: 85, break: null },
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
