// The data entry page in Debian's Chromium, as an IT person types box after
// box on election night: Enter goes to the next figure and sends the box only
// from the last one; a save the network or a proxy lost never shows as saved;
// a second save while the first is on its way cannot be overtaken by it; a
// box sent with no figure keeps the figures typed before.
// web/entry_browser_test.go starts the server and runs this with BASE_URL,
// NAME and PASSWORD (an entry user of İzmir), FIGURES (JSON counts, in the
// form's order) and LAST (aday_4's figure the server must end with).
// Every wait is for an event or an element, never for time.
import { env, launch } from './launch.mjs';

const base = env('BASE_URL');
const figures = JSON.parse(env('FIGURES'));
const last = env('LAST');

const { browser, close } = await launch();
browser.setDefaultTimeout(30_000);

const failures = [];
const fail = (what) => { console.log(`FAIL: ${what}`); failures.push(what); };
const step = (name) => console.log(`step: ${name}`);

try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  const puts = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/typed')) puts.push(JSON.parse(r.postData()).counts); });
  const status = async () => page.evaluate(() => {
    const s = document.getElementById('entry-status');
    return { text: s.textContent, cls: s.className };
  });
  // A save's answer has come when the status says so; "…" is on its way.
  const settled = () => page.waitForFunction(() => {
    const t = document.getElementById('entry-status').textContent;
    return t !== '' && !t.includes('…');
  });

  await page.goto(base + '/login');
  await page.fill('input[name=name]', env('NAME'));
  await page.fill('input[name=password]', env('PASSWORD'));
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  await page.goto(base + '/entry');
  await page.fill('#entry input[name=il]', 'İzmir');
  await page.fill('#entry input[name=ilce]', 'Gaziemir');
  await page.fill('#entry input[name=sandik_no]', '1');

  step('Enter after each figure goes to the next; the last one saves the box');
  const ids = Object.keys(figures);
  let enterSaves = false;
  await page.focus(`input[data-field=${ids[0]}]`);
  for (const [i, id] of ids.entries()) {
    await page.keyboard.type(String(figures[id]));
    const saved = i === ids.length - 1 ? page.waitForResponse((r) => r.url().endsWith('/api/v1/typed')) : null;
    await page.keyboard.press('Enter');
    if (saved) {
      await saved;
    } else {
      const next = !enterSaves && await page.waitForFunction((want) => document.activeElement?.dataset.field === want, ids[i + 1], { timeout: 5_000 })
        .then(() => true, () => false);
      if (!next) {
        if (!enterSaves) fail(`Enter after ${id} did not go to ${ids[i + 1]} (saves sent so far: ${puts.length})`);
        enterSaves = true;
        await page.focus(`input[data-field=${ids[i + 1]}]`);
      }
    }
  }
  await settled();
  if (puts.length !== 1 || Object.keys(puts[0]).length !== ids.length) {
    fail(`saves while typing one box: ${puts.length}, the first with ${Object.keys(puts[0]).length} figures; want one with all ${ids.length}`);
  }
  if (!(await status()).text.includes('✓')) fail(`after saving the box: ${JSON.stringify(await status())}`);

  step('a save the network loses is never shown as saved');
  await page.route('**/api/v1/typed', (r) => r.abort('internetdisconnected'));
  await page.fill('input[data-field=aday_4]', String(figures.aday_4));
  await page.click('#entry button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('entry-status').textContent.includes('✓') &&
    document.getElementById('entry-status').className === 'bad', null, { timeout: 5_000 })
    .catch(async () => fail(`network down: status ${JSON.stringify(await status())}`));
  await page.unroute('**/api/v1/typed');

  step("a proxy's HTML error page is never shown as saved");
  await page.route('**/api/v1/typed', (r) => r.fulfill({ status: 502, contentType: 'text/html', body: '<html><h1>502 Bad Gateway</h1></html>' }));
  const before = (await status()).text;
  await page.click('#entry button[type=submit]');
  await page.waitForFunction((before) => {
    const s = document.getElementById('entry-status');
    return s.className === 'bad' && !s.textContent.includes('✓') && !s.textContent.includes('…') && s.textContent !== before;
  }, before, { timeout: 5_000 })
    .catch(async () => fail(`proxy 502: status ${JSON.stringify(await status())}`));
  await page.unroute('**/api/v1/typed');

  step('a correction saved while the first save is still on its way is not overtaken by it');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let firstSeen;
  const first = new Promise((resolve) => { firstSeen = resolve; });
  let n = 0;
  await page.route('**/api/v1/typed', async (r) => {
    if (++n === 1) {
      firstSeen(r.request());
      await held;
    }
    await r.continue();
  });
  await page.fill('input[data-field=aday_4]', String(Number(last) + 1)); // a slip…
  await page.click('#entry button[type=submit]');
  const firstRequest = await first;
  await page.fill('input[data-field=aday_4]', last); // …put right at once, and saved by Enter
  const secondDone = page.waitForEvent('requestfinished', (r) => r.url().endsWith('/api/v1/typed') && r !== firstRequest);
  await page.press('input[data-field=aday_4]', 'Enter');
  // The second save has either reached the server, or the page keeps it
  // back while the first is on its way.
  await Promise.race([secondDone, page.waitForFunction(() => document.querySelector('#entry button[type=submit]').disabled)]);
  const firstDone = page.waitForEvent('requestfinished', (r) => r === firstRequest);
  release();
  await firstDone;
  await settled();
  // The typist saves until the page says ✓ with the figure on the screen.
  if (!(await status()).text.includes('✓')) {
    console.log(`after the first save: ${JSON.stringify(await status())}; saving again`);
    const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/typed'));
    await page.click('#entry button[type=submit]');
    await again;
    await settled();
  }
  if (!(await status()).text.includes('✓')) fail(`correction: status ${JSON.stringify(await status())}`);
  await page.unroute('**/api/v1/typed');

  step('"1.234" typed as a thousands separator is no figure: the rules wait for it, and nothing is saved');
  await page.goto(base + '/entry');
  await page.fill('#entry input[name=il]', 'İzmir');
  await page.fill('#entry input[name=ilce]', 'Gaziemir');
  await page.fill('#entry input[name=sandik_no]', '1');
  for (const [id, v] of Object.entries(figures)) await page.fill(`input[data-field=${id}]`, String(v));
  await page.fill('input[data-field=kayitli_secmen]', '1.234');
  const rule = await page.locator('#rules li', { hasText: 'Oy kullanan kayıtlı seçmen sayısı ≤' }).textContent();
  if (!rule.startsWith('…')) fail(`with "1.234" typed, the rule reads ${JSON.stringify(rule)}; want it waiting (…)`);
  const savesBefore = puts.length;
  await page.click('#entry button[type=submit]');
  const invalid = await page.evaluate(() => {
    const i = document.querySelector('input[data-field=kayitli_secmen]');
    return { valid: i.validity.valid, title: i.title };
  });
  if (invalid.valid || !invalid.title.includes('rakam')) fail(`"1.234": ${JSON.stringify(invalid)}; want it invalid, with the Turkish hint`);
  if (puts.length !== savesBefore) fail(`"1.234" was sent: ${JSON.stringify(puts[puts.length - 1])}`);

  step('a box sent with no figure keeps its figures');
  await page.goto(base + '/entry');
  await page.fill('#entry input[name=il]', 'İzmir');
  await page.fill('#entry input[name=ilce]', 'Gaziemir');
  await page.fill('#entry input[name=sandik_no]', '1');
  await page.click('#entry button[type=submit]');
  await settled();
  const s = await status();
  if (s.text.includes('✓')) fail(`no figures: status ${JSON.stringify(s)}`);
} finally {
  await close();
}
if (failures.length) {
  console.log(`${failures.length} failures`);
  process.exit(1);
}
