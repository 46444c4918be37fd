// THREATS 45 as an attack: a script that runs AFTER our module loaded and replaces the built-ins it
// can reach (prototype methods and accessors, iterators, `toJSON` and index setters planted on
// prototypes, `Symbol.hasInstance` on constructors, global constructors and functions) with capture
// hooks that record every `this`, argument and result. The hooks look for secret markers in
// strings, in the bytes of typed arrays and buffers, in plain objects, arrays, maps and sets (own
// data properties only, without running getters), in Headers and in Response bodies; objects are
// kept and looked at again later (`rescan`), in case a secret is written into them afterwards.
//
// `installCaptureHooks` is self-contained: the suites send its source text to the page (or the
// service worker) as a script. Detections go to `globalThis.__capture.loot` (the hook's name only,
// never the value) and, where there is one, synchronously to localStorage (`persistKey`), so that
// what the hooks saw during a `pagehide` is still there for the next page to report.
import type { Handler } from './server.js';

export interface CaptureOptions {
  /** A detection is a string, or bytes, that contain one of these. */
  markers: string[];
  /** localStorage key that receives every detection synchronously (pages only). */
  persistKey?: string;
}

export interface CaptureApi {
  /** One entry per detection: `<hook name>: <marker>`. */
  loot: string[];
  /** Names of the hooks installed. */
  names: string[];
  /** Looks again at every object a hook was handed. */
  rescan(): void;
}

/**
 * Installs the capture hooks in the current realm and returns (and sets `globalThis.__capture` to)
 * the detections so far. Must not close over anything: it is sent to the browser as source text.
 */
