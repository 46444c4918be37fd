// The default cookie budget (issue 13): three 4 KB chunks made a Cookie header of about 12 KB, over
// the 8 KB that curl, nginx and Apache accept by default; curl then dropped the main cookie (the
// user was logged out). The default now keeps one session's cookies within 6144 bytes of the
// Cookie header, a larger budget warns at construction, and chunks that no token uses (orphans
// without their main cookie, leftovers of a larger session) are expired with the cookie's own
// path and domain.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSetCookie } from 'cookie';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CookieTooLargeError, generateKey, SessionEngine } from '../../src/index.js';
import { cookieHeader } from '../support/cookies.js';

const key = generateKey();
type Data = { blob?: string; n?: number };

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The largest n (up to 64 Ki) for which `attempt(n)` is not refused as too large. */
function longestAccepted(attempt: (n: number) => void): number {
  let lo = 0;
  let hi = 64 * 1024;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      attempt(mid);
      lo = mid;
    } catch (err) {
      if (!(err instanceof CookieTooLargeError)) throw err;
      hi = mid - 1;
    }
  }
  return lo;
}

/** The longest `blob` the engine accepts (set() refuses one more character). */
function grownToBudget(engine: SessionEngine<Data>): string {
  return 'x'.repeat(longestAccepted((n) => engine.load(undefined).set('blob', 'x'.repeat(n))));
}

const names = (setCookies: readonly string[]) => setCookies.map((c) => parseSetCookie(c).name);
const cleared = (setCookies: readonly string[]) =>
  setCookies.filter((c) => parseSetCookie(c).maxAge === 0).map((c) => parseSetCookie(c).name);

afterEach(() => vi.restoreAllMocks());

