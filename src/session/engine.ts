// One implementation of session semantics shared by every adapter: options validated once, a lazy
// per-request path (no crypto for a request that never touches its session), chunked cookies, and
// hostile input turned into an empty session plus a debug line that never contains the cookie.
//
// One code path opens a session (THREATS 42): #open() reads the raw cookie, opens the token (context
// and sealed expiry), then asks the revocation store (id, subject, watermark). load() (lazy),
// prepare() (eager, async stores) and decode() (Fastify's decodeSecureSession) all go through it.
import { stringifySetCookie } from 'cookie';
import { backend, NONCE_BYTES, TAG_BYTES } from '../core/backend.js';
import { CookieTooLargeError, expectedRange, expectedType } from '../core/errors.js';
import { createKeyring, Keyring } from '../core/keyring.js';
import type { KeyInput } from '../core/keys.js';
import { checkLifetime, sealJson, type TokenTimes, tryOpenText } from '../core/token.js';
import { toBase64Url, utf8 } from '../internal/base64.js';
import {
  type CookieOptions,
  checkCookieName,
  type ResolvedCookieOptions,
  resolveCookieOptions,
} from './cookie-options.js';
import type { RevocationCheck, RevocationStore } from './revocation.js';
import {
  dataOf,
  NESTED,
  Session,
  type SessionData,
  type SessionHost,
  type SessionState,
  stateOf,
  type Unparsed,
} from './session.js';

/**
 * Browsers keep at least 4096 bytes per cookie (name, value and attributes; RFC 6265 §6.1).
 *
 * @example
 * ```ts
 * const chunks = Math.ceil(sealedLength / COOKIE_BYTES); // a lower bound on the cookies needed
 * ```
 */
export const COOKIE_BYTES = 4096;
/**
 * Default budget of one session in a request's `Cookie` header, in bytes (`name=value` of every
 * chunk and the `; ` between them). curl, nginx and Apache refuse a request header over 8 KB by
 * default (curl drops cookies to stay under 8190 bytes, the longest names first: the main cookie
 * goes, the user is logged out); 6144 leaves about 2 KB for the site's other cookies. docs/format.md.
 */
const COOKIE_BUDGET = 6144;
/** The most chunks a session may ever span (`maxCookies` range). */
const MAX_CHUNKS = 20;
const NO_NAMES: readonly string[] = Object.freeze([]);
/** Warnings already printed (one per distinct configuration and process). */
const warned = new Set<string>();
/** Prints a configuration warning once per process, as the Redis store's default log does. */
function warnOnce(message: string): void {
  if (warned.has(message) || warned.size >= 100) return;
  warned.add(message);
  console.warn(message);
}
const DEFAULT_IDLE = 86_400;
const DEFAULT_ABSOLUTE = 14 * 86_400;

/**
 * Where a debug line goes. Receives a reason code, never the cookie.
 *
 * @example
 * ```ts
 * sealedSession({ key, debug: (msg, { reason }) => logger.debug({ reason }, msg) });
 * ```
 */
export type DebugLog = (
  message: string,
  detail: { session: string; reason: string; cause?: unknown },
) => void;

/**
 * Options shared by every adapter (Fastify, Express, Web).
 *
 * @example
 * ```ts
 * const options: SessionOptions = { key: [newKey, oldKey], expiry: 3600, absoluteExpiry: 86_400 };
 * ```
 */
export interface SessionOptions {
  /** One key or an ordered list (newest first) as bytes, hex or base64; or a ready {@link Keyring}. */
  key?: KeyInput | readonly KeyInput[] | Keyring;
  /** Name under which the session is exposed (`request.session`). Default `'session'`. */
  sessionName?: string;
  /** Cookie name. Default: the session name. */
  cookieName?: string;
  /** Cookie attributes; secure defaults (HttpOnly, Secure, SameSite=Lax, Path=/). */
  cookie?: CookieOptions;
  /** Idle timeout in seconds (as in `@fastify/secure-session`). Default 86400 (one day). */
  expiry?: number;
  /** Absolute lifetime of a session identity in seconds. Default 14 days. */
  absoluteExpiry?: number;
  /**
   * Re-seal sessions that were read but not changed once half of the idle window has passed, so
   * that active users stay logged in. Default true.
   */
  rolling?: boolean;
  /**
   * How many cookies one session may span (chunks of 4096 bytes). Default: as many as
   * `maxCookieBytes` needs (2 for the default budget).
   */
  maxCookies?: number;
  /**
   * The most bytes one session may add to a request's `Cookie` header (`name=value` of every chunk
   * and the `; ` between them); past it `set()` throws `CookieTooLargeError`. Default 6144, so that
   * the whole header, the site's other cookies included, stays under the 8 KB that curl, nginx and
   * Apache accept by default. A budget above 6144 is accepted with a warning at construction.
   * Without this option, an explicit `maxCookies` keeps its budget of `maxCookies × 4096` bytes
   * (and warns when that is above 6144).
   */
  maxCookieBytes?: number;
  /**
   * Remember destroyed sessions so a replayed logged-out cookie stays dead, and end every session of
   * a user at once (`revokeAll`, with {@link SessionOptions.subject}). Checked on every open; a store
   * that throws means "no session" (fail closed) and a debug line with the cause, never a 5xx.
   */
  revocation?: RevocationStore;
  /**
   * The session field that identifies the user (e.g. `'userId'`): its value, when a string or a
   * number, is passed to the revocation store as `subject`, so `revokeAll(subject)` ends that user's
   * sessions issued before the call.
   */
  subject?: string;
  /** Debug logging of refused cookies (reason codes only; `cause` when a store threw). */
  debug?: DebugLog;
  /**
   * How many opened tokens to remember, so that the same cookie coming back is not decrypted
   * again: a hit (the whole token equal, looked up by its nonce) skips base64 and the AEAD, and
   * still applies the sealed expiry and the revocation store; from a token's second hit on, reads
   * of its primitive fields skip the JSON parse too. Filled when a token is sealed or first opened,
   * never by a token that failed to open. About the token's length plus its JSON plus 300 bytes per
   * entry (≈ 1 kB for a 250-byte session). Default 10 000; `0` or `false` turns it off.
   */
  cache?: number | false;
}

