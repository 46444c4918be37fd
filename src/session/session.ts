// The Session object every adapter hands to user code. It holds no crypto of its own: the engine
// opens the cookie on first use (lazy) and seals it when the response is sent.
import { expectedType } from '../core/errors.js';
import type { CookieOptions } from './cookie-options.js';

/**
 * Session data, typed by declaration merging:
 *
 * @example
 * ```ts
 * declare module 'sealed-session' {
 *   interface SessionData { userId: number; roles: string[] }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by users through declaration merging.
export interface SessionData {}

/** @internal marks a top-level field whose value is an object or array in {@link Unparsed.fields}. */
export const NESTED: unique symbol = Symbol('sealed-session.nested');

/**
 * @internal a cached token's payload handed to a request before it is parsed: its primitive
 * top-level fields (strings, numbers, booleans and null are immutable, so requests may share them)
 * and its JSON text, parsed into a request's own copy on the first access that needs more.
 */
export interface Unparsed {
  /** The payload JSON (`{"i":…,"c":…,"d":{…}}`). */
  readonly text: string;
  /** Every top-level field of `d`: its value when primitive, else {@link NESTED}. */
  readonly fields: ReadonlyMap<string, unknown>;
}

/** @internal what the engine keeps per request; user code never sees it. */
export interface SessionState {
  loaded: boolean;
  /** The data; read it through {@link dataOf} (it is a placeholder while `unparsed` is set). */
  data: Record<string, unknown>;
  /** Set instead of `data` for a repeat read of a cached token (see {@link Unparsed}). */
  unparsed: Unparsed | undefined;
  /**
   * An upper bound of the payload's JSON length, or -1: known from the opened token's text, kept
   * while no object inside the data has reached user code (which could grow it behind our back).
   */
  jsonBound: number;
  id: string;
  createdAt: number;
  expiresAt: number | undefined;
  idleExpiresAt: number | undefined;
  changed: boolean;
  deleted: boolean;
  /** Opened with an old key or from a legacy cookie: re-seal even if unchanged. */
  reissue: boolean;
  /** The request carried a session that opened. */
  valid: boolean;
  cookieOptions: CookieOptions | undefined;
}

/** @internal the engine's side of a session. */
export interface SessionHost {
  load(state: SessionState): void;
  /**
   * Throws CookieTooLargeError when `data` would not fit. `bound` (-1 when unknown) is an upper
   * bound of its payload's JSON length: when that fits, nothing needs to be serialised.
   */
  checkSize(state: SessionState, data: Record<string, unknown>, bound: number): void;
  renew(state: SessionState): void;
  checkCookieOptions(opts: unknown): CookieOptions;
}

// Read through a private field (no WeakMap entry per request); assigned by the class's static block.
/** A session of any data type (the conditional key/value types make `Session<T>` invariant). */
// biome-ignore lint/suspicious/noExplicitAny: accepts every Session<T>.
type AnySession = Session<any>;

let stateOfSession: (session: AnySession) => SessionState;

/** @internal */
export function stateOf(session: AnySession): SessionState {
  return stateOfSession(session);
}

/** @internal the session's data, parsing a cached payload on first need (own copy per request). */
export function dataOf(state: SessionState): Record<string, unknown> {
  const unparsed = state.unparsed;
  if (unparsed !== undefined) {
    state.data = (JSON.parse(unparsed.text) as { d: Record<string, unknown> }).d;
    state.unparsed = undefined;
  }
  return state.data;
}

function isPrimitive(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;
}

/** Defines an own property even for `__proto__`, which plain assignment would treat as the prototype. */
function put(data: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  } else data[key] = value;
}

/**
 * The keys of `T`; any string while `T` declares none (the untyped default `SessionData`), so a
 * first example such as `session.set('userId', 42)` compiles as written. Declaring fields on
 * `SessionData` (or passing a type) makes the keys and their value types strict.
 */
type Key<T> = [keyof T] extends [never] ? string : Extract<keyof T, string>;
/** The value type of `K` in `T`; `any` for the untyped default, as for a plain object. */
// biome-ignore lint/suspicious/noExplicitAny: the untyped default takes and gives any value.
type Value<T, K> = K extends keyof T ? T[K] : any;

/**
 * One request's session: the `@fastify/secure-session` API, shared by every adapter.
 *
 * @example
 * ```ts
 * app.post('/login', async (req) => {
 *   req.session.regenerate();            // fresh identity at login (session fixation)
 *   req.session.set('userId', user.id);
 * });
 * app.get('/me', async (req) => ({ userId: req.session.get('userId') }));
 * app.post('/logout', async (req) => { req.session.delete(); });
 * ```
 */
export class Session<T extends object = SessionData> {
  readonly #host: SessionHost;
  readonly #state: SessionState;

