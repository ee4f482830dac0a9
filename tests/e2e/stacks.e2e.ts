// End-to-end story of symbols and stacks in Debian's Chromium (playwright-core) against the real
// `etlscope serve`, on genuine-image traces (PE + PDB pairs built by clang-14 / lld-link-14) whose
// stacks the writer knows (truth.stacks):
//
//   1. backup server served with its PDB store (`serve FILE --symbols STORE`): the background
//      symbol load names everything; DPC/ISR pivot Function = ndisInterruptDpc; CPUs 0,2,4,6 →
//      "DPC/ISR Usage by Module, Stack": IDSvia64.sys / iansw60e.sys / ndis.sys counts = truth,
//      ndis.sys's heaviest stack runs through IDSvia64.sys!InetInspectReceive; bottom-up and the
//      butterfly on one function against the truth; the flame graph; Show stacks from a pivot row
//   2. audio workstation dropped together with its PDBs (browser upload into the trace's
//      `.symbols/`): the volsnap spinlock path (volsnap → KeAcquireSpinLockAtDpcLevel →
//      KxWaitForSpinLockAndAcquire) in the tree (Find) and in the flame graph (highlight + zoom)
//   3. the backup trace copied away from its PDBs: names are `module+0x…`; Load Symbols against a
//      real local HTTP symbol server (`srv*CACHE*http://127.0.0.1:PORT/`): progress, Cancel on a
//      slow server, then the load — pivot, stacks, headline and CSV export show the names
//   4. a trace recorded without stack walks says so
//
// Screenshots at 1280×800 and 1920×1080, light and dark, go to test-results/e2e/stacks/.
// Run:  node --import tsx tests/e2e/stacks.e2e.ts   (last line "e2e: N passed, N failed")
// Env:  ETLSCOPE_E2E_NO_BUILD=1  use the existing dist/renderer

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  startSymbolServer,
  type Route,
  type TestSymbolServer,
} from '../../electron/symbols/test-fixtures.js';
import { buildScenarioBinaries } from '../../scripts/drivers/scenario.js';
import { toolchainAvailable } from '../../scripts/drivers/toolchain.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import {
  QUERY_TIMEOUT_MS,
  buildRenderer,
  launchChromium,
  root,
  screenshotter,
  settled,
  startServe,
} from './browser.js';
import { Checks, parseCsv } from './harness.js';

const outDir = path.join(root, 'test-results', 'e2e', 'stacks');
const workDir = path.join(outDir, 'work');
/** A 2 s trace: every story in it, loads in about a second. */
const SECONDS = 2;
const LOAD_TIMEOUT_MS = 120_000;
const FOCUS_CPUS = [0, 2, 4, 6];
/** A real trace with deep sampled stacks; where the traces are not beside the clone its step is skipped. */
const realTrace = path.join(
  process.env.ETLSCOPE_TRACES ?? path.resolve(root, '..', 'shared', 'traces'),
  'perfview-net452-x64.etl',
);
/** No symbol path from the machine running the suite may leak into a server that must not find PDBs. */
const NO_SYMBOL_ENV = {
  ETLSCOPE_SYMBOL_PATH: undefined,
  _NT_SYMBOL_PATH: undefined,
  _NT_ALT_SYMBOL_PATH: undefined,
};

const checks = new Checks();
const shots = screenshotter(outDir);
type StackTruth = NonNullable<ScenarioTruth['stacks']>;

// ------------------------------------------------------------------------------------------------
// Traces
// ------------------------------------------------------------------------------------------------

interface Story {
  readonly file: string;
  readonly store: string;
  readonly truth: ScenarioTruth;
}

function writeStory(name: 'backupServer' | 'audioWorkstation', file: string): Story {
  const spec = SCENARIOS[name]!;
  const binaries = buildScenarioBinaries(spec, { pointerSize: 8 });
  const store = `${file}.store`;
  const { truth } = simulate(spec, { seconds: SECONDS, seed: 3, path: file, binaries, pdbStore: store });
  return { file, store, truth };
}

/** A trace recorded without stack walks (no sampled stacks, no DPC/ISR stacks). */
function writeTraceWithoutStacks(file: string): void {
  const spec = { ...SCENARIOS.deepIdle12Core!, stackProbability: 0, stacks: { dpcEventProbability: 0 } };
  simulate(spec, { seconds: 1, seed: 3, path: file, writeSymbols: false });
}

/** The PDB files of a symstore tree (name.pdb/GUIDAGE/name.pdb), as a user would drop them. */
function pdbFiles(store: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(store).filter((n) => n.toLowerCase().endsWith('.pdb'))) {
    for (const key of readdirSync(path.join(store, name))) out.push(path.join(store, name, key, name));
  }
  return out;
}

/** Samples of a group's truth paths grouped by a key of each path. */
function sumBy(
  paths: StackTruth['dpcIsrByModule'][string]['paths'],
  key: (frames: string[]) => string | undefined,
) {
  const out = new Map<string, number>();
  for (const p of paths) {
    const k = key(p.frames);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + p.samples);
  }
  return out;
}

