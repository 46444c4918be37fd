// Built-ins captured by value when this module is evaluated — the one set every module uses
// (browser code above all). A script that runs later can replace `fetch`, `URL`, `JSON`,
// `Reflect`, `Date.now`, `setTimeout`, `String.prototype.*`, `Function.prototype.call`... on the
// global object: we never look them up again. Calls go through the captured `Reflect.apply` with
// argument lists we build ourselves (array literals define own properties, so no `Array.prototype`
// setter or iterator is involved). A script that runs *before* this module wins anyway (SECURITY.md).

type AnyFn = (...args: never[]) => unknown;

const G = globalThis;
const O = Object;

/** `Reflect.apply` as it was at load time. */
export const apply: typeof Reflect.apply = Reflect.apply;
/** `Object.defineProperty` as it was at load time. */
export const defineProperty: typeof Object.defineProperty = O.defineProperty;
/** `Object.hasOwn` as it was at load time. */
export const hasOwn: (o: object, k: PropertyKey) => boolean = O.hasOwn;
/** `Object.keys` as it was at load time. */
export const keys: (o: object) => string[] = O.keys;
/** `Object.freeze` as it was at load time. */
export const freeze: typeof Object.freeze = O.freeze;
/** `Object.getPrototypeOf` as it was at load time. */
export const getPrototypeOf: (o: object) => object | null = O.getPrototypeOf;
/** `Array.isArray` as it was at load time. */
export const isArray: (v: unknown) => v is unknown[] = Array.isArray;
/** The `String` function as it was at load time (`ToString` for page-supplied values). */
export const toStr: (v: unknown) => string = String;
/** `String.fromCharCode` as it was at load time. */
export const fromCharCode: (...codes: number[]) => string = String.fromCharCode;
/** `%Promise%` as it was at load time. */
export const P: PromiseConstructor = Promise;
/** `fetch` as it was at load time (undefined where there is none). */
export const realFetch: typeof fetch = G.fetch;
/** `URL` as it was at load time. */
export const RealURL: typeof URL = URL;
/** `Uint8Array` as it was at load time. */
export const U8: Uint8ArrayConstructor = Uint8Array;
/** `Error` as it was at load time. */
export const ErrorCtor: ErrorConstructor = Error;
/** The document's URL at load time: relative URLs resolve against it, never against `<base href>`. */
export const loadHref: string | undefined = (G as { location?: { href: string } }).location?.href;

const getter = (proto: object, key: string): AnyFn => O.getOwnPropertyDescriptor(proto, key)?.get as AnyFn;
const method = (proto: object, key: string): AnyFn => (proto as Record<string, AnyFn>)[key]!;
const unary =
  <T>(fn: AnyFn) =>
  (self: unknown): T =>
    apply(fn, self, []) as T;

// Strings.
const sp = String.prototype;
const lower = method(sp, 'toLowerCase');
const upper = method(sp, 'toUpperCase');
const starts = method(sp, 'startsWith');
const index = method(sp, 'indexOf');
const code = method(sp, 'charCodeAt');
const sl = method(sp, 'slice');
/** `s.toLowerCase()` with the load-time method. */
export const toLower: (s: string) => string = unary(lower);
/** `s.toUpperCase()` with the load-time method. */
export const toUpper: (s: string) => string = unary(upper);
/** `s.startsWith(p)` with the load-time method (a string `p` is never treated as a RegExp). */
export const startsWith = (s: string, p: string): boolean => apply(starts, s, [p]) as boolean;
/** `s.includes(p)` with the load-time `indexOf`. */
export const includes = (s: string, p: string): boolean => (apply(index, s, [p]) as number) >= 0;
/** `s.indexOf(p, from)` with the load-time method. */
export const indexOf = (s: string, p: string, from = 0): number => apply(index, s, [p, from]) as number;
/** `s.slice(a, b)` with the load-time method. */
export const slice = (s: string, a: number, b?: number): string => apply(sl, s, [a, b]) as string;
/** `s.charCodeAt(i)` with the load-time method. */
export const charCode = (s: string, i: number): number => apply(code, s, [i]) as number;
const regexTest = RegExp.prototype.test;
/** `re.test(s)` with the load-time method. */
export const test = (re: RegExp, s: string): boolean => apply(regexTest, re, [s]) as boolean;

