// The live dashboard in Debian's Chromium: the results page shows a new
// verdict without a reload. web/dashboard_browser_test.go starts the server
// and runs this with BASE_URL, NAME, PASSWORD (a legal user), TOKEN (an
// observer's API token), PHOTO and TYPED (JSON counts).
// Every wait is for an event or an element, never for time.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env('BASE_URL');

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tutanak-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
});
browser.setDefaultTimeout(30_000);

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
  form.set('typed', JSON.stringify({ counts: JSON.parse(env('TYPED')) }));
  form.set('image', new Blob([fs.readFileSync(env('PHOTO'))], { type: 'image/png' }), 'tutanak.png');
  const resp = await fetch(base + '/api/v1/sheets', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + env('TOKEN') } });
  if (resp.status !== 201) throw new Error(`upload: ${resp.status} ${await resp.text()}`);

  // The verdict arrives as an event and the page redraws itself.
  await page.waitForFunction(() => document.querySelector('#boxes')?.textContent.trim() === '1');
  await page.waitForSelector('.legend .state-accepted');
  const accepted = await page.textContent('.legend .state-accepted');
  if (!accepted.includes('1 (100%)')) throw new Error(`accepted legend: ${accepted}`);
  if (!(await page.evaluate(() => window.notReloaded === true))) throw new Error('the page was reloaded');
  console.log('step: the new verdict shows without a reload');
} finally {
  await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
