// Every public export (everything reachable from a subpath export's entry) has TSDoc with an
// @example, as the project's rules require. Uses the TypeScript compiler on the real entry points.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { entries } from '../scripts/entries.js';

it('every public export has TSDoc with an @example', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = Object.entries(entries)
    .filter(([name]) => name !== 'cli' && name !== 'index.node')
    .map(([, file]) => root + file);
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  const program = ts.createProgram(files, config!.options);
  const checker = program.getTypeChecker();
  const missing = new Set<string>();
  let count = 0;
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = symbol.declarations?.[0];
      if (!decl) continue;
      count++;
      const tags = ts.getJSDocTags(decl).map((t) => t.tagName.text);
      if (!tags.includes('example'))
        missing.add(`${decl.getSourceFile().fileName.slice(root.length)}: ${exported.name}`);
    }
  }
  expect(count).toBeGreaterThan(100);
  expect([...missing]).toEqual([]);
}, 60_000);
