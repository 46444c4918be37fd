// Next.js App Router binding through a structural cookie-store interface: `cookies()` from
// `next/headers`, `request.cookies` / `response.cookies` in `proxy.ts` (Next 16; `middleware.ts` before). Next itself is not imported.
import { parseSetCookie } from 'cookie';
import type { SessionOptions } from '../session/engine.js';
import type { Session, SessionData } from '../session/session.js';
import { WebSessions } from './sessions.js';

/**
 * Cookie attributes as Next's `ResponseCookies.set(name, value, attributes)` takes them.
 *
 * @example
 * ```ts
 * const attrs: NextCookieAttributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' };
 * ```
 */
export interface NextCookieAttributes {
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * What {@link NextSessions.load} reads: anything with `get(name)?.value` — `cookies()` from
 * `next/headers`, and `request.cookies` (`RequestCookies`) in `proxy.ts`, as they are.
 *
 * @example
 * ```ts
 * const session = await sessions.load(request.cookies); // in proxy.ts
 * ```
 */
export interface NextCookieReader {
  get(name: string): { value: string } | undefined;
}

/**
 * What this helper writes through: `cookies()` from `next/headers` (Route Handlers, Server
 * Actions) and `NextResponse#cookies` (`ResponseCookies`) in `proxy.ts`.
 *
 * @example
 * ```ts
 * const session = await sessions.load(await cookies()); // cookies() from 'next/headers'
 * sessions.commit(session);
 * ```
 */
export interface NextCookieStore extends NextCookieReader {
  set(name: string, value: string, attributes?: NextCookieAttributes): unknown;
}

/**
 * Options of {@link nextSessions}: those of `SessionOptions`, with a key that may still be
 * undefined where Next evaluates the module without run-time secrets (`next build`).
 *
 * @example
 * ```ts
 * import { nextSessions, type NextSessionOptions } from 'sealed-session/web';
 * const options: NextSessionOptions = { key: process.env.SESSION_KEY, cookieName: 'app' };
 * export const sessions = nextSessions(options);
 * ```
 */
export interface NextSessionOptions extends Omit<SessionOptions, 'key'> {
  /** The key; `undefined` (e.g. `process.env.SESSION_KEY` during `next build`) is looked for again on first use. */
  key?: SessionOptions['key'] | undefined;
}

/**
 * Sessions for the Next.js App Router. Build once at module scope; per request
 * `await load(cookies())`, use the session, then `commit(session)` — in a Route Handler, Server
 * Action or `proxy.ts` (Server Components cannot set cookies; there, only read).
 *
 * @example
 * ```ts
 * // app/session.ts
 * import { nextSessions } from 'sealed-session/web';
 * export const sessions = nextSessions<{ userId: number }>({ key: process.env.SESSION_KEY! });
 *
 * // app/login/route.ts
 * import { cookies } from 'next/headers';
 * export async function POST() {
 *   const session = await sessions.load(cookies());
 *   session.regenerate();
 *   session.set('userId', 42);
 *   sessions.commit(session);
 *   return Response.json({ ok: true });
 * }
 * ```
 */
export class NextSessions<T extends object = SessionData> {
  readonly #options: NextSessionOptions;
  #built: WebSessions<T> | undefined;
  readonly #stores = new WeakMap<Session<T>, NextCookieReader>();

  constructor(options: NextSessionOptions) {
    this.#options = options;
    // Validated now — except a missing key: `next build` evaluates this module while it collects
    // page data, usually without the run-time secrets (SESSION_KEY). The key is then resolved on
    // first use, where its absence is a clear error instead of a failed build.
    if (options === null || typeof options !== 'object' || options.key !== undefined) {
      this.#built = new WebSessions<T>(options as SessionOptions);
    } else {
      new WebSessions<T>({ ...options, key: new Uint8Array(32).fill(1) }); // every other option, now
    }
  }

  get #sessions(): WebSessions<T> {
    if (this.#built) return this.#built;
    if (this.#options.key === undefined) {
      throw new TypeError(
        'nextSessions: options.key: expected a key at run time, got undefined (is SESSION_KEY set in the server environment?)',
      );
    }
    this.#built = new WebSessions<T>(this.#options as SessionOptions);
    return this.#built;
  }

  /**
   * The session from a cookie store: `cookies()` (or its promise), or `request.cookies` in
   * `proxy.ts`. Never throws for a bad cookie.
   */
  async load(store: NextCookieReader | Promise<NextCookieReader>): Promise<Session<T>> {
    const s = await store;
    if (s === null || typeof s !== 'object' || typeof s.get !== 'function') {
      throw new TypeError('load(store): expected a cookie store with get(name) (Next.js cookies())');
    }
    const session = await this.#sessions.load((name: string) => {
      const v = s.get(name)?.value;
      return typeof v === 'string' ? v : undefined;
    });
    this.#stores.set(session, s);
    return session;
  }

  /**
   * Writes the session's cookies (if it changed, was touched, rotated or deleted) through the store
   * it was loaded from, or through `store` (a `NextResponse`'s `cookies` in `proxy.ts`).
   */
  commit(session: Session<T>, store?: NextCookieStore): void {
    const target = (store ?? this.#stores.get(session)) as NextCookieStore | undefined;
    if (!target || typeof target.set !== 'function') {
      throw new TypeError(
        'commit(session, store): expected a cookie store with set(name, value, attributes)',
      );
    }
    for (const line of this.#sessions.cookies(session)) {
      const c = parseSetCookie(line, { decode: (v) => v });
      const attrs: NextCookieAttributes = { path: c.path ?? '/' };
      if (c.domain !== undefined) attrs.domain = c.domain;
      if (c.maxAge !== undefined) attrs.maxAge = c.maxAge;
      if (c.expires !== undefined) attrs.expires = c.expires;
      if (c.httpOnly) attrs.httpOnly = true;
      if (c.secure) attrs.secure = true;
      if (c.sameSite) attrs.sameSite = c.sameSite as 'lax' | 'strict' | 'none';
      if (c.partitioned) attrs.partitioned = true;
      if (c.priority) attrs.priority = c.priority as 'low' | 'medium' | 'high';
      target.set(c.name, c.value ?? '', attrs);
    }
  }
}

/**
 * Builds {@link NextSessions} for one session name. Options are validated here, once; a key that is
 * still undefined (as during `next build`) is looked for again on first use.
 *
 * @example
 * ```ts
 * import { cookies } from 'next/headers';
 * import { nextSessions } from 'sealed-session/web';
 * const sessions = nextSessions({ key: process.env.SESSION_KEY! });
 * const session = await sessions.load(cookies());
 * ```
 */
export function nextSessions<T extends object = SessionData>(options: NextSessionOptions): NextSessions<T> {
  return new NextSessions<T>(options);
}
