import { describe, expect, it } from 'vitest';
import { stepLinePoints } from './step-line.js';

const pairs = (points: number[]) =>
  points.flatMap((_, i) => (i % 2 === 0 ? [[points[i], points[i + 1]]] : []));

describe('stepLinePoints', () => {
  it('draws each bucket at least a pixel wide as a level over its span', () => {
    const points = stepLinePoints({
      values: [10, 20, 20, 5],
      originNs: 0,
      bucketNs: 100,
      view: { start: 0, end: 400 },
      xOf: (ns) => ns / 10,
      columnPx: 1,
    });
    expect(pairs(points)).toEqual([
      [0, 10],
      [10, 10],
      [10, 20],
      [20, 20],
      [30, 20],
      [30, 5],
      [40, 5],
    ]);
  });

  it('reduces buckets narrower than a pixel to a min–max segment per column (spikes kept)', () => {
    // 4 buckets per pixel: columns 0 and 1; the 100 % spike is one bucket of column 1.
    const points = stepLinePoints({
      values: [5, 6, 7, 5, 0, 100, 0, 0],
      originNs: 0,
      bucketNs: 1,
      view: { start: 0, end: 8 },
      xOf: (ns) => ns / 4,
      columnPx: 1,
    });
    const column1 = pairs(points).filter(([x]) => x === 1.5);
    expect(Math.min(...column1.map(([, v]) => v!))).toBe(0);
    expect(Math.max(...column1.map(([, v]) => v!))).toBe(100);
    const column0 = pairs(points).filter(([x]) => x === 0.5);
    expect(column0.map(([, v]) => v)).toEqual([5, 7, 5]);
  });

  it('is all horizontal and vertical pieces, at every bucket width (LinesCanvas fills them as rectangles)', () => {
    // Values jumping about 0–100 (a fixed pattern: every step up and down, repeats and plateaus).
    const values = Array.from({ length: 3000 }, (_, i) => ((i * 37) % 101) * Number(i % 7 !== 0));
    // Wide buckets, narrow ones, and ones a pixel wide give or take rounding (both paths mixed).
    for (const pxPerBucket of [7, 0.3, 1, 1.0000001, 0.9999999])
      for (const offset of [0, 0.37]) {
        const points = stepLinePoints({
          values,
          originNs: 0,
          bucketNs: 10,
          view: { start: 0, end: 30_000 },
          xOf: (ns) => offset + (ns / 10) * pxPerBucket,
          columnPx: 1,
        });
        const p = pairs(points);
        expect(p.length).toBeGreaterThan(10);
        for (let i = 1; i < p.length; i++)
          expect(p[i]![0] === p[i - 1]![0] || p[i]![1] === p[i - 1]![1]).toBe(true);
      }
  });

  it('uses only the buckets the view overlaps', () => {
    const points = stepLinePoints({
      values: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      originNs: 0,
      bucketNs: 10,
      view: { start: 30, end: 60 },
      xOf: (ns) => ns - 30,
      columnPx: 1,
    });
    expect(new Set(pairs(points).map(([, v]) => v))).toEqual(new Set([4, 5, 6]));
  });
});
