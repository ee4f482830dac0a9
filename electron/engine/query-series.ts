// SeriesQuery: N equal time buckets per CPU for the graphs.
//   utilization  precise: busy time in [0, edge) per bucket edge from the DPC and run rows' block
//                prefix sums (model.ts `CpuCoverage.coveredAtEdges`: all edges of a CPU in one
//                call, a search + ≤ 15 rows per table and edge); sampled: cumulative busy sample
//                weight at each bucket edge
//   dpcIsrTime   DPC/ISR union time in [0, edge) the same way
//   cstate       C-state rows walked once, clipped into the buckets they overlap
//   dpcDurations longest DPC/ISR per CPU per bucket (by enter time), µs

import {
  MAX_SERIES_DECIMALS,
  type CpuSeries,
  type SeriesQuery,
  type SeriesResult,
} from '../../shared/contract.js';
import type { TimeRange, TraceNs } from '../../shared/units.js';
import { lowerBound } from './images.js';
import { CpuCoverage, idleRowEnd, sampleBusyBefore, type EngineModel } from './model.js';
import {
  CANCEL_CHECK_MASK,
  cancelledError,
  EngineError,
  resolveFilter,
  rowPasses,
  rowSpan,
  type CancelToken,
  type ResolvedFilter,
  type TableSpec,
} from './query-common.js';

/** The contract's cap on buckets (a 4K screen at one bucket per pixel, twice over). */
const MAX_BUCKETS = 10_000;

/** % of each bucket covered: busy time (`busy`) or DPC/ISR time, from the covered time in [0, edge)
 *  at the n + 1 bucket edges (`CpuCoverage.coveredAtEdges`, one call per CPU). */
function coverageSeries(
  coverage: CpuCoverage,
  busy: boolean,
  start: number,
  bucketNs: number,
  n: number,
): number[] {
  const edges = new Float64Array(n + 1);
  edges[0] = start;
  for (let b = 0; b < n; b++) edges[b + 1] = start + bucketNs * (b + 1);
  const covered = new Float64Array(n + 1);
  coverage.coveredAtEdges(edges, busy, covered);
  const values = new Array<number>(n);
  for (let b = 0; b < n; b++)
    values[b] = bucketNs > 0 ? (100 * (covered[b + 1]! - covered[b]!)) / bucketNs : 0;
  return values;
}

