import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { entries } from './scripts/entries.ts';

// `sealed-session/<module>` resolves to the sources, so README examples run as users write them.
const src = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const alias = Object.entries(entries)
  .filter(([name]) => name !== 'cli' && name !== 'index.node')
  .map(([name, file]) => ({
    find: name === 'index' ? /^sealed-session$/ : new RegExp(`^sealed-session/${name.replace('-', '/')}$`),
    replacement: src(file),
  }));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
