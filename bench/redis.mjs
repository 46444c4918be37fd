// Benchmark of `sealed-session/redis` (plain ESM, run by node after `npx tsdown`):
//   node bench/redis.mjs                  (`npm run bench -- redis` builds first)
// Starts its own redis-server on a free 127.0.0.1 port (no persistence), and measures, in one run:
// 1. Session read path: load + get of a sealed session (the engine's token cache on, as by
//    default), with no revocation store, MemoryRevocationStore, and RedisRevocationStore on
//    node-redis and on ioredis. Interleaved time slices; the goal is Redis within 10% of memory
//    (>= 0.90x), thanks to the local pub/sub-fed view.
// 1b. The same over HTTP: a Fastify read-only route, memory vs Redis stores, servers in child
//    processes, autocannon, interleaved rounds.
// 2. Signed request cost (verify + seal, Ed25519, pre-signed requests): MemoryReplayCache vs
//    RedisReplayCache (node-redis, ioredis; ioredis with perKeyMax = one EVAL). Batches interleaved.
// 3. Round trips per request from `INFO commandstats` deltas: session reads (expect 0) and signed
//    requests (expect 1). Heartbeats (PUBLISH, a few per second per instance, independent of
//    traffic) are counted apart.
// 4. Memory per revoked session / revoked subject / recorded nonce: `MEMORY USAGE` of the keys and
//    the `used_memory` delta.
// Env: BENCH_DIST=<dir> (default dist/), REDIS_SERVER (binary, default redis-server),
// BENCH_REDIS_ROUNDS (7), BENCH_REDIS_BATCH (signed requests per variant per round, 200),
// BENCH_REDIS_CONCURRENCY (signed requests in flight in the concurrent runs, 10),
// BENCH_REDIS_HTTP_ROUNDS (3), BENCH_REDIS_HTTP_DURATION (s, 2), BENCH_REDIS_READ_ROUNDS (60), BENCH_REDIS_SLICE (ms per read-path slice, 25).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import {
  childCpu,
  cookieHeaderFrom,
  distUrl,
  fmtInt,
  fmtRatio,
  loadRun,
  machineLine,
  printTable,
  startChild,
} from './_lib.mjs';

const ROUNDS = Number(process.env.BENCH_REDIS_ROUNDS ?? 7);
const BATCH = Number(process.env.BENCH_REDIS_BATCH ?? 200);
const CONCURRENCY = Number(process.env.BENCH_REDIS_CONCURRENCY ?? 10);
const SLICE = Number(process.env.BENCH_REDIS_SLICE ?? 25);
const ORIGIN = 'https://api.example.com';
const BODY = JSON.stringify({ note: 'x'.repeat(150), n: 42 });

const { createSessions, MemoryRevocationStore } = await import(distUrl('web'));
const { RedisRevocationStore, RedisReplayCache } = await import(distUrl('redis'));
const signed = await import(distUrl('signed'));
const signedServer = await import(distUrl('signed-server'));

// -- redis-server ---------------------------------------------------------------------------------

async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

let redisChild;
process.on('exit', () => redisChild?.kill('SIGKILL'));

/** Starts redis-server; resolves its port, or undefined (with the reason printed) when it cannot. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  redisChild = child;
  let log = '';
  try {
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        log += d;
        if (log.includes('Ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${log.slice(-300)}`)));
    });
  } catch (e) {
    console.log(`skipped: no redis-server (${e.code === 'ENOENT' ? 'not installed' : e.message})`);
    return undefined;
  }
  child.stdout.resume();
  child.stderr.resume();
  return port;
}

const port = await startRedis();
if (port === undefined) process.exit(0);
const url = `redis://127.0.0.1:${port}`;

/** Round trips this process sends on `client` (its command method wrapped before any store sees it). */
const sent = new Map();
function counted(client, method) {
  const original = client[method];
  sent.set(client, 0);
  client[method] = function (...args) {
    // Heartbeats (PUBLISH, on a timer, whatever the traffic) are counted apart, by Redis.
    const name = String(Array.isArray(args[0]) ? args[0][0] : args[0]).toUpperCase();
    if (name !== 'PUBLISH') sent.set(client, sent.get(client) + 1);
    return original.apply(this, args);
  };
  return client;
}

