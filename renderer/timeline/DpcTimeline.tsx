// WPA's "Timeline by Module, Function" at deep zoom: one lane per CPU, every DPC/ISR drawn as its
// interval on one canvas (ISRs over the DPCs they interrupted, in a darker inset), coloured by
// module, the part of an event beyond its budget (100 µs DPC, 25 µs ISR) underlined in red, the
// selected event outlined. The interactive layer (TimeOverlay) asks `timelineHit` for the event
// under the pointer, so hover and click never repaint this canvas.

import { useEffect, useRef } from 'react';
import { DPC_BUDGET_NS, ISR_BUDGET_NS, type DpcEventsResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { chartChrome } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import type { DpcEventRef, Theme } from '../state/slices.js';
import { eventAt, hitTest, type LaneLayout } from './dpc-events.js';

/** Lane height bounds: 10 px still shows an ISR inset; 22 px is enough for one line of label. */
const MIN_LANE_PX = 10;
const MAX_LANE_PX = 22;
/** Labels inside a mark only when it is at least this wide (shorter ones would be all ellipsis). */
const LABEL_MIN_PX = 48;

/** One hue per module name (FNV-1a hash over the golden angle), stable across zooms and traces. */
export function moduleColor(module: string, theme: Theme): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < module.length; i++) h = Math.imul(h ^ module.charCodeAt(i), 0x01000193);
  const hue = ((h >>> 0) * 137.508) % 360;
  return theme === 'dark' ? `hsl(${hue.toFixed(0)} 55% 55%)` : `hsl(${hue.toFixed(0)} 60% 58%)`;
}

export function timelineLaneHeight(cpuCount: number, heightPx: number): number {
  return Math.max(MIN_LANE_PX, Math.min(MAX_LANE_PX, Math.floor(heightPx / Math.max(cpuCount, 1))));
}

/** The mounted timeline's hit test in client coordinates (TimeOverlay reads it on mouse moves). */
export const timelineHit: { at?: (clientX: number, clientY: number) => DpcEventRef | undefined } = {};

