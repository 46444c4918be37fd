import { charCode, hasOwn, parseJson } from '../internal/intrinsics.js';

const MAX_TOKEN = 8192;

/**
 * Printable ASCII without space, 1 to 8192 characters: every bearer, JWT or opaque token fits, and
 * the Authorization value built from it can never be invalid (an invalid value would make fetch
 * throw after the token was already placed in a header).
 *
 * @example
 * ```ts
 * validToken('eyJhbGciOi...') // true
 * ```
 */
export const validToken = (t: unknown): t is string => {
  if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TOKEN) return false;
  for (let i = 0; i < t.length; i++) {
    const c = charCode(t, i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
};

/**
 * The token in the own field `field` of a JSON text, or undefined. A field inherited from
 * `Object.prototype` is never taken (no token fixation through prototype pollution).
 *
 * @example
 * ```ts
 * tokenFrom('{"token":"abc"}', 'token') // 'abc'
 * ```
 */
export const tokenFrom = (text: string, field: string): string | undefined => {
  try {
    const d = parseJson(text);
    if (typeof d === 'object' && d !== null && hasOwn(d, field)) {
      const t = (d as Record<string, unknown>)[field];
      if (validToken(t)) return t;
    }
  } catch {}
  return undefined;
};

/** Scheme names as in RFC 9110 `token`. */
export const SCHEME_RE: RegExp = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;
