// The signed-request server's backends side by side: every request a SecureFetch signs goes through
// a server on each backend (portable @noble/WebCrypto, node:crypto, node:crypto + libsodium), the
// verdicts must agree request by request, tampered copies must be refused for the same reason, and
// the client must accept the replies of each. The primitives give the same bytes on fixed inputs.
// And a server on Node really runs on node:crypto (spied), not on the portable code.
import { createRequire } from 'node:module';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromHex, toHex } from '../../src/internal/base64.js';
import { portableBackend, type SignedBackend } from '../../src/signed/backend.js';
import {
  type NativeSodium,
  type NodeCrypto,
  nodeBackend,
  nodeCrypto,
} from '../../src/signed/backend-node.js';
import { createSignedServer, createSignedServerWith, type VerifyResult } from '../../src/signed/core.js';
import { generateSecretKey, getPublicKey, SecureFetch } from '../../src/signed/index.js';
import { createVerifier, loadSecretKey, tryParsePublicKey } from '../../src/signed/keys.js';
import { MemoryReplayCache } from '../../src/signed/replay.js';
import {
  agreementKey,
  messageKey,
  nobleMac,
  openBody,
  replyMacKey,
  sealBody,
} from '../../src/signed/seal.js';

const ORIGIN = 'https://api.example.test';
// The module itself, not nodeCrypto()'s answer: a broken operation must fail the comparisons
// below, not only drop the backend through the self-test.
const node = process.getBuiltinModule('node:crypto') as unknown as NodeCrypto;
let sodium: NativeSodium | null = null;
try {
  sodium = createRequire(import.meta.url)('sodium-native') as NativeSodium;
} catch {}

const backends: [string, SignedBackend][] = [['portable', portableBackend]];
if (node) backends.push(['node:crypto', nodeBackend(node, null, false)]);
if (node && sodium) backends.push(['node:crypto + libsodium', nodeBackend(node, sodium, true)]);

interface Wire {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}
const incoming = (w: Wire) => ({
  method: w.method,
  path: w.path,
  header: (n: string) => w.headers[n],
  body: w.body,
});
const verdict = (r: VerifyResult) =>
  r.ok
    ? { ok: true, data: r.request.data, session: r.request.session }
    : { ok: false, reason: r.error.reason };

it('runs on Node with node:crypto and libsodium here (the rest of the file needs both)', () => {
  expect(nodeCrypto()).toBe(node);
  expect(sodium).not.toBeNull();
  expect(backends.map(([n]) => n)).toEqual(['portable', 'node:crypto', 'node:crypto + libsodium']);
});

