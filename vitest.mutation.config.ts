import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The Node suite as StrykerJS runs it (`npm run mutate`, see stryker.config.mjs): every test that
// exercises the mutated code in this process. Left out: tests that only read files or compile
// types (README, TSDoc, exports, type-level), and tests that run the code in another process or
// runtime (the CLI, Bun/Deno/workerd, a Next.js build and app (test/next), a Redis server, upstream suites spawned as
// child processes), where a mutant of the sandbox's sources is not active. docs/mutation.md says so.
//
// `MUTATE_TESTS=a.test.ts,b.test.ts npm run mutate -- <files>` restricts the run to those test files
// (fast in-process unit files): Stryker's Vitest runner finds the related tests among `include`, so
// no other file runs. Fewer tests can only kill fewer mutants: such a score is a lower bound.
const only = (process.env.MUTATE_TESTS ?? '')
  .split(',')
  .map((file) => file.trim())
  .filter((file) => file !== '');

const config = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/browser/**',
        'node_modules/**',
        'test/readme.test.ts',
        'test/tsdoc.test.ts',
        'test/exports.test.ts',
        'test/cli.test.ts',
        'test/types/**',
        'test/**/*types.test.ts',
        'test/adapters/fastify-compat.test.ts',
        'test/adapters/next.test.ts',
        'test/next/**',
        'test/adapters/web-runtime.test.ts',
        'test/runtimes/**',
        'test/redis/**',
      ],
    },
  }),
);
// mergeConfig concatenates arrays, so the restriction replaces `include` after the merge.
if (only.length > 0 && config.test) config.test.include = only;

export default config;
