// Per-CPU lanes on one canvas (utilization and DPC/ISR time beyond 4 CPUs, C-states): each CPU a
// lane, each bucket's value a colour, neighbours within the tolerance merged into one run. The runs
// are filled into a packed-RGBA pixel buffer (lane-raster.ts, device pixels) and blitted once over
// the grid lines: ~26,000 fillRects with a fillStyle string each took 12–17 ms per redraw at 1920
// px on this VM (140 ms on the profile), the buffer 2–3 ms; echarts custom series before
// them took 0.5–3 s. Every lane has its label.

import { useMemo, useRef } from 'react';
import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { Theme } from '../state/slices.js';
import { drawTimeAxis, usePlotCanvas } from './canvas-util.js';
import { rasterLanes, type LaneRows } from './lane-raster.js';
import { packedColor } from './pixel-color.js';

/** Height of the time axis under the lanes when it is shown. */
export const LANE_AXIS_HEIGHT = 20;
/** Gap between lanes, px (lanes read as separate rows). */
const LANE_GAP_PX = 1;
/** Packed colours a LaneCanvas keeps per colour function (bounds a colorStep-less float series). */
const COLOR_CACHE_LIMIT = 4096;

/** The offscreen canvas and pixel buffer a LaneCanvas reuses while its size stays. */
interface Raster {
  readonly canvas: HTMLCanvasElement;
  readonly image: ImageData;
  readonly pixels: Uint32Array;
}

function rasterOf(previous: Raster | undefined, width: number, height: number): Raster | undefined {
  if (previous !== undefined && previous.image.width === width && previous.image.height === height) {
    return previous;
  }
  const canvas = previous?.canvas ?? document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return undefined;
  const image = ctx.createImageData(width, height);
  return { canvas, image, pixels: new Uint32Array(image.data.buffer) };
}

/** The default selection, one array (a fresh `[]` per render would redraw every time). */
const NO_CPUS: readonly number[] = [];

export function LaneCanvas({
  result,
  cpus,
  view,
  plotWidth,
  height,
  theme,
  colorOf,
  tolerance = 0,
  colorStep,
  selectedCpus = NO_CPUS,
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
  /**
   * Values are coloured at this resolution (a run's mean is rounded to it), so colours are looked
   * up, not rebuilt as CSS strings per run; finer than colorOf's own steps. Unset: exact values.
   */
  colorStep?: number;
  selectedCpus?: readonly number[];
  showAxis?: boolean;
  testId?: string;
}) {
  const raster = useRef<Raster | undefined>(undefined);
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;
  const resultLanes = useMemo(() => result?.cpus.map((c) => c.cpu), [result]);
  const lanes = resultLanes ?? cpus;
  // The parent passes a new `cpus` array on every render: the lanes' key keeps those from redrawing.
  const lanesKey = lanes.join(',');
  // Packed colour by (rounded) value, kept across redraws while the colour function stays (a new
  // colorOf, e.g. on a theme change, starts a new map).
  const colors = useMemo(() => new Map<number, number>(), [colorOf]);

  const canvas = usePlotCanvas(
    plotWidth > 0,
    width,
    height,
    (ctx) => {
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
      // The lanes area in device pixels: columns [x0, x1) of the canvas, rows [0, lanesHeight + 2).
      const dpr = globalThis.devicePixelRatio || 1;
      const x0 = Math.round(GRID_LEFT * dpr);
      const x1 = Math.round((GRID_LEFT + plotWidth) * dpr);
      const rows = Math.round((lanesHeight + 2) * dpr);
      if (x1 <= x0 || rows <= 0) return;
      raster.current = rasterOf(raster.current, x1 - x0, rows);
      const target = raster.current;
      if (target === undefined) return;
      const h = Math.max(1, laneHeight - (laneHeight > 4 ? LANE_GAP_PX : 0));
      const laneRows: LaneRows[] = result.cpus.map((_, lane) => {
        const top = Math.round((1 + lane * laneHeight) * dpr);
        return { top, bottom: Math.max(top + 1, Math.round((1 + lane * laneHeight + h) * dpr)) };
      });
      const span = Math.max(view.end - view.start, 1);
      const scale = (plotWidth * dpr) / span;
      const offset = GRID_LEFT * dpr - x0;
      rasterLanes(
        { pixels: target.pixels, width: target.image.width, height: target.image.height },
        {
          result,
          lanes: laneRows,
          columnOf: (ns) => offset + (ns - view.start) * scale,
          view,
          colorOf: (value) => {
            const key = colorStep === undefined ? value : Math.round(value / colorStep) * colorStep;
            let packed = colors.get(key);
            if (packed === undefined) {
              const css = colorOf(key);
              packed = css === undefined ? 0 : packedColor(css);
              if (colors.size >= COLOR_CACHE_LIMIT) colors.clear();
              colors.set(key, packed);
            }
            return packed;
          },
          tolerance,
        },
      );
      target.canvas.getContext('2d')?.putImageData(target.image, 0, 0);
      // drawImage (not putImageData) so the grid lines show through the gaps between lanes.
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(target.canvas, x0, 0);
      ctx.restore();
    },
    [
      result,
      lanesKey,
      view,
      plotWidth,
      width,
      height,
      theme,
      colors,
      colorOf,
      tolerance,
      colorStep,
      selectedCpus,
      showAxis,
    ],
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
