// Benchmark (b): HTTP throughput with sessions, autocannon against servers each in its own process
// on 127.0.0.1 (bench/_session-servers/*.mjs).
//   node bench/session-http.mjs            (after `npx tsdown`; `npm run bench -- session-http` builds)
// Fastify bare / + sealed-session / + @fastify/secure-session, Express bare / + sealed-session /
// + cookie-session; each on a read+write, a read-only and an untouched route. Every request carries
// a valid session cookie obtained first from that same server.
// Runs are interleaved (round r visits the servers in a rotated order) so drifting load from other
// processes hits every server alike, and every round starts fresh server processes; a second bare
// process per framework (the control) shows how far two processes of the same code differ. With
// 2+ CPUs and `taskset`, the main threads of autocannon (this process) and of the servers are pinned
// to separate CPUs. Env: BENCH_HTTP_ROUNDS (3), BENCH_HTTP_DURATION (s, 2), BENCH_HTTP_CONNECTIONS
// (10), BENCH_HTTP_WARMUP (s, 1), BENCH_HTTP_ONLY (fastify | express), BENCH_PIN (0: no pinning).
import { fileURLToPath } from 'node:url';
import {
  check,
  childCpuTimes,
  cookieHeaderFrom,
  fmtInt,
  fmtRatio,
  fmtRatioStats,
  loadRun,
  machineLine,
  median,
  pinToCpu,
  printTable,
  ratioStats,
  recordCells,
  startChild,
} from './_lib.mjs';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_HTTP_DURATION ?? 2);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10);
const WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 1);
const ROUTES = [
  { path: '/rw', label: 'read+write' },
  { path: '/ro', label: 'read-only' },
  { path: '/none', label: 'untouched' },
];
/** The id of the control variant: bare again, in a second process. */
const CONTROL = 'bare-control';
// autocannon runs in this process's main thread: it gets CPU 0, every server's main thread CPU 1
// (BENCH_PIN=0: no pinning).
const PINNED = pinToCpu(process.pid, 0);
const serverScript = (name) => fileURLToPath(new URL(`./_session-servers/${name}.mjs`, import.meta.url));

const FRAMEWORKS = [
  {
    name: 'Fastify',
    script: serverScript('fastify'),
    variants: [
      { id: 'bare', label: 'Fastify bare' },
      { id: 'bare-control', arg: 'bare', label: 'Fastify bare, a second process (control)' },
      { id: 'noop-hook', label: 'Fastify bare + no-op onRequest/onSend hooks (floor)' },
      { id: 'write-floor', label: "Fastify bare + a write's own work: JSON, one seal, Set-Cookie (floor)" },
      { id: 'ours', label: 'Fastify + sealed-session' },
      { id: 'ours-no-cookie-plugin', label: 'Fastify + sealed-session, cookiePlugin: false (diagnostic)' },
      { id: 'secure-session', label: 'Fastify + @fastify/secure-session' },
    ],
    targets: [
      // Floors: bare vs the peer (the highest ratio any session plugin could reach) and, for a write,
      // bare + what a write cannot skip (JSON, one seal, the Set-Cookie header).
      { route: '/rw', of: 'ours', vs: 'secure-session', min: 1.6, floor: ['bare', 'write-floor'] },
      { route: '/ro', of: 'ours', vs: 'bare', min: 0.85, floor: ['noop-hook', 'ours-no-cookie-plugin'] },
      { route: '/none', of: 'ours', vs: 'bare', min: 0.97, floor: ['noop-hook', 'ours-no-cookie-plugin'] },
    ],
  },
  {
    name: 'Express',
    script: serverScript('express'),
    variants: [
      { id: 'bare', label: 'Express bare' },
      { id: 'bare-control', arg: 'bare', label: 'Express bare, a second process (control)' },
      { id: 'ours', label: 'Express + sealed-session' },
      { id: 'cookie-session', label: 'Express + cookie-session' },
    ],
    targets: [
      { route: '/rw', of: 'ours', vs: 'cookie-session', min: 1.5, floor: ['bare'] },
      { route: '/ro', of: 'ours', vs: 'cookie-session', min: 1 },
      { route: '/none', of: 'ours', vs: 'cookie-session', min: 1 },
    ],
  },
];

