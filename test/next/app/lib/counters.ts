// lib/counters.ts — sealed-session/web's own Next helper: built at module scope (as `next build`
// evaluates it, without SESSION_KEY), read from `request.cookies` in proxy.ts as Next types it.
import { type NextRequest, NextResponse } from 'next/server';
import { nextSessions } from 'sealed-session/web';

export const sessions = nextSessions<{ n: number }>({ key: process.env.SESSION_KEY });

export async function counters(request: NextRequest) {
  const session = await sessions.load(request.cookies);
  const response = NextResponse.next();
  response.headers.set('x-counter', String(session.get('n') ?? 0));
  return response;
}
