// "Logged once per outage": the stores report the first failure of an outage and the first
// success after it, never one line per request.

/**
 * What the Redis stores report: `unavailable` (first failure of an outage), `recovered` (first
 * success after one), `data-loss` (Redis came back without our data: restart without persistence,
 * FLUSHALL, eviction), `view-overflow` (the local revocation view hit `maxEntries`; checks that
 * miss it ask Redis until a resync fits).
 *
 * @example
 * ```ts
 * const log: RedisLog = (message, { code }) => logger.warn({ code }, message);
 * ```
 */
export type RedisEventCode = 'unavailable' | 'recovered' | 'data-loss' | 'view-overflow';

/**
 * Where the Redis stores log. The detail holds a code and, for `unavailable`, the client's error
 * (connection errors and timeouts: never a key, a value or a session).
 *
 * @example
 * ```ts
 * new RedisRevocationStore({ client, log: (message, { code }) => logger.warn({ code }, message) });
 * ```
 */
export type RedisLog = (message: string, detail: { code: RedisEventCode; cause?: unknown }) => void;

const defaultLog: RedisLog = (message) => console.warn(`sealed-session: ${message}`);

/** Up/down state of one store's view of Redis; logs each transition once. */
export class Outage {
  #down = false;
  readonly #log: RedisLog;
  readonly #what: string;

  constructor(what: string, log: RedisLog | undefined) {
    this.#what = what;
    this.#log = log ?? defaultLog;
  }

  get down(): boolean {
    return this.#down;
  }

  fail(cause: unknown, mode: string): void {
    if (this.#down) return;
    this.#down = true;
    this.#log(`${this.#what}: Redis unavailable (${mode} while it lasts)`, { code: 'unavailable', cause });
  }

  ok(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#log(`${this.#what}: Redis available again`, { code: 'recovered' });
  }

  note(code: RedisEventCode, message: string): void {
    this.#log(`${this.#what}: ${message}`, { code });
  }
}
