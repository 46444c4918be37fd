// getIronSession: iron-session 8/9's API — a plain object holding the data, with non-enumerable
// save() / destroy() / updateConfig() — on our session engine (src/session): sealed in our format,
// bound to the cookie name, chunked when `chunk: true`. Existing iron `Fe26.2` cookies (one cookie,
// or iron 9's `<name>.0…` chunks) and `sealData` tokens open too, and are re-issued in our format
// by the next save(). A bad cookie of any kind gives an empty session, never an exception.
import { CookieTooLargeError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import { open } from '../core/token.js';
import { SessionEngine } from '../session/engine.js';
import type { Session } from '../session/session.js';
import {
  type CookieJar,
  type CookieStore,
  cookieStoreJar,
  isCookieJar,
  isCookieStore,
  type NodeRequestLike,
  type NodeResponseLike,
  requestJar,
} from './jar.js';
import { keyringOf } from './keys.js';
import { isIronSeal, openIron } from './legacy.js';
import {
  BAD_USAGE,
  type IronConfig,
  type IronSessionOptions,
  MAX_CHUNKS,
  MAX_TTL,
  resolveConfig,
  type UnsealErrorReason,
} from './options.js';
import { reasonOf, SEAL_DATA_CONTEXT, sealLifetime } from './seal.js';

/**
 * The session: your data as plain properties (`session.user = …`, `delete session.user`), plus
 * three non-enumerable, read-only methods.
 *
 * @example
 * ```ts
 * const session: IronSession<{ user?: { id: number } }> = await getIronSession(await cookies(), options);
 * session.user = { id: 1 };
 * await session.save();
 * ```
 */
export type IronSession<T> = Partial<T> & {
  /** Seals the data and writes the cookie(s); starts the ttl again. Throws if headers were sent. */
  readonly save: () => Promise<void>;
  /** Empties the session and expires its cookie(s). */
  readonly destroy: () => void;
  /** Changes cookie name, ttl and cookie options for the next save (the passwords stay). */
  readonly updateConfig: (newSessionOptions: IronSessionOptions) => void;
};

// Engines are built once per (keyring, cookie settings), not per request.
const engines = new WeakMap<Keyring, Map<string, SessionEngine<Record<string, unknown>>>>();
const MAX_ENGINES = 32;

/** The reason of the last refusal, set synchronously by the engine's debug hook during a load. */
let lastReason: string | undefined;
const debug = (_message: string, detail: { reason: string }): void => {
  lastReason = detail.reason;
};

function engineFor(ring: Keyring, config: IronConfig): SessionEngine<Record<string, unknown>> {
  const c = config.cookieOptions;
  const cookie = {
    domain: c.domain,
    path: c.path ?? '/',
    httpOnly: c.httpOnly ?? false,
    secure: c.secure ?? false,
    sameSite: c.sameSite ?? false,
    partitioned: c.partitioned ?? false,
    priority: c.priority,
  };
  const key = JSON.stringify([config.cookieName, config.ttl, config.chunk, cookie]);
  let byConfig = engines.get(ring);
  if (!byConfig) {
    byConfig = new Map();
    engines.set(ring, byConfig);
  }
  let engine = byConfig.get(key);
  if (!engine) {
    engine = new SessionEngine<Record<string, unknown>>(
      {
        key: ring,
        cookieName: config.cookieName,
        cookie,
        expiry: sealLifetime(config.ttl),
        absoluteExpiry: MAX_TTL,
        rolling: false,
        maxCookies: config.chunk ? MAX_CHUNKS : 1,
        debug,
      },
      {
        what: 'options',
        // In the user's terms: `maxCookies` is ours, `chunk: true` is theirs (one cookie: no warning).
        budgetWarning: (budget) =>
          `sealed-session/iron: options.chunk is true: cookie '${config.cookieName}' may span ${MAX_CHUNKS} cookies, up to ${budget} bytes of a request's Cookie header. curl, nginx and Apache refuse request headers over 8 KB (8190 bytes) by default, and curl then drops the session cookie (the user is logged out). Keep a chunked session under 6144 bytes: store an id in the session and keep large data on the server.`,
      },
    );
    if (byConfig.size >= MAX_ENGINES) byConfig.clear();
    byConfig.set(key, engine);
  }
  return engine;
}

function unsealReason(engineReason: string | undefined): UnsealErrorReason {
  if (engineReason?.startsWith('expired')) return 'expired';
  if (engineReason === 'unknown-key') return 'unknown-password';
  return 'invalid';
}

function tooBig(config: IronConfig, err: CookieTooLargeError): Error {
  return new Error(
    config.chunk
      ? `iron-session: The session needs more than ${MAX_CHUNKS} cookies, the maximum. Store an id in the session and keep the data in your database.`
      : 'iron-session: Cookie length is too big, browsers will refuse it. Remove some data from the session, or set `chunk: true` to split it across several cookies.',
    { cause: err },
  );
}

/** iron 9 chunks (`<name>.0`, `<name>.1`, … up to 4): the names present, in order. */
function ironChunks(jar: CookieJar, cookieName: string): string[] {
  const names: string[] = [];
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const name = `${cookieName}.${i}`;
    if (!jar.read(name)) break;
    names.push(name);
  }
  return names;
}

