// Type-level check against Next 16's real cookie types (compiled by `tsc -p tsconfig.test.json`):
// `sessions.load(request.cookies)` in proxy.ts was a type error (RequestCookies has no 3-argument
// set); `getIronSession` takes `await cookies()`, `request.cookies` and `nextProxyCookies(...)`.
import type { cookies } from 'next/headers.js';
import type { NextRequest } from 'next/server.js';
import { NextResponse } from 'next/server.js';
import { getIronSession, nextProxyCookies } from '../../src/iron/index.js';
import { nextSessions } from '../../src/web/index.js';

const sessions = nextSessions({ key: undefined });
const options = { password: 'x'.repeat(32), cookieName: 'y' };

export async function proxy(request: NextRequest, store: Awaited<ReturnType<typeof cookies>>) {
  const response = NextResponse.next();
  const s = await sessions.load(request.cookies);
  sessions.commit(s, response.cookies);
  sessions.commit(await sessions.load(store));
  await getIronSession(store, options);
  await getIronSession(nextProxyCookies(request, response), options);
  return response;
}
