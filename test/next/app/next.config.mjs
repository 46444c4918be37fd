// The test app. `sealed-session/*` resolves to bundles of this repository's sources, built by
// test/next/next-app.test.ts into .sealed/ (an application would resolve the installed package).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
export default {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // The app's own types are checked against real Next types by tsc -p test/next/app (see docs/next.md).
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ['sodium-native'],
  turbopack: {
    root: join(here, '..', '..', '..'),
    resolveAlias: {
      'sealed-session/iron': './.sealed/iron.mjs',
      'sealed-session/web': './.sealed/web.mjs',
    },
  },
};
