// proxy.ts — Next 16's name for middleware.ts: reads the session and refreshes it
import { type NextRequest, NextResponse } from 'next/server';
import { getIronSession, nextProxyCookies } from 'sealed-session/iron';
import { counters } from './lib/counters';
import { type SessionData, sessionOptions } from './lib/session';

export async function proxy(request: NextRequest) {
  if (request.nextUrl.pathname.startsWith('/api/sealed')) return counters(request);
  const response = NextResponse.next();
  const session = await getIronSession<SessionData>(nextProxyCookies(request, response), sessionOptions);
  if (!session.user) return NextResponse.redirect(new URL('/', request.url));
  session.lastSeen = Date.now(); // the page rendered after this sees the refreshed session
  await session.save();
  return response;
}

export const config = { matcher: ['/dashboard/:path*', '/api/sealed/:path*'] };
