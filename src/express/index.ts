// `sealed-session/express`: Express/Connect middleware and a plain `node:http` helper. All session
// semantics live in the shared SessionEngine; this file only binds it to a node:http request and
// writes the cookies just before the headers go out, appended to whatever the handler set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expectedType, SealedSessionError } from '../core/errors.js';
import { checkDeriveOptions, deriveKey } from '../core/kdf.js';
import { createKeyring, type Keyring } from '../core/keyring.js';
import { useNativeBackend } from '../core/native.js';
import { CookieNameRegistry, SessionEngine, type SessionOptions } from '../session/engine.js';
import { type Session, type SessionData, stateOf } from '../session/session.js';
import {
  type CookieSessionLegacyOptions,
  type CookieSessionReader,
  createCookieSessionReader,
} from './cookie-session.js';
import { onHeaders } from './on-headers.js';
import { Binding, type ExpressSession } from './session.js';

export type { TokenInvalidReason } from '../core/errors.js';
export { CookieTooLargeError, SealedSessionError } from '../core/errors.js';
export { generateKey } from '../core/keys.js';
export type { CookieOptions } from '../session/cookie-options.js';
export type { DebugLog, SessionOptions } from '../session/engine.js';
export type { RevocationStore } from '../session/revocation.js';
export { MemoryRevocationStore } from '../session/revocation.js';
export type { SessionData } from '../session/session.js';
export { Session } from '../session/session.js';
export type { CookieSessionLegacyOptions, KeygripLike } from './cookie-session.js';
export type { ExpressSession } from './session.js';
export type { Keyring };
export { createKeyring };

