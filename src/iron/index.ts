// `sealed-session/iron`: the iron-session 8/9 API (getIronSession, sealData, unsealData, cookie
// jars) on the sealed-session engine. Portable (no `node:` imports); on Node the package's `node`
// export condition loads ./node.ts instead, which adds libsodium when it is installed.
export { CookieTooLargeError, SealedSessionError } from '../core/errors.js';
export type {
  CookieJar,
  CookieStore,
  NextRequestCookies,
  NextResponseCookies,
  NodeRequestLike,
  NodeResponseLike,
} from './jar.js';
export { nextProxyCookies, nodeCookies, webCookies } from './jar.js';
export { IRON_KDF_SALT } from './keys.js';
export type {
  IronCookieOptions,
  IronCookieOptions as CookieOptions,
  IronSessionOptions,
  IronSessionOptions as SessionOptions,
  Password,
  UnsealErrorReason,
} from './options.js';
export { SEAL_DATA_CONTEXT, sealData, unsealData } from './seal.js';
export type { IronSession } from './session.js';
export { getIronSession } from './session.js';
