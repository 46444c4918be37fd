// `sealed-session/express`: Express/Connect middleware and a plain `node:http` helper. All session
// semantics live in the shared SessionEngine; this file only binds it to a node:http request and
// writes the cookies just before the headers go out, appended to whatever the handler set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expectedType } from '../core/errors.js';
import { checkDeriveOptions, deriveKey } from '../core/kdf.js';
import { createKeyring, type Keyring } from '../core/keyring.js';
import { useNativeBackend } from '../core/native.js';
import { SessionEngine, type SessionOptions } from '../session/engine.js';
import type { Session, SessionData } from '../session/session.js';
import { onHeaders } from './on-headers.js';

export type { TokenInvalidReason } from '../core/errors.js';
export { CookieTooLargeError, SealedSessionError } from '../core/errors.js';
export { generateKey } from '../core/keys.js';
export type { CookieOptions } from '../session/cookie-options.js';
export type { DebugLog, SessionOptions } from '../session/engine.js';
export type { RevocationStore } from '../session/revocation.js';
export { MemoryRevocationStore } from '../session/revocation.js';
export type { SessionData } from '../session/session.js';
export { Session } from '../session/session.js';
export type { Keyring };
export { createKeyring };

declare global {
  // Typed `req.session` for Express users, as `express-session` does. The data type follows the
  // `SessionData` interface that users extend with `declare module 'sealed-session'`.
  namespace Express {
    interface Request {
      session: Session<SessionData>;
    }
  }
}

/**
 * `next` of a Connect/Express middleware.
 *
 * @example
 * ```ts
 * const mw = sealedSession({ key });
 * mw(req, res, (err) => { if (err) res.statusCode = 500; });
 * ```
 */
export type NextFunction = (err?: unknown) => void;

/**
 * A Connect/Express middleware. Typed with `node:http` types so that it needs no Express types and
 * fits `app.use()` of Express 4/5, Connect, and routers built on them.
 *
 * @example
 * ```ts
 * const mw: SessionMiddleware = sealedSession({ key });
 * app.use(mw);
 * ```
 */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/**
 * A `node:http` request carrying its session under the configured name (default `session`).
 *
 * @example
 * ```ts
 * createServer(withSession({ key }, (req: SessionRequest, res) => res.end(String(req.session.get('userId')))));
 * ```
 */
export type SessionRequest<T extends object = SessionData> = IncomingMessage & { session: Session<T> };

/**
 * Options of {@link sealedSession} and {@link withSession}: the shared session options, plus
 * `secret` + `salt` as an alternative to `key` (as in `@fastify/secure-session`).
 *
 * @example
 * ```ts
 * const options: ExpressSessionOptions = { secret: process.env.SESSION_SECRET!, salt: 'mq9hDxBVDbspDR6n' };
 * ```
 */
export interface ExpressSessionOptions extends SessionOptions {
  /**
   * Instead of `key`: a secret of at least 32 characters, stretched once with Argon2id (libsodium
   * `crypto_pwhash` MODERATE, about a second, off the event loop with sodium-native). Requests
   * arriving before the derivation ends wait for it. Prefer a random `key`.
   */
  secret?: string | Uint8Array;
  /** 16 bytes (or a 16-character string) for `secret`. Default: `@fastify/secure-session`'s static salt (weak). */
  salt?: string | Uint8Array;
}

/**
 * Express/Connect middleware: `req.session` (or `req[sessionName]`) is a {@link Session} sealed in
 * an encrypted cookie. Options are validated here, once; a misconfiguration throws now with an
 * "expected X, got Y" message. Cookies that fail to open (foreign, tampered, expired, sealed for
 * another session name, unparsable) give an empty session, never an error. The `Set-Cookie` headers
 * are written just before the response headers and appended to any the handler set.
 *
 * Uses libsodium (`sodium-native`) when it is installed, the portable `@noble/ciphers` otherwise;
 * the tokens are the same either way.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { sealedSession } from 'sealed-session/express';
 *
 * const app = express();
 * app.use(sealedSession({ key: process.env.SESSION_KEY! }));
 * app.post('/login', (req, res) => {
 *   req.session.regenerate(); // fresh identity at login
 *   req.session.set('userId', 42);
 *   res.sendStatus(204);
 * });
 * app.get('/me', (req, res) => res.json({ userId: req.session.get('userId') ?? null }));
 * app.post('/logout', (req, res) => {
 *   req.session.delete();
 *   res.sendStatus(204);
 * });
 * ```
 */
