// sealed-session/iron: the iron-session 8/9 API on our engine. Real iron-session 8.0.4 and 9.0.1
// (installed side by side) write the legacy cookies and seals that must keep opening.
import { sealData as iron8Seal, getIronSession as iron8Session } from 'iron-session';
import { sealData as iron9Seal, getIronSession as iron9Session } from 'iron-session-9';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveKey } from '../../src/core/kdf.js';
import { toHex } from '../../src/internal/base64.js';
import { keyOf } from '../../src/iron/keys.js';
import {
  getIronSession,
  IRON_KDF_SALT,
  type IronSessionOptions,
  nextProxyCookies,
  SEAL_DATA_CONTEXT,
  sealData,
  type UnsealErrorReason,
  unsealData,
  webCookies,
} from '../../src/iron/node.js';
import { hostileValues } from '../adapters/express-web-support.js';
import {
  apply,
  FakeCookieStore,
  nodeRequest,
  OTHER_PASSWORD,
  PASSWORD,
  RecordingResponse,
} from './support.js';

interface Data {
  user?: { id: number; meta?: string };
  big?: string;
  n?: number;
}

const options: IronSessionOptions = { cookieName: 'test', password: PASSWORD };
const ATTRS = '; Path=/; HttpOnly; Secure; SameSite=Lax';

afterEach(() => {
  vi.useRealTimers();
});

async function saved(data: Data, opts: IronSessionOptions = options): Promise<Record<string, string>> {
  const res = new RecordingResponse();
  const s = await getIronSession<Data>(nodeRequest(), res, opts);
  Object.assign(s, data);
  await s.save();
  return apply(res.setCookies);
}

describe('sealed-session/iron: options, as iron-session checks them', () => {
  it('bad usage and validation errors carry iron-session’s messages', async () => {
    const req = nodeRequest();
    const res = new RecordingResponse();
    // @ts-expect-error runtime check
    await expect(getIronSession()).rejects.toThrow(
      /^iron-session: Bad usage: use getIronSession\(req, res, options\)/,
    );
    // @ts-expect-error runtime check
    await expect(getIronSession(req)).rejects.toThrow(/Bad usage: use getIronSession/);
    await expect(getIronSession(req, res, {} as IronSessionOptions)).rejects.toThrow(
      'iron-session: Bad usage. Missing cookie name.',
    );
    await expect(getIronSession(req, res, { cookieName: 'a' } as IronSessionOptions)).rejects.toThrow(
      'iron-session: Bad usage. Missing password.',
    );
    await expect(getIronSession(req, res, { cookieName: 'a', password: 'x'.repeat(31) })).rejects.toThrow(
      'iron-session: Bad usage. Password must be at least 32 characters long.',
    );
    await expect(
      getIronSession(req, res, { cookieName: 'a', password: { 1: PASSWORD, 2: 'short' } }),
    ).rejects.toThrow(/at least 32 characters/);
    await expect(getIronSession(req, res, { cookieName: 'a', password: {} })).rejects.toThrow(
      /password map is empty/,
    );
    await expect(getIronSession(req, res, { cookieName: 'a', password: { x: PASSWORD } })).rejects.toThrow(
      /Password ids must be integers/,
    );
    await expect(
      getIronSession(new FakeCookieStore(), { cookieName: 'a' } as IronSessionOptions),
    ).rejects.toThrow(/Missing password/);
    // The password never appears in a message.
    const err = await getIronSession(req, res, {
      cookieName: 'a',
      password: { 1: 'secret-but-short' },
    }).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain('secret-but-short');
  });

  it('the key is Argon2id(password, "sealed-session/i") from the core KDF: a pinned vector', async () => {
    expect(IRON_KDF_SALT).toBe('sealed-session/i');
    const key = await keyOf(PASSWORD);
    expect(toHex(key)).toBe(toHex(await deriveKey({ secret: PASSWORD, salt: IRON_KDF_SALT })));
    // Pinned: if this changes, every cookie in the field stops opening.
    expect(toHex(key)).toMatchInlineSnapshot(
      `"f78be6c066a8167139f60ce1626ab4abf835caf0bafc9aa85b4a533cf97dc6e2"`,
    );
  }, 60_000);
});

