// tutanak's pages: progressive enhancement only; every form works without it.
'use strict';
(function () {
  const csrf = document.body.dataset.csrf;
  const en = document.body.dataset.lang === 'en';
  const say = (tr, english) => (en ? english : tr);
  // A body that is not JSON (a proxy's or a captive portal's page, a
  // connection cut mid-answer) is null, never an exception.
  const readJSON = async (res) => { try { return await res.json(); } catch (e) { return null; } };

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
      // "1.234" is no figure (the page refuses it on saving), not 1.234.
      form.querySelectorAll('[data-field]').forEach((i) => { if (/^[0-9]+$/.test(i.value)) v[i.dataset.field] = Number(i.value); });
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
    const status = document.getElementById('entry-status');
    const show = (text, cls) => { status.textContent = text; status.className = cls || ''; };
    const button = form.querySelector('button[type=submit]');
    // edits counts changes, so that a save answered after the figures were
    // changed again does not say that what is on the screen is saved.
    let edits = 0;
    let saving = false;
    form.addEventListener('input', () => {
      edits++;
      check();
      if (!saving) show('');
    });
    check();
    // Enter goes to the next field, as on a numeric keypad; only the last
    // figure's Enter (or the button) saves the box. Enter in the province
    // and district lists still picks the offered name.
    const inputs = Array.from(form.querySelectorAll('input:not([type=hidden])'));
    inputs.forEach((input, i) => {
      if (i === inputs.length - 1 || input.list) return;
      input.addEventListener('keydown', (ev) => {
        if (ev.key !== 'Enter' || ev.isComposing) return;
        ev.preventDefault();
        inputs[i + 1].focus();
        inputs[i + 1].select();
      });
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      // One save at a time: a second one sent meanwhile could reach the
      // server first and be overwritten by the older figures.
      if (saving) return;
      const counts = {};
      form.querySelectorAll('[data-field]').forEach((i) => { if (i.value !== '') counts[i.dataset.field] = Number(i.value); });
      const body = { form: form.dataset.form, il: form.il.value, ilce: form.ilce.value, sandik_no: form.sandik_no.value, counts };
      const at = edits;
      saving = true;
      button.disabled = true;
      show(say('Kaydediliyor…', 'Saving…'));
      try {
        const res = await fetch('/api/v1/typed', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) });
        const out = await readJSON(res);
        if (res.ok && out) {
          if (edits === at) show(say('✓ Kaydedildi', '✓ Saved'), 'good');
          else show(say('Kaydedildi, ancak sayılar sonradan değişti: yeniden kaydedin.', 'Saved, but the figures were changed since: save again.'), 'bad');
        } else if (out && out.error) {
          show(say(out.error.message, out.error.message_en), 'bad');
        } else {
          show(say(`Kaydedilmedi (sunucu ${res.status} yanıtını verdi): yeniden kaydedin.`, `Not saved (the server answered ${res.status}): save again.`), 'bad');
        }
      } catch (err) {
        show(say('Kaydedilmedi: sunucuya bağlanılamadı. Yeniden kaydedin.', 'Not saved: no connection to the server. Save again.'), 'bad');
      } finally {
        saving = false;
        button.disabled = false;
      }
    });
  }

  // Capture: the photo goes into IndexedDB first, then to the server, and
  // leaves IndexedDB only once the server has it or has said that it can
  // never take it: it may be the only copy, straight from the camera. What
  // the network or the session refused stays and is sent again.
  const capture = document.getElementById('capture');
  if (!capture) return;
  const msg = (k) => document.getElementById('msg').content.querySelector('[data-k="' + k + '"]').textContent;
  const status = document.getElementById('capture-status');
  const pendingList = document.getElementById('pending');
  const show = (text, cls) => { status.textContent = text; status.className = cls || ''; };
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
      // A write refused at commit (QuotaExceededError: a phone out of
      // space) aborts the transaction without an error event.
      tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
    });
  };
  const why = (res, out) => (out && out.error ? say(out.error.message, out.error.message_en) : 'HTTP ' + res.status);

  // notes says, per waiting photo, why it is still waiting; held are those
  // the server refused for a reason that sending them again on this page
  // will not change: they wait, but only a page opened afresh (after the
  // coordinator fixed the account, or a new app.js) sends them again.
  const notes = new Map();
  const held = new Set();
  // stopped is why this page sends no more (a session gone); sending, that
  // a round runs; again, that a photo was taken meanwhile.
  let stopped = null, sending = false, again = false;

  // discard removes a held photo from the phone, once its observer says so:
  // the server refused it for good on this page (a box the account may not
  // file, say), and the photo taken again under the right box is the one
  // that counts. Only the account that took it may: on a shared phone the
  // next observer must not delete another's evidence.
  const discard = async (u) => {
    if (!confirm(say('Bu fotoğraf sunucuya gönderilmedi. Telefondan silinsin mi?', 'This photo was not sent to the server. Remove it from the phone?'))) return;
    await store('readwrite', (s) => s.delete(u.id));
    held.delete(u.id);
    notes.delete(u.id);
    const li = document.createElement('li');
    li.textContent = u.il + ' / ' + u.ilce + ' / ' + u.sandik_no + ': ' + say('Gönderilmeden silindi.', 'Removed without being sent.');
    li.className = 'discarded';
    document.getElementById('sent').prepend(li);
    await showPending();
  };

  const showPending = async () => {
    const all = await store('readonly', (s) => s.getAll());
    pendingList.innerHTML = '';
    if (!all.length) { const li = document.createElement('li'); li.textContent = pendingList.dataset.empty; pendingList.appendChild(li); }
    all.forEach((u) => {
      const li = document.createElement('li');
      li.className = 'pending-upload';
      li.dataset.id = u.id;
      li.textContent = u.il + ' / ' + u.ilce + ' / ' + u.sandik_no + ' — ' + new Date(u.created).toLocaleTimeString() +
        (notes.has(u.id) ? ' — ' + notes.get(u.id) : '');
      if (held.has(u.id) && (!u.user || u.user === capture.dataset.user)) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'discard';
        b.textContent = say('Sil', 'Remove');
        b.addEventListener('click', () => discard(u));
        li.append(' ', b);
      }
      pendingList.appendChild(li);
    });
  };

  // What the upload's refusals (web/upload.go, web/errors.go, review) mean
  // for the photo on the phone. Two kinds remove it:
  // refusedForGood: the photo's own bytes can never be taken, whoever sends
  // them however often; the observer is told why, and to take it again.
  const refusedForGood = new Set([
    'unsupported_type', // 415: not a JPEG or a PNG
    'bad_image', // 400: corrupt, does not decode
    'too_large', // 413, tutanak's own JSON: over its size limit (a proxy's 413 page has no code: kept)
    'too_many_pixels', // 413: over its pixel limit
  ]);
  // alreadyKept: the server holds these very bytes already, as evidence;
  // sending them again cannot change its answer, which says what to do.
  const alreadyKept = new Set([
    'already_received', // 409: sent first from another account
    'box_differs', // 409: sent before under another box; a lawyer re-files it
  ]);
  // Every other refusal keeps the photo:
  //   bad_body (400): the body stopped arriving (a stall longer than the
  //     server's --upload-idle-timeout): the network's fault, sent again;
  //   unauthenticated (401), csrf (403): the session, not the photo;
  //   forbidden (403): this account may not file this box: an account or
  //     a typing problem the coordinator can fix; the photo is fine;
  //   unknown_form, bad_box (400): what the page sent with the photo, not
  //     the photo; a server that lacks a form or a place must not wipe
  //     every phone's queue;
  //   not_multipart, too_many_parts, duplicate_part, unknown_part,
  //     part_too_large, no_image, no_form, bad_typed (400): a request this
  //     page built wrongly (or a proxy mangled): a fixed page sends it;
  //   408, 429, 5xx, any code not named here, and answers that are not
  //     tutanak's JSON (a proxy's 413 or 502 page): not the photo's fault.
  // Kept photos whose answer says every upload would fare the same now:
  // the round stops there rather than send the ones behind it in vain.
  // stopPage also stops the rounds of this page: only logging in again or
  // a reload, which opens the page afresh, can help.
  const stopPage = (res, code) => {
    if (res.status === 401) return say('Oturum sona erdi; yeniden giriş yapın. Fotoğraf telefonda bekliyor, girişten sonra gönderilecek.',
      'Session expired; log in again. The photo is kept on the phone and is sent after you log in.');
    if (code === 'csrf') return say('Oturum doğrulanamadı; sayfayı yenileyin. Fotoğraf telefonda bekliyor, yenileyince gönderilecek.',
      'The session could not be verified; reload the page. The photo is kept on the phone and is sent after the reload.');
    return null;
  };
  const stopRound = (res, out, code) => {
    if (code === 'bad_body' || res.status === 408) return say('Bağlantı çok yavaş ya da kesildi; fotoğraf telefonda bekliyor ve kendiliğinden yeniden gönderilecek.',
      'The connection was too slow or broke off; the photo is kept on the phone and will be sent again by itself.');
    if (res.ok) return msg('offline'); // 2xx without a sheet: a captive portal's page, not tutanak
    if (res.status === 429 || res.status >= 500) return say('Sunucu şu an yanıt veremiyor (' + why(res, out) + '); fotoğraf telefonda bekliyor ve kendiliğinden yeniden gönderilecek.',
      'The server cannot answer now (' + why(res, out) + '); the photo is kept on the phone and will be sent again by itself.');
    return null;
  };

  // verdict polls the sheet until it has one: through network blips and
  // server errors (waiting longer each time), but not past a 4xx, which
  // the same request will get again (another observer's sheet, a session
  // gone): it says so and stops.
  // Each line names its box (the one the server filed the sheet under,
  // once it says): with several sheets sent, "RETAKE" must say which.
  const verdict = async (id, li, box) => {
    let wait = 1000;
    for (;;) {
      let res = null, s = null;
      try {
        res = await fetch('/api/v1/sheets/' + encodeURIComponent(id), { signal: AbortSignal.timeout(2 * stall) });
        s = await readJSON(res);
      } catch (e) { /* offline for a moment: try again */ }
      if (res && res.ok && s && ['verified', 'flagged', 'unreadable'].includes(s.status)) {
        const problems = (s.reasons || []).filter((r) => r.code.startsWith('photo_') || r.code === 'read_failed' || r.code === 'original_missing' || r.code === 'not_processed' || r.code === 'page_not_found')
          .map((r) => (en ? r.en : r.tr));
        const b = s.box || {};
        li.textContent = (b.il && b.ilce && b.sandik_no ? b.il + ' / ' + b.ilce + ' / ' + b.sandik_no + ': ' : box) +
          msg(s.status) + (problems.length ? ' ' + problems.join(' ') : '');
        li.className = s.status === 'unreadable' ? 'retake' : 'ok';
        li.dataset.status = s.status;
        show(li.textContent, li.className);
        return;
      }
      if (res && res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        li.textContent = box + say('Fotoğraf alındı, ancak sonucu burada gösterilemiyor: ', 'The photo was received, but its verdict cannot be shown here: ') + why(res, s) +
          (res.status === 401 ? ' ' + say('Yeniden giriş yapın.', 'Log in again.') : '');
        li.className = 'problem';
        li.dataset.error = (s && s.error && s.error.code) || String(res.status);
        return;
      }
      wait = res && res.ok ? 1000 : Math.min(wait * 2, 30000);
      await new Promise((r) => setTimeout(r, wait));
    }
  };

  // stall is how long an upload may go without a byte leaving the phone or
  // arriving from the server: the server's own --upload-idle-timeout, after
  // which it has given the upload up too. A connection that died under an
  // upload (the phone moved to another network, a congested link dropped
  // it) sends and answers nothing, and the browser would wait for the
  // system's TCP timeout, a quarter of an hour or more, while every photo
  // behind it waits and the page says "Sending…". The answer to a whole
  // body may take longer (the original is stored and synced first): twice
  // as long. An upload given up is sent again; whatever the server kept of
  // it, it answers with the same sheet.
  const stall = Number(capture.dataset.stallMs) || 60000;
  const stalled = new Error('upload stalled');
  // post is fetch for the upload, through XMLHttpRequest: fetch does not
  // show upload progress.
  const post = (body) => new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    let timer = null;
    const arm = (ms) => { clearTimeout(timer); timer = setTimeout(() => { timer = 'fired'; x.abort(); }, ms); };
    x.upload.onprogress = () => arm(stall);
    x.upload.onload = () => arm(2 * stall);
    x.onprogress = () => arm(stall);
    x.onload = () => {
      clearTimeout(timer);
      const empty = [101, 204, 205, 304].includes(x.status);
      resolve(new Response(empty ? null : x.responseText, { status: x.status, headers: { 'Content-Type': x.getResponseHeader('Content-Type') || '' } }));
    };
    x.onerror = () => { clearTimeout(timer); reject(new TypeError('network error')); };
    x.onabort = () => reject(timer === 'fired' ? stalled : new TypeError('aborted'));
    x.open('POST', '/api/v1/sheets');
    x.setRequestHeader('X-CSRF-Token', csrf);
    arm(stall);
    x.send(body);
  });

  // The sheets the server listed as sent whose verdicts are still due
  // (the page was reloaded while they were read).
  document.querySelectorAll('#sent li[data-id]').forEach((li) => {
    if (!['verified', 'flagged', 'unreadable'].includes(li.dataset.status)) verdict(li.dataset.id, li, li.dataset.box);
  });

  // send offers one photo to the server and says what became of it:
  // 'sent', 'gone' (removed: refused for good, or the server has it
  // already), 'held', 'stop' (kept; the round ends) or 'offline'.
  const send = async (u) => {
    const fd = new FormData();
    fd.append('form', u.form);
    boxFields.forEach((k) => fd.append(k, u[k]));
    fd.append('image', u.blob, u.name);
    let res;
    try {
      res = await post(fd);
    } catch (e) {
      if (e === stalled) {
        const note = say('Bağlantı çok yavaş ya da kesildi; fotoğraf telefonda bekliyor ve kendiliğinden yeniden gönderilecek.',
          'The connection was too slow or broke off; the photo is kept on the phone and will be sent again by itself.');
        notes.set(u.id, note);
        show(note, 'problem');
      } else {
        show(msg('offline'));
      }
      return 'offline'; // keep it, try again on 'online' or the next round
    }
    const out = await readJSON(res);
    const code = out && out.error && out.error.code;
    // done takes the photo out of the queue and lists what became of it.
    const done = async (text, cls) => {
      await store('readwrite', (s) => s.delete(u.id));
      notes.delete(u.id);
      const li = document.createElement('li');
      document.getElementById('sent').prepend(li);
      li.textContent = text;
      li.className = cls;
      if (code) {
        li.dataset.error = code;
        show(text, cls);
      }
      return li;
    };
    const box = u.il + ' / ' + u.ilce + ' / ' + u.sandik_no + ': ';
    if (res.ok && out && out.id) {
      // A photo the server had already (its answer was lost) is listed
      // once, where the page loaded it.
      const listed = [...document.querySelectorAll('#sent li[data-id]')].find((li) => li.dataset.id === out.id);
      if (listed) listed.remove();
      const li = await done(box + msg('queued'), '');
      li.dataset.id = out.id;
      verdict(out.id, li, box);
      return 'sent';
    }
    if (!res.ok && refusedForGood.has(code)) {
      await done(box + say('Kabul edilmedi: ', 'Not accepted: ') + why(res, out) + ' ' +
        say('Fotoğraf silindi; yeniden çekin.', 'The photo was removed; take it again.'), 'retake');
      return 'gone';
    }
    if (!res.ok && alreadyKept.has(code)) {
      await done(box + why(res, out), 'problem');
      return 'gone';
    }
    const page = stopPage(res, code);
    if (page) {
      stopped = page;
      notes.set(u.id, page);
      show(page, 'problem');
      return 'stop';
    }
    const round = stopRound(res, out, code);
    if (round) {
      notes.set(u.id, round);
      show(round, 'problem');
      return 'stop';
    }
    held.add(u.id);
    const note = say('Sunucu bu fotoğrafı almadı: ', 'The server did not take this photo: ') + why(res, out) + ' ' +
      say('Fotoğraf telefonda bekliyor; sorumlunuza bildirin.', 'The photo is kept on the phone; tell your coordinator.');
    notes.set(u.id, note);
    show(note, 'problem');
    return 'held';
  };

  // One round at a time; a photo taken during a round goes at its end,
  // unless the round stopped. #pending is aria-busy while a round runs.
  const oneAtATime = (fn) => (navigator.locks ? navigator.locks.request('tutanak-uploads', fn) : fn());
  const sendPending = async () => {
    if (stopped) { show(stopped, 'problem'); return; }
    if (sending) { again = true; return; }
    sending = true;
    pendingList.setAttribute('aria-busy', 'true');
    try {
      // The queue is the browser's, not the tab's: another tab of the
      // page (reopened from the home screen, say) would send the same
      // photos at the same time, each one twice over the congested network.
      // One round at a time in the whole browser; a round that waited for
      // another reads the queue afresh.
      await oneAtATime(async () => {
        round: do {
          again = false;
          const all = await store('readonly', (s) => s.getAll());
          for (const u of all) {
            if (held.has(u.id)) continue;
            if (u.user && u.user !== capture.dataset.user) {
              // Photos queued before this change carry no user and go as before.
              held.add(u.id);
              notes.set(u.id, say('Bu fotoğrafı ' + u.userName + ' çekti; o hesapla giriş yapılınca gönderilecek.',
                'Taken by ' + u.userName + '; it is sent when that account logs in.'));
              continue;
            }
            // A page opened anew sends what waited without a word else.
            if (!status.textContent) show(msg('sending'));
            const r = await send(u);
            if (r === 'offline' || r === 'stop') break round;
          }
        } while (again);
      });
    } finally {
      try {
        await showPending();
      } finally {
        sending = false;
        pendingList.removeAttribute('aria-busy');
      }
    }
  };

  // keeping is true while a photo goes into IndexedDB: a second tap on
  // Gönder meanwhile (a double tap on a slow phone) would keep the same
  // photo twice and send it twice over the congested network.
  const sendButton = document.getElementById('send');
  let keeping = false;
  capture.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = capture.image.files[0];
    if (!file || keeping) return;
    keeping = true;
    sendButton.disabled = true;
    try {
      // Whose photo it is: a phone passed to the next observer at the school
      // must not send it under their account (the custody log names the uploader).
      const u = { id: Date.now() + '-' + Math.random().toString(16).slice(2), form: capture.dataset.form, name: file.name,
        blob: file, created: Date.now(), user: capture.dataset.user, userName: capture.dataset.userName };
      boxFields.forEach((k) => { u[k] = capture[k].value; localStorage.setItem('tutanak.' + k, capture[k].value); });
      await store('readwrite', (s) => s.put(u));
      capture.image.value = '';
    } catch (err) {
      // Not kept (no room left on the phone, storage turned off): it is
      // not sent either, since only a kept photo is sent and retried. The
      // photo stays selected, so Gönder tries again.
      console.error('keep photo:', err);
      show(say('Fotoğraf telefonda saklanamadı (telefonda yer kalmamış olabilir) ve gönderilmedi. Yer açıp yeniden Gönder\'e basın.',
        'The photo could not be kept on the phone (it may be out of space) and was not sent. Free some space and press Send again.'), 'problem');
      return;
    } finally {
      keeping = false;
      sendButton.disabled = false;
    }
    show(msg('sending'));
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
