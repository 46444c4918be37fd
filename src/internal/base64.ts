// The one codec of the package: base64url (tokens, cookies, shares), standard base64 (RFC 8941
// byte sequences), hex (keys typed by people) and UTF-8. Decoders are strict and canonical — one
// value has exactly one accepted spelling (THREATS 49): no other alphabet, no optional padding, no
// whitespace, no non-zero unused bits. Only built-ins captured at load are used, so browser modules
// that handle secrets may call it after page scripts patched `String.prototype` or `atob`.
import {
  apply,
  charCode,
  fromUtf8 as decodeUtf8,
  utf8 as encodeUtf8,
  fromCharCode,
  U8,
} from './intrinsics.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

interface Alphabet {
  /** Index → character (own elements of an array we built, never a prototype lookup). */
  readonly chars: string[];
  /** Character code (< 128) → value, or -1. */
  readonly values: Int16Array;
}

function alphabet(letters: string): Alphabet {
  const chars: string[] = [];
  const values = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) {
    chars[i] = fromCharCode(charCode(letters, i));
    values[charCode(letters, i)] = i;
  }
  return { chars, values };
}

const STD_ALPHABET = alphabet(STD);
const URL_ALPHABET = alphabet(URL_SAFE);

// Native base64 (Chromium 140+, Firefox 133+, Safari 18.2+, Node 25+): one call instead of a loop
// over every character. Captured at load; options on null prototypes so that a property planted on
// `Object.prototype` (`lastChunkHandling`, `alphabet`) cannot change what they do.
type NativeB64 = {
  fromBase64?: (s: string, o: object) => Uint8Array;
  prototype: { toBase64?: (this: Uint8Array, o: object) => string };
};
const nativeFrom = (U8 as unknown as NativeB64).fromBase64;
const nativeTo = (U8 as unknown as NativeB64).prototype.toBase64;
const NATIVE_URL = { __proto__: null, alphabet: 'base64url', omitPadding: true, lastChunkHandling: 'loose' };
const NATIVE_STD = { __proto__: null, alphabet: 'base64', omitPadding: false, lastChunkHandling: 'strict' };

function encode(bytes: Uint8Array, a: Alphabet, pad: boolean): string {
  const c = a.chars;
  let out = '';
  let i = 0;
  const n = bytes.length;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += c[v >> 18]! + c[(v >> 12) & 63]! + c[(v >> 6) & 63]! + c[v & 63]!;
  }
  if (n - i === 1) {
    const v = bytes[i]! << 16;
    out += c[v >> 18]! + c[(v >> 12) & 63]! + (pad ? '==' : '');
  } else if (n - i === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += c[v >> 18]! + c[(v >> 12) & 63]! + c[(v >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * Checks `text[0..end)` against the alphabet and the canonical-last-character rule; returns the
 * decoded length, or -1.
 */
function check(text: string, end: number, a: Alphabet): number {
  const rest = end % 4;
  if (rest === 1) return -1;
  const v = a.values;
  for (let i = 0; i < end; i++) {
    const ch = charCode(text, i);
    if (ch >= 128 || v[ch]! < 0) return -1;
  }
  // The unused low bits of the last character must be zero (else two spellings decode alike).
  if (rest !== 0) {
    const last = v[charCode(text, end - 1)]!;
    if ((last & (rest === 2 ? 15 : 3)) !== 0) return -1;
  }
  return ((end >> 2) * 3 + (rest === 0 ? 0 : rest - 1)) | 0;
}

function decode(text: string, end: number, length: number, a: Alphabet): Uint8Array {
  const v = a.values;
  const out = new U8(length);
  let j = 0;
  let i = 0;
  for (; i + 3 < end; i += 4) {
    const n =
      (v[charCode(text, i)]! << 18) |
      (v[charCode(text, i + 1)]! << 12) |
      (v[charCode(text, i + 2)]! << 6) |
      v[charCode(text, i + 3)]!;
    out[j++] = n >> 16;
    out[j++] = (n >> 8) & 255;
    out[j++] = n & 255;
  }
  if (end - i >= 2) {
    const n = (v[charCode(text, i)]! << 18) | (v[charCode(text, i + 1)]! << 12);
    out[j++] = n >> 16;
    if (end - i === 3) out[j++] = ((n | (v[charCode(text, i + 2)]! << 6)) >> 8) & 255;
  }
  return out;
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  if (nativeTo) return apply(nativeTo, bytes, [NATIVE_URL]) as string;
  return encode(bytes, URL_ALPHABET, false);
}

/**
 * Strict base64url: URL alphabet only, no padding, no whitespace, canonical last character.
 * `undefined` for anything else; never throws.
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const length = check(text, text.length, URL_ALPHABET);
  if (length < 0) return undefined;
  if (nativeFrom) {
    try {
      return apply(nativeFrom, U8, [text, NATIVE_URL]) as Uint8Array;
    } catch {
      return undefined;
    }
  }
  return decode(text, text.length, length, URL_ALPHABET);
}

/** Standard base64 with `=` padding (RFC 4648 §4), as RFC 8941 byte sequences use it. */
export function toBase64(bytes: Uint8Array): string {
  if (nativeTo) return apply(nativeTo, bytes, [NATIVE_STD]) as string;
  return encode(bytes, STD_ALPHABET, true);
}

/**
 * Strict standard base64: standard alphabet only, exactly the padding RFC 4648 requires, canonical
 * last character. `undefined` for anything else; never throws.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0) return undefined;
  let end = text.length;
  if (end > 0 && charCode(text, end - 1) === 61 /* = */) end--;
  if (end > 0 && charCode(text, end - 1) === 61) end--;
  // Padding only completes a partial group: `end % 4` must be 2 (==) or 3 (=), or 0 with none.
  if ((text.length - end === 2 && end % 4 !== 2) || (text.length - end === 1 && end % 4 !== 3))
    return undefined;
  const length = check(text, end, STD_ALPHABET);
  if (length < 0) return undefined;
  return decode(text, end, length, STD_ALPHABET);
}

const HEX_CHARS: string[] = [];
for (let i = 0; i < 256; i++) HEX_CHARS[i] = (i < 16 ? '0' : '') + i.toString(16);

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_CHARS[bytes[i]!]!;
  return s;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Hex of either case and even length (key material typed by people); `undefined` otherwise. */
export function fromHex(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 2 !== 0) return undefined;
  const out = new U8(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(charCode(text, 2 * i));
    const lo = nibble(charCode(text, 2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** UTF-8 encoding. */
export const utf8: (text: string) => Uint8Array = encodeUtf8;
/** Fatal UTF-8 decoding: throws `TypeError` on invalid input, never inserts U+FFFD. */
export const fromUtf8: (bytes: Uint8Array) => string = decodeUtf8;
