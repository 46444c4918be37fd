// Fixed vectors of token format v1 (docs/format.md). A change of format cannot slip in: these
// strings must be produced byte for byte by both backends, and must keep opening.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { fromBase64Url, fromHex } from '../../src/core/bytes.js';
import { createKeyring } from '../../src/core/keyring.js';
import { useNativeBackend } from '../../src/core/native.js';
import { open, sealTimes } from '../../src/core/token.js';

const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const NONCE = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657')!;
const VECTORS = [
  {
    value: { userId: 42, roles: ['admin'] },
    context: 'session',
    times: { createdAt: 1767225600000, idleExpiresAt: 1767312000000, expiresAt: 1768435200000 },
    token:
      'ARg1napAQUJDREVGR0hJSktMTU5PUFFSU1RVVle9bLxwubdzluacqb7UvhDh98jkoDFjZ6hGE48qZWFQsiyiIA8x_-1-3e-J9THbXOh58zU4a0ZinmeeEg',
  },
  {
    value: 'héllo',
    context: 'api',
    times: { createdAt: 1767225600000 },
    token: 'ARg1napAQUJDREVGR0hJSktMTU5PUFFSU1RVVle9bLxw0OB5Fo_0h76N9KY7_tbC5gppS_Ul1XrUlVP37GObbT8',
  },
];

afterAll(() => setBackend(portableBackend));

describe('token format v1 vectors', () => {
  it('the key id is SHA-256("sealed-session/v1/key-id" || key)[0..4] (checked with node:crypto)', () => {
    const kid = createHash('sha256')
      .update(Buffer.concat([Buffer.from('sealed-session/v1/key-id'), Buffer.from(KEY, 'hex')]))
      .digest()
      .subarray(0, 4);
    for (const v of VECTORS) {
      const bytes = fromBase64Url(v.token)!;
      expect(bytes[0]).toBe(1);
      expect(Buffer.from(bytes.subarray(1, 5))).toEqual(kid);
      expect(Buffer.from(bytes.subarray(5, 29))).toEqual(Buffer.from(NONCE));
    }
  });

  const backends: [string, () => void][] = [
    ['noble', () => setBackend(portableBackend)],
    ['sodium-native', () => expect(useNativeBackend()).toBe('sodium-native')],
  ];
  for (const [name, use] of backends) {
    it(`${name} seals the vectors byte for byte and opens them`, () => {
      use();
      const ring = createKeyring(KEY);
      for (const v of VECTORS) {
        expect(sealTimes(v.value, ring, v.context, v.times, NONCE)).toBe(v.token);
        const opened = open(v.token, ring, { context: v.context, now: v.times.createdAt });
        expect(opened.value).toEqual(v.value);
        expect(opened.createdAt).toBe(v.times.createdAt);
        expect(opened.expiresAt).toBe(v.times.expiresAt);
        expect(opened.idleExpiresAt).toBe(v.times.idleExpiresAt);
      }
    });
  }

  it('the two backends agree on random keys, nonces, payloads and contexts', () => {
    useNativeBackend();
    const native = backend();
    expect(native.name).toBe('sodium-native');
    for (let i = 0; i < 200; i++) {
      const key = portableBackend.randomBytes(32);
      const nonce = portableBackend.randomBytes(24);
      const pt = portableBackend.randomBytes(i * 7);
      const ad = portableBackend.randomBytes(i % 40);
      const a = portableBackend.seal(key, nonce, pt, ad);
      const b = native.seal(key, nonce, pt, ad);
      expect(Buffer.from(b)).toEqual(Buffer.from(a));
      expect(Buffer.from(native.open(key, nonce, a, ad)!)).toEqual(Buffer.from(pt));
      const bad = Uint8Array.from(a);
      bad[i % bad.length]! ^= 1;
      expect(native.open(key, nonce, bad, ad)).toBeUndefined();
      expect(portableBackend.open(key, nonce, bad, ad)).toBeUndefined();
      expect(native.toBase64Url(pt)).toBe(portableBackend.toBase64Url(pt));
    }
  });
});
