// "CPUs in C0": how many CPUs were running (not idle) over time, averaged per bucket, on the
// graphs' shared time axis (issue 11: "all processors entered deep idle at about the same time and
// stayed there" visible at a glance — the line falls to ~1 and stays). From idleStats' concurrency
// line, fetched for the same padded series window as the other graphs (Graphs.tsx), so pans inside
// the window cost nothing. The title line gives min / avg / max over the visible range.

import type { TimeRange } from '../../shared/units.js';
import { useQueryResult } from '../app/api.js';
import { chartChrome, cstateColor } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { SeriesWindow } from '../data/series-window.js';
import { effectiveCpus } from '../state/filter-slice.js';
import type { Theme } from '../state/slices.js';
import { useQueryInputs } from '../state/store.js';
import { drawTimeAxis, usePlotCanvas } from '../timeline/canvas-util.js';
import { concurrencyInView, concurrencyQuery } from './power-model.js';

/** Room above the line's maximum so a full-height plateau does not touch the top edge. */
const TOP_PAD_PX = 4;

export function CpusInC0Graph({
  window,
  view,
  plotWidth,
  height,
  theme,
}: {
  window: SeriesWindow | undefined;
  view: TimeRange;
  plotWidth: number;
  height: number;
  theme: Theme;
}) {
  const inputs = useQueryInputs();
  const query = window !== undefined ? concurrencyQuery(inputs, window) : undefined;
  const { result } = useQueryResult('power-concurrency', inputs.traceId, query);
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;
  const all = inputs.summary?.cpuCount ?? 1;
  const cpuCount = effectiveCpus(inputs.filters, all)?.length ?? all;
  const concurrency = result?.concurrency;
  const figures = concurrency !== undefined ? concurrencyInView(concurrency, view) : undefined;

  const canvas = usePlotCanvas(
    plotWidth > 0,
    width,
    height,
    (ctx) => {
      const chrome = chartChrome(theme);
      const plotBottom = height - 2;
      const plotTop = TOP_PAD_PX;
      drawTimeAxis(ctx, view, plotWidth, 0, plotBottom, chrome.grid, chrome.muted);
      const yMax = Math.max(1, cpuCount);
      const yOf = (v: number) => plotBottom - (v / yMax) * (plotBottom - plotTop);
      // Y labels: 0, the middle and the CPU count.
      ctx.font = '10px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const v of [0, Math.round(yMax / 2), yMax]) {
        ctx.fillStyle = chrome.grid;
        ctx.fillRect(GRID_LEFT, Math.round(yOf(v)), plotWidth, 1);
        ctx.fillStyle = chrome.muted;
        ctx.fillText(String(v), GRID_LEFT - 6, Math.min(plotBottom - 4, Math.max(6, yOf(v))));
      }
      if (concurrency === undefined || !(concurrency.bucketNs > 0)) return;
      const span = Math.max(view.end - view.start, 1);
      const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
      ctx.save();
      ctx.beginPath();
      ctx.rect(GRID_LEFT, 0, plotWidth, height);
      ctx.clip();
      // A step line (each bucket is an average over its span) with the area under it filled.
      const color = cstateColor(0, theme);
      ctx.beginPath();
      ctx.moveTo(xOf(concurrency.startNs), plotBottom);
      concurrency.values.forEach((v, k) => {
        const x0 = xOf(concurrency.startNs + k * concurrency.bucketNs);
        const x1 = xOf(concurrency.startNs + (k + 1) * concurrency.bucketNs);
        ctx.lineTo(x0, yOf(v));
        ctx.lineTo(x1, yOf(v));
      });
      ctx.lineTo(xOf(concurrency.startNs + concurrency.values.length * concurrency.bucketNs), plotBottom);
      ctx.closePath();
      ctx.globalAlpha = 0.3;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      concurrency.values.forEach((v, k) => {
        const x0 = xOf(concurrency.startNs + k * concurrency.bucketNs);
        const x1 = xOf(concurrency.startNs + (k + 1) * concurrency.bucketNs);
        if (k === 0) ctx.moveTo(x0, yOf(v));
        else ctx.lineTo(x0, yOf(v));
        ctx.lineTo(x1, yOf(v));
      });
      ctx.stroke();
      ctx.restore();
    },
    [concurrency, view, plotWidth, width, height, theme, cpuCount],
  );

  return (
    <>
      <div className="graph-title">
        <span>CPUs in C0</span>
        <span className="graph-note" data-testid="cpus-in-c0-note">
          {figures !== undefined
            ? `CPUs running (not idle), averaged per interval · in view: min ${figures.min.toFixed(1)}, avg ${figures.avg.toFixed(1)}, max ${figures.max.toFixed(1)} of ${cpuCount}`
            : 'CPUs running (not idle), averaged per interval'}
        </span>
      </div>
      <canvas
        ref={canvas}
        style={{ width, height, display: 'block' }}
        data-testid="graph-cpus-in-c0"
        data-start-ns={concurrency?.startNs}
        data-bucket-ns={concurrency?.bucketNs}
        data-values={concurrency?.values.map((v) => v.toFixed(3)).join(',')}
      />
    </>
  );
}
