// The signed-request server's backend on runtimes with `node:crypto` (Node, Bun, Deno): their
// crypto (OpenSSL on Node, BoringSSL on Bun, Rust crates on Deno) for SHA-256, HMAC, X25519, P-256
// ECDSA/ECDH and Ed25519; libsodium (the optional `sodium-native` package) for XChaCha20-Poly1305
// and, on Node itself, for Ed25519, where it is about twice as fast as Node's OpenSSL 3.0
// (docs/benchmarks.md, "Backends against the floor"). No `node:` import: node:crypto is reached through
// `process.getBuiltinModule`, so this file bundles for browsers and workerd too, where
// {@link nodeCrypto} answers null and the portable backend (./backend.ts) is used. A known-answer
// self-test guards runtimes that only imitate node:crypto (polyfills, partial shims): a wrong byte,
// a missing function or a throw → null, never a half-working backend.
import { type Sodium, sodiumBackend } from '../core/sodium.js';
import { fromBase64Url, fromHex, toBase64Url, utf8 } from '../internal/base64.js';
import { equalBytes } from '../internal/compare.js';
import { randomBytes } from '../internal/random.js';
import type { KeyOps, SignedBackend, SyncDH, SyncVerify } from './backend.js';
import { FRAME_VERSION, frameType, nobleAead, sealBody } from './seal.js';

/** The part of node:crypto used here (structural, so no Node types reach the published .d.ts). */
type KeyObject = object;
interface Digest {
  update(data: Uint8Array): Digest;
  digest(): Uint8Array;
}
type SignKey = KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
export interface NodeCrypto {
  createPublicKey(o: { key: object; format: 'jwk' }): KeyObject;
  createPrivateKey(o: { key: object; format: 'jwk' }): KeyObject;
  sign(alg: string | null, data: Uint8Array, key: SignKey): Uint8Array;
  verify(alg: string | null, data: Uint8Array, key: SignKey, signature: Uint8Array): boolean;
  diffieHellman(o: { privateKey: KeyObject; publicKey: KeyObject }): Uint8Array;
  createHash(alg: 'sha256'): Digest;
  createHmac(alg: 'sha256', key: Uint8Array): Digest;
  createECDH(curve: 'prime256v1'): {
    setPrivateKey(k: Uint8Array): void;
    computeSecret(p: Uint8Array): Uint8Array;
  };
  /** One-shot digest (Node 20.12+, Bun, Deno); createHash otherwise. */
  hash?(alg: 'sha256', data: Uint8Array, encoding: 'buffer'): Uint8Array;
}

/** The part of node:buffer used here: pooled allocations and its UTF-8 encoder. */
export interface NodeBuffer {
  from(text: string, encoding: 'utf8'): Uint8Array;
  allocUnsafe(n: number): Uint8Array;
}

/** The libsodium functions used for Ed25519 (sodium-native). */
export interface SodiumEd25519 {
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
}

/** sodium-native as the server loads it: the AEAD and the Ed25519 parts. */
export type NativeSodium = SodiumEd25519 & Sodium;

/** A plain Uint8Array view of a Buffer result (no copy), so results compare like the portable ones. */
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const b64u = (b: Uint8Array): string => toBase64Url(b);
const NO_AD = new Uint8Array(0);

/**
 * libsodium's XChaCha20-Poly1305 (IETF) and pooled randomness through the core's sodium backend:
 * the same bytes as @noble/ciphers; every random draw passes the kernel's check.
 */
function sodiumParts(
  s: Sodium,
  alloc: (n: number) => Uint8Array,
  encode: (text: string) => Uint8Array,
): Pick<SignedBackend, 'aead' | 'randomBytes' | 'toBase64Url' | 'fromBase64Url' | 'sealBody'> {
  const b = sodiumBackend(s);
  // Plaintext frames are assembled in one scratch buffer, wiped after each use (calls are
  // synchronous); a larger body gets a one-off buffer, wiped too.
  const scratch = new Uint8Array(16_384);
  return {
    // nonce ‖ ciphertext ‖ tag written into one pooled buffer: the same bytes as ./seal.ts sealBody,
    // without its three intermediate copies (each a fresh off-heap allocation in V8).
    sealBody: (key: Uint8Array, contentType: string, body: Uint8Array) => {
      const ct = frameType(contentType, encode);
      const n = 2 + ct.length + body.length;
      const plain = n <= scratch.length ? scratch : new Uint8Array(n);
      try {
        plain[0] = FRAME_VERSION;
        plain[1] = ct.length;
        plain.set(ct, 2);
        plain.set(body, 2 + ct.length);
        const out = alloc(24 + n + 16);
        out.set(b.randomBytes(24), 0);
        s.crypto_aead_xchacha20poly1305_ietf_encrypt(
          out.subarray(24),
          plain.subarray(0, n),
          NO_AD,
          null,
          out.subarray(0, 24),
          key,
        );
        return out;
      } finally {
        plain.fill(0, 0, n);
      }
    },
    // The core's Buffer codec: as strict as the kernel's (it re-encodes and compares).
    toBase64Url: (bytes: Uint8Array) => b.toBase64Url(bytes),
    fromBase64Url: (text: string) => b.fromBase64Url(text),
    aead: Object.freeze({
      encrypt: (key: Uint8Array, nonce: Uint8Array, plain: Uint8Array) => b.seal(key, nonce, plain, NO_AD),
      decrypt: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array) =>
        b.open(key, nonce, sealed, NO_AD) ?? null,
    }),
    randomBytes: (n: number) => b.randomBytes(n),
  };
}

