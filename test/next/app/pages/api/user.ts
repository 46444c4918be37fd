// pages/api/user.ts — the Pages Router: getIronSession(req, res)
import type { NextApiRequest, NextApiResponse } from 'next';
import { getIronSession } from 'sealed-session/iron';
import { type SessionData, sessionOptions } from '../../lib/session';

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const session = await getIronSession<SessionData>(req, res, sessionOptions);
  if (req.method === 'POST') {
    session.user = 'pages-user';
    await session.save();
  }
  res.status(200).json({ user: session.user ?? null });
}
