// `npm run bench:ui`: the screen-speed figures of issue 10, in Debian's Chromium (playwright-core)
// against the real `etlscope serve` on generated 16-CPU scale traces (the same files `npm run
// bench` writes to bench-data/):
//
//   page.goto ──> analysis screen ──> every graph, the headline and the pivot drawn (no query left)
//   key / click ──> redrawn (no query in flight for two frames), timed from the last input event
//                   (keydown / pointerdown, seen in the page)     + long tasks (> 50 ms) meanwhile
//   10 Ctrl+wheel notches 16 ms apart ──> frames/s while wheeling, settle after the last notch
//   whole-trace CSV export in flight ──> a selection's totals drawn
//
// Prints each figure with its goal and the ratio (figure / goal; ≤ 1 meets a "≤" goal) and writes
// bench-results/ui-latest.json. The machine is shared: figures vary run to run; each interaction
// is repeated and its median printed with the worst.
// Options: --sizes 200MiB,1GiB (default 200MiB)   --runs N (interaction repeats, default 5)
// Env: ETLSCOPE_E2E_NO_BUILD=1 uses the existing dist/renderer.

import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildRenderer, launchChromium, root, settled, startServe } from '../../tests/e2e/browser.js';
import { SCENARIOS } from '../writer/scenarios.js';
import { simulate } from '../writer/simulate.js';

const dataDir = path.join(root, 'bench-data');
const resultsDir = path.join(root, 'bench-results');
const LOAD_TIMEOUT_MS = 300_000;
/** A main-thread task longer than this is a "long task" (the browser's own definition). */
const LONG_TASK_MS = 50;
/** The issue's open goals: ≤ 2 s for the 200 MB trace, ≤ 5 s for the 1 GiB one (above this size). */
const OPEN_GOAL_LARGE_FROM_MB = 500;
/** Interaction repeats: the median is the figure, the worst is printed beside it. */
const DEFAULT_RUNS = 5;

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly goal: number;
  /** 'max': value ≤ goal meets it; 'min': value ≥ goal. */
  readonly kind: 'max' | 'min';
  readonly note?: string;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB)$/i.exec(text.trim());
  if (m === null) throw new Error(`bad size ${text} (use e.g. 200MiB, 1GiB)`);
  return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === 'gib' ? 1024 ** 3 : 1024 ** 2));
}

/** The scale trace `npm run bench` would write (generated once, marked finished by its truth). */
function ensureTrace(bytes: number): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, `scale-${Math.round(bytes / 1024 ** 2)}MiB.etl`);
  if (existsSync(file) && existsSync(`${file}.truth.json`)) return file;
  console.log(`generating ${path.relative(root, file)} with the trace writer…`);
  const { truth } = simulate(SCENARIOS.scale!, { path: file, targetBytes: bytes, seed: 7 });
  writeFileSync(`${file}.truth.json`, JSON.stringify(truth));
  return file;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};

/** In the page: long tasks as they happen (buffered from the start), and a "redrawn" wait. */
const PAGE_HOOKS = `
  window.__longTasks = [];
  // The moment of the user's last input (capture phase, before the app's handlers): an
  // interaction is timed from its last input event, not from the driver's round trips before it.
  window.__lastInput = 0;
  for (const type of ['pointerdown', 'keydown', 'wheel'])
    addEventListener(type, () => { window.__lastInput = performance.now(); }, { capture: true, passive: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const busy = () => document.querySelector('.app')?.getAttribute('data-busy') === 'true';
  window.__redrawn = (t0, timeoutMs) => new Promise((resolve) => {
    let idleFrames = 0;
    let sawBusy = false;
    const frame = () => {
      const now = performance.now();
      if (busy()) { sawBusy = true; idleFrames = 0; } else idleFrames++;
      // Two idle frames in a row (a result can start the next query a frame later); a query that
      // never started (a cache hit) is done at its first idle frame pair too.
      if (idleFrames >= 2 || now - t0 > timeoutMs) resolve({ ms: now - t0, sawBusy });
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
`;

interface Measured {
  readonly ms: number;
  readonly longTasks: number;
  readonly longestTaskMs: number;
}

/** Runs `act` and waits for the redraw, timed from the last input event `act` caused (a click's
 *  pointerdown, a key's keydown); long tasks from the start of `act`. */
async function measure(page: Page, act: () => Promise<void>): Promise<Measured> {
  const before = await page.evaluate(() => performance.now());
  await act();
  const lastInput = await page.evaluate(() => (window as unknown as { __lastInput: number }).__lastInput);
  const t0 = lastInput >= before ? lastInput : before;
  const { ms } = await page.evaluate(
    ([start]) =>
      (window as unknown as { __redrawn: (t: number, m: number) => Promise<{ ms: number }> }).__redrawn(
        start!,
        60_000,
      ),
    [t0],
  );
  const tasks = await page.evaluate(
    ([start]) =>
      (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter(
        (t) => t.start + t.duration >= start!,
      ),
    [before],
  );
  const long = tasks.filter((t) => t.duration > LONG_TASK_MS);
  return { ms, longTasks: long.length, longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)) };
}

