// A shared list of hostile inputs for every public function that takes untrusted text (cookies,
// headers, tokens, messages). Each must yield "no session" / a refusal, never a crash.
import { seal } from '../../src/core/token.js';
import type { Keyring } from '../../src/index.js';

/** Values that are not tokens at all. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '=',
  ';',
  '.',
  '..',
  '2.',
  '99.abc',
  '-1.abc',
  'null',
  'undefined',
  '{}',
  '[]',
  '__proto__',
  'constructor',
  'a'.repeat(70_000),
  '%',
  '%E0%A4%A',
  '%00',
  '\u0000',
  '\uFFFD\uFFFD',
  '\ud800',
  'é',
  '\u00ff\u00fe\u0080',
  'AAAA====',
  'A',
  'AB',
  'ABC',
  'AA==',
  '+/+/',
  'ARg1napA',
  'Zm9vYmFy;Zm9vYmFy',
  ';Zm9v',
  'Zm9v;',
  'YWJj;AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '\t\n\r',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '../../etc/passwd',
];

/** Tokens that are real but altered: flipped, truncated, re-encoded, re-padded, wrong context. */
export function alteredTokens(ring: Keyring, context: string): string[] {
  const t = seal({ user: 'alice', admin: false }, ring, { context });
  const std = t.replace(/-/g, '+').replace(/_/g, '/');
  const padded = `${t}${'='.repeat((4 - (t.length % 4)) % 4)}`;
  const flip = (i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
  return [
    t.slice(0, -1),
    t.slice(1),
    `${t}A`,
    `${t} `,
    ` ${t}`,
    `${t.slice(0, 10)}\n${t.slice(10)}`,
    std === t ? `${t}+` : std,
    padded === t ? `${t}=` : padded,
    encodeURIComponent(`${t}==`),
    t.toUpperCase(),
    flip(0),
    flip(3),
    flip(20),
    flip(40),
    flip(t.length - 1),
    seal({ user: 'alice', admin: true }, ring, { context: `${context}-other` }),
    `2.${t}`,
    `${t}.${t}`,
  ];
}

/** Raw Cookie header values a client could send (non-UTF-8 bytes arrive as latin1 in Node). */
export const HOSTILE_COOKIE_HEADERS: readonly string[] = [
  'session',
  'session=',
  '=session',
  'session=a=b=c',
  'session=";"',
  'session="quoted"',
  'session=%',
  'session=%ZZ',
  'session=\u00ff\u00fe\u00fd',
  'session=\u0080\u0081',
  'session=1; session=2; session=3',
  'session.1=abc',
  'session=3.abc; session.1=def',
  'session=2.abc; session.1=; session.2=x',
  `session=${'x'.repeat(100_000)}`,
  '; ; ;;',
  '__proto__=1; constructor=2; session=3',
  'session=\u0000',
  'session=a\u0007b',
];
