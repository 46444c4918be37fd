// RFC 9421 (HTTP Message Signatures) and RFC 9530 (Content-Digest) as this module uses them: one
// signature base builder shared by the client and the server, and the fixed component lists of the
// `sealed-session-v1` profile. Every parser here returns null instead of throwing.
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64, utf8 } from '../internal/base64.js';
import { equalBytes } from '../internal/compare.js';
import type { SignedFailureReason } from './errors.js';
import {
  type BareItem,
  type InnerList,
  type Item,
  isInnerList,
  type Params,
  parseDictionary,
  serializeInnerList,
  serializeItem,
  serializeParams,
  Token,
} from './sf.js';

/** RFC 9421 `tag` of this profile; a signature with another tag is not ours and is ignored. */
export const TAG = 'sealed-session-v1';
/** Signature label used in `Signature-Input` / `Signature`. */
export const SIG_LABEL = 'sig';
/** Header carrying the client's ephemeral key-agreement public key (RFC 8941 byte sequence). */
export const KEY_HEADER = 'sealed-key';
/** Content type of an encrypted body on the wire (base64url text, so text body parsers keep it intact). */
export const WIRE_TYPE = 'application/sealed-session';

const str = (v: string): Item => ({ value: v, params: new Map() });

/** Components every request signature must cover. */
export const REQUEST_COMPONENTS: readonly Item[] = Object.freeze([
  str('@method'),
  str('@target-uri'),
  str('@authority'),
  str('content-digest'),
  str(KEY_HEADER),
]);

/** Components every response signature must cover: binds status and body to the request (RFC 9421 §2.4). */
export const RESPONSE_COMPONENTS: readonly Item[] = Object.freeze([
  str('@status'),
  str('content-digest'),
  { value: '@method', params: new Map<string, BareItem>([['req', true]]) },
  { value: '@target-uri', params: new Map<string, BareItem>([['req', true]]) },
  {
    value: 'signature',
    params: new Map<string, BareItem>([
      ['req', true],
      ['key', SIG_LABEL],
    ]),
  },
]);

/** What a component can be read from. */
export interface MessageView {
  /** Request only: upper-case method. */
  readonly method?: string;
  /** Request only: the absolute target URI. */
  readonly url?: URL;
  /** Response only. */
  readonly status?: number;
  /** Field value (several lines joined with ", "), or undefined when absent. */
  header(name: string): string | null | undefined;
}

/** The value of one covered component, or null when it cannot be derived (→ verification fails). */
export function componentValue(item: Item, msg: MessageView, req?: MessageView): string | null {
  if (typeof item.value !== 'string') return null;
  const name = item.value;
  const ctx = item.params.has('req') ? req : msg;
  if (!ctx) return null;
  for (const k of item.params.keys()) if (k !== 'req' && k !== 'key') return null;
  if (name.startsWith('@')) {
    if (item.params.has('key')) return null;
    if (name === '@status')
      return item.params.has('req') || msg.status === undefined ? null : String(msg.status);
    const url = ctx.url;
    if (!url || ctx.method === undefined) return null;
    switch (name) {
      case '@method':
        return ctx.method;
      case '@target-uri':
        return url.href;
      case '@authority':
        return url.host;
      case '@scheme':
        return url.protocol.slice(0, -1);
      case '@path':
        return url.pathname || '/';
      case '@query':
        return url.search || '?';
      case '@request-target':
        return url.pathname + url.search;
      default:
        return null;
    }
  }
  if (name !== name.toLowerCase()) return null;
  const raw = ctx.header(name);
  if (raw === undefined || raw === null) return null;
  const value = raw.trim();
  const key = item.params.get('key');
  if (key === undefined) return value;
  if (typeof key !== 'string') return null;
  const member = parseDictionary(value)?.get(key);
  if (!member) return null;
  return isInnerList(member) ? serializeInnerList(member) : serializeItem(member);
}

/** The RFC 9421 §2.5 signature base for `list`, or null when a component cannot be derived. */
export function signatureBase(
  list: InnerList,
  msg: MessageView,
  req?: MessageView,
  encode: (text: string) => Uint8Array = utf8,
): Uint8Array | null {
  return signatureBaseParts(list, msg, req, encode)?.base ?? null;
}

/**
 * {@link signatureBase} and the serialized `list` it ends with (the `@signature-params` value, which
 * is also the `Signature-Input` member: {@link signatureHeaders} takes it instead of serializing
 * the list again). `encode` is the UTF-8 encoder (the server passes its backend's, same bytes).
 */
export function signatureBaseParts(
  list: InnerList,
  msg: MessageView,
  req?: MessageView,
  encode: (text: string) => Uint8Array = utf8,
): { base: Uint8Array; params: string } | null {
  let out = '';
  const seen = new Set<string>();
  for (const item of list.items) {
    const id = serializeItem(item);
    if (seen.has(id)) return null;
    seen.add(id);
    const value = componentValue(item, msg, req);
    if (value === null || /[\r\n]/.test(value)) return null;
    out += `${id}: ${value}\n`;
  }
  // serializeInnerList(list), from the ids already serialized (a Set keeps insertion order).
  const params = `(${[...seen].join(' ')})${serializeParams(list.params)}`;
  return { base: encode(`${out}"@signature-params": ${params}`), params };
}

/** RFC 9530 `Content-Digest` value (sha-256) of the bytes on the wire. */
export function contentDigest(body: Uint8Array, hash: (data: Uint8Array) => Uint8Array = sha256): string {
  return `sha-256=:${toBase64(hash(body))}:`;
}

