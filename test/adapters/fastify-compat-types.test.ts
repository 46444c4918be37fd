// Drop-in check of the types: the type test that @fastify/secure-session 8.4 ships
// (node_modules/@fastify/secure-session/types/index.tst.ts, 16 TSTyche assertions) run against
// sealed-session/fastify's types. It is copied at run time into a temporary folder whose
// `types/index.d.ts` re-exports our source, so that its `import … from '.'` and its
// `declare module '..'` reach our plugin and our SessionData; nothing of it lives in this repository.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const original = join(dirname(require.resolve('@fastify/secure-session/package.json')), 'types');
const work = mkdtempSync(join(tmpdir(), 'sealed-session-compat-types-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the original @fastify/secure-session types test passes against our types (16/16)', async () => {
  mkdirSync(join(work, 'types'));
  copyFileSync(join(original, 'index.tst.ts'), join(work, 'types', 'index.tst.ts'));
  const source = JSON.stringify(join(root, 'src', 'fastify', 'index.ts'));
  writeFileSync(
    join(work, 'types', 'index.d.ts'),
    `export * from ${source};\nexport { default } from ${source};\n`,
  );
  writeFileSync(
    join(work, 'package.json'),
    '{ "name": "compat-types", "private": true, "types": "types/index.d.ts" }\n',
  );
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        skipLibCheck: true,
        noEmit: true,
        allowImportingTsExtensions: true,
      },
      include: ['types'],
    }),
  );
  // One fastify, one typescript, one tstyche: the project's own (so `declare module 'fastify'` in
  // the test and in our source merge into the same interfaces).
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');

  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'tstyche', 'build', 'bin.js')], {
      cwd: work,
      // The installed TypeScript only: never download one (TSTyche's store goes to the temp folder).
      env: { ...process.env, NO_COLOR: '1', TSTYCHE_STORE_PATH: join(work, '.store'), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

  expect(output).toContain('uses TypeScript 6.');
  expect(output.match(/Assertions:.*$/m)?.[0], output.slice(-3000)).toBe('Assertions: 16 passed, 16 total');
}, 300_000);