describe('default budget: a session grown to it survives a real client and an 8 KB header limit', () => {
  // secure: false because curl does not send Secure cookies over plain http.
  const engine = new SessionEngine<Data>({ key, cookie: { secure: false } });
  const blob = grownToBudget(engine);
  let server: Server;
  let base: string;
  const seen: number[] = [];

  beforeAll(async () => {
    // maxHeaderSize 8192: the limit nginx (large_client_header_buffers 8k) and Apache (8190) apply.
    server = createServer({ maxHeaderSize: 8192 }, (req, res) => {
      seen.push(Buffer.byteLength(req.headers.cookie ?? ''));
      const s = engine.load(req.headers.cookie);
      if (req.url === '/grow') s.set('blob', blob);
      const body = JSON.stringify({ length: s.get('blob')?.length ?? 0 });
      res.setHeader('set-cookie', engine.commit(s));
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('the budget is spent: one more character is refused, and the session is chunked', () => {
    expect(blob.length).toBeGreaterThan(3000);
    const s = engine.load(undefined);
    expect(() => s.set('blob', `${blob}x`)).toThrow(CookieTooLargeError);
    s.set('blob', blob);
    const out = engine.commit(s);
    expect(names(out)).toEqual(['session', 'session.1']);
    // The Cookie header these make: name=value pairs joined by '; '.
    const header = out.map((c) => c.slice(0, c.indexOf(';'))).join('; ');
    expect(Buffer.byteLength(header)).toBeLessThanOrEqual(6144);
    // Room left under curl's 8190-byte Cookie header for the site's other cookies.
    expect(8190 - Buffer.byteLength(header)).toBeGreaterThanOrEqual(2000);
  });

  it.runIf(hasCurl)('curl with a cookie jar keeps the session across requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budget-'));
    const jar = join(dir, 'jar.txt');
    const curl = (path: string) =>
      new Promise<string>((resolve, reject) => {
        execFile('curl', ['-sS', '--fail', '-b', jar, '-c', jar, `${base}${path}`], (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        );
      });
    try {
      expect(JSON.parse(await curl('/grow'))).toEqual({ length: blob.length });
      // Before the fix curl sent session.1 and session.2 but dropped `session`: length 0.
      expect(JSON.parse(await curl('/read'))).toEqual({ length: blob.length });
      expect(JSON.parse(await curl('/read'))).toEqual({ length: blob.length });
      expect(Math.max(...seen)).toBeLessThanOrEqual(6144);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('node:http against the 8 KB header limit keeps the session too', async () => {
    const get = (path: string, cookie: string) =>
      new Promise<{ status: number; body: string; setCookie: string[] }>((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { headers: cookie ? { cookie } : {} }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    const grow = await get('/grow', '');
    const cookie = [
      ...grow.setCookie.map((c) => c.slice(0, c.indexOf(';'))),
      // Other cookies of the site: analytics and a consent banner, about 1.5 KB.
      `_ga=GA1.1.${'1'.repeat(20)}`,
      `consent=${'c'.repeat(1400)}`,
    ].join('; ');
    const read = await get('/read', cookie);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body)).toEqual({ length: blob.length });
  });
});

describe('a larger budget warns once, at construction', () => {
  it('maxCookieBytes above 6144 names the option and the 8 KB limit', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new SessionEngine({ key, maxCookieBytes: 9001 });
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toMatch(/options\.maxCookieBytes is 9001/);
    expect(message).toMatch(/8 KB/);
    expect(message).toMatch(/curl, nginx and Apache/);
    // Once: the same configuration again (another middleware, a hot reload) does not repeat it.
    new SessionEngine({ key, maxCookieBytes: 9001 });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('an explicit maxCookies of 3 (the old default, 12 KB) warns; the default and 6144 do not', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new SessionEngine({ key });
    new SessionEngine({ key, maxCookieBytes: 6144 });
    new SessionEngine({ key, maxCookies: 1 });
    expect(warn).not.toHaveBeenCalled();
    new SessionEngine({ key, maxCookies: 3, sessionName: 'big' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/options\.maxCookies is 3 .*12288 bytes.*8 KB/);
  });

  it('maxCookies keeps its old budget (maxCookies × 4096), so existing configurations still fit', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const e = new SessionEngine<Data>({ key, maxCookies: 3 });
    const s = e.load(undefined);
    s.set('blob', 'x'.repeat(8000));
    expect(names(e.commit(s))).toEqual(['session', 'session.1', 'session.2']);
  });

  it('maxCookieBytes is validated', () => {
    expect(() => new SessionEngine({ key, maxCookieBytes: 100 })).toThrow(
      'options.maxCookieBytes: expected an integer from 1024 to 81920, got',
    );
    expect(() => new SessionEngine({ key, maxCookieBytes: 5000.5 })).toThrow(/options\.maxCookieBytes/);
  });

  it('the default refuses what the old default accepted (a 7000-byte value: 3 chunks, ~9.4 KB)', () => {
    const s = new SessionEngine<Data>({ key }).load(undefined);
    expect(() => s.set('blob', 'x'.repeat(7000))).toThrow(CookieTooLargeError);
    expect(() => s.set('blob', 'x'.repeat(7000))).toThrow(/over the limit of 6144/);
    expect(s.get('blob')).toBeUndefined();
  });
});

describe('chunks no token uses are expired, with the same path and domain', () => {
  const engine = new SessionEngine<Data>({ key, cookie: { path: '/app', domain: 'example.com' } });
  const sealedChunks = () => {
    const s = engine.load(undefined);
    s.set('blob', 'x'.repeat(4000));
    const out = engine.commit(s);
    expect(names(out)).toEqual(['session', 'session.1']);
    return out.map((c) => c.slice(0, c.indexOf(';')));
  };

  it('an orphan chunk (its main cookie dropped) is cleared even when the handler never reads', () => {
    const [, chunk] = sealedChunks();
    const out = engine.commit(engine.load(`other=1; ${chunk}`));
    expect(out).toHaveLength(1);
    const c = parseSetCookie(out[0]!);
    expect(c).toMatchObject({ name: 'session.1', value: '', maxAge: 0, path: '/app', domain: 'example.com' });
  });

  it('an orphan chunk is cleared when the session is read, and when a new one is written', () => {
    const [, chunk] = sealedChunks();
    const read = engine.load(`${chunk}`);
    expect(read.get('blob')).toBeUndefined();
    expect(cleared(engine.commit(read))).toEqual(['session.1']);

    const write = engine.load(`${chunk}`);
    write.set('n', 1);
    const out = engine.commit(write);
    expect(names(out)).toEqual(['session', 'session.1']);
    expect(cleared(out)).toEqual(['session.1']);
    expect(out.every((c) => /Path=\/app/.test(c) && /Domain=example\.com/.test(c))).toBe(true);
  });

  it('a chunk left over from a larger session is cleared, the session itself untouched', () => {
    const [main, chunk1] = sealedChunks();
    const header = `${main}; ${chunk1}; session.2=leftover`;
    const s = engine.load(header);
    expect(s.get('blob')).toHaveLength(4000);
    expect(cleared(engine.commit(s))).toEqual(['session.2']);
    // A handler that never touches the session opens nothing: the leftover waits for one that does.
    expect(engine.commit(engine.load(header))).toEqual([]);
    // And chunks of an unchunked session.
    const small = engine.load(undefined);
    small.set('n', 1);
    const [single] = engine.commit(small).map((c) => c.slice(0, c.indexOf(';')));
    const opened = engine.load(`${single}; session.1=old`);
    expect(opened.get('n')).toBe(1);
    expect(cleared(engine.commit(opened))).toEqual(['session.1']);
  });

  it('shrinking clears the chunks the smaller session no longer needs', () => {
    const [main, chunk1] = sealedChunks();
    const s = engine.load(`${main}; ${chunk1}`);
    s.set('blob', 'small');
    const out = engine.commit(s);
    expect(names(out)).toEqual(['session', 'session.1']);
    expect(cleared(out)).toEqual(['session.1']);
  });

  it('a cookie of the old 3-chunk default (count over maxCookies) is refused; the next write clears its chunks', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const old = new SessionEngine<Data>({
      key,
      maxCookies: 3,
      cookie: { path: '/app', domain: 'example.com' },
    });
    warn.mockRestore();
    const s = old.load(undefined);
    s.set('blob', 'x'.repeat(8000));
    const header = old
      .commit(s)
      .map((c) => c.slice(0, c.indexOf(';')))
      .join('; ');
    const now = engine.load(header);
    expect(now.get('blob')).toBeUndefined();
    now.set('n', 1);
    const out = engine.commit(now);
    expect(names(out)).toEqual(['session', 'session.1', 'session.2']);
    expect(cleared(out)).toEqual(['session.1', 'session.2']);
  });

  it('hostile main cookies write nothing by themselves; a write then clears the chunks around them', () => {
    const header = 'session=garbage; session.1=x; session.2=y';
    const read = engine.load(header);
    expect(read.get('n')).toBeUndefined();
    expect(engine.commit(read)).toEqual([]);
    const write = engine.load(header);
    write.set('n', 1);
    expect(cleared(engine.commit(write))).toEqual(['session.1', 'session.2']);
  });

  it('nothing is written for a request without stray chunks', () => {
    const [main, chunk1] = sealedChunks();
    expect(engine.commit(engine.load(`${main}; ${chunk1}; session.x=1; sessionfoo.1=2`))).toEqual([]);
    expect(engine.commit(engine.load('a=1'))).toEqual([]);
  });
});

describe('set() on an opened session checks a size bound, and decides exactly as before', () => {
  /** A session opened from its cookie (read `reads` times before): its JSON length is known. */
  function opened(data: Record<string, unknown>, reads = 0) {
    const engine = new SessionEngine<Data & { roles?: string[]; list?: string[] }>({ key });
    const cookie = cookieHeader(engine.commit(engine.create(data)));
    for (let i = 0; i < reads; i++) engine.load(cookie).get('n');
    return { engine, session: engine.load(cookie) };
  }

  it('a primitive set far from the budget serialises its key and value, not the session', () => {
    const { session } = opened({ n: 1, none: null, roles: ['user'] });
    expect(session.get('n')).toBe(1);
    expect(session.get('none' as never)).toBeNull(); // null is not an object that could grow
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      session.set('n', 2);
      session.set('blob', 'x'.repeat(100));
      session.set('flag' as never, true as never);
      session.set('none' as never, null as never);
      expect(stringify.mock.calls.length).toBeGreaterThan(0);
      for (const [value] of stringify.mock.calls)
        expect(value === null || typeof value !== 'object').toBe(true);
    } finally {
      stringify.mockRestore();
    }
  });

  it('the longest value accepted is the same on an opened session as on a new one', () => {
    const max = grownToBudget(new SessionEngine<Data>({ key })).length;
    for (const reads of [0, 3]) {
      const { engine, session } = opened({}, reads);
      session.set('n', 1);
      session.set('n', undefined);
      session.set('blob', 'x'.repeat(max));
      expect(() => engine.commit(session)).not.toThrow();
      const again = opened({}, reads).session;
      expect(() => again.set('blob', 'x'.repeat(max + 1))).toThrow(CookieTooLargeError);
      expect(again.get('blob')).toBeUndefined();
    }
  });

  // Three-byte characters leave the bound no slack (it counts 3 bytes per character): a bound short
  // by the key or by the fields kept at regenerate() would admit what does not fit.
  it('with three-byte characters, a long key and the fields kept at regenerate() are counted', () => {
    const wide = '鍵'.repeat(50);
    const fresh = new SessionEngine<Record<string, string>>({ key });
    const n = longestAccepted((k) => fresh.load(undefined).set(wide, '漢'.repeat(k)));
    expect(n).toBeGreaterThan(1000);
    const s = opened({}).session;
    expect(() => s.set(wide as never, '漢'.repeat(n + 1) as never)).toThrow(CookieTooLargeError);
    s.set(wide as never, '漢'.repeat(n) as never);

    const kept = '漢'.repeat(800);
    const m = longestAccepted((k) => {
      const t = fresh.load(undefined);
      t.set('blob', kept);
      t.set('x', '漢'.repeat(k));
    });
    const r = opened({ blob: kept }).session;
    r.regenerate(['blob' as never]);
    expect(() => r.set('x' as never, '漢'.repeat(m + 1) as never)).toThrow(CookieTooLargeError);
  });

  it('an object grown behind set() (through get, data() or a value set) is still refused at set()', () => {
    const big = 'x'.repeat(7000);
    for (const reads of [0, 3]) {
      const viaGet = opened({ roles: ['user'] }, reads).session;
      viaGet.get('roles')!.push(big);
      expect(() => viaGet.set('n', 1), `get, ${reads} reads`).toThrow(CookieTooLargeError);

      const viaData = opened({ roles: ['user'] }, reads).session;
      viaData.data().roles!.push(big);
      expect(() => viaData.set('n', 1), `data(), ${reads} reads`).toThrow(CookieTooLargeError);

      const viaSet = opened({}, reads).session;
      const list: string[] = [];
      viaSet.set('list', list);
      list.push(big);
      expect(() => viaSet.set('n', 1), `set, ${reads} reads`).toThrow(CookieTooLargeError);
    }
  });
});
