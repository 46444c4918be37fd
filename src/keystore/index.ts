// `SessionKeystore`: the session-keystore API, with secrets that live in memory, survive a reload in
// current Chromium, and leave behind only two shares that are useless apart (see ./shares.ts).
import { expectedRange, expectedType } from '../core/errors.js';
import {
  apply,
  callStack,
  clearTimer,
  defineProperty,
  hasOwn,
  isArray,
  isDate,
  isKeyObject,
  keyExtractable,
  microtask,
  now,
  parseJson,
  setTimer,
  timeOf,
} from '../internal/intrinsics.js';
import { KeystoreReplacedError } from './errors.js';
import { jsonNumber, jsonString } from './json.js';
import { LEGACY_NAMESPACE, openLegacy } from './legacy.js';
import {
  decodeKeyShare,
  encodeKeyShare,
  newWrappingKey,
  openShare,
  type RestoreFailureReason,
  sealShare,
} from './shares.js';
import { NAMESPACE, readEntry, writeEntry } from './window-name.js';

export { KeystoreNameInUseError, KeystoreReplacedError } from './errors.js';
export type { RestoreFailureReason } from './shares.js';

/**
 * What a store can hold: strings (which survive reloads) and non-extractable `CryptoKey`s (memory only).
 *
 * @example
 * ```ts
 * const keys = new SessionKeystore<'aes' | 'token', KeystoreValue>({ name: 'keys' });
 * ```
 */
export type KeystoreValue = string | CryptoKey;

/**
 * Payload of the key events: the name of the key concerned, never its value.
 *
 * @example
 * ```ts
 * store.on('updated', (e: KeyEvent<'token'>) => console.info(e.name, 'changed'));
 * ```
 */
export interface KeyEvent<Keys extends string> {
  name: Keys;
}

/**
 * Payload of `restore-failed`: why the shares left by the previous page were refused.
 *
 * @example
 * ```ts
 * store.on('restore-failed', (e: RestoreFailedEvent) => log.debug('restore', e.reason));
 * ```
 */
export interface RestoreFailedEvent {
  reason: RestoreFailureReason;
}

/**
 * Events and their payloads.
 *
 * @example
 * ```ts
 * type Payload = EventMap<'token'>['expired']; // { name: 'token' }
 * ```
 */
export interface EventMap<Keys extends string> {
  created: KeyEvent<Keys>;
  read: KeyEvent<Keys>;
  updated: KeyEvent<Keys>;
  deleted: KeyEvent<Keys>;
  expired: KeyEvent<Keys>;
  'restore-failed': RestoreFailedEvent;
}

/**
 * Names of the events a store emits.
 *
 * @example
 * ```ts
 * const all: EventTypes[] = ['created', 'read', 'updated', 'deleted', 'expired', 'restore-failed'];
 * ```
 */
export type EventTypes = keyof EventMap<string>;

/**
 * A listener for event `T`.
 *
 * @example
 * ```ts
 * const onExpired: Callback<'token', 'expired'> = ({ name }) => showLogin(name);
 * ```
 */
export type Callback<Keys extends string, T extends EventTypes> = (payload: EventMap<Keys>[T]) => void;

/**
 * Options of {@link SessionKeystore}; all optional.
 *
 * @example
 * ```ts
 * const options: ConstructorOptions<'token'> = { name: 'auth', maxRestoreAge: 5000 };
 * ```
 */
export interface ConstructorOptions<Keys extends string> {
  /**
   * Name of the store (default `'default'`). Not secret: it names the shares. A second store built
   * with a name in use takes over from the first, which is disposed (it then throws
   * `KeystoreReplacedError`): give stores that must coexist distinct names.
   */
  name?: string;
  /** Called on every successful `get`, with the caller's stack, to audit who reads keys. */
  onAccess?: (keyName: Keys, callStack?: string) => void;
  /** Called when a key is created or its value changes, with the caller's stack. */
  onChanged?: (keyName: Keys, callStack?: string) => void;
  /** Called when a key expires. */
  onExpired?: (keyName: Keys) => void;
  /** Called (after the constructor returns) when the previous page's shares were refused. */
  onRestoreFailed?: (reason: RestoreFailureReason) => void;
  /** Oldest restore accepted, in ms between `pagehide` and the new page's construction (default 10 000). */
  maxRestoreAge?: number;
  /** Set to false to keep the store memory-only: nothing is written to `window.name` or `sessionStorage`. */
  reloadSurvival?: boolean;
}

