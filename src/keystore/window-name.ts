// Our entries in `window.name`, namespaced so that other content survives: when `window.name` is
// empty or a JSON object (the convention session-keystore and ProtonMail use), we add or remove
// only our own property. Any other value belongs to the application (a window target name, say):
// we leave it untouched and that tab simply does not survive reloads.
import { defineProperty, hasOwn, isArray, parseJson } from '../internal/intrinsics.js';
import { jsonText } from './json.js';

/** Property prefix of our entries in `window.name` and of our `sessionStorage` items. */
export const NAMESPACE = 'sealed-session/keystore:';

type NameObject = Record<string, unknown>;

function readObject(w: { name: string }): NameObject | null {
  const current = w.name;
  if (current === '') return { __proto__: null } as unknown as NameObject;
  if (current[0] !== '{') return null;
  try {
    const v = parseJson(current);
    if (v && typeof v === 'object' && !isArray(v)) return v as NameObject;
  } catch {}
  return null;
}

/** Reads our entry for `key`; `undefined` when absent or when `window.name` is not ours to use. */
export function readEntry(w: { name: string }, key: string): unknown {
  const obj = readObject(w);
  return obj && hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Sets (or, with `undefined`, removes) our entry, keeping every other property. Returns false
 * when `window.name` holds foreign non-JSON content that we must not overwrite.
 */
export function writeEntry(w: { name: string }, key: string, value: string | undefined): boolean {
  const obj = readObject(w);
  if (!obj) return false;
  if (value === undefined) {
    if (!hasOwn(obj, key)) return true;
    delete obj[key];
  } else {
    if (obj[key] === value) return true;
    // defineProperty: a key such as "__proto__" stays a plain own property.
    defineProperty(obj, key, {
      __proto__: null,
      value,
      enumerable: true,
      configurable: true,
      writable: true,
    } as PropertyDescriptor);
  }
  let empty = true;
  for (const _ in obj) {
    empty = false;
    break;
  }
  w.name = empty ? '' : (jsonText(obj) ?? '');
  return true;
}