/** A symbol server on a slow link: each file's body trickles out at 8 KiB/s (a big PDB far away). */
function trickleFrom(store: string): Route {
  return (_req, res, pathname) => {
    const file = path.join(store, path.normalize(pathname).replace(/^([/\\])+/, ''));
    if (!file.startsWith(store + path.sep) || !existsSync(file) || !statSync(file).isFile()) return false;
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= body.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body.subarray(at, at + 2048));
      at += 2048;
    }, 250);
    res.on('close', () => clearInterval(timer));
    return true;
  };
}

const heaviest = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0];

// ------------------------------------------------------------------------------------------------
// Page helpers
// ------------------------------------------------------------------------------------------------

interface RowInfo {
  readonly depth: number;
  readonly name: string;
  readonly kind: string;
  readonly count: number;
  readonly expanded: boolean;
}

async function stackRows(page: Page, tree = 'stack-tree-main'): Promise<RowInfo[]> {
  return page.locator(`[data-testid=${tree}] [data-testid=stack-row]`).evaluateAll((rows) =>
    rows
      .map((r) => ({
        top: Number(/translateY\((\d+(?:\.\d+)?)px\)/.exec((r as HTMLElement).style.transform)?.[1] ?? 0),
        depth: Number(r.getAttribute('data-depth')),
        name: r.getAttribute('data-name') ?? '',
        kind: r.getAttribute('data-kind') ?? '',
        count: Number(r.querySelector('[data-col=count]')?.getAttribute('data-value') ?? NaN),
        expanded: r.getAttribute('data-expanded') === 'true',
      }))
      .sort((a, b) => a.top - b.top)
      .map(({ top: _top, ...row }) => row),
  );
}

async function stackSettled(page: Page, tree = 'stack-tree-main'): Promise<void> {
  await page.waitForSelector(`[data-testid=${tree}] [data-testid=stack-total]`, {
    timeout: QUERY_TIMEOUT_MS,
  });
  await settled(page);
}

async function selectionPath(page: Page, tree = 'stack-tree-main'): Promise<string[]> {
  const line = page.locator(`[data-testid=${tree}-selection]`);
  await line.waitFor({ timeout: QUERY_TIMEOUT_MS });
  return (await line.innerText()).split(' › ').map((s) => s.trim());
}

async function waitSymbols(page: Page): Promise<string> {
  await page.waitForSelector('[data-testid=symbols-button][data-status=done]', { timeout: LOAD_TIMEOUT_MS });
  return page.locator('[data-testid=symbols-button]').innerText();
}

async function pivotSettled(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=pivot-total]', { timeout: QUERY_TIMEOUT_MS });
  await settled(page);
}

async function openTab(page: Page, tab: string): Promise<void> {
  await page.click(`[data-testid=tab-${tab}]`);
  await settled(page);
}

/** Drops files on the window the way a user would: one drop event carrying every File. */
async function dropFiles(page: Page, files: readonly string[]): Promise<void> {
  const payload = files.map((f) => ({ name: path.basename(f), data: readFileSync(f).toString('base64') }));
  await page.evaluate((items) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      transfer.items.add(new File([Uint8Array.from(atob(item.data), (c) => c.charCodeAt(0))], item.name));
    }
    const target = document.querySelector('.app')!;
    target.dispatchEvent(
      new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
    );
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, payload);
}

async function openAnalysis(page: Page, titleIncludes: string): Promise<void> {
  await page.waitForFunction((t) => document.title.includes(t), titleIncludes, { timeout: LOAD_TIMEOUT_MS });
  await page.waitForSelector('[data-testid=analysis]', { timeout: LOAD_TIMEOUT_MS });
}

async function filterToCpus(page: Page, cpus: readonly number[]): Promise<void> {
  await page.click(`[data-cpu="${cpus[0]}"]`);
  for (const cpu of cpus.slice(1)) await page.click(`[data-cpu="${cpu}"]`, { modifiers: ['Control'] });
  await page.click('[data-testid=filter-to-selection]');
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid=active-filters]')?.textContent?.includes(text),
    `Only CPU ${cpus.join(', ')}`,
  );
}

async function setEnlarged(page: Page, enlarged: boolean): Promise<void> {
  const pressed = (await page.locator('[data-testid=panel-enlarge]').getAttribute('aria-pressed')) === 'true';
  if (pressed !== enlarged) await page.click('[data-testid=panel-enlarge]');
}

