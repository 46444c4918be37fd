// THREATS 49: a token has exactly one accepted spelling. Every other spelling — percent-encoding any
// character, padding, the '+/' alphabet, whitespace anywhere, non-zero trailing bits, quotes — is
// refused by the core (both crypto backends) and through the session engine. Before the fix the
// engine percent-decoded and trimmed cookie values, so `session=%41RgB…` opened as `session=ARgB…`.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, portableBackend, setBackend } from '../../src/core/backend.js';
import { loadSodium, sodiumBackend } from '../../src/core/native.js';
import { tryOpen } from '../../src/core/token.js';
import { createKeyring, generateKey, open, SessionEngine, seal, TokenInvalidError } from '../../src/index.js';
import { fromBase64Url, toBase64Url } from '../../src/internal/base64.js';

const sodium = loadSodium();
if (!sodium) throw new Error('sodium-native must be installed for this suite');
const backends: [string, Backend][] = [
  ['noble', portableBackend],
  ['sodium-native', sodiumBackend(sodium)],
];
afterAll(() => setBackend(portableBackend));

const key = generateKey();
const ring = createKeyring(key);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Percent-encodes the character at `i` (upper or lower case hex). */
const percent = (t: string, i: number, lower: boolean): string => {
  const hex = t.charCodeAt(i).toString(16).padStart(2, '0');
  return `${t.slice(0, i)}%${lower ? hex : hex.toUpperCase()}${t.slice(i + 1)}`;
};

/** A token whose last character has unused low bits (length % 4 is 2 or 3), with them set. */
function nonCanonicalTail(t: string): string | undefined {
  const rest = t.length % 4;
  if (rest === 0) return undefined;
  const v = B64URL.indexOf(t[t.length - 1]!);
  const mask = rest === 2 ? 15 : 3;
  return t.slice(0, -1) + B64URL[v | (mask & 1 ? 1 : 2)]!;
}

type Make = (payload: string) => string;
const sealed: Make = (p) => seal({ p }, ring, { context: 'session' });

/** Every non-canonical spelling the property draws, from a token and random positions. */
const variantsOf = (make: Make) =>
  fc
    .record({
      payload: fc.string({ maxLength: 40 }),
      at: fc.nat(),
      lower: fc.boolean(),
      space: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u200b', '\uFEFF'),
      kind: fc.constantFrom(
        'percent',
        'padding',
        'std-alphabet',
        'whitespace',
        'tail',
        'quotes',
        'plus-space',
      ),
    })
    .map(({ payload, at, lower, space, kind }) => {
      // Draw until the token exercises the case (an '-'/'_' for the alphabet, a partial last group).
      let t = make(payload);
      for (let n = 0; kind === 'std-alphabet' && !/[-_]/.test(t) && n < 50; n++) t = make(payload);
      for (let n = 0; kind === 'tail' && t.length % 4 === 0 && n < 50; n++)
        t = make(`${payload}${'x'.repeat(n + 1)}`);
      const i = at % t.length;
      let bad: string;
      switch (kind) {
        case 'percent':
          bad = percent(t, i, lower);
          break;
        case 'padding':
          bad = `${t}${'='.repeat(1 + (at % 2))}`;
          break;
        case 'std-alphabet':
          bad = t.replace(/-/g, '+').replace(/_/g, '/');
          break;
        case 'whitespace':
          bad = t.slice(0, i) + space + t.slice(i);
          break;
        case 'tail':
          bad = nonCanonicalTail(t) ?? `${t}=`;
          break;
        case 'quotes':
          bad = `"${t}"`;
          break;
        default:
          bad = `${t.slice(0, i)}+${t.slice(i)}`; // '+' is a space in form encoding
      }
      return { t, bad, kind };
    })
    .filter(({ t, bad }) => t !== bad);

