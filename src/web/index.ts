// `sealed-session/web`: sealed cookie sessions on Web-standard `Request`/`Response` (Workers, Deno,
// Bun, Node fetch servers), a Hono middleware and a Next.js App Router helper. No `node:` imports.
export type { TokenInvalidReason } from '../core/errors.js';
export { CookieTooLargeError, SealedSessionError } from '../core/errors.js';
export type { Keyring } from '../core/keyring.js';
export { createKeyring } from '../core/keyring.js';
export { generateKey } from '../core/keys.js';
export type { CookieOptions } from '../session/cookie-options.js';
export type { CookieSource, DebugLog, SessionOptions } from '../session/engine.js';
export type { RevocationStore } from '../session/revocation.js';
export { MemoryRevocationStore } from '../session/revocation.js';
export type { SessionData } from '../session/session.js';
export { Session } from '../session/session.js';
export type { SessionVariables } from './hono.js';
export { honoSession } from './hono.js';
export type { NextCookieAttributes, NextCookieReader, NextCookieStore, NextSessionOptions } from './next.js';
export { NextSessions, nextSessions } from './next.js';
export type { WebCookieSource } from './sessions.js';
export { createSessions, WebSessions } from './sessions.js';
