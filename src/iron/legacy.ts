// Reading existing iron-session cookies (the `Fe26.2*…` format of @hapi/iron, with iron-session's
// `~2` suffix) so that nobody is logged out by the switch. Not re-implemented: `iron-webcrypto`
// (an optional dependency, the library iron-session itself uses) opens them, loaded on the first
// such cookie only. We never write this format: the next save() re-issues the session in ours.
import type { IronConfig, UnsealErrorReason } from './options.js';

/** The prefix of every iron seal. */
const IRON_PREFIX = 'Fe26.2*';

interface IronWebcrypto {
  unseal(sealed: string, password: Record<string, string>, options: unknown): Promise<unknown>;
  defaults: Record<string, unknown>;
}

let loading: Promise<IronWebcrypto | null> | undefined;

function ironWebcrypto(): Promise<IronWebcrypto | null> {
  // A static specifier, so that bundlers (Next's) ship it; it is installed with this package
  // (optionalDependencies) unless optional packages are omitted, and then iron cookies do not open.
  loading ??= import('iron-webcrypto').then(
    (m) => m as unknown as IronWebcrypto,
    () => null,
  );
  return loading;
}

/** @internal true for a value in iron's format (worth handing to {@link openIron}). */
export function isIronSeal(value: string): boolean {
  return value.startsWith(IRON_PREFIX);
}

/** @internal what an attempt to open an iron seal gives. */
export type IronResult =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; reason: UnsealErrorReason; error: Error };

function classify(err: unknown): UnsealErrorReason {
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('Expired seal')) return 'expired';
  if (message.startsWith('Cannot find password')) return 'unknown-password';
  return 'invalid';
}

/**
 * @internal opens an iron seal with the iron passwords, as iron-session 8 does: a seal with the
 * `~2` marker holds the data itself; one without it (next-iron-session) holds it under `persistent`.
 * Never throws; the error it reports names a reason, never the cookie.
 */
export async function openIron(
  seal: string,
  config: Pick<IronConfig, 'passwords' | 'ttl'>,
): Promise<IronResult> {
  const iron = await ironWebcrypto();
  if (!iron) {
    return {
      ok: false,
      reason: 'invalid',
      error: new Error(
        'sealed-session/iron: an iron-session cookie needs the optional dependency iron-webcrypto',
      ),
    };
  }
  const tilde = seal.indexOf('~');
  const body = tilde === -1 ? seal : seal.slice(0, tilde);
  const version = tilde === -1 ? null : Number.parseInt(seal.slice(tilde + 1), 10);
  const passwords: Record<string, string> = {};
  for (const [id, pw] of config.passwords) passwords[id] = pw;
  try {
    const value = await iron.unseal(body, passwords, { ...iron.defaults, ttl: config.ttl * 1000 });
    const data = version === 2 ? value : (value as { persistent?: unknown } | null)?.persistent;
    if (data === undefined || data === null) return { ok: true, data: {} };
    if (typeof data !== 'object' || Array.isArray(data)) {
      return {
        ok: false,
        reason: 'invalid',
        error: new Error('sealed-session/iron: the seal holds no object'),
      };
    }
    return { ok: true, data: { ...(data as Record<string, unknown>) } };
  } catch (err) {
    const reason = classify(err);
    return { ok: false, reason, error: new Error(`sealed-session/iron: iron seal refused (${reason})`) };
  }
}
