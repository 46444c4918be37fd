// The one error of the Redis stores: Redis did not answer in time (down, slow, restarting) or
// answered something unusable. Callers switch on the code; the message never holds a key or value.
import { SealedSessionError } from '../core/errors.js';

/**
 * Redis could not answer a store's command within its timeout (connection lost, server slow or
 * restarting), or the answer could not be trusted. Rejected by `revoke()`/`revokeAll()`; the read
 * paths never throw it, they apply `onUnavailable` instead.
 *
 * @example
 * ```ts
 * try { await revocation.revokeAll('42'); }
 * catch (err) { if (err instanceof RedisUnavailableError) res.status(503).send('try again'); }
 * ```
 */
export class RedisUnavailableError extends SealedSessionError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('ERR_REDIS_UNAVAILABLE', `redis: ${what}`, options);
  }
}
