// End-to-end story of one event in Debian's Chromium (playwright-core) against the real
// `etlscope serve`: the audio engineer's flow on the writer's audio workstation (2 s, 8 CPUs,
// volsnap.sys DPCs spinning up to ~10 ms), checked against the scenario's truth:
//
//   1. click the headline's "Longest DPC/ISR" → the view zooms to it, the DPC/ISR graph becomes
//      the per-event timeline, the details pane and the hover tooltip name volsnap's DPC and its
//      duration (= truth max)
//   2. expand volsnap.sys › its function → the individual rows, sorted by duration: count = truth
//      count, first = truth max, last = truth min; Ctrl+A, Ctrl+Shift+C on the Duration column →
//      the clipboard holds "Duration (µs)" and the same numbers (sum = truth total)
//   3. navigation: W/S zoom, A/D pan, Ctrl+wheel zooms the timeline (not the page), Shift+wheel
//      pans, a typed range, Escape clears the selected event
//
// Screenshots at 1280×800 and 1920×1080, light and dark, go to test-results/e2e/events/.
// Run:  node --import tsx tests/e2e/events.e2e.ts   (last line "e2e: N passed, N failed")
// Env:  ETLSCOPE_E2E_NO_BUILD=1  use the existing dist/renderer

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
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

const outDir = path.join(root, 'test-results', 'e2e', 'events');
const workDir = path.join(outDir, 'work');
/** 2 s: several volsnap spins, loads in about a second. */
const SECONDS = 2;
const LOAD_TIMEOUT_MS = 120_000;

const checks = new Checks();
const shots = screenshotter(outDir);

/** The view's span in ns, from the range box's copy text. */
async function viewRange(page: Page): Promise<{ start: number; end: number }> {
  await page.click('[data-testid=visible-range]');
  const text = await page.inputValue('[data-testid=range-input]');
  await page.keyboard.press('Escape');
  const m = /([\d.]+) s – ([\d.]+) s/.exec(text);
  return m === null ? { start: NaN, end: NaN } : { start: Number(m[1]) * 1e9, end: Number(m[2]) * 1e9 };
}

const usText = (text: string) => Number(/([\d,]+(?:\.\d+)?) µs/.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);