// JSON. `stringify` is only for values we built ourselves from primitives and null-prototype
// objects or plain arrays we own: JSON.stringify consults `toJSON` on prototypes the page controls.
const jsonStringify = JSON.stringify;
const jsonParse = JSON.parse;
/** `JSON.parse` as it was at load time. */
export const parseJson = (text: string): unknown => apply(jsonParse, JSON, [text]);
/** `JSON.stringify` as it was at load time (see the note above on what it may be given). */
export const stringify = (v: unknown): string => apply(jsonStringify, JSON, [v]) as string;

// Time and scheduling.
const DateCtor = Date;
const dateNow = Date.now;
const dateGetTime = Date.prototype.getTime;
const setT = G.setTimeout;
const clearT = G.clearTimeout;
const queueMicro = G.queueMicrotask;
/** Milliseconds since the epoch from the clock captured at module load. */
export const now = (): number => apply(dateNow, DateCtor, []) as number;
/** `date.getTime()` that a patched `Date.prototype` cannot intercept. */
export const timeOf = (d: Date): number => apply(dateGetTime, d, []) as number;
/** `v instanceof Date` against the load-time constructor. */
export const isDate = (v: unknown): v is Date => v instanceof DateCtor;
/** `setTimeout` as it was at load time. */
export const setTimer = (fn: () => void, ms: number): unknown => apply(setT, G, [fn, ms]);
/** `clearTimeout` as it was at load time. */
export const clearTimer = (id: unknown): void => {
  apply(clearT, G, [id]);
};
/** `queueMicrotask` as it was at load time. */
export const microtask = (fn: () => void): void => {
  apply(queueMicro, G, [fn]);
};

// Crypto and text.
const cryptoObj = G.crypto;
const getRandom = cryptoObj?.getRandomValues;
const CryptoKeyCtor: typeof CryptoKey | undefined = typeof CryptoKey === 'function' ? CryptoKey : undefined;
/**
 * `crypto.getRandomValues(out)` as it was at load time; returns `out`. A shim that returns fresh
 * bytes of the same length instead of filling `out` (a common jsdom test setup) has them copied
 * into `out`; whatever comes back is still checked by `randomBytes`.
 */
export const getRandomValues = (out: Uint8Array): Uint8Array => {
  const r = apply(getRandom as AnyFn, cryptoObj, [out]);
  if (r !== out && isView(r)) {
    try {
      const n = lengthOf(out);
      if (lengthOf(r as Uint8Array) === n) for (let i = 0; i < n; i++) out[i] = (r as Uint8Array)[i]! & 0xff;
    } catch {}
  }
  return out;
};
/** `v instanceof CryptoKey` against the load-time constructor (false where there is none). */
export const isCryptoKey = (v: unknown): v is CryptoKey =>
  CryptoKeyCtor !== undefined && v instanceof CryptoKeyCtor;
const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, never a replacement character.
const decoder = new TextDecoder('utf-8', { fatal: true });
const encodeFn = encoder.encode;
const decodeFn = decoder.decode;
/** UTF-8 encoding with the load-time `TextEncoder`. */
export const utf8 = (s: string): Uint8Array => apply(encodeFn, encoder, [s]) as Uint8Array;
/** Fatal UTF-8 decoding with the load-time `TextDecoder` (throws `TypeError` on invalid input). */
export const fromUtf8 = (b: Uint8Array): string => apply(decodeFn, decoder, [b]) as string;

/** Call stack of the caller, for access hooks (function names and URLs only). */
export const callStack = (): string | undefined => new ErrorCtor('access').stack;

