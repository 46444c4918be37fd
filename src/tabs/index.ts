// `TabSession`: hands the session of one tab to a new tab of the same origin over BroadcastChannel,
// memory to memory. Nothing secret is ever written to localStorage or sessionStorage by this module
// (only the non-secret epoch numbers go to sessionStorage, so that they survive a reload).
import { expectedRange, expectedType } from '../core/errors.js';
import { toHex } from '../internal/base64.js';
import {
  Channel,
  channelClose,
  channelPost,
  clearTimer,
  freeze,
  hasOwn,
  isArray,
  listen,
  messageData,
  now,
  P,
  parseJson,
  setTimer,
} from '../internal/intrinsics.js';
import { randomBytes } from '../internal/random.js';
import { type Message, parseMessage, parseValue, sameId, type Wire, wire } from './messages.js';

// Everything below that touches a value (a message, the store's answer) uses built-ins captured at
// load (src/internal/intrinsics.ts), index loops instead of iterators, and null-prototype records
// instead of arrays we would grow: `arr[arr.length] = v` looks for a setter on Array.prototype
// (THREATS 45). Epochs are 1/1024 ms: the clock in the high part, random or saturated low bits
// (safe integers until the year 2248).
const tick = (): number => now() * 1024;

/**
 * A value that can travel between tabs: a string, or a non-extractable `CryptoKey` (structured clone).
 *
 * @example
 * ```ts
 * const v: HandoverValue = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
 * ```
 */
export type HandoverValue = string | CryptoKey;

/**
 * Where a tab keeps its session: a `SessionKeystore` fits as is. `has` and `expiresAt` are used
 * when present (so that checking for a session does not count as a read, and expiries travel).
 *
 * @example
 * ```ts
 * const m = new Map<string, HandoverValue>();
 * const store: HandoverStore<'token'> = {
 *   get: (n) => m.get(n) ?? null,
 *   set: (n, v) => void m.set(n, v),
 *   delete: (n) => void m.delete(n),
 * };
 * ```
 */
export interface HandoverStore<F extends string> {
  get(name: F): HandoverValue | null;
  set(name: F, value: HandoverValue, expiresAt?: number): void;
  delete(name: F): void;
  has?(name: F): boolean;
  expiresAt?(name: F): number | undefined | null;
}

/**
 * Why an incoming message was ignored; safe to log (never contains a value).
 *
 * @example
 * ```ts
 * new TabSession({ store, fields: ['token'], onIgnored: (r: IgnoredReason) => log.debug('tabs', r) });
 * ```
 */
export type IgnoredReason = 'malformed' | 'unsolicited' | 'stale-epoch' | 'has-session' | 'no-fields';

/**
 * Why this tab's session ended.
 *
 * @example
 * ```ts
 * new TabSession({ store, fields: ['token'], onEnd: (r: EndReason) => showLogin(r === 'superseded') });
 * ```
 */
export type EndReason = 'logout' | 'superseded';

/**
 * Options of {@link TabSession}.
 *
 * @example
 * ```ts
 * const options: TabSessionOptions<'token'> = { store, fields: ['token'], channel: 'app', timeout: 300 };
 * ```
 */
export interface TabSessionOptions<F extends string> {
  /** The store holding this tab's session (e.g. a `SessionKeystore`). */
  store: HandoverStore<F>;
  /** The only fields that travel; anything else in the store, or in a message, stays put. */
  fields: readonly NoInfer<F>[];
  /** Channel name, so that several independent sessions can coexist (default `'default'`). */
  channel?: string;
  /** How long `request()` waits for an answer, in ms (default 500). */
  timeout?: number;
  /** Answer other tabs' requests (default true). */
  answer?: boolean;
  /** Called after a handed-over session was stored in this tab. */
  onSession?: (epoch: number) => void;
  /** Called after this tab's session was cleared by a logout elsewhere, or superseded by a newer login. */
  onEnd?: (reason: EndReason) => void;
  /** Called for every ignored message, for debug logging. */
  onIgnored?: (reason: IgnoredReason) => void;
}

