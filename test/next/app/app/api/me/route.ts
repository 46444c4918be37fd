// app/api/me/route.ts
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../../lib/session';

export async function GET() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  return Response.json({
    user: session.user ?? null,
    visits: session.visits ?? 0,
    lastSeen: session.lastSeen ?? null,
  });
}
