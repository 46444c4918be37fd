// SecureFetch: a drop-in `fetch` that signs every request (RFC 9421), encrypts its body, and only
// returns responses that the server signed, bound to that very request, and that decrypt. Built as
// a closure over the keys (no `new Function`, no readable secret); callable with or without `new`.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { expectedType } from '../core/errors.js';
import { fromBase64Url, fromUtf8, toBase64, toBase64Url, utf8 } from '../internal/base64.js';
import { equalBytes } from '../internal/compare.js';
import { randomBytes } from '../internal/random.js';
import { SignedResponseError } from './errors.js';
import {
  checkSecretKeyShape,
  createEphemeral,
  createVerifier,
  dhPublicOf,
  loadSecretKey,
  type PublicKeyInput,
  parsePublicKey,
  RFC_ALG,
  type SecretKeyInput,
} from './keys.js';
import {
  canonicalTarget,
  contentDigest,
  digestMatches,
  KEY_HEADER,
  type MessageView,
  REQUEST_COMPONENTS,
  RESPONSE_COMPONENTS,
  readSignature,
  signatureBase,
  signatureHeaders,
  signatureParams,
  timely,
  WIRE_TYPE,
} from './protocol.js';
import { agreementKey, HMAC_ALG, messageKey, openBody, replyMacKey, reviveData, sealBody } from './seal.js';
import { CryptoSession } from './session.js';

/**
 * The fetch-compatible function SecureFetch wraps (defaults to the global `fetch`).
 *
 * @example
 * ```ts
 * const secureFetch = SecureFetch(serverKey, keys, { fetcher: (input, init) => undici.fetch(input, init) });
 * ```
 */
export type Fetcher = (input: RequestInfo | URL, init?: RequestInit) => Response | Promise<Response>;

/**
 * Options of {@link SecureFetch}; every other `RequestInit` member acts as a default for each request.
 *
 * @example
 * ```ts
 * const options: SecureFetchOptions = { hostname: 'https://api.example.com', verbose: true, credentials: 'omit' };
 * ```
 */
export interface SecureFetchOptions extends RequestInit {
  /** Base URL that relative request paths resolve against (crypto-sessions' `hostname`). */
  hostname?: string;
  /** The underlying fetch (defaults to `globalThis.fetch`). */
  fetcher?: Fetcher;
  /** Log one line per request (method, origin + path, status); `true` logs with console.debug. Never logs headers, bodies or keys. */
  verbose?: boolean | ((line: string) => void);
  /** Accepted clock difference for a response's `created` time, in seconds (default 300). */
  maxSkew?: number;
  /** How long one ephemeral key-agreement key is used, in milliseconds (default 5 minutes). */
  ephemeralTtl?: number;
}

/**
 * What a {@link SecureFetch} call accepts: a `RequestInit` whose body may also be a plain object or
 * array, sent as JSON (crypto-sessions' `body: { challenge }`).
 *
 * @example
 * ```ts
 * const init: SecureRequestInit = { method: 'POST', body: { text: 'hello' } };
 * await secureFetch('/notes', init);
 * ```
 */
export interface SecureRequestInit extends Omit<RequestInit, 'body'> {
  body?: BodyInit | null | Readonly<Record<string, unknown>> | readonly unknown[];
}

/**
 * A verified response: the usual `Response` (its body is the decrypted plaintext) plus `data`. Its
 * headers are only those the server's reply signature covers, plus the content type that travelled
 * encrypted; nothing an on-path party added (`Set-Cookie`, anything else) appears on it.
 *
 * @example
 * ```ts
 * const res: SecureResponse = await secureFetch('/me');
 * if (res.ok) render(res.data);
 * ```
 */
export interface SecureResponse extends Response {
  /** The decrypted, verified payload: parsed JSON, text, or bytes (undefined for an empty body). */
  readonly data: unknown;
  /**
   * Never set: kept so that crypto-sessions code (`if (!res.ok || res.err !== undefined)`) compiles.
   * crypto-sessions put a failed check here and returned the unverified response; a reply that
   * fails verification throws {@link SignedResponseError} instead, so a response you hold verified.
   */
  readonly err?: undefined;
}

/**
 * The function {@link SecureFetch} returns.
 *
 * @example
 * ```ts
 * const secureFetch: SecureFetchFunction = SecureFetch(serverKey, keys);
 * console.log(secureFetch.serverKey);
 * ```
 */
