// Bun: serves the portable cases and routes (cases.ts) with Bun.serve on a free loopback port and
// prints `{"port":N}` once listening. Started by driver.ts: `bun test/runtimes/serve.bun.ts`.
import { createApp, type RuntimeEnv } from './cases.js';

declare const Bun: {
  version: string;
  env: Record<string, string | undefined>;
  serve(o: { hostname: string; port: number; fetch: (r: Request) => Promise<Response> }): { port: number };
};

const app = createApp(Bun.env as unknown as RuntimeEnv, `bun ${Bun.version}`);
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app });
console.log(JSON.stringify({ port: server.port }));
