// Hono binding: a middleware that puts the session on the context and appends its cookies to
// whatever response the handlers produced. Only types come from 'hono' (an optional peer).
import type { MiddlewareHandler } from 'hono';
import { SealedSessionError } from '../core/errors.js';
import { assertDistinctCookieNames, type SessionOptions } from '../session/engine.js';
import type { Session, SessionData } from '../session/session.js';
import { WebSessions } from './sessions.js';

declare module 'hono' {
  // `c.get('session')` is typed in every app, as Hono's own middlewares do for their variables.
  // Apps with another `sessionName` get it typed through the middleware's generic instead.
  interface ContextVariableMap {
    session: Session<SessionData>;
  }
}

/**
 * Hono environment added by {@link honoSession}: the session under its name.
 *
 * @example
 * ```ts
 * const app = new Hono<SessionVariables<{ userId: number }, 'session'>>();
 * ```
 */
export type SessionVariables<T extends object, N extends string> = { Variables: { [K in N]: Session<T> } };

/** The honoSession() instances that ran for a request, to refuse clashes the app cannot see at `use()`. */
const sessionsOf = new WeakMap<Request, Mounted[]>();
type Mounted = Pick<WebSessions, 'sessionName' | 'cookieName' | 'cookieNames'>;

/**
 * Hono has no registration hook that sees the whole app, so two session middlewares on one
 * request are checked when they meet: a second instance for the same name, or cookie names that
 * collide (`a` and `a.1`, THREATS 48), fail the request loudly instead of one silently losing.
 */
function clashCheck(mounted: readonly Mounted[], sessions: Mounted, name: string): void {
  if (mounted.some((m) => m.sessionName === name)) {
    throw new SealedSessionError(
      'ERR_SESSION_CLASH',
      `sealed-session/web: two honoSession() middlewares serve c.var.${name}; expected one per sessionName, got a second one (cookie '${sessions.cookieName}'). Mount one and reuse it, or give the second another sessionName`,
    );
  }
  assertDistinctCookieNames([...mounted, sessions], `honoSession(${name})`);
}

/**
 * Hono middleware: `c.get('session')` (or `c.get(sessionName)`) is the request's sealed session,
 * and its `Set-Cookie` headers are appended to the response after the handlers ran
 * (`await next()`), never replacing cookies the handlers set. With another `sessionName`, pass it
 * as the second type parameter too (`honoSession<Data, 'cart'>({ key, sessionName: 'cart' })`) so
 * that `c.var.cart` is typed. One instance may be mounted on an app and its sub-apps; a second
 * instance for the same `sessionName`, or one whose cookie names collide with another session's,
 * fails the request with `ERR_SESSION_CLASH` / a TypeError naming both.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { honoSession } from 'sealed-session/web';
 *
 * const app = new Hono();
 * app.use(honoSession({ key: process.env.SESSION_KEY! }));
 * app.post('/login', (c) => {
 *   const session = c.get('session');
 *   session.regenerate(); // fresh identity at login
 *   session.set('userId', 42);
 *   return c.body(null, 204);
 * });
 * app.get('/me', (c) => c.json({ userId: c.get('session').get('userId') ?? null }));
 * ```
 */
export function honoSession<T extends object = SessionData, N extends string = 'session'>(
  options: SessionOptions,
): MiddlewareHandler<SessionVariables<T, N>> {
  const sessions = new WebSessions<T>(options);
  const name = sessions.sessionName as N;
  return async (c, next) => {
    const request = c.req.raw;
    const mounted = sessionsOf.get(request);
    if (mounted !== undefined) {
      // The same middleware mounted twice (app and sub-app): the first run owns the session.
      if (mounted.includes(sessions)) return next();
      clashCheck(mounted, sessions, name);
      mounted.push(sessions);
    } else sessionsOf.set(request, [sessions]);
    const session = await sessions.load(c.req.raw);
    (c.set as (key: string, value: unknown) => void)(name, session);
    await next();
    // c.header() copies a finalized response whose headers are immutable before appending.
    for (const cookie of sessions.cookies(session)) c.header('set-cookie', cookie, { append: true });
  };
}
