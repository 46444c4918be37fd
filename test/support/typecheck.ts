// Type-checks code blocks of the Markdown docs as a user's own files, against the sources: shared by
// test/readme.test.ts and test/docs.test.ts.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { entries } from '../../scripts/entries.js';

export const root: string = fileURLToPath(new URL('../..', import.meta.url));

export interface Block {
  /** The fence's language: `ts` or `tsx`. */
  lang: string;
  code: string;
  /** 1-based line of the block's first code line in the Markdown file. */
  line: number;
}

/** The fenced blocks of `markdown` whose language is one of `langs`. */
export const codeBlocks = (markdown: string, langs: readonly string[] = ['ts']): Block[] =>
  [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```/gm)]
    .filter((m) => langs.includes(m[1]!))
    .map((m) => ({ lang: m[1]!, code: m[2]!, line: markdown.slice(0, m.index).split('\n').length + 1 }));

/**
 * `sealed-session/<module>` → its source file, as vitest.config.ts aliases it. `node` picks the
 * modules' `node` export condition (`index.node`, `web.node`, `iron.node`), as Node, Bun and Deno
 * resolve them; `default` the portable builds (browsers, Workers, bundlers).
 */
export const sourcePaths = (condition: 'node' | 'default' = 'default'): Record<string, string[]> => {
  const paths: Record<string, string[]> = {};
  for (const [name, file] of Object.entries(entries)) {
    if (name === 'cli' || name.endsWith('.node')) continue;
    const node = entries[`${name}.node`];
    const target = condition === 'node' && node ? node : file;
    paths[name === 'index' ? 'sealed-session' : `sealed-session/${name.replace('-', '/')}`] = [
      `${root}${target}`,
    ];
  }
  return paths;
};

/**
 * Compiles each group of `groups` as its own program (one user's project: a `declare module`
 * augmentation in one group does not reach another), with tsconfig.test.json's options overridden
 * by `options` (tsconfig JSON form, e.g. `{ lib: ['es2023'] }`) and `sealed-session/*` resolved by
 * `paths`. Returns the diagnostics of the groups' files only (not of the sources they import), as
 * `file:line message` relative to the repository.
 */
export const typeCheck = (
  groups: readonly (readonly string[])[],
  options: Record<string, unknown> = {},
  paths: Record<string, string[]> = sourcePaths(),
): string[] => {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.test.json`, {}, host)!;
  const converted = ts.convertCompilerOptionsFromJson(options, root);
  if (converted.errors.length)
    throw new Error(ts.flattenDiagnosticMessageText(converted.errors[0]!.messageText, ' '));
  const compilerOptions = { ...config.options, ...converted.options, noEmit: true, paths };
  // One parse of each file (the sources, the libs) for all the groups: the options are the same.
  const compilerHost = ts.createCompilerHost(compilerOptions);
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const getSourceFile = compilerHost.getSourceFile;
  compilerHost.getSourceFile = (name, ...rest) => {
    if (!parsed.has(name)) parsed.set(name, getSourceFile.call(compilerHost, name, ...rest));
    return parsed.get(name);
  };
  const errors = new Set<string>();
  for (const rootNames of groups) {
    const program = ts.createProgram({ rootNames, options: compilerOptions, host: compilerHost });
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    for (const name of rootNames) {
      const file = program.getSourceFile(name);
      if (!file) throw new Error(`${name}: not compiled`);
      diagnostics.push(...ts.getPreEmitDiagnostics(program, file));
    }
    for (const d of diagnostics) {
      const where = d.file
        ? `${d.file.fileName.slice(root.length)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} `
        : '';
      errors.add(`${where}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
  }
  return [...errors];
};
