// Fixed vectors of token format v1 (docs/format.md), shared by the Node suite
// (test/core/vectors.test.ts) and the runtime matrix (test/runtimes/), so every runtime opens the
// very bytes Node sealed. Portable: no Node built-ins.

/** The vectors' key (hex, 32 bytes). */
export const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
/** The vectors' nonce (hex, 24 bytes). */
export const NONCE_HEX = '404142434445464748494a4b4c4d4e4f5051525354555657';

export interface Vector {
  value: unknown;
  context: string;
  times: { createdAt: number; idleExpiresAt?: number; expiresAt?: number };
  token: string;
}

export const VECTORS: readonly Vector[] = [
  {
    value: { userId: 42, roles: ['admin'] },
    context: 'session',
    times: { createdAt: 1767225600000, idleExpiresAt: 1767312000000, expiresAt: 1768435200000 },
    token:
      'ARg1napAQUJDREVGR0hJSktMTU5PUFFSU1RVVle9bLxwubdzluacqb7UvhDh98jkoDFjZ6hGE48qZWFQsiyiIA8x_-1-3e-J9THbXOh58zU4a0ZinmeeEg',
  },
  {
    value: 'héllo',
    context: 'api',
    times: { createdAt: 1767225600000 },
    token: 'ARg1napAQUJDREVGR0hJSktMTU5PUFFSU1RVVle9bLxw0OB5Fo_0h76N9KY7_tbC5gppS_Ul1XrUlVP37GObbT8',
  },
];
