// Pure logic of the Power area (no React, no DOM): whether a trace has power data, the contract's
// idleStats / frequency queries from the store's range and CPU filter, the stats table's rows (all
// CPUs per state, expandable per CPU), the doubling histogram's labelled bars, the concurrency
// line's figures over the view, the rows' fetch windows and the per-CPU runs of the lane views.

import type {
  FrequencyQuery,
  FrequencyResult,
  IdleStateRow,
  IdleStateStats,
  IdleStatsQuery,
  IdleStatsResult,
  SchedFilter,
  TraceSummary,
} from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { effectiveCpus } from '../state/filter-slice.js';
import type { AllSlices } from '../state/slices.js';
import { visibleRange } from '../state/view-slice.js';

type FilterInputs = Pick<AllSlices, 'committedRange' | 'summary' | 'filters'>;

/** The Power tab is enabled when the trace has idle states (Actual or Target) or perf states. */
export function hasPowerData(summary: TraceSummary): boolean {
  return (
    summary.recorded.idleStates ||
    hasIdleEvents(summary) ||
    (summary.counts['Power/PerfStateChange'] ?? 0) > 0 ||
    (summary.counts['Power/IdleStateChange'] ?? 0) > 0
  );
}

/** Actual idle visits from PPM IdleStateEnter/Exit (the power queries' source; a C-state table
 *  rebuilt from context switches alone gives them nothing). */
export function hasIdleEvents(summary: TraceSummary): boolean {
  return (summary.counts['Power/IdleStateEnter'] ?? 0) > 0;
}

export function hasPerfStates(summary: TraceSummary): boolean {
  return (summary.counts['Power/PerfStateChange'] ?? 0) > 0;
}

/** The power queries' filter: the given range (default: the visible one) and the CPU filter. */
export function powerFilter(state: FilterInputs, range?: TimeRange): SchedFilter {
  const cpus = effectiveCpus(state.filters, state.summary?.cpuCount ?? 0);
  return { range: range ?? visibleRange(state), ...(cpus !== undefined ? { cpus } : {}) };
}

/** The stats table's query: per-CPU stats too, no concurrency buckets to speak of, no rows. */
export function idleStatsTableQuery(state: FilterInputs): IdleStatsQuery {
  return { kind: 'idleStats', filter: powerFilter(state), buckets: 1, perCpu: true };
}

/** The concurrency line over a series window (its buckets = the window's). */
export function concurrencyQuery(
  state: FilterInputs,
  window: { range: TimeRange; buckets: number },
): IdleStatsQuery {
  return {
    kind: 'idleStats',
    filter: powerFilter(state, window.range),
    buckets: window.buckets,
    withStats: false,
  };
}

/** The headline's deep-idle question: the whole trace (the hint is about how it ends), CPU filter kept. */
export function deepIdleQuery(state: FilterInputs): IdleStatsQuery {
  const { range: _range, ...rest } = powerFilter(state);
  return { kind: 'idleStats', filter: rest, buckets: 1, withStats: false };
}

/** One fetched window of WPA's rows (time order) of one type or both. */
export function idleRowsQuery(
  state: FilterInputs,
  options: { offset: number; limit: number; type?: 'Actual' | 'Target'; range?: TimeRange },
): IdleStatsQuery {
  return {
    kind: 'idleStats',
    filter: powerFilter(state, options.range),
    buckets: 1,
    withStats: false,
    rowLimit: options.limit,
    ...(options.offset > 0 ? { rowOffset: options.offset } : {}),
    ...(options.type !== undefined ? { rowType: options.type } : {}),
  };
}

export function frequencyQuery(
  state: FilterInputs,
  range?: TimeRange,
  maxIntervals?: number,
): FrequencyQuery {
  return {
    kind: 'frequency',
    filter: powerFilter(state, range),
    ...(maxIntervals !== undefined ? { maxIntervals } : {}),
  };
}

/** Rows fetched per window and the step windows start on (small scrolls ask for the same window). */
export const ROW_WINDOW = 200;
export const ROW_WINDOW_STEP = 100;

/** The offset of the window that holds the rows from `firstVisible` on a screen's worth. */
export function rowWindowOffset(firstVisible: number): number {
  return Math.max(0, Math.floor((firstVisible - ROW_WINDOW_STEP / 2) / ROW_WINDOW_STEP) * ROW_WINDOW_STEP);
}

export interface StatsTableRow {
  /** `Type/State` (the all-CPU row) or `Type/State/cpu`. */
  readonly key: string;
  readonly depth: 0 | 1;
  readonly stats: IdleStateStats;
  /** All-CPU rows: per-CPU rows exist to expand into. */
  readonly expandable: boolean;
}

