// Power queries over PowerData (power-data.ts): CPU Idle States with WPA's Actual (idle enter/exit,
// C0 between visits) and Target (Power IdleStateChange) types — residency, transitions, per-visit
// min/avg/max and a doubling histogram of visit lengths, WPA's rows, the concurrency line (CPUs in
// C0 per bucket) with the "all processors entered deep idle and stayed" hint — and the processor
// performance states (time at each state, per-CPU timeline).
//
//   StateLane columns per CPU ──clip to range──> stats per (type, state) | rows | buckets

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
import { lowerBound, upperBound } from '../images.js';
import type { PowerData, StateLane } from './power-data.js';

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

/**
 * Calls `each` for a CPU's Actual rows with the C0 gaps between visits (from 0 to the trace end):
 * state −1 is C0. Nothing is materialized (a trace holds ~1 M visits).
 */
function forEachActualWithC0(
  lane: StateLane,
  endNs: number,
  each: (state: number, start: number, end: number) => void,
): void {
  let at = 0;
  for (let k = 0; k < lane.length; k++) {
    const start = lane.start[k]!;
    const end = lane.end[k]!;
    if (start > at) each(-1, at, start);
    each(lane.state[k]!, start, end);
    at = Math.max(at, end);
  }
  if (endNs > at) each(-1, at, endNs);
}

function forEachInterval(lane: StateLane, each: (state: number, start: number, end: number) => void): void {
  for (let k = 0; k < lane.length; k++) each(lane.state[k]!, lane.start[k]!, lane.end[k]!);
}

interface StatAcc {
  readonly cpu: number | null;
  readonly state: number;
  visits: number;
  transitions: number;
  residency: number;
  min: number;
  max: number;
  sum: number;
  readonly hist: number[];
}

function histogramBucket(ns: number): number {
  const us = ns / 1e3;
  return us < 1 ? 0 : Math.floor(Math.log2(us)) + 1;
}

/** Per (CPU or all, state) accumulators, looked up by number (no string keys per row). */
class StatGroups {
  private readonly all = new Map<number, StatAcc>();
  private readonly byCpu = new Map<number, Map<number, StatAcc>>();

  private static acc(map: Map<number, StatAcc>, cpu: number | null, state: number): StatAcc {
    let g = map.get(state);
    if (g === undefined) {
      g = { cpu, state, visits: 0, transitions: 0, residency: 0, min: Infinity, max: 0, sum: 0, hist: [] };
      map.set(state, g);
    }
    return g;
  }

  /** The all-CPUs group of `state`. */
  total(state: number): StatAcc {
    return StatGroups.acc(this.all, null, state);
  }

  /** CPU `cpu`'s group of `state`. */
  ofCpu(cpu: number, state: number): StatAcc {
    let map = this.byCpu.get(cpu);
    if (map === undefined) this.byCpu.set(cpu, (map = new Map()));
    return StatGroups.acc(map, cpu, state);
  }

  groups(): StatAcc[] {
    return [...this.all.values(), ...[...this.byCpu.values()].flatMap((m) => [...m.values()])];
  }
}

function addRow(g: StatAcc, clipped: number, entered: boolean, changed: boolean, length: number): void {
  g.residency += clipped;
  if (!entered) return;
  g.visits++;
  if (changed) g.transitions++;
  g.sum += length;
  if (length < g.min) g.min = length;
  if (length > g.max) g.max = length;
  const h = histogramBucket(length);
  while (g.hist.length <= h) g.hist.push(0);
  g.hist[h]!++;
}