async function nodeRedisPair() {
  const client = counted(createClient({ url }), 'sendCommand');
  client.on('error', () => {});
  await client.connect();
  const subscriber = client.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  return { client, subscriber, close: () => Promise.all([client.quit(), subscriber.quit()]) };
}
async function ioRedisPair() {
  const mk = async () => {
    const c = new Redis(url);
    c.on('error', () => {});
    await new Promise((resolve) => c.once('ready', resolve));
    return c;
  };
  const client = counted(await mk(), 'call');
  const subscriber = await mk();
  return { client, subscriber, close: () => Promise.all([client.quit(), subscriber.quit()]) };
}

const admin = createClient({ url });
admin.on('error', () => {});
await admin.connect();
const info = async (section) => String(await admin.sendCommand(['INFO', section]));
async function commandCalls() {
  const out = new Map();
  for (const m of (await info('commandstats')).matchAll(/cmdstat_([a-z|_-]+):calls=(\d+)/g))
    out.set(m[1], Number(m[2]));
  return out;
}
/** Commands run between two snapshots, minus our own INFO and the heartbeats. */
async function countDuring(fn, client) {
  const sent0 = sent.get(client);
  const before = await commandCalls();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const roundTrips = sent.get(client) - sent0;
  const after = await commandCalls();
  const delta = {};
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) delta[name] = d;
  }
  const heartbeats = delta.publish ?? 0;
  delete delta.publish;
  delete delta.info;
  return { delta, heartbeats, seconds, roundTrips };
}
const untilTrue = async (fact, what, ms = 10_000) => {
  const end = performance.now() + ms;
  while (!fact()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const untilTrueAsync = async (fact, what, ms = 10_000) => {
  const end = performance.now() + ms;
  while (!(await fact())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

console.log(`redis: ${machineLine()}; redis-server ${/redis_version:(\S+)/.exec(await info('server'))?.[1]}`);

// -- 1. session read path -------------------------------------------------------------------------

const pairs = { 'node-redis': await nodeRedisPair(), ioredis: await ioRedisPair() };
const key = randomBytes(32).toString('hex');
const sessionOptions = { key, cookieName: 'sid' };
const stores = {
  none: undefined,
  memory: new MemoryRevocationStore(),
  'redis (node-redis)': new RedisRevocationStore({
    client: pairs['node-redis'].client,
    subscriber: pairs['node-redis'].subscriber,
    prefix: 'bench:',
  }),
  'redis (ioredis)': new RedisRevocationStore({
    client: pairs.ioredis.client,
    subscriber: pairs.ioredis.subscriber,
    prefix: 'bench:',
  }),
};
const redisStores = [stores['redis (node-redis)'], stores['redis (ioredis)']];
await untilTrue(() => redisStores.every((s) => s.mode === 'local'), 'local views');

const issuer = createSessions(sessionOptions);
async function newCookie(userId) {
  const s = await issuer.load(new Headers());
  s.set('userId', userId);
  s.set('role', 'member');
  return {
    id: s.id,
    cookie: issuer
      .cookies(s)
      .map((c) => c.split(';')[0])
      .join('; '),
  };
}
const live = await newCookie('42');
const liveHeaders = new Headers({ cookie: live.cookie });
let readResults;
const readers = Object.entries(stores).map(([name, revocation]) => {
  const sessions = createSessions({
    ...sessionOptions,
    ...(revocation ? { revocation, subject: 'userId' } : {}),
  });
  return {
    name,
    sessions,
    fn: async function read() {
      const s = await sessions.load(liveHeaders);
      if (s.get('userId') !== '42') throw new Error(`${name}: the session did not open`);
    },
  };
});

/**
 * Like measureInterleaved, but the event loop turns between slices (as a server's does between
 * requests), so the stores' heartbeats are answered and their views stay provably fresh. Slices
 * are short (well under the 250 ms heartbeat period); per task: total ops / total CPU time.
 */
async function interleavedYielding(tasks, { rounds, sliceMs }) {
  const turn = () => new Promise((r) => setImmediate(r));
  const acc = new Map(tasks.map((t) => [t.name, { ops: 0, cpuUs: 0, wallMs: 0, perRound: [] }]));
  for (let w = 0; w < 10; w++) {
    for (const t of tasks) {
      await turn();
      for (const end = performance.now() + sliceMs; performance.now() < end; ) await t.fn();
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[(i + r) % tasks.length];
      await turn();
      const a = acc.get(t.name);
      let n = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const end = t0 + sliceMs;
      let now = t0;
      while (now < end) {
        for (let k = 0; k < 8; k++) await t.fn();
        n += 8;
        now = performance.now();
      }
      const c = process.cpuUsage(c0);
      const cpuUs = c.user + c.system;
      a.ops += n;
      a.cpuUs += cpuUs;
      a.wallMs += now - t0;
      a.perRound.push((n * 1e6) / Math.max(cpuUs, 1));
    }
  }
  return tasks.map((t) => {
    const a = acc.get(t.name);
    const hz = (a.ops * 1e6) / a.cpuUs;
    const s = [...a.perRound].sort((x, y) => x - y);
    const mid = s[s.length >> 1];
    return { name: t.name, hz, wallHz: (a.ops * 1000) / a.wallMs, spread: ((s.at(-1) - s[0]) / mid) * 100 };
  });
}

const READ_ROUNDS = Number(process.env.BENCH_REDIS_READ_ROUNDS ?? 60);
const duringReads = await countDuring(async () => {
  readResults = await interleavedYielding(readers, { rounds: READ_ROUNDS, sliceMs: SLICE });
}, pairs['node-redis'].client);
const reads = readResults;
const memHz = reads.find((r) => r.name === 'memory').hz;
console.log('\n1. Session read path (load + get, token cache on), ops per CPU-second of this process:');
printTable(
  ['revocation store', 'ops/s (CPU)', 'ops/s (wall)', 'spread', 'vs memory', 'goal >= 0.90x'],
  reads.map((r) => [
    r.name,
    fmtInt(r.hz),
    fmtInt(r.wallHz),
    `${r.spread.toFixed(0)}%`,
    fmtRatio(r.hz, memHz),
    r.name.startsWith('redis') ? (r.hz / memHz >= 0.9 ? 'met' : 'MISS') : '',
  ]),
);

console.log(
  `Redis commands during the whole read benchmark (both Redis readers, ${READ_ROUNDS} rounds): ${JSON.stringify(duringReads.delta)} besides ${duringReads.heartbeats} heartbeats in ${duringReads.seconds.toFixed(1)} s; views: ${redisStores.map((x) => x.mode).join(', ')}`,
);

// The checks are live: a revoked session is refused by every Redis reader (and the memory one).
const doomed = await newCookie('43');
await stores['redis (node-redis)'].revoke(doomed.id, Date.now() + 60_000);
stores.memory.revoke(doomed.id, Date.now() + 60_000);
await untilTrue(
  () => stores['redis (ioredis)'].isRevoked({ id: doomed.id, issuedAt: 0 }) === true,
  'ioredis view',
);
for (const r of readers.slice(1)) {
  const s = await r.sessions.load(new Headers({ cookie: doomed.cookie }));
  if (s.get('userId') !== undefined) throw new Error(`${r.name}: a revoked session opened`);
}

// -- 1b. the same over HTTP ------------------------------------------------------------------------

const HTTP_ROUNDS = Number(process.env.BENCH_REDIS_HTTP_ROUNDS ?? 3);
const HTTP_DURATION = Number(process.env.BENCH_REDIS_HTTP_DURATION ?? 2);
const HTTP_CONNECTIONS = 10;
const httpScript = fileURLToPath(new URL('./_redis-fastify.mjs', import.meta.url));
const httpKey = randomBytes(32).toString('hex');
const httpServers = [];
for (const variant of ['memory', 'node-redis', 'ioredis']) {
  const s = await startChild(httpScript, [variant], { env: { REDIS_URL: url, SESSION_KEY: httpKey } });
  const cookie = cookieHeaderFrom((await fetch(`${s.url}/login`)).headers.getSetCookie());
  const check = await (await fetch(`${s.url}/ro`, { headers: { cookie } })).json();
  if (check.user !== 'usr_7Hq2LmP9') throw new Error(`${variant}: the session was not read back`);
  httpServers.push({ variant, ...s, headers: { cookie }, rps: [], cpuRps: [] });
}
for (const s of httpServers)
  await untilTrueAsync(
    async () => (await (await fetch(`${s.url}/mode`)).json()).mode === 'local',
    `${s.variant} view`,
  );
const duringHttp = await countDuring(async () => {
  for (const s of httpServers)
    await loadRun(`${s.url}/ro`, { duration: 1, connections: HTTP_CONNECTIONS, headers: s.headers });
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (let i = 0; i < httpServers.length; i++) {
      const s = httpServers[(i + round) % httpServers.length];
      const cpu0 = await childCpu(s.child);
      const r = await loadRun(`${s.url}/ro`, {
        duration: HTTP_DURATION,
        connections: HTTP_CONNECTIONS,
        headers: s.headers,
      });
      const cpuS = ((await childCpu(s.child)) - cpu0) / 1e6;
      if (r.non2xx || r.errors) throw new Error(`${s.variant}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      s.rps.push(r.rps);
      s.cpuRps.push(r.total / cpuS);
    }
  }
}, pairs['node-redis'].client);
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const httpMem = httpServers[0];
console.log(
  `\n1b. Fastify read-only route over HTTP (autocannon, ${HTTP_CONNECTIONS} connections, median of ${HTTP_ROUNDS} interleaved rounds of ${HTTP_DURATION} s; server in its own process):`,
);
printTable(
  ['revocation store', 'req/s', 'vs memory', 'req per server-CPU-s', 'vs memory (CPU)'],
  httpServers.map((s) => [
    s.variant === 'memory' ? 'memory' : `redis (${s.variant})`,
    fmtInt(med(s.rps)),
    fmtRatio(med(s.rps), med(httpMem.rps)),
    fmtInt(med(s.cpuRps)),
    fmtRatio(med(s.cpuRps), med(httpMem.cpuRps)),
  ]),
);
console.log(
  `Redis commands during the HTTP runs: ${JSON.stringify(duringHttp.delta)} besides ${duringHttp.heartbeats} heartbeats in ${duringHttp.seconds.toFixed(1)} s`,
);
await Promise.all(httpServers.map((s) => s.stop()));

// -- 3a. round trips of session reads -------------------------------------------------------------

const READS = 2000;
const roundTrips = [];
const libOf = (name) => pairs[name.includes('ioredis') ? 'ioredis' : 'node-redis'].client;
for (const r of readers.filter((x) => x.name.startsWith('redis'))) {
  const {
    delta,
    heartbeats,
    seconds,
    roundTrips: rt,
  } = await countDuring(async () => {
    for (let i = 0; i < READS; i++) {
      await r.fn();
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
  }, libOf(r.name));
  roundTrips.push([
    `session read, ${r.name}`,
    fmtInt(READS),
    JSON.stringify(delta),
    (rt / READS).toFixed(3),
    `${heartbeats} in ${seconds.toFixed(2)} s`,
  ]);
}

// -- 2. signed requests -----------------------------------------------------------------------------

const serverKey = signed.generateSecretKey('ed25519');
const serverPublic = await signed.getPublicKey(serverKey);
async function presign(n) {
  const out = [];
  const client = signed.SecureFetch(serverPublic, signed.generateSecretKey('ed25519'), {
    hostname: ORIGIN,
    fetcher: async (input, init) => {
      const headers = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const u = new URL(input);
      out.push({ method: init.method, path: u.pathname + u.search, headers, body: init.body ?? null });
      return new Response(null, { status: 500 }); // captured, not sent: SecureFetch throws
    },
  });
  for (let i = 0; i < n; i++)
    await client('/echo', {
      method: 'POST',
      body: BODY,
      headers: { 'content-type': 'application/json' },
    }).catch(() => {});
  return out;
}
const asIncoming = (r) => ({ method: r.method, path: r.path, header: (n) => r.headers[n], body: r.body });

const caches = {
  memory: new signedServer.MemoryReplayCache({ maxEntries: 1_000_000, perKeyMax: 1_000_000 }),
  'redis (node-redis)': new RedisReplayCache({
    client: pairs['node-redis'].client,
    prefix: 'bench:',
    maxSkew: 3600,
  }),
  'redis (ioredis)': new RedisReplayCache({ client: pairs.ioredis.client, prefix: 'bench:', maxSkew: 3600 }),
  'redis (ioredis, perKeyMax)': new RedisReplayCache({
    client: pairs.ioredis.client,
    prefix: 'bench:',
    maxSkew: 3600,
    perKeyMax: 1_000_000,
  }),
};
const cores = Object.entries(caches).map(([name, replayCache]) => ({
  name,
  core: signedServer.createSignedServer({ key: serverKey, origin: ORIGIN, replayCache, maxSkew: 3600 }),
  wall: [],
  cpu: [],
  wallC: [],
  cpuC: [],
}));
async function serve(core, reqs) {
  for (const r of reqs) {
    const v = await core.verify(asIncoming(r));
    if (!v.ok) throw new Error(`bench request refused: ${v.error.reason}`);
    await v.request.seal(200, BODY, 'application/json');
  }
}
const signStart = performance.now();
const pool = await presign(cores.length * (2 * ROUNDS + 1) * BATCH + 2 * 200);
const signSeconds = (performance.now() - signStart) / 1000;
const presigned = pool.length;
const take = (n) => pool.splice(0, n);
for (const c of cores) await serve(c.core, take(BATCH)); // warm-up (JIT, key caches, epoch check)
/** `reqs` served by `lanes` concurrent loops (a server with that many requests in flight). */
const serveConcurrently = (core, reqs, lanes) =>
  Promise.all(
    Array.from({ length: lanes }, (_, l) =>
      serve(
        core,
        reqs.filter((_, k) => k % lanes === l),
      ),
    ),
  );
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < cores.length; i++) {
    const c = cores[(i + round) % cores.length];
    for (const [lanes, wall, cpu] of [
      [1, c.wall, c.cpu],
      [CONCURRENCY, c.wallC, c.cpuC],
    ]) {
      const reqs = take(BATCH);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await serveConcurrently(c.core, reqs, lanes);
      const cu = process.cpuUsage(c0);
      wall.push(((performance.now() - t0) * 1000) / BATCH);
      cpu.push((cu.user + cu.system) / BATCH);
    }
  }
}
// For scale: one bare `SET NX PXAT` round trip on this machine, one at a time.
const bare = [];
for (const [name, send] of [
  ['node-redis', (k, at) => pairs['node-redis'].client.sendCommand(['SET', k, '1', 'NX', 'PXAT', at])],
  ['ioredis', (k, at) => pairs.ioredis.client.call('SET', k, '1', 'NX', 'PXAT', at)],
]) {
  const n = 2000;
  const at = String(Date.now() + 60_000);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let k = 0; k < n; k++) await send(`bare:${name}:${k}`, at);
  const cu = process.cpuUsage(c0);
  bare.push([name, ((performance.now() - t0) * 1000) / n, (cu.user + cu.system) / n]);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const memSigned = cores.find((c) => c.name === 'memory');
console.log(
  `\n2. Signed request (verify + seal, Ed25519, ${BATCH} per batch x ${ROUNDS} rounds x 2 (1 and ${CONCURRENCY} in flight), interleaved; ${presigned} pre-signed in ${signSeconds.toFixed(1)} s), µs per request (median of rounds):`,
);
printTable(
  [
    'replay cache',
    'µs wall, 1 in flight',
    'µs CPU, 1 in flight',
    'wall vs memory',
    `µs wall, ${CONCURRENCY} in flight`,
    `µs CPU, ${CONCURRENCY} in flight`,
    `wall vs memory (${CONCURRENCY})`,
  ],
  [
    ...cores.map((c) => [
      c.name,
      median(c.wall).toFixed(1),
      median(c.cpu).toFixed(1),
      fmtRatio(median(c.wall), median(memSigned.wall)),
      median(c.wallC).toFixed(1),
      median(c.cpuC).toFixed(1),
      fmtRatio(median(c.wallC), median(memSigned.wallC)),
    ]),
    ...bare.map(([name, w, c]) => [
      `(bare SET round trip, ${name})`,
      w.toFixed(1),
      c.toFixed(1),
      '',
      '',
      '',
      '',
    ]),
  ],
);

// -- 3b. round trips of signed requests -------------------------------------------------------------

for (const c of cores.filter(
  (x) => x.name === 'redis (node-redis)' || x.name === 'redis (ioredis, perKeyMax)',
)) {
  const reqs = take(200);
  const {
    delta,
    heartbeats,
    seconds,
    roundTrips: rt,
  } = await countDuring(() => serve(c.core, reqs), libOf(c.name));
  roundTrips.push([
    `signed request, ${c.name}`,
    fmtInt(reqs.length),
    JSON.stringify(delta),
    (rt / reqs.length).toFixed(3),
    `${heartbeats} in ${seconds.toFixed(2)} s`,
  ]);
}
console.log(
  '\n3. Round trips per request (commands the client sent, counted at its command method) and what Redis ran (INFO commandstats deltas, which also count the commands inside a script; heartbeat PUBLISHes apart):',
);
printTable(['requests', 'n', 'Redis ran (commandstats)', 'round trips / request', 'heartbeats'], roundTrips);

// -- 4. memory ---------------------------------------------------------------------------------------

async function memoryOf(prefix, write, n) {
  const used = async () => Number(/used_memory:(\d+)/.exec(await info('memory'))[1]);
  const before = await used();
  await write();
  const after = await used();
  const keys = [];
  for await (const k of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
    keys.push(...(Array.isArray(k) ? k : [k]));
  const sample = keys.slice(0, 200);
  let sum = 0;
  for (const k of sample) sum += Number(await admin.sendCommand(['MEMORY', 'USAGE', k, 'SAMPLES', '0']));
  return { keys: keys.length, usage: sum / sample.length, delta: (after - before) / n, example: sample[0] };
}
/** 200 writes in flight at a time (10 000 at once would queue past the 500 ms command timeout). */
async function inChunks(items, write) {
  for (let i = 0; i < items.length; i += 200) await Promise.all(items.slice(i, i + 200).map(write));
}
const N = 10_000;
const writer = new RedisRevocationStore({ client: pairs['node-redis'].client, prefix: 'mem-r:' });
const sessionIds = Array.from({ length: N }, () => randomBytes(16).toString('base64url'));
const memRevoked = await memoryOf(
  'mem-r:r:',
  () => inChunks(sessionIds, (id) => writer.revoke(id, Date.now() + 14 * 86_400_000)),
  N,
);
const subjects = new RedisRevocationStore({ client: pairs['node-redis'].client, prefix: 'mem-s:' });
const memSubjects = await memoryOf(
  'mem-s:s:',
  () =>
    inChunks(
      Array.from({ length: N }, (_, i) => String(1_000_000 + i)),
      (u) => subjects.revokeAll(u),
    ),
  N,
);
const memNonces = await memoryOf('bench:n:', async () => {}, 1);
console.log('\n4. Memory in Redis (MEMORY USAGE averaged over 200 keys; used_memory delta / count):');
printTable(
  ['entry', 'keys', 'MEMORY USAGE (bytes/key)', 'used_memory delta (bytes/entry)', 'example key'],
  [
    [
      'revoked session (revoke)',
      fmtInt(memRevoked.keys),
      fmtInt(memRevoked.usage),
      fmtInt(memRevoked.delta),
      memRevoked.example,
    ],
    [
      'revoked subject (revokeAll)',
      fmtInt(memSubjects.keys),
      fmtInt(memSubjects.usage),
      fmtInt(memSubjects.delta),
      memSubjects.example,
    ],
    [
      'recorded nonce (signed)',
      fmtInt(memNonces.keys),
      fmtInt(memNonces.usage),
      '–',
      `${memNonces.example.slice(0, 40)}…`,
    ],
  ],
);

// -- verdicts -----------------------------------------------------------------------------------------

console.log('');
for (const r of reads.filter((x) => x.name.startsWith('redis'))) {
  const ratio = r.hz / memHz;
  console.log(
    `[${ratio >= 0.9 ? 'MET ' : 'MISS'}] session read, ${r.name} vs memory: ${ratio.toFixed(2)}x (goal >= 0.90x, same run)`,
  );
}
for (const s of httpServers.slice(1)) {
  const ratio = med(s.rps) / med(httpMem.rps);
  const cpuRatio = med(s.cpuRps) / med(httpMem.cpuRps);
  console.log(
    `[${ratio >= 0.9 ? 'MET ' : 'MISS'}] HTTP read, redis (${s.variant}) vs memory: ${ratio.toFixed(2)}x req/s, ${cpuRatio.toFixed(2)}x per server CPU-s (goal >= 0.90x)`,
  );
}
for (const [what, , , perRequest] of roundTrips) {
  const expected = what.startsWith('session') ? 0 : 1;
  console.log(
    `[${Number(perRequest) === expected ? 'MET ' : 'MISS'}] ${what}: ${perRequest} round trips per request (expected ${expected})`,
  );
}

for (const s of [...redisStores, writer, subjects]) await s.close();
for (const c of Object.values(caches)) c.close?.();
await Promise.all(Object.values(pairs).map((p) => p.close()));
await admin.quit();
redisChild.kill('SIGKILL');