interface Entry<V> {
  value: V;
  expiresAt: number | undefined;
}

// setTimeout clamps longer delays to 1 ms: longer expiries are reached in chunks of at most this.
const MAX_DELAY = 0x7fffffff;
const DEFAULT_MAX_RESTORE_AGE = 10_000;
const KEY_BYTES = 32;

// Stores in use in this page, by name: the function that retires each. Shared by every copy of this
// module loaded in the same realm, so that a second copy takes over too. A null-prototype object
// read with load-time built-ins (no `Map`/`Set` method a page could replace after load).
type Retire = () => void;
const REGISTRY = Symbol.for('sealed-session/keystore#stores');
const shared = globalThis as Record<symbol, unknown>;
if (typeof shared[REGISTRY] !== 'object' || shared[REGISTRY] === null) {
  defineProperty(shared, REGISTRY, { __proto__: null, value: { __proto__: null } } as PropertyDescriptor);
}
const stores = shared[REGISTRY] as Record<string, Retire | undefined>;

/** The clock and timers of one store, taken when it is built (see `captureClock`). */
interface Clock {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(id: unknown): void;
}

const LOAD_CLOCK: Clock = { now, set: setTimer, clear: clearTimer };

/**
 * `Date.now`, `setTimeout` and `clearTimeout` as they are when a store is built, so that fake timers
 * installed before `new SessionKeystore()` (Jest, Vitest, @sinonjs/fake-timers) drive it. They are
 * captured by value and called through the load-time `Reflect.apply`: a script that replaces them
 * after construction cannot touch this store's clock. Falls back to the load-time ones when they are
 * missing.
 */
function captureClock(): Clock {
  const g = globalThis as { Date?: { now?: unknown }; setTimeout?: unknown; clearTimeout?: unknown };
  const D = g.Date;
  const n = D?.now;
  const st = g.setTimeout;
  const ct = g.clearTimeout;
  if (typeof n !== 'function' || typeof st !== 'function' || typeof ct !== 'function') return LOAD_CLOCK;
  return {
    now: () => {
      const t = apply(n as () => unknown, D, []);
      return typeof t === 'number' && t - t === 0 ? t : now();
    },
    set: (fn, ms) => apply(st as (f: () => void, m: number) => unknown, globalThis, [fn, ms]),
    clear: (id) => {
      apply(ct as (i: unknown) => void, globalThis, [id]);
    },
  };
}

type AnyListener = (payload: unknown) => void;

function isFn(v: unknown): boolean {
  return v === undefined || typeof v === 'function';
}

// Fixed arity, no rest or spread: spreading an argument list runs the page's array iterator.
function call(fn: ((a: never, b: never) => void) | undefined, a: unknown, b?: unknown, two = false): void {
  if (!fn) return;
  try {
    if (two) (fn as (a: unknown, b: unknown) => void)(a, b);
    else (fn as (a: unknown) => void)(a);
  } catch (err) {
    // A throwing listener must not leave the store half-updated; report it asynchronously.
    microtask(() => {
      throw err;
    });
  }
}

/** The browser window when we are in a top-level document that may use `window.name`, else undefined. */
function topWindow(): Window | undefined {
  if (typeof window !== 'object' || window === null || typeof document !== 'object') return undefined;
  try {
    // Framed pages must not write into a `window.name` the embedder can later read.
    return window.top === window.self ? window : undefined;
  } catch {
    return undefined;
  }
}

