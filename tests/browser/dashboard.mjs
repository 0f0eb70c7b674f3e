// The live dashboard in Debian's Chromium: the results page shows a new
// verdict without a reload, drills down from a province to its boxes (and
// stays live there), and the legal team imports official results through
// their page and sees the history and the discrepancies change.
// web/dashboard_browser_test.go starts the server and runs this with
// BASE_URL, NAME, PASSWORD (a legal user), TOKEN (an observer's API token),
// PHOTO and TYPED (JSON counts).
// Every wait is for an event or an element, never for time.
import { env, launch } from './launch.mjs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const base = env('BASE_URL');
const typed = JSON.parse(env('TYPED'));
// SCREENSHOTS, when set, is a folder for pictures of the pages.
const shot = async (page, name) => {
  if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, name), fullPage: true });
};

const { browser, close } = await launch();
browser.setDefaultTimeout(120_000); // bounds a hang; the reader under -race is slow

try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  await page.goto(base + '/login');
  await page.fill('input[name=name]', env('NAME'));
  await page.fill('input[name=password]', env('PASSWORD'));
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);

  // The stream's first event says the page is live.
  const streamOpen = page.waitForResponse((r) => r.url().includes('/api/v1/events'));
  await page.goto(base + '/results');
  await streamOpen;
  const before = await page.textContent('#boxes');
  if (before.trim() !== '0') throw new Error(`boxes before the upload: ${before}`);
  // Mark the document: a reload would lose the mark.
  await page.evaluate(() => { window.notReloaded = true; });
  console.log('step: dashboard open, uploading a sheet');

  const form = new FormData();
  form.set('form', 'cb-2023');
  form.set('il', 'İzmir');
  form.set('ilce', 'Gaziemir');
  form.set('sandik_no', '1');
  form.set('typed', JSON.stringify({ counts: typed }));
  form.set('image', new Blob([fs.readFileSync(env('PHOTO'))], { type: 'image/png' }), 'tutanak.png');
  const resp = await fetch(base + '/api/v1/sheets', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + env('TOKEN') } });
  if (resp.status !== 201) throw new Error(`upload: ${resp.status} ${await resp.text()}`);

  // The upload and then the verdict arrive as events and the page redraws
  // itself each time: the box first counts as waiting, then as accepted.
  await page.waitForFunction(() => document.querySelector('#boxes')?.textContent.trim() === '1');
  await page.waitForFunction(() => (document.querySelector('.legend .state-accepted')?.textContent || '').includes('1 (100%)'))
    .catch(async (err) => {
      throw new Error(`accepted legend: ${await page.textContent('.legend .state-accepted').catch(() => 'none')} (${err.message})`);
    });
  if (!(await page.evaluate(() => window.notReloaded === true))) throw new Error('the page was reloaded');
  console.log('step: the new verdict shows without a reload');
  await shot(page, 'results.png');

  // Drill down by clicking: the province's districts, then the district's boxes.
  await Promise.all([page.waitForURL((u) => decodeURIComponent(u.pathname) === '/results/İZMİR'),
    page.click('table.results a.drill:text-is("İZMİR")')]);
  const districtStream = page.waitForResponse((r) => r.url().includes('/api/v1/events'));
  await Promise.all([page.waitForURL((u) => decodeURIComponent(u.pathname) === '/results/İZMİR/GAZİEMİR'),
    page.click('table.results a.drill:text-is("GAZİEMİR")')]);
  await districtStream;
  await page.waitForSelector('table.level-sandik a.drill:text-is("1")');
  const turnout = await page.textContent('#turnout');
  if (!/^%\d/.test(turnout.trim())) throw new Error(`turnout: ${turnout}`);
  await page.evaluate(() => { window.notReloaded = true; });
  console.log('step: drilled down to the boxes of GAZİEMİR; uploading box 2');

  const upload = async (sandik, bytes) => {
    const f = new FormData();
    f.set('form', 'cb-2023');
    f.set('il', 'İzmir');
    f.set('ilce', 'Gaziemir');
    f.set('sandik_no', sandik);
    f.set('typed', JSON.stringify({ counts: typed }));
    f.set('image', new Blob([bytes], { type: 'image/png' }), 'tutanak.png');
    const r = await fetch(base + '/api/v1/sheets', { method: 'POST', body: f, headers: { Authorization: 'Bearer ' + env('TOKEN') } });
    if (r.status !== 201) throw new Error(`upload ${sandik}: ${r.status} ${await r.text()}`);
  };
  // Other bytes of the same picture: a second sheet, not the first again.
  await upload('2', Buffer.concat([fs.readFileSync(env('PHOTO')), Buffer.from([0])]));
  await page.waitForSelector('table.level-sandik a.drill:text-is("2")');
  if (!(await page.evaluate(() => window.notReloaded === true))) throw new Error('the district page was reloaded');
  console.log('step: the new box shows on the district page without a reload');
  await shot(page, 'results-boxes.png');

  // Official results, from the legal page's navigation.
  await page.goto(base + '/discrepancies');
  if (await page.locator('table.discrepancies').count()) throw new Error('discrepancies before any import');
  await page.goto(base + '/legal');
  await Promise.all([page.waitForURL((u) => u.pathname === '/official'), page.click('nav.sub a[href="/official"]')]);
  await page.waitForSelector('#official-history .empty');

  const csvFile = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  // A wrong header: the API's own message, in Turkish.
  await page.setInputFiles('#official-file', csvFile('yanlis.csv', 'ilce,il,sandik_no,aday_1\n'));
  await page.click('#official-send');
  const problem = await (await page.waitForSelector('#official-result .official-error')).textContent();
  if (!problem.includes('Başlık il,ilce,sandik_no')) throw new Error(`bad file: ${problem}`);
  console.log('step: a bad file is refused with the API\'s message');

  const official = `il,ilce,sandik_no,aday_1,aday_2\nİzmir,Gaziemir,1,${typed.aday_1 + 5},${typed.aday_2}\n`;
  const sha256 = crypto.createHash('sha256').update(Buffer.from(official)).digest('hex');
  // Still being entered: imported, shown, never compared.
  // Its second box names a district İzmir does not have: imported, and said.
  await page.setInputFiles('#official-file', csvFile('ysk-ara.csv', official + 'İzmir,Gaziemr,9,1,1\n'));
  await page.check('#official-partial');
  await page.click('#official-send');
  const partialDone = await (await page.waitForSelector('#official-result .official-done')).textContent();
  if (!partialDone.includes('Sandık: 2') || !partialDone.includes('Kısmi: evet')) throw new Error(`partial import: ${partialDone}`);
  const unknown = await page.textContent('#official-result .official-unknown');
  if (!unknown.startsWith('1 ') || !unknown.includes('İZMİR / GAZİEMR / 9')) throw new Error(`unknown places: ${unknown}`);
  await page.waitForSelector('#official-history tr[data-import] >> text=ysk-ara.csv');
  await page.goto(base + '/discrepancies');
  if (await page.locator('table.discrepancies').count()) throw new Error('a partial import was compared');
  await page.locator('li', { hasText: 'GAZİEMİR / 1' }).waitFor();
  console.log('step: a partial import is listed as still being entered');

  await page.goto(base + '/official');
  await page.setInputFiles('#official-file', csvFile('ysk.csv', official));
  if (await page.isChecked('#official-partial')) throw new Error('the partial box is ticked on a fresh page');
  await page.click('#official-send');
  await page.waitForSelector('#official-result .official-done');
  const done = await page.textContent('#official-result');
  if (!done.includes('Kısmi: hayır') || !done.includes(sha256)) throw new Error(`import: ${done}`);
  if (await page.locator('#official-result .official-unknown').count()) throw new Error('unknown places reported for known ones');
  const rows = page.locator('#official-history tr[data-import]');
  await rows.first().locator('text=ysk.csv').waitFor();
  if ((await rows.count()) !== 2) throw new Error(`history rows: ${await rows.count()}`);
  if (!(await rows.first().textContent()).includes(sha256)) throw new Error('the newest import is not first');
  console.log('step: the import shows with its digest in the history');
  await shot(page, 'official.png');

  await Promise.all([page.waitForURL((u) => u.pathname === '/discrepancies'), page.click('#official-result a[href="/discrepancies"]')]);
  const cells = await page.$$eval('table.discrepancies tbody tr', (trs) => trs.map((tr) => Array.from(tr.cells).slice(0, 6).map((c) => c.textContent.trim()).join('|')));
  const want = `İZMİR|GAZİEMİR|1|aday_1|${typed.aday_1 + 5}|${typed.aday_1}`;
  if (cells.length !== 1 || cells[0] !== want) throw new Error(`discrepancies: ${JSON.stringify(cells)}, want ${want}`);
  console.log('step: the discrepancies page lists exactly the differing field');
  await shot(page, 'discrepancies.png');
} finally {
  await close();
}
