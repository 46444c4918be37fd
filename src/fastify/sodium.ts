// libsodium (sodium-native, an optional dependency) for the Fastify adapter: the AEAD fast path of
// the core, crypto_pwhash_async for `secret` + `salt` (on the libuv pool, off the event loop) and
// crypto_secretbox_open_easy for legacy cookies. Everything falls back to @noble/* when absent.
import { createRequire } from 'node:module';
import { type Pwhash, setNativePwhash } from '../core/kdf.js';
import { useNativeBackend } from '../core/native.js';
import type { SecretboxOpen } from './legacy.js';

interface Sodium {
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_pwhash_async(
    out: Uint8Array,
    passwd: Uint8Array,
    salt: Uint8Array,
    opslimit: number,
    memlimit: number,
    alg: number,
  ): Promise<void>;
  crypto_pwhash_ALG_ARGON2ID13: number;
}

let sodium: Sodium | null | undefined;

function load(): Sodium | null {
  if (sodium === undefined) {
    try {
      sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    } catch {
      sodium = null;
    }
  }
  return sodium;
}

/** libsodium's crypto_pwhash (Argon2id v1.3), asynchronous; undefined without sodium-native. */
export function sodiumPwhash(): Pwhash | undefined {
  const s = load();
  if (!s) return undefined;
  return async (secret, salt, opslimit, memlimit) => {
    const out = new Uint8Array(32);
    await s.crypto_pwhash_async(out, secret, salt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
    return out;
  };
}

/** libsodium's secretbox opener; undefined without sodium-native. */
export function sodiumSecretboxOpen(): SecretboxOpen | undefined {
  const s = load();
  if (!s) return undefined;
  return (m, c, n, k) => {
    try {
      return s.crypto_secretbox_open_easy(m, c, n, k);
    } catch {
      return false;
    }
  };
}

/** Switches the core and the KDF to libsodium when installed. Returns the AEAD backend's name. */
export function useSodium(): string {
  const name = useNativeBackend();
  setNativePwhash(sodiumPwhash());
  return name;
}
