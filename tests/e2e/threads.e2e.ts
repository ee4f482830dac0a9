// End-to-end story of the Threads tab (issue 11) in Debian's Chromium against the real
// `etlscope serve`, on the writer's two scheduling stories, checked against their exact truth:
//
//   1. lockConvoy: the headline names the convoy (the hog and the three lock threads); the Threads
//      tab's Utilization by Process, Thread gives every thread's switches, CPU usage, ready sum and
//      max and waits sum = the truth; thread ids read as names; a leaf opens into its individual
//      switches (WPA's columns); the thread timeline draws one lane per thread under its process
//      (the hog's whole quanta, the lock threads' slivers and long ready bands), hover names the
//      state; zoomed to a hand-off, the "readied by" marks; a process header collapses
//   2. audioDelays: "who delayed it?" on the audio thread's row → ready time by module
//      (storport, volsnap, HDAudBus) and by thread (svchost) = the truth's totals; the longest
//      interval's click zooms the view to it
//
// Screenshots at 1280×800 and 1920×1080, light and dark, go to test-results/e2e/threads/.
// Run:  node --import tsx tests/e2e/threads.e2e.ts   (last line "e2e: N passed, N failed")
// Env:  ETLSCOPE_E2E_NO_BUILD=1  use the existing dist/renderer

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { audioDelays, lockConvoy } from '../../scripts/writer/sched-scenarios.js';
import {
  QUERY_TIMEOUT_MS,
  buildRenderer,
  launchChromium,
  root,
  screenshotter,
  settled,
  startServe,
} from './browser.js';
import { Checks } from './harness.js';

const outDir = path.join(root, 'test-results', 'e2e', 'threads');
const workDir = path.join(outDir, 'work');
const LOAD_TIMEOUT_MS = 120_000;

const checks = new Checks();
const shots = screenshotter(outDir);

async function viewRange(page: Page): Promise<{ start: number; end: number }> {
  await page.click('[data-testid=visible-range]');
  const text = await page.inputValue('[data-testid=range-input]');
  await page.keyboard.press('Escape');
  const m = /([\d.]+) s – ([\d.]+) s/.exec(text);
  return m === null ? { start: NaN, end: NaN } : { start: Number(m[1]) * 1e9, end: Number(m[2]) * 1e9 };
}

async function typeRange(page: Page, text: string): Promise<void> {
  await page.click('[data-testid=visible-range]');
  await page.fill('[data-testid=range-input]', text);
  await page.keyboard.press('Enter');
  await settled(page);
}

/** Opens every process group of the switch pivot (depth 0) that is closed. */
async function expandProcesses(page: Page): Promise<void> {
  const processes = page.locator('[data-testid=switch-row][data-depth="0"]');
  const n = await processes.count();
  for (let i = 0; i < n; i++) {
    const row = processes.nth(i);
    if ((await row.locator('.expander').innerText()) === '▸') await row.click();
  }
  await settled(page);
}

const value = async (page: Page, selector: string, col: string) =>
  Number(await page.locator(`${selector} [data-col=${col}]`).first().getAttribute('data-value'));

/** Canvas pixels that are not the background (its drawn marks), counted in the page. */
const inkedPixels = (page: Page) =>
  page.evaluate(() => {
    const c = document.querySelector('[data-testid=thread-timeline]') as HTMLCanvasElement | null;
    if (c === null) return -1;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });

