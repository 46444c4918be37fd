// Sessions for Web-standard runtimes (Workers, Deno, Bun, Node's fetch servers): read from a
// `Request`, write to a `Response` or `Headers`. No `node:` imports; the portable crypto backend.
import { type CookieSource, SessionEngine, type SessionOptions } from '../session/engine.js';
import type { Session, SessionData } from '../session/session.js';

/**
 * Something carrying a Cookie header: a `Request`, its `Headers`, the header itself, or a lookup by name.
 *
 * @example
 * ```ts
 * await sessions.load(request); // or request.headers, or the Cookie header string
 * ```
 */
export type WebCookieSource = Request | Headers | CookieSource;

function cookieSourceOf(source: WebCookieSource): CookieSource {
  if (source === null || source === undefined || typeof source === 'string' || typeof source === 'function') {
    return source;
  }
  // Duck-typed rather than `instanceof`, so Request/Headers from another realm or polyfill work.
  const headers = (source as Request).headers ?? source;
  if (typeof (headers as Headers)?.get === 'function') return (headers as Headers).get('cookie');
  return undefined;
}

const kTarget = Symbol('sealed-session.web.target');

function refuseAssignment(prop: string | symbol): never {
  const name = String(prop);
  throw new TypeError(
    `session.${name}: expected session.set('${name}', value), got a property assignment (it would not be saved)`,
  );
}

/**
 * `session.user = x` on a plain class instance creates a property that is never saved: silent data
 * loss for JavaScript callers. The session handed out is a thin view that throws on any property
 * write instead (in strict and sloppy code alike) and otherwise behaves as the session itself.
 */
const guardHandler: ProxyHandler<Session<object>> = {
  get(target, prop) {
    if (prop === kTarget) return target;
    const value = Reflect.get(target, prop, target) as unknown;
    // Methods run on the session itself (its state is in private fields a proxy cannot reach).
    return typeof value === 'function' && prop !== 'constructor'
      ? (value as (...a: unknown[]) => unknown).bind(target)
      : value;
  },
  set: (_target, prop) => refuseAssignment(prop),
  defineProperty: (_target, prop) => refuseAssignment(prop),
  deleteProperty: (_target, prop) => refuseAssignment(prop),
  setPrototypeOf: () => false,
};

function guard<T extends object>(session: Session<T>): Session<T> {
  return new Proxy(session as unknown as Session<object>, guardHandler) as unknown as Session<T>;
}

function unguard<T extends object>(session: Session<T>): Session<T> {
  return ((session as unknown as { [kTarget]?: Session<T> })[kTarget] ?? session) as Session<T>;
}

function appendTo(headers: Headers, cookies: readonly string[]): void {
  for (const c of cookies) headers.append('set-cookie', c);
}

/**
 * Sealed cookie sessions for `Request`/`Response` code. Build one per session name at start-up
 * (options are validated here), then per request `await load(request)` and `commit(session, response)`.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ key: env.SESSION_KEY });
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const session = await sessions.load(request);
 *     session.set('visits', (session.get('visits') ?? 0) + 1);
 *     return sessions.commit(session, new Response(`visit ${session.get('visits')}`));
 *   },
 * };
 * ```
 */
export class WebSessions<T extends object = SessionData> {
  readonly #engine: SessionEngine<T>;

  constructor(options: SessionOptions) {
    this.#engine = new SessionEngine<T>(options);
  }

  /** The name the session is exposed under (`c.get('session')` in Hono). */
  get sessionName(): string {
    return this.#engine.sessionName;
  }

  /** The (first) cookie name. */
  get cookieName(): string {
    return this.#engine.cookieName;
  }

  /** Every cookie name this session may write: the first and its chunks (`name.1`, …). */
  get cookieNames(): readonly string[] {
    return this.#engine.cookieNames;
  }

  /**
   * The session of this request. Never throws for a bad cookie: a foreign, tampered, expired or
   * unparsable one gives an empty session. The cookie is only opened when the session is first used,
   * unless a revocation store is configured (then it is opened and checked here). Data goes through
   * `get()`/`set()`: a property assignment (`session.user = x`) throws a TypeError rather than
   * creating a field that would never be saved.
   */
  async load(source: WebCookieSource): Promise<Session<T>> {
    const engine = this.#engine;
    await engine.ready;
    const session = engine.load(cookieSourceOf(source));
    if (engine.eager) await engine.prepare(session);
    return guard(session);
  }

  /** The `Set-Cookie` values this session needs on its response (often none). Call once per response. */
  cookies(session: Session<T>): string[] {
    return this.#engine.commit(unguard(session));
  }

  /**
   * Appends the session's `Set-Cookie` headers (never replacing others). Returns the response to
   * send: the same one, or a copy when its headers are immutable (`Response.redirect()`, a `fetch()`
   * result). With `Headers`, appends in place and returns them.
   */
  commit(session: Session<T>, target: Response): Response;
  commit(session: Session<T>, target: Headers): Headers;
  commit(session: Session<T>, target: Response | Headers): Response | Headers {
    const cookies = this.cookies(session);
    const isHeaders = typeof (target as Headers).append === 'function';
    if (cookies.length === 0) return target;
    if (isHeaders) {
      appendTo(target as Headers, cookies);
      return target;
    }
    const response = target as Response;
    try {
      appendTo(response.headers, cookies);
      return response;
    } catch {
      // Immutable headers (guard "immutable"): the same response with mutable headers.
      const copy = new Response(response.body, response);
      appendTo(copy.headers, cookies);
      return copy;
    }
  }
}

/**
 * Builds {@link WebSessions} for one session name. Web runtimes use the portable crypto backend
 * (`@noble/ciphers`); tokens are interchangeable with the Node adapters.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sealed-session/web';
 * const sessions = createSessions<{ userId: number }>({ key: process.env.SESSION_KEY! });
 * const session = await sessions.load(request);
 * session.set('userId', 42);
 * return sessions.commit(session, Response.json({ ok: true }));
 * ```
 */
export function createSessions<T extends object = SessionData>(options: SessionOptions): WebSessions<T> {
  return new WebSessions<T>(options);
}
