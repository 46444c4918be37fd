// Where a session's cookies are read and written: iron-session 9's "cookie jar" abstraction. One
// jar per request kind — Node `IncomingMessage`/`ServerResponse` (Express, Connect, the Next.js
// Pages Router), Web `Request`/`Response`, a `cookies()`-style store (Next's App Router), and
// Next's `proxy.ts` (request + response cookies). Structural: nothing here imports Node or Next.
import { parseCookie, stringifySetCookie } from 'cookie';
import { BAD_USAGE, type IronCookieOptions } from './options.js';

/**
 * What a session needs from where it lives (iron-session 9's `CookieJar`).
 *
 * @example
 * ```ts
 * const jar: CookieJar = { read: (name) => cookies[name], write: (name, value) => { cookies[name] = value; } };
 * ```
 */
export interface CookieJar {
  read: (name: string) => string | undefined;
  write: (name: string, value: string, options: IronCookieOptions) => void;
  /** Names of the cookies the request carries (optional). */
  names?: () => string[];
  /** Throws when a cookie can no longer be written (headers already sent). */
  assertWritable?: () => void;
}

/**
 * A `cookies()`-style store: `await cookies()` from `next/headers`, or anything with `get` and `set`.
 * `set` takes a required third argument so that Next's own type is assignable.
 *
 * @example
 * ```ts
 * import { cookies } from 'next/headers';
 * const store: CookieStore = await cookies();
 * ```
 */
export interface CookieStore {
  get: (name: string) => { name?: string; value: string } | undefined;
  getAll?: () => { name: string; value: string }[];
  set: (name: string, value: string, cookie: IronCookieOptions) => unknown;
}

/**
 * The Node request shape read here (`IncomingMessage`, Express's `req`).
 *
 * @example
 * ```ts
 * const req: NodeRequestLike = { headers: { cookie: 'a=b' } };
 * ```
 */
export interface NodeRequestLike {
  headers: { cookie?: string | undefined } | Record<string, string | string[] | undefined>;
}

/**
 * The Node response shape written here (`ServerResponse`, Express's `res`).
 *
 * @example
 * ```ts
 * const res: NodeResponseLike = serverResponse; // from node:http
 * ```
 */
export interface NodeResponseLike {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  headersSent?: boolean;
}

/** @internal one `Set-Cookie` value with iron's attributes (`maxAge: undefined` means no Max-Age). */
export function serializeCookie(name: string, value: string, options: IronCookieOptions): string {
  const { maxAge, ...rest } = options;
  return stringifySetCookie(name, value, maxAge === undefined ? rest : { ...rest, maxAge });
}

function lazyCookies(header: () => string | null | undefined): (name: string) => string | undefined {
  let jar: Record<string, string | undefined> | undefined;
  return (name) => {
    if (jar === undefined) {
      try {
        jar = parseCookie(header() ?? '');
      } catch {
        jar = {}; // an unparsable Cookie header carries no session
      }
    }
    return Object.hasOwn(jar, name) ? jar[name] : undefined;
  };
}

function headerNames(header: () => string | null | undefined) {
  return (): string[] => {
    try {
      return Object.keys(parseCookie(header() ?? ''));
    } catch {
      return [];
    }
  };
}

/**
 * A jar over Node's `http` request and response (also Express, Connect, Next.js API routes).
 * Existing `Set-Cookie` headers are kept.
 *
 * @example
 * ```ts
 * const session = await getIronSession(nodeCookies(req, res), sessionOptions);
 * ```
 */
export function nodeCookies(req: NodeRequestLike, res: NodeResponseLike): CookieJar {
  const header = () => {
    const c = (req.headers as { cookie?: unknown } | undefined)?.cookie;
    return typeof c === 'string' ? c : undefined;
  };
  const read = lazyCookies(header);
  return {
    read,
    names: headerNames(header),
    assertWritable: () => {
      if (res.headersSent) {
        throw new Error(
          'iron-session: Cannot set session cookie: session.save() was called after headers were sent. Make sure to call it before any res.send() or res.end()',
        );
      }
    },
    write: (name, value, options) => {
      const existing = res.getHeader('set-cookie') ?? [];
      const previous = Array.isArray(existing) ? existing : [String(existing)];
      res.setHeader('set-cookie', [...previous, serializeCookie(name, value, options)]);
    },
  };
}

