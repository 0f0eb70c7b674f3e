// The three flows of issue 5 in Debian's Chromium, driven by playwright-core,
// and a sheet filed under the box its photo's header names.
// web/browser_test.go starts the server and the users and runs this with:
//   BASE_URL, PHOTO, OFFLINE_PHOTO, BUNDLE_OUT, SHEET_OUT, OTHER_OUT, SCREENSHOTS
// Every wait is for an event or an element, never for time.
import { env, launch } from './launch.mjs';
import fs from 'node:fs';
import path from 'node:path';

const base = env('BASE_URL');
const shots = env('SCREENSHOTS');
// Waits for the real reader, which under the race detector on a shared CI
// machine can take a minute a sheet: they bound a hang, they time nothing.
const timeout = 120_000;

const { browser, close } = await launch({
  acceptDownloads: true,
  viewport: { width: 1280, height: 900 },
});
browser.setDefaultTimeout(timeout);

const step = (name) => console.log(`step: ${name}`);

async function login(page, name, password) {
  await page.goto(base + '/login');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

async function logout(page) {
  await Promise.all([page.waitForURL(/\/login/), page.click('form.logout button')]);
}

try {
  const page = await browser.newPage();
  // The page's own errors and messages go to the test log.
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));

  step('data entry: the box figures, checked as they are typed');
  await login(page, 'veri', 'veri parola');
  await page.goto(base + '/entry');
  // The districts offered follow the province, typed even without Turkish letters.
  await page.fill('#entry input[name=il]', 'izmir');
  if ((await page.locator('#districts option[value="KARŞIYAKA"]').count()) !== 1 ||
      (await page.locator('#districts option[value="SEYHAN"]').count()) !== 0) {
    throw new Error("entry: İzmir's districts are not offered");
  }
  await page.fill('#entry input[name=il]', 'İzmir');
  await page.fill('#entry input[name=ilce]', 'Gaziemir');
  await page.fill('#entry input[name=sandik_no]', '1631');
  await page.fill('input[data-field=aday_1]', '84');
  await page.fill('input[data-field=aday_2]', '3');
  await page.fill('input[data-field=kayitli_secmen]', '100');
  await page.fill('input[data-field=oy_kullanan_kayitli]', '120');
  await page.locator('#rules li.bad', { hasText: 'Oy kullanan kayıtlı seçmen sayısı ≤ Sandık seçmen listesinde kayıtlı seçmen sayısı' }).waitFor();
  await page.screenshot({ path: path.join(shots, 'entry.png'), fullPage: true });
  await page.fill('input[data-field=oy_kullanan_kayitli]', '90');
  await page.locator('#rules li.bad').waitFor({ state: 'detached' });
  await page.click('#entry button[type=submit]');
  await page.locator('#entry-status', { hasText: '✓' }).waitFor();
  await logout(page);

  step('capture: an observer photographs the sheet on a phone');
  await login(page, 'gözlemci', 'gözlemci parola');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/capture');
  await page.fill('#il', 'İzmir');
  await page.fill('#ilce', 'Gaziemir');
  await page.fill('#sandik_no', '1631');
  await page.setInputFiles('#photo', env('PHOTO'));
  await page.click('#send');
  const sent = page.locator('#sent li[data-status]').first();
  await sent.waitFor();
  if ((await sent.getAttribute('data-status')) !== 'flagged') {
    throw new Error('capture: verdict ' + (await sent.getAttribute('data-status')) + ', want flagged');
  }
  await page.screenshot({ path: path.join(shots, 'capture.png'), fullPage: true });

  step('offline capture: the upload waits in the browser and goes when the network returns');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) throw new Error('no service worker controls the page');
  if ((await page.inputValue('#sandik_no')) !== '1631') throw new Error('the box was not remembered');
  if ((await page.locator('#districts option[value="GAZİEMİR"]').count()) !== 1) throw new Error("the remembered province's districts are not offered");
  await browser.setOffline(true);
  await page.setInputFiles('#photo', env('OFFLINE_PHOTO'));
  await page.click('#send');
  await page.locator('#pending li.pending-upload').waitFor();
  // Still offline, the page reopens from the service worker and the upload is still waiting.
  await page.reload();
  await page.locator('#pending li.pending-upload').waitFor();
  await page.screenshot({ path: path.join(shots, 'capture-offline.png'), fullPage: true });
  await browser.setOffline(false);
  await page.locator('#pending li.pending-upload').waitFor({ state: 'detached' });
  await page.locator('#sent li[data-status]').first().waitFor();
  await logout(page);
  await page.setViewportSize({ width: 1280, height: 900 });

  step('review: the İzmir lawyer decides every flagged field with the keyboard');
  await login(page, 'avukat', 'avukat parola');
  await page.goto(base + '/review');
  await page.screenshot({ path: path.join(shots, 'queue.png'), fullPage: true });
  const href = await page.locator('a[href^="/review/sh_"]').first().getAttribute('href');
  const id = href.split('/').pop();
  fs.writeFileSync(env('SHEET_OUT'), id);

  await page.goto(base + href);
  await page.screenshot({ path: path.join(shots, 'review.png'), fullPage: true });
  // The crops beside the flagged figures are the worker's own PNGs: the
  // lawyer must see them, so the browser has to decode every one.
  const crops = page.locator('img.crop');
  if ((await crops.count()) === 0) throw new Error('review: no crops shown');
  await page.waitForFunction(() => [...document.querySelectorAll('img.crop')].every((i) => i.complete));
  const broken = await crops.evaluateAll((imgs) => imgs.filter((i) => i.naturalWidth === 0).map((i) => i.src));
  if (broken.length) throw new Error('review: crops the browser cannot show: ' + broken.join(' '));
  for (let decided = 0; ; decided++) {
    if (decided > 30) throw new Error('review: still undecided fields after 30 decisions');
    const current = page.locator('.field.current:not(.decided)');
    if ((await current.count()) === 0) break;
    const before = page.url();
    // 1 confirms the typed figure of the focused field, 2 accepts the figure
    // read when nothing was typed; with neither, 4 objects, with a note. The
    // page reloads after each decision.
    const typed = (await current.locator('dd.typed').innerText()).trim();
    const read = (await current.locator('dd.read').innerText()).trim();
    let key = '1';
    if (typed === '—') key = read.startsWith('—') ? '4' : '2';
    if (key === '4') {
      await page.keyboard.press('n');
      await page.keyboard.type('fotoğrafta okunamıyor / unreadable in the photo');
      await current.locator('.note').evaluate((e) => e.blur());
    }
    await Promise.all([page.waitForEvent('load'), page.keyboard.press(key)]);
    if (!page.url().includes('/review')) throw new Error('left the review at ' + page.url() + ' from ' + before);
    if (page.url().endsWith('/review')) break; // resolved: back to the queue
  }

  step('sheet detail and the evidence bundle');
  await page.goto(base + '/sheets/' + id);
  await page.locator('img#original').waitFor();
  await page.screenshot({ path: path.join(shots, 'sheet.png'), fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a[href$="/evidence.zip"]'),
  ]);
  await download.saveAs(env('BUNDLE_OUT'));
  await logout(page);

  step('legal: search, legal hold');
  await login(page, 'hukuk', 'hukuk parola');
  await page.goto(base + '/legal');
  // htmx searches as one types, swapping only the results.
  await page.fill('form.search input[name=il]', 'ankara');
  await page.locator('#results .empty').waitFor();
  await page.fill('form.search input[name=il]', 'izmir');
  await page.locator('#results a[href="/sheets/' + id + '"]').waitFor();
  await page.screenshot({ path: path.join(shots, 'legal.png'), fullPage: true });
  await page.goto(base + '/sheets/' + id);
  await Promise.all([page.waitForEvent('load'), page.click('form[action$="/hold"] button')]);
  await page.locator('form[action$="/hold"] input[name=on][value="0"]').waitFor({ state: 'attached' });
  await logout(page);

  step('a lawyer of another province is denied the sheet');
  await login(page, 'avukat-ankara', 'ankara parola');
  const resp = await page.goto(base + '/review/' + id);
  if (resp.status() !== 404 || !(await page.content()).includes('Bulunamadı')) {
    throw new Error(`Ankara's lawyer got ${resp.status()} for İzmir's sheet`);
  }
  await page.goto(base + '/review');
  if ((await page.locator('a[href^="/review/sh_"]').count()) !== 0) throw new Error("Ankara's queue shows İzmir's sheets");
  await logout(page);

  // The offline photo went under the box the capture page remembered, but
  // it is another box's sheet: its header says so.
  step("legal: the offline photo's header names another box than the one remembered at capture; file the sheet there");
  await login(page, 'hukuk', 'hukuk parola');
  await page.goto(base + '/legal?il=izmir&sandik_no=1631');
  const links = await page.locator('#results a[href^="/sheets/sh_"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const other = links.find((h) => h !== '/sheets/' + id);
  if (!other) throw new Error('legal: the offline photo is not listed under the remembered box: ' + links.join(' '));
  fs.writeFileSync(env('OTHER_OUT'), other.split('/').pop());
  await page.goto(base + other);
  await page.locator('#header-differs').waitFor();
  const refile = page.locator('form[action$="/box"]');
  const box = {};
  for (const k of ['il', 'ilce', 'sandik_no']) box[k] = await refile.locator(`input[name=${k}]`).inputValue();
  if (box.il === 'İZMİR' && box.sandik_no === '1631') throw new Error('the form offers the box the sheet is filed under');
  await refile.locator('input[name=note]').fill('fotoğraftaki başlık / the header on the photo');
  await Promise.all([page.waitForEvent('load'), refile.locator('button').click()]);
  await page.locator('h1', { hasText: `${box.il} / ${box.ilce} / Sandık ${box.sandik_no}` }).waitFor();
  if ((await page.locator('#header-differs').count()) !== 0) throw new Error("still warned once filed under the header's box");
  await page.locator('table.custody td', { hasText: 'sandık değişikliği' }).waitFor();

  step('done');
} finally {
  await close();
}
