// `sealed-session/fastify`: a drop-in for `@fastify/secure-session` 8.x. Same options, request API
// and decorators; sessions sealed in the versioned, context-bound token format of the core; cookies
// written by `@fastify/secure-session` are opened and re-issued in the new format.
import { createRequire } from 'node:module';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import fp from 'fastify-plugin';
import { expectedType } from '../core/errors.js';
import { deriveKey } from '../core/kdf.js';
import { createKeyring } from '../core/keyring.js';
import { useNativeBackend } from '../core/native.js';
import { toHex } from '../internal/base64.js';
import type { DebugLog, LegacyOpener } from '../session/engine.js';
import { assertDistinctCookieNames, SessionEngine } from '../session/engine.js';
import type { Session as CoreSession, SessionData as CoreSessionData } from '../session/session.js';
import { stateOf } from '../session/session.js';
import { createLegacyReader, LEGACY_MESSAGES, type LegacyReader, type LegacyReason } from './legacy.js';
import {
  checkSecret,
  cookieSigningSecret,
  type ParsedConfig,
  parseConfig,
  type SecureSessionOptions,
  type SessionCookieOptions,
} from './options.js';
import {
  ensureLoaded,
  type LogContext,
  type MinimalLogger,
  type Slot,
  unwrap,
  wrap,
  wrapSlot,
} from './proxy.js';
import { sodiumSecretboxOpen } from './sodium.js';

export type { SecureSessionOptions, SessionCookieOptions } from './options.js';

/**
 * Your session fields, by declaration merging (it also picks up fields declared on the core's
 * `SessionData` in `sealed-session`):
 *
 * @example
 * ```ts
 * declare module 'sealed-session/fastify' {
 *   interface SessionData { userId: number; roles: string[] }
 * }
 * ```
 */
export interface SessionData extends CoreSessionData {}

/** Any string key while `T` declares none (the untyped default), else the keys of `T`. */
type UntypedKey<T> = [keyof T] extends [never] ? string : keyof T;
// biome-ignore lint/suspicious/noExplicitAny: the untyped default takes any value.
type UntypedValue<T, K> = K extends keyof T ? T[K] : any;

/**
 * `request.session`: the `@fastify/secure-session` API, with property access to the data.
 *
 * @example
 * ```ts
 * app.post('/login', async (request) => {
 *   request.session.regenerate();          // fresh identity at login (session fixation)
 *   request.session.set('userId', user.id);
 * });
 * app.get('/me', async (request) => ({ userId: request.session.get('userId') }));
 * app.post('/logout', async (request) => { request.session.delete(); });
 * ```
 */
export type Session<T = SessionData> = Partial<T> & {
  /** True when the response will write (or clear) the cookie. */
  changed: boolean;
  /** True after `delete()`. */
  deleted: boolean;
  get<K extends keyof T>(key: K): T[K] | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the original's untyped overload, kept for drop-in compatibility.
  get(key: string): any;
  /** Throws CookieTooLargeError (session unchanged) if the sealed session would not fit in `maxCookies`. */
  set<K extends UntypedKey<T>>(key: K, value: UntypedValue<T, K> | undefined): void;
  /**
   * A shallow copy of the data. Typed `T | undefined` as the original types it (it always returns
   * an object here; `?? {}` or `!` when your code needs it defined).
   */
  data(): T | undefined;
  /** Destroys the session: the response clears the cookie (and revokes its id if a store is set). */
  delete(): void;
  /** Cookie attributes for this response only. */
  options(opts: SessionCookieOptions): void;
  /** Re-seal on this response even if unchanged (extends the idle timeout). */
  touch(): void;
  /** New identity, keeping only the listed fields. Call at login. */
  regenerate(ignoreFields?: string[]): void;
};

/**
 * Options of the plugin: one session configuration or an array of them.
 *
 * @example
 * ```ts
 * await app.register(sealedSession, [
 *   { key: process.env.LONG_KEY!, sessionName: 'session' },
 *   { key: process.env.SHORT_KEY!, sessionName: 'flash', cookieName: 'flash', expiry: 60 },
 * ]);
 * ```
 */
export type SecureSessionPluginOptions = SecureSessionOptions | SecureSessionOptions[];

