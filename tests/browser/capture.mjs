// The capture page on a bad network, in Debian's Chromium: a photo leaves
// the phone's IndexedDB only once the server has it or has said it can
// never take it, and a sheet's verdict is shown through network blips.
// web/browser_test.go (TestCaptureBrowser) starts the real server with two
// observers, gözlemci (every province) and gözlemci-ankara (Ankara), and
// runs this with BASE_URL, PHOTO_A … PHOTO_H (distinct PNG pages) and
// NOT_PHOTO (text named .jpg).
// The real server answers everything but what it cannot be made to answer
// on cue: a stalled upload (its 400 bad_body), a proxy's HTML 502 and a
// lost verdict request, which page.route makes up. Its 401s are real: the
// session cookie is removed.
// Every wait is for an event or an element, never for time.
import { env, launch } from './launch.mjs';

const base = env('BASE_URL');

const { browser, close } = await launch({
  viewport: { width: 390, height: 844 },
  // page.route sees every request only without a service worker between.
  serviceWorkers: 'block',
});
browser.setDefaultTimeout(60_000); // bounds a hang; the test reader is fast

const step = (name) => console.log(`step: ${name}`);
const check = (ok, what) => { if (!ok) throw new Error(what); };

async function login(page, name, password) {
  await page.goto(base + '/login');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/capture'), page.click('button[type=submit]')]);
}

