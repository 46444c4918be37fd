// app/api/logout/route.ts
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../../lib/session';

export async function POST() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  session.destroy();
  return Response.json({ ok: true });
}
