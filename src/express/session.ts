// `req.session` as users of cookie-session and express-session write it: `req.session.userId = 42`
// stores (through the session's set(), size-checked), `delete req.session.userId` removes,
// `req.session = null` logs out, `req.session = { … }` starts a new session with those fields, and
// `isNew` / `isChanged` / `isPopulated` answer as cookie-session's do. A nested value changed in place
// (`req.session.cart.items.push(x)`) is saved too: the data is compared with a snapshot taken before
// the first object was handed out. The methods of the shared `Session` keep working unchanged.
import { expectedType } from '../core/errors.js';
import { Session, type SessionData, stateOf } from '../session/session.js';

/**
 * `req.session` of `sealed-session/express`: the shared {@link Session} API, property access to the
 * data (typed by `SessionData`), and cookie-session's `isNew`, `isChanged`, `isPopulated`.
 *
 * @example
 * ```ts
 * app.post('/login', (req, res) => {
 *   req.session.regenerate();       // fresh identity at login
 *   req.session.userId = 42;        // same as req.session.set('userId', 42)
 *   res.sendStatus(204);
 * });
 * app.post('/logout', (req, res) => {
 *   req.session = null;             // same as req.session.delete()
 *   res.sendStatus(204);
 * });
 * ```
 */
export type ExpressSession<T extends object = SessionData> = Session<T> &
  Partial<T> & {
    /** True when the request brought no session (or `req.session = {…}` replaced it). */
    readonly isNew: boolean;
    /** True when this response will write the session: new, changed by a set, or changed in place. */
    readonly isChanged: boolean;
    /** True when the session holds at least one field. */
    readonly isPopulated: boolean;
  };

/** Names that are the session's API, never data fields: reachable only through get()/set(). */
const RESERVED: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Session.prototype),
  'isNew',
  'isChanged',
  'isPopulated',
]);

const kBinding = Symbol('sealed-session.express.binding');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** @internal one `req.session` of one request. */
export class Binding {
  session: Session<Record<string, unknown>>;
  readonly label: string;
  /** The proxy user code holds. */
  readonly proxy: ExpressSession<Record<string, unknown>>;
  /** `req.session = null` was assigned: reads give null, as in cookie-session. */
  loggedOut = false;
  /** `req.session = {…}` replaced the request's session. */
  replaced = false;
  /** The data came from an old cookie-session cookie (an existing session, not a new one). */
  moved = false;
  /** JSON of the data before the first object value was handed out (in-place change detection). */
  snapshot: string | undefined = undefined;
  bound: Record<string, (...args: unknown[]) => unknown> | undefined = undefined;

  constructor(session: Session<Record<string, unknown>>, label: string) {
    this.session = session;
    this.label = label;
    this.proxy = new Proxy(this, handler) as unknown as ExpressSession<Record<string, unknown>>;
  }

  get isNew(): boolean {
    const s = this.session;
    void s.id; // opens the cookie if it was not yet
    return this.replaced || (!this.moved && !stateOf(s).valid);
  }

  /** Whether the data differs from the snapshot (a nested object changed in place). */
  changedInPlace(): boolean {
    return this.snapshot !== undefined && JSON.stringify(this.session.data()) !== this.snapshot;
  }

  /** Called just before the cookie is written: an in-place change is saved like a set(). */
  settle(): void {
    if (!this.loggedOut && !this.session.changed && this.changedInPlace()) this.session.touch();
  }

  /** Before an object value leaves the session, remember what the data looked like. */
  watch(value: unknown): unknown {
    if (this.snapshot === undefined && value !== null && typeof value === 'object') {
      this.snapshot = JSON.stringify(this.session.data());
    }
    return value;
  }

