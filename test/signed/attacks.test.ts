// THREATS.md §Signed and encrypted requests (31-37), each written as the attack against a real
// SecureFetch ↔ server pair, with an attacker in the middle of the transport.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/internal/base64.js';
import {
  CryptoSession,
  generateSecretKey,
  getPublicKey,
  SecureFetch,
  SignedResponseError,
} from '../../src/signed/index.js';
import { contentDigest } from '../../src/signed/protocol.js';
import { createSignedHandler } from '../../src/signed/server/index.js';
import { makeRig, ORIGIN, remake } from './helpers.js';

async function refused(p: Promise<unknown>, status = 401): Promise<SignedResponseError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignedResponseError);
  expect((err as SignedResponseError).code).toBe('ERR_SIGNED_RESPONSE');
  expect((err as SignedResponseError).status).toBe(status);
  return err as SignedResponseError;
}

const POST = {
  method: 'POST',
  body: JSON.stringify({ amount: 10 }),
  headers: { 'content-type': 'application/json' },
};

describe('31: the signature covers method, target URI, authority, body digest, created, nonce and key id', () => {
  const cases: [string, (r: Request) => Promise<Request>][] = [
    ['method POST→PUT', (r) => remake(r, { method: 'PUT' })],
    ['method POST→DELETE', (r) => remake(r, { method: 'DELETE' })],
    ['path', (r) => remake(r, { url: r.url.replace('/pay', '/admin') })],
    ['query', (r) => remake(r, { url: `${r.url}&to=mallory` })],
    [
      'body (valid digest of the new body)',
      async (r) => {
        const text = await r.clone().text();
        const mid = text.length >> 1;
        const other = text.slice(0, mid) + (text[mid] === 'A' ? 'B' : 'A') + text.slice(mid + 1);
        return remake(r, {
          body: other,
          headers: { 'content-digest': contentDigest(new TextEncoder().encode(other)) },
        });
      },
    ],
    ['body without digest change', (r) => remake(r, { body: 'AAAA' })],
    [
      'created',
      (r) =>
        remake(r, {
          headers: {
            'signature-input': r.headers
              .get('signature-input')!
              .replace(/created=(\d+)/, (_m, n) => `created=${Number(n) - 5}`),
          },
        }),
    ],
    [
      'nonce',
      (r) =>
        remake(r, {
          headers: {
            'signature-input': r.headers
              .get('signature-input')!
              .replace(/nonce="[^"]+"/, `nonce="${'A'.repeat(22)}"`),
          },
        }),
    ],
    [
      'key id (another valid key)',
      async (r) => {
        const other = await getPublicKey(generateSecretKey('ed25519'));
        return remake(r, {
          headers: {
            'signature-input': r.headers.get('signature-input')!.replace(/keyid="[^"]+"/, `keyid="${other}"`),
          },
        });
      },
    ],
    [
      'ephemeral key',
      async (r) => {
        const rig2 = await makeRig('ed25519');
        await rig2.client('/x');
        return remake(r, { headers: { 'sealed-key': rig2.wire[0]!.headers.get('sealed-key') } });
      },
    ],
    [
      'covered component list shortened',
      (r) =>
        remake(r, {
          headers: { 'signature-input': r.headers.get('signature-input')!.replace(' "@authority"', '') },
        }),
    ],
  ];
  for (const [name, tamper] of cases) {
    it(`changing the ${name} fails verification and the handler never runs`, async () => {
      const rig = await makeRig('ed25519', { tamper });
      await refused(rig.client('/pay?id=1', POST));
      expect(rig.calls).toBe(0);
      expect(rig.failures.length).toBe(1);
    });
  }

  it('a request signed for another scheme is refused (target URI)', async () => {
    const rig = await makeRig('ed25519');
    const other = SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: 'http://api.example.test',
      fetcher: async (i, n) => rig.handler(new Request(String(i).replace('http:', 'https:'), n)),
    });
    await refused(other('/pay', POST));
    expect(rig.calls).toBe(0);
  });

  it('a request signed for another host is refused (authority)', async () => {
    const rig = await makeRig('ed25519');
    const other = SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: 'https://evil.example.test',
      fetcher: async (i, n) =>
        rig.handler(new Request(String(i).replace('https://evil.example.test', ORIGIN), n)),
    });
    await refused(other('/pay', POST));
    expect(rig.calls).toBe(0);
  });

  it('with several origins, a request signed for one and sent with the Host of another is refused', async () => {
    const key = generateSecretKey('ed25519');
    let calls = 0;
    const handler = createSignedHandler(
      { key, origin: ['https://a.test', 'https://b.test'] },
      async (_r, s) => {
        calls++;
        return s.json({ ok: true });
      },
    );
    const client = (host: string) =>
      SecureFetch(getPublicKey(key) as never, generateSecretKey('ed25519'), {
        fetcher: (i, n) => {
          const req = new Request(i, n);
          const headers = new Headers(req.headers);
          headers.set('host', host);
          return handler(new Request(req.url, { method: req.method, headers }));
        },
      });
    const pub = await getPublicKey(key);
    const ok = SecureFetch(pub, generateSecretKey('ed25519'), {
      fetcher: (i, n) => {
        const req = new Request(i, n);
        const headers = new Headers(req.headers);
        headers.set('host', 'a.test');
        return handler(new Request(req.url, { method: req.method, headers }));
      },
    });
    expect((await ok('https://a.test/x')).data).toEqual({ ok: true });
    const bad = SecureFetch(pub, generateSecretKey('ed25519'), {
      fetcher: (i, n) => {
        const req = new Request(i, n);
        const headers = new Headers(req.headers);
        headers.set('host', 'b.test');
        return handler(new Request(req.url.replace('a.test', 'b.test'), { method: req.method, headers }));
      },
    });
    await refused(bad('https://a.test/x'));
    expect(calls).toBe(1);
    expect(typeof client).toBe('function');
  });

  for (const header of ['signature', 'signature-input', 'content-digest', 'sealed-key']) {
    it(`stripping the ${header} header is refused`, async () => {
      const rig = await makeRig('ed25519', { tamper: (r) => remake(r, { headers: { [header]: null } }) });
      await refused(rig.client('/pay', POST));
      expect(rig.calls).toBe(0);
    });
  }

  it("swapping in another request's signature headers is refused", async () => {
    const donor = await makeRig('ed25519');
    const rig = await makeRig('ed25519', {
      tamper: (r) =>
        remake(r, {
          headers: {
            signature: donor.wire[0]!.headers.get('signature'),
            'signature-input': donor.wire[0]!.headers.get('signature-input'),
          },
        }),
    });
    await donor.client('/pay', POST);
    await refused(rig.client('/pay', POST));
    expect(rig.calls).toBe(0);
  });
});

