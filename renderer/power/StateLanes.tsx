// Per-CPU state lanes on one canvas, every CPU at once over the app's view range: either Actual vs
// Target (each CPU's lane split in two: the Actual C-state from the cstate series on top, the
// Target state from Power IdleStateChange below) or one track of runs (the performance states).
// Drawn like timeline/LaneCanvas.tsx: one fillRect per run, runs under half a pixel merged away.

import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { Theme } from '../state/slices.js';
import { drawTimeAxis, usePlotCanvas } from '../timeline/canvas-util.js';
import type { StateRun } from './power-model.js';

/** The time axis under the lanes. */
const AXIS_PX = 20;
/** Gap between CPUs' lanes (lanes read as separate rows). */
const LANE_GAP_PX = 2;

export interface Track {
  /** Short name drawn beside the CPU label ("A", "T"); omitted for a single track. */
  readonly tag?: string;
  /** Share of the lane's height. */
  readonly weight: number;
  readonly series?: SeriesResult;
  readonly runs?: ReadonlyMap<number, readonly StateRun[]>;
  readonly colorOfIndex?: (value: number) => string | undefined;
  readonly colorOfState?: (state: string) => string;
}

export function StateLanes({
  cpus,
  tracks,
  view,
  plotWidth,
  laneHeight,
  theme,
  testId,
}: {
  cpus: readonly number[];
  tracks: readonly Track[];
  view: TimeRange;
  plotWidth: number;
  /** Height of one CPU's lane (all its tracks). */
  laneHeight: number;
  theme: Theme;
  testId?: string;
}) {
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;
  const height = cpus.length * laneHeight + AXIS_PX + 2;

  const canvas = usePlotCanvas(
    plotWidth > 0,
    width,
    height,
    (ctx) => {
      const chrome = chartChrome(theme);
      const lanesHeight = cpus.length * laneHeight;
      drawTimeAxis(ctx, view, plotWidth, 0, lanesHeight + 2, chrome.grid, chrome.muted, height - 9);
      const span = Math.max(view.end - view.start, 1);
      const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
      const totalWeight = tracks.reduce((n, t) => n + t.weight, 0) || 1;
      const usable = Math.max(2, laneHeight - LANE_GAP_PX);
      ctx.textBaseline = 'middle';
      cpus.forEach((cpu, lane) => {
        const y0 = 1 + lane * laneHeight;
        ctx.font = `${Math.min(11, Math.max(8, Math.floor(laneHeight * 0.6)))}px system-ui, sans-serif`;
        ctx.textAlign = 'right';
        ctx.fillStyle = chrome.muted;
        ctx.fillText(`CPU ${cpu}`, GRID_LEFT - (tracks.length > 1 ? 18 : 6), y0 + usable / 2);
        let y = y0;
        for (const track of tracks) {
          const h = (usable * track.weight) / totalWeight;
          if (track.tag !== undefined) {
            ctx.font = `${Math.min(9, Math.max(7, Math.floor(h)))}px system-ui, sans-serif`;
            ctx.textAlign = 'right';
            ctx.fillStyle = chrome.muted;
            ctx.fillText(track.tag, GRID_LEFT - 4, y + h / 2);
          }
          ctx.save();
          ctx.beginPath();
          ctx.rect(GRID_LEFT, y, plotWidth, h);
          ctx.clip();
          const drawRun = (start: number, end: number, color: string | undefined) => {
            if (color === undefined) return;
            const x0 = xOf(start);
            const x1 = xOf(end);
            if (x1 < GRID_LEFT || x0 > GRID_LEFT + plotWidth) return;
            ctx.fillStyle = color;
            ctx.fillRect(x0, y, Math.max(0.5, x1 - x0), Math.max(1, h - (tracks.length > 1 ? 1 : 0)));
          };
          const series = track.series?.cpus.find((c) => c.cpu === cpu);
          if (series !== undefined && track.series !== undefined && track.colorOfIndex !== undefined) {
            const { range, bucketNs } = track.series;
            const values = series.values;
            let runStart = 0;
            for (let i = 1; i <= values.length; i++) {
              if (i === values.length || values[i] !== values[runStart]) {
                drawRun(
                  range.start + runStart * bucketNs,
                  range.start + i * bucketNs,
                  track.colorOfIndex(values[runStart]!),
                );
                runStart = i;
              }
            }
          }
          const runs = track.runs?.get(cpu);
          if (runs !== undefined && track.colorOfState !== undefined)
            for (const r of runs) drawRun(r.startNs, r.endNs, track.colorOfState(r.state));
          ctx.restore();
          y += h;
        }
      });
    },
    [cpus, tracks, view, plotWidth, width, height, laneHeight, theme],
  );

  return (
    <canvas
      ref={canvas}
      style={{ width, height, display: 'block' }}
      data-testid={testId}
      data-lanes={cpus.join(',')}
      data-lane-height={laneHeight}
    />
  );
}