export interface SecureFetchFunction {
  (input: RequestInfo | URL, init?: SecureRequestInit): Promise<SecureResponse>;
  /** Session with the server key (public information and peer-to-peer helpers only). */
  readonly session: CryptoSession;
  /** The server public key requests are encrypted to and responses verified with. */
  readonly serverKey: string;
  readonly hostname: string;
  readonly verbose: boolean;
}

/**
 * {@link SecureFetch}, callable with or without `new`.
 *
 * @example
 * ```ts
 * const a = SecureFetch(serverKey, keys);
 * const b = new SecureFetch(serverKey, keys); // same thing
 * ```
 */
export interface SecureFetchConstructor {
  new (
    serverPublicKey: PublicKeyInput,
    clientSecretKey: SecretKeyInput,
    options?: SecureFetchOptions,
  ): SecureFetchFunction;
  (
    serverPublicKey: PublicKeyInput,
    clientSecretKey: SecretKeyInput,
    options?: SecureFetchOptions,
  ): SecureFetchFunction;
  readonly prototype: SecureFetchFunction;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const STRIP = ['signature', 'signature-input', 'content-digest', KEY_HEADER];

async function bodyBytes(body: unknown, headers: Headers): Promise<Uint8Array | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return utf8(body);
  }
  if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return utf8(body.toString());
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body))
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    if (!headers.has('content-type') && body.type) headers.set('content-type', body.type);
    return new Uint8Array(await body.arrayBuffer());
  }
  // A plain object or array (crypto-sessions' `body: { challenge }`): sent as JSON.
  if (typeof body === 'object' && (Array.isArray(body) || isPlainObject(body))) {
    const json = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return utf8(json);
  }
  throw expectedType(
    'body',
    'a string, URLSearchParams, ArrayBuffer, typed array, Blob, or a plain object or array (sent as JSON); FormData and streams cannot be signed',
    body,
  );
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Own properties only: a polluted Object.prototype (say `.method = 'DELETE'`) must not leak in.
function own<T extends object, K extends keyof T>(o: T | undefined, k: K): T[K] | undefined {
  return o !== undefined && Object.hasOwn(o, k) ? o[k] : undefined;
}

function positive(what: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw expectedType(what, 'a positive number', v);
  return v;
}

