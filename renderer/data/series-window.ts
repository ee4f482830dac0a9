// Which window and resolution to fetch a time series at (STYLE 2.6, after Perfetto's buffered
// bounds): the resolution is a power of two nanoseconds per pixel, the window is the visible span
// padded by one span on each side (3× in all) and snapped to the resolution, so panning and small
// zooms reuse the loaded series and only leaving the loaded bounds (or changing resolution) refetches.
//
//   |<-- pad -->|<--- visible --->|<-- pad -->|     quantized to multiples of `resolutionNs`
//   loaded.start                               loaded.end

import { traceNs, type TimeRange } from '../../shared/units.js';

/** The contract caps series at 10,000 buckets. */
export const MAX_SERIES_BUCKETS = 10_000;

export interface SeriesWindow {
  readonly range: TimeRange;
  readonly buckets: number;
  readonly resolutionNs: number;
}

/** Smallest power of two ≥ x (x > 0); 1 for x ≤ 1. */
export function nextPowerOfTwo(x: number): number {
  return x <= 1 ? 1 : 2 ** Math.ceil(Math.log2(x));
}

export function planSeriesWindow(visible: TimeRange, widthPx: number, durationNs: number): SeriesWindow {
  const span = Math.max(visible.end - visible.start, 1);
  const pixels = Math.max(Math.floor(widthPx), 16);
  let resolutionNs = nextPowerOfTwo(span / pixels);
  const total = Math.max(durationNs, visible.end);
  let start = Math.max(0, Math.floor((visible.start - span) / resolutionNs) * resolutionNs);
  let end = Math.min(
    Math.ceil(total / resolutionNs) * resolutionNs,
    Math.ceil((visible.end + span) / resolutionNs) * resolutionNs,
  );
  while ((end - start) / resolutionNs > MAX_SERIES_BUCKETS) {
    resolutionNs *= 2;
    start = Math.floor(start / resolutionNs) * resolutionNs;
    end = Math.ceil(end / resolutionNs) * resolutionNs;
  }
  const buckets = Math.max(1, Math.round((end - start) / resolutionNs));
  return { range: { start: traceNs(start), end: traceNs(end) }, buckets, resolutionNs };
}

/** Whether an already loaded window still serves this view at this width (no refetch needed). */
export function windowCovers(
  loaded: SeriesWindow,
  visible: TimeRange,
  widthPx: number,
  durationNs: number,
): boolean {
  const wanted = planSeriesWindow(visible, widthPx, durationNs);
  return (
    wanted.resolutionNs === loaded.resolutionNs &&
    visible.start >= loaded.range.start &&
    visible.end <= loaded.range.end
  );
}
