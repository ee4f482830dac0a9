// DPC/ISR-only queries: duration histograms (xperf doubling buckets, LatencyMon 250 µs bands),
// find next/previous (over-budget) DPC, and the row cursor CSV export streams from.

import {
  DPC_TYPES,
  type DpcIsrRow,
  type FindQuery,
  type FindResult,
  type HistogramBucket,
  type HistogramQuery,
  type HistogramResult,
  type HistogramScheme,
} from '../../shared/contract.js';
import { addressKeyHex, lowerBound } from './images.js';
import { atomCode, countBelow, coversEveryDpcCpu, dpcAtoms, hasDpcAtoms } from './dpc-atoms.js';
import { dpcExclusive, type EngineModel } from './model.js';
import {
  budgetOfKind,
  CANCEL_CHECK_MASK,
  cancelledError,
  resolveFilter,
  rowPasses,
  rowSpan,
  type CancelToken,
  type ResolvedFilter,
  type TableSpec,
} from './query-common.js';

/** xperf's doubling buckets: <1 µs, 1–2, 2–4, … up to this many µs, then "≥" it. */
const DOUBLING_TOP_US = 8192;
/** LatencyMon's bands are 250 µs wide; the last band starts at 10 ms (its "≥ 10000 µs"). */
const LATENCYMON_BAND_US = 250;
const LATENCYMON_TOP_US = 10_000;

export function histogramEdges(scheme: HistogramScheme): number[] {
  const edgesUs: number[] = [0];
  if (scheme === 'doubling') {
    for (let us = 1; us <= DOUBLING_TOP_US; us *= 2) edgesUs.push(us);
  } else {
    for (let us = LATENCYMON_BAND_US; us <= LATENCYMON_TOP_US; us += LATENCYMON_BAND_US) edgesUs.push(us);
  }
  return edgesUs.map((us) => us * 1000);
}

function bucketLabel(minNs: number, maxNs: number | null): string {
  const us = (ns: number) => String(ns / 1000);
  if (maxNs === null) return `>= ${us(minNs)} µs`;
  if (minNs === 0) return `< ${us(maxNs)} µs`;
  return `${us(minNs)}-${us(maxNs)} µs`;
}

export function runHistogram(
  model: EngineModel,
  spec: TableSpec,
  query: HistogramQuery,
  token: CancelToken,
): HistogramResult {
  const filter = resolveFilter(model, spec, query.filter);
  const edges = histogramEdges(query.scheme);
  const bucketCount = edges.length;
  const dpcCounts = new Float64Array(bucketCount);
  const isrCounts = new Float64Array(bucketCount);
  const duration = model.dpc.duration;
  const kind = model.dpc.kind;
  const doubling = query.scheme === 'doubling';
  const hasRowFilter =
    filter.masks.length > 0 || filter.minDuration !== -Infinity || filter.maxDuration !== Infinity;
  if (filter.start <= 0 && filter.rowEnd >= model.durationNs) {
    // Whole trace: count each atom's sorted durations per bucket by binary search.
    const perCpu = !coversEveryDpcCpu(model, filter.cpus) || !hasDpcAtoms(model, false);
    const atoms = dpcAtoms(model, perCpu);
    const allowed = new Set(filter.cpus);
    const sorted = atoms.sorted;
    atomLoop: for (let a = 0; a < atoms.count; a++) {
      if (perCpu && !allowed.has(atoms.cpu[a]!)) continue;
      for (const m of filter.masks) if (m.keep[atomCode(model, atoms, m.column, a)] === 0) continue atomLoop;
      const s0 = atoms.start[a]!;
      const e0 = atoms.end[a]!;
      const from = filter.minDuration !== -Infinity ? countBelow(sorted, filter.minDuration, s0, e0) : s0;
      const to = filter.maxDuration !== Infinity ? countBelow(sorted, filter.maxDuration, from, e0) : e0;
      const counts = atoms.kind[a]! >= 3 ? isrCounts : dpcCounts;
      let previous = from;
      for (let b = 0; b < bucketCount; b++) {
        const next = b + 1 < bucketCount ? countBelow(sorted, edges[b + 1]!, previous, to) : to;
        counts[b]! += next - previous;
        previous = next;
      }
    }
    return histogramResult(query, edges, dpcCounts, isrCounts);
  }
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    for (let i = lo; i < hi; i++) {
      if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
      if (hasRowFilter && !rowPasses(spec, filter, i)) continue;
      const d = duration[i]!;
      let b: number;
      if (doubling) {
        // Bucket 0 is < 1 µs; bucket k ≥ 1 holds [2^(k-1), 2^k) µs.
        b = d < 1000 ? 0 : Math.min(bucketCount - 1, 1 + Math.floor(Math.log2(d / 1000)));
        // Guard against log2 rounding right at an edge.
        if (b + 1 < bucketCount && d >= edges[b + 1]!) b++;
        else if (b > 0 && d < edges[b]!) b--;
      } else {
        b = Math.min(bucketCount - 1, Math.floor(d / (LATENCYMON_BAND_US * 1000)));
      }
      if (kind[i]! >= 3) isrCounts[b]!++;
      else dpcCounts[b]!++;
    }
  }
  return histogramResult(query, edges, dpcCounts, isrCounts);
}