/** The DPC/ISR pivot's function rows under a module (expanded by a click on the module row). */
async function pivotFunctions(page: Page, module: string): Promise<string[]> {
  await openTab(page, 'dpcIsr');
  await pivotSettled(page);
  const row = page.locator(`[data-testid=pivot-row][data-depth="0"][data-key="${module}"]`);
  await row.waitFor({ timeout: QUERY_TIMEOUT_MS });
  const before = await page.locator('[data-testid=pivot-row][data-depth="1"]').count();
  if (before === 0) await row.click();
  await page.waitForSelector('[data-testid=pivot-row][data-depth="1"]', { timeout: QUERY_TIMEOUT_MS });
  await settled(page);
  return page
    .locator('[data-testid=pivot-row][data-depth="1"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
}

// ------------------------------------------------------------------------------------------------
// The flow
// ------------------------------------------------------------------------------------------------

async function run(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  if (!toolchainAvailable()) {
    checks.skip(
      'stacks e2e',
      'clang-14 / lld-link-14 / llvm-14 are not installed: no genuine images to build',
    );
    return;
  }
  const started = Date.now();
  await buildRenderer();
  const backup = writeStory('backupServer', path.join(workDir, 'backup-server.etl'));
  const audio = writeStory('audioWorkstation', path.join(workDir, 'audio-workstation.etl'));
  const awayDir = path.join(workDir, 'away');
  mkdirSync(awayDir);
  const away = path.join(awayDir, 'backup-away.etl');
  copyFileSync(backup.file, away); // the trace alone: no .symbols/ beside it
  const noStacks = path.join(workDir, 'no-stacks.etl');
  writeTraceWithoutStacks(noStacks);
  console.log(`  (traces and images ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const withStore = await startServe([backup.file, '--symbols', backup.store], NO_SYMBOL_ENV);
  const plain = await startServe([], NO_SYMBOL_ENV);
  let fastSymbols: TestSymbolServer | undefined;
  let slowSymbols: TestSymbolServer | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on(
      'console',
      (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && pageErrors.push(m.text()),
    );
    checks.onStepError = async (stepName) => {
      await page.screenshot({
        path: path.join(outDir, `failed-${stepName.replace(/[^a-z0-9]+/gi, '-')}.png`),
      });
    };
    const stacks = backup.truth.stacks!;

    // ---------------------------------------------------------------------------------------------
    await checks.step('backup server with its PDB store: the background load names everything', async () => {
      await page.goto(withStore.url);
      await openAnalysis(page, 'backup-server.etl');
      const status = await waitSymbols(page);
      const total = pdbFiles(backup.store).length;
      checks.check(
        'top-bar status: every PDB the trace names was loaded by itself',
        status === `Symbols: ${total} of ${total} PDBs`,
        status,
      );
      const functions = await pivotFunctions(page, 'ndis.sys');
      checks.check(
        'DPC/ISR pivot: the Function column says ndisInterruptDpc',
        functions.includes('ndisInterruptDpc') && !functions.some((f) => f.includes('+0x')),
        functions.join(', '),
      );
    });

    let treeMs = NaN;
    await checks.step(
      'CPUs 0,2,4,6 → DPC/ISR Usage by Module, Stack: modules and counts = truth',
      async () => {
        await filterToCpus(page, FOCUS_CPUS);
        await pivotSettled(page);
        const clicked = Date.now();
        await page.click('[data-testid=tab-stacks]');
        await page.waitForSelector('[data-testid=stack-tree-main] [data-testid=stack-row]', {
          timeout: QUERY_TIMEOUT_MS,
        });
        treeMs = Date.now() - clicked;
        console.log(`  (query → drawn tree: ${treeMs} ms)`);
        await stackSettled(page);
        checks.check(
          'the Stacks tab opens on DPC/ISR Usage by Module, Stack as a call tree',
          (await page.locator('[data-testid=stack-panel]').getAttribute('data-preset')) ===
            'dpcIsrUsageByModule' &&
            (await page.locator('[data-testid=stack-panel]').getAttribute('data-mode')) === 'call-tree',
        );
        const top = (await stackRows(page)).filter((r) => r.depth === 0);
        const names = top.map((r) => r.name);
        checks.check(
          'IDSvia64.sys and iansw60e.sys are among the top four modules',
          names.slice(0, 4).includes('IDSvia64.sys') && names.slice(0, 4).includes('iansw60e.sys'),
          names.slice(0, 6).join(', '),
        );
        for (const module of ['IDSvia64.sys', 'iansw60e.sys', 'ndis.sys']) {
          checks.near(
            `${module}: samples = truth.stacks.dpcIsrByModule`,
            top.find((r) => r.name === module)?.count,
            stacks.dpcIsrByModule[module]!.samples,
            0,
          );
        }
        checks.check('the tree draws within 3 s of the click', treeMs < 3000, `${treeMs} ms`);
      },
    );

    await checks.step(
      'ndis.sys: the heaviest stack runs through IDSvia64.sys!InetInspectReceive',
      async () => {
        await setEnlarged(page, true);
        const ndis = page.locator(
          '[data-testid=stack-tree-main] [data-testid=stack-row][data-depth="0"][data-name="ndis.sys"]',
        );
        await ndis.click();
        await page.keyboard.press('*');
        await settled(page);
        const pathNames = await selectionPath(page);
        checks.check(
          'the path opened from ndis.sys holds IDSvia64.sys!InetInspectReceive',
          pathNames[0] === 'ndis.sys' && pathNames.includes('IDSvia64.sys!InetInspectReceive'),
          pathNames.join(' › '),
        );
        const truthPath = heaviest(sumBy(stacks.dpcIsrByModule['ndis.sys']!.paths, (f) => f.join(' > ')))!;
        checks.check(
          'it is the truth’s heaviest ndis.sys path, frame for frame',
          pathNames.slice(1).join(' > ') === truthPath[0],
          `truth ${truthPath[0]}`,
        );
        const rows = await stackRows(page);
        const visible = rows.map((r) => r.name);
        checks.check(
          'every frame is named module!function (no +0x)',
          rows.filter((r) => r.kind === 'frame').every((r) => /^[^!+]+![^+]+$/.test(r.name)),
          visible.filter((n) => n.includes('+0x')).join(', '),
        );
        await shots(page, 'backup-call-tree-ndis');
      },
    );

    await checks.step('bottom-up and the butterfly on one function, against the truth', async () => {
      await page.click('[data-testid=stack-mode-bottom-up]');
      await stackSettled(page);
      await page
        .locator(
          '[data-testid=stack-tree-main] [data-testid=stack-row][data-depth="0"][data-name="IDSvia64.sys"]',
        )
        .click();
      await settled(page);
      const ids = stacks.dpcIsrByModule['IDSvia64.sys']!;
      const leaves = sumBy(ids.paths, (f) => f.at(-1));
      const [leaf, leafSamples] = heaviest(leaves)!;
      const rows = await stackRows(page);
      const first = rows.find((r) => r.depth === 1);
      checks.check(
        'bottom-up: IDSvia64.sys’s first function is where most of its time was spent',
        first?.name === leaf,
        `${first?.name} vs ${leaf}`,
      );
      checks.near(`bottom-up: ${leaf} own samples = truth`, first?.count, leafSamples, 0);

      // Butterfly on IDSvia64.sys!InetInspectReceive: who called it and what it called, over all modules.
      const focus = 'IDSvia64.sys!InetInspectReceive';
      const all = Object.values(stacks.dpcIsrByModule).flatMap((g) => g.paths);
      const containing = all.filter((p) => p.frames.includes(focus));
      const callers = sumBy(containing, (f) => f[f.indexOf(focus) - 1]);
      const callees = sumBy(containing, (f) => f[f.indexOf(focus) + 1] ?? '<itself>');
      const row = page
        .locator(`[data-testid=stack-tree-main] [data-testid=stack-row][data-name="${focus}"]`)
        .first();
      if ((await row.count()) === 0) {
        await page.click('[data-testid=stack-mode-call-tree]');
        await stackSettled(page);
      }
      await page
        .locator(`[data-testid=stack-tree-main] [data-testid=stack-row][data-name="${focus}"]`)
        .first()
        .click({ button: 'right' });
      await page.locator('[data-testid=stack-context-menu] button', { hasText: 'Butterfly' }).click();
      await stackSettled(page, 'stack-tree-callers');
      await stackSettled(page, 'stack-tree-callees');
      checks.check(
        'the butterfly centres on the function',
        (await page.locator('[data-testid=butterfly-focus]').innerText()) === focus,
      );
      const callerRows = await stackRows(page, 'stack-tree-callers');
      const calleeRows = await stackRows(page, 'stack-tree-callees');
      const containingSamples = containing.reduce((a, p) => a + p.samples, 0);
      checks.near(
        'butterfly: samples through the function = truth',
        callerRows[0]?.count,
        containingSamples,
        0,
      );
      const [topCaller, topCallerSamples] = heaviest(callers)!;
      const shownCaller = callerRows.find((r) => r.depth === 1);
      checks.check(
        'butterfly: the heaviest caller = truth',
        shownCaller?.name === topCaller,
        `${shownCaller?.name} vs ${topCaller}`,
      );
      checks.near('butterfly: that caller’s samples = truth', shownCaller?.count, topCallerSamples, 0);
      const [topCallee, topCalleeSamples] = heaviest(callees)!;
      const shownCallee = calleeRows.find((r) => r.depth === 1);
      checks.check(
        'butterfly: the heaviest callee = truth',
        shownCallee?.name === topCallee,
        `${shownCallee?.name} vs ${topCallee}`,
      );
      checks.near('butterfly: that callee’s samples = truth', shownCallee?.count, topCalleeSamples, 0);
      await shots(page, 'backup-butterfly');
    });

    await checks.step('flame graph of the backup server; Show stacks from a pivot row', async () => {
      const clicked = Date.now();
      await page.click('[data-testid=stack-mode-flame]');
      await page.waitForFunction(
        () =>
          Number(document.querySelector('[data-testid=flame-canvas]')?.getAttribute('data-rects') ?? 0) > 10,
        undefined,
        { timeout: QUERY_TIMEOUT_MS },
      );
      console.log(`  (query → drawn flame graph: ${Date.now() - clicked} ms)`);
      await settled(page);
      const canvas = page.locator('[data-testid=flame-canvas]');
      const box = (await canvas.boundingBox())!;
      const rowPx = Number(await canvas.getAttribute('data-row-px'));
      // Row 1 holds the modules, widest first: the left edge is the heaviest, IDSvia64.sys.
      await page.mouse.move(box.x + 20, box.y + rowPx * 1.5);
      const tip = await page.locator('[data-testid=flame-tooltip]').innerText();
      checks.check(
        'hover names the frame with samples, ms and share',
        tip.includes('IDSvia64.sys') &&
          tip.includes(`${stacks.dpcIsrByModule['IDSvia64.sys']!.samples.toLocaleString('en-US')} samples`) &&
          /% of the view/.test(tip),
        tip.replace(/\n/g, ' | '),
      );
      await shots(page, 'backup-flame');
      await page.mouse.click(box.x + 20, box.y + rowPx * 1.5);
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid=flame-canvas]')?.getAttribute('data-zoom-name') ===
          'IDSvia64.sys',
      );
      checks.check('click zooms into the frame', true);
      await page.keyboard.press('Escape');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=flame-canvas]')?.getAttribute('data-zoom-name') === '',
      );
      checks.check('Esc zooms back out', true);

      // From the DPC/ISR pivot: right-click tcpip.sys → Show stacks.
      await openTab(page, 'dpcIsr');
      await pivotSettled(page);
      await page.click('[data-testid=pivot-row][data-depth="0"][data-key="tcpip.sys"]', { button: 'right' });
      await page.click('[data-testid=show-stacks-dpcIsrUsageByModule]');
      await stackSettled(page);
      const selected = await selectionPath(page);
      const mode = await page.locator('[data-testid=stack-panel]').getAttribute('data-mode');
      checks.check(
        'Show stacks opens the call tree on the module, expanded and selected',
        mode === 'call-tree' &&
          selected.join(' › ') === 'tcpip.sys' &&
          (await stackRows(page)).some((r) => r.depth === 1),
        `${mode}: ${selected.join(' › ')}`,
      );
      await page.selectOption('[data-testid=stack-preset]', 'dpcIsrDurationByFunction');
      await stackSettled(page);
      const dpcTop = (await stackRows(page)).filter((r) => r.depth === 0).map((r) => r.name);
      checks.check(
        'DPC/ISR Duration by Module, Function, Stack lists the DPC modules',
        dpcTop.includes('ndis.sys'),
        dpcTop.join(', '),
      );
      await shots(page, 'backup-dpc-duration-stacks');
      await setEnlarged(page, false);
    });

    // ---------------------------------------------------------------------------------------------
    await checks.step('audio workstation dropped with its PDBs: uploaded beside it, all loaded', async () => {
      await page.goto(plain.url);
      await page.waitForSelector('[data-testid=start-screen]', { timeout: 30_000 });
      const pdbs = pdbFiles(audio.store);
      await dropFiles(page, [...pdbs, audio.file]);
      await openAnalysis(page, 'audio-workstation.etl');
      const status = await waitSymbols(page);
      checks.check(
        'the background load found every dropped PDB (the server has no symbol path)',
        status === `Symbols: ${pdbs.length} of ${pdbs.length} PDBs`,
        status,
      );
    });

    await checks.step(
      'audio: the volsnap spinlock path in the tree (Find) and in the flame graph',
      async () => {
        await page.click('[data-testid=tab-stacks]');
        await setEnlarged(page, true);
        await page.click('[data-testid=stack-mode-call-tree]');
        await stackSettled(page);
        const spin = 'ntoskrnl.exe!KxWaitForSpinLockAndAcquire';
        const truthPaths = Object.values(audio.truth.stacks!.dpcIsrByModule).flatMap((g) => g.paths);
        const spinning = truthPaths.filter((p) => p.frames.at(-1) === spin);
        const spinSamples = spinning.reduce((a, p) => a + p.samples, 0);
        const top = [...spinning].sort((a, b) => b.samples - a.samples)[0]!;
        await page.fill('[data-testid=stack-find]', 'KxWaitForSpinLockAndAcquire');
        await page.press('[data-testid=stack-find]', 'Enter');
        await settled(page);
        const found = await selectionPath(page);
        const at = found.indexOf(spin);
        checks.check(
          'Find opens the heaviest spin: KeAcquireSpinLockAtDpcLevel → KxWaitForSpinLockAndAcquire under a volsnap function',
          at > 1 &&
            found[at - 1] === 'ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel' &&
            found[at - 2]!.startsWith('volsnap.sys!'),
          found.join(' › '),
        );
        checks.check(
          'it is the truth’s heaviest spinning path',
          found.slice(1).join(' > ') === top.frames.join(' > '),
          top.frames.join(' > '),
        );
        const selectedRow = (await stackRows(page)).find((r) => r.name === spin);
        checks.near('its samples = truth', selectedRow?.count, top.samples, 0);
        const status = await page.locator('[data-testid=stack-find-status]').innerText();
        checks.check(
          `Find counts every spinning sample (${spinSamples}, truth)`,
          status.includes(`${spinning.length} matches`) &&
            status.includes(spinSamples.toLocaleString('en-US')),
          status,
        );
        await shots(page, 'audio-call-tree-spinlock');

        await page.click('[data-testid=stack-mode-flame]');
        await page.waitForFunction(
          () =>
            Number(document.querySelector('[data-testid=flame-canvas]')?.getAttribute('data-rects') ?? 0) >
            10,
          undefined,
          { timeout: QUERY_TIMEOUT_MS },
        );
        await page.fill('[data-testid=flame-search]', 'KxWaitForSpinLock');
        const highlighted = await page.locator('[data-testid=flame-found]').innerText();
        checks.check(
          'flame graph: the highlight covers every spinning sample',
          highlighted.includes(`${spinning.length} frames`) &&
            highlighted.includes(`${spinSamples.toLocaleString('en-US')} samples`),
          highlighted,
        );
        await page.press('[data-testid=flame-search]', 'Enter');
        await page.waitForFunction(
          (name) =>
            document.querySelector('[data-testid=flame-canvas]')?.getAttribute('data-zoom-name') === name,
          spin,
        );
        const crumbs = await page.locator('[data-testid=flame-crumbs]').innerText();
        checks.check(
          'flame graph: Enter zooms to the heaviest spin, its callers above (volsnap → KeAcquireSpinLockAtDpcLevel)',
          /volsnap\.sys![\s\S]*KeAcquireSpinLockAtDpcLevel[\s\S]*KxWaitForSpinLockAndAcquire/.test(crumbs),
          crumbs.replace(/\s+/g, ' '),
        );
        const canvas = page.locator('[data-testid=flame-canvas]');
        const box = (await canvas.boundingBox())!;
        const rowPx = Number(await canvas.getAttribute('data-row-px'));
        const depth = Number(await canvas.getAttribute('data-zoom-depth'));
        await page.mouse.move(box.x + box.width / 2, box.y + rowPx * (depth + 0.5));
        const tip = await page.locator('[data-testid=flame-tooltip]').innerText();
        checks.check(
          'flame graph: hovering the zoomed frame names it with its samples',
          tip.includes(spin) && tip.includes(`${top.samples.toLocaleString('en-US')} samples`),
          tip.replace(/\n/g, ' | '),
        );
        await shots(page, 'audio-flame-zoomed');

        // Utilization by Process, Stack: every sample by process, against the truth.
        await page.click('[data-testid=stack-mode-call-tree]');
        await page.selectOption('[data-testid=stack-preset]', 'utilizationByProcess');
        await stackSettled(page);
        const processes = (await stackRows(page)).filter((r) => r.depth === 0);
        const byProcess = audio.truth.stacks!.cpuByProcess;
        const expected = Object.entries(byProcess).sort((a, b) => b[1].samples - a[1].samples);
        checks.check(
          'Utilization by Process, Stack: processes in the truth’s order of samples',
          processes
            .slice(0, 3)
            .map((r) => r.name)
            .join(', ') ===
            expected
              .slice(0, 3)
              .map(([n]) => n)
              .join(', '),
          `${processes
            .slice(0, 3)
            .map((r) => `${r.name} ${r.count}`)
            .join(', ')} vs ${expected
            .slice(0, 3)
            .map(([n, g]) => `${n} ${g.samples}`)
            .join(', ')}`,
        );
        checks.check(
          'Utilization by Process, Stack: each process’s samples = truth.stacks.cpuByProcess',
          processes.length > 0 && processes.every((r) => byProcess[r.name]?.samples === r.count),
          processes.map((r) => `${r.name} ${r.count}/${byProcess[r.name]?.samples}`).join(', '),
        );
        await page.selectOption('[data-testid=stack-preset]', 'dpcIsrUsageByModule');
        await setEnlarged(page, false);
      },
    );

    // ---------------------------------------------------------------------------------------------
    await checks.step('the backup trace away from its PDBs: module+0x… names', async () => {
      await page.locator('[data-testid=file-input]').first().setInputFiles(away);
      await openAnalysis(page, 'backup-away.etl');
      const status = await waitSymbols(page);
      checks.check(
        'the background load finds nothing (no path, no server)',
        status.startsWith('Symbols: 0 of '),
        status,
      );
      const functions = await pivotFunctions(page, 'ndis.sys');
      checks.check(
        'DPC/ISR pivot: ndis.sys functions are ndis.sys+0x…',
        functions.length > 0 && functions.every((f) => /^ndis\.sys\+0x[0-9a-f]+$/i.test(f)),
        functions.join(', '),
      );
      await shots(page, 'away-unsymbolized');
    });

    await checks.step('Load Symbols against a slow HTTP symbol server: progress, then Cancel', async () => {
      // ~10 s per PDB: the load is still running after the screenshots, so Cancel has work to stop.
      slowSymbols = await startSymbolServer(backup.store, { route: trickleFrom(backup.store) });
      await page.click('[data-testid=symbols-button]');
      await page.waitForSelector('[data-testid=symbols-dialog]');
      await page.fill(
        '[data-testid=symbol-path]',
        `srv*${path.join(workDir, 'cache-slow')}*${slowSymbols.url}/`,
      );
      await page.click('[data-testid=symbols-load]');
      await page.waitForSelector('[data-testid=symbols-progress]', { timeout: 10_000 });
      await page.waitForFunction(
        () =>
          /\d+ of \d+ PDBs/.test(document.querySelector('[data-testid=symbols-progress]')?.textContent ?? ''),
        undefined,
        { timeout: 20_000 },
      );
      const progress = await page.locator('[data-testid=symbols-progress]').innerText();
      checks.check(
        'progress: PDBs done of total and bytes',
        /\d+ of \d+ PDBs · [\d.]+ (B|KiB|MiB) downloaded/.test(progress),
        progress,
      );
      const button = await page.locator('[data-testid=symbols-button]').innerText();
      checks.check(
        'the top-bar status follows the load',
        /^Symbols: (\d+ of \d+…|looking…)$/.test(button),
        button,
      );
      await shots(page, 'symbols-dialog-progress');
      const cancelAt = Date.now();
      await page.click('[data-testid=symbols-cancel]');
      // A cancelled load answers with what it had loaded (cancelled: true), once the engine has
      // dropped its downloads.
      await page.waitForFunction(
        () => /cancelled/.test(document.querySelector('[data-testid=symbols-summary]')?.textContent ?? ''),
        undefined,
        { timeout: 30_000 },
      );
      const said = await page.locator('[data-testid=symbols-summary]').innerText();
      checks.check(
        'Cancel stops the load and says so, with what it had loaded',
        /Loaded \d+ of \d+ PDBs.*cancelled: the PDBs not yet read were skipped/.test(said),
        said,
      );
      const status = await page.locator('[data-testid=symbols-button]').innerText();
      checks.check(
        'the top-bar status says cancelled',
        /^Symbols: \d+ of \d+ PDBs \(cancelled\)$/.test(status),
        status,
      );
      checks.check(
        'Cancel takes effect at once (not after the slow downloads)',
        Date.now() - cancelAt < 10_000,
        `${Date.now() - cancelAt} ms`,
      );
      checks.check(
        'the progress is gone: the load is over',
        (await page.locator('[data-testid=symbols-progress]').count()) === 0,
      );
      await page.waitForTimeout(500);
      checks.check(
        'the slow downloads were dropped (their connections closed)',
        slowSymbols.closedSockets > 0,
        `${slowSymbols.closedSockets} of ${slowSymbols.requests.length} closed`,
      );
    });

    await checks.step('Load Symbols against the symbol server: every name resolved', async () => {
      fastSymbols = await startSymbolServer(backup.store);
      const symbolPath = `srv*${path.join(workDir, 'cache')}*${fastSymbols.url}/`;
      if ((await page.locator('[data-testid=symbols-cancel]').count()) > 0)
        await page.click('[data-testid=symbols-cancel]');
      await page.fill('[data-testid=symbol-path]', symbolPath);
      await page.click('[data-testid=symbols-load]');
      await page.waitForSelector('[data-testid=symbols-button][data-status=done]', {
        timeout: LOAD_TIMEOUT_MS,
      });
      await page.waitForFunction(
        () =>
          !/cancelled/.test(
            document.querySelector('[data-testid=symbols-summary]')?.textContent ?? 'cancelled',
          ),
      );
      const total = pdbFiles(backup.store).length;
      const summary = await page.locator('[data-testid=symbols-summary]').innerText();
      checks.check(
        `the dialog: loaded ${total} of ${total} PDBs`,
        summary.startsWith(`Loaded ${total} of ${total} PDBs`),
        summary,
      );
      const ndisRow = await page.locator('[data-testid=symbol-row][data-pdb="ndis.pdb"]').innerText();
      checks.check(
        'per PDB: loaded N symbols from the server',
        /loaded/.test(ndisRow) && /\d+ symbols \(pdb\) from .*127\.0\.0\.1/.test(ndisRow),
        ndisRow.replace(/\s+/g, ' '),
      );
      const searched = await page.locator('[data-testid=symbols-searched]').innerText();
      checks.check('the effective path searched is shown', searched.includes(fastSymbols.url), searched);
      checks.check(
        'the symbol server was asked (a real HTTP load)',
        fastSymbols.requests.some((r) => /ndis\.pdb/i.test(r)),
        `${fastSymbols.requests.length} requests`,
      );
      await shots(page, 'symbols-dialog-loaded');
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid=symbols-dialog]', { state: 'detached' });
      checks.check('Escape closes the dialog', true);
      await page.click('[data-testid=symbols-button]');
      await page.waitForSelector('[data-testid=symbols-dialog]');
      checks.check(
        'the path is remembered as an app setting',
        (await page.inputValue('[data-testid=symbol-path]')) === symbolPath,
      );
      await page.mouse.click(8, 790);
      await page.waitForSelector('[data-testid=symbols-dialog]', { state: 'detached' });
      checks.check('a click outside closes it', true);
    });

    await checks.step('after the load every view shows the names', async () => {
      const functions = await pivotFunctions(page, 'ndis.sys');
      checks.check(
        'DPC/ISR pivot: ndis.sys!ndisInterruptDpc instead of ndis.sys+0x…',
        functions.includes('ndisInterruptDpc') && !functions.some((f) => f.includes('+0x')),
        functions.join(', '),
      );
      const headline = await page.locator('[data-testid=headline]').innerText();
      checks.check(
        'the headline names the longest routine',
        /storport\.sys!RaidpAdapterDpcRoutine/.test(headline),
        headline.split('\n')[0],
      );
      await page.click('[data-testid=tab-stacks]');
      await page.click('[data-testid=stack-mode-call-tree]');
      await page.selectOption('[data-testid=stack-preset]', 'dpcIsrUsageByModule');
      await stackSettled(page);
      await page
        .locator(
          '[data-testid=stack-tree-main] [data-testid=stack-row][data-depth="0"][data-name="ndis.sys"]',
        )
        .click();
      await page.keyboard.press('*');
      await settled(page);
      const pathNames = await selectionPath(page);
      checks.check(
        'stacks: ndis.sys!ndisInterruptDpc and IDSvia64.sys!InetInspectReceive by name',
        pathNames.includes('ndis.sys!ndisInterruptDpc') &&
          pathNames.includes('IDSvia64.sys!InetInspectReceive'),
        pathNames.join(' › '),
      );
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: QUERY_TIMEOUT_MS }),
        page.click('[data-testid=export-dpc]'),
      ]);
      const saved = path.join(workDir, 'after-load.csv');
      await download.saveAs(saved);
      const rows = parseCsv(await readFile(saved, 'utf8'));
      const fn = rows[0]!.indexOf('Function');
      checks.check(
        'CSV export: the Function column has the names',
        rows.slice(1).some((r) => r[fn] === 'ndisInterruptDpc') &&
          !rows.slice(1).some((r) => /^ndis\.sys\+0x/.test(r[fn] ?? '')),
        `${rows.length - 1} rows`,
      );
      await shots(page, 'away-after-load-stacks');
      // Its story is told; the remembered path now points at a closed port (refused at once).
      await fastSymbols?.close();
      fastSymbols = undefined;
    });

    // ---------------------------------------------------------------------------------------------
    if (!existsSync(realTrace))
      checks.skip('real trace: (+N more) in the stack tree', `${realTrace} not found`);
    else
      await checks.step(
        'real trace (perfview-net452-x64.etl): "(+N more)" asks again for more nodes',
        async () => {
          await page.locator('[data-testid=file-input]').first().setInputFiles(realTrace);
          await openAnalysis(page, 'perfview-net452-x64.etl');
          await page.click('[data-testid=tab-stacks]');
          await page.click('[data-testid=stack-mode-call-tree]');
          await page.selectOption('[data-testid=stack-preset]', 'utilizationByProcess');
          await stackSettled(page);
          await page.locator('[data-testid=stack-tree-main-body]').focus();
          await page.keyboard.press('End');
          await settled(page);
          const before = (await stackRows(page)).filter((r) => r.depth === 0);
          const more = before.find((r) => r.kind === 'more');
          checks.check(
            'the 2,000-node answer ends its process list with "(+N more)"',
            more !== undefined && /^\(\+\d+ more\)$/.test(more.name),
            before
              .map((r) => r.name)
              .slice(-3)
              .join(', '),
          );
          if (more === undefined) return;
          const omitted = Number(/\d+/.exec(more.name)![0]);
          const rowCount = async () =>
            Number(await page.locator('[data-testid=stack-tree-main]').getAttribute('data-rows'));
          const rowsBefore = await rowCount();
          await page
            .locator('[data-testid=stack-tree-main] [data-testid=stack-row][data-kind=more][data-depth="0"]')
            .click();
          await page.waitForFunction(
            () =>
              document.querySelector('[data-testid=stack-tree-main] [data-kind=more][data-depth="0"]') ===
              null,
            undefined,
            { timeout: QUERY_TIMEOUT_MS },
          );
          await stackSettled(page);
          await page.locator('[data-testid=stack-tree-main-body]').focus();
          await page.keyboard.press('End');
          await settled(page);
          const rowsAfter = await rowCount();
          checks.check(
            'after the click every process is listed (the placeholder replaced by the omitted rows)',
            rowsAfter === rowsBefore - 1 + omitted,
            `${rowsBefore} rows − "(+${omitted} more)" + ${omitted} → ${rowsAfter}`,
          );
          await shots(page, 'real-trace-more-nodes');
        },
      );

    await checks.step('a trace recorded without stack walks says so', async () => {
      await page.locator('[data-testid=file-input]').first().setInputFiles(noStacks);
      await openAnalysis(page, 'no-stacks.etl');
      await page.click('[data-testid=tab-stacks]');
      const text = await page.locator('[data-testid=stack-none]').innerText();
      checks.check(
        'plain words instead of an empty tree',
        /no stacks: it was recorded without stack walking/.test(text),
        text,
      );
      checks.check('no tree is drawn', (await page.locator('[data-testid=stack-tree-main]').count()) === 0);
      await shots(page, 'no-stacks');
    });

    checks.check(
      'no page errors or CSP violations',
      pageErrors.length === 0,
      pageErrors.slice(0, 3).join(' | '),
    );
    console.log(
      `  (whole suite ${((Date.now() - started) / 1000).toFixed(0)} s; tree drawn ${treeMs} ms after the click)`,
    );
  } finally {
    await browser?.close();
    await Promise.allSettled([withStore.stop(), plain.stop(), fastSymbols?.close(), slowSymbols?.close()]);
  }
}

await run().catch((error: unknown) => {
  checks.check('e2e ran to the end', false, error instanceof Error ? error.message : String(error));
});
const { failed } = checks.summary();
process.exit(failed > 0 ? 1 : 0);
