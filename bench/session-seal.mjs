// Benchmark (a): seal + open of one realistic 214-byte JSON session, side by side in one process.
//   node bench/session-seal.mjs            (after `npx tsdown`; `npm run bench -- session-seal` builds)
// Each task does one full round trip per op: seal the session into a cookie value, then open it.
// Also: reading a cookie (cold token vs cached), getIronSession + read + save() (issue 12), Hono
// app.fetch with sealed-session/web vs iron-session, the portable backend vs iron-session (child
// process), RSS with 10k and 100k cached sessions (child processes), and the floors (one AEAD
// seal + open alone). Goal cells go to .reports/bench for bench/session-summary.mjs.
// Tasks are measured in interleaved 300 ms slices (median of 9), so load from other processes on
// the machine hits every library alike. The portable (@noble) backend of ours is measured in a
// child process, because the Node entry switches the shared backend to sodium-native for good.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  distUrl,
  fmtInt,
  machineLine,
  measureInterleaved,
  printTable,
  ratioStats,
  recordCells,
  tryImport,
  verdict,
} from './_lib.mjs';
import {
  COOKIE_NAME,
  KEY,
  KEY_HEX,
  PASSWORD,
  SESSION,
  SESSION_JSON_BYTES,
} from './_session-servers/fixture.mjs';

const require = createRequire(import.meta.url);
const TARGET_VS_SECURE_SESSION = 1.5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 300);
const SEAL_OPTIONS = { context: COOKIE_NAME, idleTimeout: 86_400, maxAge: 14 * 86_400 };
const IRON_OPTIONS = { password: PASSWORD, cookieName: COOKIE_NAME, cookieOptions: { secure: true } };

const check = (name, got) => {
  if (got?.userId !== SESSION.userId || got?.cart?.[1] !== SESSION.cart[1]) {
    throw new Error(`${name}: the round trip did not give the session back`);
  }
};

/** Our core seal/open task on whatever backend the imported entry selected. */
function coreTask(name, core) {
  const ring = core.createKeyring(KEY_HEX);
  const fn = () => core.open(core.seal(SESSION, ring, SEAL_OPTIONS), ring, { context: COOKIE_NAME });
  check(name, fn().value);
  return { name, fn };
}

/** iron-session 8's sealData + unsealData (the same work: seal the session, open it). */
async function ironTask(name) {
  const { sealData, unsealData } = await import('iron-session');
  const opts = { password: PASSWORD, ttl: 14 * 86_400 };
  const fn = async () => unsealData(await sealData(SESSION, opts), opts);
  check(name, await fn());
  return { name, fn };
}

// Child mode: measure the portable backend alone (dist/index.js never loads sodium-native).
if (process.argv[2] === '--child=noble') {
  const core = await import(distUrl('index'));
  const rs = await measureInterleaved([coreTask('noble', core), await ironTask('iron-session')], {
    rounds: ROUNDS,
    sliceMs: SLICE_MS,
  });
  process.stdout.write(JSON.stringify(rs));
  process.exit(0);
}

// Child mode: the Hono apps with sealed-session/web alone loaded (its portable backend, as a Hono
// app on Node gets it unless it also imports the Node entry).
if (process.argv[2] === '--child=hono') {
  const tasks = [];
  const what = new Map();
  const notes = [];
  await honoTasks(tasks, what, notes, ' (portable)');
  const rs = await measureInterleaved(tasks, { rounds: ROUNDS, sliceMs: SLICE_MS });
  process.stdout.write(JSON.stringify({ rs, what: [...what], notes }));
  process.exit(0);
}

