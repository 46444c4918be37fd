// TabSession protocol in Node, whose BroadcastChannel delivers between instances like a browser's
// does between tabs. The real-browser suite (test/browser/tabs) repeats the important cases with
// real tabs; these cover every branch of the protocol quickly.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type HandoverStore, type HandoverValue, TabSession } from '../../src/tabs/index.js';

type F = 'token' | 'key';

class MapStore implements HandoverStore<F | 'other'> {
  m = new Map<string, [HandoverValue, number | undefined]>();
  get(n: string) {
    return this.m.get(n)?.[0] ?? null;
  }
  set(n: string, v: HandoverValue, exp?: number) {
    this.m.set(n, [v, exp]);
  }
  delete(n: string) {
    this.m.delete(n);
  }
  expiresAt(n: string) {
    return this.m.has(n) ? this.m.get(n)![1] : null;
  }
}

const open: (TabSession<string> | BroadcastChannel)[] = [];
let chan = 0;
// A request that must succeed gets a generous timeout (delivery on a loaded machine can be slow); a
// test whose request must fail passes `{ timeout: SHORT }`, the time it then waits for nothing.
const SHORT = 300;
function tab(name: string, opts: Partial<ConstructorParameters<typeof TabSession<F>>[0]> = {}) {
  const store = new MapStore();
  const t = new TabSession<F>({ store, fields: ['token', 'key'], channel: name, timeout: 10_000, ...opts });
  open.push(t as TabSession<string>);
  return { store, t };
}
function raw(name: string) {
  const c = new BroadcastChannel(`sealed-session/tabs:${name}`);
  open.push(c);
  return c;
}
// No fixed sleeps: a test waits for a fact (an onIgnored/onEnd callback, a store change), or for a
// sentinel that the same sender posts after the messages under test — a BroadcastChannel delivers
// one sender's messages to a receiver in order.
const until = (fact: () => void) => vi.waitFor(fact, { timeout: 10_000, interval: 2 });
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

describe('handover', () => {
  test('a new tab gets only the named fields of a logged-in tab, with their expiry', async () => {
    const name = `c${++chan}`;
    const a = tab(name);
    a.store.set('token', 'tok-123', Date.now() + 60_000);
    a.store.set('other', 'not-shared');
    const epoch = a.t.login();
    const b = tab(name);
    const onSession = vi.fn();
    const c = tab(name, { onSession });
    expect(await c.t.request()).toBe(true);
    expect(c.store.get('token')).toBe('tok-123');
    expect(c.store.expiresAt('token')).toBe(a.store.expiresAt('token'));
    expect(c.store.get('other')).toBeNull();
    expect(c.t.epoch).toBe(epoch);
    expect(onSession).toHaveBeenCalledWith(epoch);
    expect(b.store.get('token')).toBeNull(); // b never asked
  });

  test('no answer: request() resolves false after the timeout', async () => {
    const b = tab(`c${++chan}`, { timeout: 50 });
    expect(await b.t.request()).toBe(false);
  });

  test('a tab that has a session does not ask, and never replaces it', async () => {
    const name = `c${++chan}`;
    const a = tab(name);
    a.store.set('token', 'A');
    a.t.login();
    const b = tab(name);
    b.store.set('token', 'B');
    expect(await b.t.request()).toBe(false);
    expect(b.store.get('token')).toBe('B');
  });

  test('a session obtained while waiting is not replaced by the answer', async () => {
    const name = `c${++chan}`;
    const spy = raw(name);
    const ignored: string[] = [];
    const b = tab(name, { onIgnored: (r) => ignored.push(r), timeout: SHORT });
    const seen = new Promise<{ id: string }>((r) => {
      spy.onmessage = (e) => r(e.data);
    });
    const p = b.t.request();
    const { id } = await seen;
    b.store.set('token', 'logged-in-meanwhile');
    spy.postMessage({
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      id,
      epoch: Date.now(),
      values: { token: ['X', null] },
    });
    expect(await p).toBe(false);
    expect(b.store.get('token')).toBe('logged-in-meanwhile');
    expect(ignored).toContain('has-session');
  });
});

