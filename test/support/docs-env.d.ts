// Typings that the docs' examples get from a user's project, not from a package installed here.

// Workers: `env` of `cloudflare:workers` is typed `Cloudflare.Env` by @cloudflare/workers-types, and
// `wrangler types` generates the bindings into it (here: the secret SESSION_KEY of docs/web.md).
declare namespace Cloudflare {
  interface Env {
    SESSION_KEY: string;
  }
}
declare module 'cloudflare:workers' {
  export const env: Cloudflare.Env;
}
