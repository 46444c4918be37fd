// app/api/login/route.ts
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../../lib/session';

export async function POST(request: Request) {
  const { user } = (await request.json()) as { user: string };
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  session.user = user;
  session.visits = 0;
  await session.save();
  return Response.json({ ok: true });
}
