// Helpers shared by bench/*.mjs: the built package, interleaved micro-benchmarks, child-process
// servers, an autocannon runner, tables, ratios and target verdicts. Nothing here knows a library.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = new URL('..', import.meta.url).pathname;

/**
 * URL of a built module (`dist/<name>.js`). `BENCH_DIST=<dir>` points at another build (relative to
 * the repository root), e.g. one made with `npx tsdown -d <dir>` while `dist/` is being rebuilt.
 */
export function distUrl(name) {
  const env = process.env.BENCH_DIST;
  const dir = env ? (isAbsolute(env) ? env : join(root, env)) : join(root, 'dist');
  const file = join(dir, `${name}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsdown\` (npm run bench builds it)`);
  return pathToFileURL(file).href;
}

/** Imports a module, or returns `{ error }` with a one-line reason instead of throwing. */
export async function tryImport(spec) {
  try {
    return { mod: await import(spec) };
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function fmtInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** "1.53x": how many times `a` is `b`. */
export function fmtRatio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}x`;
}

/** Prints an aligned plain-text table (also valid Markdown: copy it into docs as is). */
export function printTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => rows.every((r) => /^[-–\d.,x%+ ]*$/.test(String(r[i] ?? ''))));
  const line = (r) =>
    `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(cells[0]));
  console.log(
    `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const r of cells.slice(1)) console.log(line(r));
}

/**
 * A target verdict line: `actual / base >= target`. Returns `{ met, text }`; the text says by how
 * much a missed target is missed.
 */
export function verdict(label, actual, base, target) {
  if (!Number.isFinite(actual) || !Number.isFinite(base) || base === 0) {
    return { met: undefined, text: `[n/a ] ${label}: not measured` };
  }
  const r = actual / base;
  const met = r >= target;
  const gap = met ? '' : ` — missed by ${(((target - r) / target) * 100).toFixed(1)}%`;
  return { met, text: `[${met ? 'MET ' : 'MISS'}] ${label}: ${r.toFixed(2)}x (target >= ${target}x)${gap}` };
}

/** Short form of {@link verdict} for tables: "0.82x MISS (-48.9%)", "1.21x met", or "–". */
export function check(actual, base, target) {
  if (!Number.isFinite(actual) || !Number.isFinite(base) || base === 0) return '–';
  const r = actual / base;
  if (r >= target) return `${r.toFixed(2)}x met`;
  return `${r.toFixed(2)}x MISS (-${(((target - r) / target) * 100).toFixed(1)}%)`;
}

/** One line describing the conditions of a run, for the record. */
export function machineLine() {
  const [l1, l5, l15] = loadavg().map((l) => l.toFixed(2));
  return `node ${process.version}, load average ${l1} ${l5} ${l15} (1/5/15 min), ${new Date().toISOString()}`;
}

// ---------------------------------------------------------------------------------------------
// Micro-benchmarks

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function timeSlice(fn, ms) {
  // Checking the clock every 8 calls keeps its cost (~50 ns) well under 1% of a µs-scale op.
  // Both wall time and this process's CPU time (all threads: GC, libuv pool) are recorded: on a
  // shared machine the CPU figure is what a dedicated core would do, the wall figure is diluted by
  // whatever else runs.
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let now = start;
  const isAsync = fn.constructor.name === 'AsyncFunction';
  if (isAsync) {
    while (now < end) {
      for (let i = 0; i < 8; i++) await fn();
      n += 8;
      now = performance.now();
    }
  } else {
    while (now < end) {
      for (let i = 0; i < 8; i++) fn();
      n += 8;
      now = performance.now();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: (n * 1000) / (now - start), cpu: (n * 1000) / Math.max(cpuMs, 0.001) };
}

/**
 * Measures several tasks by interleaving short time slices (round-robin), so a burst of load from
 * another process hits every task alike. `tasks`: `[{ name, fn }]`, `fn` sync or async (awaited
 * one at a time). Per task: `hz` = median ops per CPU-second of this process, `wallHz` = median
 * ops per wall-clock second, `spread` = (max - min) / median of the CPU figure, in %.
 */
export async function measureInterleaved(tasks, { rounds = 9, sliceMs = 300, warmupMs = 500 } = {}) {
  for (const t of tasks) await timeSlice(t.fn, warmupMs);
  const samples = new Map(tasks.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate the starting task each round so no task always runs right after a GC-heavy one.
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[(i + r) % tasks.length];
      samples.get(t.name).push(await timeSlice(t.fn, sliceMs));
    }
  }
  return tasks.map((t) => {
    const s = samples.get(t.name);
    const cpu = s.map((x) => x.cpu);
    const hz = median(cpu);
    const spread = ((Math.max(...cpu) - Math.min(...cpu)) / hz) * 100;
    const wall = s.map((x) => x.wall);
    return { name: t.name, hz, wallHz: median(wall), spread, cpuSamples: cpu, wallSamples: wall };
  });
}

// ---------------------------------------------------------------------------------------------
// Ratios per round, and the cells of a goal table shared by several bench files

/**
 * Ratio of two interleaved series round by round (`a[i] / b[i]`, higher = `a` faster): the median
 * and the lowest and highest round. Rounds ran back to back, so one burst of load hits both alike.
 */
export function ratioStats(a, b) {
  const n = Math.min(a?.length ?? 0, b?.length ?? 0);
  if (n === 0) return undefined;
  const rs = [];
  for (let i = 0; i < n; i++) if (b[i] > 0) rs.push(a[i] / b[i]);
  if (rs.length === 0) return undefined;
  return { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
}

/** "1.53x (1.41–1.62)", or "–". */
export function fmtRatioStats(r) {
  if (!r) return '–';
  return `${r.median.toFixed(2)}x (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
}

const cellsDir = join(root, '.reports', 'bench');

/**
 * Saves the goal cells one bench file measured (`bench/session-summary.mjs` prints them all side by
 * side at the end of the run). A cell: `{ cell, ours, peer, goal, cpu: ratioStats, wall: ratioStats,
 * oursHz, peerHz, unit, floor? }` with `goal` a minimum ratio, or `{ cell, value, unit, goal: 'info' }`.
 */
export function recordCells(part, cells) {
  mkdirSync(cellsDir, { recursive: true });
  const file = join(cellsDir, `${part}.json`);
  writeFileSync(file, JSON.stringify({ part, at: new Date().toISOString(), machine: machineLine(), cells }));
}

/** Every part saved by {@link recordCells}, oldest first. */
export function readCells() {
  if (!existsSync(cellsDir)) return [];
  return readdirSync(cellsDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(cellsDir, f), 'utf8')))
    .sort((x, y) => x.at.localeCompare(y.at));
}

