// One implementation of session semantics shared by every adapter: options validated once, a lazy
// per-request path (no crypto for a request that never touches its session), chunked cookies, and
// hostile input turned into an empty session plus a debug line that never contains the cookie.
import { parseCookie, stringifySetCookie } from 'cookie';
import { backend, NONCE_BYTES, TAG_BYTES } from '../core/backend.js';
import { utf8 } from '../core/bytes.js';
import { CookieTooLargeError, expectedRange, expectedType } from '../core/errors.js';
import { createKeyring, Keyring } from '../core/keyring.js';
import type { KeyInput } from '../core/keys.js';
import { sealTimes, tryOpen } from '../core/token.js';
import {
  type CookieOptions,
  checkCookieName,
  type ResolvedCookieOptions,
  resolveCookieOptions,
} from './cookie-options.js';
import type { RevocationStore } from './revocation.js';
import { Session, type SessionData, type SessionHost, type SessionState, stateOf } from './session.js';

/**
 * Browsers keep at least 4096 bytes per cookie (name, value and attributes; RFC 6265 §6.1).
 *
 * @example
 * ```ts
 * const budget = COOKIE_BYTES * 3; // the default maxCookies
 * ```
 */
export const COOKIE_BYTES = 4096;
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
export type DebugLog = (message: string, detail: { session: string; reason: string }) => void;

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
  /** How many cookies one session may span (chunks of 4096 bytes). Default 3. */
  maxCookies?: number;
  /** Remember destroyed sessions so a replayed logged-out cookie stays dead. */
  revocation?: RevocationStore;
  /** Debug logging of refused cookies (reason codes only). */
  debug?: DebugLog;
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

interface Payload {
  i: string;
  d: Record<string, unknown>;
}

