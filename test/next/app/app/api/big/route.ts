// app/api/big/route.ts — a session larger than one cookie: `chunk: true`
import { cookies } from 'next/headers';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../../lib/session';

const options = { ...sessionOptions, chunk: true };

export async function POST(request: Request) {
  const { size } = (await request.json()) as { size: number };
  const session = await getIronSession<SessionData>(await cookies(), options);
  session.big = 'x'.repeat(size);
  await session.save();
  return Response.json({ ok: true });
}

export async function GET() {
  const session = await getIronSession<SessionData>(await cookies(), options);
  return Response.json({ size: session.big?.length ?? 0 });
}
