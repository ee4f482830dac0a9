// The two lane views of the Power area, every CPU at once over the app's view range:
//   Actual vs Target — per CPU the Actual C-state (the cstate series, as the C-state graph) above
//     the Target state the OS asked for (Power IdleStateChange rows), so a kernel developer sees
//     on 24 CPUs at once where the hardware followed the request and where it did not;
//   Processor performance — per CPU its performance state over time and the time at each state.
// The states of the perf events are P-state indices: the index → MHz table (the processor's
// P-state rundown) is not decoded, so no MHz is invented; the header's nominal MHz is shown.

import { useMemo } from 'react';
import { useElementWidth } from '../components/use-element-width.js';
import { useQueryResult } from '../app/api.js';
import { cstateColor, pstateColor } from '../charts/colors.js';
import { GRID_LEFT, GRID_RIGHT } from '../charts/series-options.js';
import { useSeriesWindow } from '../data/use-series-window.js';
import { formatCount, formatPercent } from '../format.js';
import { shownCpusOf } from '../state/filter-slice.js';
import { seriesQuery } from '../state/queries.js';
import { useApp, useAppShallow, useQueryInputs } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import {
  frequencyQuery,
  frequencyRuns,
  idleRowsQuery,
  runsByCpu,
  stateIndex,
  statesOf,
} from './power-model.js';
import { StateLanes, type Track } from './StateLanes.js';

/** Target rows asked for the loaded window: Target changes are rare (a few per CPU per second). */
const TARGET_ROWS_LIMIT = 20_000;
/** Perf intervals per CPU for the loaded window: a change per pixel many times over. */
const PERF_INTERVALS = 20_000;
/** Lane height per CPU: two tracks need room for a 9-px label. */
const DUAL_LANE_PX = 20;
const SINGLE_LANE_PX = 15;

function Legend({
  names,
  colorOf,
  label,
}: {
  names: readonly string[];
  colorOf: (n: string) => string;
  label?: string;
}) {
  return (
    <span className="cstate-legend">
      {label !== undefined && <span>{label}</span>}
      {names.map((name) => (
        <span key={name}>
          <span className="swatch" style={{ background: colorOf(name) }} />
          {name}
        </span>
      ))}
    </span>
  );
}

export function ActualTargetView() {
  const inputs = useQueryInputs();
  const theme = useApp((s) => s.theme);
  const view = useAppShallow((s) => visibleRange(s));
  const summary = inputs.summary!;
  const [box, width] = useElementWidth();
  const plotWidth = Math.max(0, width - GRID_LEFT - GRID_RIGHT);
  const window = useSeriesWindow(view, plotWidth, summary.durationNs);
  const hasActual = summary.tableRows.idleStates > 0;
  const actual = useQueryResult(
    'power-actual-series',
    inputs.traceId,
    window !== undefined && hasActual ? seriesQuery(inputs, 'cstate', window) : undefined,
  );
  const target = useQueryResult(
    'power-target-rows',
    inputs.traceId,
    window !== undefined
      ? idleRowsQuery(inputs, { offset: 0, limit: TARGET_ROWS_LIMIT, type: 'Target', range: window.range })
      : undefined,
  );
  const stateNames = actual.result?.stateNames ?? [];
  const colorOfName = (name: string) => {
    const at = stateNames.indexOf(name);
    return cstateColor(at >= 0 ? at : stateIndex(name), theme);
  };
  const targetRuns = useMemo(() => runsByCpu(target.result?.rows ?? []), [target.result]);
  const tracks: Track[] = useMemo(
    () => [
      {
        tag: 'A',
        weight: 3,
        ...(actual.result !== undefined ? { series: actual.result } : {}),
        colorOfIndex: (v: number) => (v >= 0 ? cstateColor(v, theme) : undefined),
      },
      { tag: 'T', weight: 2, runs: targetRuns, colorOfState: colorOfName },
    ],
    // colorOfName depends on the state names and the theme only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [actual.result, targetRuns, theme, stateNames.join(',')],
  );
  const cpus = shownCpusOf(inputs.filters, summary.cpuCount);
  const targetTotal = target.result?.totalRows ?? 0;
  const names = [
    ...new Set([...(stateNames.length > 0 ? stateNames : ['C0', 'C1', 'C2', 'C3']), ...statesOf(targetRuns)]),
  ];
  return (
    <div className="power-lanes" ref={box}>
      <div className="graph-title">
        <span>Actual (A) vs Target (T) idle state per CPU</span>
        <Legend names={names} colorOf={colorOfName} />
        <span className="graph-note" data-testid="target-note">
          {targetTotal === 0
            ? 'no Target states recorded (no Power IdleStateChange events)'
            : `${formatCount(targetTotal)} Target intervals in the loaded window${targetTotal > TARGET_ROWS_LIMIT ? ` (first ${formatCount(TARGET_ROWS_LIMIT)} drawn)` : ''}`}
        </span>
      </div>
      <StateLanes
        cpus={cpus}
        tracks={tracks}
        view={view}
        plotWidth={plotWidth}
        laneHeight={DUAL_LANE_PX}
        theme={theme}
        testId="power-actual-target"
      />
    </div>
  );
}

