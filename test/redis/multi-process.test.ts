// Three server processes — Fastify, Express and Web (node:http) — on loopback, sharing one real
// redis-server, one session key and one signing key (test/redis/multi-process/*.mjs, run by node on
// the built package). A logout on one is refused on the others within maxStaleness (measured: from
// revoke() resolving in the instance that logged out to the first refusal seen from another);
// revokeAll(subject) ends that user's sessions everywhere and nobody else's; a signed request
// replayed to another instance is refused (the shared RedisReplayCache), a fresh one is accepted.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateSecretKey, getPublicKey, SecureFetch } from 'sealed-session/signed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from './redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ORIGIN = 'http://api.multi.test';
/** The default maxStaleness of RedisRevocationStore: the bound every sample must meet. */
const BOUND = 1000;
/** The signed servers' and replay caches' window (s): after a data loss, 2 × it + 1 s is refused. */
const MAX_SKEW = 2;
const now = () => performance.timeOrigin + performance.now();

interface Instance {
  name: string;
  child: ChildProcess;
  base: string;
  /** revoke() resolutions reported by the child (wall-clock ms). */
  revoked: { id: string; at: number }[];
  onRevoked?: () => void;
}

let redis: RedisServer;
const instances: Instance[] = [];
let signingPublic: string;
let signingSecret: string;
const clientKey = generateSecretKey('ed25519');

