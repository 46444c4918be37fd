// Byte helpers shared by the core. Portable (no `node:` imports): runs in Node, browsers, Workers.

const encoder = new TextEncoder();
// fatal: invalid UTF-8 in a decrypted payload is an error, never a replacement character.
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (s: string): Uint8Array => encoder.encode(s);
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);

const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url without padding (RFC 4648 §5), portable. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Strict base64url decoding: only the URL alphabet, no padding, no whitespace, and canonical (the
 * unused low bits of the last character must be zero), so that every token has exactly one
 * spelling. Returns undefined for anything else. `atob` alone would accept whitespace.
 */
export function fromBase64Url(s: string): Uint8Array | undefined {
  if (s.length % 4 === 1 || !B64URL.test(s)) return undefined;
  let bin: string;
  try {
    bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (toBase64Url(out) !== s) return undefined;
  return out;
}

const HEX = /^[0-9a-fA-F]*$/;

export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !HEX.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Lenient standard-or-url base64 for key material typed by people (padding allowed). */
export function fromAnyBase64(s: string): Uint8Array | undefined {
  const url = s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return fromBase64Url(url);
}

/** Constant-time equality for MACs, tags and nonces (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
