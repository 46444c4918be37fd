// Revocation ("log out", "log out everywhere", replayed logged-out cookies). Stateless cookies live
// until their sealed expiry unless a store remembers what was revoked. The contract below is shared
// by the in-memory store here and the Redis store (sealed-session/redis).
import { expectedRange, expectedType } from '../core/errors.js';
import { MAX_LIFETIME } from '../core/token.js';
import { ExpiringMap } from '../internal/expiring-map.js';

/**
 * What the engine asks a {@link RevocationStore} about a session that opened.
 *
 * @example
 * ```ts
 * const check: RevocationCheck = { id: session.id, issuedAt: session.createdAt, subject: '42' };
 * ```
 */
export interface RevocationCheck {
  /** The session id (random, renewed by `regenerate()`). */
  id: string;
  /** When the session identity was created, ms since the epoch (the sealed creation time). */
  issuedAt: number;
  /**
   * Who the session belongs to: `String(data[subject])` when the engine's `subject` option names a
   * string or number field of the session data; absent otherwise.
   */
  subject?: string | undefined;
}

/**
 * Remembers revoked sessions until their sealed expiry. Methods may be sync or async; answer
 * `isRevoked` synchronously whenever you can (a local view): the synchronous entry points (a
 * lazily opened session, Fastify's `decodeSecureSession`) treat a promise as "no session".
 * A store that throws or rejects also means "no session" (fail closed), never an error response.
 *
 * @example
 * ```ts
 * const store: RevocationStore = {
 *   revoke: (id, until) => redis.set(`revoked:${id}`, '1', { PXAT: until }),
 *   isRevoked: async ({ id }) => (await redis.exists(`revoked:${id}`)) === 1,
 * };
 * ```
 */
export interface RevocationStore {
  /** Marks one session revoked until `until` (ms since epoch); after that it is expired anyway. */
  revoke(id: string, until: number): void | Promise<void>;
  /**
   * Ends every session of `subject` issued before now ("log out everywhere"), remembered until
   * `until` (ms since epoch; default: the store's longest session lifetime from now).
   */
  revokeAll?(subject: string, until?: number): void | Promise<void>;
  /** True when the session must be treated as absent. */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean>;
}

/**
 * Options of {@link MemoryRevocationStore}.
 *
 * @example
 * ```ts
 * new MemoryRevocationStore({ maxEntries: 1_000_000, lifetime: 30 * 86_400 });
 * ```
 */
export interface MemoryRevocationOptions {
  /** Most revoked ids remembered at once, and separately most subjects. Default 100 000. */
  maxEntries?: number;
  /**
   * The longest session lifetime of the engines using this store, in seconds (their
   * `absoluteExpiry`): how long `revokeAll(subject)` is remembered when no `until` is given.
   * Default 14 days (the engines' default). An engine with a longer `absoluteExpiry` refuses this
   * store at construction.
   */
  lifetime?: number;
  /** Clock in ms (tests). Default `Date.now()`. */
  now?: () => number;
}

interface SubjectEntry {
  notBefore: number;
  until: number;
}

const DEFAULT_LIFETIME = 14 * 86_400;

