// sealData / unsealData: iron-session's helpers for sealing any JSON value outside a cookie (magic
// links, invitations). Ours seal in our format (docs/format.md) under the fixed context below, with
// a key derived from the iron password; unsealData also opens iron's own `Fe26.2` seals.
import { TokenExpiredError, TokenInvalidError } from '../core/errors.js';
import { open, seal } from '../core/token.js';
import { keyringOf } from './keys.js';
import { isIronSeal, openIron } from './legacy.js';
import {
  checkPasswords,
  checkTtl,
  MAX_TTL,
  type Password,
  TIMESTAMP_SKEW,
  type UnsealErrorReason,
} from './options.js';

/**
 * The context `sealData` binds its tokens to. A token from `sealData` also opens as a session
 * cookie of any name (as in iron-session); a cookie written by `save()` is bound to its cookie name.
 *
 * @example
 * ```ts
 * SEAL_DATA_CONTEXT; // 'iron-session/seal'
 * ```
 */
export const SEAL_DATA_CONTEXT = 'iron-session/seal';

/** @internal seconds a seal made now stays valid: iron's ttl plus its 60 s clock skew. */
export function sealLifetime(ttl: number): number {
  return ttl >= MAX_TTL ? MAX_TTL : ttl + TIMESTAMP_SKEW;
}

/** @internal maps a core open failure to iron's reasons. */
export function reasonOf(err: unknown): UnsealErrorReason {
  if (err instanceof TokenExpiredError) return 'expired';
  if (err instanceof TokenInvalidError && err.reason === 'unknown-key') return 'unknown-password';
  return 'invalid';
}

/**
 * Seals any JSON value with the iron password(s) (the highest id's), valid for `ttl` seconds
 * (default 14 days; 0 = the maximum) plus iron's 60 s skew. The token is URL-safe.
 *
 * @example
 * ```ts
 * import { sealData } from 'sealed-session/iron';
 * const token = await sealData({ userId: 42 }, { password: process.env.SESSION_PASSWORD!, ttl: 15 * 60 });
 * const link = `https://example.com/magic?seal=${token}`;
 * ```
 */
export async function sealData(
  data: unknown,
  options: { password: Password; ttl?: number },
): Promise<string> {
  const passwords = checkPasswords(options?.password);
  const ttl = checkTtl(options.ttl);
  const ring = await keyringOf(passwords);
  const value = data !== null && typeof data === 'object' && !Array.isArray(data) ? { ...data } : data;
  return seal(value, ring, { context: SEAL_DATA_CONTEXT, maxAge: sealLifetime(ttl) });
}

/**
 * Opens a token from {@link sealData} — or an iron-session `Fe26.2` seal made with the same
 * password(s). A forged, tampered, expired or foreign token gives `{}` (and a call to
 * `onUnsealError` with the reason); it never throws for a bad token.
 *
 * @example
 * ```ts
 * import { unsealData } from 'sealed-session/iron';
 * const { userId } = await unsealData<{ userId?: number }>(token, { password: process.env.SESSION_PASSWORD! });
 * ```
 */
export async function unsealData<T = Record<string, unknown>>(
  token: string,
  options: {
    password: Password;
    ttl?: number;
    onUnsealError?: (reason: UnsealErrorReason, error: unknown) => void;
  },
): Promise<T> {
  const passwords = checkPasswords(options?.password);
  const ttl = checkTtl(options.ttl);
  const report = options.onUnsealError;
  if (typeof token !== 'string' || token === '') {
    report?.('invalid', new TokenInvalidError('malformed'));
    return {} as T;
  }
  if (isIronSeal(token)) {
    const r = await openIron(token, { passwords, ttl });
    if (r.ok) return r.data as T;
    report?.(r.reason, r.error);
    return {} as T;
  }
  const ring = await keyringOf(passwords);
  try {
    return open<T>(token, ring, { context: SEAL_DATA_CONTEXT }).value ?? ({} as T);
  } catch (err) {
    report?.(reasonOf(err), err);
    return {} as T;
  }
}
