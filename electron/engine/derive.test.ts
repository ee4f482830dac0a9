// Per-CPU derivations made where a partial is read (`derivePerCpu`, parser workers) must give the
// very same DPC/ISR coverage sums, run coverage and idle table as deriving everything in finalize
// after the merge — with one partial and with the CPUs split over several partials. (The worker
// path counts open non-idle running tails as running past the trace end, `openEnded`; busy time up
// to the end is the same: compared through busyBefore.)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';
import { busyBefore, type EngineModel } from './model.js';
import type { Partial } from './partial.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-derive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Finalized model from `shares` partials (CPU i goes to share i mod shares), derived or not. */
function build(file: string, shares: number, derived: boolean): EngineModel {
  const trace = openTraceFile(file);
  try {
    const partials: Partial[] = [];
    for (let k = 0; k < shares; k++) {
      const partial = readPartial(trace, shares > 1 ? { includeCpu: (cpu) => cpu % shares === k } : {});
      expect(partial.derived).toBeDefined();
      if (!derived) delete partial.derived;
      partials.push(partial);
    }
    return finalizeModel(partials, { ...headerFacts(trace, file), diagnostics: [] }, { tracePath: file });
  } finally {
    trace.close();
  }
}

function tables(m: EngineModel) {
  return {
    dpcCoverage: m.dpcCoverage,
    runCoverage: { ...m.runCoverage, openEnded: undefined },
    idle: m.idle,
    dpc: [m.dpc.cpuOffsets, m.dpc.enter, m.dpc.duration, m.dpc.interrupted, m.dpc.routine, m.dpc.kind],
    run: [m.run.cpuOffsets, m.run.start, m.run.lastEnd, m.run.end, m.run.thread],
    samples: [m.samples.cpuOffsets, m.samples.time, m.samples.busyBlockCumulative],
  };
}

describe('derivePerCpu', () => {
  const cases: [string, number, 4 | 8][] = [
    ['backupServer', 1, 8],
    ['audioWorkstation', 1, 8],
    ['deepIdle12Core', 1, 4],
  ];
  for (const [name, seconds, pointerSize] of cases) {
    it(`${name}: derived parts give the same tables as deriving in finalize (1, 2 and 3 partials)`, () => {
      const file = path.join(dir, `${name}.etl`);
      simulate(SCENARIOS[name]!, { seconds, pointerSize, path: file });
      for (const shares of [1, 2, 3]) {
        const viaDerived = build(file, shares, true);
        const viaFinalize = build(file, shares, false);
        expect(viaDerived.dpcCoverage.unionBefore.length).toBeGreaterThan(0);
        expect(tables(viaDerived)).toEqual(tables(viaFinalize));
        for (let c = 0; c < viaDerived.cpuSlots; c++) {
          for (let k = 0; k <= 100; k++) {
            const t = (viaDerived.durationNs * k) / 100;
            const expected = busyBefore(viaFinalize, c, t);
            expect(Math.abs(busyBefore(viaDerived, c, t) - expected)).toBeLessThanOrEqual(1e-6 * expected);
          }
        }
      }
    });
  }
});
