// Strategy 4, the naive baseline: a bearer token in a global variable.
import { readReply, runStrategyPage } from '../lib/harness.js';

declare global {
  interface Window {
    sessionToken?: string | undefined;
  }
}

runStrategyPage({
  async login(user, api) {
    const r = await fetch(`${api}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    const reply = await readReply(r);
    const token = (reply.body as { token?: string }).token;
    if (r.ok && token) window.sessionToken = token;
    return {
      status: reply.status,
      body: { ...(reply.body as object), token: token ? '(kept in window.sessionToken)' : undefined },
    };
  },
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (window.sessionToken) headers.set('authorization', `Bearer ${window.sessionToken}`);
    return readReply(await fetch(url, { ...init, headers }));
  },
  async logout(api) {
    if (window.sessionToken) {
      await fetch(`${api}logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${window.sessionToken}` },
      });
    }
    window.sessionToken = undefined;
  },
  holding: () => (window.sessionToken ? 'a token in window.sessionToken' : 'nothing'),
});
