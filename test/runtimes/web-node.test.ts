// Which build of `sealed-session/web` each runtime gets through package.json#exports: Node (and
// Bun, Deno) the `node` condition, whose entry switches the AEAD to libsodium when sodium-native is
// installed; workerd (wrangler's conditions) the portable build. Needs `dist/` (npx tsdown).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { loadSodium } from '../../src/core/native.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The file a bundler resolves `sealed-session/web` to, with these export conditions. */
async function resolved(platform: 'node' | 'neutral', conditions: string[]): Promise<string[]> {
  const out = await build({
    stdin: { contents: "import 'sealed-session/web';", resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    platform,
    conditions,
    format: 'esm',
    logLevel: 'silent',
    external: ['node:*', 'sodium-native', '@noble/*', 'cookie', 'hono', 'iron-webcrypto'],
  });
  return Object.keys(out.metafile.inputs).filter((p) => /dist\/web(\.node)?\.js$/.test(p));
}

it('node resolves sealed-session/web to the Node build, and that build uses sodium-native', () => {
  const script = [
    "const url = import.meta.resolve('sealed-session/web');",
    "await import('sealed-session/web');",
    'console.log(JSON.stringify({ url }));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(JSON.parse(out).url).toMatch(/\/dist\/web\.node\.js$/);
});

it('bundlers: the node condition gets web.node.js; workerd/worker/browser conditions the portable web.js', async () => {
  expect(await resolved('node', [])).toEqual(['dist/web.node.js']);
  expect(await resolved('neutral', ['workerd', 'worker', 'browser'])).toEqual(['dist/web.js']);
});

it('the Node build of sealed-session/web switches the shared AEAD to libsodium when installed', async () => {
  setBackend(portableBackend);
  expect(backend().name).toBe('noble');
  await import('../../src/web/node.js');
  expect(backend().name).toBe(loadSodium() ? 'sodium-native' : 'noble');
  expect(loadSodium()).not.toBeNull(); // installed in this repository: the switch above was observed
});