// Child mode: RSS of one engine holding N cached sessions (each distinct, opened from its cookie
// and read twice more, as a session that is read more than it is written).
if (process.argv[2]?.startsWith('--child=rss:')) {
  const n = Number(process.argv[2].slice('--child=rss:'.length));
  const core = await import(distUrl('index.node'));
  core.useNativeBackend();
  const sealer = new core.SessionEngine({ key: KEY_HEX, cookieName: COOKIE_NAME, cache: 0 });
  const headers = [];
  for (let i = 0; i < n; i++) {
    headers.push(sealer.commit(sealer.create({ ...SESSION, userId: `usr_${i}` }))[0].split(';')[0]);
  }
  const engine = new core.SessionEngine({ key: KEY_HEX, cookieName: COOKIE_NAME, cache: n });
  globalThis.gc?.();
  const before = process.memoryUsage();
  // Three reads each: from a token's second hit on, its entry also keeps the primitive fields.
  for (let read = 0; read < 3; read++) for (const h of headers) engine.load(h).get('userId');
  globalThis.gc?.();
  const after = process.memoryUsage();
  if (engine.cacheSize !== n) throw new Error(`expected ${n} cached sessions, got ${engine.cacheSize}`);
  process.stdout.write(
    JSON.stringify({
      n,
      rss: after.rss,
      rssDelta: after.rss - before.rss,
      heapPerEntry: (after.heapUsed - before.heapUsed) / n,
    }),
  );
  process.exit(0);
}

const notes = [];
const tasks = [];
const what = new Map();

// --- ours, Node entry (sodium-native) -----------------------------------------------------------
const core = await import(distUrl('index.node'));
const backendName = core.useNativeBackend();
const OURS = `sealed-session seal/open (${backendName})`;
tasks.push(coreTask(OURS, core));
what.set(OURS, 'core seal() + open(), XChaCha20-Poly1305, expiry + context bound');

// The per-request engine every adapter uses: Cookie header in, Set-Cookie out (open, set, re-seal).
{
  const name = 'sealed-session SessionEngine';
  const engine = new core.SessionEngine({ key: KEY_HEX, cookieName: COOKIE_NAME });
  const first = engine.create(structuredClone(SESSION));
  const header = engine
    .commit(first)
    .map((c) => c.split(';')[0])
    .join('; ');
  const fn = () => {
    const s = engine.load(header);
    s.set('theme', s.get('theme') === 'dark' ? 'dark' : 'light');
    return engine.commit(s);
  };
  const out = fn();
  check(name, engine.load(out[0].split(';')[0]).data());
  tasks.push({ name, fn });
  what.set(name, 'load(Cookie header) + get + set + commit() → Set-Cookie string');
}

// --- ours, the Fastify plugin's drop-in decorators (when the adapter has landed) ---------------
const Fastify = (await import('fastify')).default;
{
  const { mod, error } = await tryImport(distUrl('fastify'));
  const plugin = mod?.default ?? mod?.fastifySealedSession ?? mod?.sealedSession;
  if (typeof plugin !== 'function') {
    notes.push(
      `skipped sealed-session/fastify decorators: ${error ?? 'dist/fastify.js exports no plugin yet'}`,
    );
  } else {
    const app = Fastify();
    await app.register(plugin, { key: KEY, cookieName: COOKIE_NAME });
    await app.ready();
    const name = 'sealed-session/fastify encode/decode';
    const session = app.createSecureSession(structuredClone(SESSION));
    const fn = () => app.decodeSecureSession(app.encodeSecureSession(session));
    check(name, fn()?.data());
    tasks.push({ name, fn });
    what.set(name, 'fastify.encodeSecureSession + decodeSecureSession (drop-in API)');
  }
}

// --- @fastify/secure-session 8.4 --------------------------------------------------------------
const SECURE_SESSION = '@fastify/secure-session';
{
  const app = Fastify();
  await app.register(require('@fastify/secure-session'), { key: KEY, cookieName: COOKIE_NAME });
  await app.ready();
  // One session object, encoded then decoded per op (createSecureSession mutates its argument).
  const session = app.createSecureSession(structuredClone(SESSION));
  const fn = () => app.decodeSecureSession(app.encodeSecureSession(session));
  check(SECURE_SESSION, fn()?.data());
  tasks.push({ name: SECURE_SESSION, fn });
  what.set(SECURE_SESSION, 'fastify.encodeSecureSession + decodeSecureSession, secretbox');
}