describe('32: replays are rejected', () => {
  it('the same request sent twice runs the handler once', async () => {
    const rig = await makeRig('ed25519');
    await rig.client('/pay', POST);
    const replay = await rig.raw(rig.wire[0]!.clone());
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('Unauthorized');
    expect(rig.calls).toBe(1);
    expect(rig.failures).toEqual(['replay']);
  });

  it('a request replayed later with a fresh nonce-cache (server restart) is outside the time window', async () => {
    let now = Date.now();
    const rig = await makeRig('ed25519', { now: () => now });
    await rig.client('/pay', POST);
    now += 35_000; // past the 30 s skew whatever the sub-second phase of the clocks
    const replay = await rig.raw(rig.wire[0]!.clone());
    expect(replay.status).toBe(401);
    expect(rig.failures).toEqual(['time']);
  });

  it('a request created in the future beyond the skew is refused', async () => {
    const rig = await makeRig('ed25519', { now: () => Date.now() - 60_000 });
    await refused(rig.client('/pay', POST));
    expect(rig.failures).toEqual(['time']);
  });
});

describe('33: AEAD with HKDF keys separate per direction; nothing secret signed in the clear', () => {
  it('the body on the wire is ciphertext; its signature covers the ciphertext digest', async () => {
    const rig = await makeRig('ed25519');
    await rig.client('/pay', { method: 'POST', body: 'the secret plaintext' });
    const wire = rig.wire[0]!;
    const body = await wire.clone().text();
    expect(body).not.toContain('secret');
    expect(wire.headers.get('content-type')).toBe('application/sealed-session');
    expect(wire.headers.get('content-digest')).toBe(contentDigest(new TextEncoder().encode(body)));
    expect(wire.headers.get('content-digest')).not.toBe(
      contentDigest(new TextEncoder().encode('the secret plaintext')),
    );
  });

  it('a response cannot be decrypted with the request key, nor a request replayed as a response body', async () => {
    const rig = await makeRig('ed25519', {
      tamperResponse: async (res, req) => {
        // Put the (validly encrypted) request body in the response, keep its signature headers.
        const headers = new Headers(res.headers);
        const body = await req.clone().text();
        headers.set('content-digest', contentDigest(new TextEncoder().encode(body)));
        return new Response(body, { status: res.status, headers });
      },
    });
    const err = await refused(rig.client('/pay', POST), 200);
    expect(['digest', 'signature', 'decrypt']).toContain(err.reason);
  });

  it('a bit flipped in the ciphertext by a client holding the key is refused by the AEAD', async () => {
    const rig = await makeRig('ed25519');
    const flipping = SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: ORIGIN,
      fetcher: async (input, init) => {
        const req = new Request(input, init);
        return rig.handler(req);
      },
    });
    await flipping('/pay', POST);
    expect(rig.calls).toBe(1);
    // The wire format is checked by the AEAD tag: a forged ciphertext never decrypts.
    const { openBody, sealBody } = await import('../../src/signed/seal.js');
    const key = new Uint8Array(32).fill(7);
    const sealed = sealBody(key, 'text/plain', new TextEncoder().encode('x'));
    sealed[30]! ^= 1;
    expect(openBody(key, sealed)).toBeNull();
  });

  it('CryptoSession tokens sign the ciphertext digest, never the plaintext', async () => {
    const a = generateSecretKey('ed25519');
    const b = generateSecretKey('ed25519');
    const alice = new CryptoSession(await getPublicKey(b), a);
    const bob = new CryptoSession(await getPublicKey(a), b);
    const { token, payload } = await alice.encode({ pin: '1234' });
    expect(payload).not.toContain('1234');
    expect(
      await bob.verify(fromBase64Url(token.encoded.split('.')[2]!)!, JSON.stringify({ pin: '1234' })),
    ).toBe(false);
    expect(await bob.decode(token, payload)).toEqual({ data: { pin: '1234' }, isValid: true });
  });
});

