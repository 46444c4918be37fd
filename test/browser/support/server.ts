// A small test server for the real-browser suites. It serves:
//   GET /mod/<name>.js   the browser bundle of src/<name>/index.ts (esbuild, built once per run)
//   GET /pages/<file>    a static file from test/browser/pages/
// and hands everything else to the suite's own `handler` (return false for a 404).
// Each server listens on 127.0.0.1 on a free port; two servers give two distinct origins.

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../../../', import.meta.url).pathname;
const pagesDir = join(root, 'test/browser/pages');
const bundles = new Map<string, Promise<string>>();

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** Bundles `src/<name>/index.ts` (or `src/<name>.ts`) for the browser; cached for the whole run. */
export function bundle(name: string): Promise<string> {
  let p = bundles.get(name);
  if (!p) {
    p = (async () => {
      const candidates = [join(root, 'src', name, 'index.ts'), join(root, 'src', `${name}.ts`)];
      let entry = candidates[0]!;
      for (const c of candidates) {
        try {
          await readFile(c);
          entry = c;
          break;
        } catch {}
      }
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      return out.outputFiles[0]!.text;
    })();
    bundles.set(name, p);
  }
  return p;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface TestServer {
  origin: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startServer(handler?: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
      const mod = /^\/mod\/([\w-]+)\.js$/.exec(url.pathname);
      if (req.method === 'GET' && mod) {
        const js = await bundle(mod[1]!);
        res.writeHead(200, { 'content-type': types['.js']!, 'cache-control': 'no-store' });
        res.end(js);
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/pages/')) {
        const rel = normalize(url.pathname.slice('/pages/'.length));
        if (rel.startsWith('..')) throw new Error('bad path');
        const body = await readFile(join(pagesDir, rel));
        res.writeHead(200, {
          'content-type': types[extname(rel)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        res.end(body);
        return;
      }
      if (handler && (await handler(req, res, url))) return;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((err as Error).message));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An "attacker" origin for exfiltration tests: records every body POSTed to `/collect` into
 * `loot` (CORS open, as a real attacker's endpoint would be).
 */
export function startCollector(loot: string[]): Promise<TestServer> {
  return startServer(async (req, res, url) => {
    if (url.pathname !== '/collect') return false;
    loot.push((await readBody(req)).toString('utf8'));
    res.writeHead(204, { 'access-control-allow-origin': '*' });
    res.end();
    return true;
  });
}

/** A handler serving the current secret at `/secret` (what a login would hand the page). */
export function serveSecret(secret: () => string): Handler {
  return (_req, res, url) => {
    if (url.pathname !== '/secret') return false;
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end(secret());
    return true;
  };
}
