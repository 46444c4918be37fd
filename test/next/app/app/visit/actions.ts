// app/visit/actions.ts — a Server Action writes the session
'use server';
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../lib/session';

export async function countVisit(): Promise<void> {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  session.visits = (session.visits ?? 0) + 1;
  await session.save();
}
