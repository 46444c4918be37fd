// Drop-in check: the test suite that @fastify/secure-session 8.4 ships (node_modules/@fastify/
// secure-session/test/*.test.js, node:test) run against sealed-session/fastify instead of the
// original. The plugin is bundled with esbuild into a temporary folder holding `index.js`, so that
// the suite's `require('../')` loads ours. Every test passes, the two that compare the original's
// error messages word for word included.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const suite = join(dirname(require.resolve('@fastify/secure-session/package.json')), 'test');
const work = mkdtempSync(join(tmpdir(), 'sealed-session-compat-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the original @fastify/secure-session test suite passes against our plugin', async () => {
  await build({
    entryPoints: [join(root, 'src/fastify/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(work, 'dist.mjs'),
    external: ['sodium-native', '@fastify/cookie', 'fastify'],
    logLevel: 'silent',
  });
  // require(esm) on Node >= 20.19 returns the `module.exports` export: the plugin function.
  writeFileSync(join(work, 'index.js'), "module.exports = require('./dist.mjs');\n");
  writeFileSync(join(work, 'package.json'), '{ "name": "compat", "private": true }\n');
  cpSync(suite, join(work, 'test'), { recursive: true });
  // Every file runs, anti-reuse.test.js (expiry under fake timers) included: @sinonjs/fake-timers is a
  // dev dependency for it.
  const files = readdirSync(join(work, 'test')).filter((f) => f.endsWith('.test.js'));
  expect(files.length).toBe(22);

  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files.map((f) => join('test', f))],
      {
        cwd: work,
        env: { ...process.env, NODE_PATH: join(root, 'node_modules'), NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });

  const failed = [...output.matchAll(/^not ok \d+ - (.+)$/gm)].map((m) => m[1]!.trim());
  const passed = [...output.matchAll(/^ok \d+ - (.+)$/gm)].length;
  expect(failed, output.slice(-3000)).toEqual([]);
  // @fastify/secure-session 8.4.0 (pinned): 22 files, 49 tests, all pass.
  expect(passed).toBe(49);
}, 300_000);
