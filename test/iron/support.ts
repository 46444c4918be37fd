// Helpers for the iron tests: a Node-like response that records Set-Cookie, a browser-like jar that
// replays them, and a `cookies()`-style store (Next's App Router shape).
import { parseSetCookie } from 'cookie';
import type { IronCookieOptions } from '../../src/iron/index.js';

export const PASSWORD = 'Gbm49ATjnqnkCCCdhV4uDBhbfnPqsCW0';
export const OTHER_PASSWORD = 'an-other-password-of-32-characters!';

/** What `res.setHeader('set-cookie', …)` received last (iron appends to the existing list). */
export class RecordingResponse {
  headers: Record<string, string | string[]> = {};
  headersSent = false;
  getHeader(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }
  setHeader(name: string, value: string | readonly string[]): this {
    this.headers[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
    return this;
  }
  get setCookies(): string[] {
    const v = this.headers['set-cookie'];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
}

/** Applies Set-Cookie lines to a jar the way a browser does (Max-Age=0 deletes). */
export function apply(lines: readonly string[], jar: Record<string, string> = {}): Record<string, string> {
  const out = { ...jar };
  for (const line of lines) {
    const c = parseSetCookie(line, { decode: (v) => v });
    if (c.maxAge === 0 || c.value === '') delete out[c.name];
    else out[c.name] = c.value ?? '';
  }
  return out;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

export function nodeRequest(jar: Record<string, string> = {}): { headers: { cookie?: string } } {
  const cookie = cookieHeader(jar);
  return { headers: cookie ? { cookie } : {} };
}

export interface StoreCall {
  name: string;
  value: string;
  options: IronCookieOptions;
}

/** A `cookies()` stand-in: request cookies in, `set()` calls recorded (unit level only; test/next runs real Next). */
export class FakeCookieStore {
  readonly calls: StoreCall[] = [];
  constructor(readonly request: Record<string, string> = {}) {}
  get(name: string): { name: string; value: string } | undefined {
    return Object.hasOwn(this.request, name) ? { name, value: this.request[name]! } : undefined;
  }
  getAll(): { name: string; value: string }[] {
    return Object.entries(this.request).map(([name, value]) => ({ name, value }));
  }
  set(name: string, value: string, options: IronCookieOptions = {}): this {
    this.calls.push({ name, value, options });
    return this;
  }
  /** The jar after this response. */
  jar(): Record<string, string> {
    const out = { ...this.request };
    for (const c of this.calls) {
      if (c.options.maxAge === 0 || c.value === '') delete out[c.name];
      else out[c.name] = c.value;
    }
    return out;
  }
}