describe('sealed-session/iron: the session object', () => {
  it('is a plain object with non-enumerable, read-only save/destroy/updateConfig', async () => {
    const s = await getIronSession<Data>(nodeRequest(), new RecordingResponse(), options);
    expect(s).toEqual({});
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.keys(s)).toEqual([]);
    expect(JSON.stringify(s)).toBe('{}');
    expect(() => {
      (s as { save: unknown }).save = () => {};
    }).toThrow(/read only property 'save'/);
    expect(typeof s.save).toBe('function');
    expect(typeof s.destroy).toBe('function');
    expect(typeof s.updateConfig).toBe('function');
  });

  it('save() writes iron’s attributes (Max-Age = ttl − 60) in our format; read, delete a field, save', async () => {
    const res = new RecordingResponse();
    res.setHeader('set-cookie', 'existing=cookie');
    const s = await getIronSession<Data>(nodeRequest(), res, options);
    s.user = { id: 1 };
    await s.save();
    expect(res.setCookies[0]).toBe('existing=cookie');
    expect(res.setCookies[1]).toMatch(new RegExp(`^test=[A-Za-z0-9_-]+; Max-Age=1209540${ATTRS}$`));
    expect(res.setCookies[1]).not.toContain('Fe26');

    const jar = apply(res.setCookies);
    const res2 = new RecordingResponse();
    const back = await getIronSession<Data>(nodeRequest(jar), res2, options);
    expect(back).toEqual({ user: { id: 1 } });
    delete back.user;
    back.n = 2;
    await back.save();
    const again = await getIronSession<Data>(
      nodeRequest(apply(res2.setCookies, jar)),
      new RecordingResponse(),
      options,
    );
    expect(again).toEqual({ n: 2 });
  });

  it('destroy() empties the session and expires the cookie with iron’s exact line', async () => {
    const jar = await saved({ user: { id: 1 } });
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest(jar), res, options);
    s.destroy();
    expect(s).toEqual({});
    expect(res.setCookies).toEqual([`test=; Max-Age=0${ATTRS}`]);
    await s.save(); // nothing to save: a no-op, as in iron-session 9
    s.user = { id: 2 };
    await expect(s.save()).rejects.toThrow(/Cannot save a destroyed session/);
  });

  it('ttl: 0 is the maximum Max-Age; cookieOptions.maxAge is kept; maxAge: undefined gives no Max-Age', async () => {
    const zero = new RecordingResponse();
    const a = await getIronSession<Data>(nodeRequest(), zero, { ...options, ttl: 0 });
    a.n = 1;
    await a.save();
    expect(zero.setCookies[0]).toMatch(/; Max-Age=2147483647;/);

    const sixty = new RecordingResponse();
    const b = await getIronSession<Data>(nodeRequest(), sixty, { ...options, cookieOptions: { maxAge: 60 } });
    b.n = 1;
    await b.save();
    expect(sixty.setCookies[0]).toMatch(/; Max-Age=60;/);

    const browser = new RecordingResponse();
    const c = await getIronSession<Data>(nodeRequest(), browser, {
      ...options,
      cookieOptions: { maxAge: undefined },
    });
    c.n = 1;
    await c.save();
    expect(browser.setCookies[0]).not.toMatch(/Max-Age|Expires/);
    expect(await getIronSession<Data>(nodeRequest(apply(browser.setCookies)), browser, options)).toEqual({
      n: 1,
    });
  });

  it('THREATS 4: the seal expires at ttl + 60 s (iron’s skew) from the sealed time, whatever the browser keeps', async () => {
    await keyOf(PASSWORD); // derive before the clock is frozen
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_000 });
    const opts = { ...options, ttl: 61 };
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest(), res, opts);
    s.n = 1;
    await s.save();
    expect(res.setCookies[0]).toMatch(/; Max-Age=1;/);
    const jar = apply(res.setCookies);
    vi.setSystemTime(1_800_000_120_000); // < ttl + 60 s
    const mid = await getIronSession<Data>(nodeRequest(jar), new RecordingResponse(), opts);
    expect(mid).toEqual({ n: 1 });
    const res2 = new RecordingResponse();
    await mid.save(); // refreshes the ttl
    vi.setSystemTime(1_800_000_240_000);
    expect(await getIronSession<Data>(nodeRequest(jar), res2, opts)).toEqual({}); // the old seal is over
    const errors: UnsealErrorReason[] = [];
    await getIronSession<Data>(nodeRequest(jar), res2, { ...opts, onUnsealError: (r) => errors.push(r) });
    expect(errors).toEqual(['expired']);
  });

  it('save() after headers were sent throws iron’s error', async () => {
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest(), res, options);
    res.headersSent = true;
    s.n = 1;
    await expect(s.save()).rejects.toThrow(/session.save\(\) was called after headers were sent/);
  });

  it('updateConfig() changes name and ttl for the next save; the passwords stay', async () => {
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest(), res, options);
    s.n = 1;
    s.updateConfig({ ttl: 61, cookieName: 'test2', password: 'ignored' });
    await s.save();
    expect(res.setCookies[0]).toMatch(/^test2=[^;]+; Max-Age=1;/);
    const back = await getIronSession<Data>(nodeRequest(apply(res.setCookies)), res, {
      ...options,
      cookieName: 'test2',
    });
    expect(back).toEqual({ n: 1 });
  });

  it('the cookie budget warning names what the user set: none for one cookie, `chunk: true` once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const one = await getIronSession<Data>(new FakeCookieStore(), { ...options, cookieName: 'budget1' });
      one.n = 1;
      await one.save();
      expect(warn).not.toHaveBeenCalled(); // one cookie of at most 4096 bytes: within the budget
      const chunked = { ...options, cookieName: 'budget4', chunk: true };
      for (let i = 0; i < 2; i++) {
        const s = await getIronSession<Data>(new FakeCookieStore(), chunked);
        s.n = i;
        await s.save();
      }
      // Not the engine's "options.maxCookies is 4 … session 'session'": neither is an iron option.
      expect(warn.mock.calls).toEqual([
        [
          "sealed-session/iron: options.chunk is true: cookie 'budget4' may span 4 cookies, up to 16384 bytes of a request's Cookie header. curl, nginx and Apache refuse request headers over 8 KB (8190 bytes) by default, and curl then drops the session cookie (the user is logged out). Keep a chunked session under 6144 bytes: store an id in the session and keep large data on the server.",
        ],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it('too big without chunk: iron’s error, nothing written; chunk: true spans cookies', async () => {
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest(), res, options);
    s.big = 'x'.repeat(3000);
    await expect(s.save()).rejects.toThrow(/Cookie length is too big/);
    expect(res.setCookies).toEqual([]);

    const store = new FakeCookieStore();
    const big = await getIronSession<Data>(store, { ...options, chunk: true });
    big.big = 'y'.repeat(7000);
    await big.save();
    expect(store.calls.map((c) => c.name)).toEqual(['test', 'test.1', 'test.2']);
    const next = new FakeCookieStore(store.jar());
    const back = await getIronSession<Data>(next, { ...options, chunk: true });
    expect(back.big).toHaveLength(7000);
    back.big = 'small';
    await back.save(); // shrinks to one cookie: the stale chunks are expired
    expect(next.calls.map((c) => [c.name, c.options.maxAge])).toEqual([
      ['test', 1209540],
      ['test.1', 0],
      ['test.2', 0],
    ]);
    const third = new FakeCookieStore(next.jar());
    expect(await getIronSession<Data>(third, options)).toEqual({ big: 'small' });
    big.big = 'z'.repeat(20_000);
    await expect(big.save()).rejects.toThrow(/more than 4 cookies/);
  });

  it('Web Request/Response, cookies() (also as a promise) and nextProxyCookies', async () => {
    const req = new Request('https://example.com');
    const res = new Response('hello');
    const s = await getIronSession<Data>(req, res, options);
    s.n = 7;
    await s.save();
    const line = res.headers.get('set-cookie')!;
    expect(line).toMatch(new RegExp(`^test=[A-Za-z0-9_-]+; Max-Age=1209540${ATTRS}$`));
    const req2 = new Request('https://example.com', { headers: { cookie: line.split(';')[0]! } });
    expect(await getIronSession<Data>(req2, new Headers(), options)).toEqual({ n: 7 });
    expect(await getIronSession<Data>(webCookies(req2, new Headers()), options)).toEqual({ n: 7 });

    const store = new FakeCookieStore({ test: line.split(';')[0]!.slice(5) });
    expect(await getIronSession<Data>(Promise.resolve(store), options)).toEqual({ n: 7 });

    const requestCookies = new FakeCookieStore(store.request);
    const responseCookies = new FakeCookieStore();
    const p = await getIronSession<Data>(
      nextProxyCookies({ cookies: requestCookies }, { cookies: responseCookies }),
      options,
    );
    p.n = 8;
    await p.save();
    expect(responseCookies.calls[0]).toMatchObject({
      name: 'test',
      options: { maxAge: 1209540, httpOnly: true },
    });
    expect(requestCookies.calls[0]?.name).toBe('test'); // visible to the rest of this request
  });
});

