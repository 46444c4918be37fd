import { defineConfig } from 'tsdown';
import { entries } from './scripts/entries.ts';

export default defineConfig({
  entry: entries,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  sourcemap: false,
  clean: true,
  outDir: 'dist',
  deps: {
    neverBundle: [
      /^node:/,
      /^@noble\//,
      'cookie',
      'fastify-plugin',
      'fastify',
      'hono',
      'sodium-native',
      'iron-webcrypto',
    ],
  },
});