/** @internal opener for a foreign format (the Fastify adapter's `@fastify/secure-session` reader). */
export type LegacyOpener = (
  value: string,
  now: number,
) => { data: Record<string, unknown>; createdAt: number } | undefined;

/**
 * A cookie source: a `Cookie` header, or a lookup by name (Next.js `cookies()`, Fastify `request.cookies`).
 *
 * @example
 * ```ts
 * engine.load(req.headers.cookie);
 * engine.load((name) => cookieStore.get(name)?.value);
 * ```
 */
export type CookieSource = string | undefined | null | ((name: string) => string | undefined);

/** What a session cookie seals (docs/format.md). */
interface Payload {
  /** Session id. */
  i: string;
  /** Creation time in ms (the token's own createdAt has whole seconds only); optional for older tokens. */
  c?: number;
  d: Record<string, unknown>;
}

/** An opened token remembered by the engine's cache: what tryOpenText gave (times in ms, 0 = none). */
interface Cached {
  /** The whole token (detached from the Cookie header): the map key is only its nonce ({@link cacheKey}). */
  token: string;
  text: string;
  createdAt: number;
  idleExpiresAt: number;
  expiresAt: number;
  rotated: boolean;
  ring: Keyring;
  /** Hits that parsed the text; the second one keeps {@link Cached.unparsed} for the hits after it. */
  hits: number;
  /** The payload's id, creation time and primitive fields, kept once the token is read again. */
  unparsed: (Unparsed & { readonly id: string; readonly c: number | undefined }) | undefined;
}

/** Base64url characters 8–39 of a token: 24 bytes of its 24-byte random nonce region (bytes 6–29). */
const KEY_FROM = 8;
const KEY_TO = 40;

/**
 * The cache key of a token: 32 characters of its random nonce, unique per seal, so that a lookup
 * hashes 32 characters instead of the whole token (hashing a fresh 430-character cookie value cost
 * more than the JSON it saves). A hit is taken only when the whole token is equal too; a token that
 * merely shares the slice (a forgery reusing a nonce) misses and is opened, and refused, as any.
 */
const cacheKey = (token: string): string | undefined =>
  token.length > KEY_TO ? token.slice(KEY_FROM, KEY_TO) : undefined;

const DEFAULT_CACHE = 10_000;
const MAX_CACHE = 10_000_000;
/** A whole-second time as the token holds it (the cache must not outlive what an open would accept). */
const wholeSeconds = (ms: number | undefined): number =>
  ms === undefined ? 0 : Math.floor(ms / 1000) * 1000;

/**
 * A copy of `s` that does not keep a larger string alive: a cookie value is a slice of the whole
 * Cookie header, and a cache key made of it would retain the header.
 */
const detached = (s: string): string => ` ${s}`.slice(1);

/** A token that opened, before the revocation verdict: its data, or a cached token's unparsed payload. */
interface Candidate {
  data: Record<string, unknown> | undefined;
  unparsed: Unparsed | undefined;
  /** The opened text's length when re-sealing yields the same `i` and `c` (else -1). */
  jsonBound: number;
  id: string;
  createdAt: number;
  expiresAt: number | undefined;
  idleExpiresAt: number | undefined;
  reissue: boolean;
}

type LoadState = SessionState & {
  source?: CookieSource;
  present?: readonly string[];
  /** Chunk cookies of the request that no token uses (orphans, leftovers): cleared at commit. */
  stray?: readonly string[];
};

const OPTION_NAMES = [
  'sessionName',
  'cookieName',
  'cookie',
  'expiry',
  'absoluteExpiry',
  'rolling',
  'maxCookies',
  'maxCookieBytes',
  'revocation',
  'subject',
  'debug',
  'cache',
] as const;

/** A misspelt option (`cookiename`) would otherwise silently fall back to its default. */
function checkOptionNames(options: object, what: string, extra: readonly string[]): void {
  const known = ['key', ...extra, ...OPTION_NAMES];
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new TypeError(`${what}.${name}: expected one of ${known.join(', ')}, got an unknown option`);
    }
  }
}

const seconds = (what: string, v: unknown, dflt: number): number => checkLifetime(what, v) ?? dflt;

/**
 * The raw value of cookie `name` in a Cookie header (its first occurrence), or undefined. No
 * percent-decoding, no quote stripping, no trimming: the value is exactly what the browser sent, so
 * a token has one accepted spelling (THREATS 49). Only this cookie is looked at.
 */
export function findCookie(header: string, name: string): string | undefined {
  const n = name.length;
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    if (header.charCodeAt(at + n) !== 61 /* = */) continue;
    let j = at - 1;
    while (j >= 0 && (header.charCodeAt(j) === 32 || header.charCodeAt(j) === 9)) j--;
    if (j >= 0 && header.charCodeAt(j) !== 59 /* ; */) continue;
    const end = header.indexOf(';', at + n + 1);
    return header.slice(at + n + 1, end === -1 ? header.length : end);
  }
  return undefined;
}

/** A lookup of cookie values by name: a Cookie header is searched, a function is used as it is. */
function lookupIn(
  source: string | ((name: string) => string | undefined),
): (name: string) => string | undefined {
  return typeof source === 'string' ? (name) => findCookie(source, name) : source;
}

