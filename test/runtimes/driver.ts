// Drives the runtime matrix from Vitest: starts Bun, Deno or workerd as a real server on a free
// loopback port (the binaries of the npm packages `bun`, `deno`, `workerd`), then
// - runs every portable case of cases.ts inside that runtime (POST /__cases/<name>), one test each;
// - talks to its routes with real HTTP requests: sessions and chunked cookies across runtimes
//   (sealed in Node, opened there, and back), hostile Cookie headers as raw bytes on a socket,
//   Hono, and signed requests from a Node SecureFetch client.
// Servers are stopped by the PID this file started; nothing is left listening.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/index.js';
import { generateSecretKey, getPublicKey, SecureFetch } from '../../src/signed/index.js';
import { createSessions } from '../../src/web/index.js';
import { cookieHeader, HOSTILE_HEADERS, hostileValues, jar } from '../adapters/express-web-support.js';
import { HOSTILE_COOKIE_HEADERS } from '../support/hostile.js';
import { cases, MAX_COOKIES, type RuntimeEnv, SIGNED_ORIGIN } from './cases.js';

export const root: string = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const START_MS = 20_000;

export interface RuntimeServer {
  readonly url: string;
  /** Everything the runtime printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `cmd` and waits for the port it reports (a `{"port":N}` line on stdout, or workerd's control fd). */
function startProcess(
  cmd: string,
  args: string[],
  env: RuntimeEnv,
  controlFd = false,
): Promise<RuntimeServer> {
  if (!existsSync(join(root, 'dist', 'web.js')))
    throw new Error('dist/ is missing: the runtimes load the built package; run `npm run build` first');
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    stdio: controlFd ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const portSource = controlFd ? child.stdio[3] : child.stdout;
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd}: no port reported within ${START_MS} ms; output: ${out}`));
    }, START_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before listening; output: ${out}`));
    });
    let buf = '';
    portSource?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"port":(\d+)/.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      portSource.removeAllListeners('data');
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
        },
      });
    });
  });
}

export const startBun = (env: RuntimeEnv): Promise<RuntimeServer> =>
  startProcess(bin('bun'), [join(root, 'test/runtimes/serve.bun.ts')], env);

/** Deno with the permissions the server needs: loopback, reading the project, env, and FFI for sodium-native. */
export const startDeno = (env: RuntimeEnv, { ffi = true } = {}): Promise<RuntimeServer> =>
  startProcess(
    bin('deno'),
    [
      'run',
      '--quiet',
      '--no-lock',
      '--no-prompt',
      '--sloppy-imports', // the fixtures import `../../src/*.js` that exist as .ts
      '--allow-net=127.0.0.1',
      // sodium-native's loader probes /etc/alpine-release to pick the musl or glibc build.
      ffi ? `--allow-read=${root},/etc/alpine-release` : `--allow-read=${root}`,
      '--allow-env',
      ...(ffi ? ['--allow-ffi'] : []),
      join(root, 'test/runtimes/serve.deno.ts'),
    ],
    env,
  );

