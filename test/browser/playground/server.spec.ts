// The playground server under hostile input (garbage cookies, forged headers, oversized bodies,
// bad JSON): clear 4xx answers, never a 5xx; and the attacker's server really recognises a
// stolen credential (so that "not readable" verdicts elsewhere are not vacuous).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { bundleAll } from '../../../playground/server/bundle.mjs';
import { type Playground, startPlayground, strategies } from '../../../playground/server.mjs';

let pg: Playground;
test.beforeAll(async () => {
  pg = await startPlayground({ port: 0, quiet: true, strict: true });
});
test.afterAll(async () => {
  await pg?.close();
});

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(pg.url + path, init);
  return { status: r.status, text: await r.text() };
}

const available = (id: string) => Boolean(pg.availability.get(id)?.available);

test('pages: served with a CSP, no external resource, labels on every control', async ({ page }) => {
  for (const path of ['/', '/summary', '/s/localstorage/', '/s/vault/', '/s/cookie/']) {
    const r = await fetch(pg.url + path);
    expect(r.status, path).toBe(200);
    expect(r.headers.get('content-security-policy'), path).toContain("default-src 'self'");
    const html = await r.text();
    // Every src/href is same-origin (relative) or a data: URL.
    for (const m of html.matchAll(/(?:src|href|action)="([^"]*)"/g))
      expect(m[1], path).toMatch(/^(\/|#|data:)/);
  }
  await page.goto(`${pg.url}/s/localstorage/`);
  const unlabeled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id),
  );
  expect(unlabeled).toEqual([]);
});

test('keyboard only: tab to the user field and log in with Enter', async ({ page }) => {
  await page.goto(`${pg.url}/s/localstorage/`);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'no');
  await page.keyboard.press('Tab'); // skip link
  await expect(page.locator('.skip')).toBeFocused();
  await page.locator('#user').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ok');
});

