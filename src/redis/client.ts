// The client-shape adapter: the user's node-redis (4–6) or ioredis client behind one `send(args)`
// with a bounded timeout, plus one `subscribe` for either library's pub/sub API. We never open,
// configure or close a connection: the user brings connected clients and keeps owning them.
import { expectedRange, expectedType } from '../core/errors.js';
import { fromUtf8 } from '../internal/base64.js';
import { RedisUnavailableError } from './errors.js';

/** An event-emitter method as both libraries declare it. */
type On = (event: string, listener: (...args: unknown[]) => void) => unknown;

/**
 * A node-redis client (`createClient()` from `redis` 4–6), connected by you. Only `sendCommand`
 * is used for commands; `subscribe`/`unsubscribe` when it is given as a `subscriber`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: NodeRedisClientLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  subscribe?(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe?(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * An ioredis client (`new Redis(url)`). Only `call` is used for commands; `subscribe`,
 * `unsubscribe` and the `'message'` event when it is given as a `subscriber`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const client: IoRedisClientLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  subscribe?(channel: string): Promise<unknown>;
  unsubscribe?(channel: string): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Either client library. Give the subscriber as a separate client (a connection in subscriber
 * mode cannot send other commands), e.g. `client.duplicate()` that you connect yourself.
 *
 * @example
 * ```ts
 * const client: RedisClientLike = await createClient().connect();
 * const subscriber: RedisClientLike = await client.duplicate().connect();
 * ```
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

type Raw = (args: string[]) => Promise<unknown>;

/** Bulk strings may come back as Buffers (node-redis type mapping): read them as UTF-8. */
function text(v: unknown): unknown {
  if (typeof v === 'string' || v === null || typeof v === 'number') return v;
  if (v instanceof Uint8Array) return fromUtf8(v);
  if (Array.isArray(v)) return v.map(text);
  return v;
}

function rawOf(client: RedisClientLike, what: string): Raw {
  if (client === null || typeof client !== 'object')
    throw expectedType(what, 'a connected node-redis or ioredis client', client);
  const c = client as Partial<IoRedisClientLike & NodeRedisClientLike>;
  if (typeof c.call === 'function') {
    const call = c.call;
    return (args) => call.apply(client, args as [string, ...string[]]);
  }
  if (typeof c.sendCommand === 'function') {
    const send = c.sendCommand;
    return (args) => send.call(client, args);
  }
  throw expectedType(what, 'a node-redis client (sendCommand) or an ioredis client (call)', client);
}

/** Validates a command timeout in ms. */
export function checkTimeout(what: string, v: unknown, dflt: number): number {
  const ms = v ?? dflt;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > 60_000)
    throw expectedRange(what, 'an integer number of ms from 1 to 60000', v);
  return ms;
}

const LOST_EVENTS = ['error', 'end', 'close', 'reconnecting'] as const;

/**
 * One user client with bounded commands. `generation` counts connection losses seen through the
 * client's events, so that an answer that arrived across a reconnect (both libraries queue
 * commands while offline and send them to whatever server answers next) can be told apart.
 */
export class Link {
  generation = 0;
  readonly #raw: Raw;
  readonly #timeout: number;
  readonly #client: RedisClientLike;
  readonly #onLost: () => void;

  constructor(client: RedisClientLike, what: string, timeoutMs: number, onLost: () => void = () => {}) {
    this.#raw = rawOf(client, what);
    this.#client = client;
    this.#timeout = timeoutMs;
    this.#onLost = onLost;
    const on = (client as { on?: On }).on;
    if (typeof on === 'function') for (const ev of LOST_EVENTS) on.call(client, ev, this.#lost);
  }

  readonly #lost = (): void => {
    this.generation++;
    this.#onLost();
  };

  /** Stops listening to the client's events (the client itself stays open: it is the user's). */
  detach(): void {
    const off = (this.#client as { off?: On }).off;
    if (typeof off === 'function') for (const ev of LOST_EVENTS) off.call(this.#client, ev, this.#lost);
  }

  /** Sends one command; rejects with {@link RedisUnavailableError} on failure or after the timeout. */
  send(args: string[]): Promise<unknown> {
    return bounded(() => this.#raw(args), this.#timeout, args[0]!);
  }
}

/** Runs `fn` after the I/O of the current event-loop turn (setImmediate where it exists). */
const afterIo: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** Runs `start()` and settles with it or with a RedisUnavailableError after `ms`, whichever is first. */
export function bounded(start: () => Promise<unknown>, ms: number, what: string): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = Promise.resolve(start());
  } catch (e) {
    return Promise.reject(new RedisUnavailableError(`${what} failed`, { cause: e }));
  }
  return new Promise((resolve, reject) => {
    // When the timer fires late (this process was busy past `ms`), the reply may be waiting in
    // the socket: timers run before I/O in an event-loop turn, so refusing now would turn a busy
    // process into a Redis outage. The refusal waits for that turn's I/O (setImmediate) first.
    const timer = setTimeout(
      () => afterIo(() => reject(new RedisUnavailableError(`${what} timed out after ${ms} ms`))),
      ms,
    );
    pending.then(
      (v) => {
        clearTimeout(timer);
        resolve(text(v));
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(new RedisUnavailableError(`${what} failed`, { cause: e }));
      },
    );
  });
}

/**
 * Subscribes `subscriber` to `channel` with whichever pub/sub API it has. Resolves with an
 * unsubscribe function once Redis confirmed the subscription (both libraries resubscribe by
 * themselves after a reconnect).
 */
export async function subscribe(
  subscriber: RedisClientLike,
  channel: string,
  onMessage: (message: string) => void,
): Promise<() => Promise<void>> {
  const s = subscriber as Partial<IoRedisClientLike & NodeRedisClientLike> & { on?: On; off?: On };
  if (typeof s.subscribe !== 'function')
    throw expectedType('options.subscriber', 'a node-redis or ioredis client with subscribe()', subscriber);
  if (typeof s.call === 'function') {
    const listener = (ch: unknown, message: unknown) => {
      if (text(ch) === channel) onMessage(String(text(message)));
    };
    (s.on as On).call(s, 'message', listener as (...args: unknown[]) => void);
    try {
      await (s.subscribe as (c: string) => Promise<unknown>).call(s, channel);
    } catch (e) {
      s.off?.call(s, 'message', listener as (...args: unknown[]) => void);
      throw e;
    }
    return async () => {
      s.off?.call(s, 'message', listener as (...args: unknown[]) => void);
      await (s.unsubscribe as (c: string) => Promise<unknown>).call(s, channel);
    };
  }
  const listener = (message: unknown) => onMessage(String(text(message)));
  type Sub = (c: string, l: (m: unknown) => void) => Promise<unknown>;
  await (s.subscribe as unknown as Sub).call(s, channel, listener);
  return async () => {
    await (s.unsubscribe as unknown as Sub).call(s, channel, listener);
  };
}
