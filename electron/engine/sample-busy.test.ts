// `sampleBusyBefore` (block prefix sums + a scan inside one block) must equal the full running
// total of busy sample weight before every row, bit for bit; `dpcIsrBefore` / `busyBefore` must
// equal a from-scratch walk of the DPC rows (union pieces, the part outside non-idle running, the
// overhang past t) at DPC row edges, on a generated scenario.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';
import {
  isBusySample,
  SAMPLE_BUSY_BLOCK_ROWS,
  sampleBusyBefore,
  busyBefore,
  dpcIsrBefore,
  runRowEnd,
  UNION_BLOCK_ROWS,
  type EngineModel,
} from './model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-sample-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let cached: EngineModel | undefined;
function backupServer(): EngineModel {
  if (cached !== undefined) return cached;
  const file = path.join(dir, 'backupServer.etl');
  simulate(SCENARIOS['backupServer']!, { seconds: 1, pointerSize: 8, path: file });
  const trace = openTraceFile(file);
  const partial = readPartial(trace);
  cached = finalizeModel([partial], { ...headerFacts(trace, file), diagnostics: [] }, { tracePath: file });
  trace.close();
  return cached;
}

it('busy weight before each row equals the full running total (backupServer)', () => {
  const model = backupServer();
  const s = model.samples;
  const tids = model.dict.threadTids;
  expect(s.length).toBeGreaterThan(SAMPLE_BUSY_BLOCK_ROWS * 4);
  let total = 0;
  let busyRows = 0;
  for (let i = 0; i <= s.length; i++) {
    expect(sampleBusyBefore(s, tids, i)).toBe(total);
    if (i < s.length && isBusySample(s, tids, i)) {
      total += s.weight[i]!;
      busyRows++;
    }
  }
  expect(busyRows).toBeGreaterThan(0);
  expect(busyRows).toBeLessThan(s.length);
});

it('DPC/ISR and busy coverage equal a full per-row walk at every row edge (backupServer)', () => {
  const model = backupServer();
  const { dpc, run } = model;
  const tids = model.dict.threadTids;
  expect(dpc.length).toBeGreaterThan(UNION_BLOCK_ROWS * 4);
  let cpusWithRows = 0;
  for (let c = 0; c < model.cpuSlots; c++) {
    // Non-idle running union as a sorted list (the rows are disjoint per CPU here).
    const runLo = run.cpuOffsets[c]!;
    const runHi = run.cpuOffsets[c + 1]!;
    expect(model.runCoverage.disjoint[c]).toBe(1);
    const runCovered = (a: number, b: number) => {
      let total = 0;
      for (let i = runLo; i < runHi; i++) {
        if (tids[run.thread[i]!] === 0) continue;
        const s = Math.max(a, run.start[i]!);
        const e = Math.min(b, runRowEnd(run, c, i));
        if (e > s) total += e - s;
      }
      return total;
    };
    const lo = dpc.cpuOffsets[c]!;
    const hi = dpc.cpuOffsets[c + 1]!;
    if (hi - lo > UNION_BLOCK_ROWS * 2) cpusWithRows++;
    let union = 0;
    let outside = 0;
    let reach = -Infinity;
    // Every row edge of the first rows (each position inside a block), then a sparse sample.
    for (let i = lo; i < hi; i += i - lo < UNION_BLOCK_ROWS * 3 ? 1 : 37) {
      const t = dpc.enter[i]!;
      // Walk all rows before i (enter < t) from scratch: the reference for the block lookup.
      union = 0;
      outside = 0;
      reach = -Infinity;
      for (let r = lo; r < hi && dpc.enter[r]! < t; r++) {
        const e = dpc.enter[r]! + dpc.duration[r]!;
        const s = Math.max(dpc.enter[r]!, reach);
        if (!(e > s)) continue;
        union += e - s;
        outside += e - s - runCovered(s, e);
        reach = e;
      }
      const over = Math.max(0, reach - t);
      const dpcExpected = union - over;
      const busyExpected = runCovered(-Infinity, t) + outside - (over - runCovered(t, Math.max(t, reach)));
      expect(Math.abs(dpcIsrBefore(model, c, t) - dpcExpected)).toBeLessThanOrEqual(1e-6 * dpcExpected);
      expect(Math.abs(busyBefore(model, c, t) - busyExpected)).toBeLessThanOrEqual(1e-6 * busyExpected);
    }
  }
  expect(cpusWithRows).toBeGreaterThan(1);
});
