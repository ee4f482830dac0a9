// How a partial's columns are reserved and merged (load.ts `partialCapacity`, partial.ts
// `reserve`/`placeRows`): row bounds hold on the bundled (compressed) sample and a plain trace, a
// second share placed behind the first gives the same model with the DPC columns never copied,
// reserving again after big frees keeps the slack out of resident memory, and a reservation the
// system refuses (ulimit -v) falls back to growing columns.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { derivePerCpu, finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, parsePartial, partialCapacity, readPartial } from './load.js';
import { placeRows, planPlacements, rowCounts } from './partial.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rowsWithinBounds(file: string, includeCpu?: (cpu: number) => boolean) {
  const trace = openTraceFile(file);
  try {
    const bound = partialCapacity(trace, includeCpu);
    const p = readPartial(trace, includeCpu !== undefined ? { includeCpu } : {});
    return {
      bound,
      rows: {
        dpc: p.dpc.length,
        run: p.run.length,
        ready: p.ready.length,
        samples: p.samples.length,
        idle: p.idle.length,
      },
    };
  } finally {
    trace.close();
  }
}

describe('partialCapacity', () => {
  it('bounds every table of the bundled (Xpress-compressed) sample', () => {
    const { bound, rows } = rowsWithinBounds(path.join(root, 'assets', 'sample.etl'));
    expect(rows.dpc).toBeGreaterThan(100_000);
    for (const table of ['dpc', 'run', 'ready', 'samples', 'idle'] as const) {
      expect(rows[table], table).toBeLessThanOrEqual(bound[table]);
    }
  });

  it('bounds a plain trace with idle states, for one CPU share and for all CPUs', () => {
    const file = path.join(dir, 'deep-idle.etl');
    simulate(SCENARIOS.deepIdle12Core!, { path: file, seed: 3, compress: false });
    for (const include of [undefined, (cpu: number) => cpu % 2 === 0]) {
      const { bound, rows } = rowsWithinBounds(file, include);
      expect(rows.idle).toBeGreaterThan(1000);
      for (const table of ['dpc', 'run', 'ready', 'samples', 'idle'] as const) {
        expect(rows[table], table).toBeLessThanOrEqual(bound[table]);
      }
      // The bound is an upper limit, not a wild guess: within 16× of the busiest table.
      expect(Math.max(...Object.values(rows)) * 16).toBeGreaterThan(bound.dpc);
    }
  });
});

describe('placing a second share behind the first (what parser workers do)', () => {
  it('gives the same model as one partial, with the DPC columns never copied by finalize', () => {
    const file = path.join(dir, 'backup.etl');
    simulate(SCENARIOS.backupServer!, { path: file, seed: 5, seconds: 1 });
    const trace = openTraceFile(file);
    try {
      const header = { ...headerFacts(trace, file), diagnostics: [] };
      const whole = finalizeModel([readPartial(trace)], header, { tracePath: file });
      const low = (cpu: number) => cpu < 4;
      const first = parsePartial(trace, { includeCpu: low, reserveForAllCpus: true, sharedColumns: true });
      const second = parsePartial(trace, { includeCpu: (cpu) => !low(cpu) });
      const [plan] = planPlacements(first, [rowCounts(second)]);
      // The big row tables go behind the first share's rows (small ones may be merged by copy).
      expect(Object.keys(plan!)).toEqual(expect.arrayContaining(['dpc', 'idle', 'run', 'samples']));
      derivePerCpu(first);
      derivePerCpu(second);
      placeRows(second, plan!);
      const shared = first.dpc.enter.buffer;
      expect(shared).toBeInstanceOf(SharedArrayBuffer);
      expect(second.dpc.enter.buffer).toBe(shared);
      const split = finalizeModel([first, second], header, { tracePath: file });
      expect(split.dpc.enter.buffer).toBe(shared);
      expect(split.summary).toEqual(whole.summary);
      expect(Array.from(split.dpc.enter)).toEqual(Array.from(whole.dpc.enter));
      expect(Array.from(split.dpc.duration)).toEqual(Array.from(whole.dpc.duration));
      expect(Array.from(split.run.start)).toEqual(Array.from(whole.run.start));
    } finally {
      trace.close();
    }
  });
});

describe('reserved columns stay address space (glibc mmap threshold)', () => {
  it('reserving again and again (a trace opened after another) does not make the slack resident', () => {
    // glibc raises its mmap threshold (up to 32 MiB) once big blocks are freed; a column reserved
    // below it would then come from the heap, zero-filled, i.e. resident in full (~400 MB here).
    const script = path.join(dir, 'reserve-again.mts');
    writeFileSync(
      script,
      `import { PartialBuilder } from ${JSON.stringify(path.join(root, 'electron', 'engine', 'partial.ts'))};
const rows = { dpc: 3_309_568, run: 2_647_655, ready: 4_412_758, samples: 3_309_568, idle: 3_309_568 };
const start = process.memoryUsage().rss;
let grown = 0;
for (let i = 0; i < 6; i++) {
  const builder = new PartialBuilder();
  builder.reserve(rows);
  grown = Math.max(grown, process.memoryUsage().rss - start);
}
console.log(JSON.stringify({ grownBytes: grown }));
`,
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const { grownBytes } = JSON.parse(out.stdout.trim().split('\n').pop()!) as { grownBytes: number };
    // Six reservations of ~300 MB of columns each (the 100 MiB bench trace's bounds).
    expect(grownBytes).toBeLessThan(64 * 1024 * 1024);
  });
});

describe.runIf(process.platform === 'linux')('reserving where address space is limited', () => {
  it('falls back to growing columns instead of failing the load', async () => {
    // Bundled (plain JS: a TypeScript loader would not start under the limit), run under ulimit -v.
    const { build } = await import('esbuild');
    const entry = path.join(dir, 'reserve-limited.ts');
    const bundle = path.join(dir, 'reserve-limited.mjs');
    writeFileSync(
      entry,
      `import { PartialBuilder } from ${JSON.stringify(path.join(root, 'electron', 'engine', 'partial.ts'))};
const builder = new PartialBuilder();
builder.reserve({ dpc: 2 ** 27, run: 2 ** 27, ready: 2 ** 27, samples: 2 ** 27, idle: 2 ** 27 });
builder.appendDpc(0, 0, 1000, 2000, 0x1234);
console.log(JSON.stringify({ rows: builder.finish().dpc.length }));
`,
    );
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    // 3 GB of address space: Node starts, but ~30 GB of reserved columns cannot be had.
    const out = spawnSync('sh', ['-c', `ulimit -v 3000000 && exec "${process.execPath}" "${bundle}"`], {
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout.trim())).toEqual({ rows: 1 });
  });
});
