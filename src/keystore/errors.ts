import { SealedSessionError } from '../core/errors.js';

/**
 * A second `SessionKeystore` was built with a name already used in this page. Two stores with the
 * same name would silently overwrite each other's shares, so the second one is refused.
 *
 * @example
 * ```ts
 * new SessionKeystore({ name: 'auth' });
 * try { new SessionKeystore({ name: 'auth' }); }
 * catch (err) { if (err instanceof KeystoreNameInUseError) console.error(err.code); } // ERR_KEYSTORE_NAME_IN_USE
 * ```
 */
export class KeystoreNameInUseError extends SealedSessionError {
  constructor(name: string) {
    super(
      'ERR_KEYSTORE_NAME_IN_USE',
      `a SessionKeystore named ${JSON.stringify(name)} already exists in this page; give each store a distinct name or dispose() the first one`,
    );
  }
}