export function installCaptureHooks(opts: CaptureOptions): CaptureApi {
  const G = globalThis as unknown as Record<string, unknown>;
  const RA = Reflect.apply;
  const construct = Reflect.construct;
  const ownKeys = Reflect.ownKeys;
  const gopd = Object.getOwnPropertyDescriptor;
  const dp = Object.defineProperty;
  const getProto = Object.getPrototypeOf;
  const OPromise = Promise;
  const pThen = Promise.prototype.then;
  const sIncludes = String.prototype.includes;
  const sCharCode = String.prototype.charCodeAt;
  const OU8 = Uint8Array;
  const TA = getProto(Uint8Array.prototype) as object;
  const taBuffer = gopd(TA, 'buffer')!.get!;
  const taOffset = gopd(TA, 'byteOffset')!.get!;
  const taLength = gopd(TA, 'byteLength')!.get!;
  const abLength = gopd(ArrayBuffer.prototype, 'byteLength')!.get!;
  const dvBuffer = gopd(DataView.prototype, 'buffer')!.get!;
  const dvOffset = gopd(DataView.prototype, 'byteOffset')!.get!;
  const dvLength = gopd(DataView.prototype, 'byteLength')!.get!;
  const mapForEach = Map.prototype.forEach;
  const setForEach = Set.prototype.forEach;
  const setProto = Object.setPrototypeOf;
  const OP = Object.prototype;
  const AP = Array.prototype;
  const MP = Map.prototype;
  const SP = Set.prototype;
  const wsHas = WeakSet.prototype.has;
  const wsAdd = WeakSet.prototype.add;
  const fnHasInstance = Function.prototype[Symbol.hasInstance];
  const HeadersP = G.Headers as { prototype: object } | undefined;
  const hForEach = HeadersP ? (HeadersP.prototype as Headers).forEach : undefined;
  const RespP = G.Response as { prototype: object } | undefined;
  const resStatus = RespP ? gopd(RespP.prototype, 'status')!.get! : undefined;
  const resClone = RespP ? (RespP.prototype as Response).clone : undefined;
  const resText = RespP ? (RespP.prototype as Response).text : undefined;
  const ls = (() => {
    try {
      return opts.persistKey && typeof localStorage === 'object' ? localStorage : undefined;
    } catch {
      return undefined;
    }
  })();
  const lsGet = ls ? Storage.prototype.getItem : undefined;
  const lsSet = ls ? Storage.prototype.setItem : undefined;

  const markers = opts.markers;
  const mbytes: number[][] = [];
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const b: number[] = [];
    for (let j = 0; j < m.length; j++) b[j] = RA(sCharCode, m, [j]) as number;
    mbytes[i] = b;
  }
  const loot: string[] = [];
  const names: string[] = [];
  const kept: unknown[] = [];
  const keptWhere: string[] = [];
  let busy = false;
  // Objects looked into per hook call (depth and count bounded instead of a visited set: an
  // object seen empty earlier must be looked into again when a later call hands it over).
  let budget = 0;
  const keptSet = new WeakSet<object>();

  // The entry names the marker by index: the loot itself must never carry a marker, or reading it
  // back through hooked built-ins would count as a detection.
  const report = (where: string, k: number): void => {
    const entry = `${where}: marker ${k}`;
    loot[loot.length] = entry;
    if (ls && lsGet && lsSet) {
      try {
        const prev = (RA(lsGet, ls, [opts.persistKey]) as string | null) ?? '';
        RA(lsSet, ls, [opts.persistKey, `${prev}${entry}\n`]);
      } catch {}
    }
  };
  const inString = (s: string, where: string): void => {
    for (let i = 0; i < markers.length; i++) if (RA(sIncludes, s, [markers[i]])) report(where, i);
  };
  const inBytes = (u: Uint8Array, n: number, where: string): void => {
    for (let k = 0; k < mbytes.length; k++) {
      const b = mbytes[k]!;
      for (let i = 0; i + b.length <= n; i++) {
        let j = 0;
        while (j < b.length && u[i + j] === b[j]) j++;
        if (j === b.length) {
          report(where, k);
          break;
        }
      }
    }
  };
  const tryGet = (fn: unknown, v: unknown): unknown => {
    try {
      return RA(fn as () => unknown, v, []);
    } catch {
      return undefined;
    }
  };
  const look = (v: unknown, where: string, depth: number): void => {
    if (typeof v === 'string') {
      inString(v, where);
      return;
    }
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
    const o = v as object;
    if (++budget > 2000) return;
    // Bytes: typed arrays, DataViews and ArrayBuffers, copied through the original constructor.
    const buf = tryGet(taBuffer, o);
    if (buf !== undefined) {
      const n = tryGet(taLength, o) as number;
      inBytes(new OU8(buf as ArrayBuffer, tryGet(taOffset, o) as number, n), n, where);
      return;
    }
    const dvb = tryGet(dvBuffer, o);
    if (dvb !== undefined) {
      const n = tryGet(dvLength, o) as number;
      inBytes(new OU8(dvb as ArrayBuffer, tryGet(dvOffset, o) as number, n), n, where);
      return;
    }
    const abn = tryGet(abLength, o);
    if (typeof abn === 'number') {
      inBytes(new OU8(o as ArrayBuffer), abn, where);
      return;
    }
    if (hForEach) {
      try {
        let s = '';
        RA(hForEach, o, [
          (val: string, k: string) => {
            s += `${k}=${val};`;
          },
        ]);
        inString(s, `${where}(headers)`);
        return;
      } catch {}
    }
    if (resStatus && resClone && resText && tryGet(resStatus, o) !== undefined) {
      try {
        const c = RA(resClone, o, []);
        RA(pThen, RA(resText, c, []), [(t: string) => inString(t, `${where}(body)`), () => {}]);
      } catch {}
      return;
    }
    if (depth > 4) return;
    // Only data structures are walked (plain objects, arrays, null-prototype records, maps, sets,
    // iterator results), not functions, the global object or DOM nodes: that keeps a hook call cheap.
    const pr = getProto(o);
    if (typeof o === 'function' || !(pr === null || pr === OP || pr === AP || pr === MP || pr === SP)) return;
    try {
      RA(mapForEach, o, [
        (val: unknown, k: unknown) => {
          look(k, `${where}(map key)`, depth + 1);
          look(val, `${where}(map value)`, depth + 1);
        },
      ]);
    } catch {}
    try {
      RA(setForEach, o, [(val: unknown) => look(val, `${where}(set)`, depth + 1)]);
    } catch {}
    let ks: PropertyKey[];
    try {
      ks = ownKeys(o);
    } catch {
      return;
    }
    for (let i = 0; i < ks.length && i < 2000; i++) {
      const d = gopd(o, ks[i]!);
      if (d && 'value' in d) look(d.value, where, depth + 1);
    }
  };
  const seen = (v: unknown, where: string): void => {
    if (busy) return;
    busy = true;
    try {
      if (
        v !== null &&
        (typeof v === 'object' || typeof v === 'function') &&
        kept.length < 20000 &&
        !RA(wsHas, keptSet, [v])
      ) {
        RA(wsAdd, keptSet, [v]);
        kept[kept.length] = v;
        keptWhere[keptWhere.length] = where;
      }
      budget = 0;
      look(v, where, 0);
    } catch {
    } finally {
      busy = false;
    }
  };
  const seenResult = (r: unknown, where: string): void => {
    seen(r, `${where}.ret`);
    if (r !== null && typeof r === 'object' && getProto(r) === OPromise.prototype) {
      try {
        RA(pThen, r, [(x: unknown) => seen(x, `${where}.resolved`), () => {}]);
      } catch {}
    }
  };

  const wrapFn = (obj: object | undefined, key: PropertyKey, name: string): void => {
    if (!obj) return;
    const d = gopd(obj, key);
    if (!d || typeof d.value !== 'function' || !d.configurable) return;
    const orig = d.value as (...a: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...a: unknown[]): unknown {
      if (busy) return new.target ? construct(orig, a, new.target) : RA(orig, this, a);
      seen(this, `${name}.this`);
      for (let i = 0; i < a.length; i++) seen(a[i], `${name}.arg${i}`);
      const r = new.target ? construct(orig, a, new.target) : RA(orig, this, a);
      seenResult(r, name);
      return r;
    };
    try {
      dp(wrapped, 'name', { value: (orig as { name?: string }).name });
      dp(wrapped, 'length', { value: orig.length });
      if ('prototype' in orig) dp(wrapped, 'prototype', { value: orig.prototype, writable: true });
    } catch {}
    try {
      dp(obj, key, { ...d, value: wrapped });
      names[names.length] = name;
    } catch {}
  };
  const wrapAccessor = (obj: object | undefined, key: PropertyKey, name: string): void => {
    if (!obj) return;
    const d = gopd(obj, key);
    if (!d?.configurable || (!d.get && !d.set)) return;
    const { get, set } = d;
    try {
      dp(obj, key, {
        configurable: true,
        enumerable: d.enumerable,
        get: get
          ? function (this: unknown) {
              if (busy) return RA(get, this, []);
              seen(this, `${name}.get(this)`);
              const r = RA(get, this, []);
              seenResult(r, `${name}.get`);
              return r;
            }
          : undefined,
        set: set
          ? function (this: unknown, v: unknown) {
              if (!busy) {
                seen(this, `${name}.set(this)`);
                seen(v, `${name}.set`);
              }
              RA(set, this, [v]);
            }
          : undefined,
      });
      names[names.length] = name;
    } catch {}
  };
  const wrapAll = (obj: object | undefined, name: string): void => {
    if (!obj) return;
    const ks = ownKeys(obj);
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i]!;
      if (k === 'constructor') continue;
      const d = gopd(obj, k);
      const label = `${name}.${typeof k === 'symbol' ? `[${k.description}]` : k}`;
      if (d && 'value' in d) wrapFn(obj, k, label);
      else wrapAccessor(obj, k, label);
    }
  };
  // Getter/setter pair planted where an implementation might read or write a missing property
  // (`toJSON` looked up by JSON.stringify, `then` by promise resolution, array index setters hit
  // by `arr[i] = x` on an array without an own element i).
  const trap = (obj: object | undefined, key: PropertyKey, name: string): void => {
    if (!obj) return;
    const d = gopd(obj, key);
    if (d && !d.configurable) return;
    try {
      dp(obj, key, {
        configurable: true,
        get(this: unknown) {
          if (!busy) seen(this, `${name}.get(this)`);
          return d?.get ? RA(d.get, this, []) : d?.value;
        },
        set(this: object, v: unknown) {
          if (!busy) {
            seen(v, `${name}.set`);
            seen(this, `${name}.set(this)`);
          }
          dp(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
      });
      names[names.length] = name;
    } catch {}
  };
  // `x instanceof C` calls C[Symbol.hasInstance](x), with a primitive x too.
  const hasInstance = (C: unknown, name: string): void => {
    if (typeof C !== 'function') return;
    try {
      dp(C, Symbol.hasInstance, {
        configurable: true,
        value(this: unknown, v: unknown) {
          seen(v, `${name}[hasInstance]`);
          return RA(fnHasInstance, this, [v]);
        },
      });
      names[names.length] = `${name}[Symbol.hasInstance]`;
    } catch {}
  };
  const P = (c: unknown): object | undefined =>
    typeof c === 'function' ? ((c as { prototype?: object }).prototype ?? undefined) : undefined;

  // Objects and prototypes whose every method and accessor is wrapped.
  const iterProto = getProto(getProto([][Symbol.iterator]())) as object;
  const whole: Array<[object | undefined, string]> = [
    [Array.prototype, 'Array.prototype'],
    [getProto([][Symbol.iterator]()), '%ArrayIteratorPrototype%'],
    [getProto(new Map().entries()), '%MapIteratorPrototype%'],
    [getProto(new Set().values()), '%SetIteratorPrototype%'],
    [getProto(''[Symbol.iterator]()), '%StringIteratorPrototype%'],
    [getProto(/x/[Symbol.matchAll]('x')), '%RegExpStringIteratorPrototype%'],
    [iterProto, '%IteratorPrototype%'],
    [String.prototype, 'String.prototype'],
    [Number.prototype, 'Number.prototype'],
    [Boolean.prototype, 'Boolean.prototype'],
    [Symbol.prototype, 'Symbol.prototype'],
    [Object.prototype, 'Object.prototype'],
    [Function.prototype, 'Function.prototype'],
    [Object, 'Object'],
    [Array, 'Array'],
    [String, 'String'],
    [Number, 'Number'],
    [JSON, 'JSON'],
    [Reflect, 'Reflect'],
    [Math, 'Math'],
    [Map.prototype, 'Map.prototype'],
    [Set.prototype, 'Set.prototype'],
    [WeakMap.prototype, 'WeakMap.prototype'],
    [WeakSet.prototype, 'WeakSet.prototype'],
    [RegExp.prototype, 'RegExp.prototype'],
    [Promise, 'Promise'],
    [Promise.prototype, 'Promise.prototype'],
    [Date, 'Date'],
    [Date.prototype, 'Date.prototype'],
    [Error, 'Error'],
    [Error.prototype, 'Error.prototype'],
    [TA, '%TypedArray%.prototype'],
    [getProto(Uint8Array), '%TypedArray%'],
    [Uint8Array, 'Uint8Array'],
    [Uint8Array.prototype, 'Uint8Array.prototype'],
    [Uint32Array.prototype, 'Uint32Array.prototype'],
    [ArrayBuffer, 'ArrayBuffer'],
    [ArrayBuffer.prototype, 'ArrayBuffer.prototype'],
    [DataView.prototype, 'DataView.prototype'],
    [P(G.TextEncoder), 'TextEncoder.prototype'],
    [P(G.TextDecoder), 'TextDecoder.prototype'],
    [P(G.Crypto), 'Crypto.prototype'],
    [P(G.SubtleCrypto), 'SubtleCrypto.prototype'],
    [P(G.CryptoKey), 'CryptoKey.prototype'],
    [P(G.Storage), 'Storage.prototype'],
    [P(G.EventTarget), 'EventTarget.prototype'],
    [P(G.Event), 'Event.prototype'],
    [P(G.MessageEvent), 'MessageEvent.prototype'],
    [P(G.ExtendableMessageEvent), 'ExtendableMessageEvent.prototype'],
    [P(G.FetchEvent), 'FetchEvent.prototype'],
    [P(G.MessagePort), 'MessagePort.prototype'],
    [P(G.MessageChannel), 'MessageChannel.prototype'],
    [P(G.BroadcastChannel), 'BroadcastChannel.prototype'],
    [P(G.ServiceWorker), 'ServiceWorker.prototype'],
    [P(G.ServiceWorkerContainer), 'ServiceWorkerContainer.prototype'],
    [P(G.Client), 'Client.prototype'],
    [P(G.Clients), 'Clients.prototype'],
    [P(G.Headers), 'Headers.prototype'],
    [P(G.Request), 'Request.prototype'],
    [P(G.Response), 'Response.prototype'],
    [P(G.Body), 'Body.prototype'],
    [P(G.Blob), 'Blob.prototype'],
    [P(G.FormData), 'FormData.prototype'],
    [P(G.URL), 'URL.prototype'],
    [P(G.URLSearchParams), 'URLSearchParams.prototype'],
    [P(G.XMLHttpRequest), 'XMLHttpRequest.prototype'],
    [P(G.Navigator), 'Navigator.prototype'],
    [P(G.Location), 'Location.prototype'],
    [P(G.PageTransitionEvent), 'PageTransitionEvent.prototype'],
    [G.console as object | undefined, 'console'],
  ];
  if (typeof Headers === 'function') whole.push([getProto(new Headers().entries()), 'HeadersIterator']);
  for (let i = 0; i < whole.length; i++) wrapAll(whole[i]![0], whole[i]![1]);
  // Global functions (the window's own accessors such as `name` and `sessionStorage` too).
  for (const k of [
    'fetch',
    'atob',
    'btoa',
    'encodeURIComponent',
    'decodeURIComponent',
    'escape',
    'unescape',
    'structuredClone',
    'postMessage',
    'queueMicrotask',
    'setTimeout',
    'clearTimeout',
    'addEventListener',
    'removeEventListener',
    'dispatchEvent',
    'parseInt',
    'parseFloat',
  ])
    wrapFn(G, k, k);
  for (const k of ['name', 'sessionStorage', 'localStorage', 'onpagehide', 'onmessage', 'crypto'])
    wrapAccessor(G, k, `globalThis.${k}`);
  // Missing properties read or written through the prototype chain.
  for (const k of [
    'toJSON',
    'then',
    'value',
    'expiresAt',
    'json',
    'time',
    'ok',
    'token',
    'values',
    'data',
    'body',
    'headers',
    'authorization',
    '0',
    '1',
    '2',
    '3',
    Symbol.toPrimitive,
    Symbol.iterator,
    Symbol.toStringTag,
  ])
    trap(Object.prototype, k, `Object.prototype.${String(k)}`);
  for (const k of ['toJSON', '0', '1', '2', '3', '4', '5', '6', '7'])
    trap(Array.prototype, k, `Array.prototype.${k}`);
  for (const k of ['toJSON', Symbol.toPrimitive]) {
    trap(String.prototype, k, `String.prototype.${String(k)}`);
    trap(Number.prototype, k, `Number.prototype.${String(k)}`);
  }
  trap(TA, 'toJSON', '%TypedArray%.prototype.toJSON');
  for (const k of [
    'CryptoKey',
    'Uint8Array',
    'ArrayBuffer',
    'Date',
    'Array',
    'Object',
    'Map',
    'Set',
    'Promise',
    'Response',
    'Request',
    'Headers',
    'Blob',
    'URL',
    'Error',
    'String',
  ])
    hasInstance(G[k], k);
  try {
    (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (
      e: Error,
      frames: unknown[],
    ) => {
      seen(e, 'Error.prepareStackTrace');
      seen(frames, 'Error.prepareStackTrace(frames)');
      return `${frames.length} frames`;
    };
    names[names.length] = 'Error.prepareStackTrace';
  } catch {}
  // Global constructors replaced by recording subclasses.
  for (const c of [
    'Uint8Array',
    'Uint32Array',
    'ArrayBuffer',
    'DataView',
    'Map',
    'Set',
    'Promise',
    'TextEncoder',
    'TextDecoder',
    'URL',
    'Request',
    'Headers',
    'Response',
    'Blob',
    'FormData',
    'MessageChannel',
    'BroadcastChannel',
    'Error',
    'TypeError',
  ]) {
    const Orig = G[c] as (new (...a: unknown[]) => object) | undefined;
    const d = gopd(G, c);
    if (typeof Orig !== 'function' || !d || !d.configurable) continue;
    // A plain function (no class syntax: `super(...a)` would run the hooked array iterator).
    const Sub = function (this: unknown, ...a: unknown[]): unknown {
      if (busy) return new.target ? construct(Orig, a, new.target) : RA(Orig, this, a);
      for (let i = 0; i < a.length; i++) seen(a[i], `new ${c}.arg${i}`);
      if (!new.target) return RA(Orig, this, a);
      const o = construct(Orig, a, new.target);
      seen(o, `new ${c}`);
      return o;
    };
    try {
      dp(Sub, 'prototype', { value: Orig.prototype });
      dp(Sub, 'name', { value: Orig.name });
      setProto(Sub, Orig);
    } catch {}
    try {
      dp(G, c, { ...d, value: Sub });
      names[names.length] = `globalThis.${c}`;
    } catch {}
  }
  const rescan = (): void => {
    const n = kept.length;
    for (let i = 0; i < n; i++) {
      busy = true;
      budget = 1500;
      try {
        look(kept[i], `${keptWhere[i]} (later)`, 0);
      } catch {
      } finally {
        busy = false;
      }
    }
  };
  const api: CaptureApi = { loot, names, rescan };
  dp(G, '__capture', { value: api, configurable: true, writable: true });
  return api;
}

/** Script text that defines `globalThis.__installCapture`, for pages and workers. */
export const captureScript = (): string =>
  `globalThis.__installCapture = ${installCaptureHooks.toString()};\n`;

/** Serves the script at `/capture.js` (pages and module workers import or load it from there). */
export const serveCapture: Handler = (_req, res, url) => {
  if (url.pathname !== '/capture.js') return false;
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
  res.end(captureScript());
  return true;
};