  static {
    stateOfSession = (session) => session.#state;
  }

  /** @internal built by the engine. */
  constructor(host: SessionHost, state: SessionState) {
    this.#host = host;
    this.#state = state;
  }

  #s(): SessionState {
    const state = this.#state;
    if (!state.loaded) this.#host.load(state);
    return state;
  }

  /** The value stored under `key`, or undefined. */
  get<K extends Key<T>>(key: K): Value<T, K> | undefined {
    const s = this.#s();
    const unparsed = s.unparsed;
    if (unparsed !== undefined && typeof key === 'string') {
      // A primitive (or absent) field of a cached token: nothing to parse, nothing to copy.
      const value = unparsed.fields.get(key);
      if (value !== NESTED) return value as Value<T, K> | undefined;
    }
    const data = dataOf(s);
    if (!Object.hasOwn(data, key)) return undefined;
    const value = data[key];
    if (value !== null && typeof value === 'object') s.jsonBound = -1; // may change behind set()
    return value as Value<T, K>;
  }

  /**
   * Stores a JSON value. Throws {@link CookieTooLargeError} (and keeps the session as it was) when
   * the sealed session would exceed the configured cookie budget.
   */
  set<K extends Key<T>>(key: K, value: Value<T, K>): void {
    const s = this.#s();
    const data = dataOf(s);
    if (value === undefined) {
      // Removal (rare): on a copy, so that a refusal leaves the key order as it was.
      const next = { ...data };
      delete next[key];
      this.#host.checkSize(s, next, s.jsonBound); // smaller than before: the bound still holds
      s.data = next;
    } else {
      // In place (no copy of the whole data per set), restored if the size check refuses it.
      const had = Object.hasOwn(data, key);
      const previous = data[key];
      put(data, key, value);
      // A primitive adds at most `,"key":value` to the JSON (a replaced value's bytes stay counted);
      // an object value stays with the caller, who may change it later: the bound is lost.
      const bound =
        s.jsonBound >= 0 && isPrimitive(value)
          ? s.jsonBound + JSON.stringify(String(key)).length + JSON.stringify(value).length + 2
          : -1;
      try {
        this.#host.checkSize(s, data, bound);
      } catch (err) {
        if (had) put(data, key, previous);
        else delete data[key];
        throw err;
      }
      s.jsonBound = bound;
    }
    s.changed = true;
    s.deleted = false;
  }

  /** Destroys the session: the response clears the cookie (and revokes the id if a store is set). */
  delete(): void {
    const s = this.#s();
    s.deleted = true;
    s.changed = true;
  }

  /** A shallow copy of all the data. */
  data(): Partial<T> {
    const s = this.#s();
    s.jsonBound = -1; // the copy shares the nested objects
    return { ...dataOf(s) } as Partial<T>;
  }

  /**
   * Gives the session a fresh identity (new id, new creation time) and drops every field except
   * those in `keep`. Call it at login so that a session planted before login is worthless.
   */
  regenerate(keep?: readonly Key<T>[]): void {
    const s = this.#s();
    const data = dataOf(s);
    const kept: Record<string, unknown> = {};
    if (keep !== undefined) {
      if (!Array.isArray(keep)) throw expectedType('regenerate(keep)', 'an array of field names', keep);
      for (const k of keep) if (Object.hasOwn(data, k)) kept[k] = data[k];
    }
    this.#host.renew(s);
    s.data = kept;
    s.jsonBound = -1;
    s.changed = true;
    s.deleted = false;
  }

  /** Re-seals the session on this response even if nothing changed (extends the idle timeout). */
  touch(): void {
    this.#s().changed = true;
  }

  /** Cookie attributes for this response only (merged over the configured ones). */
  options(opts: CookieOptions): void {
    this.#state.cookieOptions = this.#host.checkCookieOptions(opts);
  }

  /** True when the response will write (or clear) the cookie. */
  get changed(): boolean {
    return this.#state.changed;
  }

  /** True after {@link Session.delete}. */
  get deleted(): boolean {
    return this.#state.deleted;
  }

  /** A random id for this session identity (new on {@link Session.regenerate}); for revocation and logs. */
  get id(): string {
    return this.#s().id;
  }

  /** When this session identity was created (ms since epoch). */
  get createdAt(): number {
    return this.#s().createdAt;
  }

  /** When the session ends, whichever of the idle and absolute deadlines comes first (ms). */
  get expiresAt(): number | undefined {
    const s = this.#s();
    if (s.idleExpiresAt === undefined) return s.expiresAt;
    if (s.expiresAt === undefined) return s.idleExpiresAt;
    return Math.min(s.idleExpiresAt, s.expiresAt);
  }

  toJSON(): Partial<T> {
    return this.data();
  }
}
