// THREATS 50: a random source that returns zeros (a broken polyfill, a stub) or repeats itself is
// detected and refused: seal() throws ERR_RANDOM_SOURCE and no token, no session id, no key is made.
// Before the fix the portable backend used whatever crypto.getRandomValues returned.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import { loadSodium, type Sodium, sodiumBackend } from '../../src/core/native.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

/** A fresh copy of the core, loaded after `getRandomValues` was replaced by `fill`. */
async function coreWith(fill: (out: Uint8Array) => void) {
  vi.resetModules();
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(
    <T extends ArrayBufferView | null>(out: T): T => {
      fill(out as unknown as Uint8Array);
      return out;
    },
  );
  const backend = await import('../../src/core/backend.js');
  backend.setBackend(backend.portableBackend);
  return {
    ...(await import('../../src/index.js')),
    backend,
  };
}

const expectRandomError = (fn: () => unknown): void => {
  let out: unknown;
  let err: unknown;
  try {
    out = fn();
  } catch (e) {
    err = e;
  }
  expect(out).toBeUndefined(); // no token, no key
  expect((err as { code?: string })?.code).toBe('ERR_RANDOM_SOURCE');
  expect((err as Error).message).toMatch(/^random source is broken: it /);
};

describe('portable backend (crypto.getRandomValues)', () => {
  it('all zeros: seal, generateKey and a new session throw ERR_RANDOM_SOURCE', async () => {
    const core = await coreWith((out) => out.fill(0));
    const ring = core.createKeyring('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expectRandomError(() => core.seal({ a: 1 }, ring, { context: 'c' }));
    expectRandomError(() => core.generateKey());
    const engine = new core.SessionEngine({ key: ring });
    expectRandomError(() => engine.create({ a: 1 }).id);
    const err = (() => {
      try {
        core.seal(1, ring, { context: 'c' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(core.RandomSourceError);
  });

  it('the same bytes on every call are refused from the second draw on', async () => {
    const core = await coreWith((out) => out.fill(7));
    const ring = core.createKeyring('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    let first: string | undefined;
    try {
      first = core.seal(1, ring, { context: 'c' });
    } catch {}
    expectRandomError(() => core.seal(1, ring, { context: 'c' }));
    expect(first === undefined || typeof first === 'string').toBe(true);
  });
});

describe('sodium backend (randombytes_buf)', () => {
  const real = loadSodium();
  if (!real) throw new Error('sodium-native must be installed for this suite');

  it('all zeros from libsodium: seal throws ERR_RANDOM_SOURCE, no token; the pool is not used', async () => {
    let broken = true;
    const fake: Sodium = Object.create(real, {
      randombytes_buf: {
        value: (buf: Uint8Array) => (broken ? buf.fill(0) : real.randombytes_buf(buf)),
      },
    });
    const b: Backend = sodiumBackend(fake);
    const { setBackend, portableBackend } = await import('../../src/core/backend.js');
    const { createKeyring, seal } = await import('../../src/index.js');
    const ring = createKeyring('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    setBackend(b);
    try {
      expectRandomError(() => seal({ a: 1 }, ring, { context: 'c' }));
      expectRandomError(() => b.randomBytes(16));
      expectRandomError(() => b.randomBytes(5000)); // larger than the pool: drawn directly
      broken = false;
      const token = seal({ a: 1 }, ring, { context: 'c' });
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    } finally {
      setBackend(portableBackend);
    }
  });
});
