// Hono binding: a middleware that puts the session on the context and appends its cookies to
// whatever response the handlers produced. Only types come from 'hono' (an optional peer).
import type { MiddlewareHandler } from 'hono';
import type { SessionOptions } from '../session/engine.js';
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

/**
 * Hono middleware: `c.get('session')` (or `c.get(sessionName)`) is the request's sealed session,
 * and its `Set-Cookie` headers are appended to the response after the handlers ran
 * (`await next()`), never replacing cookies the handlers set. With another `sessionName`, pass it
 * as the second type parameter too (`honoSession<Data, 'cart'>({ key, sessionName: 'cart' })`) so
 * that `c.var.cart` is typed.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { honoSession } from 'sealed-session/web';
 *
 * const app = new Hono();
 * app.use(honoSession({ key: env.SESSION_KEY }));
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
    // Mounted twice for one name (app and sub-app): the first one owns the session and its cookie.
    if ((c.get as (key: string) => unknown)(name) !== undefined) return next();
    const session = await sessions.load(c.req.raw);
    (c.set as (key: string, value: unknown) => void)(name, session);
    await next();
    // c.header() copies a finalized response whose headers are immutable before appending.
    for (const cookie of sessions.cookies(session)) c.header('set-cookie', cookie, { append: true });
  };
}
