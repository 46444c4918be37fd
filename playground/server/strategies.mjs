// The eight strategies the playground compares. Shared by the server (routes, pages) and passed
// to each page as data attributes; the browser code has its own copy of the behaviour.

/**
 * @typedef {object} StrategyInfo
 * @property {string} id          URL segment: /s/<id>/ and /api/<id>/
 * @property {number} n           position in the list
 * @property {string} title       short name
 * @property {'cookie'|'bearer'|'signed'} credential  what the server expects on /api/<id>/*
 * @property {string|null} module the sealed-session module the page demonstrates (null = baseline)
 * @property {string} summary     one sentence: how the credential is kept
 * @property {string} promise     what the design promises, in the visitor's words
 */

/** @type {readonly StrategyInfo[]} */
export const strategies = Object.freeze([
  {
    id: 'cookie',
    n: 1,
    title: 'HttpOnly sealed cookie',
    credential: 'cookie',
    module: 'sealed-session/fastify',
    summary:
      'The server keeps the session in an encrypted, HttpOnly cookie (sealed-session/fastify). Page scripts never see it; the browser attaches it to every request to /api/cookie/.',
    promise:
      'Not readable by page scripts; survives reloads and reaches new tabs; but the browser sends it on its own, so an injected script (and markup) can use it. SameSite=Lax limits cross-site use.',
  },
  {
    id: 'localstorage',
    n: 2,
    title: 'localStorage',
    credential: 'bearer',
    module: null,
    summary: 'A bearer token kept in localStorage and sent in an Authorization header by the page.',
    promise: 'Naive baseline: survives everything, and any script in the page can read it and send it away.',
  },
  {
    id: 'sessionstorage',
    n: 3,
    title: 'sessionStorage',
    credential: 'bearer',
    module: null,
    summary:
      'A bearer token kept in sessionStorage (per tab) and sent in an Authorization header by the page.',
    promise: 'Naive baseline: survives a reload but not a new tab; any script in the page can read it.',
  },
  {
    id: 'global',
    n: 4,
    title: 'Global variable',
    credential: 'bearer',
    module: null,
    summary: 'A bearer token kept in a global variable (window.sessionToken).',
    promise: 'Naive baseline: gone on reload, absent from new tabs, readable by any script in the page.',
  },
  {
    id: 'vault',
    n: 5,
    title: 'Closure token vault',
    credential: 'bearer',
    module: 'sealed-session/vault',
    summary:
      'sealed-session/vault performs the login request itself and keeps the token in a closure; its fetch attaches it only to allowlisted requests.',
    promise:
      'No page script can read the token, even by patching fetch, Headers or JSON after the vault loaded. A script can still use vault.fetch while the page is open (THREATS 26). Memory only: gone on reload.',
  },
  {
    id: 'worker',
    n: 6,
    title: 'Service-worker token holder',
    credential: 'bearer',
    module: 'sealed-session/worker',
    summary:
      'sealed-session/worker keeps the token inside a service worker, which decorates only the requests the page marks through its client API.',
    promise:
      'No page script can read the token; markup (<img>, forms) never gets it; it outlives reloads while the worker runs. A script can still ask the worker to send requests.',
  },
  {
    id: 'keystore',
    n: 7,
    title: 'Keystore + tab handover',
    credential: 'bearer',
    module: 'sealed-session/keystore',
    summary:
      'sealed-session/keystore keeps the token in memory and survives a reload through sealed shares; sealed-session/tabs hands it to a new tab over BroadcastChannel.',
    promise:
      'Nothing readable at rest (no cleartext on disk), survives reload, reaches new tabs; the page still handles the token in cleartext when it calls the API, so an injected script can catch it.',
  },
  {
    id: 'signed',
    n: 8,
    title: 'Signed requests, non-extractable key',
    credential: 'signed',
    module: 'sealed-session/signed',
    summary:
      'The browser holds a non-extractable private key and signs every request (RFC 9421); the server verifies with sealed-session/signed/server and signs and encrypts its replies.',
    promise:
      'There is no token to steal: the key cannot be exported, and a captured request cannot be replayed. A script in the page can still ask the key to sign while the page is open.',
  },
]);

/** @param {string} id */
export function strategyById(id) {
  return strategies.find((s) => s.id === id);
}
