// The graphs on one shared time axis (as in WPA): Utilization by CPU, DPC/ISR time by CPU, DPC/ISR
// durations (marks + the 100 µs guideline), CPU idle states per CPU, CPUs in C0 (renderer/power/). Each series is fetched for the
// padded, quantized window at ~pixel-width resolution (data/series-window.ts) and reused while the
// view stays inside it. One interactive layer spans all graphs (TimeOverlay.tsx): drag to select,
// Ctrl+wheel to zoom, the cursor line — mouse moves re-render that layer only.

import { useCallback, useEffect, useMemo, useRef, useState, type ComponentProps } from 'react';
import { useQueryResult } from '../app/api.js';
import { cstateColor } from '../charts/colors.js';
import { busyColor, GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import { useSeriesWindow } from '../data/use-series-window.js';
import { DPC_GUIDELINE_US, dpcEventsQuery, seriesQuery } from '../state/queries.js';
import { DpcTimeline } from '../timeline/DpcTimeline.js';
import { LANE_AXIS_HEIGHT, LaneCanvas } from '../timeline/LaneCanvas.js';
import { LinesCanvas } from '../timeline/LinesCanvas.js';
import { MarksCanvas } from '../timeline/MarksCanvas.js';
import { shownCpusOf } from '../state/filter-slice.js';
import { useApp, useAppShallow, useQueryInputs } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { RangeStrip } from './TopBar.js';
import { TimeOverlay } from './TimeOverlay.js';
import { CpusInC0Graph } from '../power/CpusInC0Graph.js';
import { hasIdleEvents } from '../power/power-model.js';

/**
 * Graph heights: compact on 800-px-high screens, roomier on 1080p. Lane charts give every CPU at
 * least LANE_PX (9-px labels need 11 px, so no lane label is skipped) up to 64 CPUs; the graph
 * area scrolls (and the split above the tables resizes) when that is taller than the screen.
 */
function graphHeights(viewportHeight: number, cpuCount: number, only: boolean) {
  const compact = viewportHeight < 950;
  const lanePx = compact ? LANE_PX : LANE_PX + 3;
  const lanes = Math.max(compact ? 56 : 72, Math.min(cpuCount, 64) * lanePx + LANE_AXIS_PX);
  // Utilization alone (no DPC/ISR or idle graphs) gets their room.
  const utilization = only ? (compact ? 200 : 300) : cpuCount > LINES_UP_TO_CPUS ? lanes : compact ? 70 : 104;
  return { utilization, dpcTime: compact ? 56 : 80, durations: compact ? 70 : 104, cstate: lanes };
}
/** Smallest lane: a 9-px CPU label and 2 px between labels. */
const LANE_PX = 11;
/** The lane charts' time axis and padding. */
const LANE_AXIS_PX = 28;

/**
 * Narrowest bucket for sampled utilization: 16 ms holds 16 samples per CPU at the default 1 ms
 * profile interval, i.e. steps of ~6 % instead of 0/100 % spikes.
 */
const SAMPLED_MIN_BUCKET_NS = 16e6;

/**
 * The DPC/ISR graph becomes the per-event timeline when the loaded window (3× the view) is
 * expected to hold at most this many events: ~30,000 rectangles paint in a few ms on one canvas
 * and the columnar answer stays under ~1.5 MB of JSON.
 */
const TIMELINE_MAX_EVENTS = 30_000;

/** Up to this many CPUs utilization and DPC/ISR time are lines; beyond, lines cross into spaghetti (6–16 CPUs in issue 10): lanes. */
const LINES_UP_TO_CPUS = 4;

/**
 * Busy % resolution of the lanes' colours: busyColor moves lightness in whole percent, ~1.7 busy %
 * per step (0.8 for DPC/ISR time, doubled), so 0.1 % never changes a colour visibly.
 */
const BUSY_COLOR_STEP = 0.1;

function useWidth(ref: React.RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (element === null) {
      return;
    }
    const observer = new ResizeObserver((entries) => setWidth(entries[0].contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

function useViewportHeight(): number {
  const [height, setHeight] = useState(() => window.innerHeight);
  useEffect(() => {
    const onResize = () => setHeight(window.innerHeight);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return height;
}

function GraphTitle({ title, note }: { title: string; note?: string }) {
  return (
    <div className="graph-title">
      <span>{title}</span>
      {note !== undefined && <span className="graph-note">{note}</span>}
    </div>
  );
}

/** A % per CPU series (utilization, DPC/ISR time): lanes beyond LINES_UP_TO_CPUS CPUs, else lines. */
function CpuPercentGraph({
  asLanes,
  ...lanes
}: Omit<ComponentProps<typeof LaneCanvas>, 'colorStep'> & { asLanes: boolean }) {
  // Only the CPUs shown: while a new CPU filter's answer loads, the previous answer (all CPUs) is
  // still the result, and drawing its 16 lines into a one-CPU graph took Chromium's software
  // canvas 1.2 s to flush (CanvasRenderingContext2D::FinalizeFrame in a trace of the first filter).
  const shownKey = lanes.cpus.join(',');
  const result = useMemo(() => {
    const answer = lanes.result;
    if (answer === undefined) return undefined;
    const shown = new Set(lanes.cpus);
    return answer.cpus.every((c) => shown.has(c.cpu))
      ? answer
      : { ...answer, cpus: answer.cpus.filter((c) => shown.has(c.cpu)) };
    // `cpus` is a new array every render: its key says when it changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lanes.result, shownKey]);
  return asLanes ? (
    <LaneCanvas {...lanes} result={result} colorStep={BUSY_COLOR_STEP} />
  ) : (
    <LinesCanvas
      result={result}
      view={lanes.view}
      plotWidth={lanes.plotWidth}
      height={lanes.height}
      theme={lanes.theme}
      {...(lanes.selectedCpus !== undefined ? { selectedCpus: lanes.selectedCpus } : {})}
      {...(lanes.testId !== undefined ? { testId: lanes.testId } : {})}
    />
  );
}

export function Graphs() {
  const inputs = useQueryInputs();
  const theme = useApp((s) => s.theme);
  const selectedCpus = useAppShallow((s) => s.selectedCpus);
  const view = useAppShallow((s) => visibleRange(s));
  const summary = inputs.summary!;
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const plotWidth = Math.max(0, width - GRID_LEFT - GRID_RIGHT);
  const seriesWindow = useSeriesWindow(view, plotWidth, summary.durationNs);
  // Sampled utilization: a bucket must hold enough samples to mean something, so its resolution
  // never goes below SAMPLED_MIN_BUCKET_NS (fewer, wider buckets than pixels when zoomed in).
  const sampledWidth = Math.min(plotWidth, (view.end - view.start) / SAMPLED_MIN_BUCKET_NS);
  const sampledWindow = useSeriesWindow(view, sampledWidth, summary.durationNs);
  const utilizationWindow = summary.utilizationSource === 'sampled' ? sampledWindow : seriesWindow;
  const traceId = inputs.traceId;
  const hasDpc = summary.tableRows.dpcIsr > 0;
  const hasIdle = summary.tableRows.idleStates > 0;
  const heights = graphHeights(useViewportHeight(), summary.cpuCount, !hasDpc && !hasIdle);

  const utilizationQ =
    utilizationWindow && summary.utilizationSource !== 'none'
      ? seriesQuery(inputs, 'utilization', utilizationWindow)
      : undefined;
  const dpcTimeQ = seriesWindow && hasDpc ? seriesQuery(inputs, 'dpcIsrTime', seriesWindow) : undefined;
  const durationsQ = seriesWindow && hasDpc ? seriesQuery(inputs, 'dpcDurations', seriesWindow) : undefined;
  const bucketQ =
    seriesWindow && hasDpc && inputs.bucketFilter !== undefined
      ? seriesQuery(inputs, 'dpcDurations', seriesWindow, { bucketOnly: true })
      : undefined;
  // Expected events in the loaded window from the trace's average rate (bursts are caught below:
  // an answer whose total exceeds its limit falls back to the marks graph).
  const expectedEvents =
    seriesWindow !== undefined
      ? (summary.tableRows.dpcIsr * (seriesWindow.range.end - seriesWindow.range.start)) /
        Math.max(summary.durationNs, 1)
      : Infinity;
  const timelineQ =
    seriesWindow && hasDpc && expectedEvents <= TIMELINE_MAX_EVENTS
      ? dpcEventsQuery(inputs, { range: seriesWindow.range, limit: TIMELINE_MAX_EVENTS, overlapping: true })
      : undefined;
  const cstateQ = seriesWindow && hasIdle ? seriesQuery(inputs, 'cstate', seriesWindow) : undefined;

  const utilization = useQueryResult('series-utilization', traceId, utilizationQ);
  const dpcTime = useQueryResult('series-dpcIsrTime', traceId, dpcTimeQ);
  const durations = useQueryResult('series-dpcDurations', traceId, durationsQ);
  const bucket = useQueryResult('series-bucket', traceId, bucketQ);
  const cstate = useQueryResult('series-cstate', traceId, cstateQ);
  const timeline = useQueryResult('timeline-events', traceId, timelineQ);
  const selectedEvent = useApp((s) => s.selectedEvent);
  const showTimeline =
    timelineQ !== undefined && timeline.result !== undefined && timeline.result.total <= TIMELINE_MAX_EVENTS;

  const shownCpus = shownCpusOf(inputs.filters, summary.cpuCount);
  const utilizationAsLanes = shownCpus.length > LINES_UP_TO_CPUS;
  const dpcTimeAsLanes = shownCpus.length > LINES_UP_TO_CPUS;
  const busyOf = useCallback((value: number) => busyColor(value, theme), [theme]);
  // DPC/ISR time rarely passes 50 %: the scale saturates there so a 20 % CPU does not read as idle.
  const dpcTimeOf = useCallback((value: number) => busyColor(Math.min(100, value * 2), theme), [theme]);
  const cstateOf = useCallback(
    (value: number) => (value >= 0 ? cstateColor(value, theme) : undefined),
    [theme],
  );
  const utilNote =
    summary.utilizationSource === 'precise'
      ? 'precise, from context switches · % busy'
      : summary.utilizationSource === 'sampled'
        ? 'sampled, from CPU samples · % busy'
        : undefined;
  const stateNames = cstate.result?.stateNames ?? [];

  return (
    <div className="graphs" ref={box} data-testid="graphs">
      <RangeStrip />
      <div className="graph-title">
        <span>Utilization by CPU</span>
        <span className="graph-note">{utilNote ?? 'not recorded (no context switches or CPU samples)'}</span>
        {utilizationAsLanes && summary.utilizationSource !== 'none' && (
          <span className="busy-legend">
            0%
            {[0, 25, 50, 75, 100].map((p) => (
              <span key={p} className="swatch" style={{ background: busyColor(p, theme) }} />
            ))}
            100%
          </span>
        )}
      </div>
      {summary.utilizationSource !== 'none' && (
        <CpuPercentGraph
          asLanes={utilizationAsLanes}
          result={utilization.result}
          cpus={shownCpus}
          view={view}
          plotWidth={plotWidth}
          height={heights.utilization}
          theme={theme}
          colorOf={busyOf}
          tolerance={2}
          selectedCpus={selectedCpus}
          testId="graph-utilization"
        />
      )}
      <GraphTitle
        title="DPC/ISR time by CPU"
        note={
          hasDpc
            ? dpcTimeAsLanes
              ? '% of each interval · darkest = 50 % or more'
              : '% of each interval'
            : 'not recorded'
        }
      />
      {hasDpc && (
        <CpuPercentGraph
          asLanes={dpcTimeAsLanes}
          result={dpcTime.result}
          cpus={shownCpus}
          view={view}
          plotWidth={plotWidth}
          height={dpcTimeAsLanes ? heights.utilization : heights.dpcTime}
          theme={theme}
          colorOf={dpcTimeOf}
          tolerance={1}
          selectedCpus={selectedCpus}
          testId="graph-dpc-time"
        />
      )}
      {showTimeline ? (
        <GraphTitle
          title="Timeline by Module, Function"
          note={`${timeline.result!.total.toLocaleString('en-US')} DPC/ISR · each as its interval, ISRs inset · red = beyond the ${DPC_GUIDELINE_US} µs DPC / 25 µs ISR budget`}
        />
      ) : (
        <GraphTitle
          title="DPC/ISR durations"
          note={
            hasDpc
              ? `longest per CPU and interval, µs (log) · dashed line = ${DPC_GUIDELINE_US} µs guideline · zoom in for every event`
              : 'not recorded'
          }
        />
      )}
      {hasDpc && showTimeline && (
        <DpcTimeline
          result={timeline.result}
          view={view}
          cpus={shownCpus}
          plotWidth={plotWidth}
          height={Math.max(heights.durations, Math.min(shownCpus.length * 14, 260))}
          theme={theme}
          selected={selectedEvent}
        />
      )}
      {hasDpc && !showTimeline && (
        <MarksCanvas
          result={durations.result}
          highlighted={bucketQ ? bucket.result : undefined}
          view={view}
          plotWidth={plotWidth}
          height={heights.durations}
          theme={theme}
          guidelineUs={DPC_GUIDELINE_US}
        />
      )}
      {hasIdleEvents(summary) && (
        <CpusInC0Graph
          window={seriesWindow}
          view={view}
          plotWidth={plotWidth}
          height={heights.dpcTime}
          theme={theme}
        />
      )}
      <div className="graph-title">
        <span>CPU idle states</span>
        {summary.tableRows.idleStates > 0 ? (
          <span className="cstate-legend">
            {(stateNames.length > 0 ? stateNames : ['C0', 'C1', 'C2', 'C3']).map((name, i) => (
              <span key={name}>
                <span className="swatch" style={{ background: cstateColor(i, theme) }} />
                {name}
                {i === 0 ? ' (running)' : ''}
              </span>
            ))}
          </span>
        ) : (
          <span className="graph-note">not recorded (no idle-state events)</span>
        )}
      </div>
      {summary.tableRows.idleStates > 0 && (
        <LaneCanvas
          result={cstate.result}
          cpus={shownCpus}
          view={view}
          plotWidth={plotWidth}
          height={heights.cstate + LANE_AXIS_HEIGHT}
          theme={theme}
          colorOf={cstateOf}
          showAxis
          testId="graph-cstates"
        />
      )}
      <TimeOverlay view={view} plotWidth={plotWidth} box={box} />
    </div>
  );
}
