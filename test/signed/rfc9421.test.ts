// Interop with RFC 9421: the appendix B.2.6 (Ed25519) and B.2.4 (ECDSA P-256) examples verify with
// our signature-base builder and verifiers; our signatures verify with `http-message-signatures`.
import { createPublicKey } from 'node:crypto';
import { createVerifier as hmsVerifier, httpbis } from 'http-message-signatures';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/internal/base64.js';
import { generateSecretKey, getPublicKey } from '../../src/signed/index.js';
import { createVerifier, tryParsePublicKey } from '../../src/signed/keys.js';
import { type MessageView, signatureBase } from '../../src/signed/protocol.js';
import { isInnerList, parseDictionary } from '../../src/signed/sf.js';
import { makeRig, ORIGIN } from './helpers.js';

function view(init: {
  method?: string;
  url?: string;
  status?: number;
  headers: Record<string, string>;
}): MessageView {
  const h = new Headers(init.headers);
  return {
    method: init.method,
    url: init.url ? new URL(init.url) : undefined,
    status: init.status,
    header: (n) => h.get(n),
  };
}

async function verifyExample(
  msg: MessageView,
  input: string,
  signature: string,
  label: string,
  publicKey: string,
): Promise<boolean> {
  const list = parseDictionary(input)!.get(label)!;
  const sig = parseDictionary(signature)!.get(label)!;
  if (!isInnerList(list) || isInnerList(sig)) throw new Error('bad example');
  const base = signatureBase(list, msg)!;
  const verify = await createVerifier(tryParsePublicKey(publicKey)!);
  return verify(base, sig.value as Uint8Array);
}

// RFC 9421 appendix B.1.4 test-key-ed25519, x = JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs
const ED25519_PUB = `ed25519:${Buffer.from('JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', 'base64url').toString('hex')}`;
// RFC 9421 appendix B.1.3 test-key-ecc-p256 (x, y)
const P256_PUB = `p256:04${Buffer.from('qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA', 'base64url').toString('hex')}${Buffer.from(
  'Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0',
  'base64url',
).toString('hex')}`;

const B2_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
};
const B26_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIG =
  'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

const B24_RESPONSE = {
  status: 200,
  headers: {
    date: 'Tue, 20 Apr 2021 02:07:56 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:',
    'content-length': '23',
  },
};
const B24_INPUT =
  'sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"';
const B24_SIG =
  'sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:';

describe('RFC 9421 appendix B examples verify with our verifier', () => {
  it('B.2.6 Ed25519: the signature base matches the RFC text and the signature verifies', async () => {
    const list = parseDictionary(B26_INPUT)!.get('sig-b26')!;
    if (!isInnerList(list)) throw new Error('inner list expected');
    const base = new TextDecoder().decode(signatureBase(list, view(B2_REQUEST))!);
    expect(base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    );
    expect(await verifyExample(view(B2_REQUEST), B26_INPUT, B26_SIG, 'sig-b26', ED25519_PUB)).toBe(true);
  });

  it('B.2.6 Ed25519: one changed component fails', async () => {
    const changed = { ...B2_REQUEST, method: 'PUT' };
    expect(await verifyExample(view(changed), B26_INPUT, B26_SIG, 'sig-b26', ED25519_PUB)).toBe(false);
  });

  it('B.2.4 ECDSA P-256 response: verifies, and fails for another status', async () => {
    expect(await verifyExample(view(B24_RESPONSE), B24_INPUT, B24_SIG, 'sig-b24', P256_PUB)).toBe(true);
    expect(
      await verifyExample(view({ ...B24_RESPONSE, status: 201 }), B24_INPUT, B24_SIG, 'sig-b24', P256_PUB),
    ).toBe(false);
  });
});

