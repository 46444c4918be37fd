// Reading, once, what session-keystore 1.0.x left behind, so that upgrading loses no session:
//
//   window.name                          {"session-keystore:<store>": base64url(R), ...}
//   sessionStorage["session-keystore:<store>"] = base64url(R XOR utf8(json))
//
// (base64url alphabet with `=` padding, as @47ng/codec writes it), where json is
// `JSON.stringify([...map.entries()])`: `[[key, { v: 1, value, expiresAt? }], ...]`, or in the
// format before 1.0 `[[key, { key: value, expiresAt? }], ...]`. The store erases both shares
// before it looks at them (together they reveal the values), then decodes them here. Every
// property is read as an own property of what the load-time `JSON.parse` returned: a getter
// planted on `Object.prototype` after load is never consulted, so it is never handed a value.
// The format has no persist time and no integrity: it is accepted once, at the upgrade, and any
// shape other than the above yields nothing.
import { fromBase64Url } from '../internal/base64.js';
import { fromUtf8, hasOwn, isArray, lengthOf, parseJson, slice, U8 } from '../internal/intrinsics.js';

/** Prefix of session-keystore's `window.name` property and `sessionStorage` item. */
export const LEGACY_NAMESPACE = 'session-keystore:';

/** @47ng/codec's base64: URL alphabet, `=` padding (also accepted unpadded); strict otherwise. */
function decode(text: string): Uint8Array | undefined {
  let end = text.length;
  if (end % 4 === 0) {
    if (end > 0 && text[end - 1] === '=') end--;
    if (end > 0 && text[end - 1] === '=') end--;
  }
  return fromBase64Url(end === text.length ? text : slice(text, 0, end));
}

/**
 * Hands `put` the values in a pair of session-keystore 1.0.x shares and returns true, or returns
 * false without calling it when the pair is not one (unequal lengths, bad base64, invalid UTF-8,
 * bad JSON, or any entry of another shape). No array or object of ours ever holds a value: an
 * index setter planted on `Array.prototype` would be handed it.
 */
export function openLegacy(
  windowShare: unknown,
  storageShare: unknown,
  put: (key: string, value: string, expiresAt: number | undefined) => void,
): boolean {
  if (typeof windowShare !== 'string' || typeof storageShare !== 'string') return false;
  if (windowShare.length !== storageShare.length) return false;
  const a = decode(windowShare);
  const b = decode(storageShare);
  if (!a || !b) return false;
  const n = lengthOf(a);
  if (lengthOf(b) !== n) return false;
  const bytes = new U8(n);
  for (let i = 0; i < n; i++) {
    bytes[i] = a[i]! ^ b[i]!;
    a[i] = 0;
    b[i] = 0;
  }
  let list: unknown;
  try {
    list = parseJson(fromUtf8(bytes));
  } catch {
    return false;
  } finally {
    for (let i = 0; i < n; i++) bytes[i] = 0;
  }
  if (!isArray(list)) return false;
  // Two passes: all or nothing.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < list.length; i++) {
      const pair = hasOwn(list, i) ? list[i] : undefined;
      if (!isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') return false;
      const item = pair[1];
      if (typeof item !== 'object' || item === null || isArray(item)) return false;
      const v = own(item, 'v');
      // 1.0: { v: 1, value, expiresAt? }; before 1.0: { key, expiresAt? }.
      const value = v === 1 ? own(item, 'value') : v === undefined ? own(item, 'key') : undefined;
      if (typeof value !== 'string') return false;
      const exp = own(item, 'expiresAt');
      if (exp !== undefined && !(typeof exp === 'number' && exp - exp === 0)) return false;
      if (pass === 1) put(pair[0], value, exp);
    }
  }
  return true;
}

function own(o: object, k: string): unknown {
  return hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;
}
