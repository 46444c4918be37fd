// The one bounded, expiring map of the package, behind revocation stores, replay caches and the
// browser modules' pending-request tables. Expiry is done by time buckets, so no operation ever
// scans the map (THREATS 44): each entry is filed once under the bucket of its expiry time, and a
// bucket is dropped whole when its time has passed. What happens when the map is full is an
// explicit choice of the owner (`full`), never an implicit "forget something".
import { expectedRange, expectedType } from '../core/errors.js';
import { apply, now as loadTimeNow } from './intrinsics.js';

// Map methods captured at load: browser modules keep pending nonces here.
const MP = Map.prototype;
const mapGet = MP.get;
const mapSet = MP.set;
const mapDelete = MP.delete;
const mapKeys = MP.keys;
const sizeGetter = Object.getOwnPropertyDescriptor(MP, 'size')!.get!;
const iterNext = Object.getPrototypeOf(new Map().keys()).next as () => IteratorResult<string>;

interface Entry<V> {
  value: V;
  expiresAt: number;
  bucket: number;
}

/**
 * What a full map does with a new key: `'refuse'` fails the insert (fail closed for the newcomer:
 * replay caches), `'evict-oldest'` drops the entry inserted longest ago and reports it to
 * `onEvict` (whose owner must then fail closed in its own way: a revocation store raises a
 * not-before watermark).
 */
export type FullPolicy = 'refuse' | 'evict-oldest';

/** Options of {@link ExpiringMap}. */
export interface ExpiringMapOptions<V> {
  /** Most live entries held at once. */
  maxEntries: number;
  /** What a full map does with a new key. */
  full: FullPolicy;
  /** Clock, ms since the epoch (default: `Date.now` captured at load). */
  now?: () => number;
  /** Width of a time bucket in ms (default 1000): entries are dropped at most this late. */
  bucketMs?: number;
  /** Called with each entry evicted under `'evict-oldest'` (not with expired ones). */
  onEvict?: (key: string, value: V, expiresAt: number) => void;
}

