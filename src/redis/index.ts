/**
 * `sealed-session/redis`: revocation ("log out everywhere") and replay caches shared by many server
 * instances through Redis. Bring your own connected node-redis or ioredis client.
 *
 * @module
 */

export type { RevocationCheck, RevocationStore } from '../session/revocation.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './client.js';
export { RedisUnavailableError } from './errors.js';
export type { RedisStoreOptions } from './options.js';
export type { RedisEventCode, RedisLog } from './outage.js';
export { RedisReplayCache, type RedisReplayCacheOptions } from './replay.js';
export { RedisRevocationStore, type RedisRevocationStoreOptions } from './revocation.js';