function start(name: string, env: Record<string, string>): Promise<Instance> {
  const child = fork(fileURLToPath(new URL(`./multi-process/${name}.mjs`, import.meta.url)), [], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    const inst: Instance = { name, child, base: '', revoked: [] };
    child.on('message', (m: { port?: number; revoked?: string; at?: number }) => {
      if (m.port) {
        inst.base = `http://127.0.0.1:${m.port}`;
        resolve(inst);
      } else if (m.revoked !== undefined && m.at !== undefined) {
        inst.revoked.push({ id: m.revoked, at: m.at });
        inst.onRevoked?.();
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited (${code ?? signal}) before listening`)),
    );
    child.once('error', reject);
  });
}

beforeAll(async () => {
  for (const f of ['fastify', 'express', 'web', 'redis', 'signed-server'])
    if (!existsSync(`${root}dist/${f}.js`))
      throw new Error('dist/ is missing: the servers load the built package; run `npm run build` first');
  redis = await RedisServer.start();
  signingSecret = generateSecretKey('ed25519');
  signingPublic = await getPublicKey(signingSecret);
  const common = {
    REDIS_URL: redis.url,
    SESSION_KEY: randomBytes(32).toString('hex'),
    SIGNED_KEY: signingSecret,
    ORIGIN,
    PREFIX: 'multi:',
    MAX_SKEW: String(MAX_SKEW),
  };
  instances.push(
    ...(await Promise.all([
      start('fastify', { ...common, CLIENT: 'node-redis' }),
      start('express', { ...common, CLIENT: 'ioredis' }),
      start('web', { ...common, CLIENT: 'node-redis' }),
    ])),
  );
  // Every instance answers from its local view (no round trip per request) before the tests run.
  await poll(
    async () => {
      const modes = await Promise.all(instances.map(async (i) => (await get(i, '/ready')).mode));
      return modes.every((m) => m === 'local');
    },
    10_000,
    'local views on all instances',
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(
    instances.map(
      (i) =>
        new Promise<void>((resolve) => {
          if (i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
          i.child.once('exit', () => resolve());
          i.child.kill('SIGKILL');
        }),
    ),
  );
  await redis?.kill();
});

/** Polls `fact` (no fixed sleep: each try is one request) until it holds or `ms` pass. */
async function poll<T>(fact: () => Promise<T | false>, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const r = await fact();
    if (r !== false) return r;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function get(i: Instance, path: string, cookie?: string, method = 'GET') {
  const res = await fetch(i.base + path, { method, headers: cookie ? { cookie } : {} });
  expect(res.status, `${method} ${i.name}${path}`).toBe(200);
  return { ...(await res.json()), setCookie: res.headers.getSetCookie() };
}

async function login(i: Instance, user: string): Promise<string> {
  const { setCookie } = await get(i, `/login?user=${encodeURIComponent(user)}`);
  const pairs = setCookie.map((c: string) => c.split(';')[0]).filter((p: string) => !p.endsWith('='));
  expect(pairs.length, `${i.name} set a session cookie`).toBeGreaterThan(0);
  return pairs.join('; ');
}

const user = async (i: Instance, cookie: string) => (await get(i, '/me', cookie)).user as string | null;

/** Wall-clock time (ms) of the first answer in which `i` refuses `cookie`. */
function refusedAt(i: Instance, cookie: string): Promise<number> {
  return poll(
    async () => ((await user(i, cookie)) === null ? now() : false),
    5 * BOUND,
    `${i.name} to refuse the session`,
  );
}

interface Captured {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** `n` signed requests of one client, captured instead of sent (SecureFetch then throws). */
async function signedRequests(n: number): Promise<Captured[]> {
  const captured: Captured[] = [];
  const secureFetch = SecureFetch(signingPublic, clientKey, {
    hostname: ORIGIN,
    fetcher: async (input, init) => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const url = new URL(String(input));
      captured.push({ path: url.pathname, method: init?.method ?? 'GET', headers, body: String(init?.body) });
      return new Response(null, { status: 500 });
    },
  });
  for (let k = 0; k < n; k++)
    await secureFetch('/signed', { method: 'POST', body: JSON.stringify({ k }) }).catch(() => {});
  expect(captured).toHaveLength(n);
  return captured;
}

const sendSigned = (i: Instance, r: Captured) =>
  fetch(i.base + r.path, { method: r.method, headers: r.headers, body: r.body }).then((res) => res.status);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: s[s.length >> 1]!, max: s[s.length - 1]! };
};
const fmt = (xs: number[]) => {
  const { n, median, max } = stats(xs);
  return `n=${n} median=${median.toFixed(1)} ms max=${max.toFixed(1)} ms`;
};

describe('three instances (Fastify, Express, Web) sharing one Redis', () => {
  it('a logout on one is refused on the others within maxStaleness (measured across processes)', async () => {
    const samples: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (const a of instances) {
        const name = `u-${round}-${a.name}`;
        const cookie = await login(a, name);
        for (const b of instances)
          expect(await user(b, cookie), `${b.name} opens ${a.name}'s session`).toBe(name);

        const seen = a.revoked.length;
        const resolved = new Promise<void>((resolve) => {
          a.onRevoked = () => {
            if (a.revoked.length > seen) resolve();
          };
        });
        await get(a, '/logout', cookie, 'POST');
        // Polling starts at once; the elapsed time is taken from when revoke() resolved in `a`
        // (reported over IPC): a refusal seen before it counts as 0.
        const others = instances.filter((b) => b !== a);
        const refused = await Promise.all(others.map((b) => refusedAt(b, cookie)));
        await resolved;
        const resolvedAt = a.revoked[a.revoked.length - 1]!.at;
        samples.push(...refused.map((t) => Math.max(0, t - resolvedAt)));
        expect(await user(a, cookie), `${a.name} refuses its own logged-out session`).toBeNull();
      }
    }
    console.log(
      `[redis multi-process] logout staleness (revoke resolved → refused elsewhere): ${fmt(samples)}`,
    );
    expect(stats(samples).max).toBeLessThan(BOUND);
  }, 60_000);

  it('revokeAll(subject) on one instance ends that user’s sessions everywhere and nobody else’s', async () => {
    const [fastify, express, web] = instances as [Instance, Instance, Instance];
    const alice = [await login(fastify, 'alice'), await login(express, 'alice'), await login(web, 'alice')];
    const bob = [await login(web, 'bob'), await login(fastify, 'bob')];
    for (const i of instances) {
      for (const c of alice) expect(await user(i, c)).toBe('alice');
      for (const c of bob) expect(await user(i, c)).toBe('bob');
    }

    const { at } = await get(web, '/revoke-all?user=alice', undefined, 'POST');
    const refused = await Promise.all(
      instances.filter((i) => i !== web).flatMap((i) => alice.map((c) => refusedAt(i, c))),
    );
    const samples = refused.map((t) => Math.max(0, t - at));
    for (const c of alice) expect(await user(web, c), 'the revoking instance at once').toBeNull();
    console.log(`[redis multi-process] revokeAll staleness (resolved → refused elsewhere): ${fmt(samples)}`);
    expect(stats(samples).max).toBeLessThan(BOUND);

    // Every instance has applied it (alice refused everywhere): bob is untouched everywhere, and
    // alice's next login (issued after the revocation) works everywhere.
    const again = await login(express, 'alice');
    for (const i of instances) {
      for (const c of bob) expect(await user(i, c), `${i.name}: bob`).toBe('bob');
      expect(await user(i, again), `${i.name}: alice's new session`).toBe('alice');
    }
  }, 60_000);

  it('a signed request replayed to another instance is refused; fresh ones are accepted by each', async () => {
    const captured = await signedRequests(4);
    const [first, ...fresh] = captured as [Captured, ...Captured[]];
    const [fastify, express, web] = instances as [Instance, Instance, Instance];
    expect(await sendSigned(fastify, first), 'fastify accepts it once').toBe(200);
    for (const i of instances) expect(await sendSigned(i, first), `replay to ${i.name}`).toBe(401);
    // Not refused for being foreign: each instance accepts a fresh request of the same client.
    expect(await sendSigned(express, fresh[0]!)).toBe(200);
    expect(await sendSigned(web, fresh[1]!)).toBe(200);
    expect(await sendSigned(fastify, fresh[2]!)).toBe(200);
    for (const r of fresh)
      for (const i of instances) expect(await sendSigned(i, r), `replay to ${i.name}`).toBe(401);
  }, 60_000);

  // Last: it kills the shared Redis.
  it('Redis killed, then restarted empty: never a 5xx; refused meanwhile; sessions from before stay ended', async () => {
    const [fastify, express] = instances as [Instance, Instance, Instance];
    const cookie = await login(express, 'dave');
    for (const i of instances) expect(await user(i, cookie)).toBe('dave');

    await redis.kill();
    // Each instance stops trusting its view (at the latest after maxStaleness), asks Redis, which
    // cannot answer: no session (onUnavailable 'deny'), a 200 without a user, never a 5xx.
    await Promise.all(
      instances.map((i) => poll(async () => (await user(i, cookie)) === null, 5 * BOUND, `${i.name} denies`)),
    );
    const during = await signedRequests(instances.length);
    for (const [k, i] of instances.entries())
      expect(await sendSigned(i, during[k]!), `signed request to ${i.name} during the outage`).toBe(401);

    await redis.start(); // empty: no persistence
    // Back: a session issued now opens everywhere...
    await poll(
      async () => {
        const c = await login(fastify, 'erin');
        for (const i of instances) if ((await user(i, c)) !== 'erin') return false;
        return true;
      },
      20_000,
      'a new session accepted everywhere',
    );
    // ...but dave's, issued before Redis lost what it held (it may have held its revocation), is
    // refused by every instance.
    for (const i of instances) expect(await user(i, cookie), `${i.name}: dave's old session`).toBeNull();
    // Signed requests: refused while one signed before the loss could still be in its window (the
    // nonces Redis forgot), then accepted again, by every instance.
    for (const i of instances)
      await poll(
        async () => (await sendSigned(i, (await signedRequests(1))[0]!)) === 200,
        20_000,
        `${i.name} accepts signed requests again`,
      );
  }, 90_000);
});