async function run(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  await buildRenderer();
  const convoyFile = path.join(workDir, 'lockConvoy.etl');
  const audioFile = path.join(workDir, 'audioDelays.etl');
  const convoy = lockConvoy({ path: convoyFile }).truth;
  const audio = audioDelays({ path: audioFile }).truth;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const servers = [await startServe([convoyFile]), await startServe([audioFile])];
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    checks.onStepError = async (stepName) => {
      await page.screenshot({
        path: path.join(outDir, `failed-${stepName.replace(/[^a-z0-9]+/gi, '-')}.png`),
      });
    };
    await page.goto(servers[0]!.url);
    await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
    await settled(page);

    await checks.step('lock convoy: the headline names the convoy', async () => {
      const line = page.locator('[data-testid=headline-convoy]');
      await line.waitFor({ timeout: QUERY_TIMEOUT_MS });
      const text = await line.innerText();
      const named = convoy.threads.every(
        (t) => text.includes(t.threadName) && text.includes(String(t.threadId)),
      );
      checks.check('the convoy line says "Lock convoy"', text.includes('Lock convoy'), text);
      checks.check('it names the hog and the three lock threads with their TIDs', named);
      const hog = convoy.threads.find((t) => t.threadId === convoy.hog)!;
      checks.check(
        'the hog is named as running whole quanta',
        new RegExp(`${hog.threadName} \\(${hog.process}, TID ${hog.threadId}\\) runs whole quanta`).test(
          text,
        ),
      );
    });

    await checks.step('Threads tab: Utilization by Process, Thread = the truth per thread', async () => {
      await page.click('[data-testid=tab-threads]');
      await page.waitForSelector('[data-testid=switch-row]', { timeout: QUERY_TIMEOUT_MS });
      await expandProcesses(page);
      for (const t of convoy.threads) {
        const sel = `[data-testid=switch-row][data-depth="1"][data-key="${t.threadId}"]`;
        const label = await page.locator(`${sel} .cell-key`).innerText();
        checks.check(
          `${t.threadName}: its row names the thread, not a bare TID`,
          label.includes(`${t.threadName} (${t.threadId})`),
          label,
        );
        checks.check(
          `${t.threadName}: Count = switches`,
          (await value(page, sel, 'count')) === t.switches,
          `${await value(page, sel, 'count')} vs ${t.switches}`,
        );
        checks.near(
          `${t.threadName}: CPU Usage (ms) = running`,
          await value(page, sel, 'cpuUsageMs'),
          t.runningNs / 1e6,
          1e-6,
        );
        checks.near(
          `${t.threadName}: Ready (µs) sum = ready`,
          await value(page, sel, 'readyUsSum'),
          t.readyNs / 1e3,
          1e-3,
        );
        checks.near(
          `${t.threadName}: Ready (µs) max`,
          await value(page, sel, 'readyUsMax'),
          t.maxReadyNs / 1e3,
          1e-3,
        );
        checks.near(
          `${t.threadName}: Waits (µs) sum = waiting`,
          await value(page, sel, 'waitsUsSum'),
          t.waitingNs / 1e3,
          1e-3,
        );
      }
      await shots(page, 'convoy-table');
    });

    await checks.step('a thread opens into its switches with WPA’s columns', async () => {
      const t = convoy.threads.find((x) => x.threadId === convoy.convoy[0])!;
      await page.click(`[data-testid=switch-row][data-depth="1"][data-key="${t.threadId}"]`);
      const list = page.locator('[data-testid=switch-rows]').first();
      await list.waitFor({ timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      checks.check(
        'as many rows as its switches',
        Number(await list.getAttribute('data-total')) === t.switches,
      );
      const head = await list.locator('.event-head').innerText();
      checks.check(
        'WPA’s column names',
        [
          'New Thread Name',
          'Switch-In Time',
          'Next Switch-Out',
          'Ready (µs)',
          'Waits (µs)',
          'Old Wait Reason',
          'Readying Thread Id',
        ].every((c) => head.includes(c)),
        head.replace(/\n/g, ' | '),
      );
      const readies = (await list.locator('[data-col=ready]').allInnerTexts())
        .map(Number)
        .filter((v) => v === v);
      checks.near(
        'its rows’ Ready (µs) add up to the truth',
        readies.reduce((s, v) => s + v, 0),
        t.readyNs / 1e3,
        0.01 * readies.length,
      );
      const names = await list.locator('[data-col=newThreadName]').allInnerTexts();
      checks.check(
        'New Thread Name is the SetName name',
        names.length > 0 && names.every((n) => n === t.threadName),
        names[0],
      );
    });

    await checks.step('the thread timeline: a lane per thread, grouped by process', async () => {
      await page.click('[data-testid=threads-mode-timeline]');
      const canvas = page.locator('[data-testid=thread-timeline]');
      await canvas.waitFor({ timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      checks.check('4 thread lanes', (await canvas.getAttribute('data-lanes')) === '4');
      checks.check(
        '3 process headers (pimg, telshell, filesys)',
        (await canvas.getAttribute('data-processes')) === '3',
      );
      checks.check(
        'the lanes are drawn',
        (await inkedPixels(page)) > 20_000,
        String(await inkedPixels(page)),
      );
      const legend = await page.locator('[data-testid=thread-legend]').innerText();
      checks.check(
        'a legend names running by CPU, ready and waiting',
        /CPU 0/.test(legend) && legend.includes('ready') && legend.includes('waiting'),
        legend,
      );
      // The hog's lane is the first lane (under the first header): hover in its middle.
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + 190 + (box.width - 202) * 0.5, box.y + 20 + 9);
      const tip = await page.locator('[data-testid=thread-tooltip]').innerText({ timeout: 5000 });
      checks.check(
        'hover on the hog: Running on CPU 0 with start and duration',
        /Running · CPU 0/.test(tip) && tip.includes('Duration') && tip.includes('ImageDecoder'),
        tip.replace(/\n/g, ' | '),
      );
      await page.mouse.move(box.x + box.width / 2, box.y - 60); // off the timeline: no tooltip in the shots
      await shots(page, 'convoy-timeline');
      // Zoomed to the first quantum's end: the hog is preempted, the lock hands off, ready ticks.
      await typeRange(page, '0.01095 s + 250 µs');
      await settled(page);
      const tipAt = async (laneIndex: number, fraction: number) => {
        const b = (await canvas.boundingBox())!;
        await page.mouse.move(b.x + 190 + (b.width - 202) * fraction, b.y + laneIndex);
        return page
          .locator('[data-testid=thread-tooltip]')
          .innerText({ timeout: 3000 })
          .catch(() => '');
      };
      let sawReadier = false;
      for (let f = 0.05; f < 1 && !sawReadier; f += 0.05)
        for (const y of [20 + 18 + 20 + 9, 20 + 18 + 20 + 18 + 9, 20 + 18 + 20 + 36 + 20 + 9]) {
          const tip2 = await tipAt(y, f);
          if (/Readied by \w+ \(\d+\)/.test(tip2)) {
            sawReadier = true;
            checks.check('hover on a ready band names the readier by name', true, tip2.replace(/\n/g, ' | '));
            break;
          }
        }
      if (!sawReadier)
        checks.check(
          'hover on a ready band names the readier by name',
          false,
          'no ready band with a readier found',
        );
      await page.mouse.move(box.x + box.width / 2, box.y - 60);
      await shots(page, 'convoy-timeline-handoff');
      // A click on the first process header (pimg.exe, one thread) collapses it.
      const lanesBefore = Number(await canvas.getAttribute('data-lanes'));
      checks.check(
        'zoomed in, the lock thread ready across the view still has its lane',
        lanesBefore === 3,
        String(lanesBefore),
      );
      await page.mouse.click(box.x + 40, (await canvas.boundingBox())!.y + 10);
      await settled(page);
      checks.check(
        'a click on a process header collapses its lanes',
        Number(await canvas.getAttribute('data-lanes')) === lanesBefore - 1,
      );
      await page.keyboard.press('0');
    });

    await page.goto(servers[1]!.url);
    await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
    await settled(page);

    await checks.step('audio: who delayed AudioRender = the truth by module and by thread', async () => {
      await page.click('[data-testid=tab-threads]');
      await page.waitForSelector('[data-testid=switch-row]', { timeout: QUERY_TIMEOUT_MS });
      await expandProcesses(page);
      const row = page.locator(`[data-testid=switch-row][data-depth="1"][data-key="${audio.audioThreadId}"]`);
      await row.locator('[data-testid=thread-delays-button]').click();
      await page.waitForSelector('[data-testid=delay-share]', { timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      const total = Number(
        await page.locator('[data-testid=delays-total] [data-ns]').getAttribute('data-ns'),
      );
      checks.near('total ready time = the truth (ns)', total, audio.audio.readyNs, 1);
      for (const [module, ns] of Object.entries(audio.totalsByModule)) {
        const share = page.locator(`[data-testid=delay-share][data-kind=module][data-label="${module}"]`);
        const got = (await share.count()) > 0 ? Number(await share.getAttribute('data-ns')) : NaN;
        checks.near(`delayed by ${module} (DPC) = the truth (ns)`, got, ns, 1);
      }
      for (const [tid, ns] of Object.entries(audio.totalsByThread)) {
        const share = page
          .locator('[data-testid=delay-share][data-kind=thread]')
          .filter({ hasText: `(${tid})` });
        const got = (await share.count()) > 0 ? Number(await share.first().getAttribute('data-ns')) : NaN;
        const label = (await share.count()) > 0 ? await share.first().getAttribute('data-label') : '';
        checks.near(`delayed by thread ${tid} = the truth (ns)`, got, ns, 1);
        checks.check(
          'that thread is named (svchost.exe WorkerPool)',
          (label ?? '').includes('svchost.exe WorkerPool'),
          label ?? '',
        );
      }
      const longest = [...audio.intervals].sort(
        (a, b) => b.switchInNs - b.readyNs - (a.switchInNs - a.readyNs),
      )[0]!;
      const first = page.locator('[data-testid=delay-interval]').first();
      checks.near(
        'the longest ready interval is listed first (ns)',
        Number(await first.getAttribute('data-switch-in-ns')) -
          Number(await first.getAttribute('data-ready-ns')),
        longest.switchInNs - longest.readyNs,
        1,
      );
      checks.check('it says it was readied by a DPC', (await first.innerText()).includes('a DPC'));
      await shots(page, 'audio-delays');
      await first.click();
      await settled(page);
      const v = await viewRange(page);
      checks.check(
        'a click zooms the view to that interval',
        v.start <= longest.readyNs && v.end >= longest.switchInNs && v.end - v.start < 5e6,
        `${v.start}–${v.end}`,
      );
      await page.click('[data-testid=threads-mode-timeline]');
      await page.locator('[data-testid=thread-timeline]').waitFor({ timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      await shots(page, 'audio-timeline-zoomed');
    });

    checks.check('no page errors', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
    console.log(`  (whole suite ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await browser?.close();
    for (const s of servers) await s.stop();
  }
}

await run().catch((error: unknown) => {
  checks.check('e2e ran to the end', false, error instanceof Error ? error.message : String(error));
});
const { failed } = checks.summary();
process.exit(failed > 0 ? 1 : 0);