/**
 * In-memory key store for the browser (and Node), API-compatible with `session-keystore`, that
 * survives a page reload without ever leaving a usable secret behind: a random wrapping key goes
 * to `window.name` when the store is built and when values change, and the ChaCha20-Poly1305-sealed values
 * go to `sessionStorage` only at a trusted `pagehide`. The next page reads both once, erases them,
 * and refuses them (event `restore-failed`) if they are stale or were tampered with.
 *
 * `CryptoKey` values stay in memory and do not survive a reload; strings do.
 *
 * @example
 * ```ts
 * import { SessionKeystore } from 'sealed-session/keystore';
 *
 * const store = new SessionKeystore<'token' | 'refresh'>({ name: 'auth' });
 * store.on('restore-failed', ({ reason }) => console.warn('session not restored:', reason));
 * store.set('token', 'eyJ...', Date.now() + 15 * 60_000);
 * store.get('token'); // 'eyJ...', or null once expired
 * // store.get('other'); // does not compile
 * ```
 */
export class SessionKeystore<Keys extends string = string, Value extends KeystoreValue = string> {
  /** The store's name, as given (default `'default'`). */
  readonly name: string;
  readonly #ns: string;
  readonly #opts: ConstructorOptions<Keys>;
  readonly #maxAge: number;
  readonly #win: Window | undefined;
  #key: Uint8Array | undefined;
  #entries: Record<string, Entry<Value>> = { __proto__: null } as unknown as Record<string, Entry<Value>>;
  #listeners: Record<string, AnyListener[]> = { __proto__: null } as unknown as Record<string, AnyListener[]>;
  #nameSeen: string | undefined;
  // One timer for the whole store, armed for the earliest expiry (100 restored keys cost one
  // setTimeout, not 100); `get` re-checks expiry itself anyway.
  #timer: unknown;
  #timerAt = Infinity;
  // The timer is armed for #timerAt itself (not a chunk of a longer delay): when it fires, what is
  // due at #timerAt expires even if the clock says slightly less (legacy fake timers fake only
  // `setTimeout`; a browser may fire a millisecond early). Only ever earlier, never later.
  #timerFinal = false;
  #disposed = false;
  #replaced = false;
  readonly #clock: Clock;
  readonly #retire: Retire;
  readonly #onPageHide: (e: Event) => void;
  readonly #onPageShow: (e: Event) => void;