describe('our signatures verify with http-message-signatures', () => {
  for (const [alg, rfcAlg] of [
    ['ed25519', 'ed25519'],
    ['p256', 'ecdsa-p256-sha256'],
  ] as const) {
    it(`${alg}: a SecureFetch request and its signed response`, async () => {
      const rig = await makeRig(alg);
      const res = await rig.client('/notes?id=7', { method: 'PUT', body: 'hello' });
      expect(res.status).toBe(200);
      const wire = rig.wire[0]!;
      const headers: Record<string, string> = {};
      wire.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const request = { method: wire.method, url: wire.url, headers };
      const { p256 } = await import('@noble/curves/nist.js');
      const keyFor = (pub: string) => {
        const t = tryParsePublicKey(pub)!;
        if (t.alg === 'ed25519')
          return createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(t.bytes).toString('base64url') },
            format: 'jwk',
          });
        const u = p256.Point.fromBytes(t.bytes).toBytes(false);
        return createPublicKey({
          key: {
            kty: 'EC',
            crv: 'P-256',
            x: Buffer.from(u.subarray(1, 33)).toString('base64url'),
            y: Buffer.from(u.subarray(33)).toString('base64url'),
          },
          format: 'jwk',
        });
      };
      const keyLookup = async (p: { keyid?: string }) =>
        p.keyid ? { id: p.keyid, algs: [rfcAlg], verify: hmsVerifier(keyFor(p.keyid), rfcAlg) } : null;
      expect(
        await httpbis.verifyMessage(
          { keyLookup, requiredFields: ['@method', '@target-uri', 'content-digest'] },
          request,
        ),
      ).toBe(true);
      // The response, bound to the request by `"signature";req;key="sig"`, verifies with it too.
      const resHeaders: Record<string, string> = {};
      rig.lastResponse!.headers.forEach((v, k) => {
        resHeaders[k] = v;
      });
      const serverLookup = async (p: { keyid?: string }) =>
        p.keyid === rig.serverPublic
          ? { id: p.keyid, algs: [rfcAlg], verify: hmsVerifier(keyFor(p.keyid), rfcAlg) }
          : null;
      expect(
        await httpbis.verifyMessage(
          { keyLookup: serverLookup },
          { status: 200, headers: resHeaders },
          request,
        ),
      ).toBe(true);
      // A changed method must fail with their verifier too.
      expect(await httpbis.verifyMessage({ keyLookup }, { ...request, method: 'DELETE' })).toBe(false);
    });
  }

  it('a request signed by http-message-signatures verifies with our base builder (Ed25519)', async () => {
    const secret = generateSecretKey('ed25519');
    const pub = await getPublicKey(secret);
    const { createPrivateKey } = await import('node:crypto');
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const seed = Buffer.from(secret.split(':')[1]!, 'hex');
    const priv = createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: seed.toString('base64url'),
        x: Buffer.from(ed25519.getPublicKey(seed)).toString('base64url'),
      },
      format: 'jwk',
    });
    const { createSigner } = await import('http-message-signatures');
    const signed = await httpbis.signMessage(
      {
        key: createSigner(priv, 'ed25519', pub),
        fields: ['@method', '@target-uri', '@authority', 'content-type'],
        params: ['created', 'keyid', 'alg'],
      },
      { method: 'POST', url: `${ORIGIN}/x`, headers: { 'content-type': 'text/plain' } },
    );
    const h = signed.headers as Record<string, string>;
    expect(
      await verifyExample(
        view({ method: 'POST', url: `${ORIGIN}/x`, headers: h }),
        h['Signature-Input']!,
        h.Signature!,
        'sig',
        pub,
      ),
    ).toBe(true);
  });
});

describe('fixed wire vectors', () => {
  it('a known Ed25519 key signs a known request base to a known signature (format cannot drift)', async () => {
    const { loadSecretKey } = await import('../../src/signed/keys.js');
    const { signatureParams, signatureHeaders, REQUEST_COMPONENTS } = await import(
      '../../src/signed/protocol.js'
    );
    const key = await loadSecretKey(`ed25519:${'01'.repeat(32)}`, 'key');
    expect(key.publicKey.id).toBe('ed25519:8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c');
    const list = signatureParams(
      REQUEST_COMPONENTS,
      1700000000,
      key.publicKey.id,
      'ed25519',
      'AAAAAAAAAAAAAAAAAAAAAA',
    );
    const msg = view({
      method: 'POST',
      url: 'https://api.example.com/notes?id=1',
      headers: {
        'content-digest': 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
        'sealed-key': `:${Buffer.alloc(32, 9).toString('base64')}:`,
      },
    });
    const base = signatureBase(list, msg)!;
    expect(new TextDecoder().decode(base)).toBe(
      [
        '"@method": POST',
        '"@target-uri": https://api.example.com/notes?id=1',
        '"@authority": api.example.com',
        '"content-digest": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
        '"sealed-key": :CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=:',
        '"@signature-params": ("@method" "@target-uri" "@authority" "content-digest" "sealed-key");created=1700000000;nonce="AAAAAAAAAAAAAAAAAAAAAA";keyid="ed25519:8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";alg="ed25519";tag="sealed-session-v1"',
      ].join('\n'),
    );
    const h = signatureHeaders(list, await key.sign(base));
    // Ed25519 is deterministic: this exact value is documented in docs/signed.md.
    expect(h.signature).toBe(
      'sig=:EjLUezlhxEocB+Usp06JQlPwEM62744dsXzr9Zc6LUbZLNJJFqXDWl9OE8GI/SkGsgJi4OXV2rZ0V/uLTUMiAw==:',
    );
    expect(fromBase64(h.signature.slice(5, -1))!.length).toBe(64);
  });
});
