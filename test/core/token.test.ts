import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { portableBackend, setBackend } from '../../src/core/backend.js';
import { useNativeBackend } from '../../src/core/native.js';
import {
  createKeyring,
  generateKey,
  open,
  seal,
  TokenExpiredError,
  TokenInvalidError,
} from '../../src/index.js';
import { fromBase64Url, toBase64Url } from '../../src/internal/base64.js';

const ring = createKeyring(generateKey());
const ctx = { context: 'session' };

function expectInvalid(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TokenInvalidError);
  expect((err as TokenInvalidError).code).toBe('ERR_TOKEN_INVALID');
  expect((err as Error).message).toBe('token is invalid');
}

for (const backendName of ['noble', 'sodium-native']) {
  describe(`seal/open (${backendName})`, () => {
    const use = () =>
      backendName === 'noble'
        ? setBackend(portableBackend)
        : expect(useNativeBackend()).toBe('sodium-native');

    it('round-trips arbitrary JSON values', () => {
      use();
      fc.assert(
        fc.property(fc.jsonValue(), (v) => {
          const t = seal(v, ring, ctx);
          expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
          // JSON normalises -0 to 0; compare through JSON.
          expect(open(t, ring, ctx).value).toEqual(JSON.parse(JSON.stringify(v)));
        }),
        { numRuns: 200 },
      );
    });

    it('rejects any single-byte change of the decoded token', () => {
      use();
      const t = seal({ user: 'alice', roles: ['admin'] }, ring, ctx);
      const bytes = fromBase64Url(t)!;
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
          const b = Uint8Array.from(bytes);
          b[i]! ^= x;
          expectInvalid(() => open(toBase64Url(b), ring, ctx));
        }),
        { numRuns: 300 },
      );
    });

    it('rejects truncation, extension and splices of the text token', () => {
      use();
      const t = seal({ n: 1 }, ring, ctx);
      const other = seal({ n: 2 }, ring, ctx);
      fc.assert(
        fc.property(
          fc.nat({ max: t.length - 1 }),
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.nat({ max: other.length }),
          (cut, extra, at) => {
            expectInvalid(() => open(t.slice(0, cut), ring, ctx));
            expectInvalid(() => open(t + extra, ring, ctx));
            const splice = t.slice(0, cut) + other.slice(cut);
            if (splice !== t && splice !== other) expectInvalid(() => open(splice, ring, ctx));
            expectInvalid(() => open(t.slice(0, at) + extra + t.slice(at), ring, ctx));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}

describe('binding and expiry', () => {
  it('a token sealed for context "a" does not open as "b" with the same key', () => {
    const t = seal({ admin: true }, ring, { context: 'a' });
    expect(open(t, ring, { context: 'a' }).value).toEqual({ admin: true });
    expectInvalid(() => open(t, ring, { context: 'b' }));
  });

  it('enforces absolute and idle expiry from the sealed payload', () => {
    const now = Date.UTC(2026, 0, 1);
    const t = seal(1, ring, { context: 's', maxAge: 3600, idleTimeout: 600, now });
    expect(open(t, ring, { context: 's', now: now + 599_000 }).value).toBe(1);
    expect(() => open(t, ring, { context: 's', now: now + 600_000 })).toThrow(TokenExpiredError);
    const abs = seal(1, ring, { context: 's', maxAge: 10, now });
    expect(() => open(abs, ring, { context: 's', now: now + 10_000 })).toThrow(/absolute/);
  });

  it('flags tokens opened with an older key so callers re-issue them', () => {
    const oldKey = generateKey();
    const t = seal('x', createKeyring(oldKey), ctx);
    const rotated = createKeyring([generateKey(), oldKey]);
    expect(open(t, rotated, ctx).rotated).toBe(true);
    expect(open(seal('x', rotated, ctx), rotated, ctx).rotated).toBe(false);
    expectInvalid(() => open(t, createKeyring(generateKey()), ctx));
  });
});

describe('Keyring', () => {
  it('never shows its keys through JSON, inspection or enumeration', async () => {
    const { inspect } = await import('node:util');
    const hex = generateKey('hex');
    const ring = createKeyring(hex);
    for (const shown of [
      JSON.stringify(ring),
      inspect(ring, { showHidden: true, depth: 5 }),
      String(Object.keys(ring)),
    ]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toMatch(/[0-9a-f]{16}/);
    }
    expect(inspect(ring)).toBe('Keyring(1 keys)');
  });
});
