// `sampleBusyBefore` and `unionBefore` (block prefix sums + a scan inside one block) must equal the
// full running totals (busy sample weight over all rows; union length restarting per CPU) before
// every row, bit for bit, on a generated scenario.

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
  UNION_BLOCK_ROWS,
  unionBefore,
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

it('union length before each row equals the per-CPU running total (backupServer busy and DPC/ISR)', () => {
  const model = backupServer();
  for (const u of [model.busy, model.dpcUnion]) {
    expect(u.start.length).toBeGreaterThan(UNION_BLOCK_ROWS * 4);
    let cpusWithRows = 0;
    for (let c = 0; c < model.cpuSlots; c++) {
      const lo = u.cpuOffsets[c]!;
      const hi = u.cpuOffsets[c + 1]!;
      if (hi > lo) cpusWithRows++;
      let total = 0;
      for (let k = lo; k < hi; k++) {
        expect(unionBefore(u, c, k)).toBe(total);
        total += u.end[k]! - u.start[k]!;
      }
    }
    expect(cpusWithRows).toBeGreaterThan(1);
  }
});
