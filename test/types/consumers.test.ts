// TypeScript consumers of the packed package: `npm pack` (what users install, not the sources),
// unpacked into a consumer's node_modules, then compiled by TypeScript 5.9, 6.0 and 7.0 (the native
// port) under every module resolution a consumer uses — node16, nodenext, bundler, CommonJS with
// nodenext, and node10 (typesVersions) — with `strict`, `exactOptionalPropertyTypes` and
// `skipLibCheck: false`, so our .d.ts files are checked too. Server entry points compile with
// `lib: ["es2023"]` and no DOM (as `@tsconfig/node20` sets it); browser entry points with the DOM.
// publint and @arethetypeswrong/cli (esm-only profile) run on the same tarball.
//
// The three compilers are installed once (npm, exact versions, under node_modules/.cache), as
// aliases of a separate package there, never as dependencies of this one.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const COMPILERS = { '5.9': '5.9.3', '6.0': '6.0.3', '7.0': '7.0.2' } as const;
type Ts = keyof typeof COMPILERS;
const cache = join(root, 'node_modules', '.cache', 'sealed-session-typescript');
const tsc = (v: Ts) => join(cache, 'node_modules', `ts${v.replace('.', '')}`, 'bin', 'tsc');

let work = '';
let tarball = '';

function ensureCompilers(): void {
  if ((Object.keys(COMPILERS) as Ts[]).every((v) => existsSync(tsc(v)))) return;
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'package.json'), '{"private":true}\n');
  const specs = Object.entries(COMPILERS).map(
    ([v, exact]) => `ts${v.replace('.', '')}@npm:typescript@${exact}`,
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', ...specs], {
    cwd: cache,
    stdio: 'pipe',
  });
}

/** Links a dependency of this repository into the consumer (the package's deps and peers). */
function link(consumer: string, name: string): void {
  const from = join(root, 'node_modules', name);
  if (!existsSync(from)) return;
  const to = join(consumer, 'node_modules', name);
  mkdirSync(dirname(to), { recursive: true });
  if (!existsSync(to)) symlinkSync(from, to, 'dir');
}

const SERVER = `
import { createKeyring, generateKey, open, seal, useNativeBackend, type SessionData } from 'sealed-session';
import * as fastify from 'sealed-session/fastify';
import * as express from 'sealed-session/express';
import { createSessions } from 'sealed-session/web';
import * as signedServer from 'sealed-session/signed/server';
import * as redis from 'sealed-session/redis';
import * as iron from 'sealed-session/iron';

const backend: string = useNativeBackend();
const ring = createKeyring([generateKey()]);
const token: string = seal({ userId: 42 }, ring, { context: 'consumer', maxAge: 60 });
const opened = open<{ userId: number }>(token, ring, { context: 'consumer' });
const sessions = createSessions({ key: generateKey() });
const data: SessionData = {};
export const used = [backend, opened, sessions, data, fastify, express, signedServer, redis, iron];
`;

const BROWSER = `
import * as keystore from 'sealed-session/keystore';
import * as tabs from 'sealed-session/tabs';
import * as vault from 'sealed-session/vault';
import * as worker from 'sealed-session/worker';
import * as signed from 'sealed-session/signed';
import * as web from 'sealed-session/web';
import * as core from 'sealed-session';
export const used = [keystore, tabs, vault, worker, signed, web, core];
`;

// CommonJS consumer: `require()` of our ESM (Node >= 20.19), typed by TypeScript >= 5.8 under nodenext.
const CJS = `
import { generateKey, createKeyring, seal, useNativeBackend } from 'sealed-session';
import { createSessions } from 'sealed-session/web';
const backend: string = useNativeBackend();
export const used = [backend, seal('x', createKeyring([generateKey()]), { context: 'cjs', maxAge: 1 }), createSessions];
`;

// node10 ignores "exports": the types come from "types" + "typesVersions".
const NODE10 = `
import { generateKey } from 'sealed-session';
import { createSessions } from 'sealed-session/web';
import { createSignedServer } from 'sealed-session/signed/server';
import type { SessionKeystore } from 'sealed-session/keystore';
export const used: unknown[] = [generateKey, createSessions, createSignedServer];
export type K = SessionKeystore;
`;

interface Setup {
  name: string;
  type: 'module' | 'commonjs';
  module: string;
  moduleResolution: string;
  file: string;
  code: string;
  lib: string[];
  types: string[];
  /** Compilers this resolution exists in (node10 is gone from TypeScript 7). */
  compilers: Ts[];
}