export function sealedSession<T extends object = SessionData>(
  options: ExpressSessionOptions,
): SessionMiddleware {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw expectedType('options', 'an options object', options);
  }
  useNativeBackend();
  const { secret, salt, ...rest } = options;
  let keyring: Promise<Keyring> | undefined;
  let derive: (() => void) | undefined;
  if (secret !== undefined && secret !== null) {
    if (rest.key !== undefined) throw new TypeError('options: expected a key or a secret, got both');
    checkDeriveOptions({ secret, salt }); // throws now, before any work, never echoing the secret
    keyring = new Promise<Keyring>((resolve, reject) => {
      derive = () => {
        deriveKey({ secret, salt }).then((k) => resolve(createKeyring(k)), reject);
      };
    });
  } else if (salt !== undefined) {
    throw new TypeError('options.salt: expected a secret with it, got a salt alone');
  }
  const engine = new SessionEngine<T>(rest, {
    ...(keyring ? { keyring } : {}),
    adapterOptions: ['secret', 'salt'],
  });
  // Only once every other option is known to be valid: the derivation costs 256 MiB and a second.
  derive?.();
  const name = engine.sessionName;
  const debug = options.debug;
  let ready = false;
  engine.ready.then(
    () => {
      ready = true;
    },
    () => {},
  );

  /** Returns false when the cookie could not be written. */
  const write = (res: ServerResponse, session: Session<T>): boolean => {
    let cookies: string[];
    try {
      cookies = engine.commit(session);
    } catch (err) {
      // Only a programmer error gets here (data mutated behind set() until it no longer fits).
      // Failing the response beats a session write the browser never receives.
      debug?.('sealed-session: could not write the session cookie', {
        session: name,
        reason: (err as { code?: string })?.code ?? 'commit-failed',
      });
      res.statusCode = 500;
      res.statusMessage = 'Internal Server Error';
      return false;
    }
    if (cookies.length > 0) res.appendHeader('set-cookie', cookies);
    return true;
  };

  return function sealedSessionMiddleware(req, res, next) {
    const target = req as unknown as Record<string, unknown>;
    // Mounted twice for the same name (e.g. on an app and a sub-router): keep the first.
    if (target[name] !== undefined) {
      next();
      return;
    }
    const session = engine.load(req.headers.cookie);
    target[name] = session;
    if (debug) {
      // A change made after the headers went out (streaming, res.write() first) cannot reach the
      // browser; say so in the debug log instead of losing it silently. Only when debugging.
      let written = true;
      onHeaders(res, (r) => {
        written = write(r, session);
      });
      res.once('finish', () => {
        if (written && session.changed && !session.deleted) {
          debug('sealed-session: the session changed after the headers were sent; not saved', {
            session: name,
            reason: 'changed-after-headers',
          });
        }
      });
    } else onHeaders(res, (r) => write(r, session));
    if (ready && !engine.eager) {
      next();
      return;
    }
    // Key still being derived, or a revocation store to consult before the handler runs.
    (async () => {
      await engine.ready;
      if (engine.eager) await engine.prepare(session);
    })().then(() => next(), next);
  };
}

/**
 * Sessions for a plain `node:http` server: wraps a request handler, which receives the session as
 * its third argument (and as `req.session` / `req[sessionName]`). If the handler throws or rejects,
 * a 500 is sent when nothing was sent yet and the returned promise rejects with that error.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { withSession } from 'sealed-session/express';
 *
 * createServer(
 *   withSession({ key: process.env.SESSION_KEY! }, (req, res, session) => {
 *     const visits = (session.get('visits') ?? 0) + 1;
 *     session.set('visits', visits);
 *     res.end(`visit ${visits}`);
 *   }),
 * ).listen(3000);
 * ```
 */
export function withSession<T extends object = SessionData>(
  options: ExpressSessionOptions,
  handler: (req: SessionRequest<T>, res: ServerResponse, session: Session<T>) => unknown,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const middleware = sealedSession<T>(options);
  const name = options.sessionName ?? 'session';
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
        reject(err);
      };
      middleware(req, res, (err) => {
        if (err) return fail(err);
        const session = (req as unknown as Record<string, Session<T>>)[name]!;
        try {
          Promise.resolve(handler(req as SessionRequest<T>, res, session)).then(() => resolve(), fail);
        } catch (e) {
          fail(e);
        }
      });
    });
}
