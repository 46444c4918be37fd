// Reading session-keystore 1.0.x shares (src/keystore/legacy.ts), with shares written by the real
// session-keystore 1.0.3 package (its own `split`), and hostile or garbled ones: a pair that is not
// exactly what session-keystore writes yields nothing, never a partial or wrong value, never a throw.
// The store's use of it (both old shares erased, values moved over) runs in real browsers:
// test/browser/keystore/upgrade.spec.ts.
import { split } from 'session-keystore/dist/utility.js';
import { describe, expect, test } from 'vitest';
import { openLegacy } from '../../src/keystore/legacy.js';

type Got = Array<[string, string, number | undefined]>;
const open = (a: unknown, b: unknown): Got | undefined => {
  const got: Got = [];
  return openLegacy(a, b, (k, v, e) => got.push([k, v, e])) ? got : undefined;
};
const shares = (json: string): [string, string] => split(json) as [string, string];

describe('shares written by session-keystore 1.0.3', () => {
  test('1.0 entries ({ v: 1, value, expiresAt? }), in order, UTF-8 and odd keys included', () => {
    const exp = 1_767_225_600_000.5;
    const entries = [
      ['token', { v: 1, value: 'eyJhbGciOi.x-y_z', expiresAt: exp }],
      ['refresh', { v: 1, value: 'r€fresh ✓ 🔑' }],
      ['__proto__', { v: 1, value: 'p' }],
    ];
    const [a, b] = shares(JSON.stringify(entries));
    expect(a).toMatch(/^[A-Za-z0-9_-]+={0,2}$/); // @47ng/codec: URL alphabet with padding
    expect(open(a, b)).toEqual([
      ['token', 'eyJhbGciOi.x-y_z', exp],
      ['refresh', 'r€fresh ✓ 🔑', undefined],
      ['__proto__', 'p', undefined],
    ]);
  });

  test('entries from before 1.0 ({ key, expiresAt? }), as its own v0-to-v1 test writes them', () => {
    const future = Date.now() + 1000;
    const [a, b] = shares(JSON.stringify([['foo', { key: 'bar', expiresAt: future }]]));
    expect(open(a, b)).toEqual([['foo', 'bar', future]]);
  });

  test('every padding length, and an empty store', () => {
    for (const value of ['', 'a', 'ab', 'abc']) {
      const [a, b] = shares(JSON.stringify([['k', { v: 1, value }]]));
      expect(open(a, b)).toEqual([['k', value, undefined]]);
      expect(open(a.replace(/=+$/, ''), b.replace(/=+$/, ''))).toEqual([['k', value, undefined]]);
    }
    const [a, b] = shares('[]');
    expect(open(a, b)).toEqual([]);
  });
});

describe('hostile or garbled shares yield nothing', () => {
  const good = shares(JSON.stringify([['k', { v: 1, value: 'secret-value' }]]));

  test('one share missing, not strings, or of unequal lengths', () => {
    const [a, b] = good;
    for (const [x, y] of [
      [a, undefined],
      [undefined, b],
      [a, null],
      [a, 42],
      [{ toString: () => a }, b],
      [a, b.slice(1)],
      [a, `${b}AAAA`],
      ['', ''],
    ] as Array<[unknown, unknown]>) {
      expect(open(x, y)).toBeUndefined();
    }
  });

  test('bad base64: standard alphabet, stray padding, spaces, non-canonical last character', () => {
    const [a, b] = good;
    const variants = [
      a.replace(/-/g, '+').replace(/_/g, '/'),
      `${a.replace(/=+$/, '')}===`.slice(0, a.length),
      ` ${a.slice(1)}`,
      `${a.slice(0, -1)}\n`,
    ].filter((v) => v !== a);
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(open(v, b)).toBeUndefined();
  });

  test('swapped, flipped or mismatched shares (the XOR gives garbage) never give a wrong value', () => {
    const [a, b] = good;
    const [c] = shares(JSON.stringify([['k', { v: 1, value: 'secret-value' }]])); // another split
    expect(open(c, b)).toBeUndefined();
    for (let i = 0; i < a.length; i++) {
      const flipped = a.slice(0, i) + (a[i] === 'A' ? 'B' : 'A') + a.slice(i + 1);
      const got = open(flipped, b);
      // A flipped bit inside a string can leave valid JSON (XOR is malleable): then the value differs
      // visibly, it is never silently the original one under another shape.
      if (got !== undefined) expect(got).not.toEqual([['k', 'secret-value', undefined]]);
    }
  });

  test('valid shares of the wrong shape', () => {
    const bad = [
      '{"k":"v"}',
      '[["k"]]',
      '[["k",{"v":1,"value":"x"},1]]',
      '[[1,{"v":1,"value":"x"}]]',
      '[["k",{"v":2,"value":"x"}]]',
      '[["k",{"v":1,"value":42}]]',
      '[["k",{"v":1}]]',
      '[["k",{"key":{"x":1}}]]',
      '[["k",{"v":1,"value":"x","expiresAt":"soon"}]]',
      '[["k",{"v":1,"value":"x","expiresAt":null}]]',
      '[["k",["v",1]]]',
      '[["k",null]]',
      '[["ok",{"v":1,"value":"x"}],["k",{"v":1}]]', // all or nothing: the good entry is not kept
      'not json',
      '[',
    ];
    for (const json of bad) {
      const [a, b] = shares(json);
      expect(open(a, b), json).toBeUndefined();
    }
  });

  test('invalid UTF-8 in the joined bytes is refused, not replaced', () => {
    const bytes = Buffer.from('[["k",{"v":1,"value":"\u00ff"}]]', 'utf8');
    const at = bytes.indexOf(0xc3);
    bytes[at] = 0xff; // not a UTF-8 lead byte
    const r = Buffer.alloc(bytes.length, 0x5a);
    const x = Buffer.from(bytes.map((v, i) => v ^ r[i]!));
    const enc = (buf: Buffer) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    expect(open(enc(r), enc(x))).toBeUndefined();
  });

  test('a getter planted on Object.prototype is never consulted (nor handed the entry)', () => {
    const [a, b] = shares(JSON.stringify([['k', { key: 'v0-value' }]]));
    let touched = 0;
    const proto = Object.prototype as Record<string, unknown>;
    const planted = ['v', 'value', 'expiresAt'].map((p) => {
      const d = { __proto__: null, configurable: true } as unknown as PropertyDescriptor;
      d.get = () => {
        touched++;
        return p === 'v' ? 1 : 'planted';
      };
      return [p, d] as const;
    });
    for (const [p, d] of planted) Object.defineProperty(proto, p, d);
    let got: Got | undefined;
    try {
      got = open(a, b);
    } finally {
      for (const [p] of planted) delete proto[p];
    }
    expect(got).toEqual([['k', 'v0-value', undefined]]);
    expect(touched).toBe(0);
  });
});