export const statsKey = (s: Pick<IdleStateStats, 'type' | 'state' | 'cpu'>): string =>
  s.cpu === null ? `${s.type}/${s.state}` : `${s.type}/${s.state}/${s.cpu}`;

/** Actual first then Target; per state the all-CPU row, then (expanded) one row per CPU. */
export function statsTableRows(result: IdleStatsResult, expanded: ReadonlySet<string>): StatsTableRow[] {
  const rows: StatsTableRow[] = [];
  for (const list of [result.actual, result.target]) {
    const all = list.filter((s) => s.cpu === null);
    for (const total of all) {
      const perCpu = list
        .filter((s) => s.cpu !== null && s.state === total.state)
        .sort((a, b) => a.cpu! - b.cpu!);
      const key = statsKey(total);
      rows.push({ key, depth: 0, stats: total, expandable: perCpu.length > 0 });
      if (expanded.has(key))
        for (const s of perCpu) rows.push({ key: statsKey(s), depth: 1, stats: s, expandable: false });
    }
  }
  return rows;
}

/** "< 1 µs", "1–2 µs", …, "1.02–2.05 ms", "≥ 1.05 s" style labels of the doubling buckets. */
function durationLabelUs(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1e6) return `${Number((us / 1000).toPrecision(3))} ms`;
  return `${Number((us / 1e6).toPrecision(3))} s`;
}

export interface HistogramBar {
  readonly label: string;
  readonly fromUs: number;
  readonly upToUs: number;
  readonly visits: number;
}

/** The histogram's bars from the first to the last non-empty bucket (empty ones between kept). */
export function histogramBars(stats: IdleStateStats): HistogramBar[] {
  const h = stats.histogram;
  const first = h.findIndex((b) => b.visits > 0);
  if (first < 0) return [];
  let last = h.length - 1;
  while (last > first && h[last]!.visits === 0) last--;
  const bars: HistogramBar[] = [];
  for (let k = first; k <= last; k++) {
    const upToUs = h[k]!.upToUs;
    const fromUs = k === 0 ? 0 : h[k - 1]!.upToUs;
    const label =
      k === 0 ? `< ${durationLabelUs(upToUs)}` : `${durationLabelUs(fromUs)} – ${durationLabelUs(upToUs)}`;
    bars.push({ label, fromUs, upToUs, visits: h[k]!.visits });
  }
  return bars;
}

/** A visit length for the table: µs below 1 ms, ms to the µs below 10 s, else seconds. */
export function formatVisitNs(ns: number): string {
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e10) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Min / avg / max of the concurrency buckets that overlap the view. */
export function concurrencyInView(
  concurrency: IdleStatsResult['concurrency'],
  view: TimeRange,
): { min: number; avg: number; max: number } | undefined {
  const { startNs, bucketNs, values } = concurrency;
  if (!(bucketNs > 0) || values.length === 0) return undefined;
  const first = Math.max(0, Math.floor((view.start - startNs) / bucketNs));
  const last = Math.min(values.length, Math.ceil((view.end - startNs) / bucketNs));
  if (last <= first) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let k = first; k < last; k++) {
    const v = values[k]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, avg: sum / (last - first), max };
}

/** "C3" → 3, "P4" → 4; other names → −1. */
export function stateIndex(name: string): number {
  const m = /^[CP](\d+)$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

export interface StateRun {
  readonly startNs: number;
  readonly endNs: number;
  readonly state: string;
}

/** Target rows (time order, any CPUs) as runs per CPU, each CPU's in time order. */
export function runsByCpu(rows: readonly IdleStateRow[]): Map<number, StateRun[]> {
  const out = new Map<number, StateRun[]>();
  for (const r of rows) {
    let list = out.get(r.cpu);
    if (list === undefined) out.set(r.cpu, (list = []));
    list.push({ startNs: r.entryNs, endNs: r.exitNs, state: r.state });
  }
  for (const list of out.values()) list.sort((a, b) => a.startNs - b.startNs);
  return out;
}

/** The frequency answer's intervals as runs per CPU. */
export function frequencyRuns(result: FrequencyResult): Map<number, StateRun[]> {
  return new Map(
    result.cpus.map((c) => [
      c.cpu,
      c.intervals.map((v) => ({ startNs: v.startNs, endNs: v.endNs, state: v.state })),
    ]),
  );
}

/** States named in runs, by index ("P0", "P2", "P4"). */
export function statesOf(runs: ReadonlyMap<number, readonly StateRun[]>): string[] {
  const names = new Set<string>();
  for (const list of runs.values()) for (const r of list) names.add(r.state);
  return [...names].sort((a, b) => stateIndex(a) - stateIndex(b) || a.localeCompare(b));
}