const DEFAULT_TIMEOUT = 500;
const STATE_PREFIX = 'sealed-session/tabs:';

interface Pending {
  id: string;
  timer: unknown;
  resolve: (ok: boolean) => void;
  promise: Promise<boolean>;
}

function randomId(): string {
  return toHex(randomBytes(16));
}

function sessionStorageOrNull(): Storage | null {
  try {
    return typeof sessionStorage === 'object' ? sessionStorage : null;
  } catch {
    return null; // sandboxed frame or storage disabled
  }
}

/**
 * Shares one session between the tabs of an origin, in memory only: a new tab asks with a random
 * request id and stores the first answer to that id; a tab that already has a session never
 * replaces it; answers and pushes nobody asked for are ignored; each login gets an increasing
 * epoch, and an older epoch never overwrites a newer one; a logout reaches every tab. Only the
 * named `fields` travel. Non-extractable `CryptoKey`s travel as structured clones.
 *
 * Limit: any script of the same origin can post to and listen on a BroadcastChannel, so an
 * injected script can ask for the session exactly as a new tab does (see docs/tabs.md).
 *
 * @example
 * ```ts
 * import { SessionKeystore } from 'sealed-session/keystore';
 * import { TabSession } from 'sealed-session/tabs';
 *
 * const store = new SessionKeystore<'token' | 'userKey', string | CryptoKey>({ name: 'auth' });
 * const tabs = new TabSession({ store, fields: ['token', 'userKey'], onEnd: () => showLogin() });
 * if (!store.has('token') && !(await tabs.request())) showLogin();
 * // after a real login in this tab:
 * store.set('token', token);
 * tabs.login();
 * // logout, in every tab:
 * tabs.logout();
 * ```
 */
export class TabSession<F extends string> {
  readonly #store: HandoverStore<F>;
  readonly #fields: readonly F[];
  readonly #timeout: number;
  readonly #answer: boolean;
  readonly #opts: TabSessionOptions<F>;
  readonly #stateKey: string;
  readonly #channel: BroadcastChannel;
  #mine = 0; // epoch of this tab's session, 0 when none
  #lastIn = 0; // newest login epoch heard of
  #lastOut = 0; // newest logout epoch heard of
  #pending: Pending | null = null;
  #closed = false;

