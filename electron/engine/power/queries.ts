// Power queries over PowerData (power-data.ts): CPU Idle States with WPA's Actual (idle enter/exit,
// C0 between visits) and Target (Power IdleStateChange) types — residency, transitions, per-visit
// min/avg/max and a doubling histogram of visit lengths, WPA's rows, the concurrency line (CPUs in
// C0 per bucket) with the "all processors entered deep idle and stayed" hint — and the processor
// performance states (time at each state, per-CPU timeline).
//
//   StateInterval lists per CPU ──clip to range──> stats per (type, state) | rows | buckets

import type {
  FrequencyQuery,
  FrequencyResult,
  IdleStateRow,
  IdleStateStats,
  IdleStatsQuery,
  IdleStatsResult,
  SchedFilter,
} from '../../../shared/contract.js';
import type { EngineModel } from '../model.js';
import { EngineError } from '../query-common.js';
import type { PowerData, StateInterval } from './power-data.js';

const DEFAULT_BUCKETS = 200;
const MAX_BUCKETS = 10_000;
/** Deep-idle hint: CPUs whose last visit is the deepest state, open to the trace end … */
const DEEP_MIN_STAY_NS = 10e6;
/** … and that entered it within this window of each other (the crash story: "nearly the same time"). */
const DEEP_ENTRY_WINDOW_NS = 5e6;
/** At least this many CPUs for the hint to mean anything. */
const DEEP_MIN_CPUS = 2;

export const idleStateName = (state: number): string => `C${state + 1}`;
const perfStateName = (state: number): string => `P${state}`;

interface Range {
  start: number;
  end: number;
  cpus: number[];
}

function rangeOf(
  filter: SchedFilter,
  model: EngineModel,
  power: PowerData,
  withData: (cpu: number) => boolean,
): Range {
  const start = filter.range !== undefined ? Math.max(0, filter.range.start) : 0;
  const end = filter.range !== undefined ? Math.min(filter.range.end, model.durationNs) : model.durationNs;
  if (end < start) throw new EngineError('The time range is not valid (end before start).', 'bad-request');
  const all = [...Array(power.cpuCount).keys()].filter(withData);
  const cpus = filter.cpus !== undefined ? all.filter((c) => filter.cpus!.includes(c)) : all;
  return { start, end, cpus };
}

/** Actual rows with the C0 gaps between visits (from 0 to the trace end). */
function actualWithC0(
  list: readonly StateInterval[],
  endNs: number,
): { state: number; start: number; end: number; open: boolean }[] {
  const out: { state: number; start: number; end: number; open: boolean }[] = [];
  let at = 0;
  for (const v of list) {
    if (v.start > at) out.push({ state: -1, start: at, end: v.start, open: false });
    out.push({ state: v.state, start: v.start, end: v.end, open: v.open });
    at = Math.max(at, v.end);
  }
  if (endNs > at) out.push({ state: -1, start: at, end: endNs, open: true });
  return out;
}

interface StatAcc {
  visits: number;
  transitions: number;
  residency: number;
  min: number;
  max: number;
  sum: number;
  hist: number[];
}

function histogramBucket(ns: number): number {
  const us = ns / 1e3;
  return us < 1 ? 0 : Math.floor(Math.log2(us)) + 1;
}

