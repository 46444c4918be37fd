// Deno: serves the portable cases and routes (cases.ts) with Deno.serve on a free loopback port and
// prints `{"port":N}` once listening. Started by driver.ts (see there for the permissions).
import { createApp, type RuntimeEnv } from './cases.js';

declare const Deno: {
  version: { deno: string };
  env: { toObject(): Record<string, string> };
  serve(
    o: { hostname: string; port: number; onListen: (addr: { port: number }) => void },
    handler: (r: Request) => Promise<Response>,
  ): unknown;
};

const app = createApp(Deno.env.toObject() as unknown as RuntimeEnv, `deno ${Deno.version.deno}`);
Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) },
  app,
);
