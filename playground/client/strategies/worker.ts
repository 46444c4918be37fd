// Strategy 6: sealed-session/worker. The token lives in a service worker, which performs the
// login itself and decorates only the requests the page sends through the client API.
import { registerTokenWorker, WorkerError } from '../../../src/worker/index.ts';
import { readReply, runStrategyPage } from '../lib/harness.js';

type Client = Awaited<ReturnType<typeof registerTokenWorker>>;
let client: Client | null = null;
const abs = (path: string) => new URL(path, location.origin).href;

runStrategyPage({
  async init() {
    client = await registerTokenWorker('/s/worker/sw.js');
  },
  async login(user, api) {
    if (!client) throw new Error('service worker not ready');
    try {
      await client.login(abs(`${api}login`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user }),
      });
      return { status: 200, body: { authenticated: true, user, token: '(kept inside the service worker)' } };
    } catch (err) {
      return { status: 401, body: { error: (err as { code?: string }).code ?? 'login failed' } };
    }
  },
  async request(url, init = {}) {
    const { method, headers, body } = init;
    if (client) {
      try {
        return readReply(
          await client.fetch(abs(url), {
            method: method ?? 'GET',
            headers: headers ?? {},
            body: (body as string | null | undefined) ?? null,
          }),
        );
      } catch (err) {
        // No token in the worker (never logged in, logged out, or the browser restarted it):
        // send the request plainly so the server shows what arrives without one.
        if (!(err instanceof WorkerError && err.code === 'ERR_WORKER_NOT_AUTHENTICATED')) throw err;
      }
    }
    return readReply(await fetch(url, init));
  },
  async logout(api) {
    if (client) {
      try {
        await client.fetch(abs(`${api}logout`), { method: 'POST' });
      } catch (err) {
        if (!(err instanceof WorkerError && err.code === 'ERR_WORKER_NOT_AUTHENTICATED')) throw err;
      }
      await client.logout();
    }
  },
  holding: () => 'nothing (the service worker holds the token, if any)',
  expose: () => ({ worker: client }),
});
