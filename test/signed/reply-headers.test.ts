// Issue 8, "unsigned reply headers look verified": a verified response carries only what the reply
// signature covers. An on-path party adds Set-Cookie, Location, a fake auth header and a reason
// phrase to a correctly signed reply; none of it may appear on what SecureFetch hands back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey, getPublicKey, SecureFetch, SignedResponseError } from '../../src/signed/index.js';
import {
  createExpressAuth,
  createSignedHandler,
  createSignedServer,
  type VerifiedRequest,
} from '../../src/signed/server/index.js';
import { makeRig, ORIGIN } from './helpers.js';

/** The reply as it came from the server, with the attacker's additions. */
function inject(res: Response, add: Record<string, string>, statusText = 'OK'): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(add)) headers.append(k, v);
  return new Response(res.body, { status: res.status, statusText, headers });
}

const ADDED = {
  'set-cookie': 'session=attacker; Path=/',
  location: 'https://evil.example',
  'x-user-role': 'admin',
  'access-control-allow-origin': '*',
  'content-security-policy': "script-src 'unsafe-inline'",
};

describe('a verified response exposes only signed headers', () => {
  it('headers added on the path to a signed reply are not on the verified response', async () => {
    const rig = await makeRig('ed25519', { tamperResponse: (res) => inject(res, ADDED, 'Pwned') });
    const res = await rig.client('/me');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ path: '/me' });
    expect([...res.headers.keys()]).toEqual(['content-type']);
    expect(res.headers.get('content-type')).toBe('application/json');
    for (const name of Object.keys(ADDED)) expect(res.headers.get(name), name).toBeNull();
    expect(res.statusText).toBe('');
  });

  it('headers the server signs are exposed; changing or adding to one fails the reply', async () => {
    const key = generateSecretKey('ed25519');
    const handler = createSignedHandler({ key, origin: ORIGIN }, async (_req, secure) =>
      secure.json(
        { ok: true },
        { headers: { 'x-request-id': 'r-1', 'set-cookie': 'a=1', 'cache-control': 'private' } },
      ),
    );
    let tamper: (res: Response) => Response = (res) => res;
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: ORIGIN,
      fetcher: async (i, n) => tamper(await handler(new Request(i, n))),
    });
    const good = await f('/x');
    expect(good.headers.get('x-request-id')).toBe('r-1');
    // set-cookie and cache-control cannot be covered: they travel, unsigned, and are not exposed.
    expect(good.headers.get('set-cookie')).toBeNull();
    expect([...good.headers.keys()].sort()).toEqual(['content-type', 'x-request-id']);
    tamper = (res) => {
      const h = new Headers(res.headers);
      h.set('x-request-id', 'r-2');
      return new Response(res.body, { status: res.status, headers: h });
    };
    await expect(f('/x')).rejects.toBeInstanceOf(SignedResponseError);
    tamper = (res) => inject(res, { 'x-request-id': 'r-2' });
    await expect(f('/x')).rejects.toBeInstanceOf(SignedResponseError);
  });

  it('a signed header cannot be a framing or signature field, nor hold a line break', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ORIGIN });
    let verified: VerifiedRequest | null = null;
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: ORIGIN,
      fetcher: async (i, n) => {
        const req = new Request(i, n);
        const r = await core.verify({
          method: req.method,
          path: new URL(req.url).pathname,
          header: (h) => req.headers.get(h),
          body: null,
        });
        if (r.ok) verified = r.request;
        return new Response(null, { status: 500 });
      },
    });
    await f('/x').catch(() => {});
    const v = verified as VerifiedRequest | null;
    if (!v) throw new Error('the request did not verify');
    const bad: Record<string, string>[] = [
      { 'content-digest': 'sha-256=:AAAA:' },
      { 'Signature-Input': 'sig=()' },
      { 'content-type': 'text/html' },
      { 'set-cookie': 'a=1' },
      { 'sealed-key': ':AAAA:' },
      { 'bad name': 'x' },
      { 'x-a': 'one\r\nset-cookie: a=1' },
    ];
    for (const headers of bad)
      await expect(v.seal(200, 'x', undefined, headers), JSON.stringify(headers)).rejects.toThrow(TypeError);
    const ok = await v.seal(200, 'x', undefined, { 'X-Trace': ' t-1 ' });
    expect(ok.headers['x-trace']).toBe('t-1');
    expect(ok.headers['signature-input']).toContain('"x-trace"');
  });
});

describe('Express on 127.0.0.1: headers set beside res.secure are not signed, so not exposed', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('res.setHeader before res.secure.json does not reach the verified response', async () => {
    const key = generateSecretKey('ed25519');
    const app = express();
    let auth: ReturnType<typeof createExpressAuth> | null = null;
    app.use((req, res, next) => auth!(req, res, next));
    app.get('/me', (_req, res) => {
      res.setHeader('set-cookie', 'sid=1');
      res.setHeader('x-powered-by-app', 'yes');
      void (res as unknown as { secure: { json(v: unknown): Promise<unknown> } }).secure.json({ me: 1 });
    });
    const server = createServer(app);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    auth = createExpressAuth({ key, origin });
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), { hostname: origin });
    const res = await f('/me');
    expect(res.data).toEqual({ me: 1 });
    expect([...res.headers.keys()]).toEqual(['content-type']);
  });
});
