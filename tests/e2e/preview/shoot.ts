// Preview screenshots against the fake session (tooling while the engine is not ready):
// npx tsx tests/e2e/preview/shoot.ts  → test-results/preview/*.png

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../../electron/server/index.js';
import { createFakeSession } from './fake-session.js';
import { stat } from 'node:fs/promises';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const out = path.join(root, 'test-results', 'preview');
await mkdir(out, { recursive: true });
const server = await startServer({
  staticDir: path.join(root, 'dist', 'renderer'),
  log: () => undefined,
  openSession: async (file) => createFakeSession(path.basename(file), (await stat(file)).size),
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
const width = Number(process.env.W ?? 1280);
const height = Number(process.env.H ?? 800);
const theme = process.env.THEME ?? 'light';
const page = await browser.newPage({ viewport: { width, height } });
page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(server.url);
await page.evaluate((t) => localStorage.setItem('etlscope:theme', t), theme);
await page.reload();
await page.screenshot({ path: path.join(out, `start-${theme}-${width}.png`) });
const tmp = path.join(out, 'backup-server.etl');
await writeFile(tmp, Buffer.alloc(4096, 1));
await page.setInputFiles('[data-testid=file-input]', tmp);
await page.waitForSelector('[data-testid=pivot-row]', { timeout: 20000 });
await page.waitForTimeout(800);
await page.screenshot({ path: path.join(out, `analysis-${theme}-${width}.png`) });
await browser.close();
await server.close();