test('bad input to the bearer-token API: 4xx, never 5xx', async () => {
  const cases: [string, RequestInit, number][] = [
    ['/api/localstorage/login', json({ user: '' }), 400],
    ['/api/localstorage/login', json({ user: 'a'.repeat(41) }), 400],
    ['/api/localstorage/login', json({ user: '<script>' }), 400],
    [
      '/api/localstorage/login',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":' },
      400,
    ],
    ['/api/localstorage/login', json({ user: 'x'.repeat(100_000) }), 413],
    ['/api/localstorage/me', { headers: { authorization: 'Bearer garbage' } }, 401],
    ['/api/localstorage/me', { headers: { authorization: `Bearer ptk_${'A'.repeat(43)}` } }, 401],
    ['/api/localstorage/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }, 401],
    ['/api/localstorage/me', { headers: { authorization: `Bearer ${'x'.repeat(4000)}` } }, 401],
    ['/api/nope/me', {}, 404],
    ['/api/nope/login', json({ user: 'alice' }), 404],
    ['/api/probes/..%2f..', {}, 400],
    ['/api/events?since=zzz', {}, 200],
    ['/assets/..%2fserver.mjs', {}, 404],
    ['/s/worker/sw.js?x=1', {}, available('worker') ? 200 : 404],
    ['/attacker/collect', { method: 'POST', body: 'x'.repeat(200_000) }, 413],
    // The "other site" page only ever posts to this playground's API.
    ['/evil/csrf?action=http%3A%2F%2Fexample.com%2Fapi%2Fx', {}, 400],
    ['/evil/csrf?action=javascript%3Aalert(1)', {}, 400],
    ['/evil/csrf', {}, 400],
  ];
  for (const [path, init, status] of cases) {
    const r = await call(path, init);
    expect(r.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
  }
});

test('a token issued for one strategy is refused by another', async () => {
  const login = await call('/api/localstorage/login', json({ user: 'alice' }));
  const { token } = JSON.parse(login.text) as { token: string };
  const same = await call('/api/localstorage/me', { headers: { authorization: `Bearer ${token}` } });
  expect(same.status).toBe(200);
  const other = await call('/api/vault/me', { headers: { authorization: `Bearer ${token}` } });
  expect(other.status).toBe(401);
  expect(JSON.parse(other.text).credential).toContain('issued for "localstorage"');
  // The reply describes the credential; it never echoes it (THREATS 26).
  expect(same.text).not.toContain(token);
  const events = await call('/api/events?since=0');
  expect(events.text).not.toContain(token);
});

test('the attacker server recognises and replays a stolen bearer token', async () => {
  const login = await call('/api/sessionstorage/login', json({ user: 'bob' }));
  const { token } = JSON.parse(login.text) as { token: string };
  const r = await call('/attacker/collect?probe=testprobe1', {
    method: 'POST',
    body: `noise ${token} noise`,
  });
  expect(r.status).toBe(200);
  const verdict = JSON.parse(r.text) as { live: { kind: string; strategy: string; replay: string }[] };
  expect(verdict.live).toEqual([
    expect.objectContaining({ kind: 'bearer token', strategy: 'sessionstorage' }),
  ]);
  expect(verdict.live[0]!.replay).toContain('authenticated as bob');
  expect(r.text).not.toContain(token);
  const probe = JSON.parse((await call('/api/probes/testprobe1')).text) as { readable: boolean };
  expect(probe.readable).toBe(true);
});

test('cookie strategy: garbage cookies get an empty session, and a stolen sealed cookie is recognised', async () => {
  expect(available('cookie'), 'sealed-session/fastify must load from dist/').toBe(true);
  const garbage = [
    'pg_session=garbage',
    `pg_session=${'A'.repeat(5000)}`,
    'pg_session=%FF%FE%00',
    'pg_session=a;b;c',
    `pg_session=${Buffer.from('x'.repeat(80)).toString('base64')};${Buffer.from('y'.repeat(24)).toString('base64')}`,
  ];
  for (const cookie of garbage) {
    const r = await call('/api/cookie/me', { headers: { cookie } });
    expect(r.status, cookie.slice(0, 30)).toBe(401);
    expect(r.text).toContain('did not open');
  }
  const login = await fetch(`${pg.url}/api/cookie/login`, json({ user: 'carol' }));
  expect(login.status).toBe(200);
  const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('pg_session='))!;
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Lax/i);
  expect(setCookie).toMatch(/Path=\/api\/cookie/i);
  const value = setCookie.split(';')[0]!.slice('pg_session='.length);
  const me = await call('/api/cookie/me', { headers: { cookie: `pg_session=${value}` } });
  expect(me.status).toBe(200);
  // Flip one character of the sealed value: refused, not a 5xx.
  const flipped = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
  expect((await call('/api/cookie/me', { headers: { cookie: `pg_session=${flipped}` } })).status).toBe(401);
  const r = await call('/attacker/collect?probe=testprobe2', {
    method: 'POST',
    body: JSON.stringify({ c: value }),
  });
  const verdict = JSON.parse(r.text) as { live: { kind: string; replay: string }[] };
  expect(verdict.live).toEqual([
    expect.objectContaining({ kind: 'sealed session cookie', strategy: 'cookie' }),
  ]);
  expect(r.text).not.toContain(value);
});

