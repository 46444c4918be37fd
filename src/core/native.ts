// Node-only fast path: libsodium through sodium-native (an optional dependency). Imported only by
// the Node entry points (the root on Node, fastify, express), never by the portable core.
import { createRequire } from 'node:module';
import { type Backend, portableBackend, setBackend } from './backend.js';
import { type Pwhash, setNativePwhash } from './kdf.js';
import { type Sodium, sodiumBackend } from './sodium.js';

export type { Sodium };
export { sodiumBackend };

let sodium: Sodium | null | undefined;

/** sodium-native, loaded once; null when it is not installed. */
export function loadSodium(): Sodium | null {
  if (sodium === undefined) {
    try {
      sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    } catch {
      sodium = null;
    }
  }
  return sodium;
}

let loaded: Backend | undefined;
let pwhash: Pwhash | undefined;

/**
 * Switches the core to libsodium when `sodium-native` is installed — the AEAD, and Argon2id for
 * `secret` + `salt` (crypto_pwhash_async, on the libuv pool, off the event loop); otherwise keeps
 * the portable `@noble/*` paths. Safe to call many times. Returns the AEAD backend's name.
 */
export function useNativeBackend(): string {
  if (!loaded) {
    const s = loadSodium();
    loaded = s ? sodiumBackend(s) : portableBackend;
    pwhash = s
      ? async (secret, salt, opslimit, memlimit) => {
          const out = new Uint8Array(32);
          await s.crypto_pwhash_async(out, secret, salt, opslimit, memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
          return out;
        }
      : undefined;
  }
  setBackend(loaded);
  setNativePwhash(pwhash);
  return loaded.name;
}