describe('the same signed requests through every backend', () => {
  for (const alg of ['ed25519', 'p256', 'secp256k1'] as const) {
    it(`${alg}: same verdicts, same refusals of tampered copies, every backend's replies verify`, async () => {
      const key = generateSecretKey(alg);
      const servers = backends.map(([, b]) =>
        createSignedServerWith({ key, origin: ORIGIN, replayCache: new MemoryReplayCache() }, b),
      );
      const publicKeys = new Set(await Promise.all(servers.map((s) => s.publicKey)));
      expect(publicKeys.size).toBe(1);
      const wires: Wire[] = [];
      const verdicts: unknown[][] = [];
      let turn = 0;
      const client = SecureFetch(await getPublicKey(key), generateSecretKey(alg), {
        hostname: ORIGIN,
        fetcher: async (input, init) => {
          const req = new Request(input, init);
          const headers: Record<string, string> = {};
          req.headers.forEach((v, k) => {
            headers[k] = v;
          });
          const url = new URL(req.url);
          const w: Wire = {
            method: req.method,
            path: url.pathname + url.search,
            headers,
            body: req.body ? await req.text() : null,
          };
          wires.push(w);
          const results = await Promise.all(servers.map((s) => s.verify(incoming(w))));
          verdicts.push(results.map(verdict));
          // The client gets the reply of each backend in turn, so it checks every backend's replies.
          const r = results[turn++ % results.length]!;
          if (!r.ok) return new Response(null, { status: 401 });
          const reply = await r.request.seal(
            200,
            JSON.stringify({ echo: r.request.data ?? null }),
            'application/json',
            {
              'x-turn': String(turn),
            },
          );
          return new Response(reply.body || null, { status: reply.status, headers: reply.headers });
        },
      } as Parameters<typeof SecureFetch>[2]);
      for (let i = 0; i < 2 * backends.length; i++) {
        const res = await client(`/notes?i=${i}`, {
          method: 'POST',
          body: JSON.stringify({ i, text: 'é'.repeat(i * 50) }),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ echo: { i, text: 'é'.repeat(i * 50) } });
      }
      const bodiless = await client('/me');
      expect(await bodiless.json()).toEqual({ echo: null });
      for (const row of verdicts) {
        expect(row[0]).toMatchObject({ ok: true });
        for (const v of row) expect(v).toEqual(row[0]);
      }
      // Tampered copies and a replay: every backend refuses, for the same reason.
      const w = wires[1]!;
      const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
      const sigAt = w.headers.signature!.indexOf(':') + 3;
      const variants: Wire[] = [
        w, // a replay now: every server saw it once
        { ...w, headers: { ...w.headers, signature: flip(w.headers.signature!, sigAt) } },
        { ...w, body: flip(w.body!, 10) },
        { ...w, path: '/notes?i=9' },
        { ...w, method: 'PUT' },
        { ...w, headers: { ...w.headers, 'sealed-key': flip(w.headers['sealed-key']!, 3) } },
        {
          ...w,
          headers: {
            ...w.headers,
            'signature-input': w.headers['signature-input']!.replace(
              /keyid="[^"]*"/,
              `keyid="${await getPublicKey(generateSecretKey(alg))}"`,
            ),
          },
        },
      ];
      for (const v of variants) {
        const row = (await Promise.all(servers.map((s) => s.verify(incoming(v))))).map(verdict);
        expect(row[0]).toMatchObject({ ok: false });
        for (const r of row) expect(r).toEqual(row[0]);
      }
    });
  }
});

describe('small-order Ed25519 keys', () => {
  // The eight points of small order; for each, (R, S) = (that point, 0) passes a cofactorless
  // Ed25519 check (OpenSSL, BoringSSL, WebCrypto) for any message. libsodium refuses them.
  const SMALL_ORDER = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  ];

  it('a request "signed" by a small-order key with S = 0 is refused by every backend (anyone could make it)', async () => {
    const key = generateSecretKey('ed25519');
    const servers = backends.map(([, b]) =>
      createSignedServerWith({ key, origin: ORIGIN, replayCache: new MemoryReplayCache() }, b),
    );
    let wire: Wire | undefined;
    const client = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      hostname: ORIGIN,
      fetcher: async (input, init) => {
        const req = new Request(input, init);
        const headers: Record<string, string> = {};
        req.headers.forEach((v, k) => {
          headers[k] = v;
        });
        wire = { method: req.method, path: new URL(req.url).pathname, headers, body: await req.text() };
        return new Response(null, { status: 500 });
      },
    } as Parameters<typeof SecureFetch>[2]);
    await client('/x', { method: 'POST', body: 'as nobody' }).catch(() => {});
    let parsed = 0;
    for (const hex of SMALL_ORDER) {
      const keyid = `ed25519:${hex}`;
      if (!tryParsePublicKey(keyid)) continue; // not even a key: refused earlier, as 'key'
      parsed++;
      const forged = new Uint8Array(64);
      forged.set(fromHex(hex)!, 0); // R = the point, S = 0
      const w: Wire = {
        ...wire!,
        headers: {
          ...wire!.headers,
          'signature-input': wire!.headers['signature-input']!.replace(/keyid="[^"]*"/, `keyid="${keyid}"`),
          signature: `sig=:${Buffer.from(forged).toString('base64')}:`,
        },
      };
      const row = (await Promise.all(servers.map((s) => s.verify(incoming(w))))).map(verdict);
      for (const [i, r] of row.entries())
        expect([backends[i]![0], hex, r]).toEqual([backends[i]![0], hex, { ok: false, reason: 'signature' }]);
    }
    expect(parsed).toBeGreaterThan(0);
    // The key layer too: no verifier of a small-order key ever says yes.
    const identity = tryParsePublicKey(`ed25519:${SMALL_ORDER[0]}`)!;
    const forged = new Uint8Array(64);
    forged.set(fromHex(SMALL_ORDER[0]!)!, 0);
    for (const [name, b] of backends)
      expect([name, await (await createVerifier(identity, b.keys))(new Uint8Array(3), forged)]).toEqual([
        name,
        false,
      ]);
  });
});

