// Strategy 8: sealed-session/signed. The browser generates a non-extractable Ed25519 key pair,
// keeps it in IndexedDB (the opt-in the module documents: structured clone keeps it
// non-extractable, so it survives a reload and reaches new tabs), and signs every request with
// SecureFetch; the server verifies with sealed-session/signed/server and signs its replies.
import {
  generateKeyPair,
  SecureFetch,
  type SecureFetchFunction,
  SignedResponseError,
} from '../../../src/signed/index.ts';
import { type Reply, readReply, runStrategyPage } from '../lib/harness.js';

const DB = 'playground-signed';
const STORE = 'keys';

function idb<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = op(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => {
        resolve(req.result as T);
        db.close();
      };
      req.onerror = () => {
        reject(req.error);
        db.close();
      };
    };
  });
}

let serverKey = '';
let secureFetch: SecureFetchFunction | null = null;

async function useKeys(keys: CryptoKeyPair | undefined): Promise<void> {
  secureFetch = keys ? SecureFetch(serverKey, keys, { hostname: location.origin }) : null;
}

async function signed(url: string, init: RequestInit = {}): Promise<Reply> {
  if (!secureFetch) return readReply(await fetch(url, init));
  try {
    const r = await secureFetch(url, init);
    return { status: r.status, body: r.data };
  } catch (err) {
    if (err instanceof SignedResponseError) {
      return {
        status: err.status,
        body: {
          authenticated: false,
          credential: `the server refused the signature (unsigned ${err.status} reply)`,
        },
      };
    }
    throw err;
  }
}

runStrategyPage({
  async init() {
    const r = await fetch('/api/signed-key');
    serverKey = ((await r.json()) as { publicKey: string }).publicKey;
    await useKeys(await idb<CryptoKeyPair | undefined>('readonly', (s) => s.get('device')));
  },
  async login(user) {
    const keys = await generateKeyPair('ed25519'); // non-extractable by default
    await idb('readwrite', (s) => s.put(keys, 'device'));
    await useKeys(keys);
    return signed('/api/signed/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
  },
  request: (url, init) => signed(url, init),
  async logout() {
    if (secureFetch) await signed('/api/signed/logout', { method: 'POST' });
    await idb('readwrite', (s) => s.delete('device'));
    await useKeys(undefined);
  },
  holding: () => (secureFetch ? 'a non-extractable Ed25519 key (IndexedDB)' : 'no key'),
});