/** JWK members of a 65-byte uncompressed P-256 point. */
function p256Jwk(point: Uint8Array): { kty: 'EC'; crv: 'P-256'; x: string; y: string } {
  return { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) };
}

const P1363 = 'ieee-p1363';

/** Key operations on node:crypto, with libsodium's Ed25519 when `ed` is given. */
export function nodeKeyOps(c: NodeCrypto, ed: SodiumEd25519 | null): KeyOps {
  return Object.freeze({
    verifier(alg: 'ed25519' | 'p256', publicKey: Uint8Array): SyncVerify | null {
      if (alg === 'ed25519' && ed) {
        const pk = new Uint8Array(publicKey);
        return (data, sig) => {
          try {
            return sig.length === 64 && ed.crypto_sign_verify_detached(sig, data, pk);
          } catch {
            return false;
          }
        };
      }
      const key =
        alg === 'ed25519'
          ? c.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) }, format: 'jwk' })
          : { key: c.createPublicKey({ key: p256Jwk(publicKey), format: 'jwk' }), dsaEncoding: P1363 };
      const hash = alg === 'ed25519' ? null : 'sha256';
      return (data, sig) => {
        try {
          return sig.length === 64 && c.verify(hash, data, key, sig);
        } catch {
          return false;
        }
      };
    },
    signer(alg: 'ed25519' | 'p256', secret: Uint8Array, publicKey: Uint8Array) {
      if (alg === 'ed25519' && ed) {
        const sk = new Uint8Array(64);
        ed.crypto_sign_seed_keypair(new Uint8Array(32), sk, secret);
        return (data: Uint8Array) => {
          const sig = new Uint8Array(64);
          ed.crypto_sign_detached(sig, data, sk);
          return sig;
        };
      }
      const key =
        alg === 'ed25519'
          ? c.createPrivateKey({
              key: { kty: 'OKP', crv: 'Ed25519', d: b64u(secret), x: b64u(publicKey) },
              format: 'jwk',
            })
          : {
              key: c.createPrivateKey({ key: { ...p256Jwk(publicKey), d: b64u(secret) }, format: 'jwk' }),
              dsaEncoding: P1363,
            };
      const hash = alg === 'ed25519' ? null : 'sha256';
      return (data: Uint8Array) => view(c.sign(hash, data, key));
    },
    staticDh(alg: 'x25519' | 'p256', secret: Uint8Array, publicKey: Uint8Array): SyncDH | null {
      if (alg === 'x25519') {
        const privateKey = c.createPrivateKey({
          key: { kty: 'OKP', crv: 'X25519', d: b64u(secret), x: b64u(publicKey) },
          format: 'jwk',
        });
        return (peer) => {
          if (peer.length !== 32) return null;
          try {
            const pub = c.createPublicKey({
              key: { kty: 'OKP', crv: 'X25519', x: b64u(peer) },
              format: 'jwk',
            });
            const out = view(c.diffieHellman({ privateKey, publicKey: pub }));
            let acc = 0;
            for (const x of out) acc |= x;
            return acc === 0 ? null : out;
          } catch {
            return null;
          }
        };
      }
      const ecdh = c.createECDH('prime256v1');
      ecdh.setPrivateKey(secret);
      return (peer) => {
        // 65 bytes: uncompressed (04) or hybrid (06/07), both accepted like WebCrypto's raw import.
        if (peer.length !== 65) return null;
        try {
          return view(ecdh.computeSecret(peer));
        } catch {
          return null;
        }
      };
    },
  });
}

