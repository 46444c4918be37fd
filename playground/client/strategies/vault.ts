// Strategy 5: sealed-session/vault. The vault performs the login request itself and keeps the
// token in a closure; the page only ever sees `vault.authenticated`.
import { createVault } from '../../../src/vault/index.ts';
import { readReply, runStrategyPage } from '../lib/harness.js';

const vault = createVault({
  allow: [{ origin: location.origin, pathPrefix: '/api/vault', methods: ['GET', 'POST'] }],
  tokenField: 'token',
  scheme: 'Bearer',
});
const abs = (path: string) => new URL(path, location.origin).href;

runStrategyPage({
  async login(user, api) {
    try {
      await vault.login(abs(`${api}login`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user }),
      });
      return { status: 200, body: { authenticated: true, user, token: '(kept inside the vault)' } };
    } catch (err) {
      return { status: 401, body: { error: (err as { code?: string }).code ?? 'login failed' } };
    }
  },
  async request(url, init = {}) {
    if (!vault.authenticated) return readReply(await fetch(url, init));
    const { method, headers, body } = init;
    return readReply(
      await vault.fetch(abs(url), {
        method: method ?? 'GET',
        headers: headers ?? {},
        body: (body as string | null | undefined) ?? null,
      }),
    );
  },
  async logout(api) {
    if (vault.authenticated) await vault.fetch(abs(`${api}logout`), { method: 'POST' });
    vault.logout();
  },
  holding: () => `vault.authenticated = ${vault.authenticated}`,
  // As reachable as an app's API client usually is: an injected script can walk it.
  expose: { vault },
});
