// Strategy 3, the naive baseline: a bearer token in sessionStorage, sent by the page itself.
import { readReply, runStrategyPage } from '../lib/harness.js';

const KEY = 'pg.token';

runStrategyPage({
  async login(user, api) {
    const r = await fetch(`${api}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    const reply = await readReply(r);
    const token = (reply.body as { token?: string }).token;
    if (r.ok && token) sessionStorage.setItem(KEY, token);
    return {
      status: reply.status,
      body: { ...(reply.body as object), token: token ? '(stored in sessionStorage)' : undefined },
    };
  },
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    const token = sessionStorage.getItem(KEY);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return readReply(await fetch(url, { ...init, headers }));
  },
  async logout(api) {
    const token = sessionStorage.getItem(KEY);
    if (token) await fetch(`${api}logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    sessionStorage.removeItem(KEY);
  },
  holding: () => (sessionStorage.getItem(KEY) ? 'a token in sessionStorage' : 'nothing'),
});