// ---------------------------------------------------------------------------------------------
// CPU pinning

/**
 * Pins the main thread of a process to one CPU with `taskset` (util-linux), so that a load
 * generator and the server it measures never share or swap cores. Unpinned on this 2-core VM, two
 * processes of the same server landed in one of two modes, ≈ 26 or ≈ 33 µs of CPU per request,
 * for their whole life; pinned, three processes of each agreed within 3–8% (docs/benchmarks.md).
 * Only the main thread: with V8's garbage-collector threads pinned to the same CPU (`taskset -a`),
 * allocation-heavy servers paid for it (Express bare ≈ 130 → ≈ 200 µs per request).
 * Does nothing (returns false) with fewer than 2 CPUs, without `taskset`, or with BENCH_PIN=0.
 */
export function pinToCpu(pid, cpu) {
  if (process.env.BENCH_PIN === '0' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Child-process servers

const children = new Set();

function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  killAll();
  console.error(e);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  killAll();
  console.error(e);
  process.exit(1);
});

/**
 * Starts `script` in its own Node process (IPC channel; the child exits if the channel closes, so
 * it cannot outlive this process). The child must `process.send({ port })` once it listens on
 * 127.0.0.1, or `process.send({ skip: reason })` when it cannot run.
 * `cpu`: pins the child's main thread to that CPU ({@link pinToCpu}).
 * Resolves `{ port, url, child, stop() }` or `{ skip }`.
 */
export function startChild(script, args = [], { timeoutMs = 15_000, env, cpu } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    children.add(child);
    if (cpu !== undefined) pinToCpu(child.pid, cpu);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')}: no ready message within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = () =>
      new Promise((done) => {
        children.delete(child);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      });
    child.once('message', (m) => {
      clearTimeout(timer);
      child.off('exit', early);
      if (m?.skip) {
        stop().then(() => resolve({ skip: m.skip }));
      } else if (Number.isInteger(m?.port)) {
        resolve({ port: m.port, url: `http://127.0.0.1:${m.port}`, child, stop });
      } else {
        stop().then(() => reject(new Error(`${script}: unexpected ready message`)));
      }
    });
    const early = (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${script} ${args.join(' ')} exited early (${signal ?? code})`));
    };
    child.once('exit', early);
  });
}

/**
 * In a child started by {@link startChild}: report readiness, die with the parent, and answer
 * {@link childCpu} requests.
 */
export function childReady(port) {
  if (!process.send) {
    // Started by hand (e.g. `node --cpu-prof bench/_session-servers/x.mjs ours`): print the port.
    // SIGINT/SIGTERM end the process through process.exit, so --cpu-prof still writes its profile.
    console.log(`listening on http://127.0.0.1:${port}`);
    return;
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m) => {
    if (m?.type === 'cpu') {
      const u = process.cpuUsage();
      process.send({ type: 'cpu', id: m.id, us: u.user + u.system, user: u.user, system: u.system });
    }
  });
  process.send({ port });
}

let cpuSeq = 0;
/** CPU time (user + system, µs) a child started by {@link startChild} has used so far. */
export async function childCpu(child) {
  return (await childCpuTimes(child)).us;
}

/**
 * The same split into user and system time (µs): JavaScript runs in user time; the kernel's share
 * (socket writes, waking the load generator on the same cores) is system time.
 */
export function childCpuTimes(child) {
  const id = ++cpuSeq;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error('child did not report its CPU time'));
    }, 5000);
    const on = (m) => {
      if (m?.type === 'cpu' && m.id === id) {
        clearTimeout(timer);
        child.off('message', on);
        resolve({ us: m.us, user: m.user, system: m.system });
      }
    };
    child.on('message', on);
    child.send({ type: 'cpu', id });
  });
}

/** In a child started by {@link startChild}: say why this variant cannot run, then exit. */
export function childSkip(reason) {
  if (!process.send) {
    console.error(`skipped: ${reason}`);
    process.exit(0);
  }
  process.send({ skip: reason }, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// HTTP load

/** The `Cookie` header a browser would send back after these `Set-Cookie` values. */
export function cookieHeaderFrom(setCookies) {
  return setCookies
    .map((c) => c.split(';')[0])
    .filter((pair) => pair.slice(pair.indexOf('=') + 1) !== '')
    .join('; ');
}

/**
 * Runs autocannon against `url` for `duration` seconds and returns `{ total, rps, non2xx, errors, p99 }`.
 * `rps` counts every response; `non2xx`/`errors` must be 0 for the number to mean anything.
 */
export async function loadRun(url, { duration = 5, connections = 10, headers = {}, method = 'GET' } = {}) {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url, duration, connections, headers, method, pipelining: 1 });
  return {
    total: r.requests.total,
    rps: r.requests.total / ((r.finish - r.start) / 1000),
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    p99: r.latency.p99,
  };
}
