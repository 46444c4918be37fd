// Type-level tests fail in the Node suite too, not only in `tsc --noEmit`: this compiles every
// type-level file (test/types/*.types.ts and every test/**/*types.test.ts) with the project's
// compiler options and expects no diagnostic. A `@ts-expect-error` that no longer matches an error
// (the API loosened) is itself a diagnostic (TS2578), so each of them is an assertion that can fail;
// the canary below proves that this check reports both kinds of failure.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function options(): ts.CompilerOptions {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.test.json'), {}, host);
  if (!parsed) throw new Error('tsconfig.test.json: expected a readable config, got none');
  return { ...parsed.options, noEmit: true };
}

function typeLevelFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'browser' && !e.name.startsWith('.')) walk(p);
      } else if (/\.types\.ts$|types\.test\.ts$/.test(e.name)) out.push(p);
    }
  };
  walk(join(root, 'test'));
  return out.sort();
}

function diagnostics(files: string[], host?: ts.CompilerHost): string[] {
  const program = ts.createProgram(files, options(), host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !d.file || files.includes(d.file.fileName))
    .map((d) => {
      const where = d.file
        ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '(global)';
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

describe('type-level tests', () => {
  it('finds the type-level files', () => {
    const names = typeLevelFiles().map((f) => relative(root, f));
    expect(names).toEqual(
      expect.arrayContaining([
        'test/types/core.types.ts',
        'test/keystore/types.test.ts',
        'test/signed/types.test.ts',
        'test/adapters/fastify-types.test.ts',
      ]),
    );
  });

  it('every type-level file compiles, and every @ts-expect-error still marks an error', () => {
    expect(diagnostics(typeLevelFiles())).toEqual([]);
  }, 120_000);

  it('canary: an unused @ts-expect-error and a real type error are both reported', () => {
    const file = join(root, 'test', 'types', '__canary__.types.ts');
    const text = [
      "import { generateKey } from '../../src/index.js';",
      '// @ts-expect-error generateKey accepts "hex" (so this directive is unused)',
      "generateKey('hex');",
      "const n: number = generateKey('hex');",
      'export { n };',
    ].join('\n');
    const host = ts.createCompilerHost(options());
    const read = host.getSourceFile;
    host.getSourceFile = (name, lang, ...rest) =>
      name === file ? ts.createSourceFile(name, text, lang) : read.call(host, name, lang, ...rest);
    host.fileExists = (
      (exists) => (name: string) =>
        name === file || exists(name)
    )(host.fileExists);
    const found = diagnostics([file], host);
    expect(found.map((d) => d.replace(/^.*?(TS\d+).*$/, '$1'))).toEqual(['TS2578', 'TS2322']);
  }, 120_000);
});
