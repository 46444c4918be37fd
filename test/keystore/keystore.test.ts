// SessionKeystore in Node (memory-only there): the session-keystore API semantics, events,
// expiry with fake timers (including beyond 2^31-1 ms), the captured clock, duplicate names.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

type Mod = typeof import('../../src/keystore/index.js');
let mod: Mod;
let n = 0;
const fresh = () => `node-${++n}-${Math.random().toString(36).slice(2)}`;

beforeEach(async () => {
  // Fake timers first, then a fresh module instance, so that the intrinsics it captures are the fakes.
  vi.useFakeTimers({
    now: new Date('2026-01-01T00:00:00Z'),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'queueMicrotask'],
  });
  vi.resetModules();
  mod = await import('../../src/keystore/index.js');
});
afterEach(() => {
  vi.useRealTimers();
});

describe('session-keystore API', () => {
  test('set / get / delete / clear, with the same names and return values', () => {
    const store = new mod.SessionKeystore<'foo' | 'bar'>({ name: fresh() });
    store.set('foo', 'foo');
    store.set('bar', 'bar');
    expect(store.get('foo')).toBe('foo');
    store.delete('foo');
    expect(store.get('foo')).toBeNull();
    expect(store.get('bar')).toBe('bar');
    store.clear();
    expect(store.get('bar')).toBeNull();
    expect(mod.default).toBe(mod.SessionKeystore);
  });

  test('events created/read/updated/deleted/expired carry the key name only; on() returns unsubscribe', () => {
    const store = new mod.SessionKeystore<'a'>({ name: fresh() });
    const seen: string[] = [];
    for (const ev of ['created', 'read', 'updated', 'deleted', 'expired'] as const) {
      store.on(ev, (p) => seen.push(`${ev}:${JSON.stringify(p)}`));
    }
    store.set('a', 'secret-1');
    store.set('a', 'secret-1'); // unchanged: no event
    store.set('a', 'secret-2');
    store.get('a');
    store.delete('a');
    store.delete('a'); // absent: no event
    store.set('a', 'secret-3', Date.now() + 1000);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([
      'created:{"name":"a"}',
      'updated:{"name":"a"}',
      'read:{"name":"a"}',
      'deleted:{"name":"a"}',
      'created:{"name":"a"}',
      'expired:{"name":"a"}',
    ]);
    expect(seen.join()).not.toContain('secret');
    const cb = vi.fn();
    const off = store.on('created', cb);
    off();
    store.on('created', cb);
    store.off('created', cb);
    store.set('a', 'x');
    expect(cb).not.toHaveBeenCalled();
  });

  test('constructor callbacks: onAccess/onChanged get the name and a call stack; onExpired the name', () => {
    const onAccess = vi.fn();
    const onChanged = vi.fn();
    const onExpired = vi.fn();
    const store = new mod.SessionKeystore({ name: fresh(), onAccess, onChanged, onExpired });
    store.set('foo', 'hunter2-value', new Date(Date.now() + 1000));
    store.get('foo');
    vi.advanceTimersByTime(1000);
    expect(onChanged).toHaveBeenCalledWith('foo', expect.stringContaining('keystore.test.ts'));
    expect(onAccess).toHaveBeenCalledWith('foo', expect.any(String));
    expect(onExpired).toHaveBeenCalledWith('foo');
    expect(store.get('foo')).toBeNull();
    expect(JSON.stringify([onAccess.mock.calls, onChanged.mock.calls])).not.toContain('hunter2');
  });

  test('an expiry in the past expires at once, without created', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const created = vi.fn();
    const expired = vi.fn();
    store.on('created', created);
    store.on('expired', expired);
    store.set('k', 'v', Date.now() - 1);
    expect(created).not.toHaveBeenCalled();
    expect(expired).toHaveBeenCalledWith({ name: 'k' });
    expect(store.get('k')).toBeNull();
  });

  test('a throwing listener does not break the store', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    store.on('created', () => {
      throw new Error('listener bug');
    });
    expect(() => store.set('k', 'v')).not.toThrow();
    expect(store.get('k')).toBe('v');
    expect(() => vi.runAllTicks()).toThrow('listener bug');
  });

  test('has() and expiresAt() do not count as reads', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const read = vi.fn();
    store.on('read', read);
    const exp = Date.now() + 5000;
    store.set('k', 'v', exp);
    store.set('j', 'w');
    expect(store.has('k')).toBe(true);
    expect(store.has('nope')).toBe(false);
    expect(store.expiresAt('k')).toBe(exp);
    expect(store.expiresAt('j')).toBeUndefined();
    expect(store.expiresAt('nope')).toBeNull();
    expect(read).not.toHaveBeenCalled();
  });

  test('CryptoKey values: non-extractable accepted, extractable refused', async () => {
    const store = new mod.SessionKeystore<'aes', CryptoKey>({ name: fresh() });
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
    store.set('aes', key);
    expect(store.get('aes')).toBe(key);
    const ext = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    expect(() => store.set('aes', ext)).toThrow(/non-extractable CryptoKey/);
  });

  test('persist() is a no-op (false) outside a browser', () => {
    expect(new mod.SessionKeystore({ name: fresh() }).persist()).toBe(false);
  });
});

