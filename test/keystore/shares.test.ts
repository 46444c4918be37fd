// The share codec: round trip, a fixed vector (so that a format change cannot slip in unnoticed),
// a cross-check against node:crypto, and every tamper, replay and misplacement refused.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toBase64Url as b64url, fromBase64Url as fromB64url } from '../../src/internal/base64.js';
import {
  bucket,
  decodeKeyShare,
  encodeKeyShare,
  newWrappingKey,
  openShare,
  SHARE_VERSION,
  sealShare,
} from '../../src/keystore/shares.js';

const ctx = { origin: 'https://app.example', store: 'auth' };
const T = 1767225600000;
const KEY = new Uint8Array(32).map((_, i) => i);
// sealShare(KEY, '["token","s3cret",null]', ctx, T), recorded once (format 2: the store's flat list).
const VECTOR =
  'AgAAAZt22qgAJTs6cySv51afFHS81o2OMAnBikVniBwUZP3kFAqnUb79VKC0Q5Hbnyj23o4c3wUaqYMJ8E2yx6Ly-JRfuBO1xNpQaclXbvjoyvh7xelQVzxBLzIkrJScDr2W32ParTALljJgDeWvyV2tOhu96R2WbXYcVYoWlIf1VJJCnIh8y4EaULOuH_R9HtvM5eu6LPbihIW8R3d7LCOoxZpAuo2tcwBpqlOn-mplBmoc41ib8Av0ig6MEWf0KlN1ARqYDf8OqywDSLw1jYX36N-J2QwTVLiXP2IagSY708BAzy8Txnz4GhJYmw8v6M1cnOjk9lwWnH1S9TxbmkzIhS4jUJBA5hYHoOfsDDEvRQ8dTntcn4kqnGRx3kA_AI1UdLc';

describe('ciphertext share', () => {
  test('fixed vector opens, with the documented layout', () => {
    const r = openShare(KEY, VECTOR, ctx, T + 1000, 10_000);
    expect(r).toEqual({ ok: true, json: `["token","s3cret",null]${' '.repeat(256 - 23)}`, time: T });
    const raw = fromB64url(VECTOR)!;
    expect(raw[0]).toBe(SHARE_VERSION);
    expect(raw.length).toBe(1 + 8 + 12 + 256 + 16);
  });

  test('node:crypto ChaCha20-Poly1305 opens it too, and re-seals it byte for byte (layout and AAD as documented)', () => {
    const raw = fromB64url(VECTOR)!;
    const time = raw.subarray(1, 9);
    const nonce = raw.subarray(9, 21);
    const ct = raw.subarray(21, raw.length - 16);
    const tag = raw.subarray(raw.length - 16);
    expect(Buffer.from(time).readBigUInt64BE()).toBe(BigInt(T));
    const aad = Buffer.from(JSON.stringify(['sealed-session/keystore', 2, ctx.origin, ctx.store, T]));
    const d = createDecipheriv('chacha20-poly1305', KEY, nonce, { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: ct.length });
    d.setAuthTag(tag);
    const pt = Buffer.concat([d.update(ct), d.final()]);
    expect(JSON.parse(pt.toString('utf8'))).toEqual(['token', 's3cret', null]);
    // Independent encryption of the same padded plaintext gives exactly the recorded share.
    const c = createCipheriv('chacha20-poly1305', KEY, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: pt.length });
    const out = Buffer.concat([Buffer.from([2]), time, nonce, c.update(pt), c.final(), c.getAuthTag()]);
    expect(b64url(out)).toBe(VECTOR);
  });

  test('round trip for any JSON text, any store name', () => {
    fc.assert(
      fc.property(fc.json(), fc.string({ minLength: 1 }), (json, store) => {
        const key = newWrappingKey();
        const c = { origin: 'http://127.0.0.1:8080', store };
        const r = openShare(key, sealShare(key, json, c, T), c, T + 5, 10_000);
        expect(r.ok && JSON.parse(r.json)).toEqual(JSON.parse(json));
      }),
      { numRuns: 100 },
    );
  });

  test('every single-bit flip is refused (item 9: not malleable)', () => {
    const raw = fromB64url(VECTOR)!;
    for (let i = 0; i < raw.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = raw.slice();
        t[i]! ^= bit;
        const r = openShare(KEY, b64url(t), ctx, T + 1000, 10_000);
        expect(r.ok, `byte ${i}`).toBe(false);
      }
    }
  });

  test('moved to another origin or store, or opened with another key: refused', () => {
    expect(openShare(KEY, VECTOR, { ...ctx, origin: 'https://evil.example' }, T, 10_000)).toEqual({
      ok: false,
      reason: 'tampered',
    });
    expect(openShare(KEY, VECTOR, { ...ctx, store: 'other' }, T, 10_000)).toEqual({
      ok: false,
      reason: 'tampered',
    });
    expect(openShare(newWrappingKey(), VECTOR, ctx, T, 10_000)).toEqual({ ok: false, reason: 'tampered' });
  });

  test('stale or future-dated shares are refused before decryption (item 11)', () => {
    expect(openShare(KEY, VECTOR, ctx, T + 10_001, 10_000)).toEqual({ ok: false, reason: 'stale' });
    expect(openShare(KEY, VECTOR, ctx, T + 3_600_000, 10_000)).toEqual({ ok: false, reason: 'stale' });
    expect(openShare(KEY, VECTOR, ctx, T - 2_001, 10_000)).toEqual({ ok: false, reason: 'stale' });
    expect(openShare(KEY, VECTOR, ctx, T + 10_000, 10_000).ok).toBe(true);
  });

  test('a re-dated share (persist time edited to look fresh) fails authentication', () => {
    const raw = fromB64url(VECTOR)!;
    raw[8]! += 1; // persist time + 1 ms
    expect(openShare(KEY, b64url(raw), ctx, T + 1000, 10_000)).toEqual({ ok: false, reason: 'tampered' });
  });

  test('other versions and malformed text are refused with their reason', () => {
    const raw = fromB64url(VECTOR)!;
    raw[0] = 1; // the AES-GCM format of 0.x
    expect(openShare(KEY, b64url(raw), ctx, T, 10_000)).toEqual({ ok: false, reason: 'version' });
    for (const bad of ['', 'x', '!!!!', VECTOR.slice(0, 40), `${VECTOR}=`, 'A'.repeat(401)]) {
      expect(openShare(KEY, bad, ctx, T, 10_000).ok).toBe(false);
    }
  });

  test('lengths are padded to buckets (item 15)', () => {
    const key = newWrappingKey();
    const a = sealShare(key, JSON.stringify([['k', 'x', null]]), ctx, T);
    const b = sealShare(key, JSON.stringify([['k', 'x'.repeat(200), null]]), ctx, T);
    expect(a.length).toBe(b.length);
    expect(bucket(1)).toBe(256);
    expect(bucket(256)).toBe(256);
    expect(bucket(257)).toBe(512);
    expect(bucket(4096)).toBe(4096);
    expect(bucket(4097)).toBe(4608); // from 4 KiB on: eight buckets per doubling
    expect(bucket(5000)).toBe(5120);
    expect(bucket(6300)).toBe(6656);
    expect(bucket(8193)).toBe(9216);
    // Every length maps to the smallest bucket holding it, and buckets stay coarse (at most 12.5 %
    // or 256 bytes of padding, and only a few dozen distinct lengths up to 1 MiB).
    const seen = new Set<number>();
    const bad: number[] = [];
    for (let n = 1; n <= 1 << 20; n += 7) {
      const b = bucket(n);
      if (!(b >= n && b - n < Math.max(256, n / 8))) bad.push(n);
      seen.add(b);
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBeLessThan(100);
  });
});

