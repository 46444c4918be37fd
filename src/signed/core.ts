// The one verification core of the server side. Framework adapters (server.ts) only translate
// their request/response objects to `IncomingSigned` and back; every check lives here.
import { expectedRange, expectedType } from '../core/errors.js';
import { fromUtf8, toHex } from '../internal/base64.js';
import { ExpiringMap } from '../internal/expiring-map.js';
import { portableBackend, type SignedBackend, type SyncVerify } from './backend.js';
import { isNode, type NativeSodium, nodeBackend, nodeCrypto } from './backend-node.js';
import { type SignedFailureReason, SignedRequestError, SignedServerFault } from './errors.js';
import {
  checkSecretKeyShape,
  createSyncVerifier,
  createVerifier,
  type KeyAlgorithm,
  loadSecretKey,
  type OwnKey,
  type PublicKey,
  RFC_ALG,
  type SecretKeyInput,
  tryParsePublicKey,
  type VerifyFn,
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
  signatureBaseParts,
  signatureHeaders,
  signatureParams,
  timely,
  WIRE_TYPE,
} from './protocol.js';
import { MemoryReplayCache, type ReplayCache } from './replay.js';
import { agreementKey, HMAC_ALG, messageKey, openBody, replyMacKey, reviveData } from './seal.js';
import { isInnerList, parseDictionary } from './sf.js';

/**
 * Settings shared by every server adapter.
 *
 * @example
 * ```ts
 * const options: SignedServerOptions = { key: process.env.SERVER_KEY!, origin: 'https://api.example.com', maxSkew: 30 };
 * ```
 */
