import { SealedSessionError } from '../core/errors.js';

/**
 * Stable codes of {@link VaultError}.
 *
 * @example
 * ```ts
 * const code: VaultErrorCode = 'ERR_VAULT_NOT_ALLOWED';
 * ```
 */
export type VaultErrorCode =
  | 'ERR_VAULT_NOT_ALLOWED'
  | 'ERR_VAULT_NOT_AUTHENTICATED'
  | 'ERR_VAULT_LOGIN_FAILED';

/**
 * A vault request was refused or a login failed. Messages name the check that failed, never the
 * URL, a header or the token.
 *
 * @example
 * ```ts
 * try { await vault.fetch('/api/me'); }
 * catch (err) { if (err instanceof VaultError && err.code === 'ERR_VAULT_NOT_AUTHENTICATED') showLogin(); }
 * ```
 */
export class VaultError extends SealedSessionError {
  declare readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string) {
    super(code, message);
  }
}