  constructor(options: TabSessionOptions<F>) {
    if (typeof options !== 'object' || options === null) {
      throw expectedType('TabSession options', 'an object', options);
    }
    const { store, fields } = options;
    if (typeof store !== 'object' || store === null)
      throw expectedType('options.store', 'a store object', store);
    for (const m of ['get', 'set', 'delete'] as const) {
      if (typeof store[m] !== 'function') throw expectedType(`options.store.${m}`, 'a function', store[m]);
    }
    if (!isArray(fields) || fields.length === 0) {
      throw expectedType('options.fields', 'a non-empty array of field names', fields);
    }
    const copy: F[] = [];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (typeof f !== 'string' || f === '') throw expectedType('options.fields[]', 'a non-empty string', f);
      copy[i] = f;
    }
    const channel = options.channel ?? 'default';
    if (typeof channel !== 'string' || channel === '') {
      throw expectedType('options.channel', 'a non-empty string', channel);
    }
    const timeout = options.timeout ?? DEFAULT_TIMEOUT;
    if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= 60_000)) {
      throw expectedRange('options.timeout', 'a number of ms in (0, 60000]', timeout);
    }
    for (const cb of ['onSession', 'onEnd', 'onIgnored'] as const) {
      if (options[cb] !== undefined && typeof options[cb] !== 'function') {
        throw expectedType(`options.${cb}`, 'a function', options[cb]);
      }
    }
    if (!Channel) throw new TypeError('TabSession: expected a BroadcastChannel implementation, got none');
    this.#store = store;
    this.#fields = freeze(copy);
    this.#timeout = timeout;
    this.#answer = options.answer ?? true;
    this.#opts = { ...options };
    this.#stateKey = STATE_PREFIX + channel;
    this.#loadState();
    this.#channel = new Channel(STATE_PREFIX + channel);
    listen(this.#channel, 'message', (e: Event) => {
      let d: unknown;
      try {
        d = messageData(e as MessageEvent);
      } catch {
        return; // not a MessageEvent
      }
      this.#receive(d);
    });
  }

  /** Epoch of this tab's session (0 when it has none). */
  get epoch(): number {
    return this.#mine;
  }

  /**
   * Asks the other tabs for their session. Resolves `true` once an answer to this request was
   * stored, `false` after the timeout, or at once if this tab already has a session (which is
   * never replaced).
   *
   * @example
   * ```ts
   * if (!(await tabs.request())) showLogin();
   * ```
   */
  request(): Promise<boolean> {
    if (this.#closed || this.#hasSession()) return Promise.resolve(false);
    if (this.#pending) return this.#pending.promise;
    const id = randomId();
    let resolve!: (ok: boolean) => void;
    const promise = new P<boolean>((r) => {
      resolve = r;
    });
    const pending: Pending = { id, timer: undefined, resolve, promise };
    pending.timer = setTimer(() => this.#settle(pending, false), this.#timeout);
    this.#pending = pending;
    this.#post({ t: 'req', id });
    return promise;
  }

  /**
   * Declares that this tab has just logged in (call it after storing the new session): gives the
   * session a new, higher epoch and tells the other tabs that older sessions are void.
   *
   * @example
   * ```ts
   * store.set('token', token);
   * tabs.login();
   * ```
   */
  login(): number {
    this.#open();
    // Random low bits: two tabs logging in within the same millisecond still get distinct epochs.
    const epoch = Math.max(
      tick() + (randomBytes(2)[0]! & 1023),
      this.#lastIn + 1,
      this.#lastOut + 1,
      this.#mine + 1,
    );
    this.#mine = epoch;
    this.#lastIn = epoch;
    this.#saveState();
    this.#post({ t: 'in', epoch });
    return epoch;
  }

  /**
   * Logs out every tab: clears the named fields here and in every other tab of this channel whose
   * session is not newer than this moment; answers still in flight are refused afterwards.
   *
   * @example
   * ```ts
   * logoutButton.onclick = () => tabs.logout();
   * ```
   */
  logout(): void {
    this.#open();
    const epoch = Math.max(tick() + 1023, this.#mine, this.#lastIn);
    this.#lastOut = Math.max(this.#lastOut, epoch);
    this.#clearFields();
    this.#mine = 0;
    this.#saveState();
    if (this.#pending) this.#settle(this.#pending, false);
    this.#post({ t: 'out', epoch });
  }

  /**
   * Stops listening and answering; a pending `request()` resolves `false`.
   *
   * @example
   * ```ts
   * tabs.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending) this.#settle(this.#pending, false);
    channelClose(this.#channel);
  }

  // Internals --

  #open(): void {
    if (this.#closed) throw new TypeError('TabSession: used after close()');
  }

  #post(m: Message): void {
    channelPost(this.#channel, wire(m));
  }

  #ignore(reason: IgnoredReason): void {
    this.#call(this.#opts.onIgnored, reason);
  }

  #call<A>(fn: ((a: A) => void) | undefined, a: A): void {
    if (!fn) return;
    try {
      fn(a);
    } catch (err) {
      setTimer(() => {
        throw err;
      }, 0);
    }
  }

  #hasSession(): boolean {
    const s = this.#store;
    const fs = this.#fields;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      if (typeof s.has === 'function' ? s.has(f) : s.get(f) !== null) return true;
    }
    return false;
  }

  #clearFields(): void {
    const fs = this.#fields;
    for (let i = 0; i < fs.length; i++) this.#store.delete(fs[i]!);
  }

  #settle(p: Pending, ok: boolean): void {
    if (this.#pending !== p) return;
    this.#pending = null;
    clearTimer(p.timer);
    p.resolve(ok);
  }

  #receive(data: unknown): void {
    if (this.#closed) return;
    const m = parseMessage(data);
    let reason: IgnoredReason | undefined;
    if (!m) reason = 'malformed';
    else if (m.t === 'req') this.#onRequest(m.id);
    else if (m.t === 'ans') reason = this.#onAnswer(m.id, m.epoch, m.values);
    else this.#onEpoch(m.epoch, m.t === 'out');
    if (reason) this.#ignore(reason);
  }

  #onRequest(id: string): void {
    if (!this.#answer || this.#mine === 0 || this.#mine <= this.#lastOut) return;
    const values = { __proto__: null } as unknown as Record<string, Wire>;
    let any = false;
    const s = this.#store;
    const fs = this.#fields;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      const v = s.get(f);
      if (v === null || v === undefined) continue;
      const exp = typeof s.expiresAt === 'function' ? s.expiresAt(f) : undefined;
      values[f] = [v, typeof exp === 'number' ? exp : null];
      any = true;
    }
    if (!any) return;
    this.#post({ t: 'ans', id, epoch: this.#mine, values });
  }

  #onAnswer(id: string, epoch: number, values: Record<string, unknown>): IgnoredReason | undefined {
    const p = this.#pending;
    // Only an answer to our own, still open, request id counts; everything else is unsolicited.
    if (!p || !sameId(id, p.id)) return 'unsolicited';
    if (epoch <= this.#lastOut || epoch < this.#lastIn) return 'stale-epoch';
    if (this.#hasSession()) {
      this.#settle(p, false);
      return 'has-session';
    }
    const t = now();
    const accepted = { __proto__: null } as unknown as Record<number, Wire>;
    const names = { __proto__: null } as unknown as Record<number, F>;
    let n = 0;
    const fs = this.#fields;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      if (!hasOwn(values, f)) continue;
      const w = parseValue(values[f]);
      if (!w) return 'malformed';
      if (w[1] !== null && w[1] <= t) continue;
      names[n] = f;
      accepted[n++] = w;
    }
    if (n === 0) return 'no-fields';
    for (let i = 0; i < n; i++) {
      const w = accepted[i]!;
      if (w[1] === null) this.#store.set(names[i]!, w[0]);
      else this.#store.set(names[i]!, w[0], w[1]);
    }
    this.#mine = epoch;
    this.#lastIn = Math.max(this.#lastIn, epoch);
    this.#saveState();
    this.#settle(p, true);
    this.#call(this.#opts.onSession, epoch);
    return undefined;
  }

  #onEpoch(epoch: number, logout: boolean): void {
    if (logout) this.#lastOut = Math.max(this.#lastOut, epoch);
    else this.#lastIn = Math.max(this.#lastIn, epoch);
    // A logout voids every session up to its epoch; a login voids strictly older ones.
    const ends = logout ? this.#mine <= epoch : this.#mine !== 0 && this.#mine < epoch;
    if (ends && (this.#mine !== 0 || this.#hasSession())) {
      this.#clearFields();
      this.#mine = 0;
      this.#saveState();
      this.#call(this.#opts.onEnd, logout ? 'logout' : 'superseded');
    } else {
      this.#saveState();
    }
  }

  #loadState(): void {
    const ss = sessionStorageOrNull();
    if (!ss) return;
    try {
      const raw = ss.getItem(this.#stateKey);
      if (!raw) return;
      const v: unknown = parseJson(raw);
      if (!isArray(v) || v.length !== 3) return;
      for (let i = 0; i < 3; i++) {
        const n = v[i];
        if (typeof n !== 'number' || !(n >= 0 && n <= Number.MAX_SAFE_INTEGER && n % 1 === 0)) return;
      }
      this.#mine = v[0] as number;
      this.#lastIn = v[1] as number;
      this.#lastOut = v[2] as number;
    } catch {}
  }

  #saveState(): void {
    const ss = sessionStorageOrNull();
    try {
      ss?.setItem(this.#stateKey, `[${this.#mine},${this.#lastIn},${this.#lastOut}]`);
    } catch {}
  }
}
