// JSON text written by our own code (THREATS 45). `JSON.stringify` looks up `toJSON` on every
// object it visits, and on the prototypes of arrays and plain objects, which page code can still
// change after load: a `toJSON` planted on `Array.prototype` would be handed the list of stored
// values at `pagehide`. This writer reads only own data properties, through load-time built-ins,
// and produces exactly the text `JSON.stringify` would for the same data (test/keystore/json.test.ts).
import { charCode, hasOwn, isArray, keys, slice, toStr } from '../internal/intrinsics.js';

const HEX = '0123456789abcdef';

/** `JSON.stringify(s)` for a string. */
export function jsonString(s: string): string {
  let out = '"';
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = charCode(s, i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c < 0x20) {
      if (c === 0x08) esc = '\\b';
      else if (c === 0x09) esc = '\\t';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0c) esc = '\\f';
      else if (c === 0x0d) esc = '\\r';
      else esc = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // Well-formed JSON.stringify: a lone surrogate is escaped, a pair is kept.
      const next = i + 1 < n ? charCode(s, i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = `\\u${HEX[c >> 12]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    }
    if (esc === undefined) continue;
    out += slice(s, from, i) + esc;
    from = i + 1;
  }
  return `${out}${slice(s, from, n)}"`;
}

/** `JSON.stringify(x)` for a finite number (and `null` for the others, as JSON.stringify does). */
export function jsonNumber(x: number): string {
  return x - x === 0 ? toStr(x) : 'null';
}

/**
 * `JSON.stringify(v)` for JSON data: strings, numbers, booleans, null, arrays and objects made of
 * them, with data properties only (what `JSON.parse` returns, or what we build). Inherited members
 * are never read; a non-JSON value is skipped as `JSON.stringify` skips `undefined`.
 */
export function jsonText(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v !== 'object') return undefined;
  if (isArray(v)) {
    let out = '[';
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const item = hasOwn(v, i) ? jsonText(v[i]) : undefined;
      out += `${i ? ',' : ''}${item ?? 'null'}`;
    }
    return `${out}]`;
  }
  const ks = keys(v);
  let out = '{';
  let first = true;
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    const item = jsonText((v as Record<string, unknown>)[k]);
    if (item === undefined) continue;
    out += `${first ? '' : ','}${jsonString(k)}:${item}`;
    first = false;
  }
  return `${out}}`;
}
