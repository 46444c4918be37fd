// The summary page: fills the matrix live. A lab window (a real top-level tab: reload and tab
// semantics differ inside frames) opens each strategy page, logs in, runs every canned payload
// and reloads; a frame in this tab — a different tab from the lab's — then checks whether the
// session reached a new tab. Verdicts come from the server's records, via the strategy pages.
import { $, h } from './lib/dom.js';
import type { LabMessage } from './lib/protocol.js';
import { randomId } from './lib/protocol.js';

type Tone = 'good' | 'bad' | 'meh' | 'neutral' | 'na' | 'running' | 'error';

const table = $('matrix') as HTMLTableElement;
const runStatus = $('run-status');
const runButton = $('btn-run') as HTMLButtonElement;
const frames = $('newtab-frames');

const queue: LabMessage[] = [];
let wake: (() => void) | null = null;
window.addEventListener('message', (e: MessageEvent<LabMessage>) => {
  if (e.origin !== location.origin || e.data?.type !== 'pg-lab') return;
  queue.push(e.data);
  wake?.();
});

async function waitFor(
  runId: string,
  strategy: string,
  phase: LabMessage['phase'],
  ms: number,
): Promise<LabMessage> {
  const deadline = Date.now() + ms;
  for (;;) {
    const i = queue.findIndex(
      (m) => m.runId === runId && m.strategy === strategy && (m.phase === phase || m.phase === 'error'),
    );
    if (i >= 0) {
      const m = queue.splice(i, 1)[0]!;
      if (m.phase === 'error') throw new Error(m.detail);
      return m;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for "${phase}"`);
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, Math.min(left, 500));
    });
  }
}

function cell(strategy: string, col: string): HTMLTableCellElement {
  return table.querySelector(`tr[data-strategy="${strategy}"] td[data-col="${col}"]`) as HTMLTableCellElement;
}

function fill(strategy: string, col: string, value: string, tone: Tone, detail = ''): void {
  const td = cell(strategy, col);
  td.className = `cell ${tone}`;
  td.dataset.value = value;
  td.replaceChildren(h('span', { class: 'v', text: value }));
  if (detail) td.append(h('small', { class: 'd', text: detail }));
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

async function runOne(lab: Window, runId: string, s: string, first: boolean): Promise<void> {
  for (const col of ['works', 'reload', 'newtab', 'readable', 'usable', 'autosent'])
    fill(s, col, 'running…', 'running');
  const url = `/s/${s}/?lab=${runId}#run=${runId}&step=start`;
  if (!first) lab.location.href = url;
  const a = await waitFor(runId, s, 'attacked', 120_000);
  if (a.phase !== 'attacked') return;
  fill(s, 'works', yesNo(a.works), a.works ? 'good' : 'bad', a.worksDetail);
  if (a.attacks) {
    fill(
      s,
      'readable',
      yesNo(a.attacks.readable),
      a.attacks.readable ? 'bad' : 'good',
      a.attacks.readableDetail,
    );
    fill(s, 'usable', yesNo(a.attacks.usable), a.attacks.usable ? 'meh' : 'good', a.attacks.usableDetail);
    fill(
      s,
      'autosent',
      yesNo(a.attacks.autoSent),
      a.attacks.autoSent ? 'bad' : 'good',
      a.attacks.autoSentDetail,
    );
  } else {
    for (const col of ['readable', 'usable', 'autosent']) fill(s, col, 'n/a', 'na', 'login did not work');
  }
  const r = await waitFor(runId, s, 'reloaded', 60_000);
  if (r.phase === 'reloaded') fill(s, 'reload', yesNo(r.survived), 'neutral', r.detail);

  const frame = h('iframe', {
    src: `/s/${s}/#newtab-check=${runId}`,
    title: `new-tab check for ${s}`,
    tabindex: '-1',
  });
  frames.append(frame);
  try {
    const n = await waitFor(runId, s, 'newtab', 60_000);
    if (n.phase === 'newtab') fill(s, 'newtab', yesNo(n.reached), 'neutral', n.detail);
  } finally {
    frame.remove();
  }
  lab.postMessage({ type: 'pg-cmd', runId, cmd: 'logout' }, location.origin);
  await waitFor(runId, s, 'logged-out', 30_000);
}

async function runAll(): Promise<void> {
  const rows = [...table.querySelectorAll<HTMLTableRowElement>('tbody tr[data-available="true"]')];
  const ids = rows.map((r) => r.dataset.strategy!).filter(Boolean);
  if (ids.length === 0) return;
  // The new-tab checks run in frames of this tab: start them from a clean sessionStorage.
  sessionStorage.clear();
  const runId = randomId();
  // Unnamed on purpose: a window's name is page state (the keystore keeps its share there).
  const lab = window.open(
    `/s/${ids[0]}/?lab=${runId}#run=${runId}&step=start`,
    '_blank',
    'popup,width=1000,height=800',
  );
  if (!lab) {
    runStatus.textContent = 'The lab window was blocked: allow pop-ups for this page and run again.';
    return;
  }
  runButton.disabled = true;
  document.body.dataset.run = 'running';
  let failures = 0;
  try {
    for (const [i, s] of ids.entries()) {
      runStatus.textContent = `Running ${i + 1} of ${ids.length}: ${s}…`;
      try {
        await runOne(lab, runId, s, i === 0);
      } catch (err) {
        failures++;
        for (const col of ['works', 'reload', 'newtab', 'readable', 'usable', 'autosent']) {
          if (cell(s, col).classList.contains('running'))
            fill(s, col, 'error', 'error', (err as Error).message);
        }
      }
    }
  } finally {
    lab.close();
    runButton.disabled = false;
    document.body.dataset.run = failures ? 'failed' : 'done';
    runStatus.textContent = failures
      ? `Done, with ${failures} strateg${failures === 1 ? 'y' : 'ies'} that could not be checked.`
      : `Done at ${new Date().toLocaleTimeString()}. Every cell above comes from this run.`;
  }
}

runButton.addEventListener('click', () => void runAll());
if (new URLSearchParams(location.search).has('autorun')) void runAll();