async function createSession<T>(jar: CookieJar, options: IronSessionOptions): Promise<IronSession<T>> {
  let config = resolveConfig(options);
  const { password } = options;
  let data: Record<string, unknown> = {};
  /** The engine's view of this request's session (what was read, which chunks are present). */
  let engineSession: Session<Record<string, unknown>> | undefined;
  let engineOfSession: SessionEngine<Record<string, unknown>> | undefined;
  /** Cookies of iron's format to expire once the session moved to ours. */
  let legacyNames: string[] = [];

  const report = (reason: UnsealErrorReason, error: unknown) => {
    try {
      config.onUnsealError?.(reason, error);
    } catch {
      // "This hook must not throw": if it does, the session is empty all the same.
    }
  };

  const first = jar.read(config.cookieName);
  const chunks = first ? [] : ironChunks(jar, config.cookieName);
  if (first && !isIronSeal(first)) {
    const ring = await keyringOf(config.passwords);
    const engine = engineFor(ring, config);
    engineSession = engine.load((name) => jar.read(name));
    engineOfSession = engine;
    lastReason = undefined;
    data = engineSession.data();
    const reason = lastReason as string | undefined;
    if (reason !== undefined) {
      // Not one of our session cookies: perhaps a sealData token (iron lets those be cookies).
      let fallback: UnsealErrorReason = unsealReason(reason);
      let opened = false;
      try {
        const value = open<unknown>(first, ring, { context: SEAL_DATA_CONTEXT }).value;
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          data = { ...(value as Record<string, unknown>) };
          opened = true;
        }
      } catch (err) {
        if (reasonOf(err) !== 'invalid') fallback = reasonOf(err);
      }
      if (!opened) report(fallback, new Error(`sealed-session/iron: session cookie refused (${fallback})`));
    }
  } else if (first || chunks.length > 0) {
    const seal = first ?? chunks.map((n) => jar.read(n) ?? '').join('');
    legacyNames = chunks;
    const r = await openIron(seal, config);
    if (r.ok) data = r.data;
    else report(r.reason, r.error);
  }

  const session = data as IronSession<T> & Record<string, unknown>;
  let destroyed = false;

  const ensureEngine = async (): Promise<{
    engine: SessionEngine<Record<string, unknown>>;
    s: Session<Record<string, unknown>>;
  }> => {
    const ring = await keyringOf(config.passwords);
    const engine = engineFor(ring, config);
    if (!engineSession || engineOfSession !== engine) {
      // First save, or the cookie settings changed (updateConfig): a session of this engine.
      const previous = engineSession;
      engineSession = engine.load(previous ? undefined : (name) => jar.read(name));
      engineOfSession = engine;
    }
    return { engine, s: engineSession };
  };

  const write = (lines: readonly string[]): Set<string> => {
    const written = new Set<string>();
    for (const line of lines) {
      const eq = line.indexOf('=');
      const semi = line.indexOf(';');
      const name = line.slice(0, eq);
      const value = line.slice(eq + 1, semi === -1 ? undefined : semi);
      jar.write(name, value, value === '' ? { ...config.cookieOptions, maxAge: 0 } : config.cookieOptions);
      written.add(name);
    }
    return written;
  };

  Object.defineProperties(session, {
    updateConfig: {
      value: function updateConfig(newSessionOptions: IronSessionOptions): void {
        // As iron-session 8: the passwords are those the session was opened with.
        config = resolveConfig({ ...newSessionOptions, password });
      },
    },
    save: {
      value: async function save(): Promise<void> {
        if (destroyed) {
          if (Object.keys(session).length === 0) return;
          throw new Error(
            'iron-session: Cannot save a destroyed session that has data written back into it. session.destroy() signs the user out, and saving these fields would restore the cookie you just cleared. Get a fresh session if you need to write one.',
          );
        }
        jar.assertWritable?.();
        const { engine, s } = await ensureEngine();
        try {
          for (const k of Object.keys(s.data())) if (!Object.hasOwn(session, k)) s.set(k, undefined);
          for (const k of Object.keys(session)) s.set(k, session[k]);
        } catch (err) {
          if (err instanceof CookieTooLargeError) throw tooBig(config, err);
          throw err;
        }
        s.touch();
        let lines: string[];
        try {
          lines = engine.commit(s);
        } catch (err) {
          if (err instanceof CookieTooLargeError) throw tooBig(config, err);
          throw err;
        }
        const written = write(lines);
        // iron 9's chunks (`<name>.0`, …) are erased once moved, except names our cookies now use.
        for (const name of legacyNames) {
          if (!written.has(name)) jar.write(name, '', { ...config.cookieOptions, maxAge: 0 });
        }
        legacyNames = [];
      },
    },
    destroy: {
      value: function destroy(): void {
        destroyed = true;
        for (const k of Object.keys(session)) delete session[k];
        const names = new Set<string>([config.cookieName, ...legacyNames]);
        if (engineSession && engineOfSession) {
          // The engine knows which of our chunks the request carried.
          engineSession.delete();
          for (const line of engineOfSession.commit(engineSession))
            names.add(line.slice(0, line.indexOf('=')));
        }
        for (const name of ironChunks(jar, config.cookieName)) names.add(name);
        for (const name of names) jar.write(name, '', { ...config.cookieOptions, maxAge: 0 });
        legacyNames = [];
      },
    },
  });
  return session;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * The session of this request, as iron-session 8/9 returns it: from a `cookies()` store (App
 * Router: Route Handlers, Server Actions, Server Components — where Next allows only reading) or
 * a cookie jar, or from a request and its response (Node `IncomingMessage`/`ServerResponse`,
 * Web `Request`/`Response`). Options are checked with iron-session's messages.
 *
 * @example
 * ```ts
 * // app/api/login/route.ts (Next.js App Router)
 * import { cookies } from 'next/headers';
 * import { getIronSession } from 'sealed-session/iron';
 * export async function POST() {
 *   const session = await getIronSession<{ user?: string }>(await cookies(), {
 *     password: process.env.SESSION_PASSWORD!,
 *     cookieName: 'app_session',
 *   });
 *   session.user = 'alice';
 *   await session.save();
 *   return Response.json({ ok: true });
 * }
 * ```
 */