describe('the primitives give the same bytes on every backend', () => {
  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
  const data = new TextEncoder().encode('"@method": POST\n"@signature-params": ("@method")');

  it('SHA-256, HMAC-SHA256 and the HKDF keys built on them', () => {
    const shared = bytes(32, 7);
    const epk = bytes(32, 8);
    const dhPub = bytes(32, 9);
    const expected = {
      sha: toHex(portableBackend.sha256(data)),
      mac: toHex(portableBackend.hmacSha256(bytes(32, 1), data)),
      prk: toHex(agreementKey(shared, epk, dhPub)),
    };
    // RFC 5869 by hand: the portable HMAC route equals @noble/hashes' HKDF.
    const prk = agreementKey(shared, epk, dhPub, nobleMac);
    for (const [name, b] of backends) {
      expect([name, toHex(b.sha256(data))]).toEqual([name, expected.sha]);
      expect([name, toHex(b.sha256(new Uint8Array(0)))]).toEqual([
        name,
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ]);
      expect([name, toHex(b.hmacSha256(bytes(32, 1), data))]).toEqual([name, expected.mac]);
      expect([name, toHex(agreementKey(shared, epk, dhPub, b.hmacSha256))]).toEqual([name, expected.prk]);
      expect(toHex(messageKey(prk, 'c2s', 'n0nce-n0nce-n0nce', b.hmacSha256))).toBe(
        toHex(messageKey(prk, 'c2s', 'n0nce-n0nce-n0nce')),
      );
      expect(toHex(replyMacKey(prk, 'n0nce-n0nce-n0nce', b.hmacSha256))).toBe(
        toHex(replyMacKey(prk, 'n0nce-n0nce-n0nce')),
      );
    }
  });

  it('base64url: same text, and every other spelling of the same bytes refused', () => {
    const samples = [new Uint8Array(0), bytes(1, 0xfb), bytes(2, 0xff), bytes(33, 0xfe), data];
    for (const [name, b] of backends) {
      for (const x of samples) {
        const text = portableBackend.toBase64Url(x);
        expect([name, b.toBase64Url(x)]).toEqual([name, text]);
        expect([name, toHex(b.fromBase64Url(text)!)]).toEqual([name, toHex(x)]);
        if (text.length === 0) continue;
        const standard = text.replaceAll('-', '+').replaceAll('_', '/');
        for (const other of [
          `${text}=`,
          `${text}==`,
          ` ${text}`,
          `${text}\n`,
          `${text.slice(0, 1)}.${text.slice(1)}`,
          ...(standard === text ? [] : [standard]),
        ])
          expect([name, other, b.fromBase64Url(other)]).toEqual([name, other, undefined]);
      }
      // A non-zero unused bit in the last character: the same bytes, another spelling.
      expect([name, b.fromBase64Url('_x')]).toEqual([name, undefined]);
      expect([name, b.fromBase64Url('_w')]).toEqual([name, Uint8Array.of(0xff)]);
      expect([name, b.fromBase64Url('A')]).toEqual([name, undefined]);
    }
  });

  it('XChaCha20-Poly1305: same ciphertext for the same nonce, forgeries refused', () => {
    const k = bytes(32, 3);
    const n = bytes(24, 4);
    const ct = toHex(portableBackend.aead.encrypt(k, n, data));
    for (const [name, b] of backends) {
      const sealed = b.aead.encrypt(k, n, data);
      expect([name, toHex(sealed)]).toEqual([name, ct]);
      expect(toHex(b.aead.decrypt(k, n, sealed)!)).toBe(toHex(data));
      sealed[5]! ^= 1;
      expect(b.aead.decrypt(k, n, sealed)).toBeNull();
      expect(b.aead.decrypt(k, n, new Uint8Array(3))).toBeNull();
    }
  });

  it('Ed25519: the documented fixed signature, cross-verified; P-256 cross-verified; wrong lengths refused', async () => {
    const seed = `ed25519:${'01'.repeat(32)}`;
    const portable = await loadSecretKey(seed, 'k');
    const expected = toHex(await portable.sign(data));
    for (const [name, b] of backends) {
      const own = await loadSecretKey(seed, 'k', b.keys);
      expect([name, own.publicKey.id]).toEqual([name, portable.publicKey.id]);
      expect([name, toHex(await own.sign(data))]).toEqual([name, expected]);
      const verify = await createVerifier(own.publicKey, b.keys);
      expect(await verify(data, fromHex(expected)!)).toBe(true);
      expect(await verify(data.subarray(1), fromHex(expected)!)).toBe(false);
      expect(await verify(data, fromHex(expected)!.subarray(1))).toBe(false);
      expect(await verify(data, new Uint8Array(65))).toBe(false);
    }
    const p256 = generateSecretKey('p256');
    for (const [signer, sb] of backends) {
      const own = await loadSecretKey(p256, 'k', sb.keys);
      const sig = await own.sign(data);
      expect(sig.length).toBe(64);
      for (const [verifier, vb] of backends) {
        const verify = await createVerifier(tryParsePublicKey(own.publicKey.id)!, vb.keys);
        expect([signer, verifier, await verify(data, sig)]).toEqual([signer, verifier, true]);
        const bad = new Uint8Array(sig);
        bad[40]! ^= 1;
        expect([signer, verifier, await verify(data, bad)]).toEqual([signer, verifier, false]);
        expect(await verify(data, sig.subarray(0, 63))).toBe(false);
      }
    }
  });

  it('X25519 and P-256 ECDH: the same shared secret; small-order, off-curve and wrong-length keys refused', async () => {
    for (const alg of ['ed25519', 'p256'] as const) {
      const key = generateSecretKey(alg);
      const peer = await loadSecretKey(generateSecretKey(alg), 'peer');
      const portable = (await loadSecretKey(key, 'k')).dh!;
      const expected = toHex((await portable.derive(peer.dh!.publicKey))!);
      for (const [name, b] of backends) {
        const dh = (await loadSecretKey(key, 'k', b.keys)).dh!;
        expect([name, alg, toHex(dh.publicKey)]).toEqual([name, alg, toHex(portable.publicKey)]);
        expect([name, alg, toHex((await dh.derive(peer.dh!.publicKey))!)]).toEqual([name, alg, expected]);
        expect(await dh.derive(peer.dh!.publicKey.subarray(1))).toBeNull();
        if (alg === 'ed25519') {
          // u = 0 and u = 1 are of small order: the agreement would be all zero.
          expect([name, await dh.derive(new Uint8Array(32))]).toEqual([name, null]);
          expect([name, await dh.derive(Uint8Array.of(1, ...new Uint8Array(31)))]).toEqual([name, null]);
        } else {
          const off = new Uint8Array(peer.dh!.publicKey);
          off[64]! ^= 1;
          expect([name, await dh.derive(off)]).toEqual([name, null]);
          expect([name, await dh.derive(Uint8Array.of(4, ...new Uint8Array(64)))]).toEqual([name, null]);
          // The hybrid spelling (06/07 + x + y) is the same point for WebCrypto's raw import, and so
          // for every backend; with the wrong parity byte it is refused by all.
          const hybrid = new Uint8Array(peer.dh!.publicKey);
          hybrid[0] = 6 + (hybrid[64]! & 1);
          expect([name, toHex((await dh.derive(hybrid))!)]).toEqual([name, expected]);
          hybrid[0] = 7 - (hybrid[64]! & 1);
          expect([name, await dh.derive(hybrid)]).toEqual([name, null]);
        }
      }
    }
  });
});

