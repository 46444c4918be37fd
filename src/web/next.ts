// Next.js App Router binding through a structural cookie-store interface: `cookies()` from
// `next/headers`, `request.cookies` / `response.cookies` in middleware. Next itself is not imported.
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
 * What this helper needs of Next's cookie stores: `cookies()` from `next/headers` (Route Handlers,
 * Server Actions), `request.cookies` and `NextResponse#cookies` in middleware.
 *
 * @example
 * ```ts
 * const session = await sessions.load(cookies()); // cookies() from 'next/headers'
 * ```
 */
export interface NextCookieStore {
  get(name: string): { value: string } | undefined;
  set(name: string, value: string, attributes?: NextCookieAttributes): unknown;
}

/**
 * Sessions for the Next.js App Router. Build once at module scope; per request
 * `await load(cookies())`, use the session, then `commit(session)` — in a Route Handler, Server
 * Action or middleware (Server Components cannot set cookies; there, only read).
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
  readonly #sessions: WebSessions<T>;
  readonly #stores = new WeakMap<Session<T>, NextCookieStore>();

  constructor(options: SessionOptions) {
    this.#sessions = new WebSessions<T>(options);
  }

  /** The session from a cookie store (or the promise `cookies()` returns in Next 15). Never throws for a bad cookie. */
  async load(store: NextCookieStore | Promise<NextCookieStore>): Promise<Session<T>> {
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
   * it was loaded from, or through `store` (e.g. a `NextResponse`'s `cookies` in middleware).
   */
  commit(session: Session<T>, store?: NextCookieStore): void {
    const target = store ?? this.#stores.get(session);
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
 * Builds {@link NextSessions} for one session name (options validated here, once).
 *
 * @example
 * ```ts
 * import { cookies } from 'next/headers';
 * import { nextSessions } from 'sealed-session/web';
 * const sessions = nextSessions({ key: process.env.SESSION_KEY! });
 * const session = await sessions.load(cookies());
 * ```
 */
export function nextSessions<T extends object = SessionData>(options: SessionOptions): NextSessions<T> {
  return new NextSessions<T>(options);
}