test('signed strategy: unsigned, forged and oversized requests are refused with 4xx', async () => {
  expect(available('signed'), 'sealed-session/signed must load from dist/').toBe(true);
  const forged = {
    signature: 'sig=:AAAA:',
    'signature-input': 'sig=("@method" "@target-uri");created=1;keyid="x";nonce="n"',
    'content-digest': 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
  };
  const cases: [string, RequestInit, number][] = [
    ['/api/signed/me', {}, 401],
    ['/api/signed/me', { headers: forged }, 401],
    [
      '/api/signed/transfer',
      { method: 'POST', headers: { ...forged, 'content-type': 'application/sealed-session' }, body: 'zz' },
      401,
    ],
    [
      '/api/signed/transfer',
      {
        method: 'POST',
        headers: { 'content-type': 'application/sealed-session' },
        body: 'x'.repeat(100_000),
      },
      413,
    ],
    ['/api/signed/login', json({ user: 'mallory' }), 401],
  ];
  for (const [path, init, status] of cases) {
    const r = await call(path, init);
    expect(r.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
  }
  const events = JSON.parse((await call('/api/events?strategy=signed')).text) as {
    events: { credential: string }[];
  };
  expect(events.events.map((e) => e.credential)).toContain('no signature: refused before the handler ran');
});

test('no route answers 5xx to hostile requests', async () => {
  const paths = [
    '/',
    '/summary',
    '/s/cookie/',
    '/api/cookie/me',
    '/api/cookie/login',
    '/api/cookie/logout',
    '/api/cookie/transfer',
    '/api/localstorage/me',
    '/api/localstorage/login',
    '/api/localstorage/logout',
    '/api/vault/transfer',
    '/api/signed/me',
    '/api/signed/login',
    '/api/signed/transfer',
    '/api/signed-key',
    '/api/events?since=-1&strategy=%00',
    '/api/probes/abcdef',
    '/attacker/collect?probe=%ff',
    '/assets/summary.js',
    '/s/worker/sw.js',
  ];
  const bodies: [string | undefined, string][] = [
    [undefined, ''],
    ['application/json', 'null'],
    ['application/json', '[1,2]'],
    ['application/json', '{"user":{"toString":1}}'],
    ['application/json', '{"__proto__":{"user":"x"}}'],
    ['application/x-www-form-urlencoded', 'user=%ZZ&to=%00'],
    ['text/plain', '\u0000\uffff'],
    ['application/sealed-session', '!!!'],
    ['multipart/form-data; boundary=x', '--x\r\n'],
  ];
  const headers: Record<string, string>[] = [
    {},
    { cookie: 'pg_session=%E0%A4%A' },
    { cookie: `pg_session=${'~'.repeat(3000)}; pg_session.1=x` },
    { authorization: 'Bearer' },
    { authorization: 'Bearer \u00ff'.replace('\u00ff', 'x y') },
    { signature: 'sig=:!!:', 'signature-input': 'sig=();keyid="' },
  ];
  const failures: string[] = [];
  for (const path of paths) {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      for (const h of headers) {
        const [type, body] =
          method === 'GET' ? [undefined, undefined] : bodies[(path.length + method.length) % bodies.length]!;
        const r = await fetch(pg.url + path, {
          method,
          headers: { ...h, ...(type ? { 'content-type': type } : {}) },
          body,
        });
        if (r.status >= 500) failures.push(`${method} ${path} ${JSON.stringify(h)} → ${r.status}`);
        await r.arrayBuffer();
      }
    }
  }
  expect(failures).toEqual([]);
});

// A strategy that does not build must fail the suite, not be skipped: every spec starts the
// playground with `strict`, which refuses to start when any page script or module is missing.
test('every strategy builds and loads; a broken bundle or a missing module stops a strict start', async () => {
  expect([...pg.availability].filter(([, a]) => !a.available)).toEqual([]);
  expect([...pg.availability.keys()].sort()).toEqual(strategies.map((s) => s.id).sort());

  const dir = mkdtempSync(join(tmpdir(), 'pg-bundle-'));
  try {
    writeFileSync(join(dir, 'broken.ts'), "import { nothing } from './not-there.js';\nnothing();\n");
    const client = fileURLToPath(new URL('../../../playground/client/', import.meta.url));
    const out = await bundleAll({
      broken: relative(client, join(dir, 'broken.ts')),
      gone: 'no-such-file.ts',
    });
    expect(out.get('broken')?.js).toBeUndefined();
    expect(out.get('broken')?.error).toContain('not-there.js');
    expect(out.get('gone')).toEqual({ error: 'missing no-such-file.ts' });

    // The library as built in dist/ missing: a strict start refuses, naming what is missing.
    const before = process.env.PLAYGROUND_DIST;
    process.env.PLAYGROUND_DIST = dir;
    try {
      await expect(startPlayground({ port: 0, quiet: true, strict: true })).rejects.toThrow(
        /cookie: dist\/fastify\.js could not be loaded/,
      );
    } finally {
      if (before === undefined) delete process.env.PLAYGROUND_DIST;
      else process.env.PLAYGROUND_DIST = before;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