/**
 * In-process revocation store for one process (use a shared store such as `sealed-session/redis`
 * when you run more). A revoked id stays revoked until its expiry, always. Memory is bounded by
 * `maxEntries`; when it is full, the oldest entry makes room and the store fails closed: it raises
 * a not-before watermark to that entry's revocation time, so every session issued before it —
 * including the one whose entry left — is refused. A flood of logouts can thus end older sessions
 * early, never bring a revoked one back. Every operation is O(1) amortised at any fill (time
 * buckets, no scans). About 200 bytes per remembered id or subject on V8.
 *
 * @example
 * ```ts
 * import { MemoryRevocationStore } from 'sealed-session';
 * const revocation = new MemoryRevocationStore();
 * app.register(sealedSession, { key, revocation, subject: 'userId' });
 * revocation.revokeAll('42'); // every session of user 42 created before now
 * ```
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #now: () => number;
  /** Sessions issued before this time (ms) are refused: raised when an entry had to make room. */
  #notBefore = Number.NEGATIVE_INFINITY;
  /** id → when it was revoked (ms). */
  readonly #ids: ExpiringMap<number>;
  /** subject → its not-before time. */
  readonly #subjects: ExpiringMap<SubjectEntry>;
  /** @internal read by the engine: sessions longer than this would outlive `revokeAll`. */
  readonly lifetime: number;

  constructor(options: MemoryRevocationOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw expectedType('MemoryRevocationStore(options)', 'an options object', options);
    }
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw expectedRange('maxEntries', 'a positive integer', max);
    const lifetime = options.lifetime ?? DEFAULT_LIFETIME;
    if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_LIFETIME) {
      throw expectedRange('lifetime', `an integer number of seconds from 1 to ${MAX_LIFETIME}`, lifetime);
    }
    this.lifetime = lifetime;
    const clock = options.now;
    if (clock !== undefined && typeof clock !== 'function') throw expectedType('now', 'a function', clock);
    this.#now = clock ?? (() => Date.now());
    const raise = (to: number, expiresAt: number): void => {
      // An expired entry may be the one making room: it needs no watermark.
      if (expiresAt > this.#now() && to > this.#notBefore) this.#notBefore = to;
    };
    this.#ids = new ExpiringMap<number>({
      maxEntries: max,
      full: 'evict-oldest',
      now: this.#now,
      // The evicted session was issued before it was revoked: refuse all sessions issued by then.
      onEvict: (_id, revokedAt, expiresAt) => raise(revokedAt + 1, expiresAt),
    });
    this.#subjects = new ExpiringMap<SubjectEntry>({
      maxEntries: max,
      full: 'evict-oldest',
      now: this.#now,
      onEvict: (_subject, entry, expiresAt) => raise(entry.notBefore, expiresAt),
    });
  }

  /** Revokes one session id until `until` (ms since epoch). */
  revoke(id: string, until: number): void {
    if (typeof id !== 'string' || id === '') throw expectedType('revoke(id)', 'a non-empty string', id);
    if (typeof until !== 'number' || Number.isNaN(until))
      throw expectedType('revoke(until)', 'a time in ms', until);
    const t = this.#now();
    if (until <= t) return; // expired anyway
    const previous = this.#ids.get(id);
    this.#ids.set(id, previous === undefined ? t : Math.min(previous, t), until);
  }

  /** Ends every session of `subject` issued before now, remembered until `until` (ms). */
  revokeAll(subject: string, until?: number): void {
    if (typeof subject !== 'string' || subject === '') {
      throw expectedType('revokeAll(subject)', 'a non-empty string', subject);
    }
    const t = this.#now();
    const end = until ?? t + this.lifetime * 1000;
    if (typeof end !== 'number' || Number.isNaN(end))
      throw expectedType('revokeAll(until)', 'a time in ms', until);
    // A later call never shortens what an earlier one promised.
    const previous = this.#subjects.get(subject);
    const keep = previous === undefined ? end : Math.max(previous.until, end);
    if (keep <= t) return;
    this.#subjects.set(subject, { notBefore: t, until: keep }, keep);
  }

  /** True for a revoked id, a session of a revoked subject issued before its revocation, or one issued before the watermark. */
  isRevoked(check: RevocationCheck): boolean {
    const issuedAt = check?.issuedAt;
    // NaN, a non-number or anything before the watermark: refused.
    if (typeof issuedAt !== 'number' || !(issuedAt >= this.#notBefore)) return true;
    if (this.#ids.has(check.id)) return true;
    const subject = check.subject;
    if (subject !== undefined) {
      const s = this.#subjects.get(subject);
      // Same millisecond counts as before: a tie is refused, never let through.
      if (s !== undefined && issuedAt <= s.notBefore) return true;
    }
    return false;
  }

  /**
   * Sessions issued before this time (ms since epoch) are refused because the store ran out of room
   * (`-Infinity` until then). For monitoring: a rising watermark means `maxEntries` is too small.
   */
  get watermark(): number {
    return this.#notBefore;
  }

  /** How many ids and subjects are remembered. */
  get size(): number {
    return this.#ids.size + this.#subjects.size;
  }
}
