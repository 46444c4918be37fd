// `secret` + `salt` on Node: Argon2id through libsodium's crypto_pwhash_async (runs on the libuv
// pool, off the event loop) when sodium-native is installed; the core's portable path otherwise.
import { createRequire } from 'node:module';
import { type Pwhash, setNativePwhash } from '../core/kdf.js';

interface SodiumPwhash {
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

let plugged = false;

/** Plugs libsodium's Argon2id into the core KDF once, if sodium-native is available. */
export function useNativePwhash(): void {
  if (plugged) return;
  plugged = true;
  let s: SodiumPwhash;
  try {
    s = createRequire(import.meta.url)('sodium-native') as SodiumPwhash;
  } catch {
    return;
  }
  const pwhash: Pwhash = async (secret, salt, opslimit, memlimit) => {
    const out = new Uint8Array(32);
    await s.crypto_pwhash_async(out, secret, salt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
    return out;
  };
  setNativePwhash(pwhash);
}
