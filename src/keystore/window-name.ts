// Our entries in `window.name`, namespaced so that other content survives: when `window.name` is
// empty or a JSON object (the convention session-keystore and ProtonMail use), we add or remove
// only our own property. Any other value belongs to the application (a window target name, say):
// we leave it untouched and that tab simply does not survive reloads.
import { parse, stringify } from './intrinsics.js';

/** Property prefix of our entries in `window.name` and of our `sessionStorage` items. */
export const NAMESPACE = 'sealed-session/keystore:';

type NameObject = Record<string, unknown>;

function readObject(w: { name: string }): NameObject | null {
  const current = w.name;
  if (current === '') return Object.create(null) as NameObject;
  if (current[0] !== '{') return null;
  try {
    const v = parse(current);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as NameObject;
  } catch {}
  return null;
}

/** Reads our entry for `key`; `undefined` when absent or when `window.name` is not ours to use. */
export function readEntry(w: { name: string }, key: string): unknown {
  const obj = readObject(w);
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Sets (or, with `undefined`, removes) our entry, keeping every other property. Returns false
 * when `window.name` holds foreign non-JSON content that we must not overwrite.
 */
export function writeEntry(w: { name: string }, key: string, value: string | undefined): boolean {
  const obj = readObject(w);
  if (!obj) return false;
  if (value === undefined) {
    if (!Object.hasOwn(obj, key)) return true;
    delete obj[key];
  } else {
    if (obj[key] === value) return true;
    // defineProperty: a key such as "__proto__" stays a plain own property.
    Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  }
  let empty = true;
  for (const _ in obj) {
    empty = false;
    break;
  }
  w.name = empty ? '' : stringify(obj);
  return true;
}
