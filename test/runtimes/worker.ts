// workerd: the portable cases and routes (cases.ts) as a module Worker. Bundled by driver.ts with
// esbuild under the conditions wrangler uses (workerd, worker, browser), configured by a generated
// capnp file with the keys as text bindings. `env` comes from `cloudflare:workers` at module scope,
// the pattern docs/web.md shows.
import { env } from 'cloudflare:workers';
import { createApp, type RuntimeEnv } from './cases.js';

const app = createApp(env as unknown as RuntimeEnv, 'workerd');

export default {
  fetch(request: Request): Promise<Response> {
    return app(request);
  },
};
