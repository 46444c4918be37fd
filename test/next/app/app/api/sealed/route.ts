// app/api/sealed/route.ts — sealed-session/web's nextSessions in a Route Handler
import { cookies } from 'next/headers';
import { sessions } from '../../../lib/counters';

export async function POST() {
  const session = await sessions.load(await cookies());
  session.set('n', (session.get('n') ?? 0) + 1);
  sessions.commit(session);
  return Response.json({ n: session.get('n') });
}