function stats(
  type: 'Actual' | 'Target',
  perCpuRows: { cpu: number; rows: { state: number; start: number; end: number }[] }[],
  range: Range,
  name: (state: number) => string,
  perCpu: boolean,
): IdleStateStats[] {
  const groups = new Map<string, StatAcc & { cpu: number | null; state: string }>();
  const span = range.end - range.start;
  for (const { cpu, rows } of perCpuRows) {
    let prev: number | undefined;
    for (const r of rows) {
      const a = Math.max(r.start, range.start);
      const b = Math.min(r.end, range.end);
      const changed = prev !== undefined && prev !== r.state;
      prev = r.state;
      if (!(b > a) && !(r.start >= range.start && r.start < range.end)) continue;
      for (const c of perCpu ? [null, cpu] : [null]) {
        const key = `${c ?? 'all'}/${r.state}`;
        let g = groups.get(key);
        if (g === undefined) {
          g = {
            cpu: c,
            state: name(r.state),
            visits: 0,
            transitions: 0,
            residency: 0,
            min: Infinity,
            max: 0,
            sum: 0,
            hist: [],
          };
          groups.set(key, g);
        }
        g.residency += Math.max(0, b - a);
        if (r.start >= range.start && r.start < range.end) {
          const d = r.end - r.start;
          g.visits++;
          if (changed) g.transitions++;
          g.sum += d;
          g.min = Math.min(g.min, d);
          g.max = Math.max(g.max, d);
          const h = histogramBucket(d);
          while (g.hist.length <= h) g.hist.push(0);
          g.hist[h]!++;
        }
      }
    }
  }
  return [...groups.values()]
    .map((g) => ({
      type,
      cpu: g.cpu,
      state: g.state,
      visits: g.visits,
      transitions: g.transitions,
      residencyNs: g.residency,
      residencyPercent:
        span > 0 ? (100 * g.residency) / (span * (g.cpu === null ? range.cpus.length : 1)) : 0,
      minNs: g.visits > 0 ? g.min : 0,
      avgNs: g.visits > 0 ? g.sum / g.visits : 0,
      maxNs: g.max,
      histogram: g.hist.map((visits, k) => ({ upToUs: 2 ** k, visits })),
    }))
    .sort((x, y) => (x.cpu ?? -1) - (y.cpu ?? -1) || x.state.localeCompare(y.state, 'en', { numeric: true }));
}

export function runIdleStats(power: PowerData, model: EngineModel, q: IdleStatsQuery): IdleStatsResult {
  const range = rangeOf(q.filter, model, power, (cpu) => power.actual[cpu]!.length > 0);
  const buckets = q.buckets ?? DEFAULT_BUCKETS;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS)
    throw new EngineError(`buckets must be between 1 and ${MAX_BUCKETS}.`, 'bad-request');
  const actualRows = range.cpus.map((cpu) => ({
    cpu,
    rows: actualWithC0(power.actual[cpu]!, model.durationNs),
  }));
  const name = (s: number) => (s < 0 ? 'C0' : idleStateName(s));
  const actual = stats('Actual', actualRows, range, name, q.perCpu === true);
  const targetCpus = [...Array(power.cpuCount).keys()].filter(
    (c) => power.target[c]!.length > 0 && (q.filter.cpus === undefined || q.filter.cpus.includes(c)),
  );
  const target = stats(
    'Target',
    targetCpus.map((cpu) => ({ cpu, rows: power.target[cpu]! })),
    { ...range, cpus: targetCpus },
    idleStateName,
    q.perCpu === true,
  );
  // Concurrency: CPUs in C0, averaged per bucket.
  const bucketNs = (range.end - range.start) / buckets;
  const values = new Float64Array(buckets);
  if (bucketNs > 0)
    for (const { rows } of actualRows)
      for (const r of rows) {
        if (r.state !== -1) continue;
        const a = Math.max(r.start, range.start);
        const b = Math.min(r.end, range.end);
        for (let k = Math.max(0, Math.floor((a - range.start) / bucketNs)); k < buckets && b > a; k++) {
          const lo = range.start + k * bucketNs;
          if (lo >= b) break;
          values[k] += Math.max(0, Math.min(b, lo + bucketNs) - Math.max(a, lo)) / bucketNs;
        }
      }
  // WPA's rows, time order, bounded.
  const allRows: IdleStateRow[] = [];
  const limit = q.rowLimit ?? 0;
  const offset = q.rowOffset ?? 0;
  let totalRows = 0;
  const pushRows = (
    type: 'Actual' | 'Target',
    cpu: number,
    rows: readonly { state: number; start: number; end: number }[],
    nm: (s: number) => string,
  ) => {
    if (q.rowType !== undefined && q.rowType !== type) return;
    rows.forEach((r, k) => {
      if (r.end < range.start || r.start > range.end) return;
      totalRows++;
      if (limit === 0) return;
      allRows.push({
        cpu,
        type,
        state: nm(r.state),
        prevState: k > 0 ? nm(rows[k - 1]!.state) : '',
        nextState: k + 1 < rows.length ? nm(rows[k + 1]!.state) : '',
        entryNs: r.start,
        exitNs: r.end,
        durationNs: r.end - r.start,
      });
    });
  };
  for (const { cpu, rows } of actualRows)
    pushRows(
      'Actual',
      cpu,
      rows.filter((r) => r.state >= 0),
      name,
    );
  for (const cpu of targetCpus) pushRows('Target', cpu, power.target[cpu]!, idleStateName);
  // Every row in range is collected and `rowLimit` of them from `rowOffset` in time order kept
  // (memory follows the rows in range; a per-CPU merge would bound it).
  allRows.sort((a, b) => a.entryNs - b.entryNs || a.cpu - b.cpu || a.type.localeCompare(b.type));
  const kept = allRows.slice(offset, offset + limit);
  const hint = deepIdleHint(power, model, range.cpus);
  return {
    kind: 'idleStats',
    actual,
    target,
    concurrency: { startNs: range.start, bucketNs, values: [...values] },
    rows: kept,
    totalRows,
    ...(hint !== undefined ? { deepIdleHint: hint } : {}),
  };
}

