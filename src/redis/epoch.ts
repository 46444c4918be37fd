// Data-loss detection. Redis restarted without persistence (or flushed, or evicting) comes back
// empty, and an empty store means "never revoked, never seen": the one answer we must not give.
// A marker key, created once and never expiring, tells: if the value we knew is gone or replaced,
// everything written before the new marker's time may be lost, and the stores fail closed for it.
import { toBase64Url } from '../internal/base64.js';
import { randomBytes } from '../internal/random.js';
import type { Link } from './client.js';

/** The marker `<prefix>epoch` = "<ms since epoch> <random>", as seen by one store. */
export class Epoch {
  readonly #link: Link;
  /** The marker's key, so that a read can fetch it alongside other keys (`knows`). */
  readonly key: string;
  #known: string | undefined;

  constructor(link: Link, prefix: string) {
    this.#link = link;
    this.key = `${prefix}epoch`;
  }

  /**
   * Reads the marker, creating it when missing (one round trip: `SET NX GET`, Redis 7+). When it
   * changed since our last check, Redis lost data: `onLoss(at)` gets the time from which Redis
   * holds everything, and the new marker is adopted only once `onLoss` has succeeded, so a failed
   * fail-closed step is retried at the next check instead of being forgotten. A store that knew
   * nothing has lost nothing (first check).
   */
  async check(onLoss: (at: number) => Promise<void>): Promise<void> {
    const mine = `${Date.now()} ${toBase64Url(randomBytes(12))}`;
    const old = await this.#link.send(['SET', this.key, mine, 'NX', 'GET']);
    const value = typeof old === 'string' ? old : mine;
    const known = this.#known;
    if (known !== undefined && known !== value) {
      const at = Number(value.slice(0, value.indexOf(' ')));
      await onLoss(Number.isSafeInteger(at) ? at : Date.now());
    }
    this.#known = value;
  }

  /**
   * True when `value`, the marker as just read with other keys, is the one the last `check`
   * adopted: what was read with it is complete. False means run `check` before trusting the read.
   */
  knows(value: unknown): boolean {
    return typeof value === 'string' && value === this.#known;
  }
}