/** Whether a `Content-Digest` header holds the sha-256 of `body` (constant-time comparison). */
export function digestMatches(
  header: string | null | undefined,
  body: Uint8Array,
  hash: (data: Uint8Array) => Uint8Array = sha256,
): boolean {
  if (!header) return false;
  const member = parseDictionary(header)?.get('sha-256');
  if (!member || isInnerList(member) || !(member.value instanceof Uint8Array)) return false;
  return equalBytes(member.value, hash(body));
}

// Anything a router or a file server could read as a path separator or a dot segment, in any spelling.
const UNSAFE_PATH = /%2e|%2f|%5c|\\/i;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * The absolute URL of a raw request target (path and query exactly as received), or null when the
 * target is not in its one canonical spelling: it must start with `/`, hold no dot segment, no
 * encoded dot, slash or backslash in its path, no backslash at all, and read back unchanged through
 * the URL parser, and hold no fragment (so `/x/%2e%2e/admin`, `/x/../admin` or `/admin#x` never stand for `/admin`). The
 * signature base then covers exactly the bytes the framework routes on.
 */
export function canonicalTarget(origin: string, target: string): URL | null {
  if (typeof target !== 'string' || target.length === 0 || target.length > 8192) return null;
  // A fragment is never part of a request target, and routers drop it: refused, not signed.
  if (target.charCodeAt(0) !== 47 /* / */ || target.includes('\\') || target.includes('#')) return null;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (UNSAFE_PATH.test(path) || DOT_SEGMENT.test(path)) return null;
  let url: URL;
  try {
    url = new URL(origin + target);
  } catch {
    return null;
  }
  return url.origin === origin && url.href === origin + target ? url : null;
}

/** A parsed signature of this profile. */
export interface ParsedSignature {
  readonly list: InnerList;
  readonly signature: Uint8Array;
  readonly created: number;
  readonly keyid: string;
  readonly alg: string;
  readonly nonce: string | undefined;
  readonly expires: number | undefined;
}

const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;

// The serialized ids of a required component list, computed once per list (the lists are the
// frozen constants above).
const idsOf = new WeakMap<readonly Item[], readonly string[]>();
function requiredIds(required: readonly Item[]): readonly string[] {
  let ids = idsOf.get(required);
  if (!ids) {
    ids = required.map(serializeItem);
    if (Object.isFrozen(required)) idsOf.set(required, ids);
  }
  return ids;
}

/**
 * Reads our signature (label `sig`, tag `sealed-session-v1`) and checks that it covers at least
 * `required`. Returns a failure reason instead of throwing.
 */
export function readSignature(
  msg: MessageView,
  required: readonly Item[],
  needNonce: boolean,
): ParsedSignature | SignedFailureReason {
  const inputHeader = msg.header('signature-input');
  const sigHeader = msg.header('signature');
  if (!inputHeader && !sigHeader) return 'unsigned';
  if (!inputHeader || !sigHeader || inputHeader.length > 4096 || sigHeader.length > 4096) return 'malformed';
  const input = parseDictionary(inputHeader)?.get(SIG_LABEL);
  const sig = parseDictionary(sigHeader)?.get(SIG_LABEL);
  if (!input || !sig || !isInnerList(input) || isInnerList(sig) || !(sig.value instanceof Uint8Array))
    return 'malformed';
  const p: Params = input.params;
  const created = p.get('created');
  const keyid = p.get('keyid');
  const alg = p.get('alg');
  const tag = p.get('tag');
  const nonce = p.get('nonce');
  const expires = p.get('expires');
  if (tag !== TAG) return 'components';
  if (typeof created !== 'number' || !Number.isInteger(created)) return 'malformed';
  if (typeof keyid !== 'string' || typeof alg !== 'string') return 'malformed';
  if (nonce !== undefined && (typeof nonce !== 'string' || !NONCE_RE.test(nonce))) return 'malformed';
  if (needNonce && nonce === undefined) return 'components';
  if (expires !== undefined && (typeof expires !== 'number' || !Number.isInteger(expires)))
    return 'malformed';
  const covered = new Set(input.items.map(serializeItem));
  for (const id of requiredIds(required)) if (!covered.has(id)) return 'components';
  return {
    list: input,
    signature: sig.value,
    created,
    keyid,
    alg,
    nonce: nonce as string | undefined,
    expires: expires as number | undefined,
  };
}

/** Builds the `Signature-Input` inner list for our profile. */
export function signatureParams(
  components: readonly Item[],
  created: number,
  keyid: string,
  alg: string,
  nonce?: string,
): InnerList {
  const params: Params = new Map<string, BareItem>([['created', created]]);
  if (nonce !== undefined) params.set('nonce', nonce);
  params.set('keyid', keyid);
  params.set('alg', alg);
  params.set('tag', TAG);
  return { items: components.map((c) => ({ value: c.value, params: new Map(c.params) })), params };
}

/** Header values for a signature over `list`. */
export function signatureHeaders(
  list: InnerList,
  signature: Uint8Array,
  serialized: string = serializeInnerList(list),
): { input: string; signature: string } {
  return {
    input: `${SIG_LABEL}=${serialized}`,
    signature: `${SIG_LABEL}=:${toBase64(signature)}:`,
  };
}

/** Whether `created` (seconds) lies within `skew` seconds of `now` (seconds); expires, if set, not passed. */
export function timely(sig: ParsedSignature, nowSeconds: number, skew: number): boolean {
  if (sig.created > nowSeconds + skew || sig.created < nowSeconds - skew) return false;
  if (sig.expires !== undefined && sig.expires < nowSeconds - skew) return false;
  return true;
}

/** `Token` re-exported for tests that build RFC 8941 values by hand. */
export { Token };
