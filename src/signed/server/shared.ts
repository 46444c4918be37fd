// Shared by the `sealed-session/signed/server` adapters: the refusal text, the `secure` reply
// helpers and the option-to-core step. Framework-free.
import { expectedType } from '../../core/errors.js';
import {
  createSignedServer,
  type PeerSession,
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
 * Reply helpers bound to one verified request (`res.secure` / `reply.secure`). The promise never
 * rejects: an error while sealing (a status outside 200..599, say) goes to the framework's error
 * path (Express `next(err)`, a 500 elsewhere), so an async Express 4 handler cannot end the process.
 *
 * @example
 * ```ts
 * app.post('/notes', (req, res) => res.secure.json({ saved: true }, 201));
 * ```
 */
export interface SecureSend<R> {
  /**
   * Signs and encrypts a text or byte body (an object or array is sent as JSON, as Express's
   * `res.send` does). `status` defaults to the response's current status (`res.status(201)`).
   */
  send(body: string | Uint8Array | object, status?: number): Promise<R>;
  /**
   * Signs and encrypts `JSON.stringify(value)` as application/json; `undefined` (nothing to send,
   * e.g. the body of an empty POST) sends an empty signed body.
   */
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

/** How an adapter writes a sealed reply, which status it defaults to, and where errors go. */
export interface ReplierBinding<R> {
  write(sealed: SealedReply): R;
  status(): number;
  error(err: unknown): R;
}

/** `res.secure` / `reply.secure` for one verified request. */
export function secureReplier<R>(verified: VerifiedRequest, bind: ReplierBinding<R>): SecureSend<R> {
  const run = async (status: number | undefined, make: () => [Uint8Array | string, string | undefined]) => {
    try {
      const [body, type] = make();
      return bind.write(await verified.seal(status ?? bind.status(), body, type));
    } catch (err) {
      return bind.error(err);
    }
  };
  return Object.freeze({
    send: (body: string | Uint8Array | object, status?: number) =>
      run(status, () =>
        typeof body === 'string'
          ? [body, undefined]
          : body instanceof Uint8Array
            ? [body, 'application/octet-stream']
            : [jsonBytes(body), 'application/json'],
      ),
    json: (value: unknown, status?: number) =>
      run(status, () => [value === undefined ? '' : jsonBytes(value), 'application/json']),
  });
}

/** The status a reply gets when the handler names none: the response's own, if it is one we can sign. */
export function statusOr200(status: unknown): number {
  return typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599
    ? status
    : 200;
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

/**
 * `req.token` on a verified request: who signed it, as crypto-sessions' `Token` told it.
 *
 * @example
 * ```ts
 * app.get('/me', (req, res) => res.secure.json({ mine: req.token.issuedBy(myKey) }));
 * ```
 */
export interface RequestToken {
  /** The signer's public key (canonical text, as `req.session.peerKey`). */
  readonly pubkey: string;
  /** The request's nonce. */
  readonly nonce: string;
  /** The request's signed creation time (seconds). */
  readonly created: number;
  /** Whether `key` (canonical text) signed this request. */
  issuedBy(key: string): boolean;
}

/** The {@link RequestToken} of a verified peer. */
export function requestToken(session: PeerSession): RequestToken {
  return Object.freeze({
    pubkey: session.peerKey,
    nonce: session.nonce,
    created: session.created,
    issuedBy: (key: string) => key === session.peerKey,
  });
}