describe('sealed-session/iron: existing iron-session cookies keep working', () => {
  it('a cookie written by real iron-session 8.0.4 opens, and save() re-issues it in our format', async () => {
    const res = {
      headers: {} as Record<string, unknown>,
      getHeader: () => undefined,
      setHeader(_: string, v: unknown) {
        this.headers['set-cookie'] = v;
      },
    };
    const s8 = await iron8Session<Data>({ headers: {} } as never, res as never, options);
    s8.user = { id: 8, meta: 'from iron 8' };
    await s8.save();
    const jar = apply(res.headers['set-cookie'] as string[]);
    expect(jar.test).toMatch(/^Fe26\.2\*1\*.+~2$/);

    const out = new RecordingResponse();
    const ours = await getIronSession<Data>(nodeRequest(jar), out, options);
    expect(ours).toEqual({ user: { id: 8, meta: 'from iron 8' } });
    await ours.save();
    const moved = apply(out.setCookies, jar);
    expect(moved.test).not.toMatch(/Fe26/);
    expect(await getIronSession<Data>(nodeRequest(moved), out, options)).toEqual({
      user: { id: 8, meta: 'from iron 8' },
    });
  });

  it('cookies written by real iron-session 9.0.1, one cookie and chunked (<name>.0…), open; chunks are expired on save', async () => {
    const store9 = new FakeCookieStore();
    const s9 = await iron9Session<Data>(store9 as never, options);
    s9.user = { id: 9 };
    await s9.save();
    expect(await getIronSession<Data>(new FakeCookieStore(store9.jar()), options)).toEqual({
      user: { id: 9 },
    });

    const chunked = new FakeCookieStore();
    const big9 = await iron9Session<Data>(chunked as never, { ...options, chunk: true });
    big9.big = 'q'.repeat(6000);
    await big9.save();
    const jar = chunked.jar();
    expect(Object.keys(jar)).toEqual(['test.0', 'test.1', 'test.2']);
    const store = new FakeCookieStore(jar);
    const ours = await getIronSession<Data>(store, { ...options, chunk: true });
    expect(ours.big).toHaveLength(6000);
    await ours.save();
    // Ours is `test`, `test.1`, `test.2` (overwriting iron's two last chunks); iron's test.0 is expired.
    expect(store.calls.map((c) => [c.name, c.options.maxAge === 0 ? 'expired' : 'set'])).toEqual([
      ['test', 'set'],
      ['test.1', 'set'],
      ['test.2', 'set'],
      ['test.0', 'expired'],
    ]);
    const after = store.jar();
    expect(Object.keys(after).sort()).toEqual(['test', 'test.1', 'test.2']);
    expect(
      (await getIronSession<Data>(new FakeCookieStore(after), { ...options, chunk: true })).big,
    ).toHaveLength(6000);
  });

  it('rotation: { 2: new, 1: old } opens old iron and old ours; seals with the new one', async () => {
    const oldIron = await iron8Seal({ user: { id: 1 } }, { password: PASSWORD });
    const oldOurs = (await saved({ user: { id: 2 } })).test!;
    const rotated = { cookieName: 'test', password: { 2: OTHER_PASSWORD, 1: PASSWORD } };
    expect(
      await getIronSession<Data>(nodeRequest({ test: oldIron }), new RecordingResponse(), rotated),
    ).toEqual({
      user: { id: 1 },
    });
    const res = new RecordingResponse();
    const s = await getIronSession<Data>(nodeRequest({ test: oldOurs }), res, rotated);
    expect(s).toEqual({ user: { id: 2 } });
    await s.save();
    const onlyNew = { cookieName: 'test', password: OTHER_PASSWORD };
    expect(await getIronSession<Data>(nodeRequest(apply(res.setCookies)), res, onlyNew)).toEqual({
      user: { id: 2 },
    });
    expect(await getIronSession<Data>(nodeRequest({ test: oldOurs }), res, onlyNew)).toEqual({});
  }, 60_000);

  it('next-iron-session’s old format (no ~2 marker: data under `persistent`) opens as iron 8 reads it', async () => {
    // The vector from iron-session 8's own test suite (sealed with this password, ttl 0).
    const legacy =
      'Fe26.2*1*1e2bacee1edffaeb4a9ba4a07dc36c2c60d20415a60ac1b901033af1f107ead5*LAC9Fn3BJ9ifKMhVL3pP5w*JHhcByIzk4ThLt9rUW-fDMrOwUT7htHy1uyqeOTIqrVwDJ0Bz7TOAwIz_Cos-ug3**7dfa11868bbcc4f7e118342c0280ff49ba4a7cc84c70395bbc3d821a5f460174*6a8FkHxdg322jyym6PwJf3owz7pd6nq5ZIzyLHGVC0c';
    expect(
      await getIronSession<Data>(nodeRequest({ test: legacy }), new RecordingResponse(), options),
    ).toEqual({
      user: { id: 77 },
    });
  });
});