/**
 * The plugin function, with the original's `.default` and `.fastifySecureSession` aliases.
 *
 * @example
 * ```ts
 * const { fastifySecureSession } = require('sealed-session/fastify'); // Node >= 20.19
 * app.register(fastifySecureSession, { key });
 * ```
 */
export interface SealedSessionPlugin extends FastifyPluginAsync<SecureSessionPluginOptions> {
  default: SealedSessionPlugin;
  fastifySecureSession: SealedSessionPlugin;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A new session holding `data`, not bound to a request (for encodeSecureSession). */
    createSecureSession(data?: Record<string, unknown>): Session;
    /** Opens a cookie value; null if absent, invalid, expired or sealed for another session. */
    decodeSecureSession(
      cookie: string | undefined,
      log?: Partial<Pick<FastifyBaseLogger, 'debug' | 'trace'>>,
      sessionName?: string,
    ): Session | null;
    /** Seals a session into a cookie value for `sessionName` (default: the first configured). */
    encodeSecureSession(session: Session, sessionName?: string): string;
  }
  interface FastifyRequest {
    session: Session<SessionData>;
  }
}

const kSlots = Symbol('sealed-session.slots');

interface Config {
  readonly parsed: ParsedConfig;
  readonly engine: SessionEngine<Record<string, unknown>>;
  reader: LegacyReader | undefined;
  legacy: boolean;
}

type Slots = (Slot | null | undefined)[];
type WithSlots = { [kSlots]: Slots | null };

function loadCookiePlugin(): FastifyPluginAsync<{ secret?: string | Buffer }> | undefined {
  try {
    const mod = createRequire(import.meta.url)('@fastify/cookie') as {
      default?: FastifyPluginAsync<{ secret?: string | Buffer }>;
    };
    return mod.default ?? (mod as unknown as FastifyPluginAsync<{ secret?: string | Buffer }>);
  } catch {
    return undefined;
  }
}

function withExpires(setCookie: string, expires: Date | undefined): string {
  if (expires === undefined || setCookie.includes('; Max-Age=0')) return setCookie;
  return `${setCookie}; Expires=${expires.toUTCString()}`;
}