export function runSeries(
  model: EngineModel,
  specs: { dpcIsr: TableSpec; idleStates: TableSpec },
  query: SeriesQuery,
  token: CancelToken,
): SeriesResult {
  const n = Math.floor(query.buckets);
  if (!(n >= 1 && n <= MAX_BUCKETS))
    throw new EngineError(`buckets must be between 1 and ${MAX_BUCKETS}.`, 'bad-request');
  const dpcMetric = query.metric === 'dpcDurations' || query.metric === 'dpcIsrTime';
  const filter = resolveFilter(model, dpcMetric ? specs.dpcIsr : undefined, query.filter);
  const hasRowFilter =
    filter.masks.length > 0 || filter.minDuration !== -Infinity || filter.maxDuration !== Infinity;
  const start = filter.start;
  const bucketNs = (filter.end - filter.start) / n;
  const range: TimeRange = { start: start as TraceNs, end: filter.end as TraceNs };
  const cpus: CpuSeries[] = [];
  let source: SeriesResult['source'] = 'events';
  let stateNames: string[] | undefined;

  if (query.metric === 'utilization') {
    source = model.summary.utilizationSource;
    for (const cpu of filter.cpus) {
      if (token.cancelled) throw cancelledError();
      if (source === 'precise') {
        const values = coverageSeries(new CpuCoverage(model, cpu), true, start, bucketNs, n);
        cpus.push({ cpu, values });
      } else if (source === 'sampled')
        cpus.push({ cpu, values: sampledSeries(model, cpu, start, bucketNs, n, filter.rowEnd) });
    }
  } else if (query.metric === 'dpcIsrTime') {
    // Without DPC/ISR events, the share comes from samples flagged as taken inside a DPC/ISR.
    const sampled = model.dpc.length === 0 && model.samples.length > 0;
    source = sampled ? 'sampled' : model.dpc.length > 0 ? 'events' : 'none';
    for (const cpu of filter.cpus) {
      if (token.cancelled) throw cancelledError();
      cpus.push({
        cpu,
        values: sampled
          ? flaggedSampleSeries(model, cpu, start, bucketNs, n, filter.rowEnd, token)
          : hasRowFilter
            ? filteredUnionSeries(model, specs.dpcIsr, filter, cpu, n, bucketNs, token)
            : coverageSeries(new CpuCoverage(model, cpu), false, start, bucketNs, n),
      });
    }
  } else if (query.metric === 'cstate') {
    source = model.idle.source === 'none' ? 'none' : 'events';
    stateNames = [...model.dict.stateNames];
    const states = stateNames.length;
    const idle = model.idle;
    for (const cpu of filter.cpus) {
      const [lo, hi] = rowSpan(specs.idleStates, cpu, filter.start, filter.rowEnd);
      if (lo >= hi) {
        // No idle-state data for this CPU: −1 in every bucket (the contract's "no data").
        cpus.push({
          cpu,
          values: new Array<number>(n).fill(-1),
          ...(query.withResidency === true
            ? { stateResidency: Array.from({ length: states }, () => new Array<number>(n).fill(0)) }
            : {}),
        });
        continue;
      }
      const residency = Array.from({ length: states }, () => new Float64Array(n));
      for (let i = lo; i < hi; i++) {
        if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
        const s = Math.max(idle.start[i]!, filter.start);
        const e = Math.min(idleRowEnd(model, cpu, i), filter.end);
        if (!(e > s) || bucketNs <= 0) continue;
        const row = residency[idle.state[i]!]!;
        let b = Math.min(n - 1, Math.floor((s - start) / bucketNs));
        while (b < n) {
          const bs = start + b * bucketNs;
          const be = b + 1 === n ? filter.end : bs + bucketNs;
          const overlap = Math.min(e, be) - Math.max(s, bs);
          if (overlap > 0) row[b]! += overlap;
          if (be >= e) break;
          b++;
        }
      }
      const values = new Array<number>(n);
      for (let b = 0; b < n; b++) {
        let best = -1;
        let bestTime = 0;
        for (let s = 0; s < states; s++) {
          if (residency[s]![b]! > bestTime) {
            bestTime = residency[s]![b]!;
            best = s;
          }
        }
        values[b] = best;
      }
      cpus.push({
        cpu,
        values,
        ...(query.withResidency === true
          ? {
              stateResidency: residency.map((r) =>
                Array.from(r, (t) => (bucketNs > 0 ? (100 * t) / bucketNs : 0)),
              ),
            }
          : {}),
      });
    }
  } else {
    const spec = specs.dpcIsr;
    for (const cpu of filter.cpus) {
      const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
      const values = new Array<number>(n).fill(0);
      for (let i = lo; i < hi; i++) {
        if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
        if (hasRowFilter && !rowPasses(spec, filter, i)) continue;
        const b = bucketNs > 0 ? Math.min(n - 1, Math.floor((model.dpc.enter[i]! - start) / bucketNs)) : 0;
        const us = model.dpc.duration[i]! / 1e3;
        if (us > values[b]!) values[b] = us;
      }
      cpus.push({ cpu, values });
    }
  }
  if (query.decimals !== undefined) roundSeries(cpus, query.decimals);
  return {
    kind: 'series',
    metric: query.metric,
    range,
    bucketNs,
    source,
    cpus,
    ...(stateNames !== undefined ? { stateNames } : {}),
  };
}

/** Rounds every value (and residency) to `decimals` places, in place (SeriesQuery.decimals). */
function roundSeries(cpus: CpuSeries[], decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_SERIES_DECIMALS)
    throw new EngineError(`decimals must be an integer from 0 to ${MAX_SERIES_DECIMALS}.`, 'bad-request');
  const scale = 10 ** decimals;
  const round = (list: readonly number[]) => {
    const values = list as number[];
    for (let b = 0; b < values.length; b++) values[b] = Math.round(values[b]! * scale) / scale;
  };
  for (const series of cpus) {
    round(series.values);
    for (const residency of series.stateResidency ?? []) round(residency);
  }
}

