// Replay protection behind a small interface, so that several server instances can share one store
// (`sealed-session/redis`). The default keeps nonces in memory on the kernel's ExpiringMap: expiry
// by time buckets (no operation ever scans), a bound per signing key so that one client's flood
// cannot use up the room of the others, and a global bound that fails closed.
import { expectedRange, expectedType } from '../core/errors.js';
import { ExpiringMap } from '../internal/expiring-map.js';

/**
 * Remembers request nonces until their signatures can no longer pass the time check.
 *
 * @example
 * ```ts
 * const cache: ReplayCache = {
 *   add: async (nonce, expiresAt) => (await redis.set(nonce, '1', { NX: true, PXAT: expiresAt })) === 'OK',
 * };
 * ```
 */
export interface ReplayCache {
  /**
   * Records `nonce` until `expiresAt` (ms since the epoch). Returns true when the nonce was new,
   * false when it was already seen (a replay) or cannot be recorded (the request is then refused
   * with 401). `keyId` is the verified signer's public key (the server passes it only after the
   * signature checked out), for stores that bound each key's share. A store that cannot answer
   * must throw or reject (the request then fails as a server error), never return true.
   */
  add(nonce: string, expiresAt: number, keyId?: string): boolean | Promise<boolean>;
}

/**
 * Options of {@link MemoryReplayCache}.
 *
 * @example
 * ```ts
 * const options: MemoryReplayCacheOptions = { maxEntries: 500_000, perKeyMax: 2_000 };
 * ```
 */
export interface MemoryReplayCacheOptions {
  /** Most nonces held at once, all keys together (default 250 000). */
  maxEntries?: number;
  /**
   * Most nonces one signing key may record per window (default 1 000). The window lasts as long as
   * the longest nonce lifetime seen (2 × `maxSkew` + 1 s with the server's options), so one key
   * never holds more than about twice this many nonces.
   */
  perKeyMax?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** One key's count of recorded nonces in its current window. */
interface Quota {
  count: number;
}

/**
 * The default in-memory {@link ReplayCache}. Every operation is O(1) amortised at any fill (the
 * kernel's time-bucketed {@link ExpiringMap}; nothing scans). Refusals, both fail closed — an
 * unexpired nonce is never forgotten, since forgetting one would let it be replayed:
 *
 * - **per key**: a key that recorded `perKeyMax` nonces in its window is refused until the window
 *   ends; only that key — every other client keeps working;
 * - **global**: when `maxEntries` unexpired nonces are held, new requests of every key are refused
 *   until nonces expire (at most 2 × `maxSkew` + 1 s). Reaching it takes `maxEntries / perKeyMax`
 *   keys each signing at its full quota; size `maxEntries` above the number of requests your
 *   servers can verify in that window (about 100 bytes per nonce).
 *
 * @example
 * ```ts
 * const replayCache = new MemoryReplayCache({ maxEntries: 500_000, perKeyMax: 2_000 });
 * app.use(createExpressAuth({ key, origin, replayCache }));
 * ```
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #seen: ExpiringMap<true>;
  readonly #quota: ExpiringMap<Quota>;
  readonly #perKey: number;
  readonly #now: () => number;
  /** Longest nonce lifetime seen (ms): a quota window lasts at least this long. */
  #span = 1000;

  constructor(options: MemoryReplayCacheOptions = {}) {
    if (typeof options !== 'object' || options === null) throw expectedType('options', 'an object', options);
    const max = options.maxEntries ?? 250_000;
    if (!Number.isSafeInteger(max) || max < 1) throw expectedRange('maxEntries', 'a positive integer', max);
    const perKey = options.perKeyMax ?? Math.min(1_000, max);
    if (!Number.isSafeInteger(perKey) || perKey < 1 || perKey > max)
      throw expectedRange('perKeyMax', `a positive integer no larger than maxEntries (${max})`, perKey);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw expectedType('now', 'a function', now);
    this.#now = now;
    this.#perKey = perKey;
    this.#seen = new ExpiringMap<true>({ maxEntries: max, full: 'refuse', now });
    // One record per active key; a key has a record only while it holds nonces, so `max` suffices.
    this.#quota = new ExpiringMap<Quota>({ maxEntries: max, full: 'refuse', now });
  }

  /** Number of nonces currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  add(nonce: string, expiresAt: number, keyId?: string): boolean {
    if (typeof nonce !== 'string') throw expectedType('nonce', 'a string', nonce);
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))
      throw expectedType('expiresAt', 'a time in ms', expiresAt);
    if (keyId === undefined) return this.#seen.add(nonce, true, expiresAt);
    const t = this.#now();
    const life = expiresAt - t;
    if (life > this.#span) this.#span = life;
    const quota = this.#quota.get(keyId);
    if (quota !== undefined && quota.count >= this.#perKey) return false;
    if (!this.#seen.add(nonce, true, expiresAt)) return false;
    if (quota !== undefined) quota.count++;
    else if (!this.#quota.add(keyId, { count: 1 }, t + this.#span)) {
      // No room to account for this key: undo, fail closed.
      this.#seen.delete(nonce);
      return false;
    }
    return true;
  }
}
