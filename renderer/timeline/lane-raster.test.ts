import { describe, expect, it } from 'vitest';
import type { SeriesResult } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';
import { rasterLanes } from './lane-raster.js';

const series = (cpus: { cpu: number; values: number[] }[], bucketNs = 10): SeriesResult => ({
  kind: 'series',
  metric: 'utilization',
  range: { start: traceNs(0), end: traceNs(100) },
  bucketNs,
  source: 'precise',
  cpus,
});

/** A 10-column buffer over 0–100 ns: one column per 10-ns bucket. */
function draw(result: SeriesResult, tolerance: number, view = { start: 0, end: 100 }, rows = 2) {
  const width = 10;
  const buffer = {
    pixels: new Uint32Array(width * rows * result.cpus.length),
    width,
    height: rows * result.cpus.length,
  };
  const runs = rasterLanes(buffer, {
    result,
    lanes: result.cpus.map((_, lane) => ({ top: lane * rows, bottom: lane * rows + rows })),
    columnOf: (ns) => ((ns - view.start) / (view.end - view.start)) * width,
    view,
    // The colour is the value itself (0 = nothing), so the buffer shows which value each column got.
    colorOf: (v) => Math.round(v),
    tolerance,
  });
  const row = (y: number) => [...buffer.pixels.subarray(y * width, (y + 1) * width)];
  return { runs, row };
}

describe('rasterLanes', () => {
  it('fills equal runs once and copies the lane row down its height', () => {
    const { runs, row } = draw(series([{ cpu: 0, values: [1, 1, 2, 2, 2, 0, 3, 3, 3, 3] }]), 0);
    expect(runs).toBe(3);
    expect(row(0)).toEqual([1, 1, 2, 2, 2, 0, 3, 3, 3, 3]);
    expect(row(1)).toEqual(row(0));
  });

  it('merges values within the tolerance and draws their mean', () => {
    const { runs, row } = draw(series([{ cpu: 0, values: [90, 91, 92, 10, 10, 11, 10, 50, 50, 50] }]), 2);
    expect(runs).toBe(3);
    expect(row(0)).toEqual([91, 91, 91, 10, 10, 10, 10, 50, 50, 50]);
  });

  it('draws only the buckets in view, each lane in its own rows', () => {
    const result = series([
      { cpu: 0, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      { cpu: 5, values: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9] },
    ]);
    const { row } = draw(result, 0, { start: 20, end: 70 });
    // 5 buckets over 10 columns: two columns each.
    expect(row(0)).toEqual([3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    expect(row(2)).toEqual(Array(10).fill(9));
  });

  it('keeps a run narrower than a column visible (one column)', () => {
    const { row } = draw(series([{ cpu: 0, values: [0, 0, 0, 0, 0, 7, 0, 0, 0, 0] }], 1), 0, {
      start: 0,
      end: 10,
    });
    expect(row(0).filter((v) => v === 7)).toHaveLength(1);
  });
});
