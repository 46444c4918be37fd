// Shared by the `sealed-session/signed/server` adapters: the refusal text, the `secure` reply
// helpers and the option-to-core step. Framework-free.
import { expectedType } from '../../core/errors.js';
import {
  createSignedServer,
  type SealedReply,
  type SignedServer,
  type SignedServerOptions,
  type VerifiedRequest,
} from '../core.js';

/**
 * The fixed body of every refusal.
 *
 * @example
 * ```ts
 * expect(await (await fetch(url)).text()).toBe(UNAUTHORIZED_MESSAGE);
 * ```
 */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized';

/**
 * Reply helpers bound to one verified request (`res.secure` / `reply.secure`).
 *
 * @example
 * ```ts
 * app.post('/notes', (req, res) => res.secure.json({ saved: true }, 201));
 * ```
 */
export interface SecureSend<R> {
  /** Signs and encrypts a text or byte body. */
  send(body: string | Uint8Array, status?: number): Promise<R>;
  /** Signs and encrypts `JSON.stringify(value)` as application/json. */
  json(value: unknown, status?: number): Promise<R>;
}

/** The verification core of an adapter: a ready core, or one built from options. */
export function toCore(server: SignedServer | SignedServerOptions): SignedServer {
  return typeof (server as SignedServer).verify === 'function'
    ? (server as SignedServer)
    : createSignedServer(server as SignedServerOptions);
}

/** `JSON.stringify(value)`, refusing what has no JSON form. */
export function jsonBytes(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) throw expectedType('value', 'a JSON-serializable value', value);
  return s;
}

/** `res.secure` / `reply.secure` for one verified request; `write` hands the sealed reply to the framework. */

/** `res.secure` / `reply.secure` for one verified request; `write` hands the sealed reply to the framework. */
export function secureReplier<R>(
  verified: VerifiedRequest,
  write: (sealed: SealedReply) => R,
): SecureSend<R> {
  return Object.freeze({
    send: async (body: string | Uint8Array, status = 200) =>
      write(
        await verified.seal(status, body, typeof body === 'string' ? undefined : 'application/octet-stream'),
      ),
    json: async (value: unknown, status = 200) =>
      write(await verified.seal(status, jsonBytes(value), 'application/json')),
  });
}

/** A node-style header reader (several lines joined with ", "). */
export function headerOf(
  headers: Record<string, string | string[] | undefined>,
): (n: string) => string | undefined {
  return (n) => {
    const v = headers[n];
    return Array.isArray(v) ? v.join(', ') : v;
  };
}
