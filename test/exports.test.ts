// Packaging consistency (as hono's build/validate-exports.ts): every public module has exactly one
// subpath export, one build entry and one source file, and nothing else is exported.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entries } from '../scripts/entries.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package exports', () => {
  it('each subpath export has a build entry with a source file, and the reverse', () => {
    const fromExports = new Map<string, string>();
    for (const [subpath, target] of Object.entries<Record<string, string> | string>(pkg.exports)) {
      if (subpath === './package.json') continue;
      const t = target as Record<string, string>;
      expect(t.types, subpath).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      expect(t.default, subpath).toMatch(/^\.\/dist\/.+\.js$/);
      for (const file of Object.values(t))
        fromExports.set(file.replace(/^\.\/dist\//, '').replace(/\.(d\.ts|js)$/, ''), subpath);
    }
    const entryNames = new Set(Object.keys(entries));
    for (const name of fromExports.keys()) expect(entryNames.has(name), `entry for ${name}`).toBe(true);
    for (const [name, src] of Object.entries(entries)) {
      expect(existsSync(new URL(`../${src}`, import.meta.url)), src).toBe(true);
      if (name !== 'cli') expect(fromExports.has(name), `export for entry ${name}`).toBe(true);
    }
    expect(pkg.bin['sealed-session']).toBe('./dist/cli.js');
  });

  it('browser and Web modules pull in no node: import and no server code (whole import graph)', async () => {
    for (const mod of ['index', 'keystore', 'tabs', 'vault', 'worker', 'web', 'signed']) {
      const out = await build({
        entryPoints: [fileURLToPath(new URL(`../${entries[mod]}`, import.meta.url))],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
        external: ['node:*'],
      });
      const inputs = Object.keys(out.metafile.inputs);
      const imports = Object.values(out.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
      expect(
        imports.filter((p) => p.startsWith('node:')),
        mod,
      ).toEqual([]);
      expect(
        inputs.filter((p) => /src\/(fastify|express)\/|src\/core\/native\.ts|src\/signed\/server/.test(p)),
        mod,
      ).toEqual([]);
    }
  });
});
