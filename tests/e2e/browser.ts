// Shared pieces of the Chromium e2e suites: the real `etlscope serve` started as a child process
// (its own arguments and environment), Debian's Chromium through playwright-core, "settled" (no
// query in flight, per the app's data-busy hook) and screenshots in 4 variants (1280×800 and
// 1920×1080, light and dark).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = path.resolve(import.meta.dirname, '..', '..');

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Queries are bounded; a few seconds even on a busy machine. */
export const QUERY_TIMEOUT_MS = 60_000;

export async function buildRenderer(): Promise<void> {
  if (
    process.env.ETLSCOPE_E2E_NO_BUILD === '1' &&
    existsSync(path.join(root, 'dist', 'renderer', 'index.html'))
  ) {
    return;
  }
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** `etlscope serve ARGS --port 0` with `env` (undefined values are removed from the environment). */
export async function startServe(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<Server> {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(root, 'bin', 'etlscope.mjs'), 'serve', ...args, '--port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${output}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      }
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** Waits until no query is in flight (the app's data-busy hook), then for a paint. */
export async function settled(page: Page): Promise<void> {
  const idle = () =>
    page.waitForFunction(
      () => document.querySelector('.app')?.getAttribute('data-busy') !== 'true',
      undefined,
      { timeout: QUERY_TIMEOUT_MS },
    );
  // Idle twice, 300 ms apart: a resize or a result can start the next query a frame later.
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.waitForTimeout(300);
    await idle();
    await page.waitForTimeout(300);
    const busy = await page.evaluate(
      () => document.querySelector('.app')?.getAttribute('data-busy') === 'true',
    );
    if (!busy) {
      return;
    }
  }
}

/** Screenshots in 4 variants: 1280×800 and 1920×1080, light and dark (index-name-WxH-theme.png). */
export function screenshotter(outDir: string): (page: Page, name: string) => Promise<string[]> {
  let index = 0;
  return async (page, name) => {
    const prefix = String(++index).padStart(2, '0');
    const toggle = page.locator('[data-testid=theme-toggle]').first();
    const files: string[] = [];
    const startTheme = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
    const themes = startTheme === 'dark' ? ['dark', 'light'] : ['light', 'dark'];
    for (const theme of themes) {
      for (const [width, height] of [
        [1280, 800],
        [1920, 1080],
      ] as const) {
        await page.setViewportSize({ width, height });
        await settled(page); // ResizeObserver → new series window → queries → paint
        const file = path.join(outDir, `${prefix}-${name}-${width}x${height}-${theme}.png`);
        await page.screenshot({ path: file });
        files.push(file);
      }
      // A DOM click, not a pointer one: a dialog's backdrop may cover the button (and would close).
      await toggle.dispatchEvent('click');
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(200);
    return files;
  };
}