describe('Ed25519 on node:crypto and on libsodium: the same signatures, each verifies the other', () => {
  it('equal signatures for the same seed and message; cross-verified; tampered signature or message refused by each', () => {
    const impls = [
      ['node:crypto', nodeBackend(node!, null, false).keys!],
      ['libsodium', nodeBackend(node!, sodium, true).keys!],
    ] as const;
    for (let i = 0; i < 8; i++) {
      const seed = new Uint8Array(32).map((_, j) => (i * 37 + j * 11 + 1) & 255);
      const pub = ed25519.getPublicKey(seed);
      const msg = new Uint8Array(i * 61).map((_, j) => (j * 7 + i) & 255);
      const sigs = impls.map(([, ops]) => ops.signer('ed25519', new Uint8Array(seed), pub)!(msg));
      expect(toHex(sigs[1]!)).toBe(toHex(sigs[0]!));
      // @noble/curves agrees (RFC 8032 is deterministic).
      expect(toHex(sigs[0]!)).toBe(toHex(ed25519.sign(msg, seed)));
      for (const [signer] of impls) {
        const sig = sigs[signer === 'node:crypto' ? 0 : 1]!;
        for (const [verifier, ops] of impls) {
          const verify = ops.verifier('ed25519', pub)!;
          expect([signer, verifier, verify(msg, sig)]).toEqual([signer, verifier, true]);
          for (const at of [0, 31, 32, 63]) {
            const bad = new Uint8Array(sig);
            bad[at]! ^= 1;
            expect([signer, verifier, at, verify(msg, bad)]).toEqual([signer, verifier, at, false]);
          }
          const other = new Uint8Array(msg.length + 1);
          other.set(msg);
          expect([signer, verifier, 'message', verify(other, sig)]).toEqual([
            signer,
            verifier,
            'message',
            false,
          ]);
          if (msg.length > 0) {
            const flipped = new Uint8Array(msg);
            flipped[0]! ^= 0x80;
            expect([signer, verifier, 'flipped', verify(flipped, sig)]).toEqual([
              signer,
              verifier,
              'flipped',
              false,
            ]);
          }
          expect(verify(msg, sig.subarray(0, 63))).toBe(false);
        }
      }
    }
  });
});

