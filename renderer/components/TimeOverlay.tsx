// The interactive layer over all graphs (STYLE 2.11: only this layer changes on mouse move; the
// echarts canvases below are untouched): drag selects a time range (a click clears it, or selects
// the event under it on the deep-zoom timeline), middle-drag or Space+drag pans, Ctrl+wheel zooms
// around the pointer (never the page: a non-passive listener), Shift+wheel pans; wheel notches are
// applied once per animation frame. A dashed cursor line shows the time under the mouse, a tooltip
// the event under it; the selection band and the last found over-budget DPC span every graph.

import { useEffect, useRef, useState, type MouseEvent as ReactMouseEvent, type RefObject } from 'react';
import { formatDuration, traceNs, type TimeRange } from '../../shared/units.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import { formatSeconds, formatUs, routineName } from '../format.js';
import type { DpcEventRef } from '../state/slices.js';
import { useApp } from '../state/store.js';
import { getAppStore } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { timelineHit } from '../timeline/DpcTimeline.js';

/** Below this many pixels of movement a press is a click (clears the selection), not a drag. */
const DRAG_THRESHOLD_PX = 3;
/** Ctrl+wheel zoom step per notch. */
const WHEEL_ZOOM_FACTOR = 1.25;
/** Shift+wheel pan per notch (100 px of deltaY), as a fraction of the view. */
const WHEEL_PAN_FRACTION = 0.1;

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
  const selectEvent = useApp((s) => s.selectEvent);
  const drag = useRef<{ x0: number; t0: number; moved: boolean; pan: boolean; view0: TimeRange } | undefined>(
    undefined,
  );
  const overlay = useRef<HTMLDivElement>(null);
  const spaceHeld = useRef(false);
  const [hover, setHover] = useState<{ x: number; y: number; event?: DpcEventRef } | undefined>(undefined);
  const span = view.end - view.start;
  const xToNs = (x: number) =>
    view.start + (Math.min(Math.max(x, 0), plotWidth) / Math.max(plotWidth, 1)) * span;
  const nsToX = (ns: number) => ((ns - view.start) / span) * plotWidth;
  const localX = (event: { clientX: number }) => {
    const rect = box.current!.getBoundingClientRect();
    return event.clientX - rect.left - GRID_LEFT;
  };
  const localY = (event: { clientY: number }) => event.clientY - box.current!.getBoundingClientRect().top;

  // Space held (not while typing) turns a left drag into a pan, as in Perfetto and image editors.
  useEffect(() => {
    const typing = (t: EventTarget | null) =>
      t instanceof HTMLElement &&
      (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName));
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !typing(e.target)) spaceHeld.current = true;
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') spaceHeld.current = false;
    };
    globalThis.addEventListener('keydown', down);
    globalThis.addEventListener('keyup', up);
    return () => {
      globalThis.removeEventListener('keydown', down);
      globalThis.removeEventListener('keyup', up);
    };
  }, []);

  // Wheel: a non-passive native listener (React's onWheel is passive, so Ctrl+wheel would zoom the
  // page). Notches within one animation frame are folded into one zoom/pan: the store changes at
  // most once per frame however fast the wheel turns.
  useEffect(() => {
    const element = overlay.current;
    if (element === null) return;
    let zoomFactor = 1;
    let zoomCenter = 0;
    let pan = 0;
    let frame = 0;
    const apply = () => {
      frame = 0;
      const store = getAppStore().getState();
      if (zoomFactor !== 1) store.zoomBy(zoomFactor, zoomCenter);
      if (pan !== 0) store.panBy(pan);
      zoomFactor = 1;
      pan = 0;
    };
    const onWheel = (event: WheelEvent) => {
      const notches = event.deltaY !== 0 ? event.deltaY / 100 : event.deltaX / 100;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        const state = getAppStore().getState();
        const v = visibleRange(state);
        const rect = element.getBoundingClientRect();
        const x = Math.min(Math.max(event.clientX - rect.left, 0), rect.width);
        zoomCenter = v.start + (x / Math.max(rect.width, 1)) * (v.end - v.start);
        zoomFactor *= WHEEL_ZOOM_FACTOR ** Math.sign(event.deltaY);
      } else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        event.preventDefault();
        pan += notches * WHEEL_PAN_FRACTION;
      } else {
        return;
      }
      if (frame === 0) frame = requestAnimationFrame(apply);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      element.removeEventListener('wheel', onWheel);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, []);

  const onMouseDown = (event: ReactMouseEvent) => {
    const pan = event.button === 1 || (event.button === 0 && spaceHeld.current);
    if (event.button !== 0 && !pan) {
      return;
    }
    event.preventDefault();
    const x0 = localX(event);
    drag.current = { x0, t0: xToNs(x0), moved: false, pan, view0: view };
    const clickX = event.clientX;
    const clickY = event.clientY;
    let frame = 0;
    let lastX = x0;
    const onMove = (move: MouseEvent) => {
      const state = drag.current;
      if (state === undefined) {
        return;
      }
      const x = localX(move);
      if (Math.abs(x - state.x0) >= DRAG_THRESHOLD_PX) {
        state.moved = true;
        if (state.pan) {
          lastX = x;
          if (frame === 0)
            frame = requestAnimationFrame(() => {
              frame = 0;
              const v0 = state.view0;
              const shift = ((state.x0 - lastX) / Math.max(plotWidth, 1)) * (v0.end - v0.start);
              getAppStore()
                .getState()
                .zoomTo({ start: traceNs(v0.start + shift), end: traceNs(v0.end + shift) });
            });
          return;
        }
        const t = xToNs(x);
        setSelection({ start: traceNs(Math.min(state.t0, t)), end: traceNs(Math.max(state.t0, t)) });
      }
    };
    const onUp = () => {
      if (drag.current !== undefined && !drag.current.moved && !drag.current.pan) {
        const hit = timelineHit.at?.(clickX, clickY);
        if (hit !== undefined) {
          selectEvent(hit, { reveal: true });
        } else {
          setSelection(undefined);
        }
      }
      drag.current = undefined;
      globalThis.removeEventListener('mousemove', onMove);
      globalThis.removeEventListener('mouseup', onUp);
    };
    globalThis.addEventListener('mousemove', onMove);
    globalThis.addEventListener('mouseup', onUp);
  };
  const onHover = (event: ReactMouseEvent) => {
    const hit = drag.current === undefined ? timelineHit.at?.(event.clientX, event.clientY) : undefined;
    setHover({ x: localX(event), y: localY(event), event: hit });
  };
  const hoverX = hover?.x;
  // The view moved under a still pointer: the event under it is another one (or none).
  useEffect(() => setHover((h) => (h?.event !== undefined ? { x: h.x, y: h.y } : h)), [view.start, view.end]);

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
        ref={overlay}
        onMouseDown={onMouseDown}
        onMouseMove={onHover}
        onMouseLeave={() => setHover(undefined)}
        onAuxClick={(event) => event.preventDefault()}
        style={{
          left: GRID_LEFT,
          right: GRID_RIGHT,
          cursor: hover?.event !== undefined ? 'pointer' : undefined,
        }}
        data-testid="graph-overlay"
      />
      {hover?.event !== undefined && (
        <EventTooltip event={hover.event} x={GRID_LEFT + hover.x} y={hover.y} width={plotWidth} />
      )}
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

/** The hovered event: CPU, type, module!function, enter time, inclusive and exclusive duration. */
function EventTooltip({ event, x, y, width }: { event: DpcEventRef; x: number; y: number; width: number }) {
  const flip = x > GRID_LEFT + width * 0.6;
  return (
    <div
      className="event-tooltip"
      style={
        flip ? { right: GRID_LEFT + width + GRID_RIGHT - x + 12, top: y + 14 } : { left: x + 12, top: y + 14 }
      }
      data-testid="event-tooltip"
    >
      <div className="event-tooltip-name">{routineName(event.module, event.function)}</div>
      <div>
        CPU {event.cpu} · {event.type}
      </div>
      <div>Enter {(event.enterNs / 1e9).toFixed(9)} s</div>
      <div>
        Duration <strong>{formatUs(event.durationNs / 1e3)} µs</strong> inclusive,{' '}
        {formatUs(event.exclusiveNs / 1e3)} µs exclusive
        {event.fragments > 1 ? ` (${event.fragments} fragments)` : ''}
      </div>
    </div>
  );
}
