// What every browser test shares: its settings from the environment, and
// Debian's Chromium on a profile of its own (the tests download no browser).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// env is a setting the Go test passes; a missing one stops the script.
export const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

// launch starts headless Chromium on a fresh profile, with options added
// to those every test uses; close closes it and removes the profile.
export async function launch(options = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tutanak-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
    ...options,
  });
  const close = async () => {
    await browser.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { browser, close };
}