export function DpcTimeline({
  result,
  view,
  cpus,
  plotWidth,
  height,
  theme,
  selected,
}: {
  result: DpcEventsResult | undefined;
  view: TimeRange;
  cpus: readonly number[];
  plotWidth: number;
  height: number;
  theme: Theme;
  selected: DpcEventRef | undefined;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const laneHeight = timelineLaneHeight(cpus.length, height);
  const layout: LaneLayout = { cpus, laneHeight };
  const width = plotWidth + GRID_LEFT + GRID_RIGHT;

  // A newly selected event (headline link, table row) brings the timeline into the graph area's view.
  const selectedId = selected?.id;
  useEffect(() => {
    if (selectedId === undefined) return;
    // After layout (the timeline may have just replaced the marks graph): scroll only the graph
    // area, not its overflow-hidden ancestors.
    const frame = requestAnimationFrame(() => {
      const element = canvas.current;
      const area = element?.closest('.graph-area');
      if (element == null || area == null) return;
      const top = element.getBoundingClientRect().top - area.getBoundingClientRect().top + area.scrollTop;
      const bottom = top + element.getBoundingClientRect().height;
      if (top < area.scrollTop) area.scrollTop = top - 24;
      else if (bottom > area.scrollTop + area.clientHeight) area.scrollTop = bottom - area.clientHeight + 4;
    });
    return () => cancelAnimationFrame(frame);
  }, [selectedId, result !== undefined]);

  useEffect(() => {
    timelineHit.at = (clientX, clientY) => {
      const element = canvas.current;
      if (element === null || result === undefined) return undefined;
      const rect = element.getBoundingClientRect();
      const k = hitTest(result, layout, view, plotWidth, clientX - rect.left - GRID_LEFT, clientY - rect.top);
      return k < 0 ? undefined : eventAt(result, k);
    };
    return () => {
      timelineHit.at = undefined;
    };
  });

  useEffect(() => {
    const element = canvas.current;
    if (element === null) return;
    const dpr = globalThis.devicePixelRatio || 1;
    element.width = Math.round(width * dpr);
    element.height = Math.round(height * dpr);
    const ctx = element.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const chrome = chartChrome(theme);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const laneOf = new Map(cpus.map((cpu, lane) => [cpu, lane]));
    // Lane backgrounds and labels (every lane labelled: one lane per CPU is never more than 64 here).
    for (let lane = 0; lane < cpus.length; lane++) {
      const y = lane * laneHeight;
      if (lane % 2 === 1) {
        ctx.fillStyle = chrome.grid;
        ctx.fillRect(GRID_LEFT, y, plotWidth, laneHeight);
      }
      ctx.fillStyle = chrome.muted;
      ctx.textAlign = 'right';
      ctx.fillText(`CPU ${cpus[lane]}`, GRID_LEFT - 6, y + laneHeight / 2);
    }
    if (result === undefined) return;
    const span = Math.max(view.end - view.start, 1);
    const xOf = (ns: number) => GRID_LEFT + ((ns - view.start) / span) * plotWidth;
    ctx.save();
    ctx.beginPath();
    ctx.rect(GRID_LEFT, 0, plotWidth, height);
    ctx.clip();
    const colors = result.routines.map((r) => moduleColor(r.module, theme));
    // Two passes: DPCs, then ISRs over them (an ISR interrupting a DPC shows inside it).
    for (const isrPass of [false, true]) {
      for (let k = 0; k < result.id.length; k++) {
        const isr = result.type[k]! >= 3;
        if (isr !== isrPass) continue;
        const lane = laneOf.get(result.cpu[k]!);
        if (lane === undefined) continue;
        const enter = result.enterNs[k]!;
        const duration = result.durationNs[k]!;
        if (enter > view.end || enter + duration < view.start) continue;
        const x0 = xOf(enter);
        const x1 = Math.max(x0 + 1, xOf(enter + duration));
        const inset = isr ? Math.max(2, Math.floor(laneHeight * 0.25)) : 1;
        const y = lane * laneHeight + inset;
        const h = laneHeight - 2 * inset - 2;
        ctx.fillStyle = colors[result.routine[k]!]!;
        ctx.fillRect(x0, y, x1 - x0, h);
        if (isr) {
          ctx.strokeStyle = chrome.text;
          ctx.lineWidth = 1;
          ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, x1 - x0 - 1), h - 1);
        }
        const budget = isr ? ISR_BUDGET_NS : DPC_BUDGET_NS;
        if (duration > budget) {
          // Beyond the budget: a red bar under the mark from enter + budget to the exit.
          const xb = xOf(enter + budget);
          ctx.fillStyle = chrome.over;
          ctx.fillRect(xb, lane * laneHeight + laneHeight - 3, Math.max(1, x1 - xb), 2);
          ctx.fillRect(xb, lane * laneHeight, 1, laneHeight - 1);
        }
        if (x1 - x0 >= LABEL_MIN_PX && laneHeight >= 14) {
          const routine = result.routines[result.routine[k]!]!;
          const label = routine.function.startsWith(routine.module)
            ? routine.function
            : `${routine.module}!${routine.function}`;
          ctx.fillStyle = theme === 'dark' ? '#10141a' : '#ffffff';
          ctx.textAlign = 'left';
          ctx.save();
          ctx.beginPath();
          ctx.rect(Math.max(x0, GRID_LEFT), y, x1 - Math.max(x0, GRID_LEFT), h);
          ctx.clip();
          ctx.fillText(label, Math.max(x0, GRID_LEFT) + 3, y + h / 2);
          ctx.restore();
        }
      }
    }
    if (selected !== undefined) {
      const lane = laneOf.get(selected.cpu);
      if (lane !== undefined) {
        const x0 = xOf(selected.enterNs);
        const x1 = Math.max(x0 + 3, xOf(selected.enterNs + selected.durationNs));
        ctx.strokeStyle = chrome.highlight;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 - 1, lane * laneHeight, x1 - x0 + 2, laneHeight - 1);
      }
    }
    ctx.restore();
  }, [result, view, cpus, plotWidth, width, height, laneHeight, theme, selected]);

  return (
    <canvas
      ref={canvas}
      className="dpc-timeline"
      style={{ width, height, display: 'block' }}
      data-testid="graph-timeline"
      data-events={result?.id.length ?? 0}
      data-lane-height={laneHeight}
      data-lanes={cpus.join(',')}
    />
  );
}