/** Gets a session cookie from the server and checks that it is really read back and re-written. */
async function prepare(server, variant) {
  // Servers without sessions get a cookie of the same size, so every server parses the same bytes.
  if (variant === 'bare' || variant === 'noop-hook' || variant === 'write-floor') {
    return { cookie: `session=${'A'.repeat(423)}` };
  }
  const login = await fetch(`${server.url}/login`);
  const cookie = cookieHeaderFrom(login.headers.getSetCookie());
  if (!cookie) throw new Error(`${variant}: /login set no cookie`);
  const headers = { cookie };
  const ro = await fetch(`${server.url}/ro`, { headers });
  const body = await ro.json();
  if (body.user !== 'usr_7Hq2LmP9') throw new Error(`${variant}: the session cookie was not read back`);
  if (ro.headers.getSetCookie().length !== 0)
    throw new Error(`${variant}: /ro re-wrote an unchanged session`);
  const rw = await fetch(`${server.url}/rw`, { headers });
  if (rw.headers.getSetCookie().length === 0) throw new Error(`${variant}: /rw wrote no cookie`);
  await rw.arrayBuffer();
  return headers;
}

async function runFramework(fw) {
  const notes = [];
  const skipped = new Set();
  const labels = new Map(); // id → { variant } of the servers that started
  const results = new Map(); // `${id} ${path}` → [{ rps, cpu }]
  // Fresh server processes every round: a process keeps its placement on this VM's cores (and its
  // JIT's choices) for its whole life, and two processes of the same code differed by up to a
  // third per CPU-second here; restarting them each round lets the median of the rounds average
  // that out instead of carrying one process's luck through every round (the control row shows
  // what remains).
  for (let round = 0; round < ROUNDS; round++) {
    const servers = new Map();
    try {
      for (const v of fw.variants) {
        if (skipped.has(v.id)) continue;
        const s = await startChild(fw.script, [v.arg ?? v.id], PINNED ? { cpu: 1 } : {});
        if (s.skip) {
          skipped.add(v.id);
          notes.push(`skipped ${v.label}: ${s.skip}`);
          continue;
        }
        labels.set(v.id, { variant: v });
        servers.set(v.id, { ...s, variant: v, headers: await prepare(s, v.arg ?? v.id) });
      }
      const ids = [...servers.keys()];
      const once = async (id, path, duration) => {
        const s = servers.get(id);
        const cpu0 = await childCpuTimes(s.child);
        const r = await loadRun(`${s.url}${path}`, {
          duration,
          connections: CONNECTIONS,
          headers: s.headers,
        });
        const cpu1 = await childCpuTimes(s.child);
        const cpuS = (cpu1.us - cpu0.us) / 1e6;
        if (r.non2xx || r.errors)
          notes.push(`${s.variant.label} ${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        return {
          rps: r.rps,
          cpuRps: r.total / cpuS,
          p99: r.p99,
          userUs: (cpu1.user - cpu0.user) / r.total,
          systemUs: (cpu1.system - cpu0.system) / r.total,
        };
      };
      for (const id of ids) for (const { path } of ROUTES) await once(id, path, WARMUP);
      for (const { path } of ROUTES) {
        for (let i = 0; i < ids.length; i++) {
          const id = ids[(i + round) % ids.length];
          const key = `${id} ${path}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(await once(id, path, DURATION));
        }
      }
    } finally {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    }
  }
  // Median of the rounds: one round hit by a burst of foreign load does not move it.
  const rounds = (id, path) => results.get(`${id} ${path}`) ?? [];
  const get = (id, path) => {
    const rs = results.get(`${id} ${path}`);
    return (
      rs && {
        rps: median(rs.map((r) => r.rps)),
        cpuRps: median(rs.map((r) => r.cpuRps)),
        p99: median(rs.map((r) => r.p99)),
        userUs: median(rs.map((r) => r.userUs)),
        systemUs: median(rs.map((r) => r.systemUs)),
      }
    );
  };
  return { servers: labels, notes, get, rounds };
}

/** Server CPU per request split into user (JavaScript) and system (kernel) time, with the difference to bare. */
function splitCell(r, b) {
  const d = (x, y) => (y === undefined ? '' : ` (${x - y >= 0 ? '+' : ''}${(x - y).toFixed(1)})`);
  return `${r.userUs.toFixed(1)}${d(r.userUs, b?.userUs)} + ${r.systemUs.toFixed(1)}${d(r.systemUs, b?.systemUs)}`;
}