/** Legacy (`@fastify/secure-session`) values are percent-encoded; ours never are. */
function percentDecoded(value: string): string | undefined {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

const noop = (): void => {};

/** The names two engines must not share: every name this engine may write, chunks included. */
function chunkNames(cookieName: string, maxCookies: number): string[] {
  const names = [cookieName];
  for (let i = 1; i < maxCookies; i++) names.push(`${cookieName}.${i}`);
  return names;
}

/**
 * Refuses engines of one app whose cookies could collide: two sessions named `a` and `a.1` would
 * both write `a.1` once `a` is chunked (THREATS 48). Adapters call it at registration with every
 * engine of the app.
 *
 * @example
 * ```ts
 * assertDistinctCookieNames([engineA, engineB], 'options');
 * // TypeError: options[1].cookieName: expected cookie names not used by another session, got 'a.1' (also written by session 'a')
 * ```
 */
export function assertDistinctCookieNames(
  engines: readonly { readonly cookieNames: readonly string[]; readonly sessionName: string }[],
  what = 'options',
): void {
  const owners = new Map<string, string>();
  engines.forEach((engine, index) => {
    for (const name of engine.cookieNames) {
      const owner = owners.get(name);
      if (owner !== undefined) {
        const where = engines.length > 1 ? `${what}[${index}]` : what;
        throw new TypeError(
          `${where}.cookieName: expected cookie names not used by another session, got '${name}' (also written by session '${owner}')`,
        );
      }
    }
    for (const name of engine.cookieNames) owners.set(name, engine.sessionName);
  });
}

/**
 * The stateful form of {@link assertDistinctCookieNames}, for adapters that build one engine per
 * middleware: keep one registry per app and claim each engine's names as it is built.
 *
 * @example
 * ```ts
 * const names = new CookieNameRegistry();
 * names.claim(engineA);
 * names.claim(engineB); // throws if B could write one of A's cookies
 * ```
 */
export class CookieNameRegistry {
  readonly #engines: { readonly cookieNames: readonly string[]; readonly sessionName: string }[] = [];

  /** Adds `engine`'s cookie names; throws a TypeError (and adds nothing) when one is taken. */
  claim(
    engine: { readonly cookieNames: readonly string[]; readonly sessionName: string },
    what = 'options',
  ): void {
    assertDistinctCookieNames([...this.#engines, engine], what);
    this.#engines.push(engine);
  }
}

const base64Length = (bytes: number): number => Math.ceil((bytes * 4) / 3);
const TOKEN_OVERHEAD = 5 + NONCE_BYTES + TAG_BYTES + 12;

/**
 * Session semantics for one session name. Adapters build one per configured session, at
 * registration time, then call {@link SessionEngine.load} and {@link SessionEngine.commit} per request.
 *
 * @example
 * ```ts
 * const engine = new SessionEngine({ key, cookieName: 'sid' });
 * const session = engine.load(req.headers.cookie);
 * // … handler …
 * for (const c of engine.commit(session)) res.appendHeader('set-cookie', c);
 * ```
 */
export class SessionEngine<T extends object = SessionData> {
  readonly sessionName: string;
  readonly cookieName: string;
  /** `<cookieName>.`, the start of every chunk name. */
  readonly #chunkPrefix: string;
  /** The names present when the request holds just our main cookie (shared, never mutated). */
  readonly #mainOnly: readonly string[];
  readonly #cookie: ResolvedCookieOptions;
  readonly #idle: number;
  readonly #absolute: number;
  readonly #rolling: boolean;
  readonly #maxCookies: number;
  /** Bytes one session may add to the Cookie header (`maxCookieBytes`). */
  readonly #budget: number;
  readonly #revocation: RevocationStore | undefined;
  readonly #subject: string | undefined;
  readonly #debug: DebugLog | undefined;
  /** Opened tokens by {@link cacheKey} (insertion order = eviction order), or undefined when off. */
  #cache: Map<string, Cached> | undefined;
  /**
   * The previous generation of the cache: when `#cache` reaches half the bound it becomes `#older`
   * (and the old `#older` is dropped whole). A Map used as a FIFO would pay for its deleted slots:
   * `keys().next()` skips every hole left at the front, ≈ 11 µs per insert at 10 000 entries.
   */
  #older: Map<string, Cached> | undefined;
  readonly #cacheMax: number;
  readonly #legacy: LegacyOpener | undefined;
  readonly #chunkCapacity: number;
  readonly #singleCapacity: number;
  readonly #host: SessionHost;
  /** `; Path=/; HttpOnly; …` for a live cookie, validated once by `cookie` at construction. */
  readonly #suffix: string;
  #ring: Keyring | undefined;
  /** Every cookie name this engine may write (`name`, `name.1` … `name.<maxCookies-1>`). */
  readonly cookieNames: readonly string[];
  /** Resolves when the keyring is ready (immediately unless it comes from a key derivation). */
  readonly ready: Promise<void>;

  constructor(
    options: SessionOptions,
    extra: {
      keyring?: Promise<Keyring>;
      legacy?: LegacyOpener;
      what?: string;
      /** Option names the adapter handles itself (e.g. `secret`, `salt`), accepted here too. */
      adapterOptions?: readonly string[];
      /**
       * The warning for a budget above 6144 bytes, in the words of the adapter's own options (an
       * adapter that sets `maxCookies` itself would otherwise name an option its user never set).
       */
      budgetWarning?: (budget: number) => string;
    } = {},
  ) {
    const what = extra.what ?? 'options';
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw expectedType(what, 'an options object', options);
    }
    checkOptionNames(options, what, extra.adapterOptions ?? []);
    this.sessionName = options.sessionName ?? 'session';
    if (typeof this.sessionName !== 'string' || this.sessionName === '') {
      throw expectedType(`${what}.sessionName`, 'a non-empty string', this.sessionName);
    }
    this.cookieName = checkCookieName(`${what}.cookieName`, options.cookieName ?? this.sessionName);
    this.#chunkPrefix = `${this.cookieName}.`;
    this.#mainOnly = Object.freeze([this.cookieName]);
    this.#cookie = resolveCookieOptions(this.cookieName, options.cookie, `${what}.cookie`);
    this.#idle = seconds(`${what}.expiry`, options.expiry, DEFAULT_IDLE);
    this.#absolute = seconds(`${what}.absoluteExpiry`, options.absoluteExpiry, DEFAULT_ABSOLUTE);
    this.#rolling = options.rolling ?? true;
    if (typeof this.#rolling !== 'boolean')
      throw expectedType(`${what}.rolling`, 'a boolean', options.rolling);
    const maxCookiesOption = options.maxCookies;
    if (
      maxCookiesOption !== undefined &&
      (!Number.isInteger(maxCookiesOption) || maxCookiesOption < 1 || maxCookiesOption > MAX_CHUNKS)
    ) {
      throw expectedRange(`${what}.maxCookies`, `an integer from 1 to ${MAX_CHUNKS}`, maxCookiesOption);
    }
    const budgetOption = options.maxCookieBytes;
    if (
      budgetOption !== undefined &&
      (!Number.isInteger(budgetOption) || budgetOption < 1024 || budgetOption > MAX_CHUNKS * COOKIE_BYTES)
    ) {
      throw expectedRange(
        `${what}.maxCookieBytes`,
        `an integer from 1024 to ${MAX_CHUNKS * COOKIE_BYTES}`,
        budgetOption,
      );
    }
    const rev = options.revocation;
    if (rev !== undefined && (typeof rev?.revoke !== 'function' || typeof rev?.isRevoked !== 'function')) {
      throw expectedType(`${what}.revocation`, 'a store with revoke() and isRevoked()', rev);
    }
    this.#revocation = rev;
    // A store that forgets `revokeAll` before sessions expire would bring them back.
    const lifetime = (rev as { lifetime?: unknown } | undefined)?.lifetime;
    if (typeof lifetime === 'number' && lifetime < this.#absolute) {
      throw expectedRange(
        `${what}.absoluteExpiry`,
        `at most the revocation store's lifetime (${lifetime} s)`,
        this.#absolute,
      );
    }
    const subject = options.subject;
    if (subject !== undefined && (typeof subject !== 'string' || subject === '')) {
      throw expectedType(`${what}.subject`, 'the name of a session field', subject);
    }
    if (subject !== undefined && rev === undefined) {
      throw expectedType(`${what}.revocation`, 'a revocation store (subject is set)', rev);
    }
    this.#subject = subject;
    if (options.debug !== undefined && typeof options.debug !== 'function') {
      throw expectedType(`${what}.debug`, 'a function', options.debug);
    }
    this.#debug = options.debug;
    const cache = options.cache ?? DEFAULT_CACHE;
    if (
      cache !== false &&
      (typeof cache !== 'number' || !Number.isInteger(cache) || cache < 0 || cache > MAX_CACHE)
    ) {
      throw expectedRange(`${what}.cache`, `false or an integer from 0 to ${MAX_CACHE}`, cache);
    }
    this.#cacheMax = cache === false ? 0 : cache;
    this.#cache = this.#cacheMax > 0 ? new Map() : undefined;
    this.#older = this.#cacheMax > 0 ? new Map() : undefined;
    this.#legacy = extra.legacy;

    // The attributes are fixed per engine: let `cookie` validate and format them once, then build
    // each Set-Cookie by concatenation (name and values are token characters by construction).
    const probe = `${this.cookieName}=; Max-Age=1`;
    const template = this.#serialize(this.cookieName, '', 1);
    if (!template.startsWith(probe)) throw new Error('sealed-session: unexpected Set-Cookie layout');
    this.#suffix = template.slice(probe.length);

    // Room for the value in one cookie, measured on the real attributes (longest Max-Age).
    const overhead = (name: string) => this.#serialize(name, '', 400_000_000).length;
    this.#singleCapacity = COOKIE_BYTES - overhead(this.cookieName);
    // Chunked: the first value carries "<count>." in front (count ≤ 20).
    this.#chunkCapacity = COOKIE_BYTES - overhead(`${this.cookieName}.19`) - 3;

    // The budget: `maxCookieBytes`, else `maxCookies` full cookies (as before it existed), else
    // 6144 bytes; the cookie count follows from the budget unless given.
    this.#budget =
      budgetOption ?? (maxCookiesOption === undefined ? COOKIE_BUDGET : maxCookiesOption * COOKIE_BYTES);
    const maxCookies = maxCookiesOption ?? Math.min(MAX_CHUNKS, this.#cookiesNeeded(this.#budget));
    this.#maxCookies = maxCookies;
    this.cookieNames = Object.freeze(chunkNames(this.cookieName, maxCookies));
    if (this.#budget > COOKIE_BUDGET && extra.budgetWarning) {
      warnOnce(extra.budgetWarning(this.#budget));
    } else if (this.#budget > COOKIE_BUDGET) {
      const option =
        budgetOption === undefined
          ? `${what}.maxCookies is ${maxCookiesOption} (${maxCookies} cookies of up to ${COOKIE_BYTES} bytes)`
          : `${what}.maxCookieBytes is ${budgetOption}`;
      warnOnce(
        `sealed-session: ${option}: session '${this.sessionName}' may add up to ${this.#budget} bytes to a request's Cookie header. curl, nginx and Apache refuse request headers over 8 KB (8190 bytes) by default, and curl then drops the session cookie (the user is logged out). Keep the budget at most ${COOKIE_BUDGET} bytes (the default maxCookieBytes) and keep large data on the server.`,
      );
    }

    if (extra.keyring) {
      this.ready = extra.keyring.then((ring) => {
        this.#ring = ring;
      });
    } else {
      if (options.key === undefined)
        throw expectedType(`${what}.key`, 'a key, a list of keys or a Keyring', undefined);
      this.#ring = createKeyring(options.key);
      this.ready = Promise.resolve();
    }
    this.#host = {
      load: (state) => this.#load(state),
      checkSize: (state, data, bound) => this.#checkSize(state, data, bound),
      renew: (state) => this.#renew(state, Date.now()),
      checkCookieOptions: (opts) => {
        resolveCookieOptions(
          this.cookieName,
          { ...this.#cookie, ...(opts as CookieOptions) },
          'session.options()',
        );
        return opts as CookieOptions;
      },
    };
  }

  /** True when sessions must be opened before the handler runs (an async revocation store). */
  get eager(): boolean {
    return this.#revocation !== undefined;
  }

  /** The keyring (after {@link SessionEngine.ready}). */
  get keyring(): Keyring {
    if (!this.#ring)
      throw new Error('sealed-session: the key is still being derived; await engine.ready first');
    return this.#ring;
  }

  /**
   * How many opened tokens the cache holds now (at most the `cache` option; 0 when it is off).
   *
   * @example
   * ```ts
   * metrics.gauge('session_cache_entries', engine.cacheSize);
   * ```
   */
  get cacheSize(): number {
    return (this.#cache?.size ?? 0) + (this.#older?.size ?? 0);
  }

  /** A session for this request. Cheap: nothing is parsed or opened until the session is used. */
  load(source: CookieSource): Session<T> {
    // Every field a request's state gets (stray included): one shape for all of them.
    const state: LoadState = {
      loaded: false,
      source,
      present: undefined,
      stray: undefined,
      data: {},
      unparsed: undefined,
      jsonBound: -1,
      id: '',
      createdAt: 0,
      expiresAt: undefined,
      idleExpiresAt: undefined,
      changed: false,
      deleted: false,
      reissue: false,
      valid: false,
      cookieOptions: undefined,
    };
    return new Session<T>(this.#host, state);
  }

  /** A new, empty session (for `createSecureSession`-style helpers). */
  create(data: Record<string, unknown> = {}): Session<T> {
    const session = this.load(undefined);
    const s = stateOf(session);
    this.#load(s);
    s.data = { ...data };
    s.changed = true;
    return session;
  }

  /**
   * Opens the session now through the one checking path (context, expiry, revocation). Adapters
   * await this before the handler when {@link SessionEngine.eager} is true, so that an asynchronous
   * store's answer is waited for.
   */
  async prepare(session: Session<T>): Promise<void> {
    const s = stateOf(session);
    if (s.loaded) return;
    const pending = this.#open(s, true);
    if (pending !== undefined) await pending;
  }

  /**
   * Opens one raw cookie value (Fastify's `decodeSecureSession`) through the same path as a request:
   * context, sealed expiry and the revocation store. Null when it yields no session, or when the
   * store could only answer asynchronously (fail closed; debug reason `revocation-async`).
   */
  decode(value: string): Session<T> | null {
    if (typeof value !== 'string') return null;
    const name = this.cookieName;
    const session = this.load((n) => (n === name ? value : undefined));
    const s = stateOf(session);
    this.#load(s);
    return s.valid ? session : null;
  }

  /**
   * The cookie value for a session (Fastify's `encodeSecureSession`): the payload as a request's
   * commit seals it, idle deadline renewed, no side effect on the session.
   */
  encode(session: Session<T>): string {
    const s = stateOf(session);
    if (!s.loaded) this.#load(s);
    return this.#seal(s, dataOf(s), {
      createdAt: s.createdAt,
      idleExpiresAt: Date.now() + this.#idle * 1000,
      expiresAt: s.expiresAt,
    });
  }

  #log(reason: string, cause?: unknown, message = 'sealed-session: no session from the cookie'): void {
    const debug = this.#debug;
    if (debug === undefined) return;
    debug(
      message,
      cause === undefined
        ? { session: this.sessionName, reason }
        : { session: this.sessionName, reason, cause },
    );
  }

  /**
   * Finds this engine's cookie(s) in the request: the token (chunks joined), the names present and
   * the stray chunks go into the state; the token is returned. The header is searched for our name
   * only; a lookup function is built just for chunks and strays.
   */
  #read(st: LoadState): string | undefined {
    const source = st.source;
    st.present = NO_NAMES;
    st.stray = NO_NAMES;
    if (source === undefined || source === null || source === '') return undefined;
    if (typeof source !== 'string' && typeof source !== 'function') {
      this.#log('unparsable-cookie-header');
      return undefined;
    }
    const name = this.cookieName;
    const first = typeof source === 'string' ? findCookie(source, name) : source(name);
    if (first === undefined) {
      // Chunks without their main cookie (a client that dropped it, e.g. curl over 8 KB): orphans.
      const stray = this.#strays(source, 1);
      st.present = stray;
      st.stray = stray;
      return undefined;
    }
    const count = this.#chunkCount(first);
    if (count === 0) {
      const stray = this.#strays(source, 1);
      st.present = stray.length === 0 ? this.#mainOnly : [name, ...stray];
      st.stray = stray;
      return first;
    }
    // Chunked: "<count>.<part0>", then <name>.1 … <name>.<count-1>.
    const get = lookupIn(source);
    const present = [name];
    let token = first.slice(first.indexOf('.') + 1);
    for (let i = 1; i < count; i++) {
      const part = get(this.#chunkPrefix + i);
      if (part === undefined) {
        this.#log('missing-chunk');
        st.present = present;
        return undefined;
      }
      present.push(this.#chunkPrefix + i);
      token += part;
    }
    const stray = this.#strays(source, count);
    for (const n of stray) present.push(n);
    st.present = present;
    st.stray = stray;
    return token;
  }

  /** The chunk count of a main cookie value (`<count>.<part 0>`), or 0 when it is not chunked. */
  #chunkCount(first: string): number {
    const dot = first.indexOf('.');
    if (dot === -1) return 0;
    // One spelling of the count too.
    const text = first.slice(0, dot);
    const count = Number(text);
    if (String(count) !== text || !Number.isInteger(count) || count < 2 || count > this.#maxCookies) {
      return 0; // legacy or foreign value; the openers refuse it if bad
    }
    return count;
  }

  /**
   * Chunk cookies of the request that the token does not use, from `<name>.<from>` on: orphans that
   * came without their main cookie, and leftovers of a larger session. A Cookie header is searched
   * only when it holds `<name>.` at all (up to the 20-chunk maximum); a lookup function, up to
   * `maxCookies`.
   */
  #strays(source: string | ((name: string) => string | undefined), from: number): readonly string[] {
    const prefix = this.#chunkPrefix;
    let end = this.#maxCookies;
    if (typeof source === 'string') {
      if (!source.includes(prefix)) return NO_NAMES;
      end = MAX_CHUNKS;
    }
    const get = lookupIn(source);
    let out: string[] | undefined;
    for (let i = from; i < end; i++) {
      if (get(prefix + i) === undefined) continue;
      if (out === undefined) out = [];
      out.push(prefix + i);
    }
    return out ?? NO_NAMES;
  }

  /**
   * Clears for orphan chunks (no main cookie) of a session nobody used, found without opening
   * anything. Leftovers next to a main cookie wait for a request that opens it.
   */
  #clearStrays(source: CookieSource): string[] {
    if (typeof source !== 'string' && typeof source !== 'function') return [];
    if (typeof source === 'string' && !source.includes(this.#chunkPrefix)) return [];
    if (lookupIn(source)(this.cookieName) !== undefined) return [];
    return this.#strays(source, 1).map((n) => this.#serialize(n, '', 0));
  }

  /** Lazy first use (synchronous): an asynchronous revocation answer cannot be waited for here. */
  #load(state: SessionState): void {
    this.#open(state, false);
  }

  /**
   * THE path that opens a session. Leaves `state` loaded: either the opened session, or a fresh empty
   * one plus a debug line. Returns a promise only when the revocation store answers asynchronously;
   * until it settles the state is the empty session (fail closed).
   */
  #open(state: SessionState, wait: boolean): Promise<void> | undefined {
    const st = state as LoadState;
    state.loaded = true;
    const now = Date.now();
    const token = this.#read(st);
    st.source = undefined;
    const candidate = token === undefined ? undefined : this.#candidate(token, now);
    if (candidate === undefined) {
      // A cookie that does not open changes nothing in the response by itself (only a write clears
      // the chunks around it); orphans without a main cookie are still expired.
      if (token !== undefined) st.stray = NO_NAMES;
      this.#renew(state, now);
      return undefined;
    }
    if (this.#revocation === undefined) {
      this.#accept(state, candidate);
      return undefined;
    }
    const check: RevocationCheck = { id: candidate.id, issuedAt: candidate.createdAt };
    const name = this.#subject;
    const subject =
      name === undefined
        ? undefined
        : candidate.data !== undefined
          ? candidate.data[name]
          : candidate.unparsed!.fields.get(name);
    if (typeof subject === 'string' || typeof subject === 'number') check.subject = String(subject);
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = this.#revocation.isRevoked(check);
    } catch (err) {
      this.#renew(state, now);
      this.#log('revocation-store-error', err);
      return undefined;
    }
    if (verdict === false) {
      this.#accept(state, candidate);
      return undefined;
    }
    // Until an asynchronous answer arrives (and for any answer but `false`): the empty session.
    this.#renew(state, now);
    if (verdict === true) this.#log('revoked');
    else if (typeof (verdict as Promise<boolean> | undefined)?.then === 'function') {
      if (!wait) {
        // A synchronous caller cannot wait: the session stays empty (fail closed).
        Promise.resolve(verdict).then(noop, noop);
        this.#log('revocation-async');
        return undefined;
      }
      return Promise.resolve(verdict).then(
        (revoked) => {
          if (revoked === false && !state.changed) this.#accept(state, candidate);
          else if (revoked !== false) this.#log('revoked');
        },
        (err: unknown) => this.#log('revocation-store-error', err),
      );
    } else this.#log('revocation-store-error', new TypeError('isRevoked() returned a non-boolean'));
    return undefined;
  }

  /** Opens `token` (ours, else the legacy format): context and sealed expiry. Logs the refusal. */
  #candidate(token: string, now: number): Candidate | undefined {
    if (!this.#ring)
      throw new Error('sealed-session: the key is still being derived; await engine.ready first');
    const ring = this.#ring;
    const key = this.#cache === undefined ? undefined : cacheKey(token);
    let hit = key === undefined ? undefined : this.#cache!.get(key);
    if (hit === undefined && key !== undefined && this.#older !== undefined) {
      hit = this.#older.get(key);
      if (hit !== undefined) {
        // In use: moved to the current generation, so an active session outlives the next rotation.
        this.#older.delete(key);
        this.#remember(key, hit);
      }
    }
    if (hit !== undefined && hit.token === token && hit.ring === ring) {
      // The sealed deadlines are applied on every hit, exactly as an open would.
      if (hit.expiresAt !== 0 && now >= hit.expiresAt) return this.#refuse(key!, 'expired-absolute');
      if (hit.idleExpiresAt !== 0 && now >= hit.idleExpiresAt) return this.#refuse(key!, 'expired-idle');
      const unparsed = hit.unparsed;
      if (unparsed !== undefined) return this.#candidateOf(hit, unparsed.id, unparsed.c, undefined, unparsed);
      const value = JSON.parse(hit.text) as Payload;
      // Read again (a session not written on every request): keep its primitive fields for the next
      // reads. Not on the first hit, which is the read after a write for a session written each time.
      if (hit.hits++ > 0)
        hit.unparsed = { text: hit.text, fields: fieldsOf(value.d), id: value.i, c: value.c };
      return this.#candidateOf(hit, value.i, value.c, value.d, undefined);
    }
    // Our tokens are base64url: a '%' is a second spelling (percent-encoding) and never opens.
    const r = tryOpenText(token, ring, this.cookieName, now);
    let value: unknown;
    if (r.ok) {
      try {
        value = JSON.parse(r.text);
      } catch {
        value = undefined;
      }
      if (isPayload(value)) {
        const opened: Cached = {
          token,
          text: r.text,
          createdAt: r.createdAt,
          idleExpiresAt: r.idleExpiresAt,
          expiresAt: r.expiresAt,
          rotated: r.rotated,
          ring,
          hits: 0,
          unparsed: undefined,
        };
        if (this.#cache !== undefined) {
          opened.token = detached(token); // no copy when off
          const at = cacheKey(opened.token);
          if (at !== undefined) this.#remember(at, opened);
        }
        return this.#candidateOf(opened, value.i, value.c, value.d, undefined);
      }
    }
    if (!r.ok && r.reason === 'malformed' && this.#legacy) {
      const value = percentDecoded(token);
      const legacy = value === undefined ? undefined : this.#legacy(value, now);
      if (legacy) {
        const expiresAt = legacy.createdAt + this.#absolute * 1000;
        if (expiresAt <= now) {
          this.#log('expired-absolute');
          return undefined;
        }
        return {
          data: legacy.data,
          unparsed: undefined,
          jsonBound: -1,
          id: toBase64Url(backend().randomBytes(16)),
          createdAt: legacy.createdAt,
          expiresAt,
          idleExpiresAt: undefined,
          reissue: true,
        };
      }
    }
    this.#log(r.ok ? 'payload' : token.includes('%') ? 'percent-encoded' : r.reason);
    return undefined;
  }

  #candidateOf(
    r: Cached,
    id: string,
    c: number | undefined,
    data: Record<string, unknown> | undefined,
    unparsed: Unparsed | undefined,
  ): Candidate {
    const precise = typeof c === 'number' && Math.floor(c / 1000) * 1000 === r.createdAt;
    return {
      data,
      unparsed,
      jsonBound: precise ? r.text.length : -1,
      id,
      createdAt: precise ? c : r.createdAt,
      expiresAt: r.expiresAt || undefined,
      idleExpiresAt: r.idleExpiresAt || undefined,
      reissue: r.rotated,
    };
  }

  #refuse(key: string, reason: string): undefined {
    this.#cache?.delete(key);
    this.#older?.delete(key);
    this.#log(reason);
    return undefined;
  }

  /**
   * Adds an opened or freshly sealed token (O(1)). Two generations: once the current one holds half
   * the bound (or both together the whole bound) it becomes the older one and the older one is
   * dropped, so the total never exceeds `cache`.
   */
  #remember(key: string, entry: Cached): void {
    const cache = this.#cache;
    const older = this.#older;
    if (cache === undefined || older === undefined) return;
    const max = this.#cacheMax;
    if (cache.size >= Math.ceil(max / 2) || cache.size + older.size >= max) {
      this.#older = cache.size < max ? cache : new Map();
      this.#cache = new Map();
    }
    this.#cache!.set(key, entry);
  }

  #accept(state: SessionState, c: Candidate): void {
    if (c.data !== undefined) state.data = c.data;
    state.unparsed = c.unparsed;
    state.jsonBound = c.jsonBound;
    state.id = c.id;
    state.createdAt = c.createdAt;
    state.expiresAt = c.expiresAt;
    state.idleExpiresAt = c.idleExpiresAt;
    state.reissue = c.reissue;
    state.valid = true;
  }

  /** Seals the session payload; the token goes into the cache so the next request hits it too. */
  #seal(state: SessionState, data: Record<string, unknown>, times: TokenTimes): string {
    const ring = this.keyring;
    const json = JSON.stringify(this.#payload(state, data));
    const token = sealJson(json, ring, this.cookieName, times);
    const key = this.#cache === undefined ? undefined : cacheKey(token);
    if (key === undefined) return token;
    this.#remember(key, {
      token,
      text: json,
      // The times as the token holds them (whole seconds): a hit accepts exactly what an open would.
      createdAt: wholeSeconds(times.createdAt),
      idleExpiresAt: wholeSeconds(times.idleExpiresAt),
      expiresAt: wholeSeconds(times.expiresAt),
      rotated: false,
      ring,
      hits: 0,
      unparsed: undefined,
    });
    return token;
  }

  #payload(state: SessionState, data: Record<string, unknown>): Payload {
    return { i: state.id, c: state.createdAt, d: data };
  }

  #renew(state: SessionState, createdAt: number): void {
    state.id = toBase64Url(backend().randomBytes(16));
    state.createdAt = createdAt;
    state.expiresAt = createdAt + this.#absolute * 1000;
    state.idleExpiresAt = undefined;
  }

  #cookiesNeeded(length: number): number {
    return length <= this.#singleCapacity ? 1 : Math.ceil(length / this.#chunkCapacity);
  }

  /** Bytes a token of `length` adds to the Cookie header in `count` cookies (`a=2.x; a.1=y`). */
  #headerBytes(length: number, count: number): number {
    if (count === 1) return this.cookieName.length + 1 + length;
    let bytes = length + String(count).length + 1 + count * (this.cookieName.length + 1) + 2 * (count - 1);
    for (let i = 1; i < count; i++) bytes += 1 + String(i).length;
    return bytes;
  }

  /** The cookies a token of `length` needs, or 0 when over `maxCookies` or the byte budget. */
  #fit(length: number): number {
    const count = this.#cookiesNeeded(length);
    return count <= this.#maxCookies && this.#headerBytes(length, count) <= this.#budget ? count : 0;
  }

  /** Says the bytes over the budget, else (too many cookies, not bytes) the cookies over `maxCookies`. */
  #tooLarge(length: number): CookieTooLargeError {
    const count = this.#cookiesNeeded(length);
    const bytes = this.#headerBytes(length, count);
    return bytes > this.#budget
      ? new CookieTooLargeError(bytes, this.#budget)
      : new CookieTooLargeError(count * COOKIE_BYTES, this.#maxCookies * COOKIE_BYTES);
  }

  #checkSize(state: SessionState, data: Record<string, unknown>, bound: number): void {
    // An upper bound of the JSON that fits (see SessionState.jsonBound): nothing to serialise.
    if (bound >= 0 && this.#fit(base64Length(TOKEN_OVERHEAD + bound * 3)) !== 0) return;
    // Also throws, as before, for values JSON cannot hold (BigInt, cycles).
    const json = JSON.stringify(this.#payload(state, data));
    // A UTF-16 code unit is at most 3 UTF-8 bytes: far from the limit, no need to encode.
    if (this.#fit(base64Length(TOKEN_OVERHEAD + json.length * 3)) !== 0) return;
    const length = base64Length(TOKEN_OVERHEAD + utf8(json).length);
    if (this.#fit(length) === 0) throw this.#tooLarge(length);
  }

  /** One Set-Cookie value; the precomputed suffix unless a per-response override or a deletion. */
  #setCookie(name: string, value: string, maxAge: number, override: CookieOptions | undefined): string {
    if (override === undefined && maxAge !== 0 && Number.isInteger(maxAge)) {
      return `${name}=${value}; Max-Age=${maxAge}${this.#suffix}`;
    }
    return this.#serialize(name, value, maxAge, override);
  }

  #serialize(name: string, value: string, maxAge: number, override?: CookieOptions): string {
    const c = override ? { ...this.#cookie, ...override } : this.#cookie;
    return stringifySetCookie(name, value, {
      encode: identity,
      domain: c.domain,
      path: c.path,
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite,
      partitioned: c.partitioned,
      priority: c.priority,
      maxAge,
      ...(maxAge === 0 ? { expires: new Date(0) } : {}),
    });
  }

  #revoke(s: SessionState, now: number): void {
    const until = (s.expiresAt ?? now + this.#absolute * 1000) + 1000;
    revokeInto(this.#revocation!, s.id, until, (cause) =>
      this.#log('revocation-store-error', cause, 'sealed-session: could not revoke the session'),
    );
  }

  /**
   * The `Set-Cookie` values this response needs (often none). Call once, just before headers go out.
   * A destroyed session is revoked in the store (a store failure is logged, never thrown). Past the
   * absolute deadline the changes are not saved: the values clear the cookie and the debug log says
   * `expired-at-commit`.
   */
  commit(session: Session<T>): string[] {
    const s = stateOf(session) as LoadState;
    if (!s.loaded) return this.#clearStrays(s.source);
    const now = Date.now();
    const present = s.present ?? [];

    if (s.deleted) {
      if (s.valid && this.#revocation) this.#revoke(s, now);
      const names = present.length > 0 ? present : [this.cookieName];
      return names.map((n) => this.#serialize(n, '', 0, s.cookieOptions));
    }

    const dueForRefresh =
      this.#rolling &&
      s.valid &&
      s.idleExpiresAt !== undefined &&
      s.idleExpiresAt - now < (this.#idle * 1000) / 2;
    if (!s.changed && !s.reissue && !dueForRefresh) {
      // Nothing to write; chunks no token uses are still expired (same path and domain).
      const stray = s.stray ?? NO_NAMES;
      return stray.length === 0 ? [] : stray.map((n) => this.#serialize(n, '', 0, s.cookieOptions));
    }

    if (s.expiresAt !== undefined && s.expiresAt <= now) {
      // The absolute deadline passed during the request: the session is over. Said in the debug
      // log, and the browser is told (the cookie is cleared) instead of keeping a dead one.
      this.#log(
        'expired-at-commit',
        undefined,
        'sealed-session: session past its absolute deadline; changes not saved',
      );
      s.changed = false;
      return present.map((n) => this.#serialize(n, '', 0, s.cookieOptions));
    }
    s.idleExpiresAt = now + this.#idle * 1000;
    const token = this.#seal(s, dataOf(s), s);
    const deadline = Math.min(s.idleExpiresAt, s.expiresAt ?? Number.POSITIVE_INFINITY);
    const maxAge =
      s.cookieOptions?.maxAge ?? this.#cookie.maxAge ?? Math.max(0, Math.floor((deadline - now) / 1000));

    const out: string[] = [];
    const count = this.#fit(token.length);
    // set() checks sizes; this guards changes made behind its back (mutated nested objects).
    if (count === 0) throw this.#tooLarge(token.length);
    if (count === 1) out.push(this.#setCookie(this.cookieName, token, maxAge, s.cookieOptions));
    else {
      const size = Math.ceil(token.length / count);
      for (let i = 0; i < count; i++) {
        const part = token.slice(i * size, (i + 1) * size);
        const name = i === 0 ? this.cookieName : `${this.cookieName}.${i}`;
        out.push(this.#setCookie(name, i === 0 ? `${count}.${part}` : part, maxAge, s.cookieOptions));
      }
    }
    // Clear chunks left over from a larger session.
    for (const name of present) {
      const idx = name === this.cookieName ? 0 : Number(name.slice(this.cookieName.length + 1));
      if (idx >= count) out.push(this.#serialize(name, '', 0, s.cookieOptions));
    }
    s.changed = false;
    s.reissue = false;
    return out;
  }
}

const identity = (v: string): string => v;

/** Revokes a destroyed session; a store failure (sync or async) is logged, never thrown. */
function revokeInto(store: RevocationStore, id: string, until: number, log: (cause: unknown) => void): void {
  try {
    Promise.resolve(store.revoke(id, until)).catch(log);
  } catch (err) {
    log(err);
  }
}

/** The top-level fields of `data`: primitive values as they are, objects and arrays as {@link NESTED}. */
function fieldsOf(data: Record<string, unknown>): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const k of Object.keys(data)) {
    const v = data[k];
    fields.set(k, v !== null && typeof v === 'object' ? NESTED : v);
  }
  return fields;
}

function isPayload(v: unknown): v is Payload {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Payload).i === 'string' &&
    ((v as Payload).c === undefined || typeof (v as Payload).c === 'number') &&
    typeof (v as Payload).d === 'object' &&
    (v as Payload).d !== null &&
    !Array.isArray((v as Payload).d)
  );
}

export { Keyring };
