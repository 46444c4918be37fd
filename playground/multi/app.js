// The script of /multi/: log in on instance A, ask A and B who you are, log out everywhere on A
// and watch B refuse the same cookie. Every answer shown comes from a server.
const $ = (id) => document.getElementById(id);
const log = (text) => {
  const li = document.createElement('li');
  li.textContent = `${new Date().toISOString().slice(11, 23)}  ${text}`;
  $('log').prepend(li);
};
const json = async (path, init) => {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  return { status: res.status, body: await res.json() };
};
const show = (which, r) => {
  const who = r.body.user === null ? 'no session (refused or absent)' : `signed in as ${r.body.user}`;
  $(`who-${which}`).textContent = who;
  $(`who-${which}`).dataset.user = r.body.user ?? '';
  log(`instance ${r.body.instance} (pid ${r.body.pid}, view ${r.body.view}): ${who}`);
};
const ask = async (which) => show(which, await json(`/multi/whoami?at=${which}`));

$('btn-login').addEventListener('click', async () => {
  const user = $('user').value.trim() || 'alice';
  const r = await json('/multi/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  log(r.status === 200 ? `instance A: logged in as ${user}` : `login refused (${r.status})`);
  await ask('a');
  await ask('b');
});
$('btn-a').addEventListener('click', () => ask('a'));
$('btn-b').addEventListener('click', () => ask('b'));
$('btn-everywhere').addEventListener('click', async () => {
  const r = await json('/multi/logout-everywhere', { method: 'POST' });
  if (r.status !== 200) return log(`log out everywhere refused (${r.status}): ${r.body.error ?? ''}`);
  const t0 = performance.now();
  log(`instance A: revokeAll("${r.body.user}") done; your cookie is kept, to show it is refused`);
  // Ask B (one request after another, at most 5 s) until it refuses the same cookie.
  for (;;) {
    const b = await json('/multi/whoami?at=b');
    if (b.body.user === null || performance.now() - t0 > 5000) {
      const ms = Math.round(performance.now() - t0);
      show('b', b);
      $('reach').textContent =
        b.body.user === null
          ? `Instance B refused the session ${ms} ms after A's revokeAll returned.`
          : 'B still accepts it after 5 s!';
      $('reach').dataset.ms = String(ms);
      break;
    }
  }
  await ask('a');
});
