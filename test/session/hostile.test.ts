import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyring, generateKey, open, SessionEngine, TokenInvalidError } from '../../src/index.js';
import { alteredTokens, HOSTILE_COOKIE_HEADERS, HOSTILE_STRINGS } from '../support/hostile.js';

const key = generateKey();
const ring = createKeyring(key);

describe('hostile input', () => {
  it('open() refuses every hostile string and altered token with the one invalid error', () => {
    for (const t of [...HOSTILE_STRINGS, ...alteredTokens(ring, 'session')]) {
      expect(() => open(t, ring, { context: 'session' }), JSON.stringify(t.slice(0, 40))).toThrow(
        TokenInvalidError,
      );
    }
  });

  it('the engine turns hostile cookies into an empty session, logs a reason and never the value', () => {
    const lines: string[] = [];
    const engine = new SessionEngine({
      key,
      debug: (msg, detail) => lines.push(`${msg} ${JSON.stringify(detail)}`),
    });
    const headers = [
      ...HOSTILE_COOKIE_HEADERS,
      ...HOSTILE_STRINGS.map((s) => `session=${s}`),
      ...alteredTokens(ring, 'session').map((t) => `session=${t}`),
    ];
    for (const h of headers) {
      const s = engine.load(h);
      expect(s.data(), h.slice(0, 40)).toEqual({});
      expect(() => engine.commit(s)).not.toThrow();
    }
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(line).toMatch(
        /^sealed-session: no session from the cookie \{"session":"session","reason":"[a-z-]+"\}$/,
      );
    }
  });

  it('fuzz: any Cookie header, any lookup result → a usable session, no exception', () => {
    const engine = new SessionEngine({ key });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (header) => {
        const s = engine.load(header);
        s.data();
        s.set('ok' as never, 1 as never);
        expect(engine.commit(s).length).toBe(1);
        const t = engine.load((name) => (name.endsWith('.1') ? header : `2.${header}`));
        expect(t.data()).toEqual({});
      }),
      { numRuns: 1000 },
    );
  });
});
