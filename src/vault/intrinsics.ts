// Built-ins captured by value when this module is evaluated. A script that runs later can replace
// `fetch`, `URL`, `JSON`, `Reflect`, `String.prototype.*`, `Function.prototype.call`... on the global
// object: we never look them up again. Every call below goes through the captured `Reflect.apply`
// with an argument list we build ourselves (array literals define own properties, so no
// `Array.prototype` setter or iterator is involved).

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
/** `Array.isArray` as it was at load time. */
export const isArray: (v: unknown) => v is unknown[] = Array.isArray;
/** `JSON.parse` as it was at load time. */
export const parseJson: (text: string) => unknown = JSON.parse;
/** The `String` function as it was at load time (`ToString` for page-supplied values). */
export const toStr: (v: unknown) => string = String;
/** `%Promise%` as it was at load time. */
export const P: PromiseConstructor = Promise;
/** `fetch` as it was at load time (undefined where there is none). */
export const realFetch: typeof fetch = G.fetch;
/** `URL` as it was at load time. */
export const RealURL: typeof URL = URL;
/** The document's URL at load time: relative URLs resolve against it, never against `<base href>`. */
export const loadHref: string | undefined = (G as { location?: { href: string } }).location?.href;

const getter = (proto: object, key: string): AnyFn => O.getOwnPropertyDescriptor(proto, key)?.get as AnyFn;
const method = (proto: object, key: string): AnyFn => (proto as Record<string, AnyFn>)[key]!;
const unary =
  <T>(fn: AnyFn) =>
  (self: unknown): T =>
    apply(fn, self, []) as T;

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
/** `s.slice(a, b)` with the load-time method. */
export const slice = (s: string, a: number, b?: number): string => apply(sl, s, [a, b]) as string;
/** `s.charCodeAt(i)` with the load-time method. */
export const charCode = (s: string, i: number): number => apply(code, s, [i]) as number;

const up = URL.prototype;
/** Load-time `URL.prototype` getters; they read internal slots, so a URL subclass cannot lie. */
/** The raw load-time `href` getter, for brand checks. */
export const hrefGetter: AnyFn = getter(up, 'href');
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