describe('forged and stray messages (item 17)', () => {
  test('an unsolicited push, or an answer to another id, is ignored', async () => {
    const name = `c${++chan}`;
    const ignored: string[] = [];
    const b = tab(name, { onIgnored: (r) => ignored.push(r), timeout: SHORT });
    const evil = raw(name);
    const push = {
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      epoch: Date.now(),
      values: { token: ['evil', null] },
    };
    evil.postMessage({ ...push, id: 'a'.repeat(32) });
    await until(() => expect(ignored).toEqual(['unsolicited']));
    expect(b.store.get('token')).toBeNull();
    const p = b.t.request();
    evil.postMessage({ ...push, id: 'b'.repeat(32) }); // wrong id while a request is open
    expect(await p).toBe(false);
    expect(b.store.get('token')).toBeNull();
    expect(ignored.filter((r) => r === 'unsolicited')).toHaveLength(2);
  });

  test('exactly one answer is accepted', async () => {
    const name = `c${++chan}`;
    const spy = raw(name);
    const ignored: string[] = [];
    const b = tab(name, { onIgnored: (r) => ignored.push(r) });
    const seen = new Promise<{ id: string }>((r) => {
      spy.onmessage = (e) => r(e.data);
    });
    const p = b.t.request();
    const { id } = await seen;
    const ans = (v: string) => ({
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      id,
      epoch: Date.now(),
      values: { token: [v, null] },
    });
    spy.postMessage(ans('first'));
    spy.postMessage(ans('second'));
    expect(await p).toBe(true);
    await until(() => expect(ignored).toEqual(['unsolicited'])); // the second one, once handled
    expect(b.store.get('token')).toBe('first');
  });

  test('malformed messages and values are ignored; fields not asked for never land (item 18)', async () => {
    const name = `c${++chan}`;
    const spy = raw(name);
    const ignored: string[] = [];
    const b = tab(name, { onIgnored: (r) => ignored.push(r) });
    for (const m of [
      null,
      1,
      'x',
      [],
      {},
      { p: 'sealed-session/tabs', v: 2, t: 'req', id: 'a'.repeat(32) },
    ]) {
      spy.postMessage(m);
    }
    const seen = new Promise<{ id: string }>((r) => {
      spy.onmessage = (e) => r(e.data);
    });
    await until(() => expect(ignored).toEqual(Array(6).fill('malformed')));
    const p = b.t.request();
    const { id } = await seen;
    const base = { p: 'sealed-session/tabs', v: 1, t: 'ans', id, epoch: Date.now() };
    spy.postMessage({ ...base, values: { token: [42, null] } });
    spy.postMessage({ ...base, values: { other: ['x', null], __proto__x: 1 } });
    spy.postMessage({ ...base, values: { token: ['ok', null], other: ['smuggled', null] } });
    expect(await p).toBe(true);
    expect(b.store.get('token')).toBe('ok');
    expect(b.store.m.has('other')).toBe(false);
    expect(ignored).toEqual(expect.arrayContaining(['malformed', 'no-fields']));
  });
});

