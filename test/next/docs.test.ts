// docs/next.md: every snippet that names a file of the test app is that file, byte for byte, so
// the docs show only code that test/next/next-app.test.ts builds and runs in a real Next app.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('docs/next.md snippets are the test app’s files', () => {
  const doc = readFileSync(new URL('../../docs/next.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```tsx?\n(\/\/ ([\w./[\]-]+)[^\n]*\n[\s\S]*?)```/g)];
  expect(blocks.length).toBeGreaterThanOrEqual(12);
  for (const [, body, path] of blocks) {
    const file = readFileSync(new URL(`app/${path}`, import.meta.url), 'utf8');
    expect(body, path).toBe(file);
  }
});