export function PerformanceView() {
  const inputs = useQueryInputs();
  const theme = useApp((s) => s.theme);
  const view = useAppShallow((s) => visibleRange(s));
  const summary = inputs.summary!;
  const [box, width] = useElementWidth();
  const plotWidth = Math.max(0, width - GRID_LEFT - GRID_RIGHT);
  const window = useSeriesWindow(view, plotWidth, summary.durationNs);
  // Time at each state over the visible range; the lanes over the padded window.
  const table = useQueryResult('power-frequency-table', inputs.traceId, frequencyQuery(inputs, undefined, 1));
  const lanes = useQueryResult(
    'power-frequency-lanes',
    inputs.traceId,
    window !== undefined ? frequencyQuery(inputs, window.range, PERF_INTERVALS) : undefined,
  );
  const runs = useMemo(
    () => (lanes.result !== undefined ? frequencyRuns(lanes.result) : new Map()),
    [lanes.result],
  );
  const colorOf = (name: string) => pstateColor(stateIndex(name), theme);
  const tracks: Track[] = useMemo(
    () => [{ weight: 1, runs, colorOfState: (name: string) => pstateColor(stateIndex(name), theme) }],
    [runs, theme],
  );
  const result = table.result;
  if (table.error !== undefined)
    return (
      <div className="notice error">Could not compute the performance states: {table.error.message}</div>
    );
  if (result === undefined) return <div className="muted power-hint">Computing the performance states…</div>;
  if (result.source === 'none')
    return (
      <div className="muted power-hint" data-testid="perf-none">
        No processor performance states in this trace (no Power PerfStateChange events).
      </div>
    );
  const cpus = result.cpus.map((c) => c.cpu);
  const changes = result.cpus.reduce((n, c) => n + c.changes, 0);
  return (
    <div className="power-perf" ref={box}>
      <div className="graph-title">
        <span>Performance state per CPU</span>
        <Legend names={statesOf(runs)} colorOf={colorOf} />
        <span className="graph-note">
          P-state indices (MHz per state not decoded)
          {result.nominalMHz !== null ? ` · nominal ${formatCount(result.nominalMHz)} MHz` : ''} ·{' '}
          {formatCount(changes)} intervals over {formatCount(cpus.length)} CPUs in the trace
        </span>
      </div>
      <StateLanes
        cpus={cpus}
        tracks={tracks}
        view={view}
        plotWidth={plotWidth}
        laneHeight={SINGLE_LANE_PX}
        theme={theme}
        testId="power-perf-lanes"
      />
      <div className="power-perf-top">
        <div className="notice info power-perf-note" data-testid="perf-note">
          States are the events’ P-state indices (P0 = the highest performance); the index → MHz table (the
          processor’s P-state rundown) is not decoded, so no MHz is shown per state.
          {result.nominalMHz !== null
            ? ` Nominal CPU speed from the trace header: ${formatCount(result.nominalMHz)} MHz.`
            : ' The trace header records no nominal CPU speed.'}{' '}
          Source: {result.source}.
        </div>
        <table className="power-table power-time-at" data-testid="perf-time-at-state">
          <thead>
            <tr>
              <th>State</th>
              <th className="num">CPU·ms</th>
              <th className="num">% of CPU time</th>
            </tr>
          </thead>
          <tbody>
            {result.timeAtState.map((s) => (
              <tr key={s.state} data-testid="perf-state-row" data-state={s.state}>
                <td>
                  <span className="swatch" style={{ background: colorOf(s.state) }} /> {s.state}
                </td>
                <td className="num">{(s.ns / 1e6).toFixed(3)}</td>
                <td className="num">{formatPercent(s.percent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="power-table power-changes" data-testid="perf-changes">
          <thead>
            <tr>
              <th>CPU</th>
              <th className="num">State intervals (trace)</th>
            </tr>
          </thead>
          <tbody>
            {result.cpus.map((c) => (
              <tr key={c.cpu} data-testid="perf-cpu-row" data-cpu={c.cpu} data-changes={c.changes}>
                <td>CPU {c.cpu}</td>
                <td className="num">{formatCount(c.changes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
