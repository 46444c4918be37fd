// The one binding of workerd's `cloudflare:workers` module that worker.ts uses.
declare module 'cloudflare:workers' {
  export const env: Record<string, unknown>;
}