console.log(
  `Sessions over HTTP (autocannon, ${CONNECTIONS} connections; median of ${ROUNDS} interleaved rounds of ${DURATION} s per cell, after a ${WARMUP} s warm-up)`,
);
console.log(machineLine());
console.log(
  PINNED
    ? 'main threads pinned: autocannon to CPU 0, each server to CPU 1 (taskset; BENCH_PIN=0 to not pin)'
    : 'not pinned (BENCH_PIN=0, one CPU, or no taskset): load generator and servers share the cores',
);
const verdicts = [];
const cells = [];
const only = process.env.BENCH_HTTP_ONLY?.toLowerCase();
for (const fw of FRAMEWORKS.filter((f) => !only || only.includes(f.name.toLowerCase()))) {
  const { servers, notes, get, rounds } = await runFramework(fw);
  console.log(`\n${fw.name}`);
  const bare = 'bare';
  printTable(
    [
      'server',
      'route',
      'req/s',
      'vs bare',
      'req/server-CPU-s',
      'vs bare (CPU)',
      'µs/req user + system (vs bare)',
      'p99 ms',
    ],
    fw.variants
      .filter((v) => servers.has(v.id))
      .flatMap((v) =>
        ROUTES.map(({ path, label }) => {
          const r = get(v.id, path);
          const b = get(bare, path);
          return [
            v.label,
            label,
            fmtInt(r.rps),
            fmtRatio(r.rps, b?.rps),
            fmtInt(r.cpuRps),
            fmtRatio(r.cpuRps, b?.cpuRps),
            splitCell(r, b),
            r.p99.toFixed(1),
          ];
        }),
      ),
  );
  for (const n of notes) console.log(`note: ${n}`);
  for (const t of fw.targets) {
    const a = get(t.of, t.route);
    const b = get(t.vs, t.route);
    const label = `${fw.name} ${ROUTES.find((r) => r.path === t.route).label}`;
    const ofLabel = servers.get(t.of)?.variant.label ?? t.of;
    const vsLabel = servers.get(t.vs)?.variant.label ?? t.vs;
    const cpu = ratioStats(
      rounds(t.of, t.route).map((r) => r.cpuRps),
      rounds(t.vs, t.route).map((r) => r.cpuRps),
    );
    const wall = ratioStats(
      rounds(t.of, t.route).map((r) => r.rps),
      rounds(t.vs, t.route).map((r) => r.rps),
    );
    const versus = (id, base) =>
      fmtRatioStats(
        ratioStats(
          rounds(id, t.route).map((r) => r.cpuRps),
          rounds(base, t.route).map((r) => r.cpuRps),
        ),
      );
    const floors = (t.floor ?? []).filter((id) => servers.has(id));
    // The instrument's resolution on this route: the same code in two processes.
    const control = servers.has(CONTROL)
      ? `${servers.get(CONTROL).variant.label} vs ${servers.get(bare).variant.label}: ${versus(CONTROL, bare)} per CPU-s`
      : undefined;
    const floor =
      [
        ...floors.map(
          (id) => `${servers.get(id).variant.label} vs ${vsLabel}: ${versus(id, t.vs)} per CPU-s`,
        ),
        control,
      ]
        .filter((x) => x !== undefined)
        .join('; ') || undefined;
    verdicts.push([
      label,
      `${ofLabel} vs ${vsLabel}`,
      `>= ${t.min}x`,
      check(a?.rps, b?.rps, t.min),
      check(a?.cpuRps, b?.cpuRps, t.min),
      fmtRatioStats(cpu),
    ]);
    cells.push({
      cell: `${label}: ${ofLabel} vs ${vsLabel}`,
      ours: ofLabel,
      peer: vsLabel,
      goal: t.min,
      oursHz: a?.cpuRps,
      peerHz: b?.cpuRps,
      unit: 'req',
      cpu,
      wall,
      floor,
    });
  }
}
console.log('\nTargets (ratios of medians; last column: the ratio round by round, median (lowest–highest))');
printTable(['target', 'comparison', 'needs', 'req/s', 'per server CPU-s', 'per CPU-s by round'], verdicts);
recordCells('session-http', cells);
