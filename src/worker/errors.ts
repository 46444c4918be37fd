import { SealedSessionError } from '../core/errors.js';

/**
 * Stable codes of {@link WorkerError}.
 *
 * @example
 * ```ts
 * const code: WorkerErrorCode = 'ERR_WORKER_NOT_AUTHENTICATED';
 * ```
 */
export type WorkerErrorCode =
  | 'ERR_WORKER_UNAVAILABLE'
  | 'ERR_WORKER_NOT_CONTROLLING'
  | 'ERR_WORKER_TIMEOUT'
  | 'ERR_WORKER_NOT_ALLOWED'
  | 'ERR_WORKER_NOT_AUTHENTICATED'
  | 'ERR_WORKER_LOGIN_FAILED'
  | 'ERR_WORKER_FAILED';

const MESSAGES: Record<WorkerErrorCode, string> = {
  ERR_WORKER_UNAVAILABLE: 'service workers are unavailable here (a secure context is required)',
  ERR_WORKER_NOT_CONTROLLING: 'the token worker does not control this page',
  ERR_WORKER_TIMEOUT: 'the token worker did not answer in time',
  ERR_WORKER_NOT_ALLOWED: 'refused by the allowlist (origin, path or method)',
  ERR_WORKER_NOT_AUTHENTICATED: 'the token worker holds no token: login first',
  ERR_WORKER_LOGIN_FAILED: 'login failed (HTTP error or no token in the response)',
  ERR_WORKER_FAILED: 'the token worker failed to handle the request',
};

/** True for a known code (answers from the worker are checked before use). */
export const isWorkerCode = (c: unknown): c is WorkerErrorCode =>
  typeof c === 'string' && Object.hasOwn(MESSAGES, c);

/**
 * A token-worker call was refused or failed. The message is fixed per code and never contains a
 * URL, a header or the token.
 *
 * @example
 * ```ts
 * try { await client.fetch('/api/me'); }
 * catch (err) { if (err instanceof WorkerError && err.code === 'ERR_WORKER_NOT_AUTHENTICATED') showLogin(); }
 * ```
 */
export class WorkerError extends SealedSessionError {
  declare readonly code: WorkerErrorCode;

  constructor(code: WorkerErrorCode) {
    super(code, MESSAGES[code]);
  }
}