/** Stats of one type over per-CPU row sequences (`rowsOf` calls back each row in time order). */
function stats(
  type: 'Actual' | 'Target',
  cpus: readonly number[],
  rowsOf: (cpu: number, each: (state: number, start: number, end: number) => void) => void,
  range: Range,
  name: (state: number) => string,
  perCpu: boolean,
): IdleStateStats[] {
  const groups = new StatGroups();
  const span = range.end - range.start;
  for (const cpu of cpus) {
    let prev: number | undefined;
    rowsOf(cpu, (state, start, end) => {
      const a = Math.max(start, range.start);
      const b = Math.min(end, range.end);
      const changed = prev !== undefined && prev !== state;
      prev = state;
      const entered = start >= range.start && start < range.end;
      if (!(b > a) && !entered) return;
      const clipped = Math.max(0, b - a);
      addRow(groups.total(state), clipped, entered, changed, end - start);
      if (perCpu) addRow(groups.ofCpu(cpu, state), clipped, entered, changed, end - start);
    });
  }
  return groups
    .groups()
    .map((g) => ({
      type,
      cpu: g.cpu,
      state: name(g.state),
      visits: g.visits,
      transitions: g.transitions,
      residencyNs: g.residency,
      residencyPercent: span > 0 ? (100 * g.residency) / (span * (g.cpu === null ? cpus.length : 1)) : 0,
      minNs: g.visits > 0 ? g.min : 0,
      avgNs: g.visits > 0 ? g.sum / g.visits : 0,
      maxNs: g.max,
      histogram: g.hist.map((visits, k) => ({ upToUs: 2 ** k, visits })),
    }))
    .sort((x, y) => (x.cpu ?? -1) - (y.cpu ?? -1) || x.state.localeCompare(y.state, 'en', { numeric: true }));
}

/** One lane of rows for the row window: its next row in range and the last one in range. */
interface RowCursor {
  readonly cpu: number;
  readonly type: 'Actual' | 'Target';
  readonly lane: StateLane;
  readonly name: (state: number) => string;
  next: number;
  readonly stop: number;
}

/** Heap order of the row window: entry time, then CPU, then Actual before Target. */
function before(a: RowCursor, b: RowCursor): boolean {
  const ta = a.lane.start[a.next]!;
  const tb = b.lane.start[b.next]!;
  if (ta !== tb) return ta < tb;
  if (a.cpu !== b.cpu) return a.cpu < b.cpu;
  return a.type === 'Actual' && b.type === 'Target';
}

/**
 * Rows `offset … offset + limit` of all lanes merged in time order (a binary heap of the lanes'
 * cursors): the cost follows offset + limit, not every row in range, and nothing is sorted.
 */
function rowWindow(cursors: RowCursor[], offset: number, limit: number): IdleStateRow[] {
  const heap = cursors.filter((c) => c.next < c.stop);
  const sift = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) sift(i);
  const rows: IdleStateRow[] = [];
  for (let k = 0; heap.length > 0 && k < offset + limit; k++) {
    const c = heap[0]!;
    if (k >= offset) {
      const i = c.next;
      const lane = c.lane;
      rows.push({
        cpu: c.cpu,
        type: c.type,
        state: c.name(lane.state[i]!),
        prevState: i > 0 ? c.name(lane.state[i - 1]!) : '',
        nextState: i + 1 < lane.length ? c.name(lane.state[i + 1]!) : '',
        entryNs: lane.start[i]!,
        exitNs: lane.end[i]!,
        durationNs: lane.end[i]! - lane.start[i]!,
      });
    }
    c.next++;
    if (c.next >= c.stop) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) sift(0);
  }
  return rows;
}

