// runExportSlices (hosts.ts): an export yields to the message loop between its slices, so work
// queued meanwhile (a query's message) runs before the export's next slice; progress is reported
// between turns and once at the end; a throw (cancel) closes the slices and rejects.

import { describe, expect, it } from 'vitest';
import type { ExportSliceProgress } from '../engine/engine.js';
import { runExportSlices } from './hosts.js';

/** Five slices of 100 rows, logging each one and whether the generator was closed. */
function* fakeSlices(log: string[], failAt = -1): Generator<ExportSliceProgress, void, undefined> {
  try {
    yield { rows: 0, bytes: 0, totalRows: 500 };
    for (let k = 1; k <= 5; k++) {
      if (k === failAt) throw Object.assign(new Error('cancelled'), { code: 'cancelled' });
      log.push(`slice ${k}`);
      yield { rows: k * 100, bytes: k * 1000, totalRows: 500 };
    }
  } finally {
    log.push('closed');
  }
}

describe('runExportSlices', () => {
  it('lets queued work run between slices and reports the final rows and bytes', async () => {
    const log: string[] = [];
    const progress: ExportSliceProgress[] = [];
    // A zero budget: one slice per turn, so the interleaving is exact.
    const running = runExportSlices(fakeSlices(log), (p) => progress.push(p), 0);
    setImmediate(() => log.push('query'));
    expect(await running).toBe(500);
    expect(log.indexOf('query')).toBeGreaterThan(-1);
    expect(log.indexOf('query')).toBeLessThan(log.indexOf('slice 5'));
    expect(log.at(-1)).toBe('closed');
    expect(progress.at(-1)).toEqual({ rows: 500, bytes: 5000, totalRows: 500 });
    for (let k = 1; k < progress.length; k++)
      expect(progress[k]!.rows).toBeGreaterThanOrEqual(progress[k - 1]!.rows);
  });

  it('rejects when a slice throws (a cancel) and closes the slices', async () => {
    const log: string[] = [];
    await expect(runExportSlices(fakeSlices(log, 3), () => undefined, 0)).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(log).toEqual(['slice 1', 'slice 2', 'closed']);
  });
});
