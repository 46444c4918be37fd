// Globals this module relies on, captured once when the module is evaluated. A script that runs
// later and replaces `Date.now`, `setTimeout`, `JSON` or `crypto.getRandomValues` cannot move our
// clock, cancel our expiry timers or observe the state we serialize at `pagehide`. A script that
// runs *before* this module wins anyway; see docs/keystore.md.

const g = globalThis;
const reflectApply = Reflect.apply;
const dateNow = Date.now;
const dateGetTime = Date.prototype.getTime;
const setT = g.setTimeout;
const clearT = g.clearTimeout;
const queueMicro = g.queueMicrotask;
const jsonStringify = JSON.stringify;
const jsonParse = JSON.parse;
const cryptoObj = g.crypto;
const getRandom = cryptoObj.getRandomValues;
const ErrorCtor = Error;
const CryptoKeyCtor: typeof CryptoKey | undefined = typeof CryptoKey === 'function' ? CryptoKey : undefined;
const DateCtor = Date;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const encodeUtf8 = encoder.encode.bind(encoder);
const decodeUtf8 = decoder.decode.bind(decoder);
const fromCharCode = String.fromCharCode;
const btoaFn = g.btoa;
const atobFn = g.atob;
// Native base64url (Chromium 140+, Firefox 133+, Safari 18.2+): one call instead of a JS loop over
// every character, which a freshly loaded page runs in the interpreter (~1 ms for a 9 KB share).
type B64 = {
  fromBase64?: (s: string, o: object) => Uint8Array;
  prototype: { toBase64?: (this: Uint8Array, o: object) => string };
};
const nativeFromB64 = (Uint8Array as unknown as B64).fromBase64;
const nativeToB64 = (Uint8Array as unknown as B64).prototype.toBase64;
const B64URL = { alphabet: 'base64url', omitPadding: true };
const isB64url = /^[A-Za-z0-9_-]*$/;
const regexTest = RegExp.prototype.test;

/** Milliseconds since the epoch from the clock captured at module load. */
export const now = (): number => reflectApply(dateNow, DateCtor, []) as number;

/** `date.getTime()` that a patched `Date.prototype` cannot intercept. */
export const timeOf = (d: Date): number => reflectApply(dateGetTime, d, []) as number;

export const isDate = (v: unknown): v is Date => v instanceof DateCtor;

export const isCryptoKey = (v: unknown): v is CryptoKey =>
  CryptoKeyCtor !== undefined && v instanceof CryptoKeyCtor;

export const setTimer = (fn: () => void, ms: number): unknown => reflectApply(setT, g, [fn, ms]);
export const clearTimer = (id: unknown): void => {
  reflectApply(clearT, g, [id]);
};
export const microtask = (fn: () => void): void => {
  reflectApply(queueMicro, g, [fn]);
};

export const stringify = (v: unknown): string => reflectApply(jsonStringify, JSON, [v]) as string;
export const parse = (s: string): unknown => reflectApply(jsonParse, JSON, [s]);

export const randomBytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  reflectApply(getRandom, cryptoObj, [out]);
  return out;
};

export const utf8 = (s: string): Uint8Array => encodeUtf8(s);
export const fromUtf8 = (b: Uint8Array): string => decodeUtf8(b);

/** Call stack of the caller, for `onAccess`/`onChanged` (function names and URLs only). */
export const callStack = (): string | undefined => new ErrorCtor('keystore access').stack;

/** Unpadded base64url. */
export function b64url(bytes: Uint8Array): string {
  if (nativeToB64) return reflectApply(nativeToB64, bytes, [B64URL]) as string;
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += fromCharCode(bytes[i]!);
  const b64 = btoaFn(bin) as string;
  let out = '';
  for (let i = 0; i < b64.length; i++) {
    const c = b64[i];
    if (c === '=') break;
    out += c === '+' ? '-' : c === '/' ? '_' : c;
  }
  return out;
}

/** Strict unpadded base64url decoding; `null` on any malformed input. */
export function fromB64url(s: string): Uint8Array | null {
  if (typeof s !== 'string' || !reflectApply(regexTest, isB64url, [s]) || s.length % 4 === 1) return null;
  if (nativeFromB64) {
    try {
      return reflectApply(nativeFromB64, Uint8Array, [s, B64URL]) as Uint8Array;
    } catch {
      return null;
    }
  }
  let b64 = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    b64 += c === '-' ? '+' : c === '_' ? '/' : c;
  }
  while (b64.length % 4) b64 += '=';
  let bin: string;
  try {
    bin = atobFn(b64) as string;
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
