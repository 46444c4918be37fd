// `sealed-session`: the runtime-agnostic core. No `node:` imports here (see index.node.ts).

export type { TokenInvalidReason } from './core/errors.js';
export {
  CookieTooLargeError,
  describe,
  RandomSourceError,
  SealedSessionError,
  TokenExpiredError,
  TokenInvalidError,
} from './core/errors.js';
export { type DeriveOptions, deriveKeyring } from './core/kdf.js';
export { createKeyring, Keyring } from './core/keyring.js';
export type { KeyInput } from './core/keys.js';
export { generateKey } from './core/keys.js';
export type { Opened, OpenOptions, SealOptions, TokenTimes } from './core/token.js';
export { open, seal, TOKEN_VERSION } from './core/token.js';
export type { CookieOptions } from './session/cookie-options.js';
export type { CookieSource, DebugLog, SessionOptions } from './session/engine.js';
export { COOKIE_BYTES, SessionEngine } from './session/engine.js';
export type {
  MemoryRevocationOptions,
  RevocationCheck,
  RevocationStore,
} from './session/revocation.js';
export { MemoryRevocationStore } from './session/revocation.js';
export type { SessionData } from './session/session.js';
export { Session } from './session/session.js';