export function runIdleStats(power: PowerData, model: EngineModel, q: IdleStatsQuery): IdleStatsResult {
  const range = rangeOf(q.filter, model, power, (cpu) => power.actual[cpu]!.length > 0);
  const buckets = q.buckets ?? DEFAULT_BUCKETS;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS)
    throw new EngineError(`buckets must be between 1 and ${MAX_BUCKETS}.`, 'bad-request');
  const endNs = model.durationNs;
  const name = (s: number) => (s < 0 ? 'C0' : idleStateName(s));
  const perCpu = q.perCpu === true;
  const withStats = q.withStats !== false;
  const actual = !withStats
    ? []
    : stats(
        'Actual',
        range.cpus,
        (cpu, each) => forEachActualWithC0(power.actual[cpu]!, endNs, each),
        range,
        name,
        perCpu,
      );
  const targetCpus = [...Array(power.cpuCount).keys()].filter(
    (c) => power.target[c]!.length > 0 && (q.filter.cpus === undefined || q.filter.cpus.includes(c)),
  );
  const target = !withStats
    ? []
    : stats(
        'Target',
        targetCpus,
        (cpu, each) => forEachInterval(power.target[cpu]!, each),
        { ...range, cpus: targetCpus },
        idleStateName,
        perCpu,
      );
  // Concurrency: CPUs in C0, averaged per bucket.
  const bucketNs = (range.end - range.start) / buckets;
  const values = new Float64Array(buckets);
  if (bucketNs > 0)
    for (const cpu of range.cpus)
      forEachActualWithC0(power.actual[cpu]!, endNs, (state, start, end) => {
        if (state !== -1) return;
        const a = Math.max(start, range.start);
        const b = Math.min(end, range.end);
        for (let k = Math.max(0, Math.floor((a - range.start) / bucketNs)); k < buckets && b > a; k++) {
          const lo = range.start + k * bucketNs;
          if (lo >= b) break;
          values[k] += Math.max(0, Math.min(b, lo + bucketNs) - Math.max(a, lo)) / bucketNs;
        }
      });
  // WPA's rows (visits, without the C0 gaps; Target intervals) in time order: each lane's rows in
  // range are a contiguous run (intervals do not overlap), found by binary search.
  const cursors: RowCursor[] = [];
  const addLanes = (type: 'Actual' | 'Target', cpus: readonly number[], lanes: readonly StateLane[]) => {
    if (q.rowType !== undefined && q.rowType !== type) return;
    for (const cpu of cpus) {
      const lane = lanes[cpu]!;
      // Intervals do not overlap, so ends ascend with starts: the first ending at or after the
      // range start, up to the first starting after its end.
      const next = lowerBound(lane.end, range.start);
      const stop = Math.max(next, upperBound(lane.start, range.end));
      cursors.push({ cpu, type, lane, name: type === 'Actual' ? name : idleStateName, next, stop });
    }
  };
  addLanes('Actual', range.cpus, power.actual);
  addLanes('Target', targetCpus, power.target);
  const totalRows = cursors.reduce((n, c) => n + (c.stop - c.next), 0);
  const limit = q.rowLimit ?? 0;
  const rows = limit > 0 ? rowWindow(cursors, q.rowOffset ?? 0, limit) : [];
  const hint = deepIdleHint(power, model, range.cpus);
  return {
    kind: 'idleStats',
    actual,
    target,
    concurrency: { startNs: range.start, bucketNs, values: [...values] },
    rows,
    totalRows,
    ...(hint !== undefined ? { deepIdleHint: hint } : {}),
  };
}

function deepIdleHint(power: PowerData, model: EngineModel, cpus: readonly number[]): string | undefined {
  if (cpus.length < DEEP_MIN_CPUS + 1) return undefined;
  let deepest = -1;
  for (const c of cpus) for (const state of power.actual[c]!.state) deepest = Math.max(deepest, state);
  if (deepest < 1) return undefined;
  const stuck: { cpu: number; at: number }[] = [];
  for (const c of cpus) {
    const lane = power.actual[c]!;
    const last = lane.length - 1;
    if (
      last >= 0 &&
      lane.lastOpen &&
      lane.state[last] === deepest &&
      model.durationNs - lane.start[last]! >= DEEP_MIN_STAY_NS
    )
      stuck.push({ cpu: c, at: lane.start[last]! });
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
    const lane = power.perf[cpu]!;
    const intervals: { startNs: number; endNs: number; state: string }[] = [];
    for (let k = 0; k < lane.length; k++) {
      const state = lane.state[k]!;
      const a = Math.max(lane.start[k]!, range.start);
      const b = Math.min(lane.end[k]!, range.end);
      if (!(b > a)) continue;
      at.set(state, (at.get(state) ?? 0) + (b - a));
      total += b - a;
      if (intervals.length < maxIntervals)
        intervals.push({ startNs: a, endNs: b, state: perfStateName(state) });
    }
    return { cpu, intervals, changes: lane.length };
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
