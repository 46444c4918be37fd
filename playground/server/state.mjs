// In-memory state of the playground server: issued bearer tokens, enrolled signing keys, the
// event log the pages poll, and the attacker's "probes" (what one payload run achieved).
// Everything is bounded so a visitor (or a test) cannot grow it without limit. No credential is
// ever stored in the log or returned to a page: only descriptions of credentials.
import { randomBytes } from 'node:crypto';

const TOKEN_TTL_MS = 30 * 60_000;
const MAX_TOKENS = 2_000;
const MAX_EVENTS = 400;
const MAX_PROBES = 300;

/** Bearer tokens look like `ptk_` + 43 base64url characters (256 random bits). */
export const TOKEN_PATTERN = /ptk_[A-Za-z0-9_-]{43}/g;
export const PROBE_PATTERN = /^[a-z0-9]{6,40}$/;
export const USER_PATTERN = /^[\w.@-]{1,40}$/;

export class PlaygroundState {
  /** @type {Map<string, { user: string, strategy: string, expires: number }>} */
  tokens = new Map();
  /** @type {Map<string, { user: string, enrolled: number }>} keyed by the client's public key (hex) */
  signers = new Map();
  /** @type {Array<Record<string, unknown>>} */
  events = [];
  seq = 0;
  /** @type {Map<string, { loot: object[], uses: object[], autoSent: object[], created: number }>} */
  probes = new Map();

  /** @param {string} user @param {string} strategy */
  issueToken(user, strategy) {
    if (this.tokens.size >= MAX_TOKENS) this.#sweepTokens(true);
    const token = `ptk_${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, { user, strategy, expires: Date.now() + TOKEN_TTL_MS });
    return token;
  }

  /** @param {string} token */
  lookupToken(token) {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    if (t.expires < Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return t;
  }

  /** @param {string} token */
  revokeToken(token) {
    return this.tokens.delete(token);
  }

  #sweepTokens(force = false) {
    const now = Date.now();
    for (const [k, v] of this.tokens) if (v.expires < now) this.tokens.delete(k);
    if (force && this.tokens.size >= MAX_TOKENS) {
      // Oldest first (Map keeps insertion order).
      const drop = this.tokens.size - MAX_TOKENS + 1;
      let i = 0;
      for (const k of this.tokens.keys()) {
        if (i++ >= drop) break;
        this.tokens.delete(k);
      }
    }
  }

  /** @param {Record<string, unknown>} event */
  log(event) {
    this.seq += 1;
    const e = { seq: this.seq, time: new Date().toISOString(), ...event };
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    return e;
  }

  /** @param {number} since @param {string | undefined} strategy */
  eventsSince(since, strategy) {
    return this.events.filter((e) => e.seq > since && (!strategy || e.strategy === strategy)).slice(-100);
  }

  /** @param {string} id */
  probe(id) {
    let p = this.probes.get(id);
    if (!p) {
      if (this.probes.size >= MAX_PROBES) {
        const first = this.probes.keys().next().value;
        if (first !== undefined) this.probes.delete(first);
      }
      p = { loot: [], uses: [], autoSent: [], created: Date.now() };
      this.probes.set(id, p);
    }
    return p;
  }
}
