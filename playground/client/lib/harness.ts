// The part every strategy page shares: the session controls, the server's event log, the
// attacker box, and the automated run the summary page drives. A strategy only says how it
// logs in, sends an authenticated request and logs out.
import { payloads } from '../payloads.js';
import { describeVerdict, redact, runAttack } from './attacker.js';
import { $, h, sleep } from './dom.js';
import type { AttackResults, LabCommand, LabMessage, ProbeVerdict } from './protocol.js';

/** A reply as the page sees it (signed replies are decrypted and verified first). */
export interface Reply {
  status: number;
  body: unknown;
}

export interface Strategy {
  /** Restores whatever survives a reload or arrives from another tab. */
  init?(): Promise<void>;
  login(user: string, api: string): Promise<Reply>;
  /** `url` is an absolute path under /api/<id>/. */
  request(url: string, init?: RequestInit): Promise<Reply>;
  logout(api: string): Promise<void>;
  /** A short, secret-free description of what the page holds right now. */
  holding?(): string;
  /** Extra objects placed on window.app (after init), as reachable as in most real apps. */
  expose?: Record<string, unknown> | (() => Record<string, unknown>);
}

interface MeBody {
  authenticated?: boolean;
  user?: string;
  credential?: string;
  error?: string;
}

const realFetch = window.fetch.bind(window);
const realParse = JSON.parse;

export async function readReply(r: Response): Promise<Reply> {
  const text = await r.text();
  let body: unknown = text;
  try {
    body = realParse(text);
  } catch {}
  return { status: r.status, body };
}

function postToDriver(msg: LabMessage): void {
  const target = window.opener ?? (window.parent !== window ? window.parent : null);
  target?.postMessage(msg, location.origin);
}

