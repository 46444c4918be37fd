// The handover protocol on the BroadcastChannel. Every message is a plain object; anything that
// does not match one of these shapes exactly (own properties only, right types) is ignored.
//
//   { p: 'sealed-session/tabs', v: 1, t: 'req', id }                 a new tab asks for the session
//   { p, v, t: 'ans', id, epoch, values: { field: [value, expiresAt | null] } }   one tab answers
//   { p, v, t: 'in',  epoch }                                         a tab logged in: older epochs are void
//   { p, v, t: 'out', epoch }                                         logout: every epoch <= this one is void

import { equalStrings } from '../internal/compare.js';
import { hasOwn, isArray, isKeyObject, keyExtractable, test } from '../internal/intrinsics.js';

/** Protocol tag and version carried by every message. */
export const PROTOCOL = 'sealed-session/tabs';
export const VERSION = 1;

export type Wire = [value: string | CryptoKey, expiresAt: number | null];

export type Message =
  | { t: 'req'; id: string }
  | { t: 'ans'; id: string; epoch: number; values: Record<string, unknown> }
  | { t: 'in' | 'out'; epoch: number };

// Received messages and values are read through load-time built-ins only, own properties only
// (THREATS 45): they carry the session's values.
const own = (o: object, k: string | number): unknown =>
  hasOwn(o, k) ? (o as Record<string | number, unknown>)[k] : undefined;

const isEpoch = (v: unknown): v is number =>
  typeof v === 'number' && v > 0 && v <= Number.MAX_SAFE_INTEGER && v % 1 === 0;
const ID = /^[0-9a-f]{32}$/;
const isId = (v: unknown): v is string => typeof v === 'string' && test(ID, v);

/** Parses a received message; `null` for anything that is not exactly one of ours. */
export function parseMessage(data: unknown): Message | null {
  if (typeof data !== 'object' || data === null || isArray(data)) return null;
  if (own(data, 'p') !== PROTOCOL || own(data, 'v') !== VERSION) return null;
  const t = own(data, 't');
  if (t === 'req') {
    const id = own(data, 'id');
    return isId(id) ? { t, id } : null;
  }
  if (t === 'ans') {
    const id = own(data, 'id');
    const epoch = own(data, 'epoch');
    const values = own(data, 'values');
    if (!isId(id) || !isEpoch(epoch) || typeof values !== 'object' || values === null) return null;
    return { t, id, epoch, values: values as Record<string, unknown> };
  }
  if (t === 'in' || t === 'out') {
    const epoch = own(data, 'epoch');
    return isEpoch(epoch) ? { t, epoch } : null;
  }
  return null;
}

/** A message to post, with the protocol tag: every member written out, no spread. */
export function wire(m: Message): Record<string, unknown> {
  if (m.t === 'req') return { p: PROTOCOL, v: VERSION, t: m.t, id: m.id };
  if (m.t === 'ans') return { p: PROTOCOL, v: VERSION, t: m.t, id: m.id, epoch: m.epoch, values: m.values };
  return { p: PROTOCOL, v: VERSION, t: m.t, epoch: m.epoch };
}

/** Validates one transported value: a string or a non-extractable CryptoKey, and an expiry. */
export function parseValue(v: unknown): Wire | null {
  if (!isArray(v) || v.length !== 2) return null;
  // Indexed reads of own elements; destructuring would run the page's array iterator.
  const value = own(v, 0);
  const exp = own(v, 1);
  const okValue = typeof value === 'string' || (isKeyObject(value) && !keyExtractable(value));
  const okExp = exp === null || (typeof exp === 'number' && exp - exp === 0);
  return okValue && okExp ? [value as string | CryptoKey, exp as number | null] : null;
}

/** Compares two request ids in time independent of where they differ. */
export const sameId: (a: string, b: string) => boolean = equalStrings;