// URL.
const up = URL.prototype;
/** The raw load-time `href` getter, for brand checks. */
export const hrefGetter: AnyFn = getter(up, 'href');
/** Load-time `URL.prototype` getters; they read internal slots, so a URL subclass cannot lie. */
export const urlHref: (u: unknown) => string = unary(hrefGetter);
export const urlOrigin: (u: URL) => string = unary(getter(up, 'origin'));
export const urlPath: (u: URL) => string = unary(getter(up, 'pathname'));
export const urlUser: (u: URL) => string = unary(getter(up, 'username'));
export const urlPass: (u: URL) => string = unary(getter(up, 'password'));

// Response and Headers exist in browsers and Node >= 18; guard anyway so that importing the module
// in an unusual runtime does not throw.
const RP = G.Response?.prototype as object;
/** Load-time `Response.prototype.ok` getter. */
export const resOk: (r: Response) => boolean = RP && unary(getter(RP, 'ok'));
/** Load-time `Response.prototype.status` getter. */
export const resStatus: (r: Response) => number = RP && unary(getter(RP, 'status'));
/** Load-time `Response.prototype.text`. */
export const resText: (r: Response) => Promise<string> = RP && unary(method(RP, 'text'));
/** Load-time `Headers.prototype.forEach` (also a brand check: throws on anything but a Headers). */
export const headersForEach: AnyFn | undefined = G.Headers?.prototype.forEach as AnyFn;
/** `Response.prototype`, for the hardening done by the vault. */
export const responseProto: object | undefined = RP;

/** True when calling `fn` on `v` does not throw: a brand check that no subclass can fake. */
export const brand = (fn: AnyFn | undefined, v: unknown, args: unknown[] = []): boolean => {
  try {
    apply(fn as AnyFn, v, args);
    return true;
  } catch {
    return false;
  }
};
const BP = G.Blob?.prototype;
/** Load-time brand checks for the accepted body types. */
export const blobSize: AnyFn | undefined = BP && getter(BP, 'size');
export const abLength: AnyFn = getter(ArrayBuffer.prototype, 'byteLength');
export const isView: (v: unknown) => boolean = ArrayBuffer.isView;
export const formKeys: AnyFn | undefined = G.FormData?.prototype.keys as AnyFn;
export const paramsKeys: AnyFn = URLSearchParams.prototype.keys as AnyFn;

/**
 * Pins `%Promise%` as the own `constructor` of a promise we created, so that `await` takes it as
 * is: `await` otherwise reads `p.constructor`, and a getter planted on `Promise.prototype` would
 * receive the promise and could subscribe to its (secret) value.
 */
export const pin = <T>(p: Promise<T>): Promise<T> => {
  defineProperty(p, 'constructor', { __proto__: null, value: P } as PropertyDescriptor);
  return p;
};

// Browser modules that hold secrets (keystore, tabs): brand checks and accessors that read internal
// slots through load-time getters, never through a prototype the page can still change.
const TAP = O.getPrototypeOf(U8.prototype) as object;
const taLength = getter(TAP, 'length');
/** `bytes.length` through the load-time `%TypedArray%.prototype.length` getter. */
export const lengthOf = (bytes: Uint8Array): number => apply(taLength, bytes, []) as number;
const CKP = CryptoKeyCtor?.prototype as object | undefined;
const keyType = CKP && getter(CKP, 'type');
const keyExtractableGetter = CKP && getter(CKP, 'extractable');
/**
 * A CryptoKey brand check through the load-time `type` getter: no `Symbol.hasInstance` lookup, so a
 * hook planted on `CryptoKey` after load is never handed the value.
 */
export const isKeyObject = (v: unknown): v is CryptoKey =>
  keyType !== undefined && typeof v === 'object' && v !== null && brand(keyType, v);
/** `key.extractable` through the load-time getter. */
export const keyExtractable = (k: CryptoKey): boolean =>
  apply(keyExtractableGetter as AnyFn, k, []) as boolean;
