// sealed-session/web needs nothing but Web platform globals: its browser bundle is evaluated in a
// fresh V8 context holding only what Workers/Deno/Bun offer (no process, Buffer, require, module),
// then round-trips a session through real Request/Response objects there.
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/index.js';

type WebModule = typeof import('../../src/web/index.js');

let code = '';
let mod: WebModule;
let realm: Record<string, unknown>;

beforeAll(async () => {
  const out = await build({
    entryPoints: [new URL('../../src/web/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'SealedSessionWeb',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external: ['hono'], // type-only import; must not be needed at run time
  });
  code = out.outputFiles[0]!.text;
  realm = {
    Request,
    Response,
    Headers,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    crypto: globalThis.crypto,
    atob,
    btoa,
    queueMicrotask,
    setTimeout,
    clearTimeout,
  };
  createContext(realm);
  runInContext(code, realm);
  mod = realm.SealedSessionWeb as WebModule;
});

describe('sealed-session/web on a bare Web runtime', () => {
  it('the bundle references no Node built-in and needs no require', () => {
    expect(code).not.toMatch(/\bnode:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/\bBuffer\b/);
    expect(realm.process).toBeUndefined();
  });

  it('round-trips a session with a hex key through Request/Response in that context', async () => {
    const key = Buffer.from(generateKey()).toString('hex');
    const sessions = mod.createSessions<{ user: string }>({ key });
    const s = await sessions.load(new Request('https://edge.example/'));
    s.set('user', 'alice');
    const res = sessions.commit(s, new Response('ok'));
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^session=[A-Za-z0-9_-]+;/);
    const value = cookie!.slice('session='.length, cookie!.indexOf(';'));
    const back = await sessions.load(
      new Request('https://edge.example/', { headers: { cookie: `session=${value}` } }),
    );
    expect(back.get('user')).toBe('alice');
    const tampered = await sessions.load(
      new Request('https://edge.example/', { headers: { cookie: `session=${value.slice(0, -2)}AA` } }),
    );
    expect(tampered.data()).toEqual({});
  });

  it('cookies sealed there open in Node with the same key (same format everywhere)', async () => {
    const key = Buffer.from(generateKey()).toString('hex');
    const edge = mod.createSessions<{ n: number }>({ key });
    const s = await edge.load(null);
    s.set('n', 7);
    const [cookie] = edge.cookies(s);
    const { createSessions } = await import('../../src/web/index.js');
    const node = createSessions<{ n: number }>({ key });
    expect((await node.load(cookie!.split(';')[0]!)).get('n')).toBe(7);
  });

  it('cookies sealed on the edge (portable backend) open in the Express adapter (libsodium) and back', async () => {
    const { withSession } = await import('../../src/express/index.js');
    const { createServer } = await import('node:http');
    const key = Buffer.from(generateKey()).toString('hex');
    const edge = mod.createSessions<{ n: number }>({ key });
    const s = await edge.load(null);
    s.set('n', 41);
    const cookie = edge.cookies(s)[0]!.split(';')[0]!;
    const server = createServer(
      withSession<{ n: number }>({ key }, (_req, res, session) => {
        session.set('n', (session.get('n') ?? 0) + 1);
        res.end(String(session.get('n')));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // The Node side really runs on libsodium here; the edge bundle has its own portable backend.
    expect((await import('../../src/core/backend.js')).backend().name).toBe('sodium-native');
    try {
      const { port } = server.address() as { port: number };
      const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
      expect(await r.text()).toBe('42');
      const back = r.headers.getSetCookie()[0]!.split(';')[0]!;
      expect((await edge.load(back)).get('n')).toBe(42);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
