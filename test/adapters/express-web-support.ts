// Helpers shared by the Express, node:http, Web, Hono and Next tests: a browser-like cookie jar and
// the hostile cookie corpus of THREATS.md §Server 1–2.
import { parseSetCookie } from 'cookie';
import { generateKey, SessionEngine } from '../../src/index.js';

/** Applies Set-Cookie values the way a browser would (Max-Age=0 deletes). */
export function jar(
  setCookies: readonly string[],
  previous: Record<string, string> = {},
): Record<string, string> {
  const next = { ...previous };
  for (const sc of setCookies) {
    const c = parseSetCookie(sc);
    if (c.maxAge === 0) delete next[c.name];
    else next[c.name] = c.value ?? '';
  }
  return next;
}

/** The Cookie header a browser would send for this jar. */
export const cookieHeader = (j: Record<string, string>): string =>
  Object.entries(j)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

/** A real session cookie value, sealed by the engine with `key` for `cookieName`. */
export function sealedValue(key: Uint8Array, cookieName: string, data: Record<string, unknown>): string {
  const e = new SessionEngine({ key, cookieName });
  const s = e.load(undefined);
  for (const [k, v] of Object.entries(data)) s.set(k as never, v as never);
  const j = jar(e.commit(s));
  const v = j[cookieName];
  if (v === undefined) throw new Error('no cookie sealed');
  return v;
}

/**
 * Cookie values that must all give an empty session for cookie `name` under `key`: foreign
 * (another key, another library's formats), truncated, bit-flipped, re-encoded, oversized,
 * sealed for another cookie name (THREATS 2), bogus chunk headers.
 */
export function hostileValues(key: Uint8Array, name: string): { label: string; value: string }[] {
  const t = sealedValue(key, name, { user: 'alice', admin: true });
  const foreign = sealedValue(generateKey(), name, { user: 'mallory', admin: true });
  const otherName = sealedValue(key, `${name}-other`, { user: 'mallory', admin: true });
  const flip = (i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
  const std = t.replace(/-/g, '+').replace(/_/g, '/');
  return [
    { label: 'foreign key', value: foreign },
    { label: 'sealed for another cookie name', value: otherName },
    { label: 'iron-session-like', value: `Fe26.2**${'a'.repeat(64)}*${'b'.repeat(22)}**${'c'.repeat(43)}` },
    { label: 'express-session-like', value: 's%3Aabc.def' },
    { label: '@fastify/secure-session-like', value: 'YWJj;AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    { label: 'jwt-like', value: 'eyJhbGciOiJub25lIn0.eyJhZG1pbiI6dHJ1ZX0.' },
    { label: 'truncated by one', value: t.slice(0, -1) },
    { label: 'truncated by half', value: t.slice(0, t.length >> 1) },
    { label: 'missing first char', value: t.slice(1) },
    { label: 'extended', value: `${t}A` },
    { label: 'bit-flip start', value: flip(2) },
    { label: 'bit-flip middle', value: flip(t.length >> 1) },
    { label: 'bit-flip end', value: flip(t.length - 1) },
    { label: 're-encoded standard base64', value: std === t ? `${t}+` : std },
    { label: 're-encoded padded', value: `${t}${'='.repeat(4 - (t.length % 4 || 4)) || '='}` },
    { label: 'upper-cased', value: t.toUpperCase() },
    { label: 'bogus chunk count', value: `9.${t}` },
    { label: 'chunk header without chunks', value: `2.${t}` },
    { label: 'doubled', value: `${t}.${t}` },
    { label: 'oversized', value: 'A'.repeat(12_000) },
    { label: 'bad percent escape', value: '%E0%A4%A' },
    { label: 'lone percent', value: '%' },
    { label: 'empty', value: '' },
    { label: 'dot only', value: '.' },
    { label: 'prototype name', value: '__proto__' },
  ];
}

/** Whole Cookie headers (latin1 strings: what Node hands over for non-UTF-8 bytes). */
export const HOSTILE_HEADERS: readonly string[] = [
  'session',
  '=session',
  'session=a=b=c',
  'session=";"',
  'session=\u00ff\u00fe\u00fd',
  'session=\u0080\u0081; session.1=\u00c3',
  'session=1; session=2; session=3',
  'session.1=abc',
  'session=3.abc; session.1=def',
  'session=2.abc; session.1=; session.2=x',
  '; ; ;;',
  '__proto__=1; constructor=2; session=3',
];
