// Every ```ts block of README.md is run as a test (STYLE: examples in the README are run), so a
// README example cannot drift from the API. A block whose first line is `// not run` is skipped
// (e.g. browser-only code, which the browser suites cover).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = new URL('./.readme/', import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  blocks.forEach((code, i) => {
    const first = code.split('\n')[0]!;
    const title = `block ${i + 1}: ${first.slice(0, 60)}`;
    it.skipIf(first.startsWith('// not run'))(title, async () => {
      const file = new URL(`block-${i + 1}.ts`, dir);
      writeFileSync(file, `${code}\nexport {};\n`);
      await import(/* @vite-ignore */ file.href);
    });
  });
  it('has examples', ({ expect }) => expect(blocks.length).toBeGreaterThan(0));
});
