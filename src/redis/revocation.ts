// Revocation shared by every instance through Redis, without a round trip per request: each
// instance keeps a bounded local view (ids and per-subject not-before times) fed by pub/sub, and
// answers from it only while it can prove the view is fresh. Proof: every `maxStaleness / 4` the
// instance publishes a heartbeat on the same channel; Redis delivers a channel's messages to a
// subscriber in execution order, so receiving our heartbeat sent at t means every revocation that
// completed before t has been applied. The view is trusted until t + maxStaleness; past that, or
// after a reconnect, a gap, an overflow or a data loss, checks ask Redis (one MGET) until a resync
// is done. A check never answers "not revoked" from a view it cannot trust.
import { expectedRange, expectedType } from '../core/errors.js';
import { toBase64Url } from '../internal/base64.js';
import { ExpiringMap } from '../internal/expiring-map.js';
import { randomBytes } from '../internal/random.js';
import type { RevocationCheck, RevocationStore } from '../session/revocation.js';
import { bounded, checkTimeout, Link, type RedisClientLike, subscribe } from './client.js';
import { Epoch } from './epoch.js';
import { RedisUnavailableError } from './errors.js';
import { type Common, common, type RedisStoreOptions } from './options.js';
import { Outage } from './outage.js';

/**
 * Options of {@link RedisRevocationStore}.
 *
 * @example
 * ```ts
 * const options: RedisRevocationStoreOptions = { client, subscriber, prefix: 'myapp:', maxStaleness: 500 };
 * ```
 */
export interface RedisRevocationStoreOptions extends RedisStoreOptions {
  /**
   * A second connected client for pub/sub (a subscribed connection cannot send other commands),
   * e.g. `await client.duplicate().connect()`. Without it every check asks Redis (one round trip).
   */
  subscriber?: RedisClientLike;
  /**
   * Longest time, in ms, between a revocation completing on one instance and every other instance
   * refusing the session (50–60000). Default 1000. Heartbeats are published every quarter of it.
   */
  maxStaleness?: number;
  /** Most revoked ids, and most revoked subjects, held in the local view (each). Default 100000. */
  maxEntries?: number;
  /**
   * Longest session lifetime in seconds (your `absoluteExpiry`): how long `revokeAll` is kept when
   * no `until` is given, and the watermark after a data loss. Default 14 days.
   */
  maxSessionAge?: number;
}

/** The one script that writes a revocation: raise the stored value and expiry, then publish. */
const RAISE = `local v = tonumber(ARGV[1])
local u = tonumber(ARGV[2])
local cur = redis.call('GET', KEYS[1])
if cur then
  local cv, cu = string.match(cur, '^(%d+) (%d+)$')
  if cv then
    cv = tonumber(cv)
    cu = tonumber(cu)
    if cv > v then v = cv end
    if cu > u then u = cu end
  end
end
local val = string.format('%d %d', v, u)
redis.call('SET', KEYS[1], val, 'PXAT', string.format('%d', u))
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. val .. ' ' .. ARGV[5])
return val`;

type Kind = 'r' | 's' | 'a';

const MAX_NAME = 512;
const mono = (): number => performance.now();

/** `*?[]\` are glob characters for SCAN MATCH. */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

function checkName(what: string, v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.length > MAX_NAME)
    throw expectedType(what, `a non-empty string of at most ${MAX_NAME} characters`, v);
  return v;
}

function checkTime(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw expectedRange(what, 'a time in ms since the epoch', v);
  return Math.ceil(v);
}