try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => { console.log(`pageerror: ${e.message}`); errors.push(e.message); });

  // Uploads: each one's box number, in the order the page sent them, and
  // how the next is answered: 'stall' (the server's 400 when the body stops
  // arriving), 'proxy' (a proxy's HTML 502) or 'server' (tutanak itself).
  const uploads = [];
  let answer = 'server';
  await page.route((u) => u.pathname === '/api/v1/sheets', async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.fallback();
    const m = /name="sandik_no"\r\n\r\n([^\r]*)\r\n/.exec(req.postDataBuffer().toString('latin1'));
    uploads.push(m ? m[1] : '?');
    if (answer === 'stall') {
      return route.fulfill({ status: 400, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'bad_body', message: 'İstek okunamadı.', message_en: 'The request could not be read.' } }) });
    }
    if (answer === 'proxy') {
      return route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>' });
    }
    return route.continue();
  });
  // The first request for each sheet's verdict is lost on the way; with
  // expireAtVerdict the session ends then too (its cookie is gone), so the
  // next one gets the real server's 401.
  const blipped = new Set();
  let expireAtVerdict = false;
  await page.route((u) => u.pathname.startsWith('/api/v1/sheets/sh_'), async (route) => {
    const id = new URL(route.request().url()).pathname.split('/').pop();
    if (!blipped.has(id)) {
      blipped.add(id);
      if (expireAtVerdict) {
        await browser.clearCookies({ name: 'tutanak_session' });
        expireAtVerdict = false;
      }
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });

  // What the page keeps in IndexedDB: the box numbers of the waiting photos.
  const queued = () => page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tutanak', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('uploads').objectStore('uploads').getAll();
      all.onsuccess = () => { open.result.close(); resolve(all.result.map((u) => u.sandik_no).sort()); };
      all.onerror = () => reject(all.error);
    };
  }));
  const expectQueued = async (want, when) => {
    const got = await queued();
    check(JSON.stringify(got) === JSON.stringify(want), `${when}: IndexedDB holds ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const upload = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sheets' && r.request().method() === 'POST');
  // A round of sending is over when #pending is no longer busy; it is busy
  // from the moment one starts (before its first request).
  const roundOver = () => page.locator('#pending:not([aria-busy])').waitFor({ state: 'attached' });
  // send runs one round, started by what start does, and returns the
  // status of the upload answer awaited.
  const send = async (start) => {
    const answered = upload();
    await start();
    const r = await answered;
    await roundOver();
    return r.status();
  };
  const shoot = async (file) => send(async () => {
    await page.setInputFiles('#photo', file);
    await page.click('#send');
  });
  const online = () => send(() => page.evaluate(() => window.dispatchEvent(new Event('online'))));
  const statusHas = async (text, when) => {
    const got = await page.textContent('#capture-status');
    check(got.includes(text), `${when}: status ${JSON.stringify(got)}, want it to say ${JSON.stringify(text)}`);
  };
  const box = async (il, ilce, no) => {
    await page.fill('#il', il);
    await page.fill('#ilce', ilce);
    await page.fill('#sandik_no', no);
  };

  step('a photo is sent, and its verdict shows though its first verdict request was lost');
  await login(page, 'gözlemci', 'gözlemci parola');
  await box('İzmir', 'Gaziemir', '1631');
  check(await shoot(env('PHOTO_A')) === 201, 'the first photo was not created');
  await page.locator('#sent li[data-status]').waitFor();
  // With several sheets sent, a verdict ("RETAKE" above all) must say
  // which box it is about: the box the server filed the sheet under.
  const first = await page.textContent('#sent li[data-status]');
  check(first.startsWith('İZMİR / GAZİEMİR / 1631: '), `the verdict line says ${JSON.stringify(first)}, want it to name its box`);
  await statusHas('İZMİR / GAZİEMİR / 1631: ', 'after the first verdict');
  check(blipped.size === 1, `verdict requests lost: ${blipped.size}, want 1`);
  await expectQueued([], 'after the first photo');

  step('a double tap on Gönder keeps the photo once and sends it once');
  await box('İzmir', 'Gaziemir', '1635');
  await page.setInputFiles('#photo', env('PHOTO_F'));
  const tapped = upload();
  await page.evaluate(() => { const b = document.getElementById('send'); b.click(); b.click(); });
  check((await tapped).status() === 201, 'the double-tapped photo was not created');
  await roundOver();
  await page.locator('#sent li[data-status]', { hasText: '1635' }).waitFor();
  check(uploads.filter((n) => n === '1635').length === 1, `uploads ${uploads}: the double-tapped photo was sent more than once`);
  check(await page.locator('#sent li', { hasText: '1635' }).count() === 1, 'the double-tapped photo is listed as sent more than once');
  await expectQueued([], 'after the double tap');

  step('two tabs of the page send a waiting photo once between them');
  const other = await browser.newPage();
  await other.goto(base + '/capture');
  let posted = 0;
  const countPosts = (r) => { if (new URL(r.url()).pathname === '/api/v1/sheets' && r.method() === 'POST') posted++; };
  await browser.setOffline(true);
  await box('İzmir', 'Gaziemir', '1637');
  await page.setInputFiles('#photo', env('PHOTO_H'));
  await page.click('#send');
  await page.locator('#capture-status', { hasText: 'Bağlantı yok' }).waitFor();
  await roundOver();
  await expectQueued(['1637'], 'after a photo taken offline');
  // Back online, Chromium tells both tabs ('online'); they are told again.
  const uploadsOffline = uploads.length;
  browser.on('request', countPosts);
  const sentOnce = browser.waitForEvent('response', (r) => new URL(r.url()).pathname === '/api/v1/sheets' &&
    r.request().method() === 'POST' && r.ok());
  await browser.setOffline(false);
  await Promise.all([page, other].map((p) => p.evaluate(() => window.dispatchEvent(new Event('online')))));
  await sentOnce;
  await Promise.all([page, other].map((p) => p.locator('#pending:not([aria-busy])').waitFor({ state: 'attached' })));
  check(posted === 1, `the waiting photo was sent ${posted} times from two tabs, want once`);
  await expectQueued([], 'after two tabs sent the waiting photo');
  browser.off('request', countPosts);
  const sentHere = uploads.slice(uploadsOffline).includes('1637');
  await other.close();

  step('a phone out of space cannot keep a photo: the page says it was neither kept nor sent, and Gönder tries again');
  // As Chromium refuses a write over the quota: the put succeeds, then the
  // transaction aborts at commit, with no error event. (The quota itself,
  // overridden through CDP, is not applied reliably to an open database.)
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      IDBObjectStore.prototype.put = put;
      const req = put.apply(this, args);
      req.addEventListener('success', () => this.transaction.abort());
      return req;
    };
  });
  await box('İzmir', 'Gaziemir', '1636');
  await page.setInputFiles('#photo', env('PHOTO_G'));
  await page.click('#send');
  await page.locator('#capture-status', { hasText: 'saklanamadı' }).waitFor();
  await statusHas('gönderilmedi', 'after a photo that could not be kept');
  check(!uploads.includes('1636'), `uploads ${uploads}: a photo that was not kept was sent`);
  check(await page.evaluate(() => document.getElementById('photo').files.length) === 1, 'the photo that could not be kept is no longer selected');
  check(!(await page.isDisabled('#send')), 'Gönder stays disabled after a photo could not be kept');
  await expectQueued([], 'after a photo that could not be kept');
  const kept = upload();
  await page.click('#send');
  check((await kept).status() === 201, 'the photo sent again once there was room was not created');
  await roundOver();
  await expectQueued([], 'after the photo was kept and sent');

  step("a stalled upload (the server's 400 bad_body) keeps the photo and says so");
  answer = 'stall';
  await box('İzmir', 'Gaziemir', '1632');
  check(await shoot(env('PHOTO_B')) === 400, 'the stall was not answered 400');
  await expectQueued(['1632'], 'after the stall');
  await statusHas('Bağlantı çok yavaş ya da kesildi', 'after the stall');
  await page.locator('#pending li.pending-upload', { hasText: 'telefonda bekliyor' }).waitFor();

  step('a photo taken next waits behind it: the round stops at the stall rather than send in vain');
  await box('İzmir', 'Gaziemir', '1633');
  check(await shoot(env('PHOTO_C')) === 400, 'the second stall was not answered 400');
  await expectQueued(['1632', '1633'], 'after the second stall');
  check(!uploads.includes('1633'), `uploads ${uploads}: the photo behind a stalled one was sent in the same round`);

  step("a proxy's HTML 502 keeps both and breaks nothing");
  answer = 'proxy';
  check(await online() === 502, 'the proxy did not answer 502');
  await statusHas('HTTP 502', "after the proxy's 502");
  await statusHas('telefonda bekliyor', "after the proxy's 502");
  await expectQueued(['1632', '1633'], "after the proxy's 502");
  check(!uploads.includes('1633'), `uploads ${uploads}: the round went on past a 502`);

  step('an expired session (the real 401) keeps both and says to log in again');
  answer = 'server';
  await browser.clearCookies({ name: 'tutanak_session' });
  check(await online() === 401, 'no 401 without the session');
  await statusHas('Oturum sona erdi; yeniden giriş yapın', 'after the 401');
  await expectQueued(['1632', '1633'], 'after the 401');
  check(!uploads.includes('1633'), `uploads ${uploads}: the round went on past a 401`);

  step('logged in again, the page sends both, and shows both verdicts through lost verdict requests');
  // Everything the status line says from the next page on.
  await page.addInitScript(() => {
    window.__said = [];
    document.addEventListener('DOMContentLoaded', () => {
      const el = document.getElementById('capture-status');
      if (el) new MutationObserver(() => window.__said.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
  const both = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sheets' && r.status() === 201 &&
    r.request().postDataBuffer().toString('latin1').includes('\r\n\r\n1633\r\n'));
  await login(page, 'gözlemci', 'gözlemci parola');
  await both;
  await roundOver();
  check(await page.locator('#pending li.pending-upload').count() === 0, 'photos still listed as waiting after logging in again');
  const statusSaid = await page.evaluate(() => window.__said);
  check(statusSaid.length > 0 && statusSaid[0].startsWith('Gönderiliyor'), `the page opened anew sent what waited saying first ${JSON.stringify(statusSaid)}`);
  await page.locator('#sent li[data-status]').nth(1).waitFor();
  await expectQueued([], 'after logging in again');
  // One lost verdict request a sheet this tab sent: 1637 went from
  // whichever of the two tabs took the queue first.
  const blips = sentHere ? 6 : 5;
  check(blipped.size === blips, `verdict requests lost: ${blipped.size}, want ${blips}`);
  check(uploads.filter((n) => n === '1633').length === 1, `uploads ${uploads}: 1633 sent more than once with success`);

  step('the page loaded anew lists what this account sent before, with the verdicts');
  // 1635 went before the login, from the page the login replaced.
  const before = page.locator('#sent li[data-id]', { hasText: '1635' });
  check(await before.count() === 1, `the sheet sent before the login is listed ${await before.count()} times`);
  await page.waitForFunction(() => [...document.querySelectorAll('#sent li[data-id]')]
    .some((li) => li.textContent.includes('1635') && ['verified', 'flagged', 'unreadable'].includes(li.dataset.status)));
  const earlier = await before.textContent();
  check(/^İZMİR \/ GAZİEMİR \/ 1635: (Doğrulandı|Fotoğraf alındı|Fotoğraf okunamadı)/.test(earlier),
    `the sheet sent before the login reads ${JSON.stringify(earlier)}`);

  step('a file that is no photo is refused for good: removed, and the observer told why');
  await box('İzmir', 'Gaziemir', '1634');
  check(await shoot(env('NOT_PHOTO')) === 415, 'the file that is no photo was not refused 415');
  const refused = page.locator('#sent li[data-error=unsupported_type]');
  const said = await refused.textContent();
  check(said.includes('Kabul edilmedi') && said.includes('JPEG ya da PNG') && said.includes('yeniden çekin'),
    `the refusal says ${JSON.stringify(said)}`);
  await statusHas('Kabul edilmedi', 'after the refusal');
  await expectQueued([], 'after the refusal');
  await Promise.all([page.waitForURL(/\/login/), page.click('form.logout button')]);

  step("an Ankara observer's photo of an İzmir box is held, not deleted, and the queue goes on");
  await login(page, 'gözlemci-ankara', 'ankara parola');
  await box('İzmir', 'Gaziemir', '7');
  check(await shoot(env('PHOTO_D')) === 403, 'the other province was not refused 403');
  await expectQueued(['7'], 'after the refusal of another province');
  await page.locator('#pending li.pending-upload', { hasText: 'yetkiniz yok' }).waitFor();

  step("the first observer's photo, forwarded, under an Ankara box: the server has it already; it leaves the queue, and the held one is not sent again");
  await box('Ankara', 'Çankaya', '5');
  check(await shoot(env('PHOTO_A')) === 409, 'the photo another account sent first was not answered 409');
  const known = await page.locator('#sent li[data-error=already_received]').textContent();
  check(known.includes('zaten gönderildi'), `the answer to a forwarded photo says ${JSON.stringify(known)}`);
  check(uploads.filter((n) => n === '7').length === 1, `uploads ${uploads}: the held photo was sent again on the same page`);
  await expectQueued(['7'], 'after the forwarded photo');

  step('the session ends while a verdict is awaited: polling stops and says why');
  expireAtVerdict = true;
  await box('Ankara', 'Çankaya', '6');
  check(await shoot(env('PHOTO_E')) === 201, 'the Ankara photo was not created');
  const unseen = page.locator('#sent li[data-error=unauthenticated]');
  await unseen.waitFor();
  const unseenSaid = await unseen.textContent();
  check(unseenSaid.startsWith('Ankara / Çankaya / 6: ') && unseenSaid.includes('Fotoğraf alındı') && unseenSaid.includes('Yeniden giriş yapın'),
    `the verdict's refusal says ${JSON.stringify(unseenSaid)}`);
  check(!expireAtVerdict, 'the session was not ended at the verdict');

  step("the phone passes to another observer: the Ankara observer's waiting photo is not sent under their account");
  await login(page, 'gözlemci', 'gözlemci parola');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.locator('#pending li.pending-upload', { hasText: 'gözlemci-ankara çekti' }).waitFor();
  await roundOver();
  await expectQueued(['7'], "after another observer's login");
  check(uploads.filter((n) => n === '7').length === 1, `uploads ${uploads}: the Ankara observer's photo was sent under another account`);
  check(await page.locator('#pending button.discard').count() === 0, "another observer may remove the Ankara observer's photo");

  step('its own observer, logged in again, removes the held photo from the phone; nothing reaches the server');
  await Promise.all([page.waitForURL(/\/login/), page.click('form.logout button')]);
  const refusedAgain = upload();
  await login(page, 'gözlemci-ankara', 'ankara parola');
  check((await refusedAgain).status() === 403, 'the held photo was not refused 403 on the fresh page');
  await roundOver();
  const remove = page.locator('#pending li.pending-upload', { hasText: 'yetkiniz yok' }).locator('button.discard');
  page.once('dialog', (d) => { console.log(`dialog: ${d.message()}`); d.dismiss(); });
  await remove.click();
  await expectQueued(['7'], 'after the removal was called off');
  page.once('dialog', (d) => d.accept());
  await remove.click();
  await page.locator('#sent li.discarded', { hasText: 'Gönderilmeden silindi' }).waitFor();
  await expectQueued([], 'after the removal');
  check(await page.locator('#pending li.pending-upload').count() === 0, 'the removed photo is still listed as waiting');

  check(errors.length === 0, 'errors on the page: ' + errors.join('; '));
  step('done');
} finally {
  await close();
}
