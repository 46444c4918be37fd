// The libsodium fast path (pooled nonces, one-buffer tokens, Buffer base64url without a regex)
// must keep the portable path's guarantees: strict decoding, fresh nonces, the same refusals.
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { TokenInvalidError } from '../../src/core/errors.js';
import { createKeyring } from '../../src/core/keyring.js';
import { loadSodium, sodiumBackend } from '../../src/core/native.js';
import { open, seal, tryOpen } from '../../src/core/token.js';

const sodium = loadSodium();
if (!sodium) throw new Error('sodium-native must be installed for this suite');
const native = sodiumBackend(sodium);
const ring = createKeyring('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const ctx = { context: 'fast' };

afterAll(() => setBackend(portableBackend));

const backends: [string, Backend][] = [
  ['noble', portableBackend],
  ['sodium-native', native],
];

describe.each(backends)('strict base64url (%s)', (_name, b) => {
  const good = b.toBase64Url(Uint8Array.from([0xfb, 0xff, 0xbf, 0x01, 0x02]));

  it('round-trips and refuses whitespace, padding, the standard alphabet and non-canonical tails', () => {
    expect(good).toBe('-_-_AQI');
    expect(Array.from(b.fromBase64Url(good)!)).toEqual([0xfb, 0xff, 0xbf, 0x01, 0x02]);
    for (const bad of [
      `${good}=`, // padding
      `${good.slice(0, 4)} ${good.slice(4)}`, // inner space
      ` ${good}`,
      `${good}\n`,
      `${good.slice(0, 4)}\t${good.slice(4)}`,
      '+/+/AQI', // standard alphabet for the same bytes
      '-_-_AQJ', // last character with non-zero unused bits (non-canonical)
      '-_-_A', // impossible length
      '-_-_AQ*I', // character outside both alphabets
      '-_-_AQI.', // '.' is our chunk separator, never part of a token
    ]) {
      expect(b.fromBase64Url(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('a token with any such change does not open', () => {
    setBackend(b);
    const t = seal({ a: 1 }, ring, ctx);
    for (const bad of [`${t}=`, ` ${t}`, `${t} `, t.replace(/-/g, '+').replace(/_/g, '/')]) {
      if (bad === t) continue;
      expect(() => open(bad, ring, ctx)).toThrow(TokenInvalidError);
    }
  });
});

describe('sodium fast path', () => {
  it('never hands out the same nonce twice, across many pool refills', () => {
    setBackend(native);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const bytes = native.fromBase64Url(seal({ i }, ring, ctx))!;
      const nonce = Buffer.from(bytes.subarray(5, 29)).toString('hex');
      expect(seen.has(nonce)).toBe(false);
      seen.add(nonce);
    }
    // randomBytes draws from the same pool: also never repeats, never all zero.
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const r = Buffer.from(native.randomBytes(16)).toString('hex');
      expect(r).not.toBe('0'.repeat(32));
      ids.add(r);
    }
    expect(ids.size).toBe(500);
  });

  it('opens what the portable backend sealed and vice versa, for non-ASCII payloads and contexts', () => {
    const value = { s: 'héllo ✓ 𝄞', n: [1, 2, 3], e: '' };
    for (const [from, to] of [
      [portableBackend, native],
      [native, portableBackend],
    ] as const) {
      setBackend(from);
      const t = seal(value, ring, { context: 'ctx-é' });
      setBackend(to);
      expect(open(t, ring, { context: 'ctx-é' }).value).toEqual(value);
      expect(() => open(t, ring, { context: 'ctx-e' })).toThrow(TokenInvalidError);
    }
  });

  it('an authentic plaintext that is not UTF-8 is refused as payload on both backends', () => {
    // Sealed by hand with the ring's key: header || nonce || AEAD(meta || 0xff).
    setBackend(portableBackend);
    const t = seal('x', ring, ctx);
    const bytes = portableBackend.fromBase64Url(t)!;
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const nonce = bytes.subarray(5, 29);
    const ad = new Uint8Array([...bytes.subarray(0, 5), ...new TextEncoder().encode('fast')]);
    const plain = new Uint8Array(13);
    plain[12] = 0xff;
    const sealed = portableBackend.seal(key, nonce, plain, ad);
    const forged = new Uint8Array([...bytes.subarray(0, 29), ...sealed]);
    for (const b of [portableBackend, native]) {
      setBackend(b);
      const r = tryOpen(b.toBase64Url(forged), ring, 'fast', Date.now());
      expect(r).toEqual({ ok: false, reason: 'payload' });
    }
  });
});
