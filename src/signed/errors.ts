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
  | 'size';

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