function createSecureFetch(
  serverPublicKey: PublicKeyInput,
  clientSecretKey: SecretKeyInput,
  options: SecureFetchOptions = {},
): SecureFetchFunction {
  const server = parsePublicKey(serverPublicKey, 'serverPublicKey');
  checkSecretKeyShape(clientSecretKey, 'clientSecretKey');
  if (typeof options !== 'object' || options === null) throw expectedType('options', 'an object', options);
  const { hostname, fetcher, verbose, maxSkew, ephemeralTtl, ...defaults } = options;
  if (hostname !== undefined && typeof hostname !== 'string')
    throw expectedType('options.hostname', 'a string', hostname);
  if (hostname) new URL(hostname); // throws TypeError at construction for an unusable base
  if (fetcher !== undefined && typeof fetcher !== 'function')
    throw expectedType('options.fetcher', 'a function', fetcher);
  if (verbose !== undefined && typeof verbose !== 'boolean' && typeof verbose !== 'function')
    throw expectedType('options.verbose', 'a boolean or a function', verbose);
  const skew = positive('options.maxSkew', maxSkew, 300);
  const ttl = positive('options.ephemeralTtl', ephemeralTtl, 300_000);
  const doFetch: Fetcher = fetcher ?? ((i, n) => globalThis.fetch(i, n));
  const log =
    verbose === true ? (l: string) => console.debug(l) : typeof verbose === 'function' ? verbose : null;

  const ownKey = loadSecretKey(clientSecretKey, 'clientSecretKey');
  ownKey.catch(() => {});
  const verifyServer = createVerifier(server);
  verifyServer.catch(() => {});
  const serverDh = dhPublicOf(server);
  const session = new CryptoSession(server.id, clientSecretKey);
  const serverAlg = RFC_ALG[server.alg];

  // One ephemeral agreement per `ttl`: the server caches the agreement, so requests stay cheap,
  // and a stolen client key never decrypts recorded traffic.
  let agreement: { at: number; epk: Promise<Uint8Array>; prk: Promise<Uint8Array> } | null = null;
  function currentAgreement(): { epk: Promise<Uint8Array>; prk: Promise<Uint8Array> } {
    const now = Date.now();
    if (!agreement || now - agreement.at > ttl) {
      const eph = createEphemeral(server);
      const epk = eph.then((e) => e.publicKey);
      const prk = eph.then(async (e) => agreementKey(await e.derive(), e.publicKey, serverDh));
      prk.catch(() => {
        agreement = null;
      });
      agreement = { at: now, epk, prk };
    }
    return agreement;
  }

  async function secureFetch(input: RequestInfo | URL, init?: SecureRequestInit): Promise<SecureResponse> {
    const key = await ownKey;
    let url: URL;
    let method: string | undefined;
    const headers = new Headers(own(defaults, 'headers'));
    let body: unknown = own(defaults, 'body');
    if (typeof Request !== 'undefined' && input instanceof Request) {
      url = new URL(input.url);
      method = input.method;
      input.headers.forEach((v, k) => {
        headers.set(k, v);
      });
      if (input.body && own(init, 'body') === undefined) {
        body = new Uint8Array(await input.arrayBuffer());
        if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
      }
    } else if (typeof input === 'string' || input instanceof URL) {
      url = hostname ? new URL(String(input), hostname) : new URL(String(input));
    } else throw expectedType('input', 'a URL string, a URL or a Request', input);
    if (init !== undefined && (typeof init !== 'object' || init === null))
      throw expectedType('init', 'an object', init);
    if (own(init, 'headers'))
      new Headers(own(init, 'headers')).forEach((v, k) => {
        headers.set(k, v);
      });
    if (own(init, 'body') !== undefined) body = own(init, 'body');
    method = String(own(init, 'method') ?? method ?? own(defaults, 'method') ?? 'GET').toUpperCase();
    if (!METHODS.has(method)) throw expectedType('method', `one of ${[...METHODS].join(', ')}`, method);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw expectedType('url', 'an http(s) URL', url.protocol);
    url.hash = '';
    // The server verifies the raw target it routes on and refuses any other spelling: say so here.
    if (!url.href.startsWith(url.origin) || !canonicalTarget(url.origin, url.href.slice(url.origin.length)))
      throw expectedType(
        'url',
        'a URL whose path has no encoded dot, slash or backslash (%2e, %2f, %5c) and no credentials',
        url.pathname,
      );

    const plain = await bodyBytes(body, headers);
    if (plain && (method === 'GET' || method === 'HEAD'))
      throw new TypeError(`${method} requests cannot have a body`);
    const contentType = headers.get('content-type') ?? 'application/octet-stream';
    for (const h of STRIP) headers.delete(h);
    headers.delete('content-type');

    const { epk: epkP, prk: prkP } = currentAgreement();
    const [epk, prk] = await Promise.all([epkP, prkP]);
    const nonce = toBase64Url(randomBytes(16));
    let wire: Uint8Array = new Uint8Array(0);
    if (plain) {
      wire = utf8(toBase64Url(sealBody(messageKey(prk, 'c2s', nonce), contentType, plain)));
      headers.set('content-type', WIRE_TYPE);
    }
    headers.set('content-digest', contentDigest(wire));
    // `kid` names the server key this request is encrypted to (lets the server rotate keys).
    headers.set(KEY_HEADER, `:${toBase64(epk)}:;kid="${server.id}"`);
    const created = Math.floor(Date.now() / 1000);
    const list = signatureParams(REQUEST_COMPONENTS, created, key.publicKey.id, RFC_ALG[key.alg], nonce);
    const reqView: MessageView = { method, url, header: (n) => headers.get(n) };
    const base = signatureBase(list, reqView)!;
    const sig = signatureHeaders(list, await key.sign(base));
    headers.set('signature-input', sig.input);
    headers.set('signature', sig.signature);

    // Null prototype, every member copied explicitly (see `own`).
    const finalInit: RequestInit = Object.assign(Object.create(null) as RequestInit, defaults, init ?? {}, {
      method,
      headers,
      body: plain ? fromUtf8(wire) : undefined,
    });
    const res = await doFetch(url.href, finalInit);
    const status = res.status;
    const fail = (reason: ConstructorParameters<typeof SignedResponseError>[0]): never => {
      log?.(`[SecureFetch] ${method} ${url.origin}${url.pathname} -> ${status} REJECTED (${reason})`);
      throw new SignedResponseError(reason, status);
    };
    const resView: MessageView = { status, header: (n) => res.headers.get(n) };
    const parsed = readSignature(resView, RESPONSE_COMPONENTS, false);
    if (typeof parsed === 'string') return fail(parsed);
    // The server signs replies with its key, or (option `replySignature: 'hmac'`) with an HMAC
    // keyed from this request's agreement, which nobody but that server can derive.
    const isMac = parsed.alg === HMAC_ALG;
    if (parsed.keyid !== server.id || (parsed.alg !== serverAlg && !isMac)) return fail('key');
    if (!timely(parsed, Math.floor(Date.now() / 1000), skew)) return fail('time');
    const raw = new Uint8Array(await res.arrayBuffer());
    if (!digestMatches(res.headers.get('content-digest'), raw)) return fail('digest');
    const resBase = signatureBase(parsed.list, resView, reqView);
    if (!resBase) return fail('signature');
    const good = isMac
      ? equalBytes(hmac(sha256, replyMacKey(prk, nonce), resBase), parsed.signature)
      : await (await verifyServer)(resBase, parsed.signature);
    if (!good) return fail('signature');
    let opened: { contentType: string; body: Uint8Array } | null = null;
    if (raw.length > 0) {
      let sealed: Uint8Array | undefined;
      try {
        sealed = fromBase64Url(fromUtf8(raw));
      } catch {}
      opened = sealed ? openBody(messageKey(prk, 's2c', nonce), sealed) : null;
      if (!opened) return fail('decrypt');
    }
    log?.(`[SecureFetch] ${method} ${url.origin}${url.pathname} -> ${status} verified`);
    // Only what the signature covers: the headers it names, and the content type that travelled
    // inside the encrypted frame. An on-path Set-Cookie or any added header is not handed back.
    const outHeaders = new Headers();
    for (const item of parsed.list.items) {
      const name = item.value;
      if (typeof name !== 'string' || item.params.size > 0 || name.startsWith('@')) continue;
      if (STRIP.includes(name) || name === 'content-type' || name === 'content-length') continue;
      const value = res.headers.get(name);
      if (value !== null) outHeaders.set(name, value);
    }
    if (opened) outHeaders.set('content-type', opened.contentType);
    const out = new Response(
      NULL_BODY.has(status) || !opened ? null : (opened.body as Uint8Array<ArrayBuffer>),
      {
        status,
        // The status is signed, its reason phrase is not.
        headers: outHeaders,
      },
    );
    const data = opened ? reviveData(opened.contentType, opened.body) : undefined;
    Object.defineProperty(out, 'data', { value: data, enumerable: true });
    // The URL this response answers (what `fetch` reports), as crypto-sessions' callers read it.
    Object.defineProperty(out, 'url', { value: res.url || url.href, enumerable: true });
    return out as SecureResponse;
  }

  Object.setPrototypeOf(secureFetch, SecureFetch.prototype);
  Object.defineProperties(secureFetch, {
    session: { value: session, enumerable: true },
    serverKey: { value: server.id, enumerable: true },
    hostname: { value: hostname ?? '', enumerable: true },
    verbose: { value: log !== null, enumerable: true },
  });
  return Object.freeze(secureFetch) as unknown as SecureFetchFunction;
}

/**
 * Creates a `fetch` that signs and encrypts every request to a server holding `serverPublicKey`,
 * with `clientSecretKey` (text, bytes, or a non-extractable WebCrypto `CryptoKeyPair`). Responses
 * must be signed by the server and bound to their request, or the call throws
 * {@link SignedResponseError} — error statuses included.
 *
 * @example
 * ```ts
 * const keys = await generateKeyPair('ed25519'); // non-extractable
 * const secureFetch = SecureFetch(serverPublicKey, keys, { hostname: 'https://api.example.com' });
 * const res = await secureFetch('/api/notes', { method: 'POST', body: JSON.stringify({ text: 'hi' }),
 *   headers: { 'content-type': 'application/json' } });
 * console.log(res.data);
 * ```
 */
export const SecureFetch: SecureFetchConstructor = function SecureFetch(
  serverPublicKey: PublicKeyInput,
  clientSecretKey: SecretKeyInput,
  options?: SecureFetchOptions,
): SecureFetchFunction {
  return createSecureFetch(serverPublicKey, clientSecretKey, options);
} as unknown as SecureFetchConstructor;
Object.setPrototypeOf(SecureFetch.prototype, Function.prototype);