function sampledSeries(
  model: EngineModel,
  cpu: number,
  start: number,
  bucketNs: number,
  n: number,
  rowEnd: number,
): number[] {
  const s = model.samples;
  const lo = s.cpuOffsets[cpu] ?? 0;
  const hi = s.cpuOffsets[cpu + 1] ?? 0;
  const tids = model.dict.threadTids;
  const values = new Array<number>(n);
  let previous = sampleBusyBefore(s, tids, lowerBound(s.time, start, lo, hi));
  for (let b = 0; b < n; b++) {
    const edge = b + 1 === n ? rowEnd : start + bucketNs * (b + 1);
    const next = sampleBusyBefore(s, tids, lowerBound(s.time, edge, lo, hi));
    values[b] = bucketNs > 0 ? (100 * (next - previous)) / bucketNs : 0;
    previous = next;
  }
  return values;
}

/** % of each bucket covered by the weight of DPC/ISR-flagged samples on one CPU. */
function flaggedSampleSeries(
  model: EngineModel,
  cpu: number,
  start: number,
  bucketNs: number,
  n: number,
  rowEnd: number,
  token: CancelToken,
): number[] {
  const s = model.samples;
  const lo = s.cpuOffsets[cpu] ?? 0;
  const hi = s.cpuOffsets[cpu + 1] ?? 0;
  const values = new Array<number>(n).fill(0);
  const end = lowerBound(s.time, rowEnd, lo, hi);
  for (let i = lowerBound(s.time, start, lo, hi); i < end; i++) {
    if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
    if (s.flags[i] === 0) continue;
    const b = bucketNs > 0 ? Math.min(n - 1, Math.floor((s.time[i]! - start) / bucketNs)) : 0;
    values[b]! += s.weight[i]!;
  }
  for (let b = 0; b < n; b++) values[b] = bucketNs > 0 ? (100 * values[b]!) / bucketNs : 0;
  return values;
}

const longestDpc = new WeakMap<EngineModel, number>();
/** Longest DPC/ISR of the trace: how far before a range a DPC can start and still overlap it. */
function longestDpcNs(model: EngineModel): number {
  let longest = longestDpc.get(model);
  if (longest === undefined) {
    longest = 0;
    for (let i = 0; i < model.dpc.length; i++)
      if (model.dpc.duration[i]! > longest) longest = model.dpc.duration[i]!;
    longestDpc.set(model, longest);
  }
  return longest;
}

/**
 * DPC/ISR time of the rows that pass the filter (module/function/type/duration), as the union of
 * their intervals per bucket — computed from the rows, since the precomputed union has every row.
 */
function filteredUnionSeries(
  model: EngineModel,
  spec: TableSpec,
  filter: ResolvedFilter,
  cpu: number,
  n: number,
  bucketNs: number,
  token: CancelToken,
): number[] {
  const covered = new Float64Array(n);
  const start = filter.start;
  const end = filter.end;
  const lo0 = spec.cpuOffsets[cpu] ?? 0;
  const hi = lowerBound(spec.time, filter.rowEnd, lo0, spec.cpuOffsets[cpu + 1] ?? 0);
  const lo = lowerBound(spec.time, start - longestDpcNs(model), lo0, hi);
  const addCovered = (s: number, e: number) => {
    s = Math.max(s, start);
    e = Math.min(e, end);
    if (!(e > s) || bucketNs <= 0) return;
    for (let b = Math.min(n - 1, Math.floor((s - start) / bucketNs)); b < n; b++) {
      const bs = start + b * bucketNs;
      const be = b + 1 === n ? end : bs + bucketNs;
      const overlap = Math.min(e, be) - Math.max(s, bs);
      if (overlap > 0) covered[b]! += overlap;
      if (be >= e) break;
    }
  };
  let curStart = NaN;
  let curEnd = NaN;
  for (let i = lo; i < hi; i++) {
    if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
    if (!rowPasses(spec, filter, i)) continue;
    const s = model.dpc.enter[i]!;
    const e = s + model.dpc.duration[i]!;
    if (s <= curEnd) {
      if (e > curEnd) curEnd = e;
    } else {
      if (curEnd === curEnd) addCovered(curStart, curEnd);
      curStart = s;
      curEnd = e;
    }
  }
  if (curEnd === curEnd) addCovered(curStart, curEnd);
  return Array.from(covered, (t) => (bucketNs > 0 ? (100 * t) / bucketNs : 0));
}