async function sealedSession(fastify: FastifyInstance, options: SecureSessionPluginOptions): Promise<void> {
  useNativeBackend();
  const list = Array.isArray(options) ? options : [options];
  if (list.length === 0) throw expectedType('options', 'a session configuration or a non-empty array', list);
  const what = (i: number) => (Array.isArray(options) ? `options[${i}]` : 'options');
  const parsed = list.map((o, i) => parseConfig(o, what(i)));
  const names = new Set<string>();
  parsed.forEach((p, i) => {
    if (names.has(p.sessionName)) {
      throw new TypeError(
        `${what(i)}.sessionName: expected a name not used by another session, got a duplicate`,
      );
    }
    names.add(p.sessionName);
    if (p.secret) checkSecret(p.secret, what(i));
  });

  const ctx: LogContext = { log: undefined, reason: undefined, legacyReason: undefined };
  const sink = (user: DebugLog | undefined): DebugLog => {
    return (message, detail) => {
      ctx.reason = detail.reason;
      if (user) return user(message, detail);
      const log = ctx.log === undefined ? fastify.log : ctx.log;
      (log?.debug as ((o: object, m: string) => void) | undefined)?.call(log, detail, message);
    };
  };

  const configs: Config[] = [];
  const keyLists: Promise<Uint8Array[]>[] = [];
  parsed.forEach((p, i) => {
    const config = { parsed: p, reader: undefined, legacy: false } as unknown as Config;
    const legacy: LegacyOpener = (value, now) => {
      if (!config.legacy || !config.reader) return undefined;
      const r = config.reader(value, now);
      if (r.ok) return { data: r.data, createdAt: r.ts * 1000 };
      ctx.legacyReason = r.reason;
      return undefined;
    };
    const keys = p.keys ? Promise.resolve(p.keys) : deriveKey(p.secret!, what(i)).then((k) => [k]);
    keyLists.push(keys);
    const o = p.options;
    const engine = new SessionEngine<Record<string, unknown>>(
      {
        key: p.keys ? createKeyring(p.keys) : undefined,
        sessionName: p.sessionName,
        cookieName: p.cookieName,
        cookie: p.cookie,
        expiry: p.expiry,
        absoluteExpiry: p.absoluteExpiry,
        rolling: o.rolling,
        maxCookies: o.maxCookies,
        maxCookieBytes: o.maxCookieBytes,
        revocation: o.revocation,
        ...(o.subject === undefined ? {} : { subject: o.subject }),
        ...(o.cache === undefined ? {} : { cache: o.cache }),
        debug: sink(o.debug),
      },
      { keyring: p.keys ? undefined : keys.then((k) => createKeyring(k)), legacy, what: what(i) },
    );
    (config as { engine: SessionEngine<Record<string, unknown>> }).engine = engine;
    configs.push(config);
  });

  // Cookie names with their chunk names (THREATS 48): sessions `a` and `a.1` would both write `a.1`.
  assertDistinctCookieNames(
    configs.map((c) => c.engine),
    'options',
  );

  const resolved = await Promise.all(keyLists);
  await Promise.all(configs.map((c) => c.engine.ready));

  // The legacy format binds no session name: with a key shared between two sessions, a cookie of
  // one would open as the other. Legacy reading is therefore off for such sessions unless asked for.
  const secretboxOpen = sodiumSecretboxOpen();
  const owners = new Map<string, number>();
  resolved.forEach((keys, i) => {
    for (const k of keys) {
      const hex = toHex(k);
      const other = owners.get(hex);
      owners.set(hex, other === undefined || other === i ? i : -1);
    }
  });
  configs.forEach((c, i) => {
    const keys = resolved[i]!;
    const shared = keys.some((k) => owners.get(toHex(k)) === -1);
    c.legacy = c.parsed.legacy ?? !shared;
    if (c.legacy) {
      c.reader = createLegacyReader(keys, c.parsed.expiry, { signed: c.parsed.signed, open: secretboxOpen });
    }
  });

  const first = configs[0]!;
  const byName = new Map(configs.map((c, i) => [c.parsed.sessionName, i]));
  const indexOf = (sessionName: unknown, where: string): number => {
    const i = typeof sessionName === 'string' ? byName.get(sessionName) : undefined;
    if (i === undefined) {
      throw expectedType(`${where}(sessionName)`, `one of ${[...byName.keys()].join(', ')}`, sessionName);
    }
    return i;
  };

  fastify.decorate('createSecureSession', (data?: Record<string, unknown>): Session => {
    if (data !== undefined && (data === null || typeof data !== 'object')) {
      throw expectedType('createSecureSession(data)', 'an object', data);
    }
    const { __ts: _ts, ...fields } = data ?? {};
    const session = first.engine.create(fields);
    // As the original: a new session is not "changed" until something is set or touched.
    stateOf(session).changed = false;
    return wrap(session, ctx, undefined, first.parsed.expires) as Session;
  });

  fastify.decorate(
    'decodeSecureSession',
    (
      cookie: string | undefined,
      log: MinimalLogger | undefined = fastify.log,
      sessionName: string = first.parsed.sessionName,
    ): Session | null => {
      if (cookie === undefined) {
        (log?.trace as ((m: string) => void) | undefined)?.call(
          log,
          'sealed-session: there is no cookie, creating an empty session',
        );
        return null;
      }
      const config = configs[indexOf(sessionName, 'decodeSecureSession')]!;
      const debug = (m: string) => (log?.debug as ((m: string) => void) | undefined)?.call(log, m);
      if (typeof cookie !== 'string') {
        debug('sealed-session: the cookie is not a string, creating an empty session');
        return null;
      }
      // The one path that opens sessions (context, expiry, revocation), silent here: this
      // decorator logs its own line, as the original does.
      const previous = ctx.log;
      ctx.log = null;
      ctx.reason = undefined;
      ctx.legacyReason = undefined;
      let session: ReturnType<typeof config.engine.decode>;
      try {
        session = config.engine.decode(cookie);
      } finally {
        ctx.log = previous;
      }
      if (session === null) {
        if (cookie.includes(';')) debug(LEGACY_MESSAGES[(ctx.legacyReason ?? 'malformed') as LegacyReason]);
        else debug(`sealed-session: no session from the cookie (reason: ${ctx.reason ?? 'malformed'})`);
        return null;
      }
      return wrap(session, ctx, log, config.parsed.expires) as Session;
    },
  );

  fastify.decorate(
    'encodeSecureSession',
    (session: Session, sessionName: string = first.parsed.sessionName) => {
      const config = configs[indexOf(sessionName, 'encodeSecureSession')]!;
      const slot = unwrap(session);
      if (!slot) {
        throw expectedType(
          'encodeSecureSession(session)',
          'a session from request, createSecureSession or decodeSecureSession',
          session,
        );
      }
      ensureLoaded(slot);
      // Sealed by the engine (its payload shape, its idle deadline); no side effect on the session.
      return config.engine.encode(slot.session);
    },
  );

  const count = configs.length;
  const slotFor = (request: FastifyRequest, i: number): Slot | null => {
    const r = request as unknown as WithSlots;
    let slots = r[kSlots];
    if (!slots) {
      slots = new Array(count);
      r[kSlots] = slots;
    }
    const existing = slots[i];
    if (existing !== undefined) return existing;
    const config = configs[i]!;
    // The raw header, never @fastify/cookie's percent-decoded `request.cookies` (THREATS 49: one
    // spelling). The engine finds its cookie on first use: no work for a request that ignores it.
    const slot = wrapSlot(
      config.engine.load(request.headers.cookie),
      ctx,
      request.log,
      config.parsed.expires,
    );
    slots[i] = slot;
    return slot;
  };

  fastify.decorateRequest(kSlots as unknown as string, null);
  configs.forEach((c, i) => {
    fastify.decorateRequest(c.parsed.sessionName, {
      getter(this: FastifyRequest) {
        const slot = slotFor(this, i);
        return slot ? slot.proxy : slot;
      },
      setter(this: FastifyRequest, value: unknown) {
        const r = this as unknown as WithSlots;
        if (!r[kSlots]) r[kSlots] = new Array(count);
        if (value === null || value === undefined) {
          r[kSlots]![i] = null;
          return;
        }
        const slot = unwrap(value);
        if (!slot) {
          throw expectedType(
            `request.${c.parsed.sessionName}`,
            'a session from createSecureSession or decodeSecureSession',
            value,
          );
        }
        slot.proxy = value as object;
        r[kSlots]![i] = slot;
      },
    });
  });

  // A revocation store is asynchronous: open such sessions before the handler runs.
  const eager = configs.map((c, i) => (c.engine.eager ? i : -1)).filter((i) => i !== -1);
  if (eager.length > 0) {
    fastify.addHook('onRequest', async (request) => {
      for (const i of eager) {
        const slot = slotFor(request, i)!;
        slot.loaded = true;
        const previous = ctx.log;
        ctx.log = request.log;
        let prepared: Promise<void>;
        try {
          prepared = configs[i]!.engine.prepare(slot.session);
        } finally {
          ctx.log = previous;
        }
        await prepared;
      }
    });
  }

  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const slots = (request as unknown as WithSlots)[kSlots];
    if (slots) {
      for (let i = 0; i < count; i++) {
        const slot = slots[i];
        if (!slot) continue;
        let cookies: string[];
        try {
          cookies = configs[i]!.engine.commit(slot.session);
        } catch (err) {
          slots[i] = null; // once: the error response must not fail the same way
          done(err as Error);
          return;
        }
        for (const c of cookies) reply.header('set-cookie', withExpires(c, slot.expires));
      }
    }
    done(null, payload);
  });

  if (first.parsed.options.cookiePlugin !== false && !fastify.hasPlugin('@fastify/cookie')) {
    const cookie = loadCookiePlugin();
    if (cookie) {
      const secret = cookieSigningSecret(configs[configs.length - 1]!.parsed);
      // Registered for compatibility (the original registers it): `request.cookies`, `reply.setCookie`…
      // Its onRequest hook would parse every Cookie header of every request; instead the jar is
      // parsed on first read of `request.cookies` (lazyCookieJar), when Fastify's request class can
      // be found; otherwise the plugin's own hook runs as before.
      const Request = requestClassOf(fastify);
      await fastify.register(cookie, {
        secret: typeof secret === 'string' ? secret : Buffer.from(secret),
        ...(Request ? { hook: false } : {}),
      } as { secret?: string | Buffer });
      if (Request) lazyCookieJar(fastify, Request);
    }
  }
}

