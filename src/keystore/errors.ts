import { SealedSessionError } from '../core/errors.js';
import { jsonString } from './json.js';

/**
 * No longer thrown: a second `SessionKeystore` with a name in use now takes over from the first
 * (see {@link KeystoreReplacedError}). Kept so that code catching it still compiles.
 *
 * @deprecated A second store with the same name replaces the first; catch `KeystoreReplacedError`
 * on the first store instead.
 * @example
 * ```ts
 * if (err instanceof KeystoreNameInUseError) console.error(err.code); // ERR_KEYSTORE_NAME_IN_USE
 * ```
 */
export class KeystoreNameInUseError extends SealedSessionError {
  constructor(name: string) {
    super(
      'ERR_KEYSTORE_NAME_IN_USE',
      `a SessionKeystore named ${jsonString(name)} already exists in this page; give each store a distinct name or dispose() the first one`,
    );
  }
}

/**
 * Thrown by every read or write of a store that a newer `new SessionKeystore()` with the same name
 * (in this page, from any copy of the module) has taken over. The newer store starts as a new page
 * life would: with what the first one had persisted (`persist()`), nothing else; the first store is
 * disposed, so code still holding it fails loudly instead of reading `null` or writing values that
 * would never be kept.
 *
 * @example
 * ```ts
 * const a = new SessionKeystore({ name: 'auth' });
 * const b = new SessionKeystore({ name: 'auth' }); // takes over: `a` is disposed
 * try { a.get('token'); }
 * catch (err) { if (err instanceof KeystoreReplacedError) console.error(err.code); } // ERR_KEYSTORE_REPLACED
 * ```
 */
export class KeystoreReplacedError extends SealedSessionError {
  constructor(name: string) {
    super(
      'ERR_KEYSTORE_REPLACED',
      `this SessionKeystore named ${jsonString(name)} was replaced by a newer store with the same name; use that one`,
    );
  }
}