export function runStrategyPage(strategy: Strategy): void {
  const id = document.body.dataset.strategy ?? '';
  const api = document.body.dataset.api ?? `/api/${id}/`;
  const abs = (p: string) => (p.startsWith('/') ? p : api + p);

  const status = $('status');
  const lastReply = $('last-reply');
  const user = $('user') as HTMLInputElement;
  const banner = $('mode-banner');

  const setStatus = (text: string, state: 'ok' | 'no' | 'busy' | 'err') => {
    status.textContent = text;
    status.dataset.state = state;
  };
  const showReply = (r: Reply) => {
    lastReply.textContent = `HTTP ${r.status}\n${redact(typeof r.body === 'string' ? r.body : JSON.stringify(r.body, null, 2))}`;
  };

  /** One authenticated request to /me; the server's reply decides, not the page. */
  async function check(via: string): Promise<{ authenticated: boolean; detail: string; credential: string }> {
    const r = await strategy.request(abs(`me?via=${via}`));
    showReply(r);
    const b = (r.body ?? {}) as MeBody;
    const authenticated = r.status === 200 && b.authenticated === true;
    const detail = authenticated
      ? `authenticated as ${b.user} — server received: ${b.credential}`
      : `not authenticated — server received: ${b.credential ?? b.error ?? `HTTP ${r.status}`}`;
    const holding = strategy.holding ? ` · page holds: ${strategy.holding()}` : '';
    setStatus(
      `${authenticated ? 'Logged in' : 'Not logged in'}: ${detail}${holding}`,
      authenticated ? 'ok' : 'no',
    );
    void refreshEvents();
    return { authenticated, detail, credential: b.credential ?? b.error ?? `HTTP ${r.status}` };
  }

  const guard =
    (label: string, fn: () => Promise<void>) =>
    async (e?: Event): Promise<void> => {
      e?.preventDefault();
      setStatus(`${label}…`, 'busy');
      try {
        await fn();
      } catch (err) {
        setStatus(`${label} failed: ${redact((err as Error)?.message ?? String(err))}`, 'err');
      }
    };

  async function doLogin(): Promise<void> {
    if (!user.checkValidity()) throw new Error('user name: 1–40 letters, digits or . _ @ -');
    const r = await strategy.login(user.value, api);
    showReply(r);
    if (r.status !== 200) throw new Error(`login refused (HTTP ${r.status})`);
    await check('after-login');
  }
  async function doLogout(): Promise<void> {
    await strategy.logout(api);
    await check('after-logout');
  }

  $('login-form').addEventListener('submit', guard('Logging in', doLogin));
  $('btn-request').addEventListener(
    'click',
    guard('Requesting', () => check('page').then(() => {})),
  );
  $('btn-reload').addEventListener('click', () => location.reload());
  $('btn-newtab').addEventListener('click', () => {
    window.open(`${location.pathname}#newtab`, '_blank', 'noopener');
  });
  $('btn-logout').addEventListener('click', guard('Logging out', doLogout));

  // --- the attacker box --------------------------------------------------------------------
  const select = $('payload') as HTMLSelectElement;
  const code = $('attacker-code') as HTMLTextAreaElement;
  const help = $('payload-help');
  const out = $('attacker-output');
  const verdictBox = $('verdict');
  for (const p of payloads) select.append(h('option', { value: p.id, text: p.label }));
  const load = () => {
    const p = payloads.find((x) => x.id === select.value) ?? payloads[0]!;
    code.value = p.code;
    help.textContent = p.help;
  };
  select.addEventListener('change', () => {
    help.textContent = payloads.find((x) => x.id === select.value)?.help ?? '';
  });
  $('btn-load').addEventListener('click', load);
  load();

  function showVerdict(v: ProbeVerdict | null, error: string | null) {
    verdictBox.replaceChildren();
    const d = describeVerdict(v);
    const rows: [string, string, string][] = [
      ['readable', 'Credential readable (reached the attacker’s server)?', d.readable],
      ['usable', 'Session usable by the script?', d.usable],
      ['autosent', 'Sent automatically by markup?', d.autoSent],
    ];
    const dl = h('dl');
    for (const [key, label, text] of rows) {
      const word = text.split(' ')[0] ?? '';
      const dd = h('dd', { 'data-verdict': key, 'data-value': word, text });
      dl.append(h('dt', { text: label }), dd);
    }
    verdictBox.append(dl);
    if (error) verdictBox.append(h('p', { class: 'muted', text: `script ended with: ${error}` }));
  }

  async function attack(source: string): Promise<ProbeVerdict | null> {
    out.textContent = '';
    const log = (line: string) => {
      out.textContent += `${line}\n`;
    };
    verdictBox.replaceChildren(h('p', { class: 'muted', text: 'Running…' }));
    const run = await runAttack(source, api, log);
    showVerdict(run.verdict, run.error);
    void refreshEvents();
    return run.verdict;
  }
  $('btn-attack').addEventListener('click', () => void attack(code.value));

  // --- the server's event log --------------------------------------------------------------
  const tbody = ($('events') as HTMLTableElement).tBodies[0]!;
  let since = 0;
  let polling = false;
  async function refreshEvents(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      const r = await realFetch(`/api/events?strategy=${encodeURIComponent(id)}&since=${since}`, {
        cache: 'no-store',
      });
      const data = realParse(await r.text()) as { seq: number; events: Record<string, unknown>[] };
      if (data.events.length) tbody.querySelector('tr.empty')?.remove();
      for (const e of data.events) {
        since = Math.max(since, e.seq as number);
        const ok = e.authenticated === true;
        const time = String(e.time).slice(11, 19);
        const req = `${e.method} ${e.path}${e.via ? ` (${e.via})` : ''}`;
        const result = `${e.status} ${ok ? `authenticated as ${e.user}` : 'not authenticated'}`;
        const tr = h(
          'tr',
          { class: ok ? 'ok' : 'no' },
          h('td', { text: time }),
          h('td', { text: req }),
          h('td', { text: String(e.initiator) }),
          h('td', { text: String(e.credential) }),
          h('td', { text: result }),
        );
        tbody.prepend(tr);
      }
      while (tbody.rows.length > 40) tbody.deleteRow(-1);
    } catch {
    } finally {
      polling = false;
    }
  }
  setInterval(() => {
    if (document.visibilityState === 'visible') void refreshEvents();
  }, 2000);

  // --- automated runs driven by the summary page --------------------------------------------
  async function labStart(runId: string): Promise<void> {
    banner.hidden = false;
    banner.textContent =
      'Automated run in progress, driven by the summary page. Please leave this window open.';
    try {
      await strategy.logout(api);
    } catch {}
    let works = false;
    let worksDetail = '';
    try {
      const r = await strategy.login(user.value, api);
      showReply(r);
      const c = await check('page');
      works = c.authenticated;
      worksDetail = `server received: ${c.credential}`;
    } catch (err) {
      worksDetail = `login failed: ${redact((err as Error).message)}`;
    }
    let attacks: AttackResults | null = null;
    if (works) {
      const verdicts = new Map<string, ProbeVerdict | null>();
      for (const p of payloads) {
        select.value = p.id;
        load();
        verdicts.set(p.id, await attack(p.code));
      }
      const reads = ['read-storage', 'read-globals', 'patch-capture', 'exfiltrate'].map((k) =>
        verdicts.get(k),
      );
      const hit = reads.find((v) => v?.readable);
      const use = verdicts.get('use-credential') ?? null;
      const auto = verdicts.get('csrf') ?? null;
      const readableVia = ['read-storage', 'read-globals', 'patch-capture', 'exfiltrate'].filter(
        (k) => verdicts.get(k)?.readable,
      );
      attacks = {
        readable: Boolean(hit),
        readableDetail: hit
          ? `${describeVerdict(hit).readable.replace(/^yes — /, '')} · found by ${readableVia.join(', ')}`
          : 'nothing the script sent to the attacker’s server was a live credential',
        usable: Boolean(use?.usable),
        usableDetail: describeVerdict(use).usable.replace(/^(yes|no) — /, ''),
        autoSent: Boolean(auto?.autoSent),
        autoSentDetail: describeVerdict(auto).autoSent.replace(/^(yes|no) — /, ''),
      };
      // The capture payload re-logged in through the page's own button; make sure the
      // reload check starts from a logged-in state.
      const again = await check('page');
      if (!again.authenticated) await doLogin();
    }
    postToDriver({ type: 'pg-lab', runId, strategy: id, phase: 'attacked', works, worksDetail, attacks });
    await sleep(300);
    location.hash = `run=${runId}&step=reloaded`;
    location.reload();
  }

  async function labReloaded(runId: string): Promise<void> {
    banner.hidden = false;
    banner.textContent = 'Automated run: this page was just reloaded.';
    const c = await check('reload-check');
    postToDriver({
      type: 'pg-lab',
      runId,
      strategy: id,
      phase: 'reloaded',
      survived: c.authenticated,
      detail: `server received: ${c.credential}`,
    });
    window.addEventListener('message', async (e: MessageEvent<LabCommand>) => {
      if (e.origin !== location.origin || e.source !== window.opener) return;
      if (e.data?.type !== 'pg-cmd' || e.data.runId !== runId || e.data.cmd !== 'logout') return;
      try {
        await strategy.logout(api);
        const after = await check('after-logout');
        postToDriver({
          type: 'pg-lab',
          runId,
          strategy: id,
          phase: 'logged-out',
          ok: !after.authenticated,
          detail: after.detail,
        });
      } catch (err) {
        postToDriver({
          type: 'pg-lab',
          runId,
          strategy: id,
          phase: 'error',
          detail: redact((err as Error).message),
        });
      }
      history.replaceState(null, '', location.pathname + location.search);
    });
  }

  // The page's API helper, as reachable as in most real apps (after init: some strategies only
  // have their client then).
  function exposeApp(): void {
    const appObject = Object.freeze({
      request: (path: string, init?: RequestInit) => strategy.request(abs(path), init),
      ...(typeof strategy.expose === 'function' ? strategy.expose() : strategy.expose),
    });
    Object.defineProperty(window, 'app', { value: appObject, configurable: false, writable: false });
  }

  async function main(): Promise<void> {
    setStatus('Starting…', 'busy');
    try {
      await strategy.init?.();
    } catch (err) {
      setStatus(`Could not start: ${redact((err as Error).message)}`, 'err');
      return;
    } finally {
      exposeApp();
    }
    const hash = new URLSearchParams(location.hash.slice(1));
    const run = hash.get('run');
    const newtabCheck = hash.get('newtab-check');
    if (run && hash.get('step') === 'start') return labStart(run);
    if (run && hash.get('step') === 'reloaded') return labReloaded(run);
    if (newtabCheck) {
      const c = await check('newtab-check');
      postToDriver({
        type: 'pg-lab',
        runId: newtabCheck,
        strategy: id,
        phase: 'newtab',
        reached: c.authenticated,
        detail: `server received: ${c.credential}`,
      });
      return;
    }
    if (hash.has('newtab')) {
      banner.hidden = false;
      banner.textContent = 'This is the new tab. The check below shows whether the session reached it.';
      await check('newtab-check');
      return;
    }
    await check('page-load');
  }
  void main().catch((err) => {
    setStatus(`Error: ${redact((err as Error)?.message ?? String(err))}`, 'err');
    const runId = new URLSearchParams(location.hash.slice(1)).get('run');
    if (runId)
      postToDriver({ type: 'pg-lab', runId, strategy: id, phase: 'error', detail: redact(String(err)) });
  });
}
