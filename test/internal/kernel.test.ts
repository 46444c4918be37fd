import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  fromBase64,
  fromBase64Url,
  fromHex,
  toBase64,
  toBase64Url,
  toHex,
} from '../../src/internal/base64.js';
import { equalBytes, equalStrings } from '../../src/internal/compare.js';
import { ExpiringMap } from '../../src/internal/expiring-map.js';
import { checkRandom, randomBytes } from '../../src/internal/random.js';

const bytes = fc.uint8Array({ maxLength: 200 });

describe('base64 codec: one spelling per value (THREATS 49)', () => {
  it('matches node:buffer on random bytes, both alphabets', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const buf = Buffer.from(b);
        expect(toBase64Url(b)).toBe(buf.toString('base64url'));
        expect(toBase64(b)).toBe(buf.toString('base64'));
        expect(fromBase64Url(buf.toString('base64url'))).toEqual(b);
        expect(fromBase64(buf.toString('base64'))).toEqual(b);
        expect(toHex(b)).toBe(buf.toString('hex'));
        expect(fromHex(buf.toString('hex'))).toEqual(b);
      }),
    );
  });

  it('refuses every other spelling that a lenient decoder would accept', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), (b, at) => {
        const url = toBase64Url(b);
        const std = toBase64(b);
        const variants = [
          `${url}=`,
          `${url}==`,
          ` ${url}`,
          `${url}\n`,
          url.replace(/-/g, '+').replace(/_/g, '/') === url
            ? `${url}%`
            : url.replace(/-/g, '+').replace(/_/g, '/'),
        ];
        if (url.length > 0) {
          const i = at % url.length;
          variants.push(`${url.slice(0, i)}%${url.charCodeAt(i).toString(16)}${url.slice(i + 1)}`);
        }
        for (const v of variants) expect(fromBase64Url(v)).toBeUndefined();
        const stdVariants = [
          std.replace(/=+$/, ''),
          `${std}=`,
          ` ${std}`,
          std.replace(/\+/g, '-').replace(/\//g, '_'),
        ];
        for (const v of stdVariants) if (v !== std) expect(fromBase64(v)).toBeUndefined();
      }),
    );
  });

  it('refuses non-zero unused bits in the last character', () => {
    // 'AB' decodes 'A'=0,'B'=1: the low 4 bits of the second character are unused → not canonical.
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AB')).toBeUndefined();
    expect(fromBase64Url('AAB')).toBeUndefined();
    expect(fromBase64('AB==')).toBeUndefined();
    expect(fromBase64('AAB=')).toBeUndefined();
    expect(fromBase64Url('A')).toBeUndefined();
    expect(fromBase64('A===')).toBeUndefined();
    expect(fromBase64('AA=A')).toBeUndefined();
    expect(fromBase64('AAAA=')).toBeUndefined();
    expect(fromHex('0g')).toBeUndefined();
    expect(fromHex('abc')).toBeUndefined();
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const u = fromBase64Url(s);
        if (u !== undefined) expect(toBase64Url(u)).toBe(s);
        const d = fromBase64(s);
        if (d !== undefined) expect(toBase64(d)).toBe(s);
      }),
    );
  });

  it('keeps working after page code patches String.prototype and atob', () => {
    const orig = String.prototype.charCodeAt;
    const origAtob = globalThis.atob;
    const seen: string[] = [];
    String.prototype.charCodeAt = function (this: string, i: number) {
      seen.push(String(this));
      return orig.call(this, i);
    };
    globalThis.atob = () => 'x';
    try {
      const b = new Uint8Array([1, 2, 3, 250]);
      expect(fromBase64Url(toBase64Url(b))).toEqual(b);
      expect(fromBase64(toBase64(b))).toEqual(b);
    } finally {
      String.prototype.charCodeAt = orig;
      globalThis.atob = origAtob;
    }
    expect(seen).toEqual([]);
  });
});

describe('constant-time compare', () => {
  it('agrees with plain equality', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(equalBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(equalBytes(a, a.slice())).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(equalStrings(a, b)).toBe(a === b);
      }),
    );
  });
});

