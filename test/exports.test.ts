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
    // A target is { types, default } or, for modules with a Node build, { node: { types, default }, types, default }.
    type Target = { [condition: string]: string | Target };
    const files = (t: Target): string[] =>
      Object.values(t).flatMap((v) => (typeof v === 'string' ? [v] : files(v)));
    for (const [subpath, target] of Object.entries<Target | string>(pkg.exports)) {
      if (subpath === './package.json') continue;
      const t = target as Target;
      expect(t.types, subpath).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      expect(t.default, subpath).toMatch(/^\.\/dist\/.+\.js$/);
      if (typeof t.node === 'object') {
        expect(t.node.types, `${subpath} node`).toMatch(/^\.\/dist\/.+\.node\.d\.ts$/);
        expect(t.node.default, `${subpath} node`).toMatch(/^\.\/dist\/.+\.node\.js$/);
      }
      for (const file of files(t))
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
