// A real `redis-server` for the tests: started on a free 127.0.0.1 port without persistence, killed
// and restarted (empty) on the same port mid-test, stopped by PID. Readiness and exits are facts
// (the server's "Ready to accept connections" line, the child's exit event), never sleeps.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** A free loopback port (the kernel picks it; closed again before redis-server binds it). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** One redis-server process on a fixed port; `start()` again after `kill()` restarts it empty. */
export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** A server on a free port that is not started yet ("Redis down at start"). */
  static async unstarted(): Promise<RedisServer> {
    return new RedisServer(await freePort());
  }

  /** Starts a server on a free port (retries with another port if the one picked was taken). */
  static async start(): Promise<RedisServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServer(await freePort());
      try {
        await server.start();
        return server;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts (or restarts, empty) the server on this port and resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#child) throw new Error('redis-server already running');
    const child = spawn(
      BINARY,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--enable-debug-command',
        'local',
        '--loglevel',
        'notice',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    let log = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          log += chunk.toString('utf8');
          if (log.includes('Ready to accept connections')) {
            child.stdout?.off('data', onData);
            resolve();
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', (c: Buffer) => {
          log += c.toString('utf8');
        });
        child.once('error', reject);
        child.once('exit', (code) =>
          reject(new Error(`redis-server exited with ${code}: ${log.slice(-500)}`)),
        );
      });
    } catch (e) {
      this.#child = undefined;
      throw e;
    }
    child.stdout?.resume();
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
  }

  /** Kills the server (SIGKILL by PID, no shutdown save) and resolves when it has exited. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGKILL');
    await exited;
    this.#child = undefined;
  }

  /** Kills it and starts a fresh, empty one on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Sends one command on a fresh connection and returns the raw RESP reply (admin use only). */
  async command(...args: string[]): Promise<string> {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(this.port, '127.0.0.1', resolve);
    });
    let req = `*${args.length}\r\n`;
    for (const a of args) req += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      socket.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        if (respComplete(buf)) {
          socket.destroy();
          resolve(buf);
        }
      });
      socket.once('error', reject);
      socket.write(req);
    });
  }

  /** `INFO commandstats` as a map of command name → calls. */
  async commandCalls(): Promise<Map<string, number>> {
    const reply = await this.command('INFO', 'commandstats');
    const out = new Map<string, number>();
    for (const m of reply.matchAll(/cmdstat_([a-z|_-]+):calls=(\d+)/g)) out.set(m[1]!, Number(m[2]));
    return out;
  }

  /**
   * Blocks the server for `ms` (DEBUG SLEEP, as a slow or stalled Redis). Resolves when the sleep
   * has started (the command is on the wire); `done` resolves when the server answers again.
   */
  async sleep(ms: number): Promise<{ done: Promise<string> }> {
    const done = this.command('DEBUG', 'SLEEP', String(ms / 1000));
    return { done };
  }
}

/** Command-count deltas between two `INFO commandstats` snapshots (only commands that changed). */
export function callDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

/** Whether `buf` holds one complete RESP reply (simple, error, integer or bulk string). */
function respComplete(buf: string): boolean {
  if (buf.length < 3 || !buf.includes('\r\n')) return false;
  const t = buf[0];
  if (t === '+' || t === '-' || t === ':') return true;
  if (t === '$') {
    const end = buf.indexOf('\r\n');
    const len = Number(buf.slice(1, end));
    if (len < 0) return true;
    return Buffer.byteLength(buf) >= end + 2 + len + 2;
  }
  return true;
}

/**
 * A TCP relay to a redis-server that can go silent without closing anything (`stall()`): the
 * client's connection stays open and writes succeed, but no byte is delivered either way — a
 * network partition without a reset, which no client event reports.
 */
export class StallingRelay {
  readonly #server: import('node:net').Server;
  readonly #sockets = new Set<Socket>();
  #stalled = false;
  port = 0;

  constructor(upstreamPort: number) {
    this.#server = createServer((down) => {
      const up = new Socket();
      up.connect(upstreamPort, '127.0.0.1');
      for (const s of [down, up]) {
        this.#sockets.add(s);
        s.on('error', () => {});
      }
      down.on('data', (d) => {
        if (!this.#stalled) up.write(d);
      });
      up.on('data', (d) => {
        if (!this.#stalled) down.write(d);
      });
      down.on('close', () => up.destroy());
      up.on('close', () => down.destroy());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    const addr = this.#server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    this.port = addr.port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** From now on, every byte either way is dropped (connections stay open). */
  stall(): void {
    this.#stalled = true;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
