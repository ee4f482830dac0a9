// Per-CPU lanes on one canvas (utilization and DPC/ISR time beyond 8 CPUs, C-states): each CPU a
// lane, each bucket's value a colour, equal neighbours merged into one rectangle. Replaces echarts
// custom series that built one scene element per rectangle (tens of thousands at 16 CPUs: the
// main thread spent 0.5–3 s per redraw removing and adding them). Every lane has its label.

import { useEffect, useRef } from 'react';
import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { Theme } from '../state/slices.js';
import { drawTimeAxis, prepareCanvas } from './canvas-util.js';

/** Height of the time axis under the lanes when it is shown. */
export const LANE_AXIS_HEIGHT = 20;
/** Gap between lanes, px (lanes read as separate rows). */
const LANE_GAP_PX = 1;

export function LaneCanvas({
  result,
  cpus,
  view,
  plotWidth,
  height,
  theme,
  colorOf,
  tolerance = 0,
  selectedCpus = [],
  showAxis = false,
  testId,
}: {
  result: SeriesResult | undefined;
  /** Lanes before the first result arrives (then the result's CPUs). */
  cpus: readonly number[];
  view: TimeRange;
  plotWidth: number;
  height: number;
  theme: Theme;
  /** Colour of a bucket value; undefined = nothing drawn (no data). */
  colorOf: (value: number) => string | undefined;
  /** Values closer than this share a run (their mean is drawn). */
  tolerance?: number;
  selectedCpus?: readonly number[];
  showAxis?: boolean;
  testId?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;
  const lanes = result?.cpus.map((c) => c.cpu) ?? cpus;

  useEffect(() => {
    const element = canvas.current;
    if (element === null || plotWidth <= 0) return;
    const ctx = prepareCanvas(element, width, height);
    if (ctx === null) return;
    const chrome = chartChrome(theme);
    const lanesHeight = height - (showAxis ? LANE_AXIS_HEIGHT : 0) - 2;
    const laneHeight = lanesHeight / Math.max(lanes.length, 1);
    // Labels: every lane when they fit (≥ 9 px), else every k-th.
    const labelEvery = Math.max(1, Math.ceil(10 / Math.max(laneHeight, 1)));
    ctx.font = `${Math.min(10, Math.max(8, Math.floor(laneHeight)))}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    lanes.forEach((cpu, lane) => {
      if (lane % labelEvery !== 0) return;
      const bold = selectedCpus.includes(cpu);
      ctx.fillStyle = bold ? chrome.text : chrome.muted;
      ctx.fillText(`CPU ${cpu}`, GRID_LEFT - 6, 1 + lane * laneHeight + laneHeight / 2);
    });
    drawTimeAxis(
      ctx,
      view,
      plotWidth,
      0,
      lanesHeight + 2,
      chrome.grid,
      chrome.muted,
      showAxis ? height - 9 : undefined,
    );
    if (result === undefined) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(GRID_LEFT, 0, plotWidth, lanesHeight + 2);
    ctx.clip();
    const span = Math.max(view.end - view.start, 1);
    const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
    const h = Math.max(1, laneHeight - (laneHeight > 4 ? LANE_GAP_PX : 0));
    result.cpus.forEach((series, lane) => {
      const values = series.values;
      const y = 1 + lane * laneHeight;
      // Only the buckets the view shows (the window is padded 3×).
      const first = Math.max(0, Math.floor((view.start - result.range.start) / result.bucketNs));
      const last = Math.min(values.length, Math.ceil((view.end - result.range.start) / result.bucketNs) + 1);
      let runStart = first;
      let sum = 0;
      for (let i = first; i <= last; i++) {
        const value = values[i];
        if (i === last || value === undefined || Math.abs(value - values[runStart]!) > tolerance) {
          if (i > runStart) {
            const color = colorOf(tolerance > 0 ? sum / (i - runStart) : values[runStart]!);
            if (color !== undefined) {
              const x0 = xOf(result.range.start + runStart * result.bucketNs);
              const x1 = xOf(result.range.start + i * result.bucketNs);
              ctx.fillStyle = color;
              ctx.fillRect(x0, y, Math.max(0.5, x1 - x0), h);
            }
          }
          runStart = i;
          sum = 0;
        }
        if (value !== undefined) sum += value;
      }
    });
    ctx.restore();
  }, [result, lanes, view, plotWidth, width, height, theme, colorOf, tolerance, selectedCpus, showAxis]);

  return <canvas ref={canvas} style={{ width, height, display: 'block' }} data-testid={testId} />;
}
