// HTML of the playground pages. Plain template strings with every dynamic value escaped; the
// pages carry no inline script or style (the CSP forbids them), except that strategy pages allow
// inline scripts on purpose: the attacker box injects <script> elements, like a real XSS would.
import { strategies } from './strategies.mjs';

/** @param {unknown} s */
export function esc(s) {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** @param {{ title: string, current: string, body: string, script?: string, data?: Record<string, string> }} p */
function layout({ title, current, body, script, data = {} }) {
  const nav = [
    ['/', 'Overview', 'home'],
    ...strategies.map((s) => [`/s/${s.id}/`, `${s.n}. ${s.title}`, s.id]),
    ['/summary', 'Summary matrix', 'summary'],
  ]
    .map(
      ([href, label, id]) =>
        `<li><a href="${esc(href)}"${id === current ? ' aria-current="page"' : ''}>${esc(label)}</a></li>`,
    )
    .join('');
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${esc(k)}="${esc(v)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · sealed-session playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/playground.css">
${script ? `<script type="module" src="${esc(script)}"></script>` : ''}
</head>
<body${attrs}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">◆</span> sealed-session <span class="brand-sub">playground</span></a>
  <nav aria-label="Playground pages"><ul>${nav}</ul></nav>
</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="foot"><p>Everything on this page is served by your own machine: no CDN, fonts or analytics. The server is Fastify with sealed-session's own plugins.</p></footer>
</body>
</html>`;
}

/** @param {Map<string, { available: boolean, reason: string }>} availability */
export function indexPage(availability) {
  const cards = strategies
    .map((s) => {
      const a = availability.get(s.id);
      return `<li class="card">
  <h2><a href="/s/${esc(s.id)}/"><span class="num">${s.n}</span> ${esc(s.title)}</a></h2>
  <p>${esc(s.summary)}</p>
  <p class="muted">${s.module ? `Module: <code>${esc(s.module)}</code>` : 'Baseline: no library'}${
    a && !a.available ? ' · <strong class="warn">module not available yet</strong>' : ''
  }</p>
</li>`;
    })
    .join('\n');
  return layout({
    title: 'Overview',
    current: 'home',
    body: `<section class="intro">
  <p class="eyebrow">sealed-session</p>
  <h1>Where should a browser keep a session?</h1>
  <p class="lead">Eight ways to keep a session credential in a browser, side by side. Each page has the same
  controls — log in, make an authenticated request, reload, open a new tab, log out — and an
  <strong>attacker box</strong> that runs a script inside the page, as a cross-site-scripting attack would.
  The server shows what it received with every request, so you can see which credential arrived and whether it verified.</p>
  <p><a class="button primary" href="/summary">Open the summary matrix</a> <span class="muted">— filled in live by running every attack against every strategy.</span></p>
  <p><a class="button" href="/multi/">Many instances: log out everywhere</a> <span class="muted">— a logout on this server refused by a second server process (sealed-session/redis).</span></p>
</section>
<ul class="cards">
${cards}
</ul>`,
  });
}

/**
 * @param {import('./strategies.mjs').StrategyInfo} s
 * @param {{ available: boolean, reason: string }} a
 */
export function strategyPage(s, a) {
  const disabled = a.available ? '' : ' disabled';
  const unavailable = a.available
    ? ''
    : `<div class="notice warn" role="alert" id="unavailable"><strong>Module not available yet.</strong>
  <code>${esc(s.module)}</code> is not part of this build yet, so this page cannot show it. Nothing on this page is simulated: the controls stay disabled until the module lands.
  <details><summary>Why</summary><p class="muted">${esc(a.reason)}</p></details></div>`;
  return layout({
    title: `${s.n}. ${s.title}`,
    current: s.id,
    script: a.available ? `/assets/s-${s.id}.js` : undefined,
    data: { strategy: s.id, available: String(a.available), api: `/api/${s.id}/` },
    body: `<section class="intro">
  <p class="eyebrow">Strategy ${s.n} of ${strategies.length}${s.module ? ` · <code>${esc(s.module)}</code>` : ' · baseline'}</p>
  <h1>${esc(s.title)}</h1>
  <p class="lead">${esc(s.summary)}</p>
  <p class="promise"><strong>What to expect:</strong> ${esc(s.promise)}</p>
  <p id="mode-banner" class="notice info" hidden></p>
</section>
${unavailable}
<div class="grid">
  <section class="panel" aria-labelledby="h-session">
    <h2 id="h-session">Your session</h2>
    <form id="login-form" class="controls">
      <div class="field">
        <label for="user">User name</label>
        <input id="user" name="user" value="alice" autocomplete="username" required maxlength="40" pattern="[A-Za-z0-9_.@\\-]{1,40}"${disabled}>
      </div>
      <div class="buttons" role="group" aria-label="Session actions">
        <button id="btn-login" type="submit" class="primary"${disabled}>Log in</button>
        <button id="btn-request" type="button"${disabled}>Authenticated request</button>
        <button id="btn-reload" type="button"${disabled}>Reload page</button>
        <button id="btn-newtab" type="button"${disabled}>Open in a new tab</button>
        <button id="btn-logout" type="button"${disabled}>Log out</button>
      </div>
    </form>
    <p id="status" class="status" role="status" aria-live="polite">${a.available ? 'Loading…' : 'Unavailable.'}</p>
    <h3>Last reply from the server</h3>
    <pre id="last-reply" class="reply" tabindex="0" aria-label="Last reply from the server">—</pre>
  </section>
  <section class="panel" aria-labelledby="h-server">
    <h2 id="h-server">What the server received</h2>
    <p class="muted">Every request to <code>/api/${esc(s.id)}/</code>, newest first: who initiated it, which credential came with it, and whether the server could verify it. The credential itself is never shown.</p>
    <div class="table-wrap events-wrap" tabindex="0" role="region" aria-labelledby="h-server">
      <table id="events">
        <thead><tr><th scope="col">Time</th><th scope="col">Request</th><th scope="col">Initiator</th><th scope="col">Credential received</th><th scope="col">Result</th></tr></thead>
        <tbody><tr class="empty"><td colspan="5">No request yet.</td></tr></tbody>
      </table>
    </div>
  </section>
</div>
<section class="panel attacker" aria-labelledby="h-attacker">
  <h2 id="h-attacker"><span class="badge danger">Attacker</span> Script injected into this page</h2>
  <p>Whatever runs from this box is <strong>the attacker</strong>: it is inserted into this page as a
  <code>&lt;script&gt;</code> element, after the page's own code loaded, exactly as an XSS injection would be.
  It sees what any script in this page sees. Its helpers: <code>attacker.log(…)</code>,
  <code>attacker.exfiltrate(data)</code> (sends data to the attacker's server at <code>/attacker/collect</code>, which tries
  every credential it finds from outside the browser), <code>attacker.url(path, via)</code>, <code>attacker.wait(ms)</code>;
  the page's own API helper is <code>window.app.request(path, init)</code>, as reachable as in most real apps.</p>
  <div class="controls">
    <div class="field">
      <label for="payload">Canned payload</label>
      <select id="payload"${disabled}></select>
    </div>
    <div class="buttons">
      <button id="btn-load" type="button"${disabled}>Load into the editor</button>
    </div>
  </div>
  <p id="payload-help" class="muted"></p>
  <div class="field">
    <label for="attacker-code">Attacker script (runs in this page)</label>
    <textarea id="attacker-code" rows="12" spellcheck="false" autocapitalize="off" autocomplete="off"${disabled}></textarea>
  </div>
  <div class="buttons">
    <button id="btn-attack" type="button" class="danger"${disabled}>Run as attacker</button>
  </div>
  <div class="grid two">
    <div>
      <h3 id="h-attacker-view">What the attacker's script saw</h3>
      <pre id="attacker-output" class="reply" tabindex="0" aria-labelledby="h-attacker-view" aria-live="polite">—</pre>
    </div>
    <div>
      <h3 id="h-verdict">Verdict (from the server's records)</h3>
      <div id="verdict" class="verdict" aria-labelledby="h-verdict" aria-live="polite"><p class="muted">Run a payload to see what it achieved.</p></div>
    </div>
  </div>
</section>`,
  });
}

/** @param {Map<string, { available: boolean, reason: string }>} availability */
export function summaryPage(availability) {
  const cols = [
    ['works', 'Log in + request', 'Does the strategy work at all in this build?'],
    ['reload', 'Survives reload?', 'After a reload, is the next request still authenticated?'],
    ['newtab', 'Reaches a new tab?', 'Is a freshly opened tab of the same site authenticated?'],
    ['readable', 'Readable by an attacker script?', 'Did a live credential reach the attacker’s server?'],
    ['usable', 'Usable by an attacker script?', 'Could the injected script make authenticated requests?'],
    [
      'autosent',
      'Sent automatically (CSRF exposure)?',
      'Did an <img> or a form post, with no page code involved, arrive authenticated?',
    ],
  ];
  const head = cols
    .map(
      ([id, label, help]) =>
        `<th scope="col" id="col-${id}"><span>${esc(label)}</span><small>${esc(help)}</small></th>`,
    )
    .join('');
  const rows = strategies
    .map((s) => {
      const a = availability.get(s.id);
      const cells = cols
        .map(
          ([id]) =>
            `<td data-col="${id}" headers="col-${id} row-${esc(s.id)}" class="cell ${a?.available ? 'pending' : 'na'}">${
              a?.available
                ? '<span class="v">not run</span>'
                : '<span class="v">module not available yet</span>'
            }</td>`,
        )
        .join('');
      return `<tr data-strategy="${esc(s.id)}" data-available="${a?.available ? 'true' : 'false'}"><th scope="row" id="row-${esc(s.id)}"><a href="/s/${esc(s.id)}/"><span class="num">${s.n}</span> ${esc(s.title)}</a>${
        s.module ? `<small><code>${esc(s.module)}</code></small>` : '<small>baseline</small>'
      }</th>${cells}</tr>`;
    })
    .join('\n');
  return layout({
    title: 'Summary matrix',
    current: 'summary',
    script: '/assets/summary.js',
    body: `<section class="intro">
  <p class="eyebrow">Summary</p>
  <h1>What each strategy survives — and what it leaks</h1>
  <p class="lead">Every cell below is filled in <strong>live</strong>: a lab window opens each strategy page, logs in,
  runs the canned attacker payloads, reloads, and a fresh tab checks whether the session reached it.
  Verdicts come from the server's own records (what it received, and what reached the attacker's endpoint), not from the page.</p>
  <div class="buttons">
    <button id="btn-run" type="button" class="primary">Run every check</button>
    <span id="run-status" class="status" role="status" aria-live="polite">Not run yet. The run opens a small lab window (allow pop-ups for this page) and takes about a minute.</span>
  </div>
</section>
<section class="panel" aria-labelledby="h-matrix">
  <h2 id="h-matrix">Matrix</h2>
  <div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-matrix">
    <table id="matrix" class="matrix">
      <thead><tr><th scope="col">Strategy</th>${head}</tr></thead>
      <tbody>
${rows}
      </tbody>
    </table>
  </div>
  <ul class="legend" aria-label="Legend">
    <li><span class="cell good">good</span> what you want from a session store</li>
    <li><span class="cell bad">bad</span> the attacker gets the credential itself, or markup sends it for them</li>
    <li><span class="cell meh">inherent</span> a script in the page can use the session while the page is open — no browser storage prevents that</li>
    <li><span class="cell neutral">trade-off</span> convenience you may or may not want</li>
  </ul>
</section>
<section class="panel" aria-labelledby="h-how">
  <h2 id="h-how">How to read it</h2>
  <ul>
    <li><strong>Readable</strong> is the column that matters most: "yes" means a script injected into the page got the credential out, and the attacker's server could use it later, from anywhere, after the victim closed the tab.</li>
    <li><strong>Usable</strong> is "yes" for every strategy that works: while the page is open, an injected script can make the page's own authenticated requests. The cell says whether that went further (a stolen token replayed off-site).</li>
    <li><strong>Sent automatically</strong> is the CSRF exposure: a cookie rides along with requests made by markup. SameSite=Lax keeps it off cross-site posts, but not off same-site ones.</li>
  </ul>
</section>
<div id="newtab-frames" class="sr-only" aria-hidden="true"></div>`,
  });
}

/** @param {string} message */
export function notFoundPage(message) {
  return layout({
    title: 'Not found',
    current: '',
    body: `<section class="intro"><h1>Not found</h1><p>${esc(message)}</p><p><a href="/">Back to the overview</a></p></section>`,
  });
}
