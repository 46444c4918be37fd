// Strategy 2, the naive baseline: a bearer token in localStorage, sent by the page itself.
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
    if (r.ok && token) localStorage.setItem(KEY, token);
    return {
      status: reply.status,
      body: { ...(reply.body as object), token: token ? '(stored in localStorage)' : undefined },
    };
  },
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    const token = localStorage.getItem(KEY);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return readReply(await fetch(url, { ...init, headers }));
  },
  async logout(api) {
    const token = localStorage.getItem(KEY);
    if (token) await fetch(`${api}logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    localStorage.removeItem(KEY);
  },
  holding: () => (localStorage.getItem(KEY) ? 'a token in localStorage' : 'nothing'),
});
