// End-to-end story of the processors stuck in deep idle (issue 11) in Debian's Chromium against the
// real `etlscope serve`: the writer's deepIdleAmd24 (24 CPUs, AMD; every CPU but CPU 0 enters C3
// within 1 ms at ~50 ms and stays, with Target states and perf-state changes) and its
// circular-logger variant (the CKCL: header 8 h before the oldest surviving buffer), checked
// against the scenario's truth:
//
//   1. the headline names the deep idle (all but CPU 0, C3, at the first CPU's drop time)
//   2. the "CPUs in C0" line: ~all CPUs busy at the cycles' peaks before the drop, never more
//      than 1 (CPU 0) after the last CPU went down; a typed range after the drop says max ≤ 1
//   3. Power tab → CPU Idle States: Actual C3 over all CPUs = 23 visits and the truth's residency,
//      Target C3 = 23 transitions; ▸ opens per-CPU rows (CPU 0's C1 visits = truth); the histogram's
//      bars add up to the visits; the rows (both types; Target only = one per CPU per change)
//   4. Actual vs Target lanes (24 CPUs); Processor performance: P0/P2/P4 (P4's CPU·ms = truth),
//      intervals per CPU = truth's perf-state changes naming it, "not decoded", the header's 3,700 MHz
//   5. the circular variant: the notice "the trace starts with the oldest surviving buffer" with the
//      time origin, the deep-idle sentence as well
//
// Screenshots at 1280×800 and 1920×1080, light and dark, go to test-results/e2e/power/.
// Run:  node --import tsx tests/e2e/power.e2e.ts   (last line "e2e: N passed, N failed")
// Env:  ETLSCOPE_E2E_NO_BUILD=1  use the existing dist/renderer

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { deepIdleAmd24, type DeepIdleTruth } from '../../scripts/writer/sched-scenarios.js';
import { buildRenderer, launchChromium, root, screenshotter, settled, startServe } from './browser.js';
import { Checks } from './harness.js';

const outDir = path.join(root, 'test-results', 'e2e', 'power');
const workDir = path.join(outDir, 'work');
const LOAD_TIMEOUT_MS = 120_000;

const checks = new Checks();
const shots = screenshotter(outDir);

const numberIn = (text: string) => Number(text.replace(/[,\s]/g, '').replace(/[^\d.]+$/, ''));

/** The CPUs-in-C0 canvas's buckets (its data attributes). */
async function concurrency(page: Page): Promise<{ startNs: number; bucketNs: number; values: number[] }> {
  const canvas = page.locator('[data-testid=graph-cpus-in-c0]');
  return {
    startNs: Number(await canvas.getAttribute('data-start-ns')),
    bucketNs: Number(await canvas.getAttribute('data-bucket-ns')),
    values: ((await canvas.getAttribute('data-values')) ?? '').split(',').map(Number),
  };
}

async function statsCells(page: Page, key: string): Promise<string[]> {
  return page.locator(`[data-testid=idle-stats-row][data-key="${key}"] td`).allInnerTexts();
}

/** The Power panel enlarged (graphs hidden) and scrolled to its top, for its screenshots. */
async function showPanel(page: Page): Promise<void> {
  if ((await page.locator('[data-testid=panel-enlarge]').getAttribute('aria-pressed')) !== 'true')
    await page.click('[data-testid=panel-enlarge]');
  await page.locator('.power-body').evaluate((el) => el.scrollTo({ top: 0 }));
  await settled(page);
}

async function openTrace(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
  await page.waitForSelector('[data-testid=headline-deep-idle]', { timeout: LOAD_TIMEOUT_MS });
  await settled(page);
}

function deepIdleChecks(truth: DeepIdleTruth, hint: string, label: string): void {
  const first = Math.min(...truth.deepEnterNs.filter((ns) => ns >= 0));
  const last = Math.max(...truth.deepEnterNs);
  checks.check(
    `${label}: the headline names the deep idle of all CPUs but CPU 0 in C3`,
    hint.includes('All processors but CPU 0 entered deep idle (C3)') &&
      hint.includes(`within ${((last - first) / 1e6).toFixed(2)} ms`),
    hint,
  );
  checks.check(
    `${label}: … at the first CPU's drop time (${(first / 1e6).toFixed(3)} ms)`,
    hint.includes(`at ${(first / 1e6).toFixed(3)} ms`) && hint.includes('23 of 24 CPUs never woke'),
  );
}

