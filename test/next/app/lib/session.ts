// lib/session.ts
import type { SessionOptions } from 'sealed-session/iron';

export interface SessionData {
  user?: string;
  visits?: number;
  lastSeen?: number;
  big?: string;
}

export const sessionOptions: SessionOptions = {
  password: process.env.SESSION_PASSWORD as string, // at least 32 characters
  cookieName: 'app_session',
};
