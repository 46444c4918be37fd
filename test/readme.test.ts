// Every ```ts block of README.md is run as a test (STYLE: examples in the README are run), so a
// README example cannot drift from the API, and the blocks that run are type-checked too (an
// example that only works through `any` would mislead). A block whose first line is `// not run`
// is skipped (e.g. browser-only code, which the browser suites cover).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, typeCheck } from './support/typecheck.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = codeBlocks(readme).map((b) => b.code);
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
    const names = files.filter((_, i) => runs(blocks[i]!)).map((f) => fileURLToPath(f));
    expect(typeCheck(names.map((name) => [name]))).toEqual([]);
  }, 120_000);
});
