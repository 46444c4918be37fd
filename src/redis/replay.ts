// Replay protection shared by every instance: a nonce is recorded with one atomic `SET NX PXAT`,
// exactly one round trip per signed request, and whoever records it first wins everywhere.
import { expectedRange } from '../core/errors.js';
import { checkTimeout, Link } from './client.js';
import { Epoch } from './epoch.js';
import { RedisUnavailableError } from './errors.js';
import { type Common, common, type RedisStoreOptions } from './options.js';
import { Outage } from './outage.js';

/**
 * Options of {@link RedisReplayCache}.
 *
 * @example
 * ```ts
 * const options: RedisReplayCacheOptions = { client, prefix: 'myapp:', maxSkew: 30 };
 * ```
 */
export interface RedisReplayCacheOptions extends RedisStoreOptions {
  /**
   * The signed servers' `maxSkew` in seconds (default 30, as theirs). After Redis lost its data,
   * requests whose signature could predate the loss (created up to `maxSkew` after it) are refused.
   */
  maxSkew?: number;
  /**
   * Most nonces one signing key may record per window of 2 × `maxSkew` + 1 s, so that one key's
   * flood cannot fill Redis for everyone (the key is refused, others are not). Off by default
   * (then `add` is one `SET`); when set, `add` is one `EVAL` doing `INCR` + `SET NX` (still one
   * round trip).
   */
  perKeyMax?: number;
}

/** Per-key quota and nonce in one round trip: count the key's window, then record the nonce. */
const QUOTA_SET = `local c = redis.call('INCR', KEYS[2])
if c == 1 then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
if c > tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1]) then return 1 end
return 0`;

/**
 * The {@link ReplayCache} of `sealed-session/signed/server`, shared by every instance through
 * Redis: `add()` is one `SET NX PXAT` (one round trip), so a request replayed to any instance is
 * refused. When Redis cannot answer in time, `onUnavailable` decides (default `'deny'`: the
 * request is refused). When Redis comes back empty (restart without persistence), the nonces it
 * forgot could be replayed: requests signed before the loss (plus `maxSkew`) are refused.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createExpressAuth } from 'sealed-session/signed/server';
 * import { RedisReplayCache } from 'sealed-session/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * app.use(createExpressAuth({ key, origin, replayCache: new RedisReplayCache({ client }) }));
 * ```
 */
export class RedisReplayCache {
  readonly #link: Link;
  readonly #o: Common;
  readonly #outage: Outage;
  readonly #epoch: Epoch;
  readonly #guardMs: number;
  /** Nonces expiring before this time (ms) are refused: they may have been seen before a data loss. */
  #guardUntil = 0;
  #verified = false;
  readonly #perKeyMax: number | undefined;
  #verifying: Promise<void> | undefined;

  constructor(options: RedisReplayCacheOptions) {
    const what = 'RedisReplayCache options';
    this.#o = common(options, what, ['maxSkew', 'perKeyMax']);
    const timeout = checkTimeout(`${what}.commandTimeout`, options.commandTimeout, 500);
    const skew = options.maxSkew ?? 30;
    if (typeof skew !== 'number' || !(skew > 0) || skew > 3600)
      throw expectedRange(`${what}.maxSkew`, 'a number of seconds in (0, 3600]', skew);
    this.#guardMs = (2 * skew + 1) * 1000;
    const perKey = options.perKeyMax;
    if (perKey !== undefined && (!Number.isSafeInteger(perKey) || perKey < 1))
      throw expectedRange(`${what}.perKeyMax`, 'a positive integer', perKey);
    this.#perKeyMax = perKey;
    this.#outage = new Outage('RedisReplayCache', this.#o.log);
    this.#link = new Link(options.client, `${what}.client`, timeout, () => {
      this.#verified = false;
    });
    this.#epoch = new Epoch(this.#link, this.#o.prefix);
  }

  /**
   * Records `nonce` until `expiresAt` (ms); true when it is new, false for a replay or a refusal
   * (Redis unavailable under `'deny'`, over `perKeyMax` for `keyId`, signed before a data loss).
   */
  async add(nonce: string, expiresAt: number, keyId?: string): Promise<boolean> {
    if (typeof nonce !== 'string' || nonce === '' || nonce.length > 1024) return false;
    if (keyId !== undefined && (typeof keyId !== 'string' || keyId.length > 1024)) return false;
    if (typeof expiresAt !== 'number' || !Number.isSafeInteger(Math.ceil(expiresAt))) return false;
    if (expiresAt <= Date.now()) return false;
    try {
      if (!this.#verified) await this.#verify();
      if (expiresAt < this.#guardUntil) return false;
      const generation = this.#link.generation;
      const key = `${this.#o.prefix}n:${nonce}`;
      const at = String(Math.ceil(expiresAt));
      let reply: unknown;
      if (this.#perKeyMax === undefined) reply = await this.#link.send(['SET', key, '1', 'NX', 'PXAT', at]);
      else {
        const window = Math.floor(Date.now() / this.#guardMs);
        const quota = `${this.#o.prefix}q:${window}:${keyId ?? ''}`;
        const end = String((window + 1) * this.#guardMs);
        const r = await this.#link.send([
          'EVAL',
          QUOTA_SET,
          '2',
          key,
          quota,
          at,
          String(this.#perKeyMax),
          end,
        ]);
        reply = r === 1 ? 'OK' : null;
      }
      // The client reconnected while the command was queued: the answer may come from a server
      // that restarted empty. Check the marker before trusting "new" again.
      if (generation !== this.#link.generation) {
        this.#verified = false;
        if (reply === 'OK') throw new RedisUnavailableError('connection changed while recording a nonce');
      }
      this.#outage.ok();
      return reply === 'OK';
    } catch (e) {
      this.#verified = false;
      this.#outage.fail(e, this.#o.deny ? 'signed requests refused' : 'replays not checked');
      return !this.#o.deny;
    }
  }

  /** Stops listening to the client's events. The client stays open: it is yours. */
  close(): void {
    this.#link.detach();
  }

  #verify(): Promise<void> {
    this.#verifying ??= (async () => {
      try {
        const p = this.#o.prefix;
        await this.#epoch.check(async (lostAt) => {
          this.#outage.note('data-loss', 'Redis lost its data: requests signed before that are refused');
          const end = lostAt + this.#guardMs;
          if (end > this.#guardUntil) this.#guardUntil = end;
          await this.#link.send(['SET', `${p}replay-guard`, String(end), 'PXAT', String(end)]);
        });
        // A loss seen by another instance (this one may have started after it).
        const guard = Number(await this.#link.send(['GET', `${p}replay-guard`]));
        if (Number.isFinite(guard) && guard > this.#guardUntil) this.#guardUntil = guard;
        this.#verified = true;
      } finally {
        this.#verifying = undefined;
      }
    })();
    return this.#verifying;
  }
}