/**
 * A string-keyed map whose entries expire, bounded by `maxEntries`. Every operation is O(1)
 * amortised (O(log b) for a key that opens a new time bucket, b = buckets alive), whatever the fill.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, Entry<V>>();
  // Bucket number → keys filed there; `#heap` is a binary min-heap of the live bucket numbers.
  readonly #buckets = new Map<number, string[]>();
  readonly #heap: number[] = [];
  #filed = 0;
  readonly #max: number;
  readonly #full: FullPolicy;
  readonly #now: () => number;
  readonly #bucketMs: number;
  readonly #onEvict: ((key: string, value: V, expiresAt: number) => void) | undefined;

  constructor(options: ExpiringMapOptions<V>) {
    const { maxEntries, full, now, bucketMs = 1000, onEvict } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw expectedRange('maxEntries', 'a positive integer', maxEntries);
    if (full !== 'refuse' && full !== 'evict-oldest')
      throw expectedType('full', "'refuse' or 'evict-oldest'", full);
    if (!Number.isSafeInteger(bucketMs) || bucketMs < 1)
      throw expectedRange('bucketMs', 'a positive integer', bucketMs);
    if (now !== undefined && typeof now !== 'function') throw expectedType('now', 'a function', now);
    this.#max = maxEntries;
    this.#full = full;
    this.#now = now ?? loadTimeNow;
    this.#bucketMs = bucketMs;
    this.#onEvict = onEvict;
  }

  /** Live entries (after dropping the buckets whose time has passed). */
  get size(): number {
    this.#expire(this.#now());
    return apply(sizeGetter, this.#entries, []) as number;
  }

  /** The value under `key`, or `undefined` when absent or expired. */
  get(key: string): V | undefined {
    return this.#live(key, this.#now())?.value;
  }

  /** Whether `key` is present and unexpired. */
  has(key: string): boolean {
    return this.#live(key, this.#now()) !== undefined;
  }

  /** Inserts or replaces `key` until `expiresAt`; false only when full under `'refuse'`. */
  set(key: string, value: V, expiresAt: number): boolean {
    const t = this.#now();
    this.#expire(t);
    if (this.#live(key, t) === undefined && !this.#room()) return false;
    this.#put(key, value, expiresAt);
    return true;
  }

  /** Inserts `key` only when absent or expired; false when present, or full under `'refuse'`. */
  add(key: string, value: V, expiresAt: number): boolean {
    const t = this.#now();
    this.#expire(t);
    if (this.#live(key, t) !== undefined || !this.#room()) return false;
    this.#put(key, value, expiresAt);
    return true;
  }

  /** Removes `key`; true when it was present. */
  delete(key: string): boolean {
    return apply(mapDelete, this.#entries, [key]) as boolean;
  }

  #live(key: string, t: number): Entry<V> | undefined {
    const e = apply(mapGet, this.#entries, [key]) as Entry<V> | undefined;
    if (e === undefined) return undefined;
    if (e.expiresAt <= t) {
      apply(mapDelete, this.#entries, [key]);
      return undefined;
    }
    return e;
  }

  /** Makes room for one more entry; false when full under `'refuse'`. */
  #room(): boolean {
    if ((apply(sizeGetter, this.#entries, []) as number) < this.#max) return true;
    if (this.#full === 'refuse') return false;
    const first = apply(iterNext, apply(mapKeys, this.#entries, []), []) as IteratorResult<string>;
    if (first.done) return true;
    const e = apply(mapGet, this.#entries, [first.value]) as Entry<V>;
    apply(mapDelete, this.#entries, [first.value]);
    this.#onEvict?.(first.value, e.value, e.expiresAt);
    return true;
  }

  #put(key: string, value: V, expiresAt: number): void {
    const bucket = Math.ceil(expiresAt / this.#bucketMs);
    // Re-inserting moves the key to the end of the insertion order ("inserted longest ago").
    apply(mapDelete, this.#entries, [key]);
    apply(mapSet, this.#entries, [key, { value, expiresAt, bucket }]);
    let keys = apply(mapGet, this.#buckets, [bucket]) as string[] | undefined;
    if (keys === undefined) {
      keys = [];
      apply(mapSet, this.#buckets, [bucket, keys]);
      this.#heapPush(bucket);
    }
    keys[keys.length] = key;
    // Replaced and deleted keys stay filed until their bucket passes; refile when they dominate,
    // so memory stays proportional to the live entries (amortised O(1): after n operations, O(n)).
    if (++this.#filed > 2 * (apply(sizeGetter, this.#entries, []) as number) + 1024) this.#refile();
  }

  #expire(t: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]! * this.#bucketMs <= t) {
      const bucket = this.#heapPop();
      const keys = apply(mapGet, this.#buckets, [bucket]) as string[];
      apply(mapDelete, this.#buckets, [bucket]);
      this.#filed -= keys.length;
      for (let i = 0; i < keys.length; i++) {
        const e = apply(mapGet, this.#entries, [keys[i]]) as Entry<V> | undefined;
        if (e !== undefined && e.bucket === bucket) apply(mapDelete, this.#entries, [keys[i]]);
      }
    }
  }

  #refile(): void {
    const buckets = this.#buckets;
    const fresh = new Map<number, string[]>();
    this.#filed = 0;
    const it = apply(mapKeys, this.#entries, []);
    for (
      let r = apply(iterNext, it, []) as IteratorResult<string>;
      !r.done;
      r = apply(iterNext, it, []) as IteratorResult<string>
    ) {
      const e = apply(mapGet, this.#entries, [r.value]) as Entry<V>;
      let keys = apply(mapGet, fresh, [e.bucket]) as string[] | undefined;
      if (keys === undefined) {
        keys = [];
        apply(mapSet, fresh, [e.bucket, keys]);
      }
      keys[keys.length] = r.value;
      this.#filed++;
    }
    // Rebuild the heap from the buckets that still hold keys.
    this.#heap.length = 0;
    const bit = apply(mapKeys, buckets, []);
    for (
      let r = apply(iterNext, bit, []) as IteratorResult<number>;
      !r.done;
      r = apply(iterNext, bit, []) as IteratorResult<number>
    )
      apply(mapDelete, buckets, [r.value]);
    const fit = apply(mapKeys, fresh, []);
    for (
      let r = apply(iterNext, fit, []) as IteratorResult<number>;
      !r.done;
      r = apply(iterNext, fit, []) as IteratorResult<number>
    ) {
      apply(mapSet, buckets, [r.value, apply(mapGet, fresh, [r.value])]);
      this.#heapPush(r.value);
    }
  }

  #heapPush(v: number): void {
    const h = this.#heap;
    let i = h.length;
    h[i] = v;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= v) break;
      h[i] = h[p]!;
      h[p] = v;
      i = p;
    }
  }

  #heapPop(): number {
    const h = this.#heap;
    const top = h[0]!;
    const last = h[h.length - 1]!;
    h.length--;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        h[m] = last;
        i = m;
      }
    }
    return top;
  }
}
