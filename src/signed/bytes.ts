// Byte helpers shared by the client and the server side of `sealed-session/signed`. Isomorphic:
// no `node:` imports, no Buffer. Hex and UTF-8 come from @noble/hashes; base64 is done here because
// the RFC 9421 / RFC 8941 byte sequences need the standard alphabet with padding.
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
// base64url characters decode to the same values so one table reads both alphabets.
LOOKUP['-'.charCodeAt(0)] = 62;
LOOKUP['_'.charCodeAt(0)] = 63;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 decode that throws on malformed input instead of inserting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Standard base64 with padding (`url` = base64url without padding). */
export function toBase64(bytes: Uint8Array, url = false): string {
  let out = '';
  const alpha = url ? `${ALPHABET.slice(0, 62)}-_` : ALPHABET;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alpha[n >> 18]! + alpha[(n >> 12) & 63]! + alpha[(n >> 6) & 63]! + alpha[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alpha[n >> 18]! + alpha[(n >> 12) & 63]! + (url ? '' : '==');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alpha[n >> 18]! + alpha[(n >> 12) & 63]! + alpha[(n >> 6) & 63]! + (url ? '' : '=');
  }
  return out;
}

/** Strict base64 / base64url decoding; returns null (never throws) on any malformed input. */
export function fromBase64(text: string): Uint8Array | null {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (text.length - end > 2 || end % 4 === 1) return null;
  if (end !== text.length && text.length % 4 !== 0) return null;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  // Non-zero leftover bits mean a non-canonical encoding: refuse it so one value has one spelling.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Hex decoding that returns null instead of throwing. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  return hexToBytes(text);
}

/**
 * Constant-time equality of two byte arrays (time depends only on the lengths, which are public).
 */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A fresh copy as a plain ArrayBuffer-backed Uint8Array (what WebCrypto wants as BufferSource). */
export function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
}