describe('34: responses are signed, bound to their request; the client throws otherwise', () => {
  it('a response swapped from another request is refused', async () => {
    let first: Response | null = null;
    const rig = await makeRig('ed25519', {
      tamperResponse: async (res) => {
        if (!first) {
          first = res.clone();
          return res;
        }
        return first.clone();
      },
    });
    const ok = await rig.client('/pay?id=1', POST);
    expect(ok.data).toMatchObject({ path: '/pay?id=1' });
    const err = await refused(rig.client('/pay?id=1', POST), 200);
    expect(err.reason).toBe('signature');
  });

  it('a response bound to the request but signed by a key other than the server key is refused', async () => {
    const { loadSecretKey } = await import('../../src/signed/keys.js');
    const p = await import('../../src/signed/protocol.js');
    const attacker = await loadSecretKey(generateSecretKey('ed25519'), 'attacker');
    const rig = await makeRig('ed25519', {
      tamperResponse: async (_res, req) => {
        const digest = p.contentDigest(new Uint8Array(0));
        const list = p.signatureParams(
          p.RESPONSE_COMPONENTS,
          Math.floor(Date.now() / 1000),
          attacker.publicKey.id,
          'ed25519',
        );
        const reqView = {
          method: req.method,
          url: new URL(req.url),
          header: (n: string) => req.headers.get(n),
        };
        const base = p.signatureBase(
          list,
          { status: 200, header: (n) => (n === 'content-digest' ? digest : undefined) },
          reqView,
        )!;
        const h = p.signatureHeaders(list, await attacker.sign(base));
        return new Response(null, {
          status: 200,
          headers: { 'content-digest': digest, 'signature-input': h.input, signature: h.signature },
        });
      },
    });
    const err = await refused(rig.client('/pay', POST), 200);
    expect(err.reason).toBe('key');
  });

  it('unsigned responses throw, error statuses included', async () => {
    for (const [status, body] of [
      [200, '{"fake":true}'],
      [401, 'Unauthorized'],
      [500, 'boom'],
      [404, ''],
    ] as const) {
      const rig = await makeRig('ed25519', { tamperResponse: () => new Response(body || null, { status }) });
      const err = await refused(rig.client('/pay', POST), status);
      expect(err.reason).toBe('unsigned');
    }
  });

  it('a server 401 (failed verification) makes the client throw', async () => {
    const rig = await makeRig('ed25519', { tamper: (r) => remake(r, { method: 'PATCH' }) });
    await refused(rig.client('/pay', POST), 401);
  });

  it('status, body and headers of a signed response cannot be altered', async () => {
    const tampers: ((res: Response) => Promise<Response>)[] = [
      async (res) => new Response(res.body, { status: 404, headers: res.headers }),
      async (res) => {
        const t = await res.text();
        return new Response(t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'), {
          status: 200,
          headers: res.headers,
        });
      },
      async (res) => {
        const h = new Headers(res.headers);
        h.delete('signature');
        return new Response(res.body, { status: 200, headers: h });
      },
      async (res) => {
        const h = new Headers(res.headers);
        h.set('signature-input', h.get('signature-input')!.replace('"@status" ', ''));
        return new Response(res.body, { status: 200, headers: h });
      },
    ];
    for (const tamperResponse of tampers) {
      const rig = await makeRig('ed25519', { tamperResponse });
      await expect(rig.client('/pay', POST)).rejects.toBeInstanceOf(SignedResponseError);
    }
  });

  it("replySignature 'hmac': replies carry an RFC 9421 hmac-sha256 bound to the request; swaps and foreign MACs throw", async () => {
    let first: Response | null = null;
    const rig = await makeRig('ed25519', {
      replySignature: 'hmac',
      tamperResponse: async (res) => {
        if (!first) {
          first = res.clone();
          return res;
        }
        return first.clone();
      },
    });
    const ok = await rig.client('/pay', POST);
    expect(ok.data).toMatchObject({ method: 'POST' });
    expect(rig.lastResponse!.headers.get('signature-input')).toContain('alg="hmac-sha256"');
    await refused(rig.client('/pay', POST), 200);
    // A MAC computed with any key but this request's agreement key (here: one flipped bit) fails.
    const rig2 = await makeRig('ed25519', {
      replySignature: 'hmac',
      tamperResponse: async (res) => {
        const h = new Headers(res.headers);
        const sig = h.get('signature')!;
        const bytes = Buffer.from(sig.slice(5, -1), 'base64');
        bytes[0]! ^= 1;
        h.set('signature', `sig=:${bytes.toString('base64')}:`);
        return new Response(res.body, { status: res.status, headers: h });
      },
    });
    const err = await refused(rig2.client('/pay', POST), 200);
    expect(err.reason).toBe('signature');
  });

  it('a signed error response is returned (not thrown) with its verified data', async () => {
    const rig = await makeRig('ed25519');
    const res = await rig.client('/error');
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(res.data).toEqual({ error: 'nope' });
  });

  it('a plain Response returned by a Web handler is sealed on the way out', async () => {
    const rig = await makeRig('p256');
    const res = await rig.client('/plain');
    expect(res.status).toBe(201);
    expect(res.data).toBe('plain reply');
    expect(await rig.wire.length).toBe(1);
  });
});

