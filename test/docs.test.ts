// Every ```ts and ```tsx block of docs/*.md is type-checked as a user's file, against the sources,
// under `strict` + `exactOptionalPropertyTypes`, so a snippet cannot drift from the API or only work
// through a lax setting. Each block gets the environment it is written for:
// - Next.js (it imports `next` or `next/*`): Next's own tsconfig (bundler resolution, react-jsx, DOM);
// - browser (it imports a browser module of the package): the DOM lib and no Node types;
// - otherwise server code: Node's types and `lib: es2023` without the DOM, as `@tsconfig/node20` sets it.
// A block whose first line is `// not checked: <reason>` is skipped (a fragment that cannot compile
// alone). A block whose first line names a file (`// app/api/me/route.ts`) is written to that path,
// so the relative imports between the blocks of one page resolve.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Block, codeBlocks, sourcePaths, typeCheck } from './support/typecheck.js';

const docs = new URL('../docs/', import.meta.url);
const dir = new URL('./.docs/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Env = 'next' | 'browser' | 'server';
interface Checked extends Block {
  doc: string;
  env: Env;
  file: string;
}

const skip = (b: Block) => /^\/\/ not checked: \S/.test(b.code);
const browserModules = /from 'sealed-session\/(keystore|tabs|vault|worker|signed)'/;
const envOf = (b: Block & { doc: string }): Env =>
  b.doc === 'next.md' || /from 'next(\/[\w/-]+)?'/.test(b.code)
    ? 'next'
    : browserModules.test(b.code)
      ? 'browser'
      : 'server';

const all = readdirSync(docs)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .flatMap((doc) =>
    codeBlocks(readFileSync(new URL(doc, docs), 'utf8'), ['ts', 'tsx']).map((b) => ({ ...b, doc })),
  );
const checked: Checked[] = all
  .filter((b) => !skip(b))
  .map((b, i) => {
    const named = /^\/\/ ([\w./[\]-]+\.tsx?)\b/.exec(b.code)?.[1];
    const path = `${b.doc.replace(/\.md$/, '')}/${named ?? `block-${i + 1}.${b.lang}`}`;
    const file = fileURLToPath(new URL(path, dir));
    mkdirSync(dirname(file), { recursive: true });
    // `export {}` makes every block a module, as a user's file is (top-level await, no global names).
    writeFileSync(file, `${b.code}\nexport {};\n`);
    return { ...b, env: envOf(b), file };
  });

// The typings the examples rely on that no package here provides.
const shims = fileURLToPath(new URL('support/docs-env.d.ts', import.meta.url));
const strict = { strict: true, exactOptionalPropertyTypes: true };
const environments: Record<Env, { options: Record<string, unknown>; paths: Record<string, string[]> }> = {
  next: {
    options: {
      ...strict,
      lib: ['es2023', 'dom', 'dom.iterable'],
      module: 'esnext',
      moduleResolution: 'bundler',
      jsx: 'react-jsx',
      types: ['node', 'react', 'react-dom'],
    },
    paths: sourcePaths('node'),
  },
  browser: {
    options: { ...strict, lib: ['es2023', 'dom', 'dom.iterable'], types: [] },
    paths: sourcePaths(),
  },
  server: { options: { ...strict, lib: ['es2023'], types: ['node'] }, paths: sourcePaths('node') },
};

describe('docs/*.md code blocks', () => {
  it('most blocks are checked; every skipped one says why', () => {
    expect(all.length).toBeGreaterThanOrEqual(31);
    expect(checked.length).toBeGreaterThan(all.length * 0.8);
    for (const b of all)
      if (b.code.startsWith('// not checked')) expect(skip(b), `${b.doc}:${b.line}`).toBe(true);
  });

  for (const env of ['server', 'browser', 'next'] as const) {
    it(`the ${env} blocks type-check`, () => {
      const blocks = checked.filter((b) => b.env === env);
      expect(blocks.length).toBeGreaterThan(0);
      const { options, paths } = environments[env];
      const errors = typeCheck(
        blocks.map((b) => [b.file, shims]),
        options,
        paths,
      ).map((e) => {
        const [, file, line] = /^(\S+):(\d+) /.exec(e) ?? [];
        const b = blocks.find((x) => x.file.endsWith(file ?? '\0'));
        // Point at the Markdown line a user would open.
        return b ? e.replace(`${file}:${line}`, `docs/${b.doc}:${b.line + Number(line) - 1}`) : e;
      });
      expect(errors).toEqual([]);
    }, 120_000);
  }
});
