// Errors of `sealed-session/signed`. One message per class for every authentication failure, so a
// peer learns nothing from which check failed; `reason` is for debug logs and never holds input.
import { SealedSessionError } from '../core/errors.js';

/**
 * Why a signed request or response was refused; safe to log.
 *
 * @example
 * ```ts
 * server = createSignedServer({ ...options, onFailure: (reason: SignedFailureReason) => log.debug(reason) });
 * ```
 */
export type SignedFailureReason =
  | 'unsigned'
  | 'malformed'
  | 'target'
  | 'components'
  | 'time'
  | 'key'
  | 'digest'
  | 'signature'
  | 'replay'
  | 'decrypt'
  | 'size'
  | 'authorize'
  | 'store';

/**
 * A request failed verification on the server (the middleware answers 401 and never runs the handler).
 *
 * @example
 * ```ts
 * const result = await server.verify(incoming);
 * if (!result.ok) log.debug(result.error.reason);
 * ```
 */
export class SignedRequestError extends SealedSessionError {
  /** Which check failed, for debug logs only. */
  readonly reason: SignedFailureReason;

  constructor(reason: SignedFailureReason) {
    super('ERR_SIGNED_REQUEST', 'signed request is invalid');
    this.reason = reason;
  }
}

/**
 * The server could not decide about a request because the application's own code failed: the
 * `authorize` hook (`reason` `'authorize'`) or the replay store (`'store'`) threw or rejected.
 * Not an authentication failure: adapters pass it on as a server error (Express `next(err)`,
 * Fastify and Web handlers rethrow it, so the framework answers 500). `cause` is the original error.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof SignedServerFault) log.error(err.reason, err.cause);
 *   res.status(500).end();
 * });
 * ```
 */
export class SignedServerFault extends SealedSessionError {
  /** Which part failed: the `authorize` hook or the replay store. */
  readonly reason: 'authorize' | 'store';

  constructor(reason: 'authorize' | 'store', cause: unknown) {
    super(
      'ERR_SIGNED_SERVER_FAULT',
      reason === 'authorize' ? 'the authorize hook failed' : 'the replay store failed',
      { cause },
    );
    this.reason = reason;
  }
}

/**
 * The signed middleware would overwrite a request property (`req.session` by default) that
 * another middleware set, such as cookie-session or express-session. Give the signed middleware
 * another `property` (e.g. `'peer'`).
 *
 * @example
 * ```ts
 * app.use(cookieSession({ keys }));
 * app.use(createExpressAuth({ key, origin, property: 'peer' })); // req.peer, req.session stays cookie-session's
 * ```
 */
export class SignedPropertyClashError extends SealedSessionError {
  /** The property that was already set. */
  readonly property: string;

  constructor(property: string) {
    super(
      'ERR_SIGNED_PROPERTY_CLASH',
      `req.${property} is already set by another middleware (a session middleware?): expected it unset, ` +
        `got a value; give the signed middleware another property name, e.g. { property: 'peer' }`,
    );
    this.property = property;
  }
}

/**
 * `SecureFetch` received a response that is unsigned, signed by another key, not bound to the
 * request it sent, tampered with or undecryptable. Thrown for error statuses too.
 *
 * @example
 * ```ts
 * try { await secureFetch('/api/me'); }
 * catch (err) { if (err instanceof SignedResponseError) console.warn(err.status, err.reason); }
 * ```
 */
export class SignedResponseError extends SealedSessionError {
  /** Which check failed, for debug logs only. */
  readonly reason: SignedFailureReason;
  /** The HTTP status of the refused response (not authenticated: for diagnostics only). */
  readonly status: number;

  constructor(reason: SignedFailureReason, status: number) {
    super('ERR_SIGNED_RESPONSE', `signed response is invalid (HTTP ${status})`);
    this.reason = reason;
    this.status = status;
  }
}