describe('sealed-session/iron: sealData / unsealData', () => {
  it('round trip, expiry, wrong password; iron 8 and 9 seals open too', async () => {
    const token = await sealData({ user: { id: 1 } }, { password: PASSWORD, ttl: 120 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await unsealData(token, { password: PASSWORD })).toEqual({ user: { id: 1 } });
    expect(await unsealData(token, { password: OTHER_PASSWORD })).toEqual({});
    expect(
      await unsealData(await iron8Seal({ a: 8 }, { password: PASSWORD }), { password: PASSWORD }),
    ).toEqual({ a: 8 });
    expect(
      await unsealData(await iron9Seal({ a: 9 }, { password: PASSWORD }), { password: PASSWORD }),
    ).toEqual({ a: 9 });
    // iron lets a sealData token be used as the session cookie: so does ours.
    expect(
      await getIronSession<Data>(nodeRequest({ test: token }), new RecordingResponse(), options),
    ).toEqual({
      user: { id: 1 },
    });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 181_000 });
    const reasons: string[] = [];
    expect(await unsealData(token, { password: PASSWORD, onUnsealError: (r) => reasons.push(r) })).toEqual(
      {},
    );
    expect(reasons).toEqual(['expired']);
    expect(SEAL_DATA_CONTEXT).toBe('iron-session/seal');
  }, 60_000);
});

