// Row bounds used to size a partial's columns up front (`partialCapacity`): on the bundled sample
// (compressed) and a plain-buffer copy written by the trace writer, every table's rows stay within
// its bound, so loading never falls back to doubling (copying) a column.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { openTraceFile, partialCapacity, readPartial } from './load.js';

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