// --- iron-session 8 ----------------------------------------------------------------------------
tasks.push(await ironTask('iron-session'));
what.set('iron-session', 'sealData + unsealData (async, WebCrypto AES-CBC + HMAC)');

// --- cookie-session 2 (signs only: base64 JSON + keygrip HMAC-SHA1, as its Cookies instance does) --
{
  const Keygrip = require('keygrip');
  const keys = new Keygrip([PASSWORD]);
  const name = 'cookie-session (sign only)';
  const fn = () => {
    const value = Buffer.from(JSON.stringify(SESSION)).toString('base64');
    const sig = keys.sign(`${COOKIE_NAME}=${value}`);
    if (!keys.verify(`${COOKIE_NAME}=${value}`, sig)) throw new Error('cookie-session: bad signature');
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  };
  check(name, fn());
  tasks.push({ name, fn });
  what.set(name, 'base64(JSON) + keygrip sign + verify (no encryption)');
}

// --- reading a cookie: cold token (cache off) vs cached, against the original's decode ----------
const secureApp = Fastify();
await secureApp.register(require('@fastify/secure-session'), { key: KEY, cookieName: COOKIE_NAME });
await secureApp.ready();
const secureValue = secureApp.encodeSecureSession(secureApp.createSecureSession(structuredClone(SESSION)));
{
  const name = '@fastify/secure-session decode + get';
  const fn = () => secureApp.decodeSecureSession(secureValue).get('userId');
  if (fn() !== SESSION.userId) throw new Error(`${name}: no session`);
  tasks.push({ name, fn });
  what.set(name, 'decodeSecureSession(cookie value) + get (one secretbox open)');
}
for (const [name, cache] of [
  ['sealed-session read, cold token', 0],
  ['sealed-session read, cached', undefined],
]) {
  const engine = new core.SessionEngine({ key: KEY_HEX, cookieName: COOKIE_NAME, cache });
  const header = engine.commit(engine.create(structuredClone(SESSION)))[0].split(';')[0];
  const fn = () => engine.load(header).get('userId');
  if (fn() !== SESSION.userId) throw new Error(`${name}: no session`);
  tasks.push({ name, fn });
  what.set(
    name,
    cache === 0
      ? 'engine.load(Cookie header) + get, cache: 0 (base64 + AEAD open + JSON)'
      : 'same, default cache (a hit: map lookup, deadlines, JSON.parse)',
  );
}

// --- floors: what one op cannot avoid --------------------------------------------------------------
{
  const sodium = require('sodium-native');
  const k = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(24, 1);
  const ad = Buffer.from(`\x01\0\0\0\0${COOKIE_NAME}`);
  const plain = Buffer.alloc(12 + SESSION_JSON_BYTES, 3);
  const sealed = Buffer.alloc(plain.length + 16);
  const opened = Buffer.alloc(plain.length);
  const name = 'floor: one XChaCha20-Poly1305 seal + open';
  const fn = () => {
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, plain, ad, null, nonce, k);
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(opened, null, sealed, ad, nonce, k);
  };
  tasks.push({ name, fn });
  what.set(name, 'sodium-native alone, preallocated buffers, no JSON/base64 (our AEAD)');
  const box = Buffer.alloc(plain.length + 16);
  const name2 = 'floor: one secretbox seal + open';
  const fn2 = () => {
    sodium.crypto_secretbox_easy(box, plain, nonce, k);
    sodium.crypto_secretbox_open_easy(opened, box, nonce, k);
  };
  tasks.push({ name: name2, fn: fn2 });
  what.set(name2, "sodium-native alone (@fastify/secure-session's AEAD)");
  const name3 = 'floor: JSON.stringify + JSON.parse';
  tasks.push({ name: name3, fn: () => JSON.parse(JSON.stringify(SESSION)) });
  what.set(name3, 'the session object to text and back');
}