/** "v until" as stored; undefined for anything else. */
function parseValue(v: unknown): { v: number; until: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const sp = v.indexOf(' ');
  const a = Number(v.slice(0, sp));
  const b = Number(v.slice(sp + 1));
  if (sp < 1 || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
  return { v: a, until: b };
}

/**
 * Revocation shared by every server instance through Redis: `revoke(id)` ends one session,
 * `revokeAll(subject)` every session of that subject issued before now (a per-subject not-before
 * time compared with the sealed issue time; no session list), each kept in Redis with a TTL until
 * the sessions would have expired anyway. Values are ids and times only.
 *
 * Reads cost no round trip while the pub/sub-fed local view is provably fresh (see
 * `maxStaleness`); otherwise a check asks Redis, and when Redis cannot answer applies
 * `onUnavailable` (default `'deny'`: no session). A revocation written on one instance is refused
 * on every other within `maxStaleness` (default 1 s).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisRevocationStore } from 'sealed-session/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const subscriber = await client.duplicate().connect();
 * const revocation = new RedisRevocationStore({ client, subscriber, prefix: 'myapp:' });
 * await app.register(sealedSession, { key, revocation, subject: 'userId' });
 * await revocation.revokeAll('42'); // every session of user 42, on every instance
 * ```
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #link: Link;
  readonly #subscriberLink: Link | undefined;
  readonly #subscriber: RedisClientLike | undefined;
  readonly #o: Common;
  readonly #channel: string;
  readonly #staleness: number;
  readonly #maxAge: number;
  readonly #outage: Outage;
  readonly #epoch: Epoch;
  /** The local view: revoked ids, and per-subject not-before times (two maps: no key building per check). */
  readonly #ids: ExpiringMap<number>;
  readonly #subjects: ExpiringMap<number>;
  #all = { v: 0, until: 0 };
  /** No entry was evicted from the view since the last complete sync. */
  #complete = true;
  #synced = false;
  #syncing = false;
  #syncStart = 0;
  #freshUntil = 0;
  #lastResync = 0;
  /** Counts subscription losses, so a sync that straddled one does not claim a complete view. */
  #losses = 0;
  readonly #instance = toBase64Url(randomBytes(12));
  #seq = 0;
  readonly #sent = new Map<number, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #subscribing = false;
  /** Revocations this instance made that Redis has not confirmed yet; retried on each heartbeat. */
  readonly #pending = new Map<string, { kind: Kind; name: string; v: number; until: number }>();
  #closed = false;
  #epochCheck: Promise<void> | undefined;
  /** The time of the check in progress (ms), so that its view lookups share one clock read. */
  #pinned: number | undefined;
  readonly #timeout: number;

  constructor(options: RedisRevocationStoreOptions) {
    const what = 'RedisRevocationStore options';
    this.#o = common(options, what, ['subscriber', 'maxStaleness', 'maxEntries', 'maxSessionAge']);
    const timeout = checkTimeout(`${what}.commandTimeout`, options.commandTimeout, 500);
    this.#timeout = timeout;
    const staleness = options.maxStaleness ?? 1000;
    if (!Number.isInteger(staleness) || staleness < 50 || staleness > 60_000)
      throw expectedRange(`${what}.maxStaleness`, 'an integer number of ms from 50 to 60000', staleness);
    this.#staleness = staleness;
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw expectedRange(`${what}.maxEntries`, 'a positive integer', maxEntries);
    const maxAge = options.maxSessionAge ?? 14 * 86_400;
    if (!Number.isInteger(maxAge) || maxAge < 1 || maxAge > 4_294_967_295)
      throw expectedRange(`${what}.maxSessionAge`, 'a whole number of seconds from 1 to 2^32-1', maxAge);
    this.#maxAge = maxAge * 1000;
    this.#outage = new Outage('RedisRevocationStore', this.#o.log);
    this.#link = new Link(options.client, `${what}.client`, timeout);
    this.#epoch = new Epoch(this.#link, this.#o.prefix);
    this.#channel = `${this.#o.prefix}revocations`;
    const view = () =>
      new ExpiringMap<number>({
        maxEntries,
        full: 'evict-oldest',
        onEvict: () => this.#overflow(),
        // One clock read per check: isRevoked pins it for its lookups.
        now: () => this.#pinned ?? Date.now(),
      });
    this.#ids = view();
    this.#subjects = view();
    if (options.subscriber !== undefined) {
      if (options.subscriber === options.client)
        throw expectedType(
          `${what}.subscriber`,
          'a second client (e.g. client.duplicate())',
          'the same client',
        );
      this.#subscriber = options.subscriber;
      this.#subscriberLink = new Link(options.subscriber, `${what}.subscriber`, timeout, () => this.#lost());
      const every = Math.max(10, Math.floor(staleness / 4));
      this.#timer = setInterval(() => this.#tick(), every);
      (this.#timer as { unref?: () => void }).unref?.();
      this.#tick();
    }
  }

  /** Longest session lifetime this store remembers `revokeAll` for, in seconds (`maxSessionAge`). */
  get lifetime(): number {
    return this.#maxAge / 1000;
  }

  /**
   * `'local'` while checks are answered from the fresh local view (no round trip), `'remote'`
   * while they ask Redis (no subscriber, starting, reconnecting, resyncing, view overflowed).
   */
  get mode(): 'local' | 'remote' {
    return this.#trusted() && this.#complete ? 'local' : 'remote';
  }

  /** Marks session `id` revoked until `until` (ms since epoch, its sealed expiry), on every instance. */
  async revoke(id: string, until: number): Promise<void> {
    checkName('revoke(id)', id);
    const u = checkTime('revoke(until)', until);
    if (u <= Date.now()) return;
    await this.#record('r', id, u, u);
  }

  /**
   * Ends every session of `subject` issued before now, on every instance: a not-before time kept
   * until `until` (default now + `maxSessionAge`). A session issued in the same millisecond is
   * ended too (as `MemoryRevocationStore`); one issued a millisecond later stays valid.
   */
  async revokeAll(subject: string, until?: number): Promise<void> {
    checkName('revokeAll(subject)', subject);
    const now = Date.now();
    const u = until === undefined ? now + this.#maxAge : checkTime('revokeAll(until)', until);
    if (u <= now) return;
    await this.#record('s', subject, now, u);
  }

  /** True when the session must be treated as absent. Never throws. */
  isRevoked(check: RevocationCheck): boolean | Promise<boolean> {
    const c = check;
    if (c === null || typeof c !== 'object' || typeof c.id !== 'string') return true;
    // Positive facts are final (nothing is ever un-revoked): answer them locally in every mode.
    this.#pinned = Date.now();
    try {
      if (this.#local(c, this.#pinned)) return true;
      if (this.#complete && this.#trusted()) return false;
    } finally {
      this.#pinned = undefined;
    }
    return this.#remote(c);
  }

  /** Stops the heartbeats and the subscription. The clients stay open: they are yours. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#link.detach();
    this.#subscriberLink?.detach();
    const unsub = this.#unsubscribe;
    this.#unsubscribe = undefined;
    // Bounded: a subscriber that went silent would never answer UNSUBSCRIBE.
    if (unsub) await bounded(unsub, this.#timeout, 'UNSUBSCRIBE').catch(() => {});
  }

  #trusted(): boolean {
    return this.#synced && mono() < this.#freshUntil;
  }

  #local(c: RevocationCheck, now: number): boolean {
    if (this.#ids.has(c.id)) return true;
    const t = c.issuedAt;
    if (typeof t !== 'number' || Number.isNaN(t)) return false;
    if (t <= this.#all.v && now < this.#all.until) return true;
    if (typeof c.subject === 'string') {
      const nbf = this.#subjects.get(c.subject);
      if (nbf !== undefined && t <= nbf) return true;
    }
    return false;
  }

  async #remote(c: RevocationCheck): Promise<boolean> {
    const p = this.#o.prefix;
    // The marker rides along: an answer from a Redis that restarted empty (or was flushed) since
    // our last look must not read as "not revoked".
    const keys = [`${p}r:${c.id}`, `${p}all`, this.#epoch.key];
    const withSubject = typeof c.subject === 'string' && typeof c.issuedAt === 'number';
    if (withSubject) keys.push(`${p}s:${c.subject}`);
    let values: unknown;
    try {
      values = await this.#link.send(['MGET', ...keys]);
      if (!Array.isArray(values) || values.length !== keys.length)
        throw new RedisUnavailableError('unexpected MGET reply');
      if (!this.#epoch.knows(values[2])) {
        await this.#checkEpoch();
        if (this.#local(c, Date.now())) return true;
      }
    } catch (e) {
      this.#outage.fail(e, this.#o.deny ? 'sessions refused' : 'revocations not checked');
      return this.#o.deny;
    }
    this.#outage.ok();
    if (values[0] !== null) return true;
    const t = c.issuedAt;
    const all = parseValue(values[1]);
    if (all && t <= all.v) return true;
    const s = withSubject ? parseValue(values[3]) : undefined;
    return s !== undefined && t <= s.v;
  }

  async #record(kind: Kind, name: string, v: number, until: number): Promise<void> {
    this.#apply(kind, name, v, until);
    try {
      await this.#write(kind, name, v, until);
    } catch (e) {
      if (this.#closed) throw e;
      const key = `${kind}:${name}`;
      const prev = this.#pending.get(key);
      if (this.#pending.size < 10_000 || prev)
        this.#pending.set(key, {
          kind,
          name,
          v: Math.max(v, prev?.v ?? 0),
          until: Math.max(until, prev?.until ?? 0),
        });
      throw e;
    }
  }

  async #write(kind: Kind, name: string, v: number, until: number): Promise<void> {
    const key = kind === 'a' ? `${this.#o.prefix}all` : `${this.#o.prefix}${kind}:${name}`;
    try {
      await this.#link.send(['EVAL', RAISE, '1', key, String(v), String(until), this.#channel, kind, name]);
    } catch (e) {
      this.#outage.fail(e, this.#o.deny ? 'sessions refused' : 'revocations not checked');
      throw e;
    }
    this.#outage.ok();
  }

  #apply(kind: Kind, name: string, v: number, until: number): void {
    if (until <= Date.now()) return;
    if (kind === 'a') {
      if (v > this.#all.v) this.#all.v = v;
      if (until > this.#all.until) this.#all.until = until;
      return;
    }
    const map = kind === 'r' ? this.#ids : this.#subjects;
    const cur = map.get(name);
    map.set(name, cur !== undefined && cur > v ? cur : v, until);
  }

  #overflow(): void {
    if (!this.#complete) return;
    this.#complete = false;
    this.#outage.note('view-overflow', 'local view full: checks that miss it ask Redis until a resync fits');
  }

  #lost(): void {
    this.#losses++;
    this.#synced = false;
    this.#freshUntil = 0;
  }

  #onMessage(message: string): void {
    const kind = message[0];
    const a = message.indexOf(' ');
    const b = message.indexOf(' ', a + 1);
    if (kind === 'h') {
      if (message.slice(a + 1, b) !== this.#instance) return;
      const seq = Number(message.slice(b + 1));
      const sentAt = this.#sent.get(seq);
      if (sentAt === undefined) return;
      for (const s of this.#sent.keys()) {
        if (s > seq) break;
        this.#sent.delete(s);
      }
      this.#heard(sentAt);
      return;
    }
    if (kind !== 'r' && kind !== 's' && kind !== 'a') return;
    const c = message.indexOf(' ', b + 1);
    const parsed = parseValue(message.slice(a + 1, c < 0 ? undefined : c));
    if (!parsed || c < 0) return;
    this.#apply(kind, message.slice(c + 1), parsed.v, parsed.until);
  }

  /** Our heartbeat sent at `sentAt` (monotonic ms) came back through the subscription. */
  #heard(sentAt: number): void {
    if (!this.#synced) {
      this.#startSync();
      return;
    }
    if (sentAt < this.#syncStart) return;
    if (this.#freshUntil !== 0 && mono() >= this.#freshUntil) {
      // A gap: the subscription lagged past the bound. Resync before trusting the view again.
      this.#lost();
      this.#startSync();
      return;
    }
    this.#freshUntil = sentAt + this.#staleness;
    if (!this.#complete && mono() - this.#lastResync > 30_000) {
      this.#synced = false;
      this.#freshUntil = 0;
      this.#startSync();
    }
  }

  #startSync(): void {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    this.#sync().then(
      () => {
        this.#syncing = false;
      },
      (e: unknown) => {
        this.#syncing = false;
        this.#outage.fail(e, this.#o.deny ? 'sessions refused' : 'revocations not checked');
      },
    );
  }

  /** Loads every revocation from Redis into the view (the subscription is already live). */
  async #sync(): Promise<void> {
    const start = mono();
    const losses = this.#losses;
    this.#lastResync = start;
    await this.#checkEpoch();
    await this.#flush();
    this.#complete = true;
    const p = this.#o.prefix;
    const pattern = `${globEscape(p)}[rs]:*`;
    let cursor = '0';
    let first = true;
    do {
      const reply = await this.#link.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000']);
      if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1]))
        throw new RedisUnavailableError('unexpected SCAN reply');
      cursor = reply[0];
      const keys = (reply[1] as unknown[]).filter((k): k is string => typeof k === 'string');
      if (first) keys.push(`${p}all`);
      first = false;
      if (keys.length === 0) continue;
      const values = await this.#link.send(['MGET', ...keys]);
      if (!Array.isArray(values)) throw new RedisUnavailableError('unexpected MGET reply');
      for (let i = 0; i < keys.length; i++) {
        const parsed = parseValue(values[i]);
        if (!parsed) continue;
        const rest = keys[i]!.slice(p.length);
        if (rest === 'all') this.#apply('a', '', parsed.v, parsed.until);
        else this.#apply(rest[0] as Kind, rest.slice(2), parsed.v, parsed.until);
      }
    } while (cursor !== '0');
    if (losses !== this.#losses) return; // the subscription dropped meanwhile: the next heartbeat retries
    this.#syncStart = start;
    this.#freshUntil = 0;
    this.#synced = true;
    this.#outage.ok();
  }

  /**
   * Checks the data-loss marker (one in flight at a time). After a loss, every session issued
   * before it ends: here first (a local fact, answered in every mode), then in Redis for the
   * other instances; the marker is adopted only once Redis holds the watermark.
   */
  #checkEpoch(): Promise<void> {
    this.#epochCheck ??= this.#epoch
      .check(async (at) => {
        this.#outage.note(
          'data-loss',
          'Redis lost its data (restart without persistence?): every session issued before it is ended',
        );
        this.#apply('a', '', at, at + this.#maxAge);
        await this.#write('a', '', at, at + this.#maxAge);
      })
      .finally(() => {
        this.#epochCheck = undefined;
      });
    return this.#epochCheck;
  }

  /** Retries the revocations Redis has not confirmed (written during an outage). */
  async #flush(): Promise<void> {
    for (const [key, w] of this.#pending) {
      await this.#write(w.kind, w.name, w.v, w.until);
      if (this.#pending.get(key) === w) this.#pending.delete(key);
    }
  }

  #tick(): void {
    if (this.#closed) return;
    if (this.#unsubscribe === undefined && !this.#subscribing) this.#trySubscribe();
    const seq = ++this.#seq;
    this.#sent.set(seq, mono());
    if (this.#sent.size > 64) this.#sent.delete(this.#sent.keys().next().value!);
    this.#link.send(['PUBLISH', this.#channel, `h ${this.#instance} ${seq}`]).then(
      () => this.#outage.ok(),
      (e: unknown) => this.#outage.fail(e, this.#o.deny ? 'sessions refused' : 'revocations not checked'),
    );
    if (this.#pending.size > 0 && !this.#syncing && this.#synced) this.#flush().catch(() => {});
  }

  #trySubscribe(): void {
    this.#subscribing = true;
    subscribe(this.#subscriber!, this.#channel, (m) => this.#onMessage(m)).then(
      (unsub) => {
        this.#subscribing = false;
        if (this.#closed) unsub().catch(() => {});
        else this.#unsubscribe = unsub;
      },
      (e: unknown) => {
        this.#subscribing = false;
        this.#outage.fail(e, this.#o.deny ? 'sessions refused' : 'revocations not checked');
      },
    );
  }
}