/** The fields of Fastify's request class this module reads (fastify/lib/request.js, 5.x). */
interface RequestClass {
  prototype: object;
  props: { key: string; value: unknown }[];
}

/** This instance's request class, or undefined when its shape is not the one known here. */
function requestClassOf(fastify: FastifyInstance): RequestClass | undefined {
  const symbol = Object.getOwnPropertySymbols(fastify).find((s) => s.description === 'fastify.Request');
  const R = symbol === undefined ? undefined : (fastify as unknown as Record<symbol, unknown>)[symbol];
  if (typeof R !== 'function') return undefined;
  const r = R as unknown as RequestClass;
  if (!Array.isArray(r.props) || Object.hasOwn(r.prototype, 'cookies')) return undefined;
  return r;
}

const kJar = Symbol('sealed-session.cookies');

/**
 * Replaces @fastify/cookie's per-request `cookies` field (null, then filled by its hook) with an
 * accessor on the request prototype that parses the raw header with the plugin's own
 * `fastify.parseCookie` on first read. Same jar, same parser; a request that never reads
 * `request.cookies` never parses. Assignments (`request.cookies = …`, as the plugin's
 * `reply.setCookie` does) replace the jar, as before.
 */
function lazyCookieJar(fastify: FastifyInstance, R: RequestClass): void {
  const at = R.props.findIndex((p) => p.key === 'cookies');
  const parse = (fastify as unknown as { parseCookie?: (header: string) => Record<string, string> })
    .parseCookie;
  if (at === -1 || typeof parse !== 'function') {
    throw new Error('sealed-session/fastify: @fastify/cookie registered without request.cookies');
  }
  R.props.splice(at, 1);
  type Jarred = { [kJar]?: Record<string, string | undefined>; raw: { headers: { cookie?: string } } };
  Object.defineProperty(R.prototype, 'cookies', {
    configurable: true,
    enumerable: false,
    get(this: Jarred) {
      let jar = this[kJar];
      if (jar === undefined) {
        const header = this.raw.headers.cookie;
        jar = header ? parse(header) : {};
        this[kJar] = jar;
      }
      return jar;
    },
    set(this: Jarred, value: Record<string, string | undefined>) {
      this[kJar] = value;
    },
  });
}