// --- issue 12: getIronSession + read + save() through ours vs through iron-session --------------
/** A cookies() store holding one cookie: what save() writes is what the next request sends. */
function store() {
  let value;
  return {
    get: (n) => (n === COOKIE_NAME && value !== undefined ? { name: n, value } : undefined),
    set: (n, v) => {
      if (n === COOKIE_NAME) value = v;
    },
    getAll: () => (value === undefined ? [] : [{ name: COOKIE_NAME, value }]),
    has: (n) => n === COOKIE_NAME && value !== undefined,
    delete: () => {
      value = undefined;
    },
  };
}
for (const [name, spec] of [
  ['sealed-session/iron getIronSession + save', distUrl('iron.node')],
  ['iron-session getIronSession + save', 'iron-session'],
]) {
  const { mod, error } = await tryImport(spec);
  if (typeof mod?.getIronSession !== 'function') {
    notes.push(`skipped ${name}: ${error ?? 'no getIronSession'}`);
    continue;
  }
  const jar = store();
  const first = await mod.getIronSession(jar, IRON_OPTIONS);
  Object.assign(first, structuredClone(SESSION));
  await first.save();
  let n = 0;
  const fn = async () => {
    const s = await mod.getIronSession(jar, IRON_OPTIONS);
    if (s.userId !== SESSION.userId) throw new Error(`${name}: the session was not read back`);
    s.lastSeen = ++n;
    await s.save();
  };
  await fn();
  tasks.push({ name, fn });
  what.set(name, 'getIronSession(cookies store) + read a field + set one + await save()');
}

// --- Hono: app.fetch in process, sealed-session/web vs iron-session ------------------------------
/**
 * Hono apps (bare, + honoSession, + iron-session through a cookies() store over hono/cookie) on a
 * read+write and a read-only route, as tasks named `<app> /<route><suffix>`.
 */
async function honoTasks(tasks, what, notes, suffix) {
  const { Hono } = await import('hono');
  const { getCookie, setCookie } = await import('hono/cookie');
  const web = await tryImport(distUrl('web'));
  const iron = await import('iron-session');
  const apps = [];
  const bare = new Hono();
  apps.push(['Hono bare', bare, () => null, () => {}]);
  if (typeof web.mod?.honoSession === 'function') {
    const a = new Hono();
    a.use(web.mod.honoSession({ key: KEY_HEX, cookieName: COOKIE_NAME }));
    apps.push([
      'Hono + sealed-session/web',
      a,
      (c) => c.get('session').get('userId') ?? null,
      (c, v) => c.get('session').set('lastSeen', v),
    ]);
  } else notes.push(`skipped Hono + sealed-session/web: ${web.error ?? 'no honoSession'}`);
  const b = new Hono();
  b.use(async (c, next) => {
    const cookieStore = {
      get: (n) => {
        const value = getCookie(c, n);
        return value === undefined ? undefined : { name: n, value };
      },
      set: (n, value, o = {}) =>
        setCookie(c, n, value, {
          path: o.path,
          httpOnly: o.httpOnly,
          secure: o.secure,
          sameSite: o.sameSite === 'lax' ? 'Lax' : o.sameSite,
          maxAge: o.maxAge,
        }),
    };
    c.set('iron', await iron.getIronSession(cookieStore, IRON_OPTIONS));
    await next();
  });
  apps.push([
    'Hono + iron-session',
    b,
    (c) => c.get('iron').userId ?? null,
    async (c, v) => {
      const s = c.get('iron');
      s.lastSeen = v;
      await s.save();
    },
  ]);
  for (const [, app, get, set] of apps) {
    let n = 0;
    app.get('/rw', async (c) => {
      const user = get(c);
      await set(c, ++n);
      return c.json({ user, n });
    });
    app.get('/ro', (c) => c.json({ user: get(c) }));
  }
  for (const [name, app] of apps) {
    // A cookie first, obtained from the same app.
    let cookie = '';
    if (name === 'Hono + sealed-session/web') {
      const sessions = web.mod.createSessions({ key: KEY_HEX, cookieName: COOKIE_NAME });
      const first = await sessions.load(new Request('http://localhost/'));
      for (const [k, v] of Object.entries(SESSION)) first.set(k, v);
      cookie = sessions.cookies(first)[0].split(';')[0];
    } else if (name === 'Hono + iron-session') {
      cookie = `${COOKIE_NAME}=${await iron.sealData(structuredClone(SESSION), { password: PASSWORD, ttl: 14 * 86_400 })}`;
    }
    const headers = cookie ? { cookie } : {};
    for (const route of ['rw', 'ro']) {
      const url = `http://localhost/${route}`;
      const fn = async () => {
        const res = await app.fetch(new Request(url, { headers }));
        return res.text();
      };
      const body = JSON.parse(await fn());
      if (name !== 'Hono bare' && body.user !== SESSION.userId) {
        throw new Error(`${name} /${route}: the session was not read back (${JSON.stringify(body)})`);
      }
      const task = `${name} /${route}`;
      tasks.push({ name: `${task}${suffix}`, fn });
      what.set(
        `${task}${suffix}`,
        `app.fetch(new Request) → Response text, ${route === 'rw' ? 'read + write' : 'read only'}`,
      );
    }
  }
}

