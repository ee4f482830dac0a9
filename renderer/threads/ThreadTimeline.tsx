// The thread timeline (WPA's "Timeline by Process, Thread"): one lane per thread under its process
// header (click a header to collapse it), running intervals as full-height bars coloured by CPU,
// ready intervals as an amber band, waiting as a thin grey line, and a tick at each ready start
// whose readier is known (a triangle when it was readied from a DPC). One canvas for the lanes
// (redrawn when data, view or theme change) and one DOM layer for the pointer: drag selects a
// range, Ctrl+wheel zooms, Shift+wheel pans — the app's shared view range (view-slice), so the
// graphs above follow — and hover shows state, CPU, start, duration and who readied it.

import { useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import type { ThreadInterval, ThreadTimelineResult } from '../../shared/contract.js';
import { traceNs, type TimeRange } from '../../shared/units.js';
import { chartChrome, cpuColor } from '../charts/colors.js';
import { GRID_LEFT } from '../charts/series-options.js';
import { formatSeconds, formatUs } from '../format.js';
import type { Theme } from '../state/slices.js';
import { getAppStore, useApp } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { drawTimeAxis, prepareCanvas } from '../timeline/canvas-util.js';
import {
  intervalAt,
  layoutHeight,
  layoutLanes,
  processKey,
  readierText,
  rowAtY,
  threadLabel,
  type LayoutRow,
  type ThreadNames,
} from './thread-model.js';

/** Width of the lane labels left of the plot (thread names up to ~26 characters at 11 px). */
export const LABEL_PX = 190;
const RIGHT_PX = 12;
/** The time axis under the lanes. */
const AXIS_PX = 20;
/** Below this many pixels of movement a press is a click, not a drag. */
const DRAG_THRESHOLD_PX = 3;
/** Ctrl+wheel zoom step per notch (as the graphs'). */
const WHEEL_ZOOM_FACTOR = 1.25;
/** Shift+wheel pan per notch, as a fraction of the view (as the graphs'). */
const WHEEL_PAN_FRACTION = 0.1;
/** Hover finds an interval within this many pixels (1-px slivers stay hoverable). */
const HOVER_SLOP_PX = 2;

export function readyColor(theme: Theme): string {
  return theme === 'dark' ? '#e0a030' : '#d9901a';
}
export function waitColor(theme: Theme): string {
  return theme === 'dark' ? '#6b7585' : '#a7afbb';
}

interface Hover {
  readonly x: number;
  readonly y: number;
  readonly row: LayoutRow;
  readonly interval?: ThreadInterval;
}

export function ThreadTimeline({
  result,
  view,
  width,
  theme,
  names,
  collapsed,
  onToggleProcess,
  onPickThread,
}: {
  result: ThreadTimelineResult | undefined;
  view: TimeRange;
  width: number;
  theme: Theme;
  names: ThreadNames;
  collapsed: ReadonlySet<string>;
  onToggleProcess: (key: string) => void;
  onPickThread: (threadId: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const layer = useRef<HTMLDivElement>(null);
  const selection = useApp((s) => s.selection);
  const setSelection = useApp((s) => s.setSelection);
  const [hover, setHover] = useState<Hover | undefined>(undefined);
  const rows = useMemo(() => layoutLanes(result?.lanes ?? [], collapsed), [result, collapsed]);
  // The view or the lanes moved under a still pointer: what it pointed at is gone.
  useEffect(() => setHover(undefined), [view.start, view.end, rows]);
  const lanesHeight = layoutHeight(rows);
  const height = lanesHeight + AXIS_PX;
  const plotWidth = Math.max(1, width - LABEL_PX - RIGHT_PX);
  const span = Math.max(view.end - view.start, 1);
  const xOf = (ns: number) => LABEL_PX + ((ns - view.start) / span) * plotWidth;
  const nsAt = (x: number) =>
    view.start + ((Math.min(Math.max(x, LABEL_PX), LABEL_PX + plotWidth) - LABEL_PX) / plotWidth) * span;

  useEffect(() => {
    const element = canvas.current;
    if (element === null || width <= 0) return;
    const ctx = prepareCanvas(element, width, height);
    if (ctx === null) return;
    const chrome = chartChrome(theme);
    const x0 = LABEL_PX;
    const xs = (ns: number) => x0 + ((ns - view.start) / span) * plotWidth;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // The shared axis draws at GRID_LEFT; this plot starts at LABEL_PX.
    ctx.save();
    ctx.translate(LABEL_PX - GRID_LEFT, 0);
    drawTimeAxis(ctx, view, plotWidth, 0, lanesHeight, chrome.grid, chrome.muted, lanesHeight + AXIS_PX / 2);
    ctx.restore();
    for (const row of rows) {
      if (row.kind === 'process') {
        ctx.fillStyle = theme === 'dark' ? '#252b35' : '#eef1f5';
        ctx.fillRect(0, row.y, width, row.height);
        ctx.fillStyle = chrome.text;
        ctx.textAlign = 'left';
        ctx.font = '600 12px system-ui, sans-serif';
        ctx.fillText(
          `${row.collapsed ? '▸' : '▾'} ${row.process} (${row.processId}) · ${row.threads} thread${row.threads === 1 ? '' : 's'}`,
          6,
          row.y + row.height / 2,
        );
        ctx.font = '11px system-ui, sans-serif';
        continue;
      }
      const lane = row.lane;
      ctx.textAlign = 'right';
      const label = threadLabel(lane.threadId, names, lane.threadName);
      ctx.fillStyle = chrome.text;
      ctx.fillText(
        label.length > 28 ? `${label.slice(0, 27)}…` : label,
        LABEL_PX - 8,
        row.y + row.height / 2,
      );
      ctx.fillStyle = chrome.grid;
      ctx.fillRect(x0, row.y + row.height - 1, plotWidth, 1);
    }
    if (result === undefined) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, 0, plotWidth, lanesHeight);
    ctx.clip();
    const ready = readyColor(theme);
    const wait = waitColor(theme);
    for (const row of rows) {
      if (row.kind !== 'thread') continue;
      const top = row.y + 2;
      const h = row.height - 5;
      for (const iv of row.lane.intervals) {
        if (iv.endNs < view.start || iv.startNs > view.end) continue;
        const a = xs(iv.startNs);
        const b = Math.max(a + 1, xs(iv.endNs));
        if (iv.state === 'running') {
          ctx.fillStyle = iv.cpu >= 0 ? cpuColor(iv.cpu, theme) : chrome.text;
          ctx.fillRect(a, top, b - a, h);
        } else if (iv.state === 'ready') {
          ctx.fillStyle = ready;
          ctx.fillRect(a, top + h * 0.3, b - a, h * 0.4);
        } else {
          ctx.fillStyle = wait;
          ctx.fillRect(a, top + h / 2 - 0.5, b - a, 1);
        }
      }
      // "Readied by" marks at each ready start: a tick from another thread, a triangle from a DPC.
      ctx.fillStyle = chrome.text;
      for (const iv of row.lane.intervals) {
        if (iv.state !== 'ready' || iv.startNs < view.start || iv.startNs > view.end) continue;
        if (iv.readiedByThreadId == null && iv.readiedFromDpc !== true) continue;
        const a = Math.round(xs(iv.startNs));
        if (iv.readiedFromDpc === true) {
          ctx.beginPath();
          ctx.moveTo(a - 3, top);
          ctx.lineTo(a + 3, top);
          ctx.lineTo(a, top + 5);
          ctx.closePath();
          ctx.fill();
        } else {
          ctx.fillRect(a, top, 1, h);
        }
      }
    }
    ctx.restore();
  }, [result, rows, view, span, width, height, lanesHeight, plotWidth, theme, names]);

  // Wheel: non-passive so Ctrl+wheel zooms the view (never the page); one store change per frame.
  useEffect(() => {
    const element = layer.current;
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
      const rect = element.getBoundingClientRect();
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        const v = visibleRange(getAppStore().getState());
        const x = Math.min(Math.max(event.clientX - rect.left - LABEL_PX, 0), plotWidth);
        zoomCenter = v.start + (x / plotWidth) * (v.end - v.start);
        zoomFactor *= WHEEL_ZOOM_FACTOR ** Math.sign(event.deltaY);
      } else if (event.shiftKey) {
        event.preventDefault();
        pan += (event.deltaY / 100) * WHEEL_PAN_FRACTION;
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
  }, [plotWidth]);

  const local = (event: { clientX: number; clientY: number }) => {
    const rect = layer.current!.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };
  const onMouseDown = (event: ReactMouseEvent) => {
    if (event.button !== 0) return;
    const start = local(event);
    const t0 = nsAt(start.x);
    let moved = false;
    const onMove = (move: MouseEvent) => {
      const p = local(move);
      if (Math.abs(p.x - start.x) < DRAG_THRESHOLD_PX && !moved) return;
      moved = true;
      const t = nsAt(p.x);
      setSelection({ start: traceNs(Math.min(t0, t)), end: traceNs(Math.max(t0, t)) });
    };
    const onUp = () => {
      globalThis.removeEventListener('mousemove', onMove);
      globalThis.removeEventListener('mouseup', onUp);
      if (moved) return;
      const row = rowAtY(rows, start.y);
      if (row?.kind === 'process') onToggleProcess(processKey(row.process, row.processId));
      else if (row?.kind === 'thread' && start.x < LABEL_PX) onPickThread(row.lane.threadId);
      else setSelection(undefined);
    };
    globalThis.addEventListener('mousemove', onMove);
    globalThis.addEventListener('mouseup', onUp);
  };
  const onHover = (event: ReactMouseEvent) => {
    const p = local(event);
    const row = rowAtY(rows, p.y);
    if (row === undefined) {
      setHover(undefined);
      return;
    }
    const interval =
      row.kind === 'thread' && p.x >= LABEL_PX
        ? intervalAt(row.lane.intervals, nsAt(p.x), (HOVER_SLOP_PX / plotWidth) * span)
        : undefined;
    setHover({ x: p.x, y: p.y, row, ...(interval !== undefined ? { interval } : {}) });
  };

  const band =
    selection !== undefined && selection.end >= view.start && selection.start <= view.end
      ? {
          left: Math.max(LABEL_PX, xOf(selection.start)),
          width: Math.max(
            2,
            Math.min(LABEL_PX + plotWidth, xOf(selection.end)) - Math.max(LABEL_PX, xOf(selection.start)),
          ),
        }
      : undefined;

  return (
    <div className="thread-timeline" style={{ width, height }} data-testid="thread-timeline-box">
      <canvas
        ref={canvas}
        style={{ width, height, display: 'block' }}
        data-testid="thread-timeline"
        data-lanes={rows.filter((r) => r.kind === 'thread').length}
        data-processes={rows.filter((r) => r.kind === 'process').length}
      />
      <div
        ref={layer}
        className="thread-timeline-layer"
        onMouseDown={onMouseDown}
        onMouseMove={onHover}
        onMouseLeave={() => setHover(undefined)}
        style={{
          cursor:
            hover?.row.kind === 'process' || (hover !== undefined && hover.x < LABEL_PX)
              ? 'pointer'
              : undefined,
        }}
        data-testid="thread-timeline-layer"
      />
      {band !== undefined && (
        <div
          className="selection-band"
          style={{ left: band.left, width: band.width, top: 0, height: lanesHeight }}
        />
      )}
      {hover !== undefined && hover.x >= LABEL_PX && (
        <div className="cursor-line" style={{ left: hover.x, top: 0, height: lanesHeight }}>
          <span>{formatSeconds(nsAt(hover.x), span)}</span>
        </div>
      )}
      {hover !== undefined && (hover.interval !== undefined || hover.x < LABEL_PX) && (
        <TimelineTooltip hover={hover} names={names} width={width} />
      )}
    </div>
  );
}

function TimelineTooltip({ hover, names, width }: { hover: Hover; names: ThreadNames; width: number }) {
  const row = hover.row;
  const iv = hover.interval;
  const flip = hover.x > width * 0.6;
  const style = flip
    ? { right: width - hover.x + 12, top: hover.y + 14 }
    : { left: hover.x + 12, top: hover.y + 14 };
  return (
    <div className="event-tooltip" style={style} data-testid="thread-tooltip">
      {row.kind === 'process' ? (
        <>
          <div className="event-tooltip-name">
            {row.process} ({row.processId})
          </div>
          <div>
            {row.threads} thread{row.threads === 1 ? '' : 's'} · {row.runningMs.toFixed(3)} ms running · click
            to {row.collapsed ? 'expand' : 'collapse'}
          </div>
        </>
      ) : (
        <>
          <div className="event-tooltip-name">
            {row.lane.process} · {threadLabel(row.lane.threadId, names, row.lane.threadName)}
          </div>
          {iv === undefined ? (
            <div>
              {row.lane.switches} switch-ins · {row.lane.runningMs.toFixed(3)} ms running · click for who
              delayed it
            </div>
          ) : (
            <>
              <div>
                <strong>
                  {iv.state === 'running' ? 'Running' : iv.state === 'ready' ? 'Ready' : 'Waiting'}
                </strong>
                {iv.cpu >= 0 ? ` · CPU ${iv.cpu}` : ''}
                {iv.state === 'ready' && iv.cpu >= 0 ? ' (switched in there)' : ''}
              </div>
              <div>Start {(iv.startNs / 1e9).toFixed(9)} s</div>
              <div>
                Duration <strong>{formatUs((iv.endNs - iv.startNs) / 1e3)} µs</strong>
              </div>
              {iv.state === 'ready' && (
                <div>
                  {iv.readiedByThreadId != null || iv.readiedFromDpc === true
                    ? `Readied by ${readierText(iv.readiedByThreadId ?? null, iv.readiedFromDpc === true, names)}`
                    : 'Preempted (ready from its switch-out)'}
                </div>
              )}
            </>
          )}
        </>
      )}
    </div>
  );
}
