// Revocation ("log out everywhere", replayed logged-out cookies). Stateless cookies live until their
// sealed expiry unless a store like this one remembers the ids of destroyed sessions.
import { expectedRange } from '../core/errors.js';

/**
 * Remembers destroyed session ids until their sealed expiry. Methods may be sync or async; with an
 * async store the adapters open the session eagerly, before the handler runs.
 *
 * @example
 * ```ts
 * const store: RevocationStore = {
 *   revoke: (id, until) => redis.set(`revoked:${id}`, '1', { PXAT: until }),
 *   isRevoked: async (id) => (await redis.exists(`revoked:${id}`)) === 1,
 * };
 * ```
 */
export interface RevocationStore {
  /** Marks `id` revoked until `until` (ms since epoch); after that the cookie is expired anyway. */
  revoke(id: string, until: number): void | Promise<void>;
  isRevoked(id: string): boolean | Promise<boolean>;
}

/**
 * In-process revocation store, bounded: expired entries are pruned first; past `maxEntries` the
 * entry closest to its expiry is dropped. One process only: use a shared store when you run more.
 *
 * @example
 * ```ts
 * import { MemoryRevocationStore } from 'sealed-session';
 * app.register(sealedSession, { key, revocation: new MemoryRevocationStore() });
 * ```
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #until = new Map<string, number>();
  readonly #max: number;

  constructor(options: { maxEntries?: number } = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw expectedRange('maxEntries', 'a positive integer', max);
    this.#max = max;
  }

  revoke(id: string, until: number): void {
    if (this.#until.size >= this.#max) this.#prune(Date.now());
    this.#until.set(id, until);
  }

  isRevoked(id: string): boolean {
    const until = this.#until.get(id);
    if (until === undefined) return false;
    if (until <= Date.now()) {
      this.#until.delete(id);
      return false;
    }
    return true;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#until.size;
  }

  #prune(now: number): void {
    for (const [id, until] of this.#until) if (until <= now) this.#until.delete(id);
    if (this.#until.size < this.#max) return;
    let soonest: string | undefined;
    let min = Number.POSITIVE_INFINITY;
    for (const [id, until] of this.#until) {
      if (until < min) {
        min = until;
        soonest = id;
      }
    }
    if (soonest !== undefined) this.#until.delete(soonest);
  }
}
