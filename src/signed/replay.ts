// Replay protection behind a small interface, so that several server instances can later share one
// store (Redis). The default keeps nonces in memory, bounded, and fails closed when full.
import { expectedRange } from '../core/errors.js';

/**
 * Remembers request nonces until their signatures can no longer pass the time check.
 *
 * @example
 * ```ts
 * const cache: ReplayCache = { add: async (nonce, expiresAt) => (await redis.set(nonce, '1', { NX: true, PXAT: expiresAt })) === 'OK' };
 * ```
 */
export interface ReplayCache {
  /**
   * Records `nonce` until `expiresAt` (ms since the epoch). Returns true when the nonce was new,
   * false when it was already seen (a replay) or cannot be recorded (the request is then refused).
   */
  add(nonce: string, expiresAt: number): boolean | Promise<boolean>;
}

/**
 * The default in-memory {@link ReplayCache}: bounded; expired entries are dropped as new ones
 * arrive; when `maxEntries` unexpired nonces are held, new requests are refused rather than old
 * nonces forgotten (forgetting one would let it be replayed).
 *
 * @example
 * ```ts
 * const replayCache = new MemoryReplayCache({ maxEntries: 500_000 });
 * app.use(createExpressAuth({ key, origin, replayCache }));
 * ```
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    const max = options.maxEntries ?? 250_000;
    if (!Number.isInteger(max) || max < 1) throw expectedRange('maxEntries', 'a positive integer', max);
    this.#max = max;
    this.#now = options.now ?? Date.now;
  }

  /** Number of nonces currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  add(nonce: string, expiresAt: number): boolean {
    const now = this.#now();
    // Entries arrive roughly in expiry order: drop expired ones from the front, a few at a time.
    let budget = 64;
    for (const [k, exp] of this.#seen) {
      if (exp > now || budget-- === 0) break;
      this.#seen.delete(k);
    }
    const prev = this.#seen.get(nonce);
    if (prev !== undefined && prev > now) return false;
    if (prev === undefined && this.#seen.size >= this.#max) {
      this.#sweep(now);
      if (this.#seen.size >= this.#max) return false;
    }
    this.#seen.delete(nonce);
    this.#seen.set(nonce, expiresAt);
    return true;
  }

  #sweep(now: number): void {
    for (const [k, exp] of this.#seen) if (exp <= now) this.#seen.delete(k);
  }
}