describe('key share', () => {
  test('round trip; constant length; never accepts another length or prefix', () => {
    const k = newWrappingKey();
    const s = encodeKeyShare(k);
    expect(s).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(decodeKeyShare(s)).toEqual(k);
    for (const bad of [undefined, null, 1, '', 'k1.', `k2.${s.slice(3)}`, s.slice(0, -1), `${s}AA`, {}]) {
      expect(decodeKeyShare(bad)).toBeNull();
    }
  });
});

describe('one spelling (THREATS 49): non-canonical base64url spellings of either share are refused', () => {
  // Spellings a lax decoder would take for the same bytes: padding, the standard alphabet, a last
  // character with non-zero unused bits, whitespace, a percent-encoded character.
  const variants = (s: string): string[] => {
    const out = [
      `${s}=`,
      `${s}==`,
      ` ${s}`,
      `${s}\n`,
      s.replace(/-/g, '+').replace(/_/g, '/'),
      `${s.slice(0, 4)}%41${s.slice(5)}`,
    ];
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes = 43 characters: the last one carries 2 unused bits; any of its 3 siblings decodes alike.
    const i = alphabet.indexOf(last);
    for (let d = 1; d < 4; d++) out.push(s.slice(0, -1) + alphabet[(i & ~3) | ((i + d) & 3)]);
    return out.filter((v) => v !== s);
  };

  test('key share: every other spelling of the same key is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const share = encodeKeyShare(key);
        expect(decodeKeyShare(share)).toEqual(key);
        const body = share.slice(3);
        for (const v of variants(body)) expect(decodeKeyShare(`k1.${v}`), v).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  test('sealed share: every other spelling is refused as malformed before decryption', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const json = JSON.stringify(['token', value, null]);
        const share = sealShare(KEY, json, ctx, T);
        expect(openShare(KEY, share, ctx, T, 10_000).ok).toBe(true);
        for (const v of variants(share)) {
          const r = openShare(KEY, v, ctx, T, 10_000);
          expect(r.ok, v.slice(-4)).toBe(false);
        }
      }),
      { numRuns: 50 },
    );
  });
});
