// Issue 9's hostile classes through the real CLI (`node bin/etlscope.mjs info|dpc FILE` as a child
// process): each ends in a result or a one-line error within 20 s, and the child's peak resident
// memory (VmHWM, polled from /proc) stays within the budget of electron/engine/memory-budget.ts.
// Small inputs are committed in tests/fuzz/regressions/ (made by scripts/fuzz/hostile.ts); the
// bit-flipped real trace, the 2,000-bomb file and the 100 MB file of minimal buffers are made here.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MEMORY_LIMIT_ENV, memoryBudgetBytes } from '../../electron/engine/memory-budget.js';
import { bitFlippedSmall, writeTinyBuffers, xpressBombMany } from '../../scripts/fuzz/hostile.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const regressions = path.join(here, 'regressions');
const tracesDir = process.env.ETLSCOPE_TRACES ?? path.resolve(root, '..', 'shared', 'traces');
const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-hostile-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The "done" bar for every hostile class. */
const MAX_SECONDS = 20;
/** How often the child's VmHWM is read: a peak in the last interval before exit could be missed,
 *  but VmHWM is a high-water mark, so every earlier peak is in the last reading. */
const POLL_MS = 20;

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly peakRss: number;
}

function peakOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0; // exited between polls
  }
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin', 'etlscope.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => (peakRss = Math.max(peakRss, peakOf(child.pid!))), POLL_MS);
    const kill = setTimeout(() => child.kill('SIGKILL'), (MAX_SECONDS + 10) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(kill);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRss });
    });
  });
}

/** A result, or a clear error: one line on stderr naming the file, no stack trace. */
function expectResultOrClearError(run: CliRun): void {
  if (run.code === 0) {
    expect(run.stdout.length).toBeGreaterThan(0);
  } else {
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^etlscope: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }
}

function expectWithinBudget(run: CliRun, file: string): void {
  expect(run.seconds).toBeLessThan(MAX_SECONDS);
  expect(run.peakRss).toBeGreaterThan(0);
  expect(run.peakRss).toBeLessThan(memoryBudgetBytes(statSync(file).size));
}

const linux = process.platform === 'linux';

describe.skipIf(!linux)(
  'hostile files through the CLI: result or clear error, ≤ 20 s, within the memory budget',
  () => {
    for (const [name, command, expected] of [
      ['cpu-count-ffffffff.bin', 'dpc', 'NumberOfProcessors = 4294967295'],
      ['cpu-count-16m.bin', 'info', 'NumberOfProcessors = 16000000'],
      ['xpress-bomb-single.bin', 'info', 'more than 256×'],
      ['xpress-bomb-many.bin', 'info', 'PerfInfo/ThreadedDPC'],
    ] as const) {
      it(`${name} (${command})`, async () => {
        const file = path.join(regressions, name);
        const run = await runCli([command, file]);
        expectResultOrClearError(run);
        expectWithinBudget(run, file);
        expect(run.code).toBe(0);
        if (command === 'info') expect(run.stdout).toContain(expected);
        else {
          const info = await runCli(['info', file]);
          expect(info.stdout).toContain(expected);
        }
      });
    }

    it.skipIf(!existsSync(path.join(tracesDir, 'perfview-small.etl')))(
      'perfview-small.etl with NumberOfProcessors bit 31 flipped (dpc)',
      async () => {
        const file = path.join(dir, 'perfview-small-flipped.etl');
        writeFileSync(file, bitFlippedSmall(readFileSync(path.join(tracesDir, 'perfview-small.etl'))));
        const run = await runCli(['dpc', file]);
        expectResultOrClearError(run);
        expectWithinBudget(run, file);
        const info = await runCli(['info', file]);
        expect(info.stdout).toContain(`NumberOfProcessors = ${2 ** 31 + 4}`);
      },
    );

    it('2,000 compressed buffers each just under the per-buffer ratio: the whole-file limit stops them', async () => {
      const file = path.join(dir, 'bombs-2000.etl');
      writeFileSync(file, xpressBombMany(2000));
      const run = await runCli(['info', '--json', file]);
      expectResultOrClearError(run);
      expectWithinBudget(run, file);
      const summary = JSON.parse(run.stdout) as { diagnostics: { code: string; message: string }[] };
      const limited = summary.diagnostics.find((d) => d.code === 'expansion-limit');
      expect(limited?.message).toContain('more than 16×');
    });

    it('100 MB of minimal buffers: within the budget and under 1 byte per file byte above the bare process', async () => {
      const bare = await runCli(['info', path.join(regressions, 'cpu-count-16m.bin')]);
      const file = path.join(dir, 'tiny-buffers.etl');
      const size = writeTinyBuffers(file, 1_400_000);
      const run = await runCli(['info', file]);
      expectResultOrClearError(run);
      expectWithinBudget(run, file);
      // Before the buffer table was reserved once and the per-CPU runs became one Int32Array: ~1.8.
      expect(run.peakRss - bare.peakRss).toBeLessThan(1.0 * size);
    });

    it(`a load that would not fit in memory (${MEMORY_LIMIT_ENV}) stops with a clear message`, async () => {
      const file = path.join(dir, 'bombs-2000.etl');
      if (!existsSync(file)) writeFileSync(file, xpressBombMany(2000));
      const run = await runCli(['dpc', file], { [MEMORY_LIMIT_ENV]: '100' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^etlscope: bombs-2000\.etl needs about \d+ MB of memory to load .* allows 105 MB/,
      );
      expectWithinBudget(run, file);
    });
  },
);