const MEP = G.MessageEvent?.prototype as object | undefined;
const meData = MEP && getter(MEP, 'data');
/** `event.data` of a MessageEvent through the load-time getter. */
export const messageData = (e: MessageEvent): unknown => apply(meData as AnyFn, e, []);
const ETP = G.EventTarget?.prototype as EventTarget | undefined;
const addListener = ETP?.addEventListener as AnyFn | undefined;
const removeListener = ETP?.removeEventListener as AnyFn | undefined;
/** `target.addEventListener(type, fn)` with the load-time method. */
export const listen = (t: EventTarget, type: string, fn: (e: Event) => void): void => {
  apply(addListener as AnyFn, t, [type, fn]);
};
/** `target.removeEventListener(type, fn)` with the load-time method. */
export const unlisten = (t: EventTarget, type: string, fn: (e: Event) => void): void => {
  apply(removeListener as AnyFn, t, [type, fn]);
};
const BCP = G.BroadcastChannel?.prototype as BroadcastChannel | undefined;
const bcPost = BCP?.postMessage as AnyFn | undefined;
const bcClose = BCP?.close as AnyFn | undefined;
/** `BroadcastChannel` as it was at load time (undefined where there is none). */
export const Channel: typeof BroadcastChannel | undefined = G.BroadcastChannel;
/** `channel.postMessage(m)` with the load-time method. */
export const channelPost = (c: BroadcastChannel, m: unknown): void => {
  apply(bcPost as AnyFn, c, [m]);
};
/** `channel.close()` with the load-time method. */
export const channelClose = (c: BroadcastChannel): void => {
  apply(bcClose as AnyFn, c, []);
};

// Fetch objects for the token worker: it builds the authenticated request with these only, so a
// script imported into the worker after us cannot hook them to see the token.
const HP = G.Headers?.prototype as Headers | undefined;
const hSet = HP?.set as AnyFn | undefined;
const hAppend = HP?.append as AnyFn | undefined;
const hDelete = HP?.delete as AnyFn | undefined;
const hGet = HP?.get as AnyFn | undefined;
/** `Headers` as it was at load time. */
export const RealHeaders: typeof Headers | undefined = G.Headers;
/** `Request` as it was at load time. */
export const RealRequest: typeof Request | undefined = G.Request;
/** `headers.set(k, v)` with the load-time method. */
export const headerSet = (h: Headers, k: string, v: string): void => {
  apply(hSet as AnyFn, h, [k, v]);
};
/** `headers.append(k, v)` with the load-time method. */
export const headerAppend = (h: Headers, k: string, v: string): void => {
  apply(hAppend as AnyFn, h, [k, v]);
};
/** `headers.delete(k)` with the load-time method. */
export const headerDelete = (h: Headers, k: string): void => {
  apply(hDelete as AnyFn, h, [k]);
};
/** `headers.get(k)` with the load-time method. */
export const headerGet = (h: Headers, k: string): string | null =>
  apply(hGet as AnyFn, h, [k]) as string | null;
const reqP = G.Request?.prototype as object;
/** Load-time `Request.prototype` getters. */
export const reqUrl: (r: Request) => string = reqP && unary(getter(reqP, 'url'));
export const reqMethod: (r: Request) => string = reqP && unary(getter(reqP, 'method'));
export const reqMode: (r: Request) => string = reqP && unary(getter(reqP, 'mode'));
export const reqDestination: (r: Request) => string = reqP && unary(getter(reqP, 'destination'));
export const reqHeaders: (r: Request) => Headers = reqP && unary(getter(reqP, 'headers'));
const resError = G.Response?.error as AnyFn | undefined;
/** `Response.error()` with the load-time function. */
export const responseError = (): Response => apply(resError as AnyFn, G.Response, []) as Response;
const hashSetter = O.getOwnPropertyDescriptor(up, 'hash')?.set as AnyFn;
/** `u.hash = h` with the load-time setter. */
export const setHash = (u: URL, h: string): void => {
  apply(hashSetter, u, [h]);
};
