// Pure: per-CPU lanes of bucket values rasterized into a packed-RGBA pixel buffer (LaneCanvas puts
// it on the screen in one blit). Neighbouring buckets closer than the tolerance form one run drawn
// in the colour of their mean; each run covers the device-pixel columns its time span rounds to
// (at least one), so runs tile the lane without seams or overlaps. One lane row is filled, then
// copied down the lane's height.

import type { SeriesResult } from '../../shared/contract.js';

export interface PixelBuffer {
  /** width × height pixels, row after row, packed as pixel-color.ts packRgba. */
  readonly pixels: Uint32Array;
  readonly width: number;
  readonly height: number;
}

/** Rows [top, bottom) of one lane, in device pixels of the buffer. */
export interface LaneRows {
  readonly top: number;
  readonly bottom: number;
}

export interface LaneRasterInput {
  readonly result: SeriesResult;
  /** Rows of lane i (result.cpus[i]); lanes without an entry are not drawn. */
  readonly lanes: readonly LaneRows[];
  /** Buffer column (fractional) of a trace time. */
  readonly columnOf: (ns: number) => number;
  /** The view: only its buckets are drawn (the series window is padded 3×). */
  readonly view: { readonly start: number; readonly end: number };
  /** Packed colour of a (run's mean) value; 0 = nothing drawn. */
  readonly colorOf: (value: number) => number;
  /** Values closer than this share a run (their mean is drawn); 0 = equal values only. */
  readonly tolerance: number;
}

/** Clears the buffer and draws every lane; returns the number of runs drawn. */
export function rasterLanes(target: PixelBuffer, input: LaneRasterInput): number {
  const { pixels, width, height } = target;
  const { result, lanes, columnOf, view, colorOf, tolerance } = input;
  pixels.fill(0);
  const bucketNs = result.bucketNs;
  const origin = result.range.start;
  let runs = 0;
  result.cpus.forEach((series, lane) => {
    const rows = lanes[lane];
    if (rows === undefined) return;
    const top = Math.max(0, Math.min(height, rows.top));
    const bottom = Math.max(top, Math.min(height, rows.bottom));
    if (bottom <= top) return;
    const values = series.values;
    const rowStart = top * width;
    const first = Math.max(0, Math.floor((view.start - origin) / bucketNs));
    const last = Math.min(values.length, Math.ceil((view.end - origin) / bucketNs) + 1);
    let runStart = first;
    let sum = 0;
    for (let i = first; i <= last; i++) {
      const value = values[i];
      if (i === last || value === undefined || Math.abs(value - values[runStart]!) > tolerance) {
        if (i > runStart) {
          const color = colorOf(tolerance > 0 ? sum / (i - runStart) : values[runStart]!);
          if (color !== 0) {
            const c0 = Math.round(columnOf(origin + runStart * bucketNs));
            const c1 = Math.max(c0 + 1, Math.round(columnOf(origin + i * bucketNs)));
            const from = Math.max(0, c0);
            const to = Math.min(width, c1);
            if (to > from) {
              pixels.fill(color, rowStart + from, rowStart + to);
              runs++;
            }
          }
        }
        runStart = i;
        sum = 0;
      }
      if (value !== undefined) sum += value;
    }
    for (let y = top + 1; y < bottom; y++) pixels.copyWithin(y * width, rowStart, rowStart + width);
  });
  return runs;
}
