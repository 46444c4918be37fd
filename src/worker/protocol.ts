// The page <-> worker protocol. Every message carries TAG: 1 and a reply port; anything else the
// worker receives (a token a page tries to post, for instance) is ignored.

/** Request header carrying the one-time `id.secret` nonce; the worker strips it. */
export const MARK = 'x-sealed-session-nonce';
/** Property that tags our messages. */
export const TAG = 'sealedSession';

/** A login request: the worker performs it and keeps the token. */
export interface LoginMsg {
  op: 'login';
  url: string;
  method: string;
  headers: [string, string][];
  body?: string | Blob | ArrayBuffer;
  /** FormData entries (FormData itself cannot be posted). */
  form?: [string, string | Blob][];
  credentials?: RequestCredentials;
}

/** Asks for a nonce bound to this client, this URL and this method. */
export interface NonceMsg {
  op: 'nonce';
  url: string;
  method: string;
}

/** Forgets the token. */
export interface LogoutMsg {
  op: 'logout';
}

/** Any message of the protocol. */
export type Msg = LoginMsg | NonceMsg | LogoutMsg;

/** The worker's answer. */
export type Reply = { ok: true; nonce?: string; url?: string } | { ok: false; code: string };