async function run(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  await buildRenderer();
  const file = path.join(workDir, 'audio-workstation.etl');
  const { truth } = simulate(SCENARIOS.audioWorkstation, { seconds: SECONDS, seed: 3, path: file });
  const longest = [...truth.dpcIsr].sort((a, b) => b.maxNs - a.maxNs)[0]!;
  console.log(
    `  (trace written in ${((Date.now() - started) / 1000).toFixed(1)} s; longest: ${longest.module}!${longest.function} ${longest.type} ${longest.maxNs} ns, ${longest.count} rows)`,
  );
  const server = await startServe([file]);
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(server.url).origin,
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    checks.onStepError = async (stepName) => {
      await page.screenshot({
        path: path.join(outDir, `failed-${stepName.replace(/[^a-z0-9]+/gi, '-')}.png`),
      });
    };
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=headline-longest-link]', { timeout: LOAD_TIMEOUT_MS });
    await settled(page);
    checks.check(
      'the truth says the longest DPC is volsnap.sys’s',
      longest.module === 'volsnap.sys',
      longest.module,
    );

    await checks.step('click "Longest DPC/ISR" → zoomed to it, timeline, details, tooltip', async () => {
      const clicked = Date.now();
      await page.click('[data-testid=headline-longest-link]');
      await page.waitForSelector('[data-testid=graph-timeline]', { timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      console.log(
        `  (click → timeline drawn and settled: ${Date.now() - clicked} ms, incl. 600 ms of settle waits)`,
      );
      const details = await page.locator('[data-testid=event-details]').innerText();
      checks.check(
        'the details pane names volsnap’s function',
        details.includes(`volsnap.sys!${longest.function}`),
        details,
      );
      checks.near(
        'the details pane shows its duration (µs)',
        usText(details),
        Math.round(longest.maxNs / 1000),
        1,
      );
      const view = await viewRange(page);
      const span = view.end - view.start;
      checks.check(
        'the view is zoomed around it (a few times its length)',
        span >= longest.maxNs && span <= longest.maxNs * 12,
        `view ${span} ns for a ${longest.maxNs} ns DPC`,
      );
      const canvas = page.locator('[data-testid=graph-timeline]');
      // The app scrolled the timeline into the graph area's view on the selection; viewRange's click
      // on the range box above the graphs scrolled the area back up, so bring it back.
      await canvas.scrollIntoViewIfNeeded();
      const box = (await canvas.boundingBox())!;
      const laneHeight = Number(await canvas.getAttribute('data-lane-height'));
      const lanes = (await canvas.getAttribute('data-lanes'))!.split(',').map(Number);
      const cpu = Number(/CPU (\d+)/.exec(details)?.[1]);
      const lane = lanes.indexOf(cpu);
      // The event is centred in the view; the plot spans [64, width − 20] of the canvas.
      const x = box.x + 64 + (box.width - 84) / 2;
      const y = box.y + lane * laneHeight + laneHeight / 2;
      await page.mouse.move(x, y);
      const tooltip = await page.waitForSelector('[data-testid=event-tooltip]', { timeout: 5000 });
      const tip = await tooltip.innerText();
      checks.check(
        'hover: the tooltip names the volsnap DPC and its CPU',
        tip.includes('volsnap.sys') && tip.includes(`CPU ${cpu}`),
        tip.replace(/\n/g, ' | '),
      );
      checks.near(
        'hover: the tooltip shows its inclusive duration (µs)',
        usText(tip),
        Math.round(longest.maxNs / 1000),
        1,
      );
      // The table shows it too: volsnap.sys › its function opened, the event's row selected in view.
      const selectedRow = page.locator('[data-testid=event-row].selected').first();
      await selectedRow.waitFor({ timeout: QUERY_TIMEOUT_MS });
      checks.near(
        'the table opened its group and selected its row (Duration µs = truth max)',
        Number(await selectedRow.locator('[data-col=duration]').innerText()),
        longest.maxNs / 1000,
        0.001,
      );
      const rowBox = (await selectedRow.boundingBox())!;
      const bodyBox = (await page.locator('[data-testid=pivot-body]').boundingBox())!;
      checks.check(
        'the selected row is scrolled into the table’s view',
        rowBox.y >= bodyBox.y && rowBox.y + rowBox.height <= bodyBox.y + bodyBox.height,
        `row y ${rowBox.y.toFixed(0)}, table ${bodyBox.y.toFixed(0)}–${(bodyBox.y + bodyBox.height).toFixed(0)}`,
      );
      await shots(page, 'longest-dpc-timeline');
    });

    await checks.step(
      'expand volsnap.sys › function → its rows sorted by duration = truth; Ctrl+C of Duration',
      async () => {
        await page.keyboard.press('0'); // the whole trace: the truth covers all of it
        await settled(page);
        // Opened by the Longest link already (the reveal); open whatever is still closed.
        for (const selector of [
          '[data-testid=pivot-row][data-depth="0"][data-key="volsnap.sys"]',
          `[data-testid=pivot-row][data-depth="1"][data-key="${longest.function}"]`,
        ])
          if ((await page.locator(selector).getAttribute('data-expanded')) === 'false')
            await page.click(selector);
        await page.waitForSelector('[data-testid=event-row] [data-col=duration]', {
          timeout: QUERY_TIMEOUT_MS,
        });
        await settled(page);
        const list = page.locator('[data-testid=event-rows]').first();
        const total = Number(await list.getAttribute('data-total'));
        const sameType = truth.dpcIsr.filter(
          (g) => g.module === 'volsnap.sys' && g.function === longest.function,
        );
        const truthCount = sameType.reduce((s, g) => s + g.count, 0);
        checks.check(
          'the group opens into as many rows as the truth counts',
          total === truthCount,
          `${total} rows, truth ${truthCount}`,
        );
        const first = await list
          .locator('[data-testid=event-row][data-index="0"] [data-col=duration]')
          .innerText();
        checks.near(
          'sorted by duration: the first row is the longest (µs)',
          Number(first),
          longest.maxNs / 1000,
          0.001,
        );
        await list.locator('[data-testid=event-row][data-index="0"] [data-col=duration]').click();
        await page.keyboard.press('Control+a');
        await page.keyboard.press('Control+Shift+c');
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        const lines = copied.split('\n');
        const values = lines.slice(1).map(Number);
        checks.check(
          'Ctrl+Shift+C: a one-column TSV headed "Duration (µs)"',
          lines[0] === 'Duration (µs)',
          lines[0],
        );
        checks.check(
          'the copied durations are sorted, longest first',
          values.every((v, i) => i === 0 || v <= values[i - 1]!),
          values.slice(0, 5).join(', '),
        );
        checks.near('the first copied duration = truth max (µs)', values[0], longest.maxNs / 1000, 0.001);
        if (total <= 200) {
          const minNs = Math.min(...sameType.map((g) => g.minNs));
          const totalNs = sameType.reduce((s, g) => s + g.totalNs, 0);
          checks.check('every row was copied', values.length === total, `${values.length} of ${total}`);
          checks.near(
            'the last copied duration = truth min (µs)',
            values[values.length - 1],
            minNs / 1000,
            0.001,
          );
          checks.near(
            'the copied durations add up to the truth total (µs)',
            values.reduce((s, v) => s + v, 0),
            totalNs / 1000,
            total * 0.001,
          );
        }
        await page.keyboard.press('Control+c');
        const rows = (await page.evaluate(() => navigator.clipboard.readText())).split('\n');
        checks.check(
          'Ctrl+C: whole rows with WPA’s column names',
          rows[0] ===
            'CPU\tType\tModule\tFunction\tEnter Time (s)\tExit Time (s)\tDuration (µs)\tExclusive Duration (µs)\tFragments',
          rows[0],
        );
        await page.click('[data-testid=event-sort-enter]');
        await settled(page);
        const enters = await list.locator('[data-testid=event-row] [data-col=enter]').allInnerTexts();
        const e = enters.map(Number);
        checks.check(
          'sorted by Enter Time (descending) on a header click',
          e.length > 1 && e.every((v, i) => i === 0 || v <= e[i - 1]!),
          enters.slice(0, 3).join(', '),
        );
        await shots(page, 'leaf-rows');
      },
    );

    await checks.step(
      'navigation: W/S, A/D, Ctrl+wheel (not the page), Shift+wheel, a typed range, Esc',
      async () => {
        await page.click('[data-testid=visible-range]');
        await page.fill('[data-testid=range-input]', '0.5 s + 100 ms');
        await page.keyboard.press('Enter');
        await settled(page);
        let v = await viewRange(page);
        checks.check(
          'a typed "0.5 s + 100 ms" shows exactly that',
          Math.abs(v.start - 0.5e9) < 1 && Math.abs(v.end - 0.6e9) < 1,
          `${v.start}–${v.end}`,
        );
        await page.locator('[data-testid=graphs]').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('w');
        await settled(page);
        v = await viewRange(page);
        checks.near('W zooms in to 0.8 of the span (ms)', (v.end - v.start) / 1e6, 80, 0.01);
        await page.keyboard.press('d');
        await settled(page);
        const panned = await viewRange(page);
        checks.near('D pans right by a fifth (ms)', (panned.start - v.start) / 1e6, 16, 0.01);
        const overlay = (await page.locator('[data-testid=graph-overlay]').boundingBox())!;
        const scaleBefore = await page.evaluate(() => window.visualViewport?.scale ?? 1);
        await page.mouse.move(overlay.x + overlay.width / 2, overlay.y + 40);
        await page.keyboard.down('Control');
        for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -100);
        await page.keyboard.up('Control');
        await settled(page);
        const wheeled = await viewRange(page);
        const scaleAfter = await page.evaluate(() => window.visualViewport?.scale ?? 1);
        checks.check(
          'Ctrl+wheel zooms the timeline in, not the page',
          wheeled.end - wheeled.start < panned.end - panned.start && scaleAfter === scaleBefore,
          `${(panned.end - panned.start) / 1e6} → ${(wheeled.end - wheeled.start) / 1e6} ms, page scale ${scaleBefore} → ${scaleAfter}`,
        );
        // viewRange clicked the range box: back over the graphs
        await page.mouse.move(overlay.x + overlay.width / 2, overlay.y + 40);
        await page.keyboard.down('Shift');
        await page.mouse.wheel(0, 100);
        await page.keyboard.up('Shift');
        await settled(page);
        const shifted = await viewRange(page);
        checks.check(
          'Shift+wheel pans later',
          shifted.start > wheeled.start,
          `${wheeled.start} → ${shifted.start}`,
        );
        await page.keyboard.press('Escape');
        checks.check(
          'Esc clears the selected event',
          (await page.locator('[data-testid=event-details]').count()) === 0,
        );
      },
    );

    await checks.step('click a mark on the timeline → its row opens, scrolled to, in the table', async () => {
      // 400 ms around the longest DPC: the timeline shows every event, and volsnap's group there
      // holds more rows than the ten the table shows at once.
      await page.click('[data-testid=visible-range]');
      await page.fill('[data-testid=range-input]', '0.2 s + 400 ms');
      await page.keyboard.press('Enter');
      await settled(page);
      const canvas = page.locator('[data-testid=graph-timeline]');
      await canvas.scrollIntoViewIfNeeded();
      const box = (await canvas.boundingBox())!;
      const laneHeight = Number(await canvas.getAttribute('data-lane-height'));
      const lanes = (await canvas.getAttribute('data-lanes'))!.split(',').map(Number);
      // Sweep the lanes until the tooltip names a volsnap DPC shorter than the longest.
      let found: { x: number; y: number; tip: string } | undefined;
      for (let lane = 0; lane < lanes.length && found === undefined; lane++) {
        const y = box.y + lane * laneHeight + laneHeight / 2;
        for (let x = box.x + 66; x < box.x + box.width - 22 && found === undefined; x += 3) {
          await page.mouse.move(x, y);
          const tip = await page
            .locator('[data-testid=event-tooltip]')
            .innerText({ timeout: 50 })
            .catch(() => '');
          if (
            tip.includes('volsnap.sys') &&
            !tip.includes(`${Math.round(longest.maxNs / 1000).toLocaleString('en-US')} µs`)
          )
            found = { x, y, tip };
        }
      }
      checks.check('a volsnap DPC found on the timeline', found !== undefined);
      if (found === undefined) return;
      const enter = /Enter (\d+\.\d+) s/.exec(found.tip)?.[1];
      await page.mouse.click(found.x, found.y);
      const selectedRow = page.locator('[data-testid=event-row].selected').first();
      await selectedRow.waitFor({ timeout: QUERY_TIMEOUT_MS });
      await settled(page);
      const rowEnter = await selectedRow.locator('[data-col=enter]').innerText();
      checks.check(
        'the selected row is the clicked event (Enter Time)',
        rowEnter === enter,
        `${rowEnter} vs ${enter}`,
      );
      const index = Number(await selectedRow.getAttribute('data-index'));
      const rowBox = (await selectedRow.boundingBox())!;
      const listBox = (await page.locator('[data-testid=event-body]').first().boundingBox())!;
      checks.check(
        'its row is scrolled into the group’s list',
        rowBox.y >= listBox.y - 1 && rowBox.y + rowBox.height <= listBox.y + listBox.height + 1,
        `row ${index}: y ${rowBox.y.toFixed(0)}, list ${listBox.y.toFixed(0)}–${(listBox.y + listBox.height).toFixed(0)}`,
      );
      console.log(`  (the clicked DPC is row ${index} of its group, sorted by the list's order)`);
      await shots(page, 'timeline-click-reveals-row');
    });

    await checks.step('a bad file dropped over the open trace leaves it open', async () => {
      const bad = path.join(workDir, 'not-a-trace.etl');
      writeFileSync(bad, Buffer.alloc(4096, 0x41));
      await page.locator('[data-testid=file-input]').first().setInputFiles(bad);
      await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
      await page.waitForFunction(() => document.body.innerText.includes('stays open'), undefined, {
        timeout: LOAD_TIMEOUT_MS,
      });
      const title = await page.title();
      checks.check(
        'the audio trace is still open, a notice says why',
        title.includes('audio-workstation.etl'),
        title,
      );
    });

    checks.check('no page errors', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
    console.log(`  (whole suite ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

await run().catch((error: unknown) => {
  checks.check('e2e ran to the end', false, error instanceof Error ? error.message : String(error));
});
const { failed } = checks.summary();
process.exit(failed > 0 ? 1 : 0);