describe('misuse throws at once, saying what was expected and never echoing a value', () => {
  test('bad options and arguments', () => {
    const S = mod.SessionKeystore as unknown as new (o?: unknown) => InstanceType<Mod['SessionKeystore']>;
    expect(() => new S(null)).toThrow(TypeError);
    expect(() => new S({ name: '' })).toThrow(/options.name: expected a non-empty string/);
    expect(() => new S({ name: fresh(), onAccess: 1 })).toThrow(/options.onAccess/);
    expect(() => new S({ name: fresh(), maxRestoreAge: -1 })).toThrow(RangeError);
    const store = new mod.SessionKeystore({ name: fresh() });
    const s = store as unknown as { set(k: unknown, v: unknown, e?: unknown): void };
    expect(() => s.set(1, 'v')).toThrow(/key name: expected a string/);
    expect(() => s.set('k', 42)).toThrow(/expected a string or a CryptoKey, got a number/);
    expect(() => s.set('k', 'top-secret', 'tomorrow')).toThrow(TypeError);
    expect(() => s.set('k', 'top-secret', new Date('nope'))).toThrow(TypeError);
    // Item 38: no message or stack ever contains a value, whatever the misuse.
    const secret = 'top-secret-value-4242';
    const attempts = [
      () => s.set('k', secret, Number.NaN),
      () => s.set('k', secret, secret),
      () => s.set(42, secret),
      () => s.set('k', { secret }),
      () => new S({ name: fresh(), onExpired: secret }),
      () => new S({ name: fresh(), maxRestoreAge: secret }),
    ];
    for (const attempt of attempts) {
      let err: unknown;
      try {
        attempt();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect(`${(err as Error).message}\n${(err as Error).stack}`).not.toContain(secret);
    }
  });
});

describe('expiry (item 12)', () => {
  test('an expiry beyond 2^31-1 ms (30 days) does not fire early, and fires on time', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const expired = vi.fn();
    store.on('expired', expired);
    const thirtyDays = 30 * 24 * 3600 * 1000;
    store.set('k', 'v', Date.now() + thirtyDays);
    vi.advanceTimersByTime(1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 31); // past one setTimeout range
    expect(expired).not.toHaveBeenCalled();
    expect(store.get('k')).toBe('v');
    vi.advanceTimersByTime(thirtyDays - 2 ** 31 - 2);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(store.get('k')).toBeNull();
  });

  test('many keys, one timer: each key expires at its own time, whatever the order of set/delete/extend', () => {
    const store = new mod.SessionKeystore<string>({ name: fresh() });
    const expired: string[] = [];
    store.on('expired', ({ name }) => expired.push(name));
    const t0 = Date.now();
    store.set('c', 'v', t0 + 3000);
    store.set('a', 'v', t0 + 1000); // earlier than the armed timer
    store.set('b', 'v', t0 + 2000);
    store.set('gone', 'v', t0 + 500);
    store.delete('gone'); // its timer slot must not expire anything else early
    store.set('long', 'v', t0 + 2 ** 31 + 5000); // beyond one setTimeout range
    store.set('d', 'v', t0 + 1500);
    store.set('d', 'v', t0 + 4000); // extended
    store.set('none', 'v');
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'b', 'c']);
    vi.advanceTimersByTime(999);
    expect(store.get('d')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a', 'b', 'c', 'd']);
    vi.advanceTimersByTime(2 ** 31 + 999); // at t0 + 2^31 + 4999
    expect(store.get('long')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a', 'b', 'c', 'd', 'long']);
    expect(store.get('none')).toBe('v');
    expect(vi.getTimerCount()).toBe(0); // nothing left to expire: no timer left behind
  });

  test('an expired listener that sets, deletes or disposes during expiry keeps the store consistent', () => {
    const store = new mod.SessionKeystore<string>({ name: fresh() });
    const t0 = Date.now();
    store.set('a', 'v', t0 + 1000);
    store.set('b', 'v', t0 + 1000);
    store.set('c', 'v', t0 + 5000);
    const expired: string[] = [];
    store.on('expired', ({ name }) => {
      expired.push(name);
      if (name === 'a') {
        store.delete('b');
        store.set('e', 'v', t0 + 2000);
      }
    });
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a']);
    expect(store.has('b')).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'e']);
    store.on('expired', () => store.dispose());
    vi.advanceTimersByTime(3000);
    expect(expired).toEqual(['a', 'e', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('replacing Date.now after load neither expires keys early nor revives expired ones', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    store.set('k', 'v', Date.now() + 60_000);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 3_600_000; // attacker jumps the clock forward
      expect(store.get('k')).toBe('v');
      Date.now = () => 0; // ... or backwards
      vi.advanceTimersByTime(60_000);
      expect(store.get('k')).toBeNull();
    } finally {
      Date.now = realNow;
    }
  });

  test('replacing setTimeout/clearTimeout after load does not cancel expiry', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    try {
      globalThis.setTimeout = (() => 0) as unknown as typeof setTimeout;
      globalThis.clearTimeout = (() => {}) as typeof clearTimeout;
      store.set('k', 'v', Date.now() + 1000);
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }
    const expired = vi.fn();
    store.on('expired', expired);
    vi.advanceTimersByTime(1000);
    expect(expired).toHaveBeenCalledOnce();
  });
});