export interface SignedServerOptions {
  /**
   * Server secret key: `ed25519:<hex>`, `p256:<hex>` or secp256k1 hex (env `CRYPTO_SESSION_KEY`).
   * A list rotates keys: requests addressed to any listed key are accepted and answered with that
   * same key (clients verify replies with the key they know); list the newest first.
   */
  key: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The origin(s) clients sign for, e.g. `https://api.example.com` (env `CRYPTO_SESSION_HOST`). */
  origin: string | readonly string[];
  /** Accepted clock difference for `created`, in seconds (default 30). */
  maxSkew?: number;
  /** Where seen nonces are kept (default: a {@link MemoryReplayCache} for this server). */
  replayCache?: ReplayCache;
  /** Largest accepted request body on the wire, in bytes (default 1 MiB). */
  maxBodySize?: number;
  /**
   * Optional allowlist: return false to refuse a verified peer key (answered 401 like any failure).
   * If it throws or rejects, the request fails as a server error ({@link SignedServerFault}).
   */
  authorize?: (peer: PeerSession) => boolean | Promise<boolean>;
  /**
   * How replies are signed: `'key'` (default) with the server's key, verifiable by anyone holding
   * its public key; `'hmac'` with RFC 9421 `hmac-sha256` keyed from the request's key agreement,
   * which authenticates the server to that client just as well and saves one signature per request.
   */
  replySignature?: 'key' | 'hmac';
  /**
   * Debug hook called with the reason of each refusal (never with input). For `'authorize'` and
   * `'store'` (the hook or the replay store threw: a server error, not a refusal) it also gets the
   * thrown error.
   */
  onFailure?: (reason: SignedFailureReason, cause?: unknown) => void;
  /**
   * Use the runtime's own crypto when it has it (default true): `node:crypto` on Node, Bun and
   * Deno (SHA-256, HMAC, X25519, P-256, Ed25519), with libsodium (the optional `sodium-native`
   * package) for XChaCha20-Poly1305 and, on Node, Ed25519 when it can be loaded. `false`, or a
   * runtime without a node:crypto that passes a known-answer self-test (browsers, workerd without
   * nodejs_compat), uses the portable @noble/* and WebCrypto code. Same bytes and verdicts either
   * way; see {@link SignedServer.backend}.
   */
  native?: boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

let nativeLoad: Promise<NativeSodium | null> | null = null;

/** Loads sodium-native once, if present. The name is not a literal so Web bundlers leave it alone. */
function loadNative(): Promise<NativeSodium | null> {
  const name = ['sodium', 'native'].join('-');
  nativeLoad ??= import(/* @vite-ignore */ /* webpackIgnore: true */ name)
    .then((m: { default?: NativeSodium } & NativeSodium) => {
      const s = m.default ?? m;
      return typeof s.crypto_sign_verify_detached === 'function' &&
        typeof s.crypto_aead_xchacha20poly1305_ietf_decrypt === 'function'
        ? s
        : null;
    })
    .catch(() => null);
  return nativeLoad;
}

/**
 * The fastest backend this runtime offers (./backend-node.ts), or the portable one when `native`
 * is false or the runtime has no working node:crypto.
 */
function loadBackend(native: boolean): Promise<SignedBackend> {
  if (!native) return Promise.resolve(portableBackend);
  const c = nodeCrypto();
  if (!c) return Promise.resolve(portableBackend);
  return loadNative().then((s) => nodeBackend(c, s, isNode()));
}

/**
 * What `req.session` holds after a request verified: who signed it.
 *
 * @example
 * ```ts
 * app.get('/me', (req, res) => res.secure.json({ you: (req.session as PeerSession).peerKey }));
 * ```
 */
export interface PeerSession {
  /** The client's public key, canonical text (hex with an `ed25519:`/`p256:` prefix, or x-only secp256k1 hex). */
  readonly peerKey: string;
  /** The client's key type. */
  readonly alg: KeyAlgorithm;
  /** The server's own public key. */
  readonly pubKey: string;
  /** The request's nonce (unique per request). */
  readonly nonce: string;
  /** The request's signed creation time (seconds since the epoch). */
  readonly created: number;
}

/**
 * A request as adapters hand it to the core.
 *
 * @example
 * ```ts
 * const incoming: IncomingSigned = { method: 'GET', path: '/me', header: (n) => headers.get(n), body: null };
 * ```
 */
export interface IncomingSigned {
  readonly method: string;
  /**
   * Path and query exactly as received on the wire, the string the framework routes on
   * (`/api/x?y=1`). Never a decoded or normalised copy: a target that is not in its one canonical
   * spelling is refused (reason `target`).
   */
  readonly path: string;
  header(name: string): string | null | undefined;
  /** The raw wire body (base64url text of the sealed body), if any. */
  readonly body?: Uint8Array | string | null;
}

/**
 * A signed, encrypted reply ready to be written by an adapter.
 *
 * @example
 * ```ts
 * const reply: SealedReply = await verified.seal(200, JSON.stringify(data), 'application/json');
 * ```
 */
export interface SealedReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A request that passed every check.
 *
 * @example
 * ```ts
 * const r = await core.verify(incoming);
 * if (r.ok) send(await r.request.seal(200, 'hello'));
 * ```
 */
export interface VerifiedRequest {
  readonly session: PeerSession;
  /** The decrypted body revived like crypto-sessions did: JSON, text or bytes; undefined if none. */
  readonly data: unknown;
  /** The decrypted body bytes and their content type. */
  readonly body: Uint8Array;
  readonly contentType: string | null;
  /**
   * Signs and encrypts a reply bound to this request. `headers` are sent in the clear but covered
   * by the reply signature, so `SecureFetch` exposes them on the verified response; it exposes no
   * header the signature does not cover. Names are lower-cased; framing and signature fields
   * (`content-*`, `signature*`, `transfer-encoding`, `connection`) and `set-cookie` are refused.
   */
  seal(
    status: number,
    body: Uint8Array | string | null,
    contentType?: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<SealedReply>;
}

/**
 * Result of {@link SignedServer.verify}.
 *
 * @example
 * ```ts
 * const result: VerifyResult = await core.verify(incoming);
 * if (!result.ok) log.debug(result.error.reason);
 * ```
 */
export type VerifyResult =
  | { ok: true; request: VerifiedRequest }
  | { ok: false; error: SignedRequestError }
  | { ok: false; error: SignedServerFault };

/**
 * The verification core built once from options.
 *
 * @example
 * ```ts
 * const server: SignedServer = createSignedServer({ key: process.env.SERVER_KEY!, origin: 'https://api.example.com' });
 * const result = await server.verify(incoming);
 * ```
 */
export interface SignedServer {
  /** Resolves to the server's public key (what clients pass to `SecureFetch`). */
  readonly publicKey: Promise<string>;
  /**
   * Which crypto this server uses: `'sodium-native'` (node:crypto, with libsodium for Ed25519 and
   * XChaCha20-Poly1305: Node with the optional package), `'node:crypto'` (Bun, Deno, or Node
   * without it) or `'webcrypto'` (the portable @noble/* and WebCrypto code: browsers, workerd,
   * `native: false`).
   */
  readonly backend: Promise<'sodium-native' | 'node:crypto' | 'webcrypto'>;
  verify(req: IncomingSigned): Promise<VerifyResult>;
}

/** A peer key as the server caches it: parsed once, with its verifier (synchronous when the backend has one). */
type PeerEntry = { peer: PublicKey; sync: SyncVerify | null; verify: Promise<VerifyFn> | null };

/** Parses a key id and builds its verifier; null for a key id that is not a usable key. */
function peerEntry(keyid: string, b: SignedBackend): PeerEntry | null {
  const peer = tryParsePublicKey(keyid);
  if (!peer) return null;
  let sync: SyncVerify | null = null;
  try {
    sync = createSyncVerifier(peer, b.keys);
  } catch {}
  // Without a synchronous verifier (or if building it threw), the asynchronous one; a rejection
  // surfaces where the signature is checked, as before.
  const verify = sync ? null : createVerifier(peer, b.keys);
  verify?.catch(() => {});
  return { peer, sync, verify };
}

/** Checks `signature` over `base` with a cached peer entry. */
async function checkSignature(e: PeerEntry, base: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return e.sync ? e.sync(base, signature) : (await e.verify!)(base, signature);
}

// Peer keys (parsing decompresses a curve point and imports a key) and ECDH results are cached in
// the kernel's bounded map: fixed size, oldest evicted, entries expire (parsed keys after an
// hour, agreements after 15 minutes: clients rotate their ephemeral key every few minutes).
const PEERS = 10_000;
const PEER_TTL = 3_600_000;
const AGREEMENTS = 10_000;
const AGREEMENT_TTL = 900_000;

function parseOrigins(origin: unknown): { byHost: Map<string, URL>; first: URL } {
  const list = typeof origin === 'string' ? origin.split(',') : origin;
  if (!Array.isArray(list) || list.length === 0)
    throw expectedType('origin', 'an origin such as https://api.example.com, or a list of them', origin);
  const byHost = new Map<string, URL>();
  for (const o of list) {
    let u: URL;
    try {
      u = new URL(String(o).trim());
    } catch {
      throw expectedType('origin', 'an absolute http(s) origin', o);
    }
    if (
      (u.protocol !== 'http:' && u.protocol !== 'https:') ||
      (u.pathname !== '/' && u.pathname !== '') ||
      u.search
    )
      throw expectedType('origin', 'an http(s) origin without path or query', o);
    byHost.set(u.host, new URL(u.origin));
  }
  return { byHost, first: byHost.values().next().value! };
}

const EMPTY = new Uint8Array(0);

const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/;
const UNSIGNABLE =
  /^(?:content-|signature|set-cookie$|transfer-encoding$|connection$|keep-alive$|upgrade$|trailer$|te$|cache-control$)/;

/** Whether a reply header can be covered by the reply signature (see {@link VerifiedRequest.seal}). */
export function isSignableReplyHeader(name: string): boolean {
  const n = name.toLowerCase();
  return FIELD_NAME.test(n) && !UNSIGNABLE.test(n) && n !== KEY_HEADER;
}

/** Reply headers to cover with the reply signature, checked: lower-case names, one-line values. */
function signedReplyHeaders(extra: Readonly<Record<string, string>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (extra === undefined) return out;
  if (typeof extra !== 'object' || extra === null) throw expectedType('headers', 'an object', extra);
  for (const [k, v] of Object.entries(extra)) {
    const name = k.toLowerCase();
    if (!isSignableReplyHeader(name))
      throw expectedType(`headers[${JSON.stringify(k)}]`, 'a header name that can be signed', k);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v))
      throw expectedType(`headers[${JSON.stringify(k)}]`, 'a one-line string value', v);
    out.set(name, v.trim());
  }
  return out;
}

