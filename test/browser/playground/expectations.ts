// What each strategy promises, as the playground must show it. These are the library's claims
// (and the baselines' known weaknesses), not observations: the tests compare the live verdicts
// against them.
export interface Expectation {
  /** Still authenticated after a reload. */
  reload: boolean;
  /** A newly opened tab of the same site is authenticated. */
  newtab: boolean;
  /** A live credential reaches the attacker's server. */
  readable: boolean;
  /** The injected script gets authenticated requests through (inherent while the page is open). */
  usable: boolean;
  /** Markup-initiated requests (<img>, form post) arrive authenticated. */
  autoSent: boolean;
  /** The canned payload expected to get the credential out, when readable. */
  leakedBy?: 'read-storage' | 'read-globals' | 'patch-capture';
}

export const expected: Record<string, Expectation> = {
  cookie: { reload: true, newtab: true, readable: false, usable: true, autoSent: true },
  localstorage: {
    reload: true,
    newtab: true,
    readable: true,
    usable: true,
    autoSent: false,
    leakedBy: 'read-storage',
  },
  sessionstorage: {
    reload: true,
    newtab: false,
    readable: true,
    usable: true,
    autoSent: false,
    leakedBy: 'read-storage',
  },
  global: {
    reload: false,
    newtab: false,
    readable: true,
    usable: true,
    autoSent: false,
    leakedBy: 'read-globals',
  },
  vault: { reload: false, newtab: false, readable: false, usable: true, autoSent: false },
  worker: { reload: true, newtab: true, readable: false, usable: true, autoSent: false },
  keystore: {
    reload: true,
    newtab: true,
    readable: true,
    usable: true,
    autoSent: false,
    leakedBy: 'patch-capture',
  },
  signed: { reload: true, newtab: true, readable: false, usable: true, autoSent: false },
};
