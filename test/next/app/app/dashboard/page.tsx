// app/dashboard/page.tsx — behind proxy.ts
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../lib/session';

export default async function Dashboard() {
  const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
  return <p id="dashboard">{`${session.user} seen at ${session.lastSeen}`}</p>;
}