/**
 * The Fastify plugin: a drop-in for `@fastify/secure-session` 8.x (same options, request API and
 * decorators) that seals sessions in the versioned, context-bound sealed-session format, opens
 * cookies written by `@fastify/secure-session` and re-issues them, refuses a bad key at registration
 * (naming its index), and turns any hostile cookie into an empty session, never a 500.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import sealedSession from 'sealed-session/fastify';
 *
 * const app = Fastify();
 * await app.register(sealedSession, { key: process.env.SESSION_KEY!, expiry: 3600 });
 * app.post('/login', async (request) => {
 *   request.session.regenerate();
 *   request.session.set('userId', 42);
 *   return 'ok';
 * });
 * ```
 */
const plugin = fp(sealedSession, {
  fastify: '5.x',
  name: 'sealed-session/fastify',
}) as unknown as SealedSessionPlugin;
plugin.default = plugin;
plugin.fastifySecureSession = plugin;

export default plugin;
/** Named export, as `@fastify/secure-session`'s `fastifySecureSession`. */
// `require('sealed-session/fastify')` (Node 20.19+ require(esm)) returns the plugin itself, as the
// original's `module.exports`.
export { plugin as fastifySecureSession, plugin as 'module.exports' };

/**
 * The core session behind `request.session` (id, createdAt, expiresAt), or undefined for other values.
 *
 * @example
 * ```ts
 * import { sessionInfo } from 'sealed-session/fastify';
 * request.log.info({ sessionId: sessionInfo(request.session)?.id }, 'login');
 * ```
 */
export function sessionInfo(
  session: unknown,
): { id: string; createdAt: number; expiresAt: number | undefined } | undefined {
  const slot = unwrap(session);
  if (!slot) return undefined;
  ensureLoaded(slot);
  const s: CoreSession<Record<string, unknown>> = slot.session;
  return { id: s.id, createdAt: s.createdAt, expiresAt: s.expiresAt };
}