/** The body bytes as they were on the wire (a string body is UTF-8, `encode`d). */
function wireBytes(body: unknown, encode: (text: string) => Uint8Array): Uint8Array {
  return typeof body === 'string' ? encode(body) : body instanceof Uint8Array ? body : EMPTY;
}

/**
 * Builds the verification core: validates options once (throws TypeError/RangeError for a bad key,
 * origin or limit) and returns `verify`, which never throws for hostile input.
 *
 * @example
 * ```ts
 * const core = createSignedServer({ key: process.env.CRYPTO_SESSION_KEY!, origin: 'https://api.example.com' });
 * const result = await core.verify({ method: 'GET', path: '/me', header: (n) => headers.get(n), body: null });
 * ```
 */
export function createSignedServer(options: SignedServerOptions): SignedServer {
  return createSignedServerWith(options, undefined);
}

/**
 * {@link createSignedServer} on a given backend instead of the runtime's best (tests compare
 * backends on the same requests with it). Internal: not exported by `sealed-session/signed/server`.
 */
export function createSignedServerWith(
  options: SignedServerOptions,
  backend: SignedBackend | undefined,
): SignedServer {
  if (typeof options !== 'object' || options === null) throw expectedType('options', 'an object', options);
  const keyList = Array.isArray(options.key) ? (options.key as readonly unknown[]) : [options.key];
  if (keyList.length === 0)
    throw expectedType('options.key', 'a secret key or a non-empty list of them', options.key);
  keyList.forEach((k, i) => {
    const what = Array.isArray(options.key) ? `options.key[${i}]` : 'options.key';
    if (typeof k !== 'string' && !(k instanceof Uint8Array))
      throw expectedType(what, 'a secret key as text or 32 bytes (the server needs it for key agreement)', k);
    checkSecretKeyShape(k, what);
  });
  const origins = parseOrigins(options.origin);
  const skew = options.maxSkew ?? 30;
  if (typeof skew !== 'number' || !(skew > 0) || skew > 3600)
    throw expectedRange('options.maxSkew', 'a number of seconds in (0, 3600]', skew);
  const maxBody = options.maxBodySize ?? 1 << 20;
  if (!Number.isInteger(maxBody) || maxBody < 0)
    throw expectedRange('options.maxBodySize', 'a byte count', maxBody);
  const cache = options.replayCache ?? new MemoryReplayCache();
  if (typeof cache?.add !== 'function') throw expectedType('options.replayCache', 'a ReplayCache', cache);
  const replySignature = options.replySignature ?? 'key';
  if (replySignature !== 'key' && replySignature !== 'hmac')
    throw expectedType('options.replySignature', "'key' or 'hmac'", replySignature);
  const authorize = options.authorize;
  const onFailure = options.onFailure;
  const now = options.now ?? Date.now;
  const backendP = backend ? Promise.resolve(backend) : loadBackend(options.native !== false);
  let b: SignedBackend = portableBackend;
  const ownsP: Promise<OwnKey[]> = backendP.then((loaded) => {
    b = loaded;
    return Promise.all(
      keyList.map((k, i) => loadSecretKey(k as SecretKeyInput, `options.key[${i}]`, loaded.keys)),
    );
  });
  ownsP.catch(() => {});
  const ownP: Promise<OwnKey> = ownsP.then((l) => l[0]!);
  ownP.catch(() => {});
  const ownById: Promise<Map<string, OwnKey>> = ownsP.then((l) => new Map(l.map((k) => [k.publicKey.id, k])));
  ownById.catch(() => {});
  const peers = new ExpiringMap<PeerEntry | null>({ maxEntries: PEERS, full: 'evict-oldest', now });
  // Agreement keys per client ephemeral key (clients rotate it every few minutes): ECDH once, then
  // only HKDF-Expand per request. Bounded in size and age.
  const agreements = new ExpiringMap<Promise<Uint8Array | null>>({
    maxEntries: AGREEMENTS,
    full: 'evict-oldest',
    now,
  });

  const fail = (reason: SignedFailureReason): VerifyResult => {
    onFailure?.(reason);
    return { ok: false, error: new SignedRequestError(reason) };
  };
  // The application's own code failed: a server error, with its cause, never a 401.
  const fault = (reason: 'authorize' | 'store', cause: unknown): VerifyResult => {
    onFailure?.(reason, cause);
    return { ok: false, error: new SignedServerFault(reason, cause) };
  };

  async function verify(req: IncomingSigned): Promise<VerifyResult> {
    try {
      const owns = await ownById;
      let own = await ownP;
      const t = now();
      const wire = wireBytes(req.body, b.utf8);
      if (wire.length > maxBody) return fail('size');
      // Methods are case-sensitive (RFC 9110): no normalization, so `POsT` is not `POST`.
      const method = String(req.method);
      const host = req.header('host');
      const origin = (host && origins.byHost.get(host.toLowerCase())) || origins.first;
      // The raw target the framework routes on, never a normalised copy of it.
      const url = canonicalTarget(origin.origin, req.path);
      if (!url) return fail('target');
      const view: MessageView = { method, url, header: (n) => req.header(n) };
      const sig = readSignature(view, REQUEST_COMPONENTS, true);
      if (typeof sig === 'string') return fail(sig);
      if (!timely(sig, Math.floor(t / 1000), skew)) return fail('time');
      // Parsing a key decompresses a curve point: do it once per key id, not per request.
      let entry = peers.get(sig.keyid);
      if (entry === undefined) {
        entry = peerEntry(sig.keyid, b);
        peers.set(sig.keyid, entry, t + PEER_TTL + 1);
      }
      if (!entry) return fail('key');
      const peer = entry.peer;
      if (RFC_ALG[peer.alg] !== sig.alg) return fail('key');
      if (!digestMatches(req.header('content-digest'), wire, b.sha256)) return fail('digest');
      const epkMember = parseDictionary(`k=${req.header(KEY_HEADER) ?? ''}`)?.get('k');
      if (!epkMember || isInnerList(epkMember) || !(epkMember.value instanceof Uint8Array))
        return fail('malformed');
      const epk = epkMember.value;
      // `kid` names the server key the client encrypted to (signed with the header); without it,
      // the current key. An unknown key id is refused.
      const kid = epkMember.params.get('kid');
      if (kid !== undefined) {
        const addressed = typeof kid === 'string' ? owns.get(kid) : undefined;
        if (!addressed) return fail('key');
        own = addressed;
      }
      const base = signatureBase(sig.list, view, undefined, b.utf8);
      if (!base) return fail('components');
      if (!(await checkSignature(entry, base, sig.signature))) return fail('signature');
      const nonce = sig.nonce!;
      const session: PeerSession = Object.freeze({
        peerKey: peer.id,
        alg: peer.alg,
        pubKey: own.publicKey.id,
        nonce,
        created: sig.created,
      });
      if (authorize) {
        let allowed: unknown;
        try {
          allowed = await authorize(session);
        } catch (cause) {
          return fault('authorize', cause);
        }
        if (!allowed) return fail('key');
      }
      // Recorded only after the signature checked out, so forged requests cannot burn nonces.
      let fresh: unknown;
      try {
        fresh = await cache.add(`${peer.id} ${nonce}`, (sig.created + skew + 1) * 1000, peer.id);
      } catch (cause) {
        return fault('store', cause);
      }
      if (fresh !== true) return fail('replay');
      const agreementId = `${own.publicKey.id} ${toHex(epk)}`;
      let prkP = agreements.get(agreementId);
      if (!prkP) {
        const dh = own.dh!;
        const mac = b.hmacSha256;
        prkP = dh
          .derive(epk)
          .then((shared) => (shared ? agreementKey(shared, epk, dh.publicKey, mac) : null));
        agreements.set(agreementId, prkP, t + AGREEMENT_TTL + 1);
      }
      const prk = await prkP;
      if (!prk) return fail('key');
      let plain: { contentType: string; body: Uint8Array } | null = null;
      if (wire.length > 0) {
        // The wire body is ASCII base64url text in exactly one spelling (no padding, no `+/`).
        let sealed: Uint8Array | undefined;
        try {
          // A string body is the text itself (its UTF-8 round trip could only differ where it is
          // not base64url anyway).
          sealed = b.fromBase64Url(typeof req.body === 'string' ? req.body : fromUtf8(wire));
        } catch {}
        plain = sealed ? openBody(messageKey(prk, 'c2s', nonce, b.hmacSha256), sealed, b.aead) : null;
        if (!plain) return fail('decrypt');
      }
      const reqView = view;
      const be = b;
      const replyKey = messageKey(prk, 's2c', nonce, be.hmacSha256);
      const serverAlg = replySignature === 'hmac' ? HMAC_ALG : RFC_ALG[own.alg];
      const request: VerifiedRequest = Object.freeze({
        session,
        data: plain ? reviveData(plain.contentType, plain.body) : undefined,
        body: plain?.body ?? EMPTY,
        contentType: plain?.contentType ?? null,
        async seal(
          status: number,
          body: Uint8Array | string | null,
          contentType?: string,
          extra?: Readonly<Record<string, string>>,
        ): Promise<SealedReply> {
          if (!Number.isInteger(status) || status < 200 || status > 599)
            throw expectedRange('status', 'an HTTP status in 200..599', status);
          const covered = signedReplyHeaders(extra);
          const bytes = typeof body === 'string' ? be.utf8(body) : (body ?? EMPTY);
          const type =
            contentType ??
            (typeof body === 'string' ? 'text/plain;charset=utf-8' : 'application/octet-stream');
          const text =
            bytes.length > 0 && method !== 'HEAD' && status !== 204 && status !== 304
              ? be.toBase64Url(be.sealBody(replyKey, type, bytes))
              : '';
          const out = text ? be.utf8(text) : EMPTY;
          const digest = contentDigest(out, be.sha256);
          const list = signatureParams(
            covered.size === 0
              ? RESPONSE_COMPONENTS
              : [
                  ...RESPONSE_COMPONENTS,
                  ...[...covered.keys()].map((n) => ({ value: n, params: new Map() })),
                ],
            Math.floor(now() / 1000),
            own.publicKey.id,
            serverAlg,
          );
          const resView: MessageView = {
            status,
            header: (n) => (n === 'content-digest' ? digest : covered.get(n)),
          };
          const parts = signatureBaseParts(list, resView, reqView, be.utf8);
          if (!parts) throw new SignedRequestError('components');
          const resBase = parts.base;
          const h = signatureHeaders(
            list,
            replySignature === 'hmac'
              ? be.hmacSha256(replyMacKey(prk, nonce, be.hmacSha256), resBase)
              : own.signSync
                ? own.signSync(resBase)
                : await own.sign(resBase),
            parts.params,
          );
          const headers: Record<string, string> = {
            ...Object.fromEntries(covered),
            'content-digest': digest,
            'signature-input': h.input,
            signature: h.signature,
            'cache-control': 'no-store',
          };
          if (out.length > 0) headers['content-type'] = WIRE_TYPE;
          return { status, headers, body: text };
        },
      });
      return { ok: true, request };
    } catch {
      // Anything unexpected fails closed, like every other refusal.
      return fail('malformed');
    }
  }

  return Object.freeze({
    publicKey: ownP.then((k) => k.publicKey.id),
    backend: backendP.then((loaded) => loaded.name),
    verify,
  });
}