  constructor(options: ConstructorOptions<Keys> = {}) {
    if (typeof options !== 'object' || options === null) {
      throw expectedType('SessionKeystore options', 'an object', options);
    }
    const name = options.name ?? 'default';
    if (typeof name !== 'string' || name === '') {
      throw expectedType('options.name', 'a non-empty string', name);
    }
    for (const cb of ['onAccess', 'onChanged', 'onExpired', 'onRestoreFailed'] as const) {
      if (!isFn(options[cb])) throw expectedType(`options.${cb}`, 'a function', options[cb]);
    }
    const maxAge = options.maxRestoreAge ?? DEFAULT_MAX_RESTORE_AGE;
    if (typeof maxAge !== 'number' || !(maxAge > 0 && maxAge <= 600_000)) {
      throw expectedRange('options.maxRestoreAge', 'a number of ms in (0, 600000]', maxAge);
    }
    const survive = options.reloadSurvival ?? true;
    if (typeof survive !== 'boolean') throw expectedType('options.reloadSurvival', 'a boolean', survive);
    this.#clock = captureClock();
    this.#retire = () => this.#retired();
    // Take over from a store already using this name (possibly from another copy of the module): it
    // is disposed first, leaving the shares in place, so that this store restores what it persisted.
    const previous = hasOwn(stores, name) ? stores[name] : undefined;
    if (typeof previous === 'function') {
      try {
        apply(previous, undefined, []);
      } catch {}
    }
    stores[name] = this.#retire;

    this.name = name;
    this.#ns = NAMESPACE + name;
    this.#opts = { ...options };
    this.#maxAge = maxAge;
    this.#onPageHide = (e: Event) => {
      // A script can dispatch a synthetic pagehide; only the browser's own may persist.
      if (e.isTrusted) this.#seal();
    };
    this.#onPageShow = (e: Event) => {
      // Back from the back/forward cache: memory is intact, so the sealed share must go.
      if (e.isTrusted && (e as PageTransitionEvent).persisted) this.#removeSealed();
    };
    this.#win = survive ? topWindow() : undefined;
    if (this.#win) {
      this.#key = newWrappingKey();
      this.#restore(this.#win);
      this.#win.addEventListener('pagehide', this.#onPageHide);
      this.#win.addEventListener('pageshow', this.#onPageShow);
    }
  }

  // Events --

  /**
   * Subscribes to an event; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const off = store.on('expired', ({ name }) => console.info(name, 'expired'));
   * off();
   * ```
   */
  on<T extends EventTypes>(event: T, callback: Callback<Keys, T>): () => void {
    if (typeof callback !== 'function') throw expectedType('callback', 'a function', callback);
    const list = this.#listeners[event] ?? [];
    list[list.length] = callback as AnyListener;
    this.#listeners[event] = list;
    return () => this.off(event, callback);
  }

  /**
   * Unsubscribes a listener added with {@link SessionKeystore.on}.
   *
   * @example
   * ```ts
   * const onRead = ({ name }: { name: string }) => console.debug('read', name);
   * store.on('read', onRead);
   * store.off('read', onRead);
   * ```
   */
  off<T extends EventTypes>(event: T, callback: Callback<Keys, T>): void {
    const list = this.#listeners[event];
    if (!list) return;
    const rest: AnyListener[] = [];
    let removed = false;
    for (let i = 0; i < list.length; i++) {
      if (!removed && list[i] === callback) removed = true;
      else rest[rest.length] = list[i]!;
    }
    this.#listeners[event] = rest;
  }

  #emit<T extends EventTypes>(event: T, payload: EventMap<Keys>[T]): void {
    // `off` replaces the list, so a listener removed while we emit does not shift this loop.
    const list = this.#listeners[event];
    if (!list) return;
    for (let i = 0; i < list.length; i++) call(list[i], payload);
  }

  // API --

  /**
   * Stores a value, optionally until `expiresAt` (a `Date` or a ms timestamp). Emits `created` or
   * `updated` (nothing if the value is unchanged), or `expired` at once if `expiresAt` is past.
   *
   * @example
   * ```ts
   * store.set('token', 'eyJ...');
   * store.set('token', 'eyJ...', new Date(Date.now() + 3_600_000));
   * const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
   * keys.set('aes', key); // a SessionKeystore<'aes', CryptoKey>: memory only
   * ```
   */
  set(key: Keys, value: Value, expiresAt?: Date | number): void {
    this.#alive();
    checkKey(key);
    if (typeof value !== 'string') {
      if (!isKeyObject(value)) throw expectedType('value', 'a string or a CryptoKey', value);
      // An extractable key could be exported by any script that gets hold of it.
      if (keyExtractable(value)) {
        throw new TypeError('value: expected a non-extractable CryptoKey, got an extractable CryptoKey');
      }
    }
    let exp: number | undefined;
    if (expiresAt !== undefined) {
      exp = isDate(expiresAt) ? timeOf(expiresAt) : expiresAt;
      if (typeof exp !== 'number' || exp - exp !== 0) {
        throw expectedType('expiresAt', 'a valid Date or a finite ms timestamp', expiresAt);
      }
    }
    const old = this.#entries[key];
    this.#entries[key] = { value, expiresAt: exp };
    this.#touchKeyShare();
    if (exp !== undefined && exp <= this.#clock.now()) {
      this.#expire(key);
      return;
    }
    if (exp !== undefined) this.#arm(exp);
    if (old && old.value === value) return;
    this.#emit(old ? 'updated' : 'created', { name: key });
    if (this.#opts.onChanged) call(this.#opts.onChanged, key, callStack(), true);
  }

  /**
   * Returns the value, or `null` if absent or expired (an expired key is deleted and `expired`
   * is emitted). Emits `read` and calls `onAccess` on success.
   *
   * `now` (ms, as in session-keystore) is the time to judge expiry by, honoured in the safe
   * direction only: the later of `now` and the store's clock counts, so a `now` can expire a value
   * early but never keep an expired one alive.
   *
   * @example
   * ```ts
   * const token = store.get('token');
   * if (token === null) redirectToLogin();
   * store.get('token', Date.now() + 30_000); // null if it expires within 30 s
   * ```
   */
  get(key: Keys, now?: number): Value | null {
    if (now !== undefined && !(typeof now === 'number' && (now - now === 0 || now > 0 || now < 0))) {
      throw expectedType('now', 'a ms timestamp', now);
    }
    const e = this.#live(key, now);
    if (!e) return null;
    this.#emit('read', { name: key });
    if (this.#opts.onAccess) call(this.#opts.onAccess, key, callStack(), true);
    return e.value;
  }

  /**
   * Whether a live (unexpired) value is stored, without reading it: no `read` event.
   *
   * @example
   * ```ts
   * if (!store.has('token')) await login();
   * ```
   */
  has(key: Keys): boolean {
    return this.#live(key) !== undefined;
  }

  /**
   * The expiry of a live key in ms since the epoch, `undefined` if it has none, `null` if absent.
   *
   * @example
   * ```ts
   * const exp = store.expiresAt('token'); // e.g. 1767225600000
   * ```
   */
  expiresAt(key: Keys): number | undefined | null {
    const e = this.#live(key);
    return e ? e.expiresAt : null;
  }

  /**
   * Removes a key; emits `deleted` if it was present.
   *
   * @example
   * ```ts
   * store.delete('token');
   * ```
   */
  delete(key: Keys): void {
    this.#usable();
    checkKey(key);
    if (!this.#entries[key]) return;
    delete this.#entries[key];
    this.#touchKeyShare();
    this.#emit('deleted', { name: key });
  }

  /**
   * Removes every key (one `deleted` event each).
   *
   * @example
   * ```ts
   * store.clear(); // at logout
   * ```
   */
  clear(): void {
    this.#usable();
    for (const k in this.#entries) this.delete(k as Keys);
  }

  /**
   * Seals the current values into `sessionStorage` now, as the trusted `pagehide` does. Useful just
   * before a navigation the browser will not announce; the share is refused if the next page
   * starts more than `maxRestoreAge` ms later. Returns false (and writes nothing) when the store
   * is memory-only: in Node, in a frame, or with `reloadSurvival: false`.
   *
   * @example
   * ```ts
   * store.persist();
   * location.reload();
   * ```
   */
  persist(): boolean {
    this.#alive();
    return this.#seal();
  }

  /**
   * Stops the store: forgets every value and timer (no events), removes both shares and frees the
   * name for a new store.
   *
   * @example
   * ```ts
   * store.dispose();
   * const again = new SessionKeystore({ name: store.name });
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    const w = this.#win;
    this.#stop();
    if (w) {
      this.#removeSealed();
      try {
        writeEntry(w, this.#ns, undefined);
      } catch {}
    }
    if (hasOwn(stores, this.name) && stores[this.name] === this.#retire) delete stores[this.name];
  }

  // Internals --

  /** Forgets values, listeners, timer and key; leaves the shares (and the name) alone. */
  #stop(): void {
    this.#disposed = true;
    this.#clock.clear(this.#timer);
    this.#entries = { __proto__: null } as unknown as Record<string, Entry<Value>>;
    this.#listeners = { __proto__: null } as unknown as Record<string, AnyListener[]>;
    const w = this.#win;
    if (w) {
      w.removeEventListener('pagehide', this.#onPageHide);
      w.removeEventListener('pageshow', this.#onPageShow);
    }
    const k = this.#key;
    if (k) for (let i = 0; i < KEY_BYTES; i++) k[i] = 0;
    this.#key = undefined;
  }

  /** A newer store with this name took over: stop, keep its shares, and refuse every later use. */
  #retired(): void {
    if (this.#disposed) return;
    this.#replaced = true;
    this.#stop();
  }

  #usable(): void {
    if (this.#replaced) throw new KeystoreReplacedError(this.name);
  }

  #alive(): void {
    this.#usable();
    if (this.#disposed) throw new TypeError(`SessionKeystore ${jsonString(this.name)}: used after dispose()`);
  }

  #live(key: Keys, at?: number): Entry<Value> | undefined {
    this.#usable();
    checkKey(key);
    const e = this.#entries[key];
    if (!e) return undefined;
    const t = this.#clock.now();
    if (e.expiresAt !== undefined && e.expiresAt <= (at !== undefined && at > t ? at : t)) {
      this.#expire(key);
      return undefined;
    }
    return e;
  }

  /** Makes sure the timer fires no later than `at` (ms); never earlier than needed matters less. */
  #arm(at: number): void {
    if (at >= this.#timerAt || this.#disposed) return;
    this.#clock.clear(this.#timer);
    this.#timerAt = at;
    const left = at - this.#clock.now();
    // setTimeout fires at once beyond 2^31-1 ms: a long expiry is reached in chunks.
    this.#timerFinal = left <= MAX_DELAY;
    this.#timer = this.#clock.set(() => this.#tick(), left > MAX_DELAY ? MAX_DELAY : left < 0 ? 0 : left);
  }

  /**
   * Expires what is due and re-arms. Due: by our clock, or by the time the timer was armed for when
   * it was armed for that time (a chunk of a long expiry expires nothing early).
   */
  #tick(): void {
    const c = this.#clock.now();
    const t = this.#timerFinal && this.#timerAt > c ? this.#timerAt : c;
    this.#timerAt = Infinity;
    this.#timerFinal = false;
    let next = Infinity;
    for (const k in this.#entries) {
      const exp = this.#entries[k]!.expiresAt;
      if (exp === undefined) continue;
      if (exp <= t) this.#expire(k);
      else if (exp < next) next = exp;
    }
    if (next < Infinity && !this.#disposed) this.#arm(next);
  }

  #expire(key: string): void {
    if (!this.#entries[key]) return;
    delete this.#entries[key];
    this.#touchKeyShare();
    this.#emit('expired', { name: key as Keys });
    call(this.#opts.onExpired, key);
  }

  /** (Re)writes our key share into `window.name` if it is missing: done on every change, never at unload. */
  #touchKeyShare(): void {
    const w = this.#win;
    if (!w || !this.#key) return;
    try {
      if (w.name === this.#nameSeen) return;
      writeEntry(w, this.#ns, encodeKeyShare(this.#key));
      this.#nameSeen = w.name;
    } catch {}
  }

  #context(w: Window): { origin: string; store: string } {
    return { origin: w.location.origin, store: this.name };
  }

  #seal(): boolean {
    const w = this.#win;
    if (!w || !this.#key || this.#disposed) return false;
    // The flat list `[key, value, expiry - t | null, ...]` as JSON text, written by our own code:
    // no array method, iterator or `toJSON` lookup is ever handed a value (THREATS 45).
    let json = '';
    const t = this.#clock.now();
    for (const k in this.#entries) {
      const e = this.#entries[k]!;
      if (typeof e.value !== 'string') continue; // CryptoKeys stay in memory
      if (e.expiresAt !== undefined && e.expiresAt <= t) continue;
      const d = e.expiresAt === undefined ? 'null' : jsonNumber(e.expiresAt - t);
      json += `${json === '' ? '[' : ','}${jsonString(k)},${jsonString(e.value)},${d}`;
    }
    try {
      if (json === '') {
        w.sessionStorage.removeItem(this.#ns);
        return false;
      }
      w.sessionStorage.setItem(this.#ns, sealShare(this.#key, `${json}]`, this.#context(w), t));
      return true;
    } catch {
      return false; // storage disabled or full: the values stay memory-only
    }
  }

  #removeSealed(): void {
    try {
      this.#win?.sessionStorage.removeItem(this.#ns);
    } catch {}
  }

  #fail(reason: RestoreFailureReason): void {
    // Deferred so that listeners added right after `new` hear about it.
    microtask(() => {
      this.#emit('restore-failed', { reason });
      call(this.#opts.onRestoreFailed, reason);
    });
  }

  #restore(w: Window): void {
    const reason = this.#tryRestore(w);
    if (reason) this.#fail(reason);
  }

  /**
   * One-shot restore: our two shares, and the two that session-keystore 1.0.x may have left
   * (`session-keystore:<name>`), are all consumed before anything is checked. Ours come first; the
   * old ones fill in keys ours do not have (an upgrade) and are sealed in our format from then on.
   */
  #tryRestore(w: Window): RestoreFailureReason | undefined {
    const sealed = take(w, this.#ns);
    let previous: unknown;
    try {
      previous = readEntry(w, this.#ns);
    } catch {}
    const legacyNs = LEGACY_NAMESPACE + this.name;
    const legacyStored = take(w, legacyNs);
    let legacyName: unknown;
    try {
      legacyName = readEntry(w, legacyNs);
      if (legacyName !== undefined) writeEntry(w, legacyNs, undefined);
    } catch {}
    this.#touchKeyShare(); // replaces the previous key share with this page life's key
    const t = this.#clock.now();
    const expired: string[] = [];
    const reason = sealed === null ? undefined : this.#openOwn(w, previous, sealed, t, expired);
    let legacyReason: RestoreFailureReason | undefined;
    if (legacyStored !== null || legacyName !== undefined) {
      const ok = openLegacy(legacyName, legacyStored, (k, value, exp) => {
        if (this.#entries[k]) return;
        if (exp !== undefined && exp <= t) {
          expired[expired.length] = k;
          return;
        }
        this.#entries[k] = { value: value as Value, expiresAt: exp };
        if (exp !== undefined) this.#arm(exp);
      });
      if (!ok)
        legacyReason = legacyName === undefined || legacyStored === null ? 'missing-share' : 'malformed';
    }
    if (expired.length) {
      microtask(() => {
        for (let i = 0; i < expired.length; i++) {
          this.#emit('expired', { name: expired[i] as Keys });
          call(this.#opts.onExpired, expired[i]);
        }
      });
    }
    return reason ?? legacyReason;
  }

  #openOwn(
    w: Window,
    previous: unknown,
    sealed: string,
    t: number,
    expired: string[],
  ): RestoreFailureReason | undefined {
    const oldKey = decodeKeyShare(previous);
    if (!oldKey) return 'missing-share';
    const r = openShare(oldKey, sealed, this.#context(w), t, this.#maxAge);
    for (let i = 0; i < KEY_BYTES; i++) oldKey[i] = 0;
    if (!r.ok) return r.reason;
    let list: unknown;
    try {
      list = parseJson(r.json);
    } catch {}
    // JSON.parse defines own data properties only: reading list[i] never reaches a prototype.
    if (!isArray(list) || list.length % 3) return 'malformed';
    for (let i = 0; i < list.length; i += 3) {
      const d = list[i + 2];
      if (
        typeof list[i] !== 'string' ||
        typeof list[i + 1] !== 'string' ||
        !(d === null || (typeof d === 'number' && d - d === 0))
      ) {
        return 'malformed';
      }
    }
    for (let i = 0; i < list.length; i += 3) {
      const k = list[i] as string;
      const exp = list[i + 2] === null ? undefined : r.time + (list[i + 2] as number);
      if (exp !== undefined && exp <= t) {
        expired[expired.length] = k;
        continue;
      }
      this.#entries[k] = { value: list[i + 1] as Value, expiresAt: exp };
      if (exp !== undefined) this.#arm(exp);
    }
    return undefined;
  }
}

/** Reads and removes a `sessionStorage` item: `null` when absent or when storage is unavailable. */
function take(w: Window, key: string): string | null {
  try {
    const v = w.sessionStorage.getItem(key);
    if (v !== null) w.sessionStorage.removeItem(key);
    return v;
  } catch {
    return null;
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw expectedType('key name', 'a string', key);
}

export default SessionKeystore;