/**
 * A jar over a Web `Request` and a `Response` (or bare `Headers`) whose headers can be appended to.
 *
 * @example
 * ```ts
 * const headers = new Headers();
 * const session = await getIronSession(webCookies(request, headers), sessionOptions);
 * return new Response('ok', { headers });
 * ```
 */
export function webCookies(request: Request, response: Response | Headers): CookieJar {
  const header = () => request.headers.get('cookie');
  const read = lazyCookies(header);
  const isHeaders = typeof (response as Headers).append === 'function';
  return {
    read,
    names: headerNames(header),
    assertWritable: () => {
      if (!isHeaders && (response as Response).bodyUsed) {
        throw new Error(
          'iron-session: Cannot set session cookie: the response body has already been consumed, so the Set-Cookie header would be dropped. Call session.save() before returning or streaming the response.',
        );
      }
    },
    write: (name, value, options) => {
      const headers = isHeaders ? (response as Headers) : (response as Response).headers;
      headers.append('set-cookie', serializeCookie(name, value, options));
    },
  };
}

/**
 * Next.js request cookies as `proxy.ts` sees them (`RequestCookies`): readable, and writable without
 * attributes.
 *
 * @example
 * ```ts
 * const cookies: NextRequestCookies = request.cookies; // request: NextRequest
 * ```
 */
export interface NextRequestCookies {
  get: (name: string) => { name?: string; value: string } | undefined;
  getAll?: () => { name: string; value: string }[];
  set: (...args: [name: string, value: string]) => unknown;
}

/**
 * Next.js response cookies (`ResponseCookies` of a `NextResponse`).
 *
 * @example
 * ```ts
 * const cookies: NextResponseCookies = NextResponse.next().cookies;
 * ```
 */
export interface NextResponseCookies {
  set: (name: string, value: string, cookie: IronCookieOptions) => unknown;
}

/**
 * A jar for Next.js `proxy.ts` (Next 16's name for `middleware.ts`): reads the request's cookies,
 * writes to the response, and to the request as well, so that code rendering later in the same
 * request sees the new value.
 *
 * @example
 * ```ts
 * export async function proxy(request: NextRequest) {
 *   const response = NextResponse.next();
 *   const session = await getIronSession(nextProxyCookies(request, response), sessionOptions);
 *   await session.save();
 *   return response;
 * }
 * ```
 */
export function nextProxyCookies(
  request: { cookies: NextRequestCookies },
  response: { cookies: NextResponseCookies },
): CookieJar {
  return {
    read: (name) => request.cookies.get(name)?.value,
    names: () => request.cookies.getAll?.().map((c) => c.name) ?? [],
    write: (name, value, options) => {
      response.cookies.set(name, value, options);
      request.cookies.set(name, value);
    },
  };
}

/** @internal a `cookies()` store as a jar. */
export function cookieStoreJar(store: CookieStore): CookieJar {
  return {
    read: (name) => {
      const v = store.get(name)?.value;
      return typeof v === 'string' ? v : undefined;
    },
    names: () => store.getAll?.().map((c) => c.name) ?? [],
    write: (name, value, options) => {
      store.set(name, value, options);
    },
  };
}

/** @internal */
export function isCookieJar(value: unknown): value is CookieJar {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CookieJar).read === 'function' &&
    typeof (value as CookieJar).write === 'function'
  );
}

/** @internal */
export function isCookieStore(value: unknown): value is CookieStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CookieStore).get === 'function' &&
    typeof (value as CookieStore).set === 'function'
  );
}

/** @internal the jar for `getIronSession(req, res, options)`: Web or Node, by shape. */
export function requestJar(req: unknown, res: unknown): CookieJar {
  if (req === null || typeof req !== 'object' || res === null || typeof res !== 'object') {
    throw new Error(BAD_USAGE);
  }
  const headers = (req as { headers?: unknown }).headers;
  if (typeof (headers as Headers | undefined)?.get === 'function') {
    return webCookies(req as Request, res as Response | Headers);
  }
  return nodeCookies(req as NodeRequestLike, res as NodeResponseLike);
}