describe.each(backends)('core open refuses every other spelling (%s)', (_name, b) => {
  it('property: percent-encoding, padding, +/ alphabet, whitespace, trailing bits, quotes', () => {
    setBackend(b);
    fc.assert(
      fc.property(variantsOf(sealed), ({ t, bad }) => {
        expect(open(t, ring, { context: 'session' }).value).toBeDefined();
        expect(() => open(bad, ring, { context: 'session' })).toThrow(TokenInvalidError);
        expect(tryOpen(bad, ring, 'session', Date.now())).toEqual({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 300 },
    );
  });

  it('property: the backend decoder agrees with the kernel codec on any string', () => {
    const chars = fc.constantFrom(...`${B64URL}+/=% \t\n.é\u0000`.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 24 }), (parts) => {
        const s = parts.join('');
        const mine = b.fromBase64Url(s);
        const kernel = fromBase64Url(s);
        expect(mine === undefined ? undefined : Array.from(mine)).toEqual(
          kernel === undefined ? undefined : Array.from(kernel),
        );
        if (kernel !== undefined) expect(toBase64Url(kernel)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the engine reads the raw cookie value: one spelling through a request', () => {
  const engine = new SessionEngine({ key });
  const cookieOf = (data: Record<string, unknown>): string =>
    engine.commit(engine.create(data))[0]!.split(';')[0]!.slice('session='.length);

  it('the canonical value opens; the same token percent-encoded, quoted or padded with spaces does not', () => {
    const t = cookieOf({ user: 'alice' });
    expect(engine.load(`session=${t}`).get('user' as never)).toBe('alice');
    expect(engine.load(`a=1; session=${t}; b=2`).get('user' as never)).toBe('alice');
    for (const bad of [
      percent(t, 0, false),
      percent(t, t.length - 1, true),
      `"${t}"`,
      ` ${t}`,
      `${t} `,
      `${t}\t`,
      encodeURIComponent(t).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    ]) {
      expect(engine.load(`session=${bad}`).data(), bad.slice(0, 12)).toEqual({});
      expect(engine.load(`x=1; session=${bad}`).data()).toEqual({});
    }
  });

  it('property: any non-canonical spelling in a Cookie header gives an empty session', () => {
    const lines: string[] = [];
    const e = new SessionEngine({ key, debug: (_m, d) => lines.push(d.reason) });
    const make: Make = (p) => e.commit(e.create({ p }))[0]!.split(';')[0]!.slice('session='.length);
    fc.assert(
      fc.property(variantsOf(make), ({ t, bad }) => {
        expect(e.load(`session=${t}`).data()).toEqual({ p: expect.any(String) });
        expect(e.load(`session=${bad}`).data()).toEqual({});
      }),
      { numRuns: 300 },
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((r) => ['malformed', 'percent-encoded'].includes(r))).toBe(true);
  });

  it('the chunk count has one spelling too', () => {
    const e = new SessionEngine({ key, maxCookies: 3 });
    const out = e.commit(e.create({ big: 'x'.repeat(5000) }));
    const [first, second] = out.map((c) => c.split(';')[0]!);
    expect(first).toMatch(/^session=2\./);
    expect(e.load(`${first}; ${second}`).get('big' as never)).toBe('x'.repeat(5000));
    for (const count of ['02', '2.0', ' 2', '+2', '0x2']) {
      const v = first!.replace('session=2', `session=${count}`);
      expect(e.load(`${v}; ${second}`).data(), count).toEqual({});
    }
  });

  it('only our cookie is looked at: a name that merely ends with ours does not match', () => {
    const t = cookieOf({ user: 'alice' });
    expect(engine.load(`xsession=${t}`).data()).toEqual({});
    expect(engine.load(`session_x=${t}`).data()).toEqual({});
    expect(engine.load(`x=session=${t}`).data()).toEqual({});
    // The first of two cookies with the name wins (the most specific path, as browsers order them).
    expect(engine.load(`session=${t}; session=junk`).get('user' as never)).toBe('alice');
  });
});
