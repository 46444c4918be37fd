// The object user code sees as `request.session`: `@fastify/secure-session`'s API (get/set/delete/
// data/options/touch/regenerate/changed/deleted) plus property access (`request.session.userId`),
// through a Proxy as the original does. One shared handler; per request only a small slot object.
// The cookie is opened on first use, never before (no crypto for a request that ignores its session).
import type { Session as CoreSession } from '../session/session.js';
import { stateOf } from '../session/session.js';

/** Where the engine's debug lines go while a session is being opened (a request's logger). */
export interface LogContext {
  /** undefined: the instance logger; null: silent (the decode decorator logs by itself). */
  log: MinimalLogger | null | undefined;
  /** Reason code of the last refused cookie (never the cookie). */
  reason: string | undefined;
  legacyReason: string | undefined;
}

/** The part of a logger this module calls. */
export interface MinimalLogger {
  debug?: (...args: never[]) => void;
  trace?: (...args: never[]) => void;
}

/** @internal one session of one request. */
export interface Slot {
  readonly session: CoreSession<Record<string, unknown>>;
  readonly log: MinimalLogger | undefined;
  readonly ctx: LogContext;
  /** `Expires` to write (the original passes it through to `@fastify/cookie`). */
  expires: Date | undefined;
  loaded: boolean;
  bound: Record<string, (...args: never[]) => unknown> | undefined;
  /** The proxy user code holds (set by the adapter). */
  proxy: object | undefined;
}

export const kSlot: unique symbol = Symbol('sealed-session.slot');

/** Makes a method of one slot (fixed arity: no rest arguments on the per-request call). */
type Binder = (slot: Slot) => (...args: never[]) => unknown;

const METHODS: Record<string, Binder> = {
  get: (slot) => (key: string) => slot.session.get(key),
  set: (slot) => (key: string, value: unknown) => slot.session.set(key, value),
  delete: (slot) => () => slot.session.delete(),
  data: (slot) => () => slot.session.data(),
  touch: (slot) => () => slot.session.touch(),
  regenerate: (slot) => (keep?: string[]) => slot.session.regenerate(keep),
  options: (slot) => (opts: unknown) => {
    if (opts !== null && typeof opts === 'object') {
      const { expires, secure, signed: _signed, ...rest } = opts as Record<string, unknown>;
      if (expires instanceof Date) slot.expires = expires;
      if (secure !== undefined) rest.secure = secure === 'auto' ? true : secure;
      return slot.session.options(rest);
    }
    return slot.session.options(opts as never);
  },
  toJSON: (slot) => () => slot.session.data(),
};

/** Opens the cookie on first use, with the request's logger receiving the debug line if refused. */
export function ensureLoaded(slot: Slot): void {
  if (slot.loaded) return;
  slot.loaded = true;
  if (stateOf(slot.session).loaded) return;
  const ctx = slot.ctx;
  const previous = ctx.log;
  ctx.log = slot.log;
  try {
    void slot.session.id; // any access opens the session
  } finally {
    ctx.log = previous;
  }
}

const handler: ProxyHandler<Slot> = {
  get(slot, prop) {
    if (prop === kSlot) return slot;
    if (typeof prop === 'symbol') return undefined;
    ensureLoaded(slot);
    if (Object.hasOwn(METHODS, prop)) {
      slot.bound ??= {};
      let fn = slot.bound[prop];
      if (!fn) {
        fn = METHODS[prop]!(slot);
        slot.bound[prop] = fn;
      }
      return fn;
    }
    if (prop === 'changed') return slot.session.changed;
    if (prop === 'deleted') return slot.session.deleted;
    return slot.session.get(prop);
  },
  set(slot, prop, value) {
    if (typeof prop === 'symbol') return false;
    ensureLoaded(slot);
    // The original exposes `changed`/`deleted` as writable fields; setting them true still works.
    if (prop === 'changed') {
      if (value) slot.session.touch();
      return true;
    }
    if (prop === 'deleted') {
      if (value) slot.session.delete();
      return true;
    }
    slot.session.set(prop, value);
    return true;
  },
  deleteProperty(slot, prop) {
    if (typeof prop === 'symbol') return false;
    ensureLoaded(slot);
    slot.session.set(prop, undefined);
    return true;
  },
  has(slot, prop) {
    if (typeof prop === 'symbol') return prop === kSlot;
    if (Object.hasOwn(METHODS, prop) || prop === 'changed' || prop === 'deleted') return true;
    ensureLoaded(slot);
    return slot.session.get(prop) !== undefined;
  },
  // `{ ...request.session }` and Object.keys() list the data, not the machinery.
  ownKeys(slot) {
    ensureLoaded(slot);
    return Object.keys(slot.session.data());
  },
  getOwnPropertyDescriptor(slot, prop) {
    if (typeof prop === 'symbol') return undefined;
    ensureLoaded(slot);
    const value = slot.session.get(prop);
    if (value === undefined) return undefined;
    return { value, writable: true, enumerable: true, configurable: true };
  },
};

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function inspectSlot(slot: Slot): string {
  ensureLoaded(slot);
  const s = slot.session;
  return `Session { fields: [${Object.keys(s.data()).join(', ')}], changed: ${s.changed}, deleted: ${s.deleted} }`;
}

// A class, so that every slot has one shape and the inspect hook lives on the prototype (no
// defineProperty per request). util.inspect / console.log format a Proxy's target directly: the
// hook shows field names, not internals (the request's logger) and not values.
class SessionSlot implements Slot {
  readonly session: CoreSession<Record<string, unknown>>;
  readonly log: MinimalLogger | undefined;
  readonly ctx: LogContext;
  expires: Date | undefined;
  loaded = false;
  bound: Record<string, (...args: never[]) => unknown> | undefined = undefined;
  proxy: object | undefined = undefined;

  constructor(
    session: CoreSession<Record<string, unknown>>,
    ctx: LogContext,
    log: MinimalLogger | undefined,
    expires: Date | undefined,
  ) {
    this.session = session;
    this.ctx = ctx;
    this.log = log;
    this.expires = expires;
  }

  [INSPECT](): string {
    // util.inspect calls it with the proxy as `this`; the proxy hands out its slot.
    return inspectSlot((this as { [kSlot]?: Slot })[kSlot] ?? this);
  }
}

/** Wraps a core session for user code: the slot, its proxy in `slot.proxy`. */
export function wrapSlot(
  session: CoreSession<Record<string, unknown>>,
  ctx: LogContext,
  log: MinimalLogger | undefined,
  expires: Date | undefined,
): Slot {
  const slot = new SessionSlot(session, ctx, log, expires);
  slot.proxy = new Proxy<Slot>(slot, handler);
  return slot;
}

/** Wraps a core session for user code. */
export function wrap(
  session: CoreSession<Record<string, unknown>>,
  ctx: LogContext,
  log: MinimalLogger | undefined,
  expires: Date | undefined,
): object {
  return wrapSlot(session, ctx, log, expires).proxy!;
}

/** The slot behind a proxy made by {@link wrap}, or undefined for anything else. */
export function unwrap(value: unknown): Slot | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const slot = (value as { [kSlot]?: Slot })[kSlot];
  return slot !== undefined && typeof slot === 'object' ? slot : undefined;
}
