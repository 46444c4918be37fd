// The runtime matrix in workerd (npm `workerd`, the Cloudflare Workers runtime): a module Worker
// bundled by esbuild as wrangler does. `sealed-session` resolves to the portable entry (no
// useNativeBackend, @noble/ciphers as the AEAD) and the bundle holds no Node built-in.
import { beforeAll, expect, it } from 'vitest';
import { bundleWorker, runtimeSuite, startWorkerd } from './driver.js';

let code = '';
beforeAll(async () => {
  code = await bundleWorker();
});

it('workerd: the Worker bundle has no node: import, no require() and no sodium-native', () => {
  expect(code).not.toMatch(/\bfrom\s*["']node:|\bimport\(\s*["']node:/);
  expect(code).not.toMatch(/\brequire\(/);
  expect(code).not.toMatch(/(require\(|from|import\()\s*["']sodium-native/);
});

runtimeSuite('workerd', (env) => startWorkerd(env, code), { nodeEntry: false, native: null });