export async function getIronSession<T extends object>(
  cookies: CookieStore | CookieJar | Promise<CookieStore>,
  sessionOptions: IronSessionOptions,
): Promise<IronSession<T>>;
/**
 * The session of a request/response pair: Node `IncomingMessage`/`ServerResponse` (Express, the
 * Next.js Pages Router, `node:http`) or Web `Request`/`Response` (or `Headers`).
 *
 * @example
 * ```ts
 * // pages/api/user.ts (Next.js Pages Router)
 * export default async function handler(req: NextApiRequest, res: NextApiResponse) {
 *   const session = await getIronSession<{ user?: string }>(req, res, sessionOptions);
 *   res.json({ user: session.user ?? null });
 * }
 * ```
 */
export async function getIronSession<T extends object>(
  req: NodeRequestLike | Request,
  res: NodeResponseLike | Response | Headers,
  sessionOptions: IronSessionOptions,
): Promise<IronSession<T>>;
export async function getIronSession<T extends object>(
  first: unknown,
  second: unknown,
  third?: unknown,
): Promise<IronSession<T>> {
  if (!first || !second) throw new Error(BAD_USAGE);
  if (third === undefined) {
    const store = isThenable(first) ? await first : first;
    if (isCookieJar(store)) return createSession<T>(store, second as IronSessionOptions);
    if (isCookieStore(store)) return createSession<T>(cookieStoreJar(store), second as IronSessionOptions);
    throw new Error(BAD_USAGE);
  }
  if (!third || typeof third !== 'object') throw new Error(BAD_USAGE);
  // Options first, as iron-session does: a misconfiguration is reported before the request is read.
  resolveConfig(third);
  return createSession<T>(requestJar(first, second), third as IronSessionOptions);
}
