// Percent per CPU as step lines on one canvas (utilization and DPC/ISR time with ≤ 4 CPUs shown):
// a 0–100 % axis with labelled grid lines at the left, the shared time grid, each CPU in its legend
// colour, CPUs outside the legend selection dimmed underneath. Replaces echarts line charts whose
// creation when a CPU filter switched the lanes to lines took ~700 ms of main thread.

import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome, cpuColor } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { Theme } from '../state/slices.js';
import { drawTimeAxis, usePlotCanvas } from './canvas-util.js';
import { stepLinePoints } from './step-line.js';

/** Plot padding above and below (the echarts grid's top/bottom these lines replace). */
const PAD_TOP = 6;
const PAD_BOTTOM = 6;
/** Labelled values on the y axis (echarts' splitNumber 2 over 0–100). */
const Y_TICKS = [0, 50, 100];
const Y_MAX = 100;
/** Gap between the y labels and the plot, px (echarts' axis label margin). */
const Y_LABEL_GAP = 8;

/** The default selection, one array (a fresh `[]` per render would redraw every time). */
const NO_CPUS: readonly number[] = [];

export function LinesCanvas({
  result,
  view,
  plotWidth,
  height,
  theme,
  selectedCpus = NO_CPUS,
  testId,
}: {
  result: SeriesResult | undefined;
  view: TimeRange;
  plotWidth: number;
  height: number;
  theme: Theme;
  selectedCpus?: readonly number[];
  testId?: string;
}) {
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;

  const canvas = usePlotCanvas(
    plotWidth > 0,
    width,
    height,
    (ctx) => {
      const chrome = chartChrome(theme);
      const top = PAD_TOP;
      const bottom = height - PAD_BOTTOM;
      const yOf = (v: number) => bottom - (Math.min(Math.max(v, 0), Y_MAX) / Y_MAX) * (bottom - top);
      drawTimeAxis(ctx, view, plotWidth, top, bottom, chrome.grid, chrome.muted);
      ctx.font = '10px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const tick of Y_TICKS) {
        const y = Math.round(yOf(tick));
        ctx.fillStyle = tick === 0 ? chrome.axis : chrome.grid;
        ctx.fillRect(GRID_LEFT, y, plotWidth, 1);
        ctx.fillStyle = chrome.muted;
        ctx.fillText(String(tick), GRID_LEFT - Y_LABEL_GAP, y);
      }
      if (result === undefined) return;
      const span = Math.max(view.end - view.start, 1);
      const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
      const dpr = globalThis.devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      // A line at 0 or 100 % keeps its full width.
      ctx.rect(GRID_LEFT, top - 1, plotWidth, bottom - top + 2);
      ctx.clip();
      const dimmed = (cpu: number) => selectedCpus.length > 0 && !selectedCpus.includes(cpu);
      // Dimmed CPUs first, so the selected ones are drawn over them.
      const order = [...result.cpus].sort((a, b) => Number(!dimmed(a.cpu)) - Number(!dimmed(b.cpu)));
      for (const series of order) {
        const points = stepLinePoints({
          values: series.values,
          originNs: result.range.start,
          bucketNs: result.bucketNs,
          view,
          xOf,
          columnPx: 1 / dpr,
        });
        if (points.length < 2) continue;
        const dim = dimmed(series.cpu);
        const w = dim ? 1 : 1.5;
        ctx.fillStyle = cpuColor(series.cpu, theme);
        ctx.globalAlpha = dim ? 0.25 : 0.95;
        // A step line is all horizontal and vertical pieces: each one a fillRect of the line's
        // width (the canvas's fast path). Stroking the polyline made Chromium's software canvas
        // flush for ~70 ms per 1,920-px line (its stroker and anti-aliasing on thousands of
        // overlapping segments); one path of rectangles, filled, was slower still.
        for (let i = 2; i < points.length; i += 2) {
          const x0 = points[i - 2]!;
          const x1 = points[i]!;
          const y0 = yOf(points[i - 1]!);
          const y1 = yOf(points[i + 1]!);
          // Every piece is horizontal or vertical (stepLinePoints; step-line.test.ts checks it).
          ctx.fillRect(
            Math.min(x0, x1) - w / 2,
            Math.min(y0, y1) - w / 2,
            Math.abs(x1 - x0) + w,
            Math.abs(y1 - y0) + w,
          );
        }
      }
      ctx.restore();
    },
    [result, view, plotWidth, width, height, theme, selectedCpus],
  );

  return (
    <canvas
      ref={canvas}
      style={{ width, height, display: 'block' }}
      data-testid={testId}
      data-drawn={result !== undefined ? 'true' : 'false'}
    />
  );
}