describe('names (item 13): a second store with a name in use takes over', () => {
  const replaced = (fn: () => unknown) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    return err as { code?: string; message?: string } | undefined;
  };

  test('the newer store owns the name; every use of the older one throws ERR_KEYSTORE_REPLACED', () => {
    const name = fresh();
    const a = new mod.SessionKeystore({ name });
    const aEvents = vi.fn();
    a.on('expired', aEvents);
    a.on('created', aEvents);
    a.set('k', 'from-a', Date.now() + 1000);
    const b = new mod.SessionKeystore({ name }); // neither throws nor shares a's memory
    expect(b.get('k')).toBeNull(); // a new page life of the store: only what a persisted (nothing in Node)
    const uses: Array<() => unknown> = [
      () => a.get('k'),
      () => a.has('k'),
      () => a.expiresAt('k'),
      () => a.set('k', 'v'),
      () => a.delete('k'),
      () => a.clear(),
      () => a.persist(),
    ];
    for (const use of uses) {
      const err = replaced(use);
      expect(err).toBeInstanceOf(mod.KeystoreReplacedError);
      expect(err?.code).toBe('ERR_KEYSTORE_REPLACED');
      expect(err?.message).toContain(JSON.stringify(name));
      expect(err?.message).not.toContain('from-a');
    }
    // a is disposed: its timer is gone and its listeners never run again.
    aEvents.mockClear();
    vi.advanceTimersByTime(1000);
    expect(aEvents).not.toHaveBeenCalled();
    b.set('k', 'from-b');
    expect(b.get('k')).toBe('from-b');
    expect(aEvents).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('dispose() of a replaced store does not free the name of the store that replaced it', () => {
    const name = fresh();
    const a = new mod.SessionKeystore({ name });
    const b = new mod.SessionKeystore({ name });
    a.dispose(); // no-op: a is already disposed
    b.set('k', 'v');
    const c = new mod.SessionKeystore({ name }); // still takes over from b
    expect(replaced(() => b.get('k'))?.code).toBe('ERR_KEYSTORE_REPLACED');
    expect(c.get('k')).toBeNull();
    c.dispose(); // frees the name: d replaces nobody
    const d = new mod.SessionKeystore({ name });
    d.set('k', 'd');
    expect(d.get('k')).toBe('d');
    // A plain dispose() keeps its old behaviour: null reads, throwing writes.
    expect(c.get('k')).toBeNull();
    expect(() => c.set('k', 'v')).toThrow(/after dispose/);
  });

  test('two copies of the module share the registry: the second copy takes over too', async () => {
    const name = fresh();
    const a = new mod.SessionKeystore({ name });
    vi.resetModules();
    const copy: Mod = await import('../../src/keystore/index.js');
    expect(copy).not.toBe(mod);
    const b = new copy.SessionKeystore({ name });
    expect(replaced(() => a.get('k'))).toBeInstanceOf(mod.KeystoreReplacedError);
    b.set('k', 'v');
    expect(b.get('k')).toBe('v');
    new mod.SessionKeystore({ name });
    expect(replaced(() => b.get('k'))).toBeInstanceOf(copy.KeystoreReplacedError);
  });
});

describe("get(key, now): session-keystore's clock argument, in the safe direction only", () => {
  test('a later now expires a value early (expired emitted, value deleted)', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const expired = vi.fn();
    store.on('expired', expired);
    const exp = Date.now() + 10_000;
    store.set('k', 'v', exp);
    expect(store.get('k', exp - 1)).toBe('v');
    expect(store.get('k', exp)).toBeNull();
    expect(expired).toHaveBeenCalledWith({ name: 'k' });
    expect(store.get('k')).toBeNull(); // gone for good, not only for that call
  });

  test('an earlier now neither revives nor stretches a value', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    const t0 = Date.now();
    store.set('k', 'v', t0 + 1000);
    store.set('j', 'w', t0 + 1000);
    vi.setSystemTime(t0 + 1000); // due by the store's clock; its timer has not run yet
    expect(store.get('k', t0)).toBeNull();
    expect(store.get('j', 0)).toBeNull();
    expect(store.get('j', -Infinity)).toBeNull();
  });

  test('a now that is not a number is refused, without echoing it', () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    store.set('k', 'secret-value');
    const g = store as unknown as { get(k: string, now?: unknown): unknown };
    for (const bad of [Number.NaN, '1', new Date(), null]) {
      expect(() => g.get('k', bad)).toThrow(/now: expected a ms timestamp/);
    }
    expect(g.get('k', undefined)).toBe('secret-value');
  });
});