const all = Object.keys(COMPILERS) as Ts[];
const noDom = ['es2023'];
const dom = ['es2023', 'dom', 'dom.iterable'];
const setups: Setup[] = [];
for (const [module, moduleResolution] of [
  ['node16', 'node16'],
  ['nodenext', 'nodenext'],
  ['preserve', 'bundler'],
] as const) {
  setups.push(
    {
      name: `${moduleResolution} server (no DOM)`,
      type: 'module',
      module,
      moduleResolution,
      file: 'server.ts',
      code: SERVER,
      lib: noDom,
      types: ['node'],
      compilers: all,
    },
    {
      name: `${moduleResolution} browser`,
      type: 'module',
      module,
      moduleResolution,
      file: 'browser.ts',
      code: BROWSER,
      lib: dom,
      types: [],
      compilers: all,
    },
  );
}
setups.push(
  {
    name: 'nodenext CommonJS server (no DOM)',
    type: 'commonjs',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    file: 'server.cts',
    code: CJS,
    lib: noDom,
    types: ['node'],
    compilers: all,
  },
  {
    name: 'node10 (typesVersions)',
    type: 'commonjs',
    module: 'commonjs',
    moduleResolution: 'node10',
    file: 'old.ts',
    code: NODE10,
    lib: dom,
    types: ['node'],
    compilers: ['5.9', '6.0'],
  },
);

function consumer(setup: Setup, ts: Ts): string {
  const dir = join(work, `${setup.name.replace(/\W+/g, '-')}-${ts}`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules')]);
  const pkg = join(dir, 'node_modules', 'sealed-session');
  rmSync(pkg, { recursive: true, force: true });
  execFileSync('mv', [join(dir, 'node_modules', 'package'), pkg]);
  for (const name of ['@noble/ciphers', '@noble/curves', '@noble/hashes', 'cookie', 'fastify-plugin'])
    link(dir, name);
  for (const name of [
    '@types/node',
    'undici-types',
    'fastify',
    '@fastify/cookie',
    'hono',
    'redis',
    'ioredis',
  ])
    link(dir, name);
  // fastify's own types import these; link what the repository has of its direct type deps.
  for (const name of readdirSync(join(root, 'node_modules', '@fastify'))) link(dir, `@fastify/${name}`);
  for (const name of [
    'pino',
    'light-my-request',
    'avvio',
    'find-my-way',
    'fastify-plugin',
    'abstract-logging',
  ])
    link(dir, name);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: setup.type }),
  );
  writeFileSync(join(dir, setup.file), setup.code);
  const compilerOptions: Record<string, unknown> = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'es2022',
    module: setup.module,
    moduleResolution: setup.moduleResolution,
    lib: setup.lib,
    types: setup.types,
  };
  if (setup.moduleResolution === 'node10') {
    compilerOptions.esModuleInterop = true; // what CommonJS projects set (pino's own types need it)
    if (ts === '6.0') compilerOptions.ignoreDeprecations = '6.0';
  }
  // A server bundle targets Node: the `node` condition gives the Node types (useNativeBackend).
  if (setup.moduleResolution === 'bundler' && setup.file === 'server.ts')
    compilerOptions.customConditions = ['node'];
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, files: [setup.file] }, null, 2),
  );
  return dir;
}

beforeAll(() => {
  ensureCompilers();
  work = mkdtempSync(join(tmpdir(), 'sealed-session-consumers-'));
  // The tarball users get (dist/ must be built: `npm test` builds first).
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  tarball = join(work, (JSON.parse(out) as { filename: string }[])[0]!.filename);
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('TypeScript consumers of the packed package', () => {
  for (const setup of setups)
    for (const ts of setup.compilers)
      it(`TypeScript ${ts} (${COMPILERS[ts]}), ${setup.name}`, () => {
        const dir = consumer(setup, ts);
        const r = spawnSync(tsc(ts), ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
        expect(`${r.stdout}${r.stderr}`.replaceAll(dir, '.')).toBe('');
        expect(r.status).toBe(0);
      }, 120_000);

  it('the tarball leaves out the playground screenshot', () => {
    const list = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(list).toContain('package/dist/index.d.ts');
    expect(list).not.toContain('playground-summary.png');
  });

  it('publint is clean', () => {
    const r = spawnSync('npx', ['publint', '--strict', tarball], { cwd: root, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('All good!');
    expect(r.status).toBe(0);
  }, 120_000);

  it('@arethetypeswrong/cli is clean (esm-only profile)', () => {
    const r = spawnSync('npx', ['attw', tarball, '--profile', 'esm-only', '--format', 'table-flipped'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The esm-only profile ignores node10 and require-from-CJS; every other resolution must be green.
    expect(r.stdout).not.toMatch(/❌|💀|🐛|🥴|❗️|🎭/u);
    expect(r.stdout).toContain('ignoring resolutions');
  }, 120_000);
});
