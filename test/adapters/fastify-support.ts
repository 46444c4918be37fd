// Helpers shared by the Fastify adapter tests: a cookie jar that behaves like a browser for
// Set-Cookie lines (Max-Age=0 deletes), and an untyped view of request.session for tests that
// store arbitrary fields.
import { parseSetCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import type { Session } from '../../src/fastify/index.js';

export type AnySession = Session<Record<string, unknown>>;

export const sess = (request: FastifyRequest, name = 'session'): AnySession =>
  (request as unknown as Record<string, AnySession>)[name]!;

export function setCookies(headers: Record<string, unknown>): string[] {
  const v = headers['set-cookie'];
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as string[]) : [v as string];
}

export class Jar {
  readonly cookies = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.cookies.set(k, v);
  }

  take(headers: Record<string, unknown>): this {
    for (const line of setCookies(headers)) {
      const c = parseSetCookie(line, { decode: (s) => s });
      if (c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value ?? '');
    }
    return this;
  }

  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  clone(): Jar {
    return new Jar(Object.fromEntries(this.cookies));
  }
}