await honoTasks(tasks, what, notes, ' (sodium-native)');

console.log(`Session seal+open, ${SESSION_JSON_BYTES}-byte JSON session; ${machineLine()}`);
console.log(`${ROUNDS} interleaved slices of ${SLICE_MS} ms per task, median\n`);

const results = await measureInterleaved(tasks, { rounds: ROUNDS, sliceMs: SLICE_MS });

// The portable backend in its own process (after the main run, so the two never compete), with
// iron-session interleaved beside it there.
let noble;
let nobleIron;
try {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child=noble'], {
    encoding: 'utf8',
    env: process.env,
  });
  [noble, nobleIron] = JSON.parse(out);
  noble.name = 'sealed-session seal/open (noble)';
  nobleIron.name = 'iron-session (beside noble, child)';
  what.set(noble.name, 'same, portable @noble/ciphers backend (separate process)');
  what.set(nobleIron.name, 'sealData + unsealData, interleaved with the noble row in that process');
} catch (e) {
  notes.push(`skipped the noble backend: ${String(e.message).split('\n')[0]}`);
}

let hono = [];
try {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child=hono'], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 24,
  });
  const r = JSON.parse(out);
  hono = r.rs;
  for (const [k, v] of r.what) what.set(k, `${v}; separate process, sealed-session/web alone`);
  notes.push(...r.notes);
} catch (e) {
  notes.push(`skipped the Hono apps on the portable backend: ${String(e.message).split('\n')[0]}`);
}

// RSS with 10k and 100k cached sessions, each in a fresh process.
const rss = [];
for (const n of [10_000, 100_000]) {
  try {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), `--child=rss:${n}`],
      { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 },
    );
    rss.push(JSON.parse(out));
  } catch (e) {
    notes.push(`skipped RSS with ${n} cached sessions: ${String(e.message).split('\n')[0]}`);
  }
}

const all = [...results, ...(noble ? [noble, nobleIron] : []), ...hono];
const byName = new Map(all.map((r) => [r.name, r]));
printTable(
  ['task', 'what one op does', 'ops/CPU-s', 'spread', 'ops/s wall', 'µs/op (CPU)'],
  all.map((r) => [
    r.name,
    what.get(r.name),
    fmtInt(r.hz),
    `${r.spread.toFixed(0)}%`,
    fmtInt(r.wallHz),
    (1e6 / r.hz).toFixed(2),
  ]),
);
console.log(
  "\nops/CPU-s: ops per second of this process's CPU time (what one dedicated core does; robust to" +
    ' other load). ops/s wall: per wall-clock second, diluted by other processes. spread: (max - min) / median.',
);
if (rss.length > 0) {
  console.log('');
  printTable(
    ['cached sessions', 'process RSS', 'RSS added by filling the cache', 'heap growth per entry'],
    rss.map((r) => [
      fmtInt(r.n),
      `${(r.rss / 2 ** 20).toFixed(1)} MiB`,
      `${(r.rssDelta / 2 ** 20).toFixed(1)} MiB`,
      `${fmtInt(r.heapPerEntry)} B`,
    ]),
  );
}
console.log('');
for (const n of notes) console.log(`note: ${n}`);

