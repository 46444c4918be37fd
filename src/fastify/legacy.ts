// Reader for cookies written by `@fastify/secure-session` 8.x, so that users stay logged in when an
// application switches: `base64(secretbox) ";" base64(nonce)`, libsodium crypto_secretbox_easy
// (XSalsa20-Poly1305, tag first), plaintext = JSON with `__ts` (seconds of the last write), valid
// until `__ts + expiry`. Trial decryption over every key, as the original. The format binds no
// context: see createFastifySessions() for how a cookie of session "a" is kept from opening as "b".
// Hostile input never throws: every failure is a reason code, never the input.
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { fromUtf8 } from '../internal/base64.js';

const MAC_BYTES = 16;
const NONCE_BYTES = 24;
/** A real cookie is under 4096 bytes; anything much longer is refused before decoding. */
const MAX_LENGTH = 16_384;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Why a legacy cookie was refused; safe to log. */
export type LegacyReason = 'malformed' | 'short-cipher' | 'nonce-length' | 'decrypt' | 'expired' | 'payload';

/** What {@link LegacyReader} returns. */
export type LegacyResult =
  | { ok: true; data: Record<string, unknown>; ts: number }
  | { ok: false; reason: LegacyReason };

/** Opens one legacy cookie value (already URL-decoded); `now` in ms. */
export type LegacyReader = (value: string, now: number) => LegacyResult;

/** libsodium's crypto_secretbox_open_easy, when sodium-native is loaded. */
export type SecretboxOpen = (
  message: Uint8Array,
  cipher: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
) => boolean;

/** The messages `@fastify/secure-session` logs at debug level, kept for log-based tooling. */
export const LEGACY_MESSAGES: Record<LegacyReason, string> = {
  malformed: '@fastify/secure-session: the cookie is malformed, creating an empty session',
  'short-cipher': '@fastify/secure-session: the cipher is not long enough, creating an empty session',
  'nonce-length':
    '@fastify/secure-session: the nonce does not have the required length, creating an empty session',
  decrypt: '@fastify/secure-session: unable to decrypt, creating an empty session',
  expired: '@fastify/secure-session: expiry reached',
  payload: '@fastify/secure-session: the cookie is malformed, creating an empty session',
};

// Strict standard base64: the original writes canonical padded base64 with Buffer; a re-encoded
// spelling (whitespace, missing padding, URL alphabet) is refused rather than normalised.
function strictBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) return undefined;
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function portableOpen(message: Uint8Array, cipher: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean {
  try {
    message.set(xsalsa20poly1305(key, nonce).decrypt(cipher));
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a reader for one session configuration.
 *
 * @param keys the session's keys, newest first (as given to `@fastify/secure-session`)
 * @param expiry validity in seconds after `__ts` (the original's `expiry`, default 86401)
 * @param options.signed strip a `@fastify/cookie` signature suffix (`.sig`); the secretbox already
 *   authenticates the value, so the signature adds nothing and is not checked
 * @param options.open libsodium's secretbox opener; default the portable `@noble/ciphers` one
 */
export function createLegacyReader(
  keys: readonly Uint8Array[],
  expiry: number,
  options: { signed?: boolean; open?: SecretboxOpen | undefined } = {},
): LegacyReader {
  const open = options.open ?? portableOpen;
  const signed = options.signed === true;
  return (value, now) => {
    if (typeof value !== 'string' || value.length > MAX_LENGTH) return { ok: false, reason: 'malformed' };
    const semi = value.indexOf(';');
    if (semi === -1 || value.indexOf(';', semi + 1) !== -1) return { ok: false, reason: 'malformed' };
    let nonceText = value.slice(semi + 1);
    if (signed) {
      const dot = nonceText.lastIndexOf('.');
      if (dot !== -1) nonceText = nonceText.slice(0, dot);
    }
    const cipher = strictBase64(value.slice(0, semi));
    const nonce = strictBase64(nonceText);
    if (!cipher || !nonce) return { ok: false, reason: 'malformed' };
    if (cipher.length < MAC_BYTES) return { ok: false, reason: 'short-cipher' };
    if (nonce.length !== NONCE_BYTES) return { ok: false, reason: 'nonce-length' };

    const message = new Uint8Array(cipher.length - MAC_BYTES);
    let opened = false;
    for (const key of keys) {
      if (open(message, cipher, nonce, key)) {
        opened = true;
        break;
      }
    }
    if (!opened) return { ok: false, reason: 'decrypt' };

    let parsed: unknown;
    try {
      parsed = JSON.parse(fromUtf8(message));
    } catch {
      return { ok: false, reason: 'payload' };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, reason: 'payload' };
    }
    const { __ts: ts, ...data } = parsed as Record<string, unknown>;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) return { ok: false, reason: 'payload' };
    if ((ts + expiry) * 1000 - now <= 0) return { ok: false, reason: 'expired' };
    return { ok: true, data, ts };
  };
}
