// Strategy 7: sealed-session/keystore keeps the token in memory and carries it over a reload
// through sealed shares; sealed-session/tabs hands it to a new tab over BroadcastChannel.
import { SessionKeystore } from '../../../src/keystore/index.ts';
import { TabSession } from '../../../src/tabs/index.ts';
import { readReply, runStrategyPage } from '../lib/harness.js';

const TTL_MS = 30 * 60_000;
const store = new SessionKeystore<'token'>({ name: 'playground' });
const tabs = new TabSession({ store, fields: ['token'], channel: 'playground', timeout: 800 });

runStrategyPage({
  async init() {
    if (!store.has('token')) await tabs.request();
  },
  async login(user, api) {
    const r = await fetch(`${api}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    const reply = await readReply(r);
    const token = (reply.body as { token?: string }).token;
    if (r.ok && token) {
      store.set('token', token, Date.now() + TTL_MS);
      tabs.login();
    }
    return {
      status: reply.status,
      body: { ...(reply.body as object), token: token ? '(kept in the keystore)' : undefined },
    };
  },
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    const token = store.get('token');
    if (token) headers.set('authorization', `Bearer ${token}`);
    return readReply(await fetch(url, { ...init, headers }));
  },
  async logout(api) {
    const token = store.get('token');
    if (token) await fetch(`${api}logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    tabs.logout();
    store.delete('token');
  },
  holding: () => (store.has('token') ? 'a token in the keystore (memory)' : 'nothing'),
});
