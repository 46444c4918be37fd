// Every ```ts block of the adapter guides (docs/express.md, docs/fastify.md) is run as a test, as a
// new user would paste it: against the built package (`sealed-session/…` resolves to dist/, so build
// first), with the real cookie-session and @fastify/secure-session where a "moving from" section
// uses them. A block whose first line starts with `// not run` is skipped (it says why).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

const dir = new URL('../.guides/', import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const guide of ['express', 'fastify']) {
  const text = readFileSync(new URL(`../../docs/${guide}.md`, import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  describe(`docs/${guide}.md examples`, () => {
    blocks.forEach((code, i) => {
      const first = code.split('\n')[0]!;
      it.skipIf(first.startsWith('// not run'))(`block ${i + 1}: ${first.slice(0, 60)}`, async () => {
        const file = new URL(`${guide}-${i + 1}.ts`, dir);
        writeFileSync(file, `${code}\nexport {};\n`);
        await import(/* @vite-ignore */ file.href);
      });
    });
    it('has a "Moving from" section with examples', () => {
      expect(text).toMatch(/^## Moving from /m);
      expect(blocks.length).toBeGreaterThan(1);
    });
  });
}
