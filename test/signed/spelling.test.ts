// Issue 8, "one spelling": every encoded value the signed module reads has exactly one accepted
// spelling. Property tests take a valid message, respell one encoded field (padding added or
// removed, the other base64 alphabet, a percent-encoded character, whitespace, non-zero unused
// bits) and require a refusal — while the original spelling still verifies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoSession, generateSecretKey, getPublicKey, SecureFetch } from '../../src/signed/index.js';
import { createSignedServer } from '../../src/signed/server/index.js';
import { parseDictionary } from '../../src/signed/sf.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Other spellings of base64 `text` (url: base64url without padding; else standard, padded). */
function respell(text: string, url: boolean, at: number, pick: number): string {
  const bare = text.replace(/=+$/, '');
  const i = at % Math.max(text.length, 1);
  const c = text[i] ?? 'A';
  const pct = `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
  const pad = '='.repeat((4 - (bare.length % 4)) % 4);
  const swap = (s: string, from: string, to: string) =>
    [...s].map((ch) => (from.includes(ch) ? to[from.indexOf(ch)]! : ch)).join('');
  // Non-zero unused bits in the last character: same bytes for a lenient decoder.
  const rest = bare.length % 4;
  const alpha = url ? URL : STD;
  const last = alpha.indexOf(bare[bare.length - 1] ?? 'A');
  const bits = rest === 2 ? 15 : rest === 3 ? 3 : 0;
  const loose =
    bits && last >= 0
      ? bare.slice(0, -1) + alpha[last | (1 + (pick % bits))]! + text.slice(bare.length)
      : text;
  const variants = [
    url ? `${bare}${pad || '=='}` : bare, // padding added / removed (or wrong)
    url ? `${bare}=` : `${text}=`,
    url ? swap(text, '-_', '+/') : swap(text, '+/', '-_'), // the other alphabet
    text.slice(0, i) + pct + text.slice(i + 1), // a percent-encoded character
    `${text.slice(0, i)} ${text.slice(i)}`, // whitespace
    `${text.slice(0, i)}\n${text.slice(i)}`,
    `${text}\t`,
    ` ${text}`,
    loose,
  ];
  return variants[pick % variants.length]!;
}

describe('CryptoSession tokens and payloads: one spelling', () => {
  it('any respelling of the signature or the payload is invalid; the original decodes', async () => {
    const aliceKey = generateSecretKey('ed25519');
    const bobKey = generateSecretKey('ed25519');
    const alice = new CryptoSession(await getPublicKey(bobKey), aliceKey);
    const bob = new CryptoSession(await getPublicKey(aliceKey), bobKey);
    const samples = await Promise.all(
      ['a', 'hello world', { n: 1 }, 'x'.repeat(50)].map((d) => alice.encode(d)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(samples.length - 1),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        async (s, onSig, at, pick) => {
          const { token, payload } = samples[s]!;
          const text = String(token);
          const [v, kid, sig] = text.split('.') as [string, string, string];
          const t2 = onSig ? `${v}.${kid}.${respell(sig, true, at, pick)}` : text;
          const p2 = onSig ? payload : respell(payload, true, at, pick);
          if (t2 === text && p2 === payload) return true;
          return (await bob.decode(t2, p2)).isValid === false;
        },
      ),
      { numRuns: 300 },
    );
    for (const { token, payload } of samples)
      expect((await bob.decode(String(token), payload)).isValid).toBe(true);
  });
});

describe('RFC 8941 byte sequences (Signature, Content-Digest, Sealed-Key): one spelling', () => {
  it('the parser refuses any respelling of a byte sequence', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), fc.nat(), fc.nat(), (bytes, at, pick) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(parseDictionary(`a=:${text}:`)?.get('a')).toBeDefined();
        const other = respell(text, false, at, pick);
        if (other === text) return;
        const m = parseDictionary(`a=:${other}:`)?.get('a');
        expect(m === undefined || m === null, other).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a request whose Signature value is respelled is refused; the original verifies', async () => {
    const key = generateSecretKey('ed25519');
    const origin = 'https://api.example.test';
    const core = createSignedServer({ key, origin });
    const signed: { headers: Record<string, string>; body: string | null }[] = [];
    const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
      fetcher: async (input, init) => {
        const req = new Request(input, init);
        const headers: Record<string, string> = {};
        req.headers.forEach((v, k) => {
          headers[k] = v;
        });
        signed.push({ headers, body: req.body ? await req.text() : null });
        return new Response(null, { status: 500 });
      },
    });
    for (let i = 0; i < 4; i++) await f(`${origin}/x`, { method: 'POST', body: `body ${i}` }).catch(() => {});
    await fc.assert(
      fc.asyncProperty(fc.nat(signed.length - 1), fc.nat(), fc.nat(), async (s, at, pick) => {
        const { headers, body } = signed[s]!;
        const sig = headers.signature!.slice('sig=:'.length, -1);
        const other = respell(sig, false, at, pick);
        if (other === sig) return true;
        const h: Record<string, string> = { ...headers, signature: `sig=:${other}:` };
        const r = await core.verify({ method: 'POST', path: '/x', header: (n) => h[n], body });
        return !r.ok;
      }),
      { numRuns: 200 },
    );
    for (const { headers, body } of signed)
      expect((await core.verify({ method: 'POST', path: '/x', header: (n) => headers[n], body })).ok).toBe(
        true,
      );
  });
});
