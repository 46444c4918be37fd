// Options shared by the Redis stores, validated once at construction ("expected X, got Y").
import { expectedType } from '../core/errors.js';
import type { RedisClientLike } from './client.js';
import type { RedisLog } from './outage.js';

/**
 * Options common to {@link RedisRevocationStore} and {@link RedisReplayCache}.
 *
 * @example
 * ```ts
 * const common: RedisStoreOptions = { client, prefix: 'myapp:', commandTimeout: 200, onUnavailable: 'deny' };
 * ```
 */
export interface RedisStoreOptions {
  /** A connected node-redis (4–6) or ioredis client. Yours: we never open or close connections. */
  client: RedisClientLike;
  /** Namespace of every key and channel. Default `'sealed-session:'`. */
  prefix?: string;
  /** Longest wait for one Redis command, in ms (1–60000). Default 500. */
  commandTimeout?: number;
  /**
   * What a check does when Redis cannot answer in time: `'deny'` (default: the session is treated
   * as absent, the signed request refused) or `'allow'` (accept without the shared check).
   */
  onUnavailable?: 'deny' | 'allow';
  /** Where outages, recoveries and data losses are reported (once each). Default `console.warn`. */
  log?: RedisLog;
}

/** The validated common options. */
export interface Common {
  prefix: string;
  deny: boolean;
  log: RedisLog | undefined;
}

/** Validates the options common to both stores. */
export function common(options: RedisStoreOptions, what: string, known: readonly string[]): Common {
  if (options === null || typeof options !== 'object') throw expectedType(what, 'an options object', options);
  const names = ['client', 'prefix', 'commandTimeout', 'onUnavailable', 'log', ...known];
  for (const name of Object.keys(options))
    if (!names.includes(name))
      throw new TypeError(`${what}.${name}: expected one of ${names.join(', ')}, got an unknown option`);
  const prefix = options.prefix ?? 'sealed-session:';
  if (typeof prefix !== 'string' || prefix.length > 200)
    throw expectedType(`${what}.prefix`, 'a string of at most 200 characters', prefix);
  const mode = options.onUnavailable ?? 'deny';
  if (mode !== 'deny' && mode !== 'allow')
    throw expectedType(`${what}.onUnavailable`, "'deny' or 'allow'", mode);
  if (options.log !== undefined && typeof options.log !== 'function')
    throw expectedType(`${what}.log`, 'a function', options.log);
  return { prefix, deny: mode === 'deny', log: options.log };
}
