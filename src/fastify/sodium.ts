// libsodium's secretbox for reading legacy `@fastify/secure-session` cookies; @noble/ciphers when
// sodium-native is absent. The AEAD and Argon2id fast paths live in src/core/native.ts.
import { loadSodium } from '../core/native.js';
import type { SecretboxOpen } from './legacy.js';

/** libsodium's secretbox opener; undefined without sodium-native. */
export function sodiumSecretboxOpen(): SecretboxOpen | undefined {
  const s = loadSodium();
  if (!s) return undefined;
  return (m, c, n, k) => {
    try {
      return s.crypto_secretbox_open_easy(m, c, n, k);
    } catch {
      return false;
    }
  };
}