describe("the Node backend's UTF-8 and body sealing give the portable bytes", () => {
  it("utf8: Buffer's encoder spells every string as TextEncoder does, lone surrogates included", () => {
    for (const [name, b] of backends)
      for (const text of ['', 'abc', 'é€😀', '\ud800x\udc00', 'x'.repeat(5000)])
        expect([name, toHex(b.utf8(text))]).toEqual([name, toHex(new TextEncoder().encode(text))]);
  });

  it("sealBody: each backend's frame opens with the portable code, and re-sealing with its nonce gives the same bytes", () => {
    const key = new Uint8Array(32).fill(9);
    for (const [name, b] of backends)
      for (const body of [
        new Uint8Array(0),
        new TextEncoder().encode('{"a":1}'),
        new Uint8Array(20_000).fill(5),
      ]) {
        const sealed = b.sealBody(key, 'application/json', body);
        const opened = openBody(key, sealed);
        expect([name, opened?.contentType, toHex(opened?.body ?? new Uint8Array(1))]).toEqual([
          name,
          'application/json',
          toHex(body),
        ]);
        const again = sealBody(key, 'application/json', body, undefined, () => sealed.slice(0, 24));
        expect([name, toHex(sealed)]).toEqual([name, toHex(again)]);
        expect(() => b.sealBody(key, 'x'.repeat(256), body)).toThrow(RangeError);
      }
  });
});

