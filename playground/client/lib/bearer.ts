// The naive baselines (strategies 2-4): a bearer token kept where page scripts can reach it, sent
// by the page itself. They differ only in where the token lives.
import { readReply, runStrategyPage } from './harness.js';

/** Where a baseline keeps its token. */
export interface TokenSlot {
  /** Shown to the visitor, e.g. `localStorage`. */
  where: string;
  get(): string | null | undefined;
  set(token: string): void;
  remove(): void;
}

export function runBearerBaseline(slot: TokenSlot): void {
  runStrategyPage({
    async login(user, api) {
      const r = await fetch(`${api}login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user }),
      });
      const reply = await readReply(r);
      const token = (reply.body as { token?: string }).token;
      if (r.ok && token) slot.set(token);
      return {
        status: reply.status,
        body: { ...(reply.body as object), token: token ? `(kept in ${slot.where})` : undefined },
      };
    },
    async request(url, init = {}) {
      const headers = new Headers(init.headers);
      const token = slot.get();
      if (token) headers.set('authorization', `Bearer ${token}`);
      return readReply(await fetch(url, { ...init, headers }));
    },
    async logout(api) {
      const token = slot.get();
      if (token)
        await fetch(`${api}logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      slot.remove();
    },
    holding: () => (slot.get() ? `a token in ${slot.where}` : 'nothing'),
  });
}
