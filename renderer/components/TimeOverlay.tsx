// The interactive layer over all graphs (STYLE 2.11: only this layer changes on mouse move; the
// echarts canvases below are untouched): drag selects a time range (a click clears it), Ctrl+wheel
// zooms around the pointer, a dashed cursor line shows the time under the mouse, and the selection
// band and the last found over-budget DPC are drawn across every graph.

import { useRef, useState, type MouseEvent as ReactMouseEvent, type RefObject, type WheelEvent } from 'react';
import { formatDuration, traceNs, type TimeRange } from '../../shared/units.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import { formatSeconds, routineName } from '../format.js';
import { useApp } from '../state/store.js';

/** Below this many pixels of movement a press is a click (clears the selection), not a drag. */
const DRAG_THRESHOLD_PX = 3;
/** Ctrl+wheel zoom step per notch. */
const WHEEL_ZOOM_FACTOR = 1.25;

export function TimeOverlay({
  view,
  plotWidth,
  box,
}: {
  view: TimeRange;
  plotWidth: number;
  box: RefObject<HTMLDivElement | null>;
}) {
  const selection = useApp((s) => s.selection);
  const found = useApp((s) => s.found);
  const setSelection = useApp((s) => s.setSelection);
  const zoomBy = useApp((s) => s.zoomBy);
  const drag = useRef<{ x0: number; t0: number; moved: boolean } | undefined>(undefined);
  const [hoverX, setHoverX] = useState<number | undefined>(undefined);
  const span = view.end - view.start;
  const xToNs = (x: number) =>
    view.start + (Math.min(Math.max(x, 0), plotWidth) / Math.max(plotWidth, 1)) * span;
  const nsToX = (ns: number) => ((ns - view.start) / span) * plotWidth;
  const localX = (event: ReactMouseEvent | WheelEvent | MouseEvent) => {
    const rect = box.current!.getBoundingClientRect();
    return event.clientX - rect.left - GRID_LEFT;
  };
  const onMouseDown = (event: ReactMouseEvent) => {
    if (event.button !== 0) {
      return;
    }
    event.preventDefault();
    const x0 = localX(event);
    drag.current = { x0, t0: xToNs(x0), moved: false };
    const onMove = (move: MouseEvent) => {
      const state = drag.current;
      if (state === undefined) {
        return;
      }
      const x = localX(move);
      if (Math.abs(x - state.x0) >= DRAG_THRESHOLD_PX) {
        state.moved = true;
        const t = xToNs(x);
        setSelection({ start: traceNs(Math.min(state.t0, t)), end: traceNs(Math.max(state.t0, t)) });
      }
    };
    const onUp = () => {
      if (drag.current !== undefined && !drag.current.moved) {
        setSelection(undefined);
      }
      drag.current = undefined;
      globalThis.removeEventListener('mousemove', onMove);
      globalThis.removeEventListener('mouseup', onUp);
    };
    globalThis.addEventListener('mousemove', onMove);
    globalThis.addEventListener('mouseup', onUp);
  };
  const onWheel = (event: WheelEvent) => {
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      zoomBy(event.deltaY > 0 ? WHEEL_ZOOM_FACTOR : 1 / WHEEL_ZOOM_FACTOR, xToNs(localX(event)));
    }
  };

  const band = (range: TimeRange | undefined) => {
    if (range === undefined || range.end < view.start || range.start > view.end) {
      return undefined;
    }
    const left = Math.max(0, nsToX(range.start));
    const right = Math.min(plotWidth, nsToX(range.end));
    return { left: GRID_LEFT + left, width: Math.max(2, right - left) };
  };
  const selectionBand = band(selection);
  const foundBand =
    found !== undefined
      ? band({ start: traceNs(found.enterSeconds * 1e9), end: traceNs(found.exitSeconds * 1e9) })
      : undefined;

  return (
    <>
      <div
        className="graph-overlay"
        style={{ left: GRID_LEFT, right: GRID_RIGHT }}
        onMouseDown={onMouseDown}
        onMouseMove={(event) => setHoverX(localX(event))}
        onMouseLeave={() => setHoverX(undefined)}
        onWheel={onWheel}
        data-testid="graph-overlay"
      />
      {selectionBand !== undefined && (
        <div className="selection-band" style={selectionBand} data-testid="selection-band" />
      )}
      {found !== undefined && foundBand !== undefined && (
        <div className="found-marker" style={{ left: foundBand.left }}>
          <span>
            {routineName(found.module, found.function)} · CPU {found.cpu} · {found.durationUs.toFixed(1)} µs
          </span>
        </div>
      )}
      {hoverX !== undefined && hoverX >= 0 && hoverX <= plotWidth && (
        <div className="cursor-line" style={{ left: GRID_LEFT + hoverX }}>
          <span>{formatSeconds(xToNs(hoverX), span)}</span>
        </div>
      )}
      {selection !== undefined && selectionBand === undefined && (
        <div className="graph-hint">
          Selection ({formatDuration(selection.end - selection.start)}) is outside the view
        </div>
      )}
    </>
  );
}
