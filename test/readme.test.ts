// Every ```ts block of README.md is run as a test (STYLE: examples in the README are run), so a
// README example cannot drift from the API, and the blocks that run are type-checked too (an
// example that only works through `any` would mislead). A block whose first line is `// not run`
// is skipped (e.g. browser-only code, which the browser suites cover).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { entries } from '../scripts/entries.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = new URL('./.readme/', import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runs = (code: string) => !code.split('\n')[0]!.startsWith('// not run');
const files = blocks.map((code, i) => {
  const file = new URL(`block-${i + 1}.ts`, dir);
  writeFileSync(file, `${code}\nexport {};\n`);
  return file;
});

describe('README examples', () => {
  blocks.forEach((code, i) => {
    const title = `block ${i + 1}: ${code.split('\n')[0]!.slice(0, 60)}`;
    it.skipIf(!runs(code))(title, async () => {
      await import(/* @vite-ignore */ files[i]!.href);
    });
  });

  it('has examples, most of them run', () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter(runs).length).toBeGreaterThan(blocks.length / 2);
  });

  it('the examples that run type-check against the sources', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
    const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.test.json`, {}, host)!;
    // `sealed-session/<module>` resolves to the sources, as in vitest.config.ts.
    const paths: Record<string, string[]> = {};
    for (const [name, file] of Object.entries(entries))
      if (name !== 'cli' && name !== 'index.node')
        paths[name === 'index' ? 'sealed-session' : `sealed-session/${name.replace('-', '/')}`] = [file];
    const names = files.filter((_, i) => runs(blocks[i]!)).map((f) => fileURLToPath(f));
    const program = ts.createProgram(names, { ...config.options, noEmit: true, baseUrl: root, paths });
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && names.includes(d.file.fileName))
      .map(
        (d) =>
          `${d.file!.fileName.slice(root.length)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
      );
    expect(errors).toEqual([]);
  }, 120_000);
});