  /** `req.session = value`. */
  assign(value: unknown): void {
    if (value === null || value === undefined) {
      this.session.delete();
      this.loggedOut = true;
      return;
    }
    if (value === this.proxy) return;
    if (typeof value !== 'object' || Array.isArray(value) || unwrapBinding(value) !== undefined) {
      throw expectedType(this.label, 'null (log out) or a plain object of session fields', value);
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // e.g. express-session assigning its own Session object: two session middlewares, one property.
      throw new TypeError(
        `${this.label}: expected null or a plain object, got an object (${proto?.constructor?.name ?? 'unknown'}) — another session middleware writes ${this.label}; mount only one`,
      );
    }
    // cookie-session's `req.session = {…}`: a new session holding those fields (a fresh identity).
    const session = this.session;
    session.regenerate();
    for (const [k, v] of Object.entries(value)) session.set(k, v);
    this.loggedOut = false;
    this.replaced = true;
    this.snapshot = undefined;
  }
}

// util.inspect / console.log format a Proxy's target: field names only, never values (secrets).
Object.defineProperty(Binding.prototype, INSPECT, {
  value(this: Binding): string {
    const self = unwrapBinding(this) ?? this;
    return `Session { fields: [${Object.keys(self.session.data()).join(', ')}], changed: ${self.session.changed} }`;
  },
});

function unwrapBinding(value: unknown): Binding | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as { [kBinding]?: Binding })[kBinding];
}

function refuse(b: Binding, prop: string, verb: string): never {
  throw new TypeError(
    `${b.label}.${prop}: expected a session field, got the name of a session method or property (${verb} it with ${b.label}.set('${prop}', value))`,
  );
}

const handler: ProxyHandler<Binding> = {
  get(b, prop) {
    if (prop === kBinding) return b;
    if (prop === INSPECT) return (b as unknown as Record<symbol, unknown>)[INSPECT];
    if (typeof prop === 'symbol') return undefined;
    const session = b.session;
    switch (prop) {
      case 'isNew':
        return b.isNew;
      case 'isChanged':
        return b.isNew || session.changed || b.changedInPlace();
      case 'isPopulated':
        return Object.keys(session.data()).length > 0;
    }
    if (RESERVED.has(prop)) {
      const value = Reflect.get(session, prop, session) as unknown;
      if (typeof value !== 'function' || prop === 'constructor') return value;
      b.bound ??= Object.create(null) as Record<string, (...args: unknown[]) => unknown>;
      let fn = b.bound[prop];
      if (fn === undefined) {
        fn =
          prop === 'get'
            ? (key: unknown) => b.watch(b.session.get(key as string))
            : prop === 'set'
              ? (key: unknown, value: unknown) => b.session.set(key as string, value)
              : prop === 'data'
                ? () => b.watch(b.session.data())
                : (...args: unknown[]) =>
                    Reflect.apply(
                      (b.session as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!,
                      b.session,
                      args,
                    );
        b.bound[prop] = fn;
      }
      return fn;
    }
    return b.watch(session.get(prop));
  },
  set(b, prop, value) {
    if (typeof prop === 'symbol' || RESERVED.has(prop)) refuse(b, String(prop), 'store');
    b.session.set(prop, value);
    return true;
  },
  deleteProperty(b, prop) {
    if (typeof prop === 'symbol' || RESERVED.has(prop)) refuse(b, String(prop), 'remove');
    b.session.set(prop, undefined);
    return true;
  },
  defineProperty(b, prop, descriptor) {
    if (typeof prop === 'symbol' || RESERVED.has(prop) || !('value' in descriptor)) {
      refuse(b, String(prop), 'store');
    }
    b.session.set(prop, descriptor.value);
    return true;
  },
  has(b, prop) {
    if (prop === kBinding) return true;
    if (typeof prop === 'symbol') return false;
    if (RESERVED.has(prop)) return true;
    return Object.hasOwn(b.session.data(), prop);
  },
  ownKeys(b) {
    return Object.keys(b.session.data());
  },
  getOwnPropertyDescriptor(b, prop) {
    if (typeof prop === 'symbol' || RESERVED.has(prop)) return undefined;
    const data = b.session.data();
    if (!Object.hasOwn(data, prop)) return undefined;
    return { value: b.watch(data[prop]), writable: true, enumerable: true, configurable: true };
  },
  getPrototypeOf() {
    return Session.prototype;
  },
  setPrototypeOf() {
    return false;
  },
};