/** The worker bundle, built the way wrangler builds one (workerd/worker/browser conditions). */
export async function bundleWorker(): Promise<string> {
  const out = await build({
    entryPoints: [join(root, 'test/runtimes/worker.ts')],
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:workers'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export async function startWorkerd(env: RuntimeEnv, code: string): Promise<RuntimeServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sealed-session-workerd-'));
  writeFileSync(join(dir, 'worker.js'), code);
  const bindings = Object.entries(env)
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(', ');
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
  bindings = [ ${bindings} ],
);
`,
  );
  const server = await startProcess(
    bin('workerd'),
    ['serve', join(dir, 'config.capnp'), '--control-fd=3'],
    env,
    true,
  );
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP/1.1 GET with a Cookie header written byte for byte (latin1): what a hostile client sends. */
/**
 * One request on a raw socket. `status` 0 with `reset`: the runtime reset the connection without an
 * answer (a parser that refuses the bytes may close before reading them all, and the kernel then
 * sends RST); the caller checks that the server still serves.
 */
function rawGet(
  url: string,
  path: string,
  cookie: string,
): Promise<{ status: number; body: string; reset: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let reset = false;
    socket.setTimeout(10_000, () =>
      socket.destroy(new Error(`no answer for Cookie ${JSON.stringify(cookie.slice(0, 40))}`)),
    );
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') reset = true;
      else reject(e);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4), reset });
    });
    socket.end(
      Buffer.from(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
        'latin1',
      ),
    );
  });
}

export interface Expectations {
  /** `sealed-session` resolves to the Node entry (export condition `node`). */
  nodeEntry: boolean;
  /** The AEAD `useNativeBackend()` reports there, or null when the entry has none. */
  native: string | null;
}

/** The whole matrix for one runtime: its cases run inside it, and its routes over HTTP. */
export function runtimeSuite(
  name: string,
  start: (env: RuntimeEnv) => Promise<RuntimeServer>,
  expected: Expectations,
): void {
  describe(`${name}: a real server on loopback`, () => {
    const sessionKey = generateKey();
    const env: RuntimeEnv = {
      SESSION_KEY: Buffer.from(sessionKey).toString('hex'),
      SIGNED_KEY: generateSecretKey('ed25519'),
    };
    let server: RuntimeServer;
    const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

    beforeAll(async () => {
      server = await start(env);
    }, START_MS + 5_000);
    afterAll(async () => {
      await server?.stop();
    });

    it(`resolves the package as expected: ${JSON.stringify(expected)}`, async () => {
      const report = await (await get('/__runtime')).json();
      expect(report).toMatchObject(expected);
    });

    it('serves exactly the cases this suite knows', async () => {
      expect(await (await get('/__cases')).json()).toEqual(Object.keys(cases));
    });

    for (const caseName of Object.keys(cases)) {
      it(`case: ${caseName}`, async () => {
        const r = await get(`/__cases/${encodeURIComponent(caseName)}`, { method: 'POST' });
        const result = (await r.json()) as { ok: boolean; error?: string; stack?: string };
        expect(result.error ?? '', result.stack).toBe('');
        expect(result.ok).toBe(true);
      });
    }

    it('web over HTTP: login, count and logout; cookies sealed in Node open there and back', async () => {
      const login = await get('/web/login?user=alice', { method: 'POST' });
      const j = jar(login.headers.getSetCookie());
      expect(Object.keys(j)).toEqual(['session']);
      const me = await get('/web/me', { headers: { cookie: cookieHeader(j) } });
      expect(await me.json()).toMatchObject({ user: 'alice' });
      expect(me.headers.getSetCookie()).toEqual([]);

      const node = createSessions<{ n: number }>({ key: env.SESSION_KEY });
      const s = await node.load(null);
      s.set('n', 41);
      const fromNode = jar(node.cookies(s));
      const counted = await get('/web/count', { headers: { cookie: cookieHeader(fromNode) } });
      expect(await counted.json()).toMatchObject({ n: 42 });
      const back = jar(counted.headers.getSetCookie());
      expect((await node.load(cookieHeader(back))).get('n')).toBe(42);

      const out = await get('/web/logout', { method: 'POST', headers: { cookie: cookieHeader(j) } });
      expect(jar(out.headers.getSetCookie(), j)).toEqual({});
    });

    it(`web over HTTP: a session in ${MAX_COOKIES} chunk cookies goes out and comes back`, async () => {
      const big = await get('/web/big?n=7000', { method: 'POST' });
      const j = jar(big.headers.getSetCookie());
      expect(Object.keys(j)).toEqual(['session', 'session.1', 'session.2']);
      const me = await get('/web/me', { headers: { cookie: cookieHeader(j) } });
      expect(await me.json()).toMatchObject({ big: 7000 });
      const small = await get('/web/big?n=3', { method: 'POST', headers: { cookie: cookieHeader(j) } });
      expect(Object.keys(jar(small.headers.getSetCookie(), j))).toEqual(['session']);
    });

    it('hostile Cookie headers as raw bytes: an empty session or a parser refusal, never a 500', async () => {
      const headers = [
        ...HOSTILE_HEADERS,
        ...HOSTILE_COOKIE_HEADERS,
        ...hostileValues(sessionKey, 'session').map((v) => `session=${v.value}`),
      ];
      const statuses = new Set<number>();
      for (const h of headers) {
        const r = await rawGet(server.url, '/web/me', h);
        const label = JSON.stringify(h.slice(0, 40));
        statuses.add(r.status);
        if (r.status === 0) {
          // Reset without an answer: a refusal only if the server is alive and well afterwards.
          expect(r.reset, label).toBe(true);
          expect((await get('/web/me')).status, label).toBe(200);
          continue;
        }
        // 400/431: the runtime's HTTP parser refused the bytes before the app ran.
        expect([200, 400, 431], label).toContain(r.status);
        if (r.status === 200) expect(r.body, label).toContain('"user":null');
      }
      expect(statuses.has(200)).toBe(true);
      expect((await get('/web/me')).status).toBe(200); // still serving
    });

    it('hono over HTTP: login, read, logout', async () => {
      const login = await get('/hono/login?user=bob', { method: 'POST' });
      const j = jar(login.headers.getSetCookie());
      const me = await get('/hono/me', { headers: { cookie: cookieHeader(j) } });
      expect(await me.json()).toEqual({ user: 'bob' });
      const out = await get('/hono/logout', { method: 'POST', headers: { cookie: cookieHeader(j) } });
      expect(out.status).toBe(204);
      expect(jar(out.headers.getSetCookie(), j)).toEqual({});
    });

    it('signed requests over HTTP from a Node client; replayed and altered requests are refused', async () => {
      const wire: Request[] = [];
      const toServer = async (r: Request, body?: string) => {
        const u = new URL(r.url);
        const bytes = body ?? (r.method === 'GET' ? undefined : await r.arrayBuffer());
        return fetch(server.url + u.pathname + u.search, {
          method: r.method,
          headers: r.headers,
          body: bytes ?? null,
        });
      };
      const client = SecureFetch(await getPublicKey(env.SIGNED_KEY), generateSecretKey('ed25519'), {
        hostname: SIGNED_ORIGIN,
        fetcher: async (input, init) => {
          const r = new Request(input, init);
          wire.push(r.clone());
          return toServer(r);
        },
      });
      const res = await client('/signed/echo', { method: 'POST', body: 'hi' });
      expect(res.data).toEqual({ got: 'hi', path: '/signed/echo' });
      const sent = wire[0]!;
      expect((await toServer(sent.clone())).status).toBe(401); // replay
      expect((await toServer(sent.clone(), 'altered')).status).toBe(401);
      expect((await fetch(`${server.url}/signed/echo`, { method: 'POST', body: 'hi' })).status).toBe(401);
    });
  });
}
