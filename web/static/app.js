// tutanak's pages: progressive enhancement only; every form works without it.
'use strict';
(function () {
  const csrf = document.body.dataset.csrf;

  // Sheet detail: click the original to zoom to full size and back.
  document.querySelectorAll('.zoom').forEach((fig) => {
    fig.addEventListener('click', () => fig.classList.toggle('zoomed'));
  });

  // Review screen shortcuts: j/k move between fields, 1–4 decide the
  // current one, n goes to its note.
  const fields = Array.from(document.querySelectorAll('.review .field'));
  if (fields.length) {
    let at = Math.max(0, fields.findIndex((f) => !f.classList.contains('decided')));
    const focus = (i) => {
      at = Math.min(Math.max(i, 0), fields.length - 1);
      fields.forEach((f, j) => f.classList.toggle('current', j === at));
      fields[at].focus();
    };
    focus(at);
    document.addEventListener('keydown', (ev) => {
      if (ev.target.matches('input, textarea, select') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const f = fields[at];
      if (ev.key === 'j') focus(at + 1);
      else if (ev.key === 'k') focus(at - 1);
      else if (ev.key === 'n') { ev.preventDefault(); f.querySelector('.note').focus(); }
      else if (/^[1-4]$/.test(ev.key)) {
        const b = f.querySelector('button[data-key="' + ev.key + '"]');
        if (b) { ev.preventDefault(); b.click(); }
      }
    });
  }

  // Box fields: the districts offered are the province's, found as the
  // server finds them (Turkish upper case, with or without the letters' marks).
  const placesJSON = document.getElementById('places');
  if (placesJSON) {
    const places = JSON.parse(placesJSON.textContent);
    const marks = { 'Ç': 'C', 'Ğ': 'G', 'İ': 'I', 'Ö': 'O', 'Ş': 'S', 'Ü': 'U' };
    const fold = (s) => s.trim().replace(/\s+/g, ' ').toLocaleUpperCase('tr-TR').replace(/[ÇĞİÖŞÜ]/g, (c) => marks[c]);
    const list = document.getElementById('districts');
    document.querySelectorAll('input[list=provinces]').forEach((il) => {
      const offer = () => {
        const p = Object.keys(places).find((k) => fold(k) === fold(il.value));
        list.replaceChildren(...(places[p] || []).map((d) => { const o = document.createElement('option'); o.value = d; return o; }));
      };
      il.addEventListener('input', offer);
      offer();
    });
  }

  // Data entry: the form's rules, checked as you type.
  const rulesJSON = document.getElementById('form-rules');
  if (rulesJSON) {
    const rules = JSON.parse(rulesJSON.textContent);
    const form = document.getElementById('entry');
    const list = document.getElementById('rules');
    const check = () => {
      const v = {};
      form.querySelectorAll('[data-field]').forEach((i) => { if (i.value !== '') v[i.dataset.field] = Number(i.value); });
      list.innerHTML = '';
      rules.forEach((r) => {
        let sum = r.const, known = true;
        r.terms.forEach((t) => { if (!(t.Field in v)) known = false; else sum += t.Coef * v[t.Field]; });
        const ok = { '==': sum === 0, '<=': sum <= 0, '>=': sum >= 0, '<': sum < 0, '>': sum > 0 }[r.op];
        const li = document.createElement('li');
        li.textContent = (known ? (ok ? '✓ ' : '✗ ') : '… ') + r.text;
        li.className = known ? (ok ? 'good' : 'bad') : '';
        list.appendChild(li);
      });
    };
    form.addEventListener('input', check);
    check();
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const counts = {};
      form.querySelectorAll('[data-field]').forEach((i) => { if (i.value !== '') counts[i.dataset.field] = Number(i.value); });
      const body = { form: form.dataset.form, il: form.il.value, ilce: form.ilce.value, sandik_no: form.sandik_no.value, counts };
      const res = await fetch('/api/v1/typed', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) });
      const out = await res.json();
      document.getElementById('entry-status').textContent = res.ok ? '✓' : (document.body.dataset.lang === 'en' ? out.error.message_en : out.error.message);
    });
  }

  // Capture: the photo goes into IndexedDB first, then to the server; what
  // the network refused stays there and is sent again when it returns.
  const capture = document.getElementById('capture');
  if (!capture) return;
  const msg = (k) => document.getElementById('msg').content.querySelector('[data-k="' + k + '"]').textContent;
  const status = document.getElementById('capture-status');
  const boxFields = ['il', 'ilce', 'sandik_no'];
  boxFields.forEach((k) => {
    const saved = localStorage.getItem('tutanak.' + k);
    if (saved) {
      capture[k].value = saved;
      capture[k].dispatchEvent(new Event('input')); // the remembered province's districts
    }
  });

  const db = new Promise((resolve, reject) => {
    const req = indexedDB.open('tutanak', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('uploads', { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const store = async (mode, fn) => {
    const d = await db;
    return new Promise((resolve, reject) => {
      const tx = d.transaction('uploads', mode);
      const r = fn(tx.objectStore('uploads'));
      tx.oncomplete = () => resolve(r && r.result);
      tx.onerror = () => reject(tx.error);
    });
  };

  const showPending = async () => {
    const all = await store('readonly', (s) => s.getAll());
    const ul = document.getElementById('pending');
    ul.innerHTML = '';
    if (!all.length) { const li = document.createElement('li'); li.textContent = ul.dataset.empty; ul.appendChild(li); }
    all.forEach((u) => {
      const li = document.createElement('li');
      li.className = 'pending-upload';
      li.textContent = u.il + ' / ' + u.ilce + ' / ' + u.sandik_no + ' — ' + new Date(u.created).toLocaleTimeString();
      ul.appendChild(li);
    });
  };

  const verdict = async (id, li) => {
    for (;;) {
      const res = await fetch('/api/v1/sheets/' + id);
      const s = await res.json();
      if (['verified', 'flagged', 'unreadable'].includes(s.status)) {
        const problems = (s.reasons || []).filter((r) => r.code.startsWith('photo_') || r.code === 'read_failed' || r.code === 'page_not_found')
          .map((r) => (document.body.dataset.lang === 'en' ? r.en : r.tr));
        li.textContent = msg(s.status) + (problems.length ? ' ' + problems.join(' ') : '');
        li.className = s.status === 'unreadable' ? 'retake' : 'ok';
        li.dataset.status = s.status;
        status.textContent = li.textContent;
        status.className = li.className;
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  let sending = false;
  const sendPending = async () => {
    if (sending) return;
    sending = true;
    try {
      const all = await store('readonly', (s) => s.getAll());
      for (const u of all) {
        const fd = new FormData();
        fd.append('form', u.form);
        boxFields.forEach((k) => fd.append(k, u[k]));
        fd.append('image', u.blob, u.name);
        let res;
        try {
          res = await fetch('/api/v1/sheets', { method: 'POST', body: fd, headers: { 'X-CSRF-Token': csrf } });
        } catch (e) {
          status.textContent = msg('offline');
          status.className = '';
          return; // offline: keep it, try again on 'online'
        }
        const out = await res.json();
        const li = document.createElement('li');
        document.getElementById('sent').prepend(li);
        if (!res.ok) {
          li.textContent = msg('error') + ': ' + (document.body.dataset.lang === 'en' ? out.error.message_en : out.error.message);
          li.className = 'retake';
          if (res.status < 500) await store('readwrite', (s) => s.delete(u.id));
          continue;
        }
        await store('readwrite', (s) => s.delete(u.id));
        li.textContent = msg('queued');
        verdict(out.id, li);
      }
    } finally {
      sending = false;
      showPending();
    }
  };

  capture.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = capture.image.files[0];
    if (!file) return;
    const u = { id: Date.now() + '-' + Math.random().toString(16).slice(2), form: capture.dataset.form, name: file.name,
      blob: file, created: Date.now() };
    boxFields.forEach((k) => { u[k] = capture[k].value; localStorage.setItem('tutanak.' + k, capture[k].value); });
    await store('readwrite', (s) => s.put(u));
    capture.image.value = '';
    status.textContent = msg('sending');
    await showPending();
    sendPending();
  });
  window.addEventListener('online', sendPending);
  // Some networks come back without an 'online' event (a captive portal
  // let go, a weak signal): try again now and then as well.
  setInterval(() => { if (navigator.onLine) sendPending(); }, 30000);
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js');
  showPending().then(sendPending);
})();

// Live results: the server sends an event whenever a verdict, a decision or
// an official import changes the totals; the page redraws its section from
// a fresh copy of itself, so the charts stay server-rendered.
(function () {
  const live = document.querySelector('[data-live]');
  if (!live || !('EventSource' in window)) return;
  let first = true;
  const events = new EventSource(live.dataset.live);
  events.addEventListener('results', async () => {
    if (first) { first = false; return; } // the page already shows these
    const resp = await fetch(location.pathname, { credentials: 'same-origin' });
    if (!resp.ok) return;
    const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
    const fresh = doc.querySelector('[data-live]');
    if (fresh) live.innerHTML = fresh.innerHTML;
  });
})();

// Official results: the legal team's CSV goes to the API as it is, with
// the session's CSRF token; the answer (or the API's own bilingual error)
// shows under the form, and the history redraws from a fresh copy of the page.
(function () {
  const form = document.getElementById('official');
  if (!form) return;
  const csrf = document.body.dataset.csrf;
  const en = document.body.dataset.lang === 'en';
  const msg = (k) => document.getElementById('official-msg').content.querySelector('[data-k="' + k + '"]').textContent;
  const out = document.getElementById('official-result');
  const show = (cls, parts) => {
    out.className = cls;
    out.replaceChildren(...parts.map((p) => {
      const el = document.createElement(p.tag || 'p');
      el.textContent = p.text;
      if (p.href) el.href = p.href;
      if (p.cls) el.className = p.cls;
      return el;
    }));
  };
  const refreshHistory = async () => {
    const resp = await fetch(location.pathname + location.search, { credentials: 'same-origin' });
    if (!resp.ok) return;
    const doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
    const fresh = doc.getElementById('official-history');
    if (fresh) document.getElementById('official-history').replaceWith(fresh);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = document.getElementById('official-file').files[0];
    if (!file) return;
    const partial = document.getElementById('official-partial').checked;
    const q = new URLSearchParams({ form: form.dataset.form, source: file.name });
    if (partial) q.set('partial', '1');
    const button = document.getElementById('official-send');
    button.disabled = true;
    show('', [{ text: msg('sending') }]);
    try {
      let resp;
      try {
        resp = await fetch('/api/v1/official?' + q, { method: 'POST', body: file,
          headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': csrf }, credentials: 'same-origin' });
      } catch (e) {
        show('problem', [{ text: msg('offline') }]);
        return;
      }
      let body = null;
      try { body = await resp.json(); } catch (e) { /* not JSON: the status says enough */ }
      if (!resp.ok) {
        const why = body && body.error ? (en ? body.error.message_en : body.error.message) : String(resp.status);
        show('problem', [{ text: msg('error') + ': ' + why, cls: 'official-error' }]);
        return;
      }
      const parts = [
        { text: msg('done') + ' ' + msg('boxes') + ': ' + body.boxes + ' · ' + msg('partial') + ': ' + msg(body.partial ? 'yes' : 'no'), cls: 'official-done' },
        { tag: 'code', text: 'SHA-256 ' + body.sha256, cls: 'official-sha256' },
      ];
      if (body.unknown_places > 0) {
        const sample = (body.unknown_place_sample || []).map((b) => b.il + ' / ' + b.ilce + ' / ' + b.sandik_no).join(', ');
        parts.push({ text: body.unknown_places + ' ' + msg('unknown') + ': ' + sample, cls: 'problem official-unknown' });
      }
      parts.push({ tag: 'a', text: msg('discrepancies'), href: '/discrepancies' });
      show('ok-box', parts);
      form.reset();
      await refreshHistory();
    } finally {
      button.disabled = false;
    }
  });
})();
