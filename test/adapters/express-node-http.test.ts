// sealed-session/express on a plain node:http server: withSession() and the middleware used by hand.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Session, sealedSession, withSession } from '../../src/express/index.js';
import { generateKey } from '../../src/index.js';
import { cookieHeader, hostileValues, jar } from './express-web-support.js';

interface Data {
  visits: number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const key = generateKey();

describe('sealed-session/express on node:http', () => {
  it('withSession() counts visits through the cookie and appends to existing Set-Cookie', async () => {
    const base = await listen(
      withSession<Data>({ key, cookieName: 'sid' }, (req, res, session) => {
        expect(req.session).toBe(session);
        const visits = (session.get('visits') ?? 0) + 1;
        session.set('visits', visits);
        res.setHeader('Set-Cookie', 'hello=world');
        res.end(String(visits));
      }),
    );
    let j: Record<string, string> = {};
    for (let i = 1; i <= 3; i++) {
      const r = await fetch(base, { headers: { cookie: cookieHeader(j) } });
      expect(await r.text()).toBe(String(i));
      const sc = r.headers.getSetCookie();
      expect(sc.map((c) => c.split('=')[0])).toEqual(['hello', 'sid']);
      j = jar(sc, j);
    }
  });

  it('withSession(): a throwing or rejecting handler gets a 500 and the returned promise rejects', async () => {
    const errors: unknown[] = [];
    const boom = withSession({ key }, async () => {
      throw new Error('handler failed');
    });
    const sync = withSession({ key }, () => {
      throw new Error('sync failure');
    });
    const base = await listen((req, res) => {
      const h = req.url === '/sync' ? sync : boom;
      h(req, res).catch((e) => errors.push(e));
    });
    expect((await fetch(`${base}/async`)).status).toBe(500);
    expect((await fetch(`${base}/sync`)).status).toBe(500);
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler failed', 'sync failure']);
  });

  it('withSession(): hostile cookies give an empty session and a normal response', async () => {
    const base = await listen(
      withSession<Data>({ key }, (_req, res, session) => {
        res.end(JSON.stringify(session.data()));
      }),
    );
    for (const { label, value } of hostileValues(key, 'session')) {
      const r = await fetch(base, { headers: { cookie: `session=${value}` } });
      expect(r.status, label).toBe(200);
      expect(await r.text(), label).toBe('{}');
    }
  });

  it('the middleware works by hand with a custom session name', async () => {
    const mw = sealedSession<Data>({ key, sessionName: 'visit' });
    const base = await listen((req, res) => {
      mw(req, res, (err) => {
        if (err) {
          res.statusCode = 500;
          res.end();
          return;
        }
        const s = (req as unknown as { visit: Session<Data> }).visit;
        s.set('visits', (s.get('visits') ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'a=b' });
        res.end(String(s.get('visits')));
      });
    });
    const first = await fetch(base);
    const sc = first.headers.getSetCookie();
    expect(sc.map((c) => c.split('=')[0])).toEqual(['a', 'visit']);
    const second = await fetch(base, { headers: { cookie: cookieHeader(jar(sc)) } });
    expect(await second.text()).toBe('2');
  });

  it('withSession() validates options at construction', () => {
    expect(() => withSession({ key: generateKey().subarray(1) }, () => {})).toThrow(
      /^key: expected a 32-byte key .*got a Uint8Array of 31 bytes$/,
    );
  });
});