async function pressKey(page: Page, key: string): Promise<void> {
  await page.evaluate(
    (k) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })),
    key,
  );
}

async function benchTrace(file: string, runs: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const sizeMb = statSync(file).size / 1e6;
  const label = `${sizeMb.toFixed(0)} MB`;
  const server = await startServe([file]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.addInitScript(PAGE_HOOKS);
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
    const readyMs = Date.now() - t0;
    // The first graph: Utilization by CPU with its answer, painted (a frame after its data).
    await page.waitForSelector('[data-testid=graph-utilization][data-drawn=true]', {
      timeout: LOAD_TIMEOUT_MS,
    });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined))));
    const firstGraphMs = Date.now() - t0;
    await page.waitForSelector('[data-testid=pivot-row]', { timeout: LOAD_TIMEOUT_MS });
    await page.waitForSelector('[data-testid=headline]', { timeout: LOAD_TIMEOUT_MS });
    const drawn = await page.evaluate(() =>
      (window as unknown as { __redrawn: (t: number, m: number) => Promise<{ ms: number }> }).__redrawn(
        performance.now(),
        120_000,
      ),
    );
    const openMs = Date.now() - t0;
    figures.push({
      name: `${label}: open → every graph, headline and pivot drawn`,
      value: openMs / 1000,
      unit: 's',
      goal: sizeMb > OPEN_GOAL_LARGE_FROM_MB ? 5 : 2,
      kind: 'max',
      note: `analysis screen (engine ready) at ${(readyMs / 1000).toFixed(2)} s; drawn ${((openMs - readyMs) / 1000).toFixed(2)} s after (incl. ~2 frames of idle check, ${drawn.ms.toFixed(0)} ms)`,
    });
    figures.push({
      name: `${label}: engine ready → the first graph drawn`,
      value: (firstGraphMs - readyMs) / 1000,
      unit: 's',
      goal: 1,
      kind: 'max',
      note: `Utilization by CPU painted at ${(firstGraphMs / 1000).toFixed(2)} s`,
    });
    await settled(page);

    const interactions: [string, () => Promise<void>, () => Promise<void>][] = [
      ['zoom in (+)', () => pressKey(page, '+'), async () => pressKey(page, '0')],
      ['zoom out (−)', () => pressKey(page, '-'), async () => pressKey(page, '+')],
      ['unzoom (0)', () => pressKey(page, '0'), async () => pressKey(page, '+')],
      ['pan (D)', () => pressKey(page, 'd'), async () => pressKey(page, 'a')],
      [
        'filter CPUs (CPU 3 → Filter to Selection)',
        async () => {
          await page.click('[data-cpu="3"]');
          await page.click('[data-testid=filter-to-selection]');
        },
        async () => {
          await page.keyboard.press('Control+z');
        },
      ],
      [
        'regroup (+ CPU on the gold bar)',
        () => page.click('[data-testid=available-chip-cpu]'),
        () => page.click('[data-testid=group-chip-cpu] .chip-remove'),
      ],
    ];
    // Zoomed in once so zoom out / pan have room.
    await pressKey(page, '+');
    await settled(page);
    for (const [name, act, undo] of interactions) {
      const samples: Measured[] = [];
      for (let r = 0; r < runs; r++) {
        samples.push(await measure(page, act));
        await undo();
        await settled(page);
        if (name.startsWith('unzoom') || name.startsWith('zoom out')) {
          // back to the zoomed-in starting point for the next repeat
        }
      }
      const ms = samples.map((s) => s.ms);
      figures.push({
        name: `${label}: ${name} → redrawn`,
        value: median(ms),
        unit: 'ms',
        goal: 100,
        kind: 'max',
        note: `worst ${Math.max(...ms).toFixed(0)} ms of ${runs}`,
      });
      figures.push({
        name: `${label}: ${name}: long tasks (> 50 ms) per action`,
        value: median(samples.map((s) => s.longTasks)),
        unit: '',
        goal: 0,
        kind: 'max',
        note: `longest task ${Math.max(...samples.map((s) => s.longestTaskMs)).toFixed(0)} ms`,
      });
    }

    // Wheel: 10 Ctrl+wheel notches 16 ms apart over the graphs; frames counted in the page.
    await pressKey(page, '0');
    await settled(page);
    const overlay = (await page.locator('[data-testid=graph-overlay]').boundingBox())!;
    await page.mouse.move(overlay.x + overlay.width * 0.4, overlay.y + 60);
    // (A string: tsx's keepNames would wrap a named inner function in a helper the page lacks.)
    await page.evaluate(`
      window.__frames = [];
      window.__counting = true;
      requestAnimationFrame(function tick(t) {
        window.__frames.push(t);
        if (window.__counting) requestAnimationFrame(tick);
      });
    `);
    const wheelStart = await page.evaluate(() => performance.now());
    await page.keyboard.down('Control');
    for (let i = 0; i < 10; i++) {
      await page.mouse.wheel(0, -100);
      await page.waitForTimeout(16);
    }
    await page.keyboard.up('Control');
    const lastNotch = await page.evaluate(() => performance.now());
    const settle = await page.evaluate(
      ([t]) =>
        (window as unknown as { __redrawn: (t: number, m: number) => Promise<{ ms: number }> }).__redrawn(
          t!,
          60_000,
        ),
      [lastNotch],
    );
    const frames = await page.evaluate(
      ([a, b]) => {
        const w = window as unknown as { __frames: number[]; __counting: boolean };
        w.__counting = false;
        return w.__frames.filter((t) => t >= a! && t <= b!).length;
      },
      [wheelStart, lastNotch],
    );
    figures.push({
      name: `${label}: frames/s while Ctrl+wheeling (10 notches)`,
      value: frames / ((lastNotch - wheelStart) / 1000),
      unit: 'fps',
      goal: 30,
      kind: 'min',
      note: 'headless Chromium paces frames itself; a blocked main thread shows as fewer frames',
    });
    figures.push({
      name: `${label}: settle after the last wheel notch`,
      value: settle.ms,
      unit: 'ms',
      goal: 200,
      kind: 'max',
    });

    // A selection's totals while a whole-trace CSV export runs.
    await pressKey(page, '0');
    await settled(page);
    const download = page.waitForEvent('download', { timeout: 5000 }).catch(() => undefined);
    await page.click('[data-testid=export-dpc]').catch(() => undefined);
    await page.waitForTimeout(100);
    const dragStart = Date.now();
    await page.mouse.move(overlay.x + overlay.width * 0.3, overlay.y + 60);
    await page.mouse.down();
    await page.mouse.move(overlay.x + overlay.width * 0.35, overlay.y + 60, { steps: 3 });
    const released = await page.evaluate(() => performance.now());
    await page.mouse.up();
    // From the last input (the button's release) until the final selection's totals are drawn:
    // the totals text is there and no query is in flight (an earlier answer of the drag would
    // otherwise count). The drag's own driver round trips (~4 × 40 ms) are not the app's time.
    const shown = await page.evaluate(
      `new Promise((resolve) => {
        function frame() {
          const text = document.querySelector('[data-testid=selection-info]')?.textContent ?? '';
          const busy = document.querySelector('.app')?.getAttribute('data-busy') === 'true';
          if (/DPC\\/ISR/.test(text) && !busy) resolve(performance.now());
          else requestAnimationFrame(frame);
        }
        requestAnimationFrame(frame);
      })`,
    );
    figures.push({
      name: `${label}: a selection's totals during a whole-trace export`,
      value: (shown as number) - released,
      unit: 'ms',
      goal: 200,
      kind: 'max',
      note: `from the mouse button's release (the drag itself took ${Date.now() - dragStart} ms of driver round trips); browser mode: the server writes the CSV in slices to a temp file, then hands out the download`,
    });
    await download;
  } finally {
    await browser.close();
    await server.stop();
  }
  return figures;
}

