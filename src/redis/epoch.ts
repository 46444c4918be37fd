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
  readonly #key: string;
  #known: string | undefined;

  constructor(link: Link, prefix: string) {
    this.#link = link;
    this.#key = `${prefix}epoch`;
  }

  /**
   * Reads the marker, creating it when missing (one round trip: `SET NX GET`, Redis 7+). Returns
   * the time from which Redis holds everything when it lost data since our last check, else
   * undefined (also on the first check: a store that knew nothing has lost nothing).
   */
  async check(): Promise<number | undefined> {
    const mine = `${Date.now()} ${toBase64Url(randomBytes(12))}`;
    const old = await this.#link.send(['SET', this.#key, mine, 'NX', 'GET']);
    const value = typeof old === 'string' ? old : mine;
    const known = this.#known;
    this.#known = value;
    if (known === undefined || known === value) return undefined;
    const at = Number(value.slice(0, value.indexOf(' ')));
    return Number.isSafeInteger(at) ? at : Date.now();
  }
}