describe('sealed-session/iron: hostile cookies (THREATS 1, 2)', () => {
  it('a cookie saved under one name does not open under another, same password', async () => {
    const jar = await saved({ user: { id: 1 } });
    expect(
      await getIronSession<Data>(nodeRequest({ other: jar.test! }), new RecordingResponse(), {
        ...options,
        cookieName: 'other',
      }),
    ).toEqual({});
  });

  it('foreign, tampered, truncated, iron-lookalike and garbage cookies: empty session, a reason, never a throw; save() still works', async () => {
    const key = await keyOf(PASSWORD);
    const values = [
      ...hostileValues(key, 'test'),
      {
        label: 'iron tampered',
        value: `${(await iron8Seal({ a: 1 }, { password: PASSWORD })).slice(0, -3)}AAA`,
      },
      { label: 'iron other password', value: await iron9Seal({ a: 1 }, { password: OTHER_PASSWORD }) },
      { label: 'iron bare prefix', value: 'Fe26.2*' },
      { label: 'iron huge', value: `Fe26.2*1*${'a'.repeat(10_000)}` },
    ];
    for (const { label, value } of values) {
      const reasons: UnsealErrorReason[] = [];
      const res = new RecordingResponse();
      const store = new FakeCookieStore({ test: value, 'test.0': value, 'test.1': value });
      const viaStore = await getIronSession<Data>(store, {
        ...options,
        onUnsealError: (r) => reasons.push(r),
      });
      expect({ ...viaStore }, label).toEqual({});
      const viaNode = await getIronSession<Data>(nodeRequest({ test: value }), res, options);
      expect({ ...viaNode }, label).toEqual({});
      viaNode.n = 1;
      await viaNode.save();
      expect(res.setCookies, label).toHaveLength(1);
      if (value !== '') expect(reasons.length, label).toBe(1);
    }
  }, 120_000);
});
