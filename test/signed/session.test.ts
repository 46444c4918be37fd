// CryptoSession (the crypto-sessions peer-to-peer API), key helpers, and hostile input as
// properties (fast-check): nothing untrusted makes the server core or decode throw or accept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoSession, generateKeyPair, generateSecretKey, getPublicKey } from '../../src/signed/index.js';
import { createSignedServer } from '../../src/signed/server/index.js';
import { parseDictionary, serializeInnerList } from '../../src/signed/sf.js';
import { makeRig } from './helpers.js';

describe('CryptoSession', () => {
  for (const alg of ['ed25519', 'p256', 'secp256k1'] as const) {
    it(`${alg}: encode/decode round trip; tampering, wrong peer and wrong recipient are invalid`, async () => {
      const a = generateSecretKey(alg);
      const b = generateSecretKey(alg);
      const mallory = generateSecretKey(alg);
      const alice = await CryptoSession.create(await getPublicKey(b), a);
      const bob = await CryptoSession.create(await getPublicKey(a), b);
      for (const data of [{ x: [1, 'two'] }, 'text', new Uint8Array([1, 2, 3])]) {
        const { token, payload } = await alice.encode(data);
        expect(await bob.decode(token, payload)).toEqual({ data, isValid: true });
      }
      const { token, payload } = await alice.encode({ amount: 1 });
      const flipped = payload.slice(0, 40) + (payload[40] === 'A' ? 'B' : 'A') + payload.slice(41);
      expect(await bob.decode(token, flipped)).toEqual({ data: undefined, isValid: false });
      // Mallory re-signs Alice's payload with her own key: not the peer Bob expects.
      const m = await CryptoSession.create(await getPublicKey(b), mallory);
      const forged = await m.encode({ amount: 1000 });
      expect((await bob.decode(forged.token, forged.payload)).isValid).toBe(false);
      // A message for Bob does not open for Mallory even with Alice as her peer.
      const m2 = await CryptoSession.create(await getPublicKey(a), mallory);
      expect((await m2.decode(token, payload)).isValid).toBe(false);
      // sign/verify are domain-separated and bound to the peer key.
      const sig = await alice.sign('hello');
      expect(await bob.verify(sig, 'hello')).toBe(true);
      expect(await bob.verify(sig, 'hellO')).toBe(false);
      expect(await m.verify(sig, 'hello')).toBe(false);
      expect(new TextDecoder().decode(await bob.decrypt(await alice.encrypt('raw')))).toBe('raw');
      await expect(bob.decrypt(new Uint8Array(80))).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
      expect(alice.info).toMatchObject({ alg, kdf: 'HKDF-SHA256', aead: 'XChaCha20-Poly1305' });
      expect(alice.isWith(await getPublicKey(b))).toBe(true);
    });
  }

  it('a non-extractable CryptoKeyPair can encode (sign) but not decrypt, with a clear error', async () => {
    const keys = await generateKeyPair('ed25519');
    const server = generateSecretKey('ed25519');
    const s = await CryptoSession.create(await getPublicKey(server), keys);
    expect(s.pubKey).toMatch(/^ed25519:[0-9a-f]{64}$/);
    const { token, payload } = await s.encode('hi');
    const peer = await CryptoSession.create(s.pubKey, server);
    expect(await peer.decode(token, payload)).toEqual({ data: 'hi', isValid: true });
    await expect(s.decrypt(new Uint8Array(60))).rejects.toThrow(/CryptoKeyPair/);
  });

  it('wrong argument types throw "expected X, got Y" at construction', async () => {
    expect(() => new CryptoSession('nope', generateSecretKey())).toThrow(TypeError);
    const pub = await getPublicKey(generateSecretKey());
    expect(() => new CryptoSession(pub, new Uint8Array(16))).toThrow(/got a Uint8Array of 16 bytes/);
  });
});

describe('helpers', () => {
  it('structured fields: parse then serialize is stable for signature inputs', () => {
    const input =
      'sig=("@method" "@target-uri" "signature";req;key="sig");created=1;nonce="abc";keyid="k";alg="ed25519";tag="t"';
    const m = parseDictionary(input)!.get('sig')!;
    expect(`sig=${serializeInnerList(m as never)}`).toBe(input);
  });
});

describe('hostile input (fast-check)', () => {
  it('random headers and bodies never make the core throw, never verify, never run a handler', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: 'https://a.test' });
    const rig = await makeRig('ed25519');
    await rig.client('/seed', { method: 'POST', body: 'x' });
    const real = rig.wire[0]!;
    const realHeaders = Object.fromEntries(real.headers.entries());
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'DELETE', 'X'),
          path: fc.oneof(fc.constant('/seed'), fc.string(), fc.webPath()),
          headers: fc.dictionary(
            fc.constantFrom('signature', 'signature-input', 'content-digest', 'sealed-key', 'host'),
            fc.oneof(fc.string(), fc.constantFrom(...Object.values(realHeaders))),
          ),
          body: fc.oneof(fc.constant(null), fc.string(), fc.uint8Array({ maxLength: 200 })),
        }),
        async (r) => {
          const result = await core.verify({ ...r, header: (n) => r.headers[n] });
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any one-character change to a covered header, the method, the path or the body is refused', async () => {
    const rig = await makeRig('ed25519');
    await rig.client('/seed?q=1', { method: 'POST', body: 'payload' });
    const real = rig.wire[0]!;
    const headers = Object.fromEntries(real.headers.entries());
    const body = await real.clone().text();
    // A cache that never remembers: a refusal can only come from the mutation itself.
    const core = createSignedServer({
      key: rig.serverKey,
      origin: 'https://api.example.test',
      replayCache: { add: () => true },
    });
    const base = { method: 'POST', path: '/seed?q=1', headers, body };
    const check = (r: typeof base) =>
      core.verify({ method: r.method, path: r.path, header: (n) => r.headers[n], body: r.body });
    expect((await check(base)).ok).toBe(true);
    const fields = [
      'signature',
      'signature-input',
      'content-digest',
      'sealed-key',
      'method',
      'path',
      'body',
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (field, pos, ch) => {
          const value =
            field === 'method'
              ? base.method
              : field === 'path'
                ? base.path
                : field === 'body'
                  ? base.body
                  : headers[field]!;
          const i = pos % value.length;
          if (value[i] === ch) return;
          const changed = value.slice(0, i) + ch + value.slice(i + 1);
          const r =
            field === 'method' || field === 'path' || field === 'body'
              ? { ...base, [field]: changed }
              : { ...base, headers: { ...headers, [field]: changed } };
          const result = await check(r);
          // Base64 has a few spellings that decode to the same bytes only with non-canonical padding
          // bits, which the strict decoder refuses; so every change must be refused.
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});