describe('clock and timers are taken when the store is built, not when the module loaded', () => {
  // Here the module loads under real timers; the fakes come later, as in an app's test suite that
  // imports the library at the top and calls vi.useFakeTimers()/jest.useFakeTimers() in a test.
  beforeEach(async () => {
    vi.useRealTimers();
    vi.resetModules();
    mod = await import('../../src/keystore/index.js');
  });

  test('fake timers installed before construction drive expiry (Date and setTimeout faked)', () => {
    vi.useFakeTimers({ now: new Date('2020-01-01T00:00:00Z') });
    const store = new mod.SessionKeystore({ name: fresh() });
    const expired = vi.fn();
    store.on('expired', expired);
    store.set('k', 'v', Date.now() + 1000); // a date in 2020: valid by the fake clock
    expect(store.get('k')).toBe('v');
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledWith({ name: 'k' });
    expect(store.get('k')).toBeNull();
  });

  test('only setTimeout faked (legacy Jest timers): the timer armed for the expiry expires it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new mod.SessionKeystore({ name: fresh() });
    const expired: string[] = [];
    store.on('expired', ({ name }) => expired.push(name));
    store.set('a', 'v', Date.now() + 100);
    store.set('b', 'v', Date.now() + 60_000);
    vi.advanceTimersByTime(100); // the real clock has barely moved
    expect(expired).toEqual(['a']);
    expect(store.get('b')).toBe('v'); // only what the timer was armed for
  });

  test('a timer that is only a chunk of a long expiry expires nothing early', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = new mod.SessionKeystore({ name: fresh() });
    const expired = vi.fn();
    store.on('expired', expired);
    store.set('k', 'v', Date.now() + 30 * 24 * 3600 * 1000);
    vi.advanceTimersByTime(2 ** 31); // the first chunk fires; the real clock is still 30 days short
    expect(expired).not.toHaveBeenCalled();
    expect(store.get('k')).toBe('v');
  });

  test('fake timers installed after construction are ignored: page code cannot stretch or stop expiry', async () => {
    const store = new mod.SessionKeystore({ name: fresh() });
    store.set('k', 'v', Date.now() + 50);
    store.set('long', 'v', Date.now() + 3_600_000);
    const expired = new Promise<string>((resolve) => store.on('expired', ({ name }) => resolve(name)));
    // The attack: freeze the clock one hour in the past and take over every timer.
    vi.useFakeTimers({ now: Date.now() - 3_600_000 });
    try {
      expect(await expired).toBe('k'); // the store's own timer, on the real clock
      expect(store.get('k')).toBeNull();
      expect(store.has('long')).toBe(true);
      vi.advanceTimersByTime(2 * 3_600_000); // fake time moving on expires nothing either
      expect(store.has('long')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("session-keystore's own test environment", () => {
  test('a getRandomValues shim that returns fresh bytes instead of filling its argument is used, and still checked', async () => {
    // Its Jest environment sets window.crypto = { getRandomValues: (b) => crypto.randomBytes(b.byteLength) }.
    const { randomBytes: nodeRandom } = await import('node:crypto');
    const spy = vi
      .spyOn(globalThis.crypto, 'getRandomValues')
      .mockImplementation(((b: Uint8Array) => nodeRandom(b.byteLength)) as typeof crypto.getRandomValues);
    try {
      vi.resetModules();
      const random = await import('../../src/internal/random.js');
      const a = random.randomBytes(32);
      const b = random.randomBytes(32);
      expect(a.some((x) => x !== 0)).toBe(true);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
      spy.mockImplementation(
        ((b: Uint8Array) => new Uint8Array(b.byteLength)) as typeof crypto.getRandomValues,
      );
      expect(() => random.randomBytes(32)).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_SOURCE' }));
      spy.mockImplementation(((b: Uint8Array) =>
        nodeRandom(b.byteLength - 1)) as typeof crypto.getRandomValues);
      expect(() => random.randomBytes(32)).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_SOURCE' }));
    } finally {
      spy.mockRestore();
    }
  });
});
