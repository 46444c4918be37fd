// Fixed vectors of token format v1 (docs/format.md). A change of format cannot slip in: these
// strings must be produced byte for byte by both backends, and must keep opening.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { createKeyring } from '../../src/core/keyring.js';
import { useNativeBackend } from '../../src/core/native.js';
import { open, sealTimes } from '../../src/core/token.js';
import { fromBase64Url, fromHex } from '../../src/internal/base64.js';

import { KEY, NONCE_HEX, VECTORS } from '../support/vectors.js';

const NONCE = fromHex(NONCE_HEX)!;

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
