// Shared pieces of the graphs drawn on plain canvases (lanes, duration marks, the event timeline):
// a device-pixel-ratio sized 2D context, and the time axis (1-2-5 steps, labels that never overlap).

import { useEffect, useRef, type DependencyList, type RefObject } from 'react';
import { formatSeconds } from '../format.js';
import { GRID_LEFT } from '../charts/series-options.js';

/** Sizes the canvas for the screen's pixel ratio and returns a context in CSS pixels (cleared). */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D | null {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/**
 * The canvas of a plot: sized for the pixel ratio, cleared and redrawn by `draw` whenever
 * `enabled`, the size or `deps` change (nothing while `enabled` is false, e.g. before the plot's
 * width is known). Returns the ref for the <canvas>.
 */
export function usePlotCanvas(
  enabled: boolean,
  width: number,
  height: number,
  draw: (ctx: CanvasRenderingContext2D) => void,
  deps: DependencyList,
): RefObject<HTMLCanvasElement | null> {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    if (element === null || !enabled) return;
    const ctx = prepareCanvas(element, width, height);
    if (ctx !== null) draw(ctx);
    // The caller's deps say when to redraw (`draw` itself is a new closure every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, width, height, ...deps]);
  return canvas;
}

/** Spacing between time labels: a label is ~90 px wide at 11 px. */
const TICK_SPACING_PX = 130;

/** 1-2-5 × 10^k ns step with at most one tick per TICK_SPACING_PX. */
export function tickStep(spanNs: number, plotWidth: number): number {
  const raw = spanNs / Math.max(1, plotWidth / TICK_SPACING_PX);
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** Vertical grid lines over [top, bottom) and (with `labels`) time labels under them at `labelY`. */
export function drawTimeAxis(
  ctx: CanvasRenderingContext2D,
  view: { start: number; end: number },
  plotWidth: number,
  top: number,
  bottom: number,
  gridColor: string,
  labelColor: string,
  labelY?: number,
): void {
  const span = Math.max(view.end - view.start, 1);
  const step = tickStep(span, plotWidth);
  ctx.fillStyle = gridColor;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  for (let t = Math.ceil(view.start / step) * step; t <= view.end; t += step) {
    const x = GRID_LEFT + ((t - view.start) / span) * plotWidth;
    ctx.fillStyle = gridColor;
    ctx.fillRect(Math.round(x), top, 1, bottom - top);
    if (labelY !== undefined) {
      const text = formatSeconds(t, span);
      const w = ctx.measureText(text).width;
      // The end labels stay inside the canvas instead of being cut (or overlapping the next graph).
      const cx = Math.min(Math.max(x, GRID_LEFT + w / 2), GRID_LEFT + plotWidth - w / 2);
      ctx.fillStyle = labelColor;
      ctx.fillText(text, cx, labelY);
    }
  }
}
