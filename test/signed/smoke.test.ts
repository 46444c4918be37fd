import { describe, expect, it } from 'vitest';
import { makeRig } from './helpers.js';

describe('signed round trip', () => {
  for (const alg of ['ed25519', 'p256', 'secp256k1'] as const) {
    it(`${alg}: GET and POST are signed, encrypted and verified`, async () => {
      const rig = await makeRig(alg);
      const r1 = await rig.client('/hello?x=1');
      expect(r1.status).toBe(200);
      expect(r1.data).toEqual({ method: 'GET', path: '/hello?x=1', peer: rig.clientPublic, data: null });
      const r2 = await rig.client('/notes', {
        method: 'POST',
        body: JSON.stringify({ text: 'secret note' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(r2.data).toMatchObject({ method: 'POST', data: { text: 'secret note' } });
      expect(await rig.wire[1]!.text()).not.toContain('secret note');
      expect(rig.failures).toEqual([]);
    });
  }

  for (const native of [true, false]) {
    it(`ed25519 server with native libsodium ${native ? 'on' : 'off'}: requests verify and replies verify`, async () => {
      const rig = await makeRig('ed25519', { native });
      const { createSignedServer } = await import('../../src/signed/core.js');
      expect(await createSignedServer({ key: rig.serverKey, origin: 'https://a.test', native }).backend).toBe(
        native ? 'sodium-native' : 'webcrypto',
      );
      const res = await rig.client('/n', { method: 'PUT', body: 'x' });
      expect(res.data).toMatchObject({ method: 'PUT', data: 'x' });
      // The reply signature is a plain Ed25519 signature either way: check it with WebCrypto too.
      const { createVerifier, tryParsePublicKey } = await import('../../src/signed/keys.js');
      const { readSignature, signatureBase, RESPONSE_COMPONENTS } = await import(
        '../../src/signed/protocol.js'
      );
      const r = rig.lastResponse!;
      const req = rig.wire[0]!;
      const view = { status: r.status, header: (n: string) => r.headers.get(n) };
      const sig = readSignature(view, RESPONSE_COMPONENTS, false);
      if (typeof sig === 'string') throw new Error(sig);
      const base = signatureBase(sig.list, view, {
        method: req.method,
        url: new URL(req.url),
        header: (n) => req.headers.get(n),
      })!;
      expect(await (await createVerifier(tryParsePublicKey(rig.serverPublic)!))(base, sig.signature)).toBe(
        true,
      );
      // A forged request is still refused on this path.
      const bad = await rig.raw(new Request(req.url, { method: 'PUT', headers: req.headers, body: 'AAAA' }));
      expect(bad.status).toBe(401);
    });
  }

  for (const native of [true, false]) {
    it(`a correctly signed request with a forged ciphertext fails decryption (native ${native ? 'on' : 'off'})`, async () => {
      const rig = await makeRig('ed25519', { native });
      const { loadSecretKey, createEphemeral, tryParsePublicKey, RFC_ALG } = await import(
        '../../src/signed/keys.js'
      );
      const p = await import('../../src/signed/protocol.js');
      const { toBase64, toBase64Url } = await import('../../src/internal/base64.js');
      const { randomBytes } = await import('../../src/internal/random.js');
      const key = await loadSecretKey(rig.clientKey, 'k');
      const eph = await createEphemeral(tryParsePublicKey(rig.serverPublic)!);
      const body = toBase64Url(randomBytes(80));
      const headers = new Headers({
        'content-type': p.WIRE_TYPE,
        'content-digest': p.contentDigest(new TextEncoder().encode(body)),
        'sealed-key': `:${toBase64(eph.publicKey)}:`,
      });
      const url = new URL('https://api.example.test/x');
      const list = p.signatureParams(
        p.REQUEST_COMPONENTS,
        Math.floor(Date.now() / 1000),
        key.publicKey.id,
        RFC_ALG.ed25519,
        toBase64Url(randomBytes(16)),
      );
      const base = p.signatureBase(list, { method: 'POST', url, header: (n) => headers.get(n) })!;
      const h = p.signatureHeaders(list, await key.sign(base));
      headers.set('signature-input', h.input);
      headers.set('signature', h.signature);
      const res = await rig.raw(new Request(url, { method: 'POST', headers, body }));
      expect(res.status).toBe(401);
      expect(rig.failures).toEqual(['decrypt']);
      expect(rig.calls).toBe(0);
    });
  }

  it('SecureFetch works with and without `new`, with URL and Request inputs and default options', async () => {
    const rig = await makeRig('ed25519');
    const { SecureFetch } = await import('../../src/signed/index.js');
    const fetcher = async (i: RequestInfo | URL, n?: RequestInit) => rig.handler(new Request(i, n));
    const a = new SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: 'https://api.example.test',
      fetcher,
      method: 'PATCH',
    });
    expect(a).toBeInstanceOf(SecureFetch);
    expect(typeof a).toBe('function');
    expect((await a('/d', { body: 'x' })).data).toMatchObject({ method: 'PATCH', data: 'x' });
    const b = SecureFetch(rig.serverPublic, rig.clientKey, { fetcher });
    expect((await b(new URL('https://api.example.test/u?q=1'))).data).toMatchObject({ path: '/u?q=1' });
    const req = new Request('https://api.example.test/r', {
      method: 'POST',
      body: JSON.stringify({ k: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect((await b(req)).data).toMatchObject({ method: 'POST', data: { k: 1 } });
    expect(Object.keys(a)).toEqual(['session', 'serverKey', 'hostname', 'verbose']);
  });
});
