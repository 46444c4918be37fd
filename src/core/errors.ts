// One base class, one subclass per failure with a fixed `code` (as jose does), so callers switch
// on `err.code` and never on message text. Messages never contain a token, a key or a cookie.

/**
 * Base class of every error this package throws on purpose.
 *
 * @example
 * ```ts
 * import { open, SealedSessionError } from 'sealed-session';
 * try { open(token, ring, { context: 'session' }); }
 * catch (err) { if (err instanceof SealedSessionError) console.debug(err.code); }
 * ```
 */
export class SealedSessionError extends Error {
  /** A stable, machine-readable code such as `ERR_TOKEN_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A token (sealed cookie, share, signed message) failed to open: malformed, forged, tampered with,
 * sealed for another context, or sealed with a key we do not hold. Deliberately one code and one
 * message for all of these so that an attacker learns nothing from which check failed; the
 * `reason` is for debug logs only and never contains input.
 *
 * @example
 * ```ts
 * try { open(token, ring, { context: 'session' }); }
 * catch (err) { if (err instanceof TokenInvalidError) log.debug(err.reason); }
 * ```
 */
export class TokenInvalidError extends SealedSessionError {
  /** Which check failed (`malformed`, `version`, `unknown-key`, `auth`, `payload`), for debug logs. */
  readonly reason: TokenInvalidReason;

  constructor(reason: TokenInvalidReason) {
    super('ERR_TOKEN_INVALID', 'token is invalid');
    this.reason = reason;
  }
}

/**
 * Why a token was refused; safe to log (never contains input).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof TokenInvalidError) log.debug({ reason: err.reason }); }
 * ```
 */
export type TokenInvalidReason = 'malformed' | 'version' | 'unknown-key' | 'auth' | 'payload';

/**
 * A token opened correctly but its idle or absolute lifetime is over.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof TokenExpiredError) redirectToLogin(); }
 * ```
 */
export class TokenExpiredError extends SealedSessionError {
  /** Which limit was reached. */
  readonly limit: 'idle' | 'absolute';

  constructor(limit: 'idle' | 'absolute') {
    super('ERR_TOKEN_EXPIRED', `token has expired (${limit} timeout)`);
    this.limit = limit;
  }
}

/**
 * A session would need more cookie bytes than the configured limit allows. Thrown at `set` time so
 * that a browser never silently drops an oversized cookie.
 *
 * @example
 * ```ts
 * try { session.set('cart', hugeCart); } catch (err) { if (err instanceof CookieTooLargeError) trimCart(); }
 * ```
 */
export class CookieTooLargeError extends SealedSessionError {
  constructor(size: number, limit: number) {
    super(
      'ERR_COOKIE_TOO_LARGE',
      `sealed session needs ${size} bytes of cookies, over the limit of ${limit}`,
    );
  }
}

/**
 * Describes a value for an "expected X, got Y" message without ever echoing its content
 * (it may be a secret): `a string of 12 characters`, `a Uint8Array of 16 bytes`, `null`, `a number`.
 *
 * @example
 * ```ts
 * describe('hunter2') // 'a string of 7 characters'
 * ```
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : `${value}`;
  if (typeof value === 'object')
    return `an object (${(value as object).constructor?.name ?? 'null prototype'})`;
  return `a ${typeof value}`;
}

/**
 * A `TypeError` saying what was expected and what was given, for programmer errors caught at
 * construction time.
 *
 * @example
 * ```ts
 * throw expectedType('options.key', 'a 32-byte key', key);
 * // TypeError: options.key: expected a 32-byte key, got a Uint8Array of 16 bytes
 * ```
 */
export function expectedType(what: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${what}: expected ${expected}, got ${describe(got)}`);
}

/**
 * A `RangeError` saying what was expected and what was given, for values of the right type but out
 * of range.
 *
 * @example
 * ```ts
 * throw expectedRange('options.maxAge', 'a positive number of seconds', -1);
 * ```
 */
export function expectedRange(what: string, expected: string, got: unknown): RangeError {
  const shown = typeof got === 'number' ? String(got) : describe(got);
  return new RangeError(`${what}: expected ${expected}, got ${shown}`);
}

/**
 * The random source returned output no real generator produces (all zero bytes, or the same bytes
 * twice): a broken polyfill or a stub. Nothing is sealed with it.
 *
 * @example
 * ```ts
 * try { seal(value, ring); } catch (err) { if (err instanceof RandomSourceError) alertOps(err.code); }
 * ```
 */
export class RandomSourceError extends SealedSessionError {
  constructor(what: string) {
    super('ERR_RANDOM_SOURCE', `random source is broken: it ${what}`);
  }
}
