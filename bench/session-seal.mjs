// Benchmark (a): seal + open of one realistic 214-byte JSON session, side by side in one process.
//   node bench/session-seal.mjs            (after `npx tsdown`; `npm run bench -- session-seal` builds)
// Each task does one full round trip per op: seal the session into a cookie value, then open it.
// Tasks are measured in interleaved 300 ms slices (median of 9), so load from other processes on
// the machine hits every library alike. The portable (@noble) backend of ours is measured in a
// child process, because the Node entry switches the shared backend to sodium-native for good.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  distUrl,
  fmtInt,
  fmtRatio,
  machineLine,
  measureInterleaved,
  printTable,
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

// Child mode: measure the portable backend alone (dist/index.js never loads sodium-native).
if (process.argv[2] === '--child=noble') {
  const core = await import(distUrl('index'));
  const [r] = await measureInterleaved([coreTask('noble', core)], { rounds: ROUNDS, sliceMs: SLICE_MS });
  process.stdout.write(JSON.stringify(r));
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
{
  const { sealData, unsealData } = await import('iron-session');
  const name = 'iron-session';
  const opts = { password: PASSWORD, ttl: 14 * 86_400 };
  const fn = async () => unsealData(await sealData(SESSION, opts), opts);
  check(name, await fn());
  tasks.push({ name, fn });
  what.set(name, 'sealData + unsealData (async, WebCrypto AES-CBC + HMAC)');
}

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

console.log(`Session seal+open, ${SESSION_JSON_BYTES}-byte JSON session; ${machineLine()}`);
console.log(`${ROUNDS} interleaved slices of ${SLICE_MS} ms per task, median (1 op = seal + open)\n`);

const results = await measureInterleaved(tasks, { rounds: ROUNDS, sliceMs: SLICE_MS });

// The portable backend in its own process (after the main run, so the two never compete).
let noble;
try {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child=noble'], {
    encoding: 'utf8',
    env: process.env,
  });
  noble = JSON.parse(out);
  noble.name = 'sealed-session seal/open (noble)';
  what.set(noble.name, 'same, portable @noble/ciphers backend (separate process)');
} catch (e) {
  notes.push(`skipped the noble backend: ${String(e.message).split('\n')[0]}`);
}

const all = noble ? [results[0], noble, ...results.slice(1)] : results;
const byName = new Map(all.map((r) => [r.name, r]));
const ours = byName.get(OURS).hz;
printTable(
  ['implementation', 'what one op does', 'ops/CPU-s', 'spread', 'ops/s wall', 'ours (sodium) vs it'],
  all.map((r) => [
    r.name,
    what.get(r.name),
    fmtInt(r.hz),
    `${r.spread.toFixed(0)}%`,
    fmtInt(r.wallHz),
    r.name === OURS ? '1.00x' : fmtRatio(ours, r.hz),
  ]),
);
console.log(
  "\nops/CPU-s: round trips per second of this process's CPU time (what one dedicated core does;" +
    ' robust to other load). ops/s wall: per wall-clock second, diluted by other processes.' +
    ' Ratios use ops/CPU-s.',
);
console.log('');
for (const n of notes) console.log(`note: ${n}`);
const secure = byName.get(SECURE_SESSION).hz;
const lines = [verdict(`target (a): seal+open vs ${SECURE_SESSION}`, ours, secure, TARGET_VS_SECURE_SESSION)];
const plugin = byName.get('sealed-session/fastify encode/decode');
if (plugin) {
  lines.push(
    verdict(
      `  same through the drop-in decorators vs ${SECURE_SESSION}`,
      plugin.hz,
      secure,
      TARGET_VS_SECURE_SESSION,
    ),
  );
}
if (noble) lines.push(verdict(`  portable noble backend vs ${SECURE_SESSION} (info)`, noble.hz, secure, 1));
for (const l of lines) console.log(l.text);
