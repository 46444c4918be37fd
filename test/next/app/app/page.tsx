// app/page.tsx — a Server Component reads the session (Server Components cannot write cookies)
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../lib/session';

export default async function Home() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  return <p id="user">{session.user ? `Signed in as ${session.user}` : 'Signed out'}</p>;
}