/** The backend on node:crypto; `sodium` (when loaded) adds the AEAD and, if `sodiumEd25519`, Ed25519. */
export function nodeBackend(
  c: NodeCrypto,
  sodium: NativeSodium | null,
  sodiumEd25519: boolean,
  buffer: NodeBuffer | null = nodeBuffer(),
): SignedBackend {
  const oneShot = typeof c.hash === 'function';
  // Buffer's UTF-8 encoder and pooled allocations: TextEncoder and `new Uint8Array(n)` give each
  // result its own off-heap store (n > 64), several µs apiece per request in V8.
  const encode = buffer ? (text: string) => view(buffer.from(text, 'utf8')) : utf8;
  const alloc = buffer ? (n: number) => view(buffer.allocUnsafe(n)) : (n: number) => new Uint8Array(n);
  const native = sodium ? sodiumParts(sodium, alloc, encode) : null;
  return Object.freeze({
    name: sodium && sodiumEd25519 ? 'sodium-native' : 'node:crypto',
    sha256: (data: Uint8Array) =>
      view(oneShot ? c.hash!('sha256', data, 'buffer') : c.createHash('sha256').update(data).digest()),
    hmacSha256: (key: Uint8Array, data: Uint8Array) =>
      view(c.createHmac('sha256', key).update(data).digest()),
    aead: native ? native.aead : nobleAead,
    randomBytes: native ? native.randomBytes : randomBytes,
    toBase64Url: native ? native.toBase64Url : toBase64Url,
    fromBase64Url: native ? native.fromBase64Url : fromBase64Url,
    utf8: encode,
    sealBody: native
      ? native.sealBody
      : (key: Uint8Array, contentType: string, body: Uint8Array) =>
          sealBody(key, contentType, body, nobleAead, randomBytes),
    keys: nodeKeyOps(c, sodium && sodiumEd25519 ? sodium : null),
  } satisfies SignedBackend);
}

// RFC 8032 §7.1 test 1, RFC 7748 §6.1, FIPS 180-2 ("abc") and RFC 4231 test case 2.
const h = (s: string): Uint8Array => fromHex(s)!;

/** Whether `c` gives the known answers for every operation the backend uses; never throws. */
export function selfTest(c: NodeCrypto): boolean {
  try {
    return knownAnswers(c);
  } catch {
    return false;
  }
}

function knownAnswers(c: NodeCrypto): boolean {
  const b = nodeBackend(c, null, false);
  const ops = b.keys!;
  const edPub = h('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const edSig = h(
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
  const empty = new Uint8Array(0);
  const sign = ops.signer(
    'ed25519',
    h('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
    edPub,
  )!;
  const verify = ops.verifier('ed25519', edPub)!;
  const forged = new Uint8Array(edSig);
  forged[0]! ^= 1;
  const dh = ops.staticDh(
    'x25519',
    h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
    h('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  )!;
  const shared = dh(h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
  // P-256 with the secret 1, whose public point is the generator G: ECDH with G gives G's x.
  const one = new Uint8Array(32);
  one[31] = 1;
  const gx = h('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
  const g = new Uint8Array([
    4,
    ...gx,
    ...h('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
  ]);
  const pSig = ops.signer('p256', one, g)!(edPub);
  const pVerify = ops.verifier('p256', g)!;
  const pShared = ops.staticDh('p256', one, g)!(g);
  // UTF-8 as TextEncoder spells it, lone surrogate included (U+FFFD).
  const text = 'a\u00e9\u20ac\ud83d\ude00\ud800z';
  return (
    equalBytes(b.utf8(text), utf8(text)) &&
    pSig.length === 64 &&
    pVerify(edPub, pSig) &&
    !pVerify(edSig, pSig) &&
    pShared !== null &&
    equalBytes(pShared, gx) &&
    equalBytes(sign(empty), edSig) &&
    verify(empty, edSig) &&
    !verify(empty, forged) &&
    shared !== null &&
    equalBytes(shared, h('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742')) &&
    equalBytes(
      b.sha256(Uint8Array.of(0x61, 0x62, 0x63)),
      h('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
    ) &&
    equalBytes(
      b.hmacSha256(h('4a656665'), h('7768617420646f2079612077616e7420666f72206e6f7468696e673f')),
      h('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'),
    )
  );
}

type Proc = {
  getBuiltinModule?: (id: string) => unknown;
  versions?: Record<string, string | undefined>;
};
const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

let tested: NodeCrypto | null | undefined;

/** node:crypto when the runtime has it and it passes the self-test; null otherwise. Tested once. */
export function nodeCrypto(): NodeCrypto | null {
  if (tested === undefined) {
    tested = null;
    try {
      const c = proc()?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
      if (c && selfTest(c)) tested = c;
    } catch {
      tested = null;
    }
  }
  return tested;
}

/** node:buffer's Buffer when the runtime has it; null otherwise (then the kernel's codec). */
export function nodeBuffer(): NodeBuffer | null {
  try {
    const m = proc()?.getBuiltinModule?.('node:buffer') as { Buffer?: NodeBuffer } | undefined;
    const B = m?.Buffer;
    return B && typeof B.from === 'function' && typeof B.allocUnsafe === 'function' ? B : null;
  } catch {
    return null;
  }
}

/** Node itself (not Bun or Deno, which answer to `process.versions.node` too). */
export function isNode(): boolean {
  const v = proc()?.versions;
  return typeof v?.node === 'string' && v.bun === undefined && v.deno === undefined;
}