async function run(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  await buildRenderer();
  const plainFile = path.join(workDir, 'deep-idle-amd24.etl');
  const circularFile = path.join(workDir, 'ckcl-deep-idle.etl');
  const { truth } = deepIdleAmd24({ path: plainFile });
  const { truth: circularTruth } = deepIdleAmd24({ path: circularFile, circular: true });
  const server = await startServe([plainFile]);
  const circularServer = await startServe([circularFile]);
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    checks.onStepError = async (stepName) => {
      await page.screenshot({
        path: path.join(outDir, `failed-${stepName.replace(/[^a-z0-9]+/gi, '-')}.png`),
      });
    };
    await openTrace(page, server.url);
    const deepCpus = truth.deepEnterNs.filter((ns) => ns >= 0).length;
    const lastDrop = Math.max(...truth.deepEnterNs);

    await checks.step('headline: the deep-idle sentence', async () => {
      deepIdleChecks(truth, await page.locator('[data-testid=headline-deep-idle]').innerText(), 'plain');
      checks.check(
        'no circular-logger notice on the plain trace',
        (await page.locator('[data-testid=circular-notice]').count()) === 0,
      );
    });

    await checks.step('CPUs in C0: the drop to CPU 0 alone', async () => {
      const c = await concurrency(page);
      const before = c.values.filter(
        (_, k) => c.startNs + (k + 1) * c.bucketNs <= truth.deepEnterNs[1]! - 1e6,
      );
      const after = c.values.filter((_, k) => c.startNs + k * c.bucketNs >= lastDrop);
      checks.check('the line has buckets before and after the drop', before.length > 10 && after.length > 10);
      checks.check(
        'before the drop: most CPUs in C0 at the busy peaks',
        Math.max(...before) >= truth.cpuCount / 2,
        `max ${Math.max(...before)}`,
      );
      checks.check(
        'after the last CPU went down: never more than 1 CPU in C0 (CPU 0)',
        Math.max(...after) <= 1.0005,
        `max ${Math.max(...after)}`,
      );
      await shots(page, 'deep-idle-overview');
      await page.click('[data-testid=visible-range]');
      await page.fill(
        '[data-testid=range-input]',
        `${((lastDrop + 1e6) / 1e9).toFixed(4)} s – ${(truth.durationNs / 1e9).toFixed(4)} s`,
      );
      await page.keyboard.press('Enter');
      await settled(page);
      const note = await page.locator('[data-testid=cpus-in-c0-note]').innerText();
      const max = Number(/max ([\d.]+) of 24/.exec(note)?.[1]);
      checks.check('a typed range after the drop: "max 1.0 of 24" CPUs in C0 at most', max <= 1.0, note);
      await page.keyboard.press('0');
      await settled(page);
    });

    await checks.step('Power tab: CPU Idle States (Actual and Target)', async () => {
      await page.click('[data-testid=tab-power]');
      await page.waitForSelector('[data-testid=idle-stats-table]', { timeout: LOAD_TIMEOUT_MS });
      await settled(page);
      const c3 = await statsCells(page, 'Actual/C3');
      checks.check(
        'Actual C3, all CPUs: visits = the 23 CPUs that went down',
        numberIn(c3[3] ?? '') === deepCpus,
        c3.join(' | '),
      );
      const residencyMs = truth.deepEnterNs
        .filter((ns) => ns >= 0)
        .reduce((sum, ns) => sum + (truth.durationNs - ns) / 1e6, 0);
      checks.near('Actual C3 residency (ms) = truth', numberIn(c3[5] ?? ''), residencyMs, 0.001);
      const target = await statsCells(page, 'Target/C3');
      checks.check('Target C3: 23 transitions', numberIn(target[4] ?? '') === deepCpus, target.join(' | '));
      const allC1 = truth.visits.reduce((n, v) => n + (v.C1?.count ?? 0), 0);
      const c1 = await statsCells(page, 'Actual/C1');
      checks.check(
        'Actual C1 visits, all CPUs = truth',
        numberIn(c1[3] ?? '') === allC1,
        `${c1[3]} vs ${allC1}`,
      );
      await page.click('[data-testid=idle-stats-row][data-key="Actual/C1"] [data-testid=idle-stats-expand]');
      const cpu0 = await statsCells(page, 'Actual/C1/0');
      checks.check(
        '▸ opens per-CPU rows: CPU 0’s C1 visits = truth',
        numberIn(cpu0[3] ?? '') === truth.visits[0]!.C1!.count,
        cpu0.join(' | '),
      );
      await page.click('[data-testid=idle-stats-row][data-key="Actual/C1"]');
      const bars = await page.locator('[data-testid=idle-histogram-bar] .power-bar-count').allInnerTexts();
      checks.check(
        'the histogram of Actual C1 visit lengths adds up to its visits',
        bars.reduce((n, t) => n + numberIn(t), 0) === allC1,
        bars.join(', '),
      );
      const targetRows = truth.targets.reduce(
        (n, t) => n + BigInt(t.mask).toString(2).replace(/0/g, '').length,
        0,
      );
      await page.click('[data-testid=idle-rows-Target]');
      await settled(page);
      const total = await page.locator('[data-testid=idle-rows-total]').innerText();
      checks.check(
        'Target rows = one per CPU per Target change',
        numberIn(total.split(' ')[0]!) === targetRows,
        total,
      );
      const lastRow = page.locator('[data-testid=idle-rows]');
      await lastRow.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await settled(page);
      const rows = await page.locator('[data-testid=idle-row]').allInnerTexts();
      checks.check(
        'the last Target row: a CPU to C3 at the truth’s second change',
        rows.some(
          (r) =>
            r.includes('Target') && r.includes('C3') && r.includes((truth.targets[1]!.ns / 1e9).toFixed(9)),
        ),
        rows.at(-1)?.replace(/\s+/g, ' '),
      );
      await page.click('[data-testid=idle-rows-all]');
      await page.click('[data-testid=idle-stats-row][data-key="Actual/C3"]');
      await showPanel(page);
      await shots(page, 'power-idle-states');
    });

    await checks.step('Actual vs Target lanes and processor performance', async () => {
      await page.click('[data-testid=power-view-lanes]');
      await page.waitForSelector('[data-testid=power-actual-target]');
      await settled(page);
      const lanes =
        (await page.locator('[data-testid=power-actual-target]').getAttribute('data-lanes')) ?? '';
      checks.check('one lane per CPU, all 24', lanes.split(',').length === truth.cpuCount, lanes);
      await showPanel(page);
      await shots(page, 'power-actual-vs-target');
      await page.click('[data-testid=power-view-perf]');
      await page.waitForSelector('[data-testid=perf-time-at-state]');
      await settled(page);
      const states = await page
        .locator('[data-testid=perf-state-row]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
      const truthStates = [...new Set(truth.perfStates.map((p) => `P${p.state}`))].sort();
      checks.check(
        'time at each state: the truth’s states',
        states.join(',') === truthStates.join(','),
        states.join(','),
      );
      const p4 = await page.locator('[data-testid=perf-state-row][data-state=P4] td').allInnerTexts();
      const p4Ms = (deepCpus * (truth.durationNs - truth.perfStates.find((p) => p.state === 4)!.ns)) / 1e6;
      checks.near('P4 CPU·ms = 23 CPUs from the change to the end', numberIn(p4[1] ?? ''), p4Ms, 0.001);
      const changes = await page
        .locator('[data-testid=perf-cpu-row]')
        .evaluateAll((rows) =>
          rows.map((r) => [Number(r.getAttribute('data-cpu')), Number(r.getAttribute('data-changes'))]),
        );
      const wrong = changes.filter(
        ([cpu, n]) => truth.perfStates.filter((p) => p.cpus.includes(cpu!)).length !== n,
      );
      checks.check(
        'state intervals per CPU = the truth’s perf-state changes naming it (CPU 0: 10)',
        changes.length === truth.cpuCount && wrong.length === 0 && changes[0]![1] === 10,
        JSON.stringify(wrong.slice(0, 3)),
      );
      const note = await page.locator('[data-testid=perf-note]').innerText();
      checks.check(
        'says honestly: P-state indices, MHz table not decoded, header’s 3,700 MHz',
        note.includes('P-state indices') && note.includes('not decoded') && note.includes('3,700 MHz'),
        note,
      );
      const perfLanes = await page.locator('[data-testid=power-perf-lanes]').boundingBox();
      checks.check(
        'the P-state lanes are drawn (24 lanes, the panel’s width)',
        (perfLanes?.width ?? 0) > 600 &&
          ((await page.locator('[data-testid=power-perf-lanes]').getAttribute('data-lanes')) ?? '').split(',')
            .length === truth.cpuCount,
        JSON.stringify(perfLanes),
      );
      await showPanel(page);
      await shots(page, 'power-performance');
    });

    await checks.step('the circular-logger variant', async () => {
      await openTrace(page, circularServer.url);
      const notice = await page.locator('[data-testid=circular-notice]').innerText();
      checks.check(
        'the notice: the trace starts with the oldest surviving buffer, 8 h after the session start',
        notice.includes('the trace starts with the oldest surviving buffer') &&
          notice.includes('28800.0 s after'),
        notice,
      );
      checks.check('… and the time origin', notice.includes('Time 0 = 2024-03-12 17:30:00.000 UTC'), notice);
      deepIdleChecks(
        circularTruth,
        await page.locator('[data-testid=headline-deep-idle]').innerText(),
        'circular',
      );
      checks.check('the circular truth says so', circularTruth.circular);
      await shots(page, 'circular-logger');
    });

    checks.check('no page errors', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
    console.log(`  (whole suite ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await browser?.close();
    await server.stop();
    await circularServer.stop();
  }
}

await run().catch((error: unknown) => {
  checks.check('e2e ran to the end', false, error instanceof Error ? error.message : String(error));
});
const { failed } = checks.summary();
process.exit(failed > 0 ? 1 : 0);