describe('35: every method is signed, or the client throws', () => {
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    it(`${method} is signed and verified`, async () => {
      const rig = await makeRig('ed25519');
      const res = await rig.client(
        '/m',
        method === 'GET' || method === 'HEAD' ? { method } : { method, body: 'x' },
      );
      expect(rig.wire[0]!.headers.get('signature-input')).toContain('"@method"');
      expect(rig.calls).toBe(1);
      if (method !== 'HEAD') expect(res.data).toMatchObject({ method });
    });
  }
  for (const method of ['TRACE', 'CONNECT', 'FOO']) {
    it(`${method} throws before anything is sent`, async () => {
      const rig = await makeRig('ed25519');
      await expect(rig.client('/m', { method })).rejects.toBeInstanceOf(TypeError);
      expect(rig.wire.length).toBe(0);
    });
  }
  it('Object.prototype pollution cannot change the method (options are read explicitly)', async () => {
    const rig = await makeRig('ed25519');
    const proto = Object.prototype as Record<string, unknown>;
    proto.method = 'DELETE';
    try {
      const res = await rig.client('/m');
      expect(res.data).toMatchObject({ method: 'GET' });
    } finally {
      delete proto.method;
    }
  });
});

describe('36: the handler never runs for an unverified request', () => {
  it('unsigned, malformed and hostile requests get 401 with a fixed message', async () => {
    const rig = await makeRig('ed25519');
    const hostile: Record<string, string>[] = [
      {},
      { signature: 'sig=:AAAA:', 'signature-input': 'sig=("@method");created=1' },
      { signature: 'x', 'signature-input': 'y' },
      { 'signature-input': `sig=(${'"a" '.repeat(2000)})` },
      { signature: `sig=:${'A'.repeat(5000)}:`, 'signature-input': 'sig=()' },
      {
        'signature-input':
          'sig=("@method" "@target-uri" "@authority" "content-digest" "sealed-key");created=1;keyid="zz";alg="ed25519";tag="sealed-session-v1";nonce="AAAAAAAAAAAAAAAAAAAAAA"',
        signature: 'sig=:AAAA:',
      },
    ];
    for (const headers of hostile) {
      const res = await rig.raw(new Request(`${ORIGIN}/pay`, { method: 'POST', headers, body: 'x' }));
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('Unauthorized');
    }
    expect(rig.calls).toBe(0);
  });
});

