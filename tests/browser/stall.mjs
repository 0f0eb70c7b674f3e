// The capture page when the connection dies under an upload, in Debian's
// Chromium: web/stall_browser_test.go (TestCaptureBrowserDeadConnection)
// puts a proxy between the page and the real server (BASE_URL) whose
// connections die on CTRL_URL/kill (nothing more is carried, nothing is
// closed, as when a phone changes networks) and whose new connections
// work again on CTRL_URL/revive; the server's --upload-idle-timeout is 2 s.
// PHOTO is a large PNG. The page must give the dead upload up, say so, keep
// the photo, and send it again on a new connection.
// Every wait is for an event or an element, never for time.
import { env, launch } from './launch.mjs';

const base = env('BASE_URL');
const ctrl = env('CTRL_URL');

const { browser, close } = await launch({
  viewport: { width: 390, height: 844 },
  serviceWorkers: 'block',
});
// Without the page giving up, the dead upload would hang until the
// system's TCP timeout; this bounds the test well before that.
browser.setDefaultTimeout(30_000);

const step = (name) => console.log(`step: ${name}`);
const check = (ok, what) => { if (!ok) throw new Error(what); };

try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => { console.log(`pageerror: ${e.message}`); errors.push(e.message); });
  const queued = () => page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('tutanak', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('uploads').objectStore('uploads').getAll();
      all.onsuccess = () => { open.result.close(); resolve(all.result.map((u) => u.sandik_no)); };
      all.onerror = () => reject(all.error);
    };
  }));

  await page.goto(base + '/login');
  await page.fill('input[name=name]', 'gözlemci');
  await page.fill('input[name=password]', 'gözlemci parola');
  await Promise.all([page.waitForURL((u) => u.pathname === '/capture'), page.click('button[type=submit]')]);

  step('the connection dies while a large photo is on its way: the page gives it up, keeps it and says so');
  await page.fill('#il', 'İzmir');
  await page.fill('#ilce', 'Gaziemir');
  await page.fill('#sandik_no', '1701');
  await page.setInputFiles('#photo', env('PHOTO'));
  const started = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/sheets' && r.method() === 'POST');
  await fetch(ctrl + '/kill');
  await page.click('#send');
  await started;
  await page.locator('#capture-status', { hasText: 'Bağlantı çok yavaş ya da kesildi' }).waitFor();
  await page.locator('#pending li.pending-upload', { hasText: 'telefonda bekliyor' }).waitFor();
  await page.locator('#pending:not([aria-busy])').waitFor({ state: 'attached' });
  check(JSON.stringify(await queued()) === '["1701"]', `IndexedDB holds ${JSON.stringify(await queued())} after the dead upload`);
  check(await page.locator('#sent li').count() === 0, 'a photo is listed as sent over a dead connection');

  step('the network works again: the photo goes on a new connection and its verdict shows');
  await fetch(ctrl + '/revive');
  const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/sheets' && r.request().method() === 'POST');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  const res = await created;
  check(res.status() === 201, `the photo sent again was answered ${res.status()}`);
  await page.locator('#sent li[data-status]', { hasText: '1701' }).waitFor();
  check(JSON.stringify(await queued()) === '[]', `IndexedDB holds ${JSON.stringify(await queued())} after the photo was sent`);

  check(errors.length === 0, 'errors on the page: ' + errors.join('; '));
  step('done');
} finally {
  await close();
}
