/**
 * The simulator's phone: one self-contained page (no build step, no external assets) so a
 * developer or a demo can text the school as a parent. It only talks to /sim/api.
 */
export const PHONE_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FamilyLine simulator phone</title>
<style>
  :root { --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --in:#e7ecf0; --out:#0b5cad; --err:#b42318; font-family: system-ui, sans-serif; }
  * { box-sizing: border-box; }
  body { margin:0; color:var(--fg); background:var(--bg); }
  main { max-width: 34rem; margin: 0 auto; padding: 1rem; display:flex; flex-direction:column; gap:.75rem; min-height:100vh; }
  h1 { font-size:1.2rem; margin:.25rem 0; }
  form { display:flex; gap:.5rem; flex-wrap:wrap; align-items:flex-end; }
  label { display:flex; flex-direction:column; font-size:.85rem; color:var(--muted); gap:.2rem; flex:1 1 10rem; }
  input, textarea, button { font:inherit; padding:.5rem .6rem; border:1px solid #8c959f; border-radius:.4rem; color:var(--fg); background:#fff; }
  textarea { resize:vertical; min-height:3rem; }
  button { background:var(--out); color:#fff; border-color:var(--out); cursor:pointer; flex:0 0 auto; }
  button:focus-visible, input:focus-visible, textarea:focus-visible { outline:3px solid #f59e0b; outline-offset:1px; }
  #phones { display:flex; gap:.4rem; flex-wrap:wrap; list-style:none; padding:0; margin:0; }
  #phones button { background:#fff; color:var(--out); padding:.25rem .5rem; font-size:.85rem; text-align:left; }
  #phones .who { display:block; font-size:.75rem; color:var(--muted); }
  #phones button[aria-current="true"] .who { color:#fff; }
  #phones-hint { margin:0; font-size:.85rem; color:var(--muted); }
  #phones button[aria-current="true"] { background:var(--out); color:#fff; }
  #thread { list-style:none; margin:0; padding:.5rem; flex:1; display:flex; flex-direction:column; gap:.5rem; background:#fff; border:1px solid #d0d7de; border-radius:.6rem; min-height:12rem; overflow-y:auto; max-height:60vh; }
  #thread li { max-width:85%; padding:.5rem .7rem; border-radius:.8rem; white-space:pre-wrap; overflow-wrap:anywhere; }
  #thread li.in { align-self:flex-start; background:var(--in); }
  #thread li.out { align-self:flex-end; background:var(--out); color:#fff; }
  #thread .meta { display:block; font-size:.75rem; opacity:.8; margin-top:.25rem; }
  #thread li.bad .meta { font-weight:bold; }
  #thread li.in.bad .meta { color:var(--err); }
  #empty { color:var(--muted); }
  #notice { min-height:1.2em; color:var(--err); margin:0; }
</style>
</head>
<body>
<main>
  <h1>Simulator phone</h1>
  <form id="pick" aria-label="Choose a phone">
    <label>This phone's number <input id="phone" name="phone" type="tel" list="known" placeholder="+15555550123" autocomplete="off" required></label>
    <datalist id="known"></datalist>
    <button type="submit">Open</button>
  </form>
  <p id="phones-hint" hidden>Or pick a parent's phone:</p>
  <ul id="phones" aria-label="Parents' phones"></ul>
  <h2 id="thread-title" style="font-size:1rem;margin:0">No phone open</h2>
  <ol id="thread" role="log" aria-live="polite" aria-labelledby="thread-title"></ol>
  <p id="notice" role="alert"></p>
  <form id="compose" aria-label="Send a text from this phone">
    <label>To (school number) <input id="to" name="to" type="tel" placeholder="+15555550100" autocomplete="off"></label>
    <label style="flex-basis:100%">Message <textarea id="body" name="body" rows="2" required></textarea></label>
    <button type="submit">Send text</button>
  </form>
</main>
<script>
(() => {
  const base = location.pathname.replace(/\\/+$/, '');
  const $ = (id) => document.getElementById(id);
  const E164 = /^\\+[1-9]\\d{6,14}$/;
  let current = decodeURIComponent(location.hash.slice(1)) || '';
  let toTouched = false;
  const rendered = new Map();
  // Each listed parent's school number, to text back to; the list is redrawn only when it changes,
  // so a keyboard user's focus is not lost to the 1.5 s refresh.
  let serviceFor = new Map();
  let listKey = '';

  const api = async (path, init) => {
    const res = await fetch(base + '/api' + path, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error?.message || ('HTTP ' + res.status));
    return data;
  };
  const notice = (text) => { $('notice').textContent = text || ''; };

  function open(phone) {
    phone = phone.trim();
    if (!E164.test(phone)) return notice('Type the number in E.164 form, like +15555550123.');
    notice('');
    current = phone;
    $('phone').value = phone;
    if (!toTouched && serviceFor.get(phone)) $('to').value = serviceFor.get(phone);
    history.replaceState(null, '', '#' + encodeURIComponent(phone));
    $('thread').replaceChildren();
    rendered.clear();
    $('thread-title').textContent = 'Texts on ' + phone;
    refresh();
  }

  function meta(m) {
    const when = new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const who = m.direction === 'inbound' ? 'you → ' + m.to : 'from ' + m.from;
    return who + ' · ' + when + ' · ' + m.status + (m.errorCode ? ' (error ' + m.errorCode + ')' : '');
  }

  function renderThread(items) {
    if (!items.length && !rendered.size) {
      $('thread').replaceChildren(Object.assign(document.createElement('li'), { id: 'empty', textContent: 'No texts yet.' }));
      return;
    }
    $('empty')?.remove();
    for (const m of items) {
      let li = rendered.get(m.sid);
      if (!li) {
        li = document.createElement('li');
        li.className = m.direction === 'inbound' ? 'out' : 'in';
        li.dataset.sid = m.sid;
        li.append(document.createTextNode(m.body), Object.assign(document.createElement('span'), { className: 'meta' }));
        $('thread').append(li);
        rendered.set(m.sid, li);
        li.scrollIntoView({ block: 'nearest' });
      }
      li.classList.toggle('bad', ['failed', 'undelivered'].includes(m.status));
      li.dataset.status = m.status;
      const text = meta(m);
      const span = li.querySelector('.meta');
      if (span.textContent !== text) span.textContent = text;
    }
  }

  async function refresh() {
    try {
      const { items, known = [], serviceNumbers } = await api('/phones');
      serviceFor = new Map(known.filter((p) => p.serviceNumber).map((p) => [p.phone, p.serviceNumber]));
      const listed = new Set(known.map((p) => p.phone));
      const entries = [...known, ...items.filter((p) => !listed.has(p.phone)).slice(0, 12).map((p) => ({ phone: p.phone, label: '' }))];
      const key = JSON.stringify([current, entries]);
      if (key !== listKey) {
        listKey = key;
        $('known').replaceChildren(...entries.map((p) => Object.assign(document.createElement('option'), { value: p.phone, label: p.label })));
        $('phones-hint').hidden = !entries.length;
        $('phones').replaceChildren(...entries.map((p) => {
          const b = Object.assign(document.createElement('button'), { type: 'button', textContent: p.phone });
          if (p.label) b.append(Object.assign(document.createElement('span'), { className: 'who', textContent: p.label }));
          b.setAttribute('aria-current', String(p.phone === current));
          b.onclick = () => open(p.phone);
          const li = document.createElement('li');
          li.append(b);
          return li;
        }));
      }
      if (!toTouched && serviceNumbers[0] && !$('to').value) $('to').value = serviceNumbers[0];
      if (current) renderThread((await api('/messages?phone=' + encodeURIComponent(current))).items);
    } catch (err) {
      notice('Could not reach the simulator: ' + err.message);
    }
  }

  $('pick').addEventListener('submit', (e) => { e.preventDefault(); open($('phone').value); });
  $('to').addEventListener('input', () => { toTouched = true; });
  $('body').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('compose').requestSubmit(); }
  });
  $('compose').addEventListener('submit', async (e) => {
    e.preventDefault();
    // A number typed above but not yet opened is the phone the user means.
    if ($('phone').value.trim() && $('phone').value.trim() !== current && E164.test($('phone').value.trim())) open($('phone').value);
    if (!current) return notice('Choose this phone first: pick a parent above or type its number.');
    const to = $('to').value.trim();
    const body = $('body').value;
    if (!to) return notice("Type the school's number in To, like +15555550100.");
    if (!E164.test(to)) return notice('The school number must be in E.164 form, like +15555550100.');
    if (!body.trim()) return;
    try {
      await api('/inbound', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: current, to, body }) });
      $('body').value = '';
      notice('');
    } catch (err) {
      notice('Not delivered to the service: ' + err.message);
    }
    refresh();
  });

  if (current) open(current); else refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 1500);
})();
</script>
</body>
</html>
`;
