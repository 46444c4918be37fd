// Issue 8, "a replay cache that scans and locks out": anyone can mint key pairs, so the cache must
// bound each key's share (one client's flood refuses only that client), expire by time buckets
// (work per request bounded at any fill: counted here in Map-iterator steps, never timed), and fail
// closed at its global bound — without ever forgetting an unexpired nonce.
import { describe, expect, it, vi } from 'vitest';
import { generateSecretKey, getPublicKey, SecureFetch } from '../../src/signed/index.js';
import {
  createSignedHandler,
  MemoryReplayCache,
  type ReplayCache,
  type SignedFailureReason,
} from '../../src/signed/server/index.js';

const WINDOW = 61_000; // what the server passes with maxSkew 30: (created + 31 s)

describe('MemoryReplayCache: one key cannot use up the room of the others', () => {
  it('a flooding key is refused beyond its quota; 500 other keys are never refused', () => {
    let now = 1_700_000_000_000;
    const cache = new MemoryReplayCache({ maxEntries: 10_000, perKeyMax: 100, now: () => now });
    let flooded = 0;
    let honestRefused = 0;
    for (let i = 0; i < 30_000; i++) {
      if (cache.add(`mallory n${i}`, now + WINDOW, 'mallory')) flooded++;
      if (i % 60 === 0) {
        const k = `key${(i / 60) % 500}`;
        if (!cache.add(`${k} n${i}`, now + WINDOW, k)) honestRefused++;
      }
      if (i % 1000 === 0) now += 100;
    }
    expect(flooded).toBe(100);
    expect(honestRefused).toBe(0);
    expect(cache.size).toBe(100 + 500);
  });

  it("the flooding key's quota comes back after its window; its nonces stay refused while alive", () => {
    let now = 1_700_000_000_000;
    const cache = new MemoryReplayCache({ maxEntries: 1000, perKeyMax: 3, now: () => now });
    for (let i = 0; i < 3; i++) expect(cache.add(`m ${i}`, now + WINDOW, 'm')).toBe(true);
    expect(cache.add('m 3', now + WINDOW, 'm')).toBe(false);
    expect(cache.add('other 0', now + WINDOW, 'other')).toBe(true);
    now += WINDOW - 1;
    expect(cache.add('m 0', now + WINDOW, 'm')).toBe(false); // its quota, and the nonce is alive
    now += 1;
    expect(cache.add('m 4', now + WINDOW, 'm')).toBe(true);
    expect(cache.add('other 0', now + WINDOW, 'other')).toBe(true); // expired: may be recorded again
  });

  it('a replay is refused, whatever the key and the fill', () => {
    const now = 1_700_000_000_000;
    const cache = new MemoryReplayCache({ maxEntries: 3, perKeyMax: 2, now: () => now });
    expect(cache.add('a 1', now + WINDOW, 'a')).toBe(true);
    expect(cache.add('a 1', now + WINDOW, 'a')).toBe(false);
    expect(cache.add('a 1', now + WINDOW)).toBe(false);
  });

  it('at the global bound every new nonce is refused (fail closed) until nonces expire; none is forgotten', () => {
    let now = 1_700_000_000_000;
    const cache = new MemoryReplayCache({ maxEntries: 1000, perKeyMax: 10, now: () => now });
    for (let k = 0; k < 100; k++)
      for (let i = 0; i < 10; i++) expect(cache.add(`k${k} ${i}`, now + WINDOW, `k${k}`)).toBe(true);
    expect(cache.size).toBe(1000);
    expect(cache.add('newcomer 0', now + WINDOW, 'newcomer')).toBe(false);
    expect(cache.add('k0 0', now + WINDOW, 'k0')).toBe(false);
    now += WINDOW;
    expect(cache.add('newcomer 0', now + WINDOW, 'newcomer')).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('options are checked', () => {
    expect(() => new MemoryReplayCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryReplayCache({ maxEntries: 10, perKeyMax: 11 })).toThrow(RangeError);
    expect(() => new MemoryReplayCache({ perKeyMax: 1.5 })).toThrow(RangeError);
  });
});

describe('MemoryReplayCache: bounded work per request at any fill (no scan)', () => {
  it('counts Map-iterator steps: at a full 50 000-nonce cache, each request costs O(1)', async () => {
    // Count every step of every Map iterator created from here on (for…of, keys(), entries()).
    const proto = Object.getPrototypeOf(new Map().keys()) as { next: (this: unknown) => unknown };
    const original = proto.next;
    let steps = 0;
    let counting = false;
    proto.next = function (this: unknown) {
      if (counting) steps++;
      return original.call(this);
    };
    try {
      vi.resetModules();
      const { MemoryReplayCache: Fresh } = await import('../../src/signed/replay.js');
      let now = 1_700_000_000_000;
      const n = 50_000;
      const cache = new Fresh({ maxEntries: n, perKeyMax: n, now: () => now });
      counting = true;
      for (let i = 0; i < n; i++) cache.add(`k n${i}`, now + WINDOW, `k${i % 97}`);
      const fillSteps = steps;
      steps = 0;
      // Full: each further request is refused, and must not look at the other nonces to decide.
      for (let i = 0; i < 200; i++) expect(cache.add(`late ${i}`, now + WINDOW, `late${i}`)).toBe(false);
      const fullSteps = steps;
      steps = 0;
      // Churn: time moves on, nonces expire bucket by bucket while new ones arrive.
      for (let i = 0; i < 20_000; i++) {
        if (i % 100 === 0) now += 500;
        cache.add(`c n${i}`, now + WINDOW, `c${i % 13}`);
      }
      const churnSteps = steps;
      counting = false;
      expect(fillSteps / n).toBeLessThanOrEqual(4);
      expect(fullSteps / 200).toBeLessThanOrEqual(4);
      expect(churnSteps / 20_000).toBeLessThanOrEqual(4);
    } finally {
      proto.next = original;
      vi.resetModules();
    }
  });
});

describe('the server and its replay store', () => {
  async function rig(replayCache?: ReplayCache) {
    const key = generateSecretKey('ed25519');
    const failures: SignedFailureReason[] = [];
    const handler = createSignedHandler(
      {
        key,
        origin: 'https://api.example.test',
        onFailure: (r) => failures.push(r),
        ...(replayCache ? { replayCache } : {}),
      },
      async (_req, s) => s.json({ ok: true }),
    );
    const serverPublic = await getPublicKey(key);
    const client = (secret = generateSecretKey('ed25519')) =>
      SecureFetch(serverPublic, secret, {
        hostname: 'https://api.example.test',
        fetcher: (i, n) => handler(new Request(i, n)),
      });
    return { handler, client, failures };
  }

  it('passes the verified key id, and only after the signature verified (forgeries burn no nonce)', async () => {
    const calls: [string, number, string | undefined][] = [];
    const cache: ReplayCache = {
      add: (nonce, expiresAt, keyId) => {
        calls.push([nonce, expiresAt, keyId]);
        return true;
      },
    };
    const { client, failures, handler } = await rig(cache);
    const secret = generateSecretKey('ed25519');
    const pub = await getPublicKey(secret);
    expect((await client(secret)('/x')).data).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]![2]).toBe(pub);
    expect(calls[0]![0].startsWith(`${pub} `)).toBe(true);
    // A request whose signature was altered: refused before the cache is asked.
    let captured: Request | null = null;
    const capture = SecureFetch(client().serverKey, secret, {
      hostname: 'https://api.example.test',
      fetcher: (i, n) => {
        captured = new Request(i, n);
        return new Response(null, { status: 500 });
      },
    });
    await capture('/x').catch(() => {});
    const r = captured as unknown as Request;
    const headers = new Headers(r.headers);
    headers.set('signature', `sig=:${'A'.repeat(86)}==:`);
    expect((await handler(new Request(r.url, { method: r.method, headers }))).status).toBe(401);
    expect(failures).toEqual(['signature']);
    expect(calls).toHaveLength(1);
  });

  it('a client flooding with one key is refused past its quota; another client is served throughout', async () => {
    const { client, failures } = await rig(new MemoryReplayCache({ perKeyMax: 3 }));
    const flooder = client();
    const honest = client();
    for (let i = 0; i < 3; i++) expect((await flooder('/x')).status).toBe(200);
    await expect(flooder('/x')).rejects.toMatchObject({ status: 401 });
    expect(failures).toEqual(['replay']);
    for (let i = 0; i < 3; i++) expect((await honest('/x')).status).toBe(200);
  });
});