function deepIdleHint(power: PowerData, model: EngineModel, cpus: readonly number[]): string | undefined {
  if (cpus.length < DEEP_MIN_CPUS + 1) return undefined;
  let deepest = -1;
  for (const c of cpus) for (const v of power.actual[c]!) deepest = Math.max(deepest, v.state);
  if (deepest < 1) return undefined;
  const stuck: { cpu: number; at: number }[] = [];
  for (const c of cpus) {
    const list = power.actual[c]!;
    const last = list[list.length - 1];
    if (
      last !== undefined &&
      last.open &&
      last.state === deepest &&
      model.durationNs - last.start >= DEEP_MIN_STAY_NS
    )
      stuck.push({ cpu: c, at: last.start });
  }
  if (stuck.length < Math.max(DEEP_MIN_CPUS, cpus.length - 1)) return undefined;
  const first = Math.min(...stuck.map((s) => s.at));
  const last = Math.max(...stuck.map((s) => s.at));
  if (last - first > DEEP_ENTRY_WINDOW_NS) return undefined;
  const awake = cpus.filter((c) => !stuck.some((s) => s.cpu === c));
  const who = awake.length === 0 ? 'All processors' : `All processors but CPU ${awake.join(', ')}`;
  return (
    `${who} entered deep idle (${idleStateName(deepest)}) within ${((last - first) / 1e6).toFixed(2)} ms ` +
    `at ${(first / 1e6).toFixed(3)} ms and stayed there to the end of the trace ` +
    `(${((model.durationNs - last) / 1e6).toFixed(1)} ms) — ${stuck.length} of ${cpus.length} CPUs never woke.`
  );
}

export function runFrequency(power: PowerData, model: EngineModel, q: FrequencyQuery): FrequencyResult {
  const range = rangeOf(q.filter, model, power, (cpu) => power.perf[cpu]!.length > 0);
  const maxIntervals = q.maxIntervals ?? 2000;
  const at = new Map<number, number>();
  let total = 0;
  const cpus = range.cpus.map((cpu) => {
    const list = power.perf[cpu]!;
    const intervals: { startNs: number; endNs: number; state: string }[] = [];
    for (const v of list) {
      const a = Math.max(v.start, range.start);
      const b = Math.min(v.end, range.end);
      if (!(b > a)) continue;
      at.set(v.state, (at.get(v.state) ?? 0) + (b - a));
      total += b - a;
      if (intervals.length < maxIntervals)
        intervals.push({ startNs: a, endNs: b, state: perfStateName(v.state) });
    }
    return { cpu, intervals, changes: list.length };
  });
  return {
    kind: 'frequency',
    source: power.perfEvents > 0 ? 'Power/PerfStateChange' : 'none',
    nominalMHz: power.nominalMHz > 0 ? power.nominalMHz : null,
    timeAtState: [...at]
      .sort((a, b) => a[0] - b[0])
      .map(([state, ns]) => ({
        state: perfStateName(state),
        ns,
        percent: total > 0 ? (100 * ns) / total : 0,
      })),
    cpus,
  };
}