describe('37/38: secret keys are never readable nor logged', () => {
  it('CryptoSession exposes no secret through properties, JSON or inspect', async () => {
    const secret = generateSecretKey('secp256k1');
    const hex = secret;
    const s = await CryptoSession.create(await getPublicKey(generateSecretKey('secp256k1')), secret);
    const views = [
      JSON.stringify(s),
      inspect(s, { showHidden: true, depth: 10 }),
      String(Object.getOwnPropertyNames(s).map((k) => String((s as unknown as Record<string, unknown>)[k]))),
      JSON.stringify(s.info),
    ];
    for (const v of views) expect(v).not.toContain(hex);
    expect(Object.keys(s)).toEqual(['peerKey']);
  });

  it('SecureFetch exposes no secret; verbose lines and errors hold none', async () => {
    const rig = await makeRig('ed25519');
    const lines: string[] = [];
    const f = SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: ORIGIN,
      verbose: (l) => lines.push(l),
      fetcher: async (i, n) => rig.handler(new Request(i, n)),
    });
    await f('/pay?token=abc', POST);
    const bad = SecureFetch(rig.serverPublic, rig.clientKey, {
      hostname: ORIGIN,
      verbose: (l) => lines.push(l),
      fetcher: async () => new Response('no', { status: 500 }),
    });
    const err = await bad('/x').catch((e: Error) => e);
    const hexPart = rig.clientKey.split(':')[1]!;
    const all = [
      ...lines,
      inspect(f, { showHidden: true, depth: 5 }),
      JSON.stringify(Object.getOwnPropertyDescriptors(f)),
      String(err),
      (err as Error).stack ?? '',
    ].join('\n');
    expect(lines.length).toBe(2);
    expect(all).not.toContain(hexPart);
    expect(all).not.toContain('token=abc');
    expect(f).toBeInstanceOf(SecureFetch);
    expect(Object.isFrozen(f)).toBe(true);
  });

  it('a bad key throws "expected X, got Y" without echoing it', () => {
    const secretish = `ed25519:${'f'.repeat(63)}`;
    // Each call must throw on its own (a catch that only appends would let one of them pass).
    for (const attempt of [
      () => new CryptoSession(generateSecretKey('ed25519'), secretish),
      () => SecureFetch('p256:00', secretish),
    ]) {
      expect(attempt).toThrow(/expected/);
      expect(attempt).toThrow(/^(?!.*f{63})/s);
    }
  });
});