/** Reads `CRYPTO_SESSION_KEY` / `CRYPTO_SESSION_HOST` (crypto-sessions' variables) into options. */
export function optionsFromEnv(): SignedServerOptions {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const key = env.CRYPTO_SESSION_KEY;
  const origin = env.CRYPTO_SESSION_HOST;
  if (!key) throw expectedType('CRYPTO_SESSION_KEY', 'a server secret key in the environment', key);
  if (!origin)
    throw expectedType('CRYPTO_SESSION_HOST', 'the origin clients sign for, in the environment', origin);
  return { key, origin };
}

/**
 * Signature-only verification of a request of this profile (no replay check, no decryption): the
 * RFC 9421 checks plus the `Content-Digest` of the wire body. For gateways that only authenticate,
 * and for comparing with other RFC 9421 verifiers. Resolves true or false, never throws.
 *
 * @example
 * ```ts
 * const check = createRequestVerifier('https://api.example.com');
 * if (!(await check({ method, path, header: (n) => headers.get(n), body }))) return deny();
 * ```
 */
export function createRequestVerifier(
  origin: string,
  options: { maxSkew?: number; now?: () => number; native?: boolean } = {},
): (req: IncomingSigned) => Promise<boolean> {
  const { first } = parseOrigins(origin);
  const backendP = loadBackend(options.native !== false);
  const skew = options.maxSkew ?? 30;
  const now = options.now ?? Date.now;
  const peers = new ExpiringMap<PeerEntry | null>({ maxEntries: PEERS, full: 'evict-oldest', now });
  return async (req) => {
    try {
      const t = now();
      const b = await backendP;
      const wire = wireBytes(req.body, b.utf8);
      const url = canonicalTarget(first.origin, req.path);
      if (!url) return false;
      const view: MessageView = {
        method: String(req.method),
        url,
        header: (n) => req.header(n),
      };
      const sig = readSignature(view, REQUEST_COMPONENTS, true);
      if (typeof sig === 'string' || !timely(sig, Math.floor(t / 1000), skew)) return false;
      let entry = peers.get(sig.keyid);
      if (entry === undefined) {
        entry = peerEntry(sig.keyid, b);
        peers.set(sig.keyid, entry, t + PEER_TTL + 1);
      }
      if (!entry || RFC_ALG[entry.peer.alg] !== sig.alg) return false;
      if (!digestMatches(req.header('content-digest'), wire, b.sha256)) return false;
      const base = signatureBase(sig.list, view, undefined, b.utf8);
      if (!base) return false;
      return await checkSignature(entry, base, sig.signature);
    } catch {
      return false;
    }
  };
}