const OPTION_NAMES = [
  'sessionName',
  'cookieName',
  'cookie',
  'expiry',
  'absoluteExpiry',
  'rolling',
  'maxCookies',
  'revocation',
  'debug',
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

function seconds(what: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw expectedRange(what, 'a positive number of seconds', v);
  }
  return v;
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
  readonly #cookie: ResolvedCookieOptions;
  readonly #idle: number;
  readonly #absolute: number;
  readonly #rolling: boolean;
  readonly #maxCookies: number;
  readonly #revocation: RevocationStore | undefined;
  readonly #debug: DebugLog | undefined;
  readonly #legacy: LegacyOpener | undefined;
  readonly #chunkCapacity: number;
  readonly #singleCapacity: number;
  readonly #host: SessionHost;
  /** `; Path=/; HttpOnly; …` for a live cookie, validated once by `cookie` at construction. */
  readonly #suffix: string;
  #ring: Keyring | undefined;
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
    this.#cookie = resolveCookieOptions(this.cookieName, options.cookie, `${what}.cookie`);
    this.#idle = seconds(`${what}.expiry`, options.expiry, DEFAULT_IDLE);
    this.#absolute = seconds(`${what}.absoluteExpiry`, options.absoluteExpiry, DEFAULT_ABSOLUTE);
    this.#rolling = options.rolling ?? true;
    if (typeof this.#rolling !== 'boolean')
      throw expectedType(`${what}.rolling`, 'a boolean', options.rolling);
    const maxCookies = options.maxCookies ?? 3;
    if (!Number.isInteger(maxCookies) || maxCookies < 1 || maxCookies > 20) {
      throw expectedRange(`${what}.maxCookies`, 'an integer from 1 to 20', maxCookies);
    }
    this.#maxCookies = maxCookies;
    const rev = options.revocation;
    if (rev !== undefined && (typeof rev?.revoke !== 'function' || typeof rev?.isRevoked !== 'function')) {
      throw expectedType(`${what}.revocation`, 'a store with revoke() and isRevoked()', rev);
    }
    this.#revocation = rev;
    if (options.debug !== undefined && typeof options.debug !== 'function') {
      throw expectedType(`${what}.debug`, 'a function', options.debug);
    }
    this.#debug = options.debug;
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
      checkSize: (state, data) => this.#checkSize(state, data),
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

  /** A session for this request. Cheap: nothing is parsed or opened until the session is used. */
  load(source: CookieSource): Session<T> {
    const state: SessionState & { source: CookieSource; present: string[] | undefined } = {
      loaded: false,
      source,
      present: undefined,
      data: {},
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
   * Opens the session now and applies the revocation store. Adapters await this before the handler
   * when {@link SessionEngine.eager} is true.
   */
  async prepare(session: Session<T>): Promise<void> {
    const s = stateOf(session);
    if (!s.loaded) this.#load(s);
    if (s.valid && this.#revocation && (await this.#revocation.isRevoked(s.id))) {
      this.#log('revoked');
      this.#renew(s, Date.now());
      s.data = {};
      s.valid = false;
    }
  }

  #log(reason: string): void {
    this.#debug?.('sealed-session: no session from the cookie', { session: this.sessionName, reason });
  }

  #read(source: CookieSource): { token: string | undefined; present: string[] } {
    if (source === undefined || source === null || source === '') return { token: undefined, present: [] };
    let get: (name: string) => string | undefined;
    if (typeof source === 'function') get = source;
    else {
      let jar: Record<string, string | undefined>;
      try {
        jar = parseCookie(source);
      } catch {
        this.#log('unparsable-cookie-header');
        return { token: undefined, present: [] };
      }
      get = (name) => jar[name];
    }
    const first = get(this.cookieName);
    if (first === undefined) return { token: undefined, present: [] };
    const present = [this.cookieName];
    const dot = first.indexOf('.');
    if (dot === -1) return { token: first, present };
    // Chunked: "<count>.<part0>", then <name>.1 … <name>.<count-1>.
    const count = Number(first.slice(0, dot));
    if (!Number.isInteger(count) || count < 2 || count > this.#maxCookies) {
      return { token: first, present }; // legacy or foreign value; the openers refuse it if bad
    }
    let token = first.slice(dot + 1);
    for (let i = 1; i < count; i++) {
      const part = get(`${this.cookieName}.${i}`);
      if (part === undefined) {
        this.#log('missing-chunk');
        return { token: undefined, present };
      }
      present.push(`${this.cookieName}.${i}`);
      token += part;
    }
    return { token, present };
  }

  #load(state: SessionState): void {
    const st = state as SessionState & { source?: CookieSource; present?: string[] };
    state.loaded = true;
    const now = Date.now();
    const { token, present } = this.#read(st.source);
    st.present = present;
    st.source = undefined;
    if (token !== undefined) {
      if (!this.#ring)
        throw new Error('sealed-session: the key is still being derived; await engine.ready first');
      const r = tryOpen<Payload>(token, this.#ring, this.cookieName, now);
      if (r.ok && isPayload(r.value)) {
        state.data = r.value.d;
        state.id = r.value.i;
        state.createdAt = r.createdAt;
        state.expiresAt = r.expiresAt;
        state.idleExpiresAt = r.idleExpiresAt;
        state.reissue = r.rotated;
        state.valid = true;
        return;
      }
      const legacy = !r.ok && r.reason === 'malformed' && this.#legacy ? this.#legacy(token, now) : undefined;
      if (legacy) {
        this.#renew(state, legacy.createdAt);
        state.data = legacy.data;
        state.reissue = true;
        state.valid = true;
        return;
      }
      this.#log(r.ok ? 'payload' : r.reason);
    }
    this.#renew(state, now);
  }

  #renew(state: SessionState, createdAt: number): void {
    state.id = backend().toBase64Url(backend().randomBytes(16));
    state.createdAt = createdAt;
    state.expiresAt = createdAt + this.#absolute * 1000;
    state.idleExpiresAt = undefined;
  }

  #cookiesNeeded(length: number): number {
    return length <= this.#singleCapacity ? 1 : Math.ceil(length / this.#chunkCapacity);
  }

  #checkSize(state: SessionState, data: Record<string, unknown>): void {
    // Also throws, as before, for values JSON cannot hold (BigInt, cycles).
    const json = JSON.stringify({ i: state.id, d: data } satisfies Payload);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: far from the limit, no need to encode.
    if (this.#cookiesNeeded(base64Length(TOKEN_OVERHEAD + json.length * 3)) <= this.#maxCookies) return;
    const needed = this.#cookiesNeeded(base64Length(TOKEN_OVERHEAD + utf8(json).length));
    if (needed > this.#maxCookies) {
      throw new CookieTooLargeError(needed * COOKIE_BYTES, this.#maxCookies * COOKIE_BYTES);
    }
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

  /**
   * The `Set-Cookie` values this response needs (often none). Call once, just before headers go out.
   */
  commit(session: Session<T>): string[] {
    const s = stateOf(session) as SessionState & { present?: string[] };
    if (!s.loaded) return [];
    const now = Date.now();
    const present = s.present ?? [];

    if (s.deleted) {
      if (s.valid && this.#revocation) {
        const until = (s.expiresAt ?? now + this.#absolute * 1000) + 1000;
        Promise.resolve(this.#revocation.revoke(s.id, until)).catch(() =>
          this.#log('revocation-store-error'),
        );
      }
      const names = present.length > 0 ? present : [this.cookieName];
      return names.map((n) => this.#serialize(n, '', 0, s.cookieOptions));
    }

    const dueForRefresh =
      this.#rolling &&
      s.valid &&
      s.idleExpiresAt !== undefined &&
      s.idleExpiresAt - now < (this.#idle * 1000) / 2;
    if (!s.changed && !s.reissue && !dueForRefresh) return [];

    s.idleExpiresAt = now + this.#idle * 1000;
    if (s.expiresAt !== undefined && s.expiresAt <= now) return [];
    const token = sealTimes({ i: s.id, d: s.data } satisfies Payload, this.keyring, this.cookieName, s);
    const deadline = Math.min(s.idleExpiresAt, s.expiresAt ?? Number.POSITIVE_INFINITY);
    const maxAge =
      s.cookieOptions?.maxAge ?? this.#cookie.maxAge ?? Math.max(0, Math.floor((deadline - now) / 1000));

    const out: string[] = [];
    const count = this.#cookiesNeeded(token.length);
    if (count > this.#maxCookies) {
      // set() checks sizes; this guards changes made behind its back (mutated nested objects).
      throw new CookieTooLargeError(count * COOKIE_BYTES, this.#maxCookies * COOKIE_BYTES);
    }
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

function isPayload(v: unknown): v is Payload {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Payload).i === 'string' &&
    typeof (v as Payload).d === 'object' &&
    (v as Payload).d !== null &&
    !Array.isArray((v as Payload).d)
  );
}

export { Keyring };
