// `sampleBusyBefore` (block prefix sums + a scan inside one block) must equal the full running
// total of busy sample weight before every row, bit for bit, on a generated scenario.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';
import { isBusySample, SAMPLE_BUSY_BLOCK_ROWS, sampleBusyBefore } from './model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-sample-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('busy weight before each row equals the full running total (backupServer)', () => {
  const file = path.join(dir, 'backupServer.etl');
  simulate(SCENARIOS['backupServer']!, { seconds: 1, pointerSize: 8, path: file });
  const trace = openTraceFile(file);
  const partial = readPartial(trace);
  const model = finalizeModel(
    [partial],
    { ...headerFacts(trace, file), diagnostics: [] },
    { tracePath: file },
  );
  trace.close();
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