// Goal cells (issue 11 and 12), ratios of CPU-normalised rates round by round.
const OURS_SECURE = '@fastify/secure-session';
const pair = (cell, ours, peer, goal, floor) => {
  const a = byName.get(ours);
  const b = byName.get(peer);
  if (!a || !b) return { cell, ours, peer, goal, missing: true };
  return {
    cell,
    ours,
    peer,
    goal,
    oursHz: a.hz,
    peerHz: b.hz,
    unit: 'ops',
    cpu: ratioStats(a.cpuSamples, b.cpuSamples),
    wall: ratioStats(a.wallSamples, b.wallSamples),
    floor,
  };
};
const us = (name) => {
  const r = byName.get(name);
  return r ? `${(1e6 / r.hz).toFixed(2)} µs` : '–';
};
const cells = [
  pair(
    'seal+open via the drop-in decorators vs @fastify/secure-session',
    'sealed-session/fastify encode/decode',
    OURS_SECURE,
    1.5,
    `floor: AEAD seal+open ${us('floor: one XChaCha20-Poly1305 seal + open')} (theirs ${us('floor: one secretbox seal + open')}), JSON ${us('floor: JSON.stringify + JSON.parse')}`,
  ),
  pair(
    'core seal+open vs @fastify/secure-session',
    OURS,
    OURS_SECURE,
    1.5,
    `floor: AEAD seal+open ${us('floor: one XChaCha20-Poly1305 seal + open')} (theirs ${us('floor: one secretbox seal + open')}), JSON ${us('floor: JSON.stringify + JSON.parse')}`,
  ),
  pair(
    'codec read, cold token vs @fastify/secure-session decode',
    'sealed-session read, cold token',
    '@fastify/secure-session decode + get',
    1,
  ),
  pair(
    'codec read, cached vs @fastify/secure-session decode',
    'sealed-session read, cached',
    '@fastify/secure-session decode + get',
    1,
  ),
  pair(
    'getIronSession + read + save(): sealed-session/iron vs iron-session',
    'sealed-session/iron getIronSession + save',
    'iron-session getIronSession + save',
    1,
  ),
  ...[' (portable)', ' (sodium-native)'].flatMap((b) => [
    pair(
      `Hono read+write${b}: sealed-session/web vs iron-session`,
      `Hono + sealed-session/web /rw${b}`,
      `Hono + iron-session /rw${b}`,
      1,
    ),
    pair(
      `Hono read-only${b}: sealed-session/web vs iron-session`,
      `Hono + sealed-session/web /ro${b}`,
      `Hono + iron-session /ro${b}`,
      1,
    ),
    pair(
      `Hono read-only${b}: sealed-session/web vs bare Hono (Fastify's read-only goal)`,
      `Hono + sealed-session/web /ro${b}`,
      `Hono bare /ro${b}`,
      0.85,
    ),
  ]),
  pair(
    'portable (noble) seal+open vs iron-session, same process',
    'sealed-session seal/open (noble)',
    'iron-session (beside noble, child)',
    1,
  ),
];
for (const r of rss) {
  cells.push({
    cell: `RSS with ${fmtInt(r.n)} cached sessions`,
    goal: 'info',
    value: `RSS ${(r.rss / 2 ** 20).toFixed(1)} MiB (+${(r.rssDelta / 2 ** 20).toFixed(1)} MiB while filling); heap +${fmtInt(r.heapPerEntry)} B per entry`,
  });
}
recordCells('session-seal', cells);
const secure = byName.get(OURS_SECURE).hz;
const lines = [
  verdict(`target (a): seal+open vs ${OURS_SECURE}`, byName.get(OURS).hz, secure, TARGET_VS_SECURE_SESSION),
];
for (const l of lines) console.log(l.text);