describe('server key rotation', () => {
  it('a server listing [new, old] answers clients of both keys, each with the key it addressed', async () => {
    const oldKey = generateSecretKey('ed25519');
    const newKey = generateSecretKey('p256');
    let calls = 0;
    const make = (key: string | string[]) =>
      createSignedHandler({ key, origin: ORIGIN }, async (_r, secure) => {
        calls++;
        return secure.json({ served: secure.session.pubKey });
      });
    const both = make([newKey, oldKey]);
    const onlyNew = make(newKey);
    const client = (serverKey: string, handler: (r: Request) => Promise<Response>) =>
      SecureFetch(serverKey, generateSecretKey('ed25519'), {
        hostname: ORIGIN,
        fetcher: (i, n) => handler(new Request(i, n)),
      });
    const oldPub = await getPublicKey(oldKey);
    const newPub = await getPublicKey(newKey);
    expect((await client(oldPub, both)('/x')).data).toEqual({ served: oldPub });
    expect((await client(newPub, both)('/x')).data).toEqual({ served: newPub });
    // Once the old key is dropped, its clients get 401 and throw.
    await refused(client(oldPub, onlyNew)('/x'));
    expect(calls).toBe(2);
  });

  it('the addressed key id is signed: changing or dropping it is refused', async () => {
    const keyA = generateSecretKey('ed25519');
    const keyB = generateSecretKey('ed25519');
    const pubB = await getPublicKey(keyB);
    for (const change of [
      (v: string) => v.replace(/kid="[^"]+"/, `kid="${pubB}"`),
      (v: string) => v.replace(/;kid="[^"]+"/, ''),
    ]) {
      let calls = 0;
      const handler = createSignedHandler({ key: [keyA, keyB], origin: ORIGIN }, async (_r, s) => {
        calls++;
        return s.json({});
      });
      const f = SecureFetch(await getPublicKey(keyA), generateSecretKey('ed25519'), {
        hostname: ORIGIN,
        fetcher: async (i, n) => {
          const req = new Request(i, n);
          return handler(
            await remake(req, { headers: { 'sealed-key': change(req.headers.get('sealed-key')!) } }),
          );
        },
      });
      await refused(f('/x', POST));
      expect(calls).toBe(0);
    }
  });

  it('an empty key list and a bad entry are refused at construction, naming the index', () => {
    expect(() => createSignedHandler({ key: [], origin: ORIGIN }, async () => new Response())).toThrow(
      /non-empty/,
    );
    expect(() =>
      createSignedHandler(
        { key: [generateSecretKey(), 'ed25519:abc'], origin: ORIGIN },
        async () => new Response(),
      ),
    ).toThrow(/options\.key\[1\]/);
  });
});