async function main(): Promise<void> {
  const sizes = (argValue('--sizes') ?? '200MiB').split(',').map(parseSize);
  const runs = Number(argValue('--runs') ?? DEFAULT_RUNS);
  if (process.env.ETLSCOPE_E2E_NO_BUILD !== '1') await buildRenderer();
  const all: Figure[] = [];
  for (const bytes of sizes) {
    const file = ensureTrace(bytes);
    console.log(`\n${path.relative(root, file)} (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
    for (const f of await benchTrace(file, runs)) {
      all.push(f);
      const ratio = f.goal === 0 ? (f.value === 0 ? 0 : Infinity) : f.value / f.goal;
      const met = f.kind === 'max' ? f.value <= f.goal : f.value >= f.goal;
      console.log(
        `  ${met ? '✓' : '✗'} ${f.name}: ${f.value.toFixed(f.unit === 's' ? 2 : 0)} ${f.unit}  (goal ${f.kind === 'max' ? '≤' : '≥'} ${f.goal} ${f.unit}, ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'})${f.note !== undefined ? ` — ${f.note}` : ''}`,
      );
    }
  }
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    path.join(resultsDir, 'ui-latest.json'),
    JSON.stringify({ date: new Date().toISOString(), figures: all }, null, 2),
  );
  console.log('\n(the machine is shared with other work: figures vary from run to run)');
}

await main();