declare global {
  // Typed `req.session` for Express users, as `express-session` does. The data type follows the
  // `SessionData` interface that users extend with `declare module 'sealed-session'`. It may be
  // assigned `null` (log out) or an object of fields (a new session), as with cookie-session.
  namespace Express {
    interface Request {
      get session(): ExpressSession<SessionData>;
      set session(value: ExpressSession<SessionData> | Partial<SessionData> | null | undefined);
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
export type SessionRequest<T extends object = SessionData> = IncomingMessage & {
  session: ExpressSession<T>;
};

/**
 * Options of {@link sealedSession} and {@link withSession}: the shared session options, plus
 * `secret` + `salt` as an alternative to `key` (as in `@fastify/secure-session`), and `legacy` to
 * move sessions written by `cookie-session`.
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
  /**
   * Moving from `cookie-session`: give its `keys` (and `name` if not `session`). A request carrying
   * a valid signed cookie-session cookie (and no sealed session) gets that data as its session,
   * re-issued sealed on the response; both old cookies (`<name>`, `<name>.sig`) are erased.
   */
  legacy?: { cookieSession: CookieSessionLegacyOptions };
}

interface Claim {
  readonly owner: object;
  readonly binding: Binding;
}

/**
 * The sessions of each request, by session name. A WeakMap, not a property of the request: Express
 * gives every request a new prototype (`setPrototypeOf(req, app.request)`), after which every
 * property added to the request is a new hidden class for V8 (docs/benchmarks.md, Express adapter).
 */
const claimsOf = new WeakMap<object, Record<string, Claim>>();

/** The claims of `req`, or of the request it inherits from (an object made with `Object.create(req)`). */
function claimsFor(req: object): Record<string, Claim> | undefined {
  for (let o: object | null = req; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const claims = claimsOf.get(o);
    if (claims !== undefined) return claims;
  }
  return undefined;
}

type WithBindings = Record<string, unknown>;

/** Cookie names claimed per app (Express's `req.app`), or per request where there is no app. */
const registries = new WeakMap<object, CookieNameRegistry>();

function whoHolds(req: Record<string, unknown>): string {
  if (Object.hasOwn(req, 'sessionOptions')) return 'cookie-session';
  if (req.sessionStore !== undefined || req.sessionID !== undefined) return 'express-session';
  return 'another middleware';
}

/**
 * Express/Connect middleware: `req.session` (or `req[sessionName]`) is a {@link Session} sealed in
 * an encrypted cookie, with property access (`req.session.userId = 42` stores), `req.session = null`
 * to log out and cookie-session's `isNew` / `isChanged` / `isPopulated` ({@link ExpressSession}).
 * Options are validated here, once; a misconfiguration throws now with an "expected X, got Y"
 * message. Cookies that fail to open (foreign, tampered, expired, sealed for another session name,
 * unparsable) give an empty session, never an error. The `Set-Cookie` headers are written just
 * before the response headers and appended to any the handler set.
 *
 * Loud on clashes: when `req.session` is already taken (cookie-session or express-session mounted
 * before), when a second `sealedSession()` serves the same property, or when two sessions of one app
 * could write the same cookie (`a` and `a.1`), the request fails through `next(err)` with an error
 * naming both (code `ERR_SESSION_CLASH`, or the TypeError of the cookie-name check).
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
  const { secret, salt, legacy, ...rest } = options;
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
    adapterOptions: ['secret', 'salt', 'legacy'],
  });
  let reader: CookieSessionReader | undefined;
  if (legacy !== undefined) {
    if (legacy === null || typeof legacy !== 'object' || !('cookieSession' in legacy)) {
      throw expectedType('options.legacy', '{ cookieSession: { keys, name? } }', legacy);
    }
    reader = createCookieSessionReader(legacy.cookieSession, 'options.legacy.cookieSession');
    const oldNames = [reader.name, reader.sigName];
    for (const n of oldNames) {
      if (n !== engine.cookieName && engine.cookieNames.includes(n)) {
        throw new TypeError(
          `options.legacy.cookieSession.name: expected a name that is not one of the sealed cookie's chunks, got '${n}'`,
        );
      }
    }
  }
  // Only once every other option is known to be valid: the derivation costs 256 MiB and a second.
  derive?.();
  const name = engine.sessionName;
  const label = `req.${name}`;
  const debug = options.debug;
  const self = {};
  const claimedIn = new WeakSet<object>();
  let ready = false;
  engine.ready.then(
    () => {
      ready = true;
    },
    () => {},
  );

  const engines = engine as unknown as SessionEngine<Record<string, unknown>>;

  /** Returns false when the cookie could not be written. */
  const write = (res: ServerResponse, binding: Binding, erase: string[] | undefined): boolean => {
    let cookies: string[];
    try {
      binding.settle();
      cookies = engines.commit(binding.session);
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
    if (erase !== undefined) cookies = [...cookies, ...erase];
    if (cookies.length > 0) res.appendHeader('set-cookie', cookies);
    return true;
  };

  /**
   * cookie-session's cookies on this request: moved into a sealed session unless a sealed one
   * opened; erased either way (THREATS 52). Needs the keyring (call after engine.ready).
   */
  const migrate = (binding: Binding, header: string): string[] => {
    const r = reader!.open(header);
    const erase = reader!.erase(engine.cookieName);
    const current = binding.session;
    void current.id; // opens the sealed cookie (already done by prepare() with a revocation store)
    if (stateOf(current).valid) return erase;
    if (!r.ok) {
      debug?.('sealed-session: the cookie-session cookie was not moved', {
        session: name,
        reason: `cookie-session-${r.reason}`,
      });
      return erase;
    }
    const moved = engines.create({});
    try {
      for (const [k, v] of Object.entries(r.data)) moved.set(k, v);
    } catch (err) {
      debug?.('sealed-session: the cookie-session cookie was not moved', {
        session: name,
        reason: `cookie-session-${(err as { code?: string })?.code ?? 'too-large'}`,
      });
      return erase;
    }
    binding.session = moved;
    binding.moved = true;
    return erase;
  };

  const clash = (message: string): SealedSessionError =>
    new SealedSessionError('ERR_SESSION_CLASH', `sealed-session/express: ${message}`);

  /** The binding of `req[name]` for the request (or an object inheriting from it). */
  const bindingOf = (req: unknown): Binding | undefined =>
    req !== null && typeof req === 'object' ? claimsFor(req)?.[name]?.binding : undefined;
  const accessor: PropertyDescriptor = {
    configurable: false,
    enumerable: true,
    get(this: unknown) {
      const binding = bindingOf(this);
      return binding === undefined || binding.loggedOut ? null : binding.proxy;
    },
    set(this: unknown, value: unknown) {
      const binding = bindingOf(this);
      if (binding === undefined) throw expectedType(label, 'a request handled by sealedSession()', this);
      binding.assign(value);
    },
  };

  return function sealedSessionMiddleware(req, res, next) {
    const target = req as unknown as WithBindings;
    let claims = claimsOf.get(target);
    const prior = claims?.[name];
    if (prior !== undefined) {
      // The same middleware mounted twice (an app and a sub-router): one session, one cookie.
      if (prior.owner === self) {
        next();
        return;
      }
      next(
        clash(
          `two sealedSession() middlewares serve ${label}; expected one per sessionName, got a second one (cookie '${engine.cookieName}'). Mount one and reuse it, or give the second another sessionName`,
        ),
      );
      return;
    }
    if (Object.getOwnPropertyDescriptor(target, name) !== undefined || target[name] !== undefined) {
      const other = whoHolds(target);
      next(
        clash(
          `${label} is already set by ${other}; expected ${label} to be free for sealed-session, got one from ${other} mounted before it. Mount one session middleware per property: remove ${other} (legacy: { cookieSession } moves cookie-session's cookies) or give sealed-session another sessionName`,
        ),
      );
      return;
    }
    // Cookie names of every session of this app (THREATS 48): `a` and `a.1` would share `a.1`.
    const app = target.app; // an Express app is a function
    const scope = (
      typeof app === 'function' || (typeof app === 'object' && app !== null) ? app : target
    ) as object;
    if (!claimedIn.has(scope)) {
      let registry = registries.get(scope);
      if (registry === undefined) {
        registry = new CookieNameRegistry();
        registries.set(scope, registry);
      }
      try {
        registry.claim(engine, `sealedSession(${name})`);
      } catch (err) {
        next(err);
        return;
      }
      claimedIn.add(scope);
    }

    const header = req.headers.cookie;
    const binding = new Binding(engine.load(header) as unknown as Session<Record<string, unknown>>, label);
    if (claims === undefined) {
      claims = Object.create(null) as Record<string, Claim>;
      claimsOf.set(target, claims);
    }
    claims[name] = { owner: self, binding };
    // Not configurable: a session middleware mounted after this one cannot silently take over.
    // One descriptor (the same getter and setter) for every request: fresh closures per request
    // would give each request object its own hidden class, measured at 20 µs of CPU per request.
    Object.defineProperty(target, name, accessor);

    let erase: string[] | undefined;
    if (debug) {
      // A change made after the headers went out (streaming, res.write() first) cannot reach the
      // browser; say so in the debug log instead of losing it silently. Only when debugging.
      let written = true;
      onHeaders(res, (r) => {
        written = write(r, binding, erase);
      });
      res.once('finish', () => {
        const session = binding.session;
        if (written && session.changed && !session.deleted) {
          debug('sealed-session: the session changed after the headers were sent; not saved', {
            session: name,
            reason: 'changed-after-headers',
          });
        }
      });
    } else onHeaders(res, (r) => write(r, binding, erase));

    const old = reader !== undefined && header !== undefined && reader.present(header);
    if (ready && !engine.eager && !old) {
      next();
      return;
    }
    // Key still being derived, a revocation store to consult, or old cookies to move.
    (async () => {
      await engine.ready;
      if (engine.eager) await engines.prepare(binding.session);
      if (old) erase = migrate(binding, header!);
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
  handler: (req: SessionRequest<T>, res: ServerResponse, session: ExpressSession<T>) => unknown,
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
        const session = (req as unknown as Record<string, ExpressSession<T>>)[name]!;
        try {
          Promise.resolve(handler(req as SessionRequest<T>, res, session)).then(() => resolve(), fail);
        } catch (e) {
          fail(e);
        }
      });
    });
}