export function dpcRowAt(model: EngineModel, cpu: number, i: number): DpcIsrRow {
  const d = model.dict;
  const routine = model.dpc.routine[i]!;
  const func = model.symbols.routineFunc[routine]!;
  const enter = model.dpc.enter[i]!;
  const duration = model.dpc.duration[i]!;
  return {
    cpu,
    type: DPC_TYPES[model.dpc.kind[i]!]!,
    module: d.modules[model.symbols.funcModule[func]!] ?? 'Unknown',
    function: model.symbols.functionName(func),
    address: addressKeyHex(d.routineAddress[routine]!),
    enterSeconds: enter / 1e9,
    exitSeconds: (enter + duration) / 1e9,
    durationUs: duration / 1e3,
    exclusiveDurationUs: dpcExclusive(model.dpc, i) / 1e3,
  };
}

export function runFind(
  model: EngineModel,
  spec: TableSpec,
  query: FindQuery,
  token: CancelToken,
): FindResult {
  const filter = resolveFilter(model, spec, query.filter);
  const from = Number(query.from);
  let bestCpu = -1;
  let bestRow = -1;
  let bestTime = query.direction === 'next' ? Infinity : -Infinity;
  let checked = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    if (query.direction === 'next') {
      for (let i = Math.max(lo, firstAfter(spec, cpu, from)); i < hi; i++) {
        if ((++checked & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
        if (model.dpc.enter[i]! >= bestTime) break;
        if (matches(model, spec, filter, i, query.overBudgetOnly)) {
          bestTime = model.dpc.enter[i]!;
          bestCpu = cpu;
          bestRow = i;
          break;
        }
      }
    } else {
      for (let i = Math.min(hi, lowerBound(spec.time, from, lo, hi)) - 1; i >= lo; i--) {
        if ((++checked & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
        if (model.dpc.enter[i]! <= bestTime) break;
        if (matches(model, spec, filter, i, query.overBudgetOnly)) {
          bestTime = model.dpc.enter[i]!;
          bestCpu = cpu;
          bestRow = i;
          break;
        }
      }
    }
  }
  return bestRow < 0
    ? { kind: 'find', found: false }
    : { kind: 'find', found: true, row: dpcRowAt(model, bestCpu, bestRow) };
}

function firstAfter(spec: TableSpec, cpu: number, from: number): number {
  const lo = spec.cpuOffsets[cpu] ?? 0;
  const hi = spec.cpuOffsets[cpu + 1] ?? 0;
  // Strictly after `from`, so repeated "next" moves on from the row just found.
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (spec.time[mid]! <= from) a = mid + 1;
    else b = mid;
  }
  return a;
}

function matches(
  model: EngineModel,
  spec: TableSpec,
  filter: ResolvedFilter,
  i: number,
  overBudgetOnly: boolean,
): boolean {
  if (!rowPasses(spec, filter, i)) return false;
  return !overBudgetOnly || model.dpc.duration[i]! > budgetOfKind(model.dpc.kind[i]!);
}

/**
 * Filtered DPC/ISR rows in global time order (enter time, then CPU), as a lazy cursor: a k-way
 * merge over the per-CPU spans, so export never holds more than one row index per CPU.
 */
/** The rows `filteredDpcRows` looks at (the filter's CPUs and range): an export's total, at
 *  most the rows it writes (the other conditions are checked row by row). */
export function dpcRowsInRange(
  model: EngineModel,
  spec: TableSpec,
  filterIn: HistogramQuery['filter'],
): number {
  const filter = resolveFilter(model, spec, filterIn);
  let rows = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    if (lo < hi) rows += hi - lo;
  }
  return rows;
}

export function* filteredDpcRows(
  model: EngineModel,
  spec: TableSpec,
  filterIn: HistogramQuery['filter'],
  token: CancelToken,
): Generator<[cpu: number, row: number]> {
  const filter = resolveFilter(model, spec, filterIn);
  const heads: { cpu: number; i: number; hi: number }[] = [];
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    if (lo < hi) heads.push({ cpu, i: lo, hi });
  }
  const enter = model.dpc.enter;
  let steps = 0;
  while (heads.length > 0) {
    let best = 0;
    for (let h = 1; h < heads.length; h++) if (enter[heads[h]!.i]! < enter[heads[best]!.i]!) best = h;
    const head = heads[best]!;
    const i = head.i++;
    if (head.i >= head.hi) heads.splice(best, 1);
    if ((++steps & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
    if (rowPasses(spec, filter, i)) yield [head.cpu, i];
  }
}

function histogramResult(
  query: HistogramQuery,
  edges: readonly number[],
  dpcCounts: Float64Array,
  isrCounts: Float64Array,
): HistogramResult {
  const bucketCount = edges.length;
  const buckets: HistogramBucket[] = edges.map((minNs, b) => {
    const maxNs = b + 1 < bucketCount ? edges[b + 1]! : null;
    return {
      label: bucketLabel(minNs, maxNs),
      minNs,
      maxNs: maxNs === null ? Infinity : maxNs,
      count: dpcCounts[b]! + isrCounts[b]!,
      dpcCount: dpcCounts[b]!,
      isrCount: isrCounts[b]!,
    };
  });
  return { kind: 'histogram', scheme: query.scheme, buckets };
}