describe('on Node, the server runs on node:crypto', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports its backend: the Node one by default, the portable one with native: false', async () => {
    expect(await createSignedServer({ key: generateSecretKey('ed25519'), origin: ORIGIN }).backend).toBe(
      'sodium-native',
    );
    expect(
      await createSignedServer({ key: generateSecretKey('ed25519'), origin: ORIGIN, native: false }).backend,
    ).toBe('webcrypto');
    expect(
      await createSignedServerWith(
        { key: generateSecretKey('p256'), origin: ORIGIN },
        nodeBackend(node!, null, false),
      ).backend,
    ).toBe('node:crypto');
  });

  for (const alg of ['ed25519', 'p256'] as const) {
    it(`${alg}: a request through the default server calls node:crypto (and libsodium for Ed25519), never WebCrypto`, async () => {
      const c = process.getBuiltinModule('node:crypto') as unknown as NodeCrypto;
      const key = generateSecretKey(alg);
      const server = createSignedServer({ key, origin: ORIGIN, replayCache: new MemoryReplayCache() });
      await server.publicKey;
      let wire: Wire | undefined;
      const client = SecureFetch(await getPublicKey(key), generateSecretKey(alg), {
        hostname: ORIGIN,
        fetcher: async (input, init) => {
          const req = new Request(input, init);
          const headers: Record<string, string> = {};
          req.headers.forEach((v, k) => {
            headers[k] = v;
          });
          wire = { method: req.method, path: new URL(req.url).pathname, headers, body: await req.text() };
          return new Response(null, { status: 500 });
        },
      } as Parameters<typeof SecureFetch>[2]);
      await client('/x', { method: 'POST', body: 'hello' }).catch(() => {});
      const spies = {
        hash: vi.spyOn(c, 'hash' as 'createHash'),
        createHmac: vi.spyOn(c, 'createHmac'),
        verify: vi.spyOn(c, 'verify'),
        sign: vi.spyOn(c, 'sign'),
        subtleVerify: vi.spyOn(globalThis.crypto.subtle, 'verify'),
        subtleSign: vi.spyOn(globalThis.crypto.subtle, 'sign'),
        sodiumVerify: vi.spyOn(sodium!, 'crypto_sign_verify_detached'),
        sodiumSign: vi.spyOn(sodium!, 'crypto_sign_detached'),
      };
      const r = await server.verify(incoming(wire!));
      if (!r.ok) throw new Error(r.error.reason);
      expect(r.request.data).toBe('hello');
      await r.request.seal(200, 'reply');
      expect(spies.hash).toHaveBeenCalled();
      expect(spies.createHmac).toHaveBeenCalled();
      expect(spies.subtleVerify).not.toHaveBeenCalled();
      expect(spies.subtleSign).not.toHaveBeenCalled();
      if (alg === 'ed25519') {
        expect(spies.sodiumVerify).toHaveBeenCalledTimes(1);
        expect(spies.sodiumSign).toHaveBeenCalledTimes(1);
      } else {
        expect(spies.verify).toHaveBeenCalledTimes(1);
        expect(spies.sign).toHaveBeenCalledTimes(1);
      }
    });
  }

  it('a runtime whose node:crypto gives a wrong byte is not used (self-test)', async () => {
    const { selfTest } = await import('../../src/signed/backend-node.js');
    expect(selfTest(node!)).toBe(true);
    const lying: NodeCrypto = {
      ...node!,
      hash: (alg, d, enc) => {
        const out = new Uint8Array(node!.hash!(alg, d, enc));
        out[0]! ^= 1;
        return out;
      },
    };
    expect(selfTest(lying)).toBe(false);
    expect(selfTest({ ...node!, diffieHellman: () => new Uint8Array(32) })).toBe(false);
    expect(selfTest({ ...node!, createPublicKey: undefined } as unknown as NodeCrypto)).toBe(false);
  });
});