describe('checked random source (THREATS 50)', () => {
  it('draws distinct bytes', () => {
    expect(equalBytes(randomBytes(32), randomBytes(32))).toBe(false);
  });
  it('refuses zeros and repeats, with a stable code and no bytes in the message', () => {
    expect(() => checkRandom(new Uint8Array(16))).toThrow(
      expect.objectContaining({ code: 'ERR_RANDOM_SOURCE' }),
    );
    const fixed = new Uint8Array(32).fill(7);
    checkRandom(fixed);
    expect(() => checkRandom(new Uint8Array(32).fill(7))).toThrow(/same bytes twice/);
    expect(checkRandom(new Uint8Array(8))).toHaveLength(8); // too short to judge
  });
  it('refuses a stubbed getRandomValues that fills zeros', async () => {
    vi.resetModules();
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation((a) => a);
    try {
      const fresh = await import('../../src/internal/random.js');
      expect(() => fresh.randomBytes(24)).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_SOURCE' }));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('ExpiringMap (THREATS 43/44)', () => {
  it('expires entries by time bucket and never returns an expired value', () => {
    let t = 10_000;
    const m = new ExpiringMap<number>({ maxEntries: 10, full: 'refuse', now: () => t });
    expect(m.set('a', 1, t + 500)).toBe(true);
    expect(m.set('b', 2, t + 5_000)).toBe(true);
    expect(m.get('a')).toBe(1);
    t += 500;
    expect(m.get('a')).toBeUndefined();
    expect(m.has('b')).toBe(true);
    t += 5_000;
    expect(m.size).toBe(0);
  });

  it("'refuse' fails closed for the newcomer and keeps every held entry", () => {
    const t = 0;
    const m = new ExpiringMap<number>({ maxEntries: 3, full: 'refuse', now: () => t });
    for (const k of ['a', 'b', 'c']) expect(m.add(k, 1, 60_000)).toBe(true);
    expect(m.add('d', 1, 60_000)).toBe(false);
    expect(m.add('a', 1, 60_000)).toBe(false); // present
    expect(m.set('a', 2, 60_000)).toBe(true); // replacing needs no room
    for (const k of ['a', 'b', 'c']) expect(m.has(k)).toBe(true);
  });

  it("'evict-oldest' evicts in insertion order and reports each eviction", () => {
    const evicted: string[] = [];
    const m = new ExpiringMap<number>({
      maxEntries: 2,
      full: 'evict-oldest',
      now: () => 0,
      onEvict: (k) => evicted.push(k),
    });
    m.set('a', 1, 1e9);
    m.set('b', 1, 10); // soonest to expire is not what goes first
    m.set('c', 1, 1e9);
    expect(evicted).toEqual(['a']);
    expect(m.has('b')).toBe(true);
  });

  it('holds a full map of live entries until their time passes, then frees room', () => {
    let t = 0;
    const m = new ExpiringMap<number>({ maxEntries: 200_000, full: 'refuse', now: () => t });
    for (let i = 0; i < 200_000; i++) m.add(`k${i}`, i, t + 30_000);
    expect(m.add('new', 1, t + 30_000)).toBe(false);
    t += 29_999;
    expect(m.add('new', 1, t + 30_000)).toBe(false);
    expect(m.get('k199999')).toBe(199_999);
    t += 1;
    expect(m.add('new', 1, t + 30_000)).toBe(true);
    expect(m.size).toBe(1);
  });

  it('keeps memory proportional to live entries when the same keys are rewritten', () => {
    const m = new ExpiringMap<number>({ maxEntries: 10, full: 'refuse', now: () => 0 });
    for (let i = 0; i < 100_000; i++) m.set(`k${i % 5}`, i, 1_000_000 + i);
    expect(m.size).toBe(5);
    expect(m.get('k4')).toBe(99_999);
  });

  it('refuses bad options with "expected X, got Y"', () => {
    expect(() => new ExpiringMap({ maxEntries: 1.5, full: 'refuse' })).toThrow(
      /maxEntries: expected a positive integer, got 1.5/,
    );
    expect(() => new ExpiringMap({ maxEntries: 1, full: 'drop' as 'refuse' })).toThrow(/full: expected/);
  });
});
