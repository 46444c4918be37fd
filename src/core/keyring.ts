import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { utf8 } from '../internal/base64.js';
import { expectedType } from './errors.js';
import { type KeyInput, parseKey } from './keys.js';

const KID_LABEL = utf8('sealed-session/v1/key-id');

interface Entry {
  readonly id: number;
  readonly key: Uint8Array;
  readonly index: number;
}

// Key material lives here, outside the object, so no property, JSON or inspection can reach it.
const material = new WeakMap<Keyring, { primary: Entry; byId: Map<number, Entry> }>();

/**
 * An ordered set of keys: the first seals, every one opens. Tokens carry a 4-byte key id derived
 * from the key (SHA-256, one-way), so opening needs no trial decryption and rotation is just
 * "put the new key first".
 *
 * @example
 * ```ts
 * import { createKeyring } from 'sealed-session';
 * const ring = createKeyring([process.env.NEW_KEY!, process.env.OLD_KEY!]);
 * ```
 */
export class Keyring {
  /** How many keys the ring holds. */
  readonly size: number;

  /** @internal use {@link createKeyring}. */
  constructor(keys: readonly Uint8Array[]) {
    const byId = new Map<number, Entry>();
    const entries = keys.map((key, index) => {
      const id = keyId(key);
      const clash = byId.get(id);
      if (clash) {
        throw new TypeError(
          `key[${index}]: expected a key different from key[${clash.index}], got a duplicate (or a key-id collision)`,
        );
      }
      const entry = { id, key, index };
      byId.set(id, entry);
      return entry;
    });
    material.set(this, { primary: entries[0]!, byId });
    this.size = entries.length;
    // Node's inspect, non-enumerable; defined here because isolatedDeclarations forbids computed method names.
    Object.defineProperty(this, Symbol.for('nodejs.util.inspect.custom'), { value: () => this.toJSON() });
    Object.freeze(this);
  }

  toJSON(): string {
    return `Keyring(${this.size} keys)`;
  }
}

function keyId(key: Uint8Array): number {
  const h = sha256(concatBytes(KID_LABEL, key));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** @internal the key that seals. */
export function primaryKey(ring: Keyring): { id: number; key: Uint8Array } {
  return material.get(ring)!.primary;
}

/** @internal the key with this id, and whether it is an older one (so the token should be re-issued). */
export function keyById(ring: Keyring, id: number): { key: Uint8Array; rotated: boolean } | undefined {
  const e = material.get(ring)?.byId.get(id);
  return e && { key: e.key, rotated: e.index > 0 };
}

/**
 * Builds a keyring from one key or an ordered list (newest first). Each key is validated on its
 * own; a bad one throws a TypeError naming its index, so a typo is caught at start-up rather than
 * as failed requests later.
 *
 * @example
 * ```ts
 * const ring = createKeyring('4f2c…64 hex chars…');
 * const rotated = createKeyring([newKey, oldKey]);
 * ```
 */
export function createKeyring(keys: KeyInput | readonly KeyInput[] | Keyring): Keyring {
  if (keys instanceof Keyring) return keys;
  if (Array.isArray(keys)) {
    if (keys.length === 0) throw expectedType('key', 'at least one key', keys);
    return new Keyring(keys.map((k, i) => parseKey(k, `key[${i}]`)));
  }
  return new Keyring([parseKey(keys, 'key')]);
}
