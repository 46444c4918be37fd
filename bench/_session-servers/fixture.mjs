// Shared by bench/session-seal.mjs and the HTTP bench servers: one realistic session, one key.
// Nothing here is a real secret: the key only exists to make the benchmark reproducible.

/** A logged-in user's session as an app would keep it: 214 bytes of JSON. */
export const SESSION = Object.freeze({
  userId: 'usr_7Hq2LmP9',
  email: 'ada.lovelace@example.org',
  name: 'Ada Lovelace',
  roles: ['user', 'editor'],
  locale: 'en-GB',
  tz: 'Europe/London',
  csrf: 'o7Xq9VbT2kLm4Np8Rs1Wz3Yc',
  cart: [1042, 2213],
  theme: 'dark',
});

export const SESSION_JSON_BYTES = 214;
const actual = Buffer.byteLength(JSON.stringify(SESSION));
if (actual !== SESSION_JSON_BYTES) {
  throw new Error(`bench fixture: expected a ${SESSION_JSON_BYTES}-byte session, got ${actual} bytes`);
}

/** A fixed 32-byte benchmark key (hex), used by every library that takes raw key bytes. */
export const KEY_HEX = '5f0c6a1e9b2d47c38e1fa4b6d2c09e7a3b5d8f1024c6e8a0b2d4f6a8c0e2f4a6';
export const KEY = Buffer.from(KEY_HEX, 'hex');
/** For the libraries that take a password (iron-session) or HMAC keys (cookie-session). */
export const PASSWORD = 'bench-password-0123456789-abcdefghijklmnop';

/** The cookie / session name every server uses. */
export const COOKIE_NAME = 'session';
