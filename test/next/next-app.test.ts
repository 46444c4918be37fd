// A real Next.js 16 app (test/next/app), built with `next build` (without SESSION_KEY: nextSessions
// at module scope must not fail the build) and served by `next start` on a free loopback port,
// exercised over HTTP: App Router route handlers, a Server Component, a Server Action, proxy.ts,
// the Pages Router with getIronSession(req, res), chunked sessions, garbage cookies (never a 5xx).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/index.js';
import { toHex } from '../../src/internal/base64.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = join(root, 'test/next/app');
const next = join(root, 'node_modules/next/dist/bin/next');
// A fixed name that test/next/app/tsconfig.json already includes: otherwise next build rewrites it.
const distDir = '.next-test';
const PASSWORD = 'a-test-password-of-at-least-32-characters';
let server: ChildProcess | undefined;
let base = '';

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string | undefined> = { ...process.env };
    delete base.SESSION_KEY; // not set at build time: the regression was a failed build
    const child = spawn(process.execPath, [next, ...args], {
      cwd: app,
      env: { ...base, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`next ${args[0]} failed:\n${out.slice(-3000)}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  for (const [entry, out, platform] of [
    ['src/iron/node.ts', 'iron.mjs', 'node'],
    ['src/web/index.ts', 'web.mjs', 'neutral'],
  ] as const) {
    await build({
      entryPoints: [join(root, entry)],
      bundle: true,
      platform,
      mainFields: ['module', 'main'],
      format: 'esm',
      outfile: join(app, '.sealed', out),
      external: ['sodium-native', 'iron-webcrypto'],
      logLevel: 'silent',
    });
  }
  await run(['build'], {});
  const port = await freePort();
  server = spawn(process.execPath, [next, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: app,
    detached: true, // its own process group: next start leaves children
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      NEXT_DIST_DIR: distDir,
      SESSION_PASSWORD: PASSWORD,
      SESSION_KEY: toHex(generateKey()),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (/Ready in/.test(out)) resolve();
    });
    server!.on('close', () => reject(new Error(`next start exited:\n${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
}, 400_000);

afterAll(() => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {}
  }
  rmSync(join(app, distDir), { recursive: true, force: true });
});

/** A browser-like cookie jar over fetch. */
class Browser {
  jar: Record<string, string> = {};
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = Object.entries(this.jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await fetch(base + path, {
      redirect: 'manual',
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) delete this.jar[name];
      else this.jar[name] = value;
    }
    return res;
  }
  post(path: string, body: unknown): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }
}

describe('a real Next.js 16 app', () => {
  it('route handlers: login writes the session through cookies(); /api/me reads it; logout clears it', async () => {
    const b = new Browser();
    expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: null });
    expect((await b.post('/api/login', { user: 'alice' })).status).toBe(200);
    expect(b.jar.app_session).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: 'alice', visits: 0 });
    await b.post('/api/logout', {});
    expect(b.jar).toEqual({});
    expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: null });
  });

  it('a Server Component reads the session', async () => {
    const b = new Browser();
    expect(await (await b.fetch('/')).text()).toContain('Signed out');
    await b.post('/api/login', { user: 'bob' });
    expect(await (await b.fetch('/')).text()).toContain('Signed in as <!-- -->bob'.replace('<!-- -->', ''));
  });

  it('a Server Action writes the session', async () => {
    const manifest = JSON.parse(
      readFileSync(join(app, distDir, 'server/server-reference-manifest.json'), 'utf8'),
    );
    const id = Object.keys(manifest.node)[0]!;
    const b = new Browser();
    await b.post('/api/login', { user: 'carol' });
    for (let i = 0; i < 2; i++) {
      const res = await b.fetch('/visit', {
        method: 'POST',
        headers: {
          'next-action': id,
          accept: 'text/x-component',
          'content-type': 'text/plain;charset=UTF-8',
        },
        body: '[]',
      });
      expect(res.status).toBe(200);
    }
    expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: 'carol', visits: 2 });
  });

  it('proxy.ts reads the session (redirects without one) and refreshes it for the page it renders', async () => {
    const b = new Browser();
    expect((await b.fetch('/dashboard')).status).toBe(307);
    await b.post('/api/login', { user: 'dave' });
    const before = b.jar.app_session;
    const page = await (await b.fetch('/dashboard')).text();
    expect(page).toMatch(/dave seen at \d{13}/);
    expect(b.jar.app_session).not.toBe(before); // re-sealed by proxy.ts
    expect((await (await b.fetch('/api/me')).json()).lastSeen).toBeGreaterThan(0);
  });

  it('the Pages Router: getIronSession(req, res)', async () => {
    const b = new Browser();
    expect(await (await b.fetch('/api/user')).json()).toEqual({ user: null });
    await b.fetch('/api/user', { method: 'POST' });
    expect(await (await b.fetch('/api/user')).json()).toEqual({ user: 'pages-user' });
    expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: 'pages-user' }); // same cookie, App Router
  });

  it('chunked sessions through the cookies() store', async () => {
    const b = new Browser();
    await b.post('/api/big', { size: 7000 });
    expect(Object.keys(b.jar).sort()).toEqual(['app_session', 'app_session.1', 'app_session.2']);
    expect(await (await b.fetch('/api/big')).json()).toEqual({ size: 7000 });
    await b.post('/api/big', { size: 10 });
    expect(Object.keys(b.jar)).toEqual(['app_session']);
  });

  it('nextSessions (sealed-session/web): built without SESSION_KEY, works at run time, read in proxy.ts', async () => {
    const b = new Browser();
    expect(await (await b.post('/api/sealed', {})).json()).toEqual({ n: 1 });
    const res = await b.post('/api/sealed', {});
    expect(res.headers.get('x-counter')).toBe('1'); // proxy.ts read request.cookies
    expect(await res.json()).toEqual({ n: 2 });
  });

  it('garbage cookies: no session, never a 5xx', async () => {
    for (const value of ['garbage', 'Fe26.2*1*x*y*z**a*b~2', '%', 'A'.repeat(4000), '2.abc', '']) {
      const b = new Browser();
      b.jar = { app_session: value, 'app_session.0': value, 'app_session.1': value, session: value };
      for (const path of ['/api/me', '/', '/api/user', '/api/big', '/dashboard']) {
        const res = await b.fetch(path);
        expect(res.status, `${path} ${value.slice(0, 20)}`).toBeLessThan(500);
      }
      expect(await (await b.fetch('/api/me')).json()).toMatchObject({ user: null });
    }
  });
});
