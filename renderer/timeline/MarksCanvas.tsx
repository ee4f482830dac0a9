// The DPC/ISR durations graph on one canvas: per CPU and pixel-wide bucket the longest DPC/ISR as
// a mark on a log µs axis, red above the guideline (dashed, labelled at the left so no mark covers
// the label), marks of the clicked histogram bucket ringed. Replaces an echarts scatter whose
// redraw of ~80,000 symbols (16 CPUs × a 3×-padded window) blocked the main thread for seconds.

import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { Theme } from '../state/slices.js';
import { drawTimeAxis, usePlotCanvas } from './canvas-util.js';

/** Mark size, px: visible at 1080p without merging neighbours into a bar. */
const MARK_PX = 3;
const PAD_TOP = 6;
const PAD_BOTTOM = 6;

const decadeLabel = (us: number) => (us >= 1000 ? `${us / 1000}k` : String(us));

export function MarksCanvas({
  result,
  highlighted,
  view,
  plotWidth,
  height,
  theme,
  guidelineUs,
}: {
  result: SeriesResult | undefined;
  highlighted: SeriesResult | undefined;
  view: TimeRange;
  plotWidth: number;
  height: number;
  theme: Theme;
  guidelineUs: number;
}) {
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;
  const canvas = usePlotCanvas(
    plotWidth > 0,
    width,
    height,
    (ctx) => {
      const chrome = chartChrome(theme);
      let maxUs = guidelineUs * 2;
      for (const s of result?.cpus ?? []) for (const v of s.values) if (v > maxUs) maxUs = v;
      const topDecade = Math.ceil(Math.log10(maxUs));
      const plotH = height - PAD_TOP - PAD_BOTTOM;
      const yOf = (us: number) => PAD_TOP + plotH * (1 - Math.log10(Math.max(us, 1)) / topDecade);
      drawTimeAxis(ctx, view, plotWidth, PAD_TOP, PAD_TOP + plotH, chrome.grid, chrome.muted);
      // Decade grid lines and labels (1, 10, 100, 1k µs …); every other one when they would crowd.
      const every = plotH / topDecade < 14 ? 2 : 1;
      ctx.font = '10px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (let d = 0; d <= topDecade; d += every) {
        const y = Math.round(yOf(10 ** d));
        ctx.fillStyle = chrome.grid;
        ctx.fillRect(GRID_LEFT, y, plotWidth, 1);
        ctx.fillStyle = chrome.muted;
        ctx.fillText(decadeLabel(10 ** d), GRID_LEFT - 6, y);
      }
      if (result !== undefined) {
        const span = Math.max(view.end - view.start, 1);
        const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
        const draw = (r: SeriesResult, paint: (x: number, y: number, over: boolean) => void) => {
          const first = Math.max(0, Math.floor((view.start - r.range.start) / r.bucketNs));
          for (const s of r.cpus) {
            const last = Math.min(s.values.length, Math.ceil((view.end - r.range.start) / r.bucketNs) + 1);
            for (let i = first; i < last; i++) {
              const v = s.values[i]!;
              if (v > 0) paint(xOf(r.range.start + (i + 0.5) * r.bucketNs), yOf(v), v > guidelineUs);
            }
          }
        };
        ctx.save();
        ctx.beginPath();
        ctx.rect(GRID_LEFT, 0, plotWidth, height);
        ctx.clip();
        // Under-guideline marks first, over-guideline ones on top (the findings stay visible).
        for (const over of [false, true]) {
          ctx.fillStyle = over ? chrome.over : chrome.under;
          ctx.globalAlpha = over ? 0.9 : 0.7;
          draw(result, (x, y, isOver) => {
            if (isOver === over) ctx.fillRect(x - MARK_PX / 2, y - MARK_PX / 2, MARK_PX, MARK_PX);
          });
        }
        ctx.globalAlpha = 1;
        if (highlighted !== undefined) {
          ctx.strokeStyle = chrome.highlight;
          ctx.lineWidth = 1.5;
          draw(highlighted, (x, y) => ctx.strokeRect(x - 3.5, y - 3.5, 7, 7));
        }
        ctx.restore();
      }
      // The guideline, dashed; the axis label "100" at its left end names it (no label among the marks).
      const gy = Math.round(yOf(guidelineUs)) + 0.5;
      ctx.strokeStyle = chrome.over;
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(GRID_LEFT, gy);
      ctx.lineTo(GRID_LEFT + plotWidth, gy);
      ctx.stroke();
      ctx.setLineDash([]);
    },
    [result, highlighted, view, plotWidth, width, height, theme, guidelineUs],
  );
  return <canvas ref={canvas} style={{ width, height, display: 'block' }} data-testid="graph-durations" />;
}