describe('epochs and logout (item 19)', () => {
  test('logout reaches every tab', async () => {
    const name = `c${++chan}`;
    const a = tab(name);
    a.store.set('token', 'T');
    a.t.login();
    const ends: string[] = [];
    const b = tab(name, { onEnd: (r) => ends.push(`b:${r}`) });
    const c = tab(name, { onEnd: (r) => ends.push(`c:${r}`) });
    expect(await b.t.request()).toBe(true);
    expect(await c.t.request()).toBe(true);
    c.t.logout();
    await until(() =>
      expect([a.store.get('token'), b.store.get('token'), c.store.get('token')]).toEqual([null, null, null]),
    );
    await until(() => expect(ends).toEqual(['b:logout']));
    expect([a.t.epoch, b.t.epoch, c.t.epoch]).toEqual([0, 0, 0]);
  });

  test('an answer older than a logout is refused; a login after it is accepted', async () => {
    const name = `c${++chan}`;
    const spy = raw(name);
    const b = tab(name, { timeout: SHORT });
    const out = Date.now() + 10_000;
    // Delivered to b before the answer below (same sender, in order).
    spy.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'out', epoch: out });
    const seen = new Promise<{ id: string }>((r) => {
      spy.onmessage = (e) => r(e.data);
    });
    const p = b.t.request();
    const { id } = await seen;
    spy.postMessage({
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      id,
      epoch: out,
      values: { token: ['old', null] },
    });
    expect(await p).toBe(false);
    expect(b.store.get('token')).toBeNull();
    b.store.set('token', 'new');
    expect(b.t.login()).toBeGreaterThan(out);
  });

  test('a newer login supersedes older sessions; an older epoch never overwrites a newer one', async () => {
    const name = `c${++chan}`;
    const a = tab(name);
    a.store.set('token', 'old-user');
    const e1 = a.t.login();
    const ends: string[] = [];
    const b = tab(name, { onEnd: (r) => ends.push(r) });
    expect(await b.t.request()).toBe(true);
    // Tab c logs in afresh: a and b hold an older session, which is now void.
    // A later millisecond: logins within the same ms are ordered at random.
    const loggedInAt = Date.now();
    await until(() => expect(Date.now()).toBeGreaterThan(loggedInAt));
    const c = tab(name);
    c.store.set('token', 'new-user');
    const e2 = c.t.login();
    expect(e2).toBeGreaterThan(e1);
    await until(() => expect([a.store.get('token'), b.store.get('token')]).toEqual([null, null]));
    await until(() => expect(ends).toEqual(['superseded']));
    // A forged late "in" with an old epoch does not void the newer session.
    const spy = raw(name);
    spy.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'in', epoch: e1 });
    spy.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'out', epoch: e1 });
    // Sentinel: c answers a request posted after the forged messages, so it has handled them.
    const answered = new Promise<{ t: string; values: Record<string, unknown> }>((r) => {
      spy.onmessage = (ev) => {
        if (ev.data.t === 'ans' && ev.data.id === 'f'.repeat(32)) r(ev.data);
      };
    });
    spy.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'req', id: 'f'.repeat(32) });
    expect((await answered).values).toEqual({ token: ['new-user', null] });
    expect(c.store.get('token')).toBe('new-user');
    // And an answer carrying the old epoch is refused by a tab that knows the newer one.
    const d = tab(name, { answer: false, timeout: SHORT });
    const seen = new Promise<{ id: string }>((r) => {
      spy.onmessage = (ev) => {
        if (ev.data.t === 'req') r(ev.data);
      };
    });
    // d learns of e2 before the stale answer below (same sender, in order).
    spy.postMessage({ p: 'sealed-session/tabs', v: 1, t: 'in', epoch: e2 });
    const c2 = c.t; // c will answer with e2; make it silent to test the stale answer alone
    c2.close();
    const p = d.t.request();
    const { id } = await seen;
    spy.postMessage({
      p: 'sealed-session/tabs',
      v: 1,
      t: 'ans',
      id,
      epoch: e1,
      values: { token: ['old-user', null] },
    });
    expect(await p).toBe(false);
    expect(d.store.get('token')).toBeNull();
  });
});

describe('misuse', () => {
  test('bad options throw at construction', () => {
    const store = new MapStore();
    const T = TabSession as unknown as new (o: unknown) => unknown;
    expect(() => new T(null)).toThrow(TypeError);
    expect(() => new T({ store, fields: [] })).toThrow(/options.fields/);
    expect(() => new T({ store: {}, fields: ['a'] })).toThrow(/options.store.get/);
    expect(() => new T({ store, fields: ['a'], timeout: 0 })).toThrow(RangeError);
  });
});

describe('request ids (item 39)', () => {
  test('sameId compares without early exit and rejects any difference', async () => {
    const { sameId } = await import('../../src/tabs/messages.js');
    const id = 'ab'.repeat(16);
    expect(sameId(id, id)).toBe(true);
    expect(sameId(id, `${id.slice(0, 31)}c`)).toBe(false);
    expect(sameId(id, `c${id.slice(1)}`)).toBe(false);
    expect(sameId(id, id.slice(0, 31))).toBe(false);
    expect(sameId(id, '')).toBe(false);
    expect(sameId('', id)).toBe(false);
  });
});
