// Strategy 1: the session lives in an HttpOnly cookie sealed by sealed-session/fastify. The page
// never touches a credential: the browser attaches the cookie to requests under /api/cookie.
import { readReply, runStrategyPage } from '../lib/harness.js';

runStrategyPage({
  async login(user, api) {
    return readReply(
      await fetch(`${api}login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user }),
      }),
    );
  },
  async request(url, init = {}) {
    return readReply(await fetch(url, { ...init, credentials: 'same-origin' }));
  },
  async logout(api) {
    await fetch(`${api}logout`, { method: 'POST' });
  },
  holding: () => 'nothing (the browser keeps an HttpOnly cookie)',
});
