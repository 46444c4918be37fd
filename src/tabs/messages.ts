// The handover protocol on the BroadcastChannel. Every message is a plain object; anything that
// does not match one of these shapes exactly (own properties only, right types) is ignored.
//
//   { p: 'sealed-session/tabs', v: 1, t: 'req', id }                 a new tab asks for the session
//   { p, v, t: 'ans', id, epoch, values: { field: [value, expiresAt | null] } }   one tab answers
//   { p, v, t: 'in',  epoch }                                         a tab logged in: older epochs are void
//   { p, v, t: 'out', epoch }                                         logout: every epoch <= this one is void

/** Protocol tag and version carried by every message. */
export const PROTOCOL = 'sealed-session/tabs';
export const VERSION = 1;

export type Wire = [value: string | CryptoKey, expiresAt: number | null];

export type Message =
  | { t: 'req'; id: string }
  | { t: 'ans'; id: string; epoch: number; values: Record<string, unknown> }
  | { t: 'in' | 'out'; epoch: number };

const own = (o: object, k: string): unknown =>
  Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;

const isEpoch = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);

/** Parses a received message; `null` for anything that is not exactly one of ours. */
export function parseMessage(data: unknown): Message | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
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

/** A message to post, with the protocol tag. */
export function wire(m: Message): Record<string, unknown> {
  return { p: PROTOCOL, v: VERSION, ...m };
}

/** Validates one transported value: a string or a non-extractable CryptoKey, and an expiry. */
export function parseValue(v: unknown): Wire | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [value, exp] = v as unknown[];
  const okValue =
    typeof value === 'string' ||
    (typeof CryptoKey === 'function' && value instanceof CryptoKey && !value.extractable);
  const okExp = exp === null || (typeof exp === 'number' && Number.isFinite(exp));
  return okValue && okExp ? [value as string | CryptoKey, exp as number | null] : null;
}

/** Compares two request ids in time independent of where they differ. */
export function sameId(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1));
  return diff === 0;
}
