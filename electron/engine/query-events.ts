// Individual DPC/ISR rows (the `dpcEvents` query): the deep-zoom "Timeline by Module, Function"
// (rows overlapping the view, in time order), a pivot leaf group's rows (sorted by a duration or a
// time, one virtualized window at a time; or the window around one row, `around`, when an event
// selected elsewhere is revealed in the table) and "zoom to the longest DPC" (duration,
// descending, limit 1). Answers are columnar with a routine dictionary so a 20,000-mark window stays small.
//
//   filter ──resolveFilter──> per-CPU spans (by enter time; widened back by the longest DPC when
//   `overlapping`) ──rowPasses──> matching row ids ──sort (cached per query shape)──> window

import {
  MAX_DPC_EVENTS,
  type DpcEventSort,
  type DpcEventsQuery,
  type DpcEventsResult,
} from '../../shared/contract.js';
import { dpcExclusive, dpcFragments, type EngineModel } from './model.js';
import {
  CANCEL_CHECK_MASK,
  cancelledError,
  EngineError,
  resolveFilter,
  rowPasses,
  rowSpan,
  type CancelToken,
  type TableSpec,
} from './query-common.js';

/** The last few sorted orders per model: scrolling a virtualized leaf group asks window after
 *  window of the same rows (sorting 1 M row ids again for each would cost ~100 ms a window), while
 *  the timeline and other opened groups ask in between — so more than one is kept. */
const ORDER_CACHE_ENTRIES = 4;
const orderCache = new WeakMap<EngineModel, { key: string; order: Int32Array; cpuOf: Int32Array }[]>();
/** The longest DPC/ISR of a model (how far back an `overlapping` query must look). */
const longestCache = new WeakMap<EngineModel, number>();

function longestDuration(model: EngineModel): number {
  let longest = longestCache.get(model);
  if (longest === undefined) {
    longest = 0;
    const duration = model.dpc.duration;
    for (let i = 0; i < model.dpc.length; i++) if (duration[i]! > longest) longest = duration[i]!;
    longestCache.set(model, longest);
  }
  return longest;
}

function sortKeyOf(model: EngineModel, sortBy: DpcEventSort, i: number): number {
  switch (sortBy) {
    case 'enter':
      return model.dpc.enter[i]!;
    case 'exit':
      return model.dpc.enter[i]! + model.dpc.duration[i]!;
    case 'duration':
      return model.dpc.duration[i]!;
    case 'exclusive':
      return dpcExclusive(model.dpc, i);
    case 'fragments':
      return dpcFragments(model.dpc, i);
  }
}

/** Matching rows, sorted; ties broken by enter time then row id so windows never overlap or skip. */
function sortedRows(
  model: EngineModel,
  spec: TableSpec,
  query: DpcEventsQuery,
  token: CancelToken,
): { order: Int32Array; cpuOf: Int32Array } {
  const sortBy = query.sortBy ?? 'enter';
  const descending = query.descending === true;
  const key = JSON.stringify([query.filter, sortBy, descending, query.overlapping === true]);
  const entries = orderCache.get(model) ?? [];
  const hit = entries.findIndex((e) => e.key === key);
  if (hit >= 0) {
    const [entry] = entries.splice(hit, 1);
    entries.unshift(entry!);
    return entry!;
  }

  const filter = resolveFilter(model, spec, query.filter);
  const lookBack = query.overlapping === true ? longestDuration(model) : 0;
  const enter = model.dpc.enter;
  const duration = model.dpc.duration;
  const spans: [cpu: number, lo: number, hi: number][] = [];
  let capacity = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start - lookBack, filter.rowEnd);
    if (lo < hi) {
      spans.push([cpu, lo, hi]);
      capacity += hi - lo;
    }
  }
  const rows = new Int32Array(capacity);
  const cpus = new Int32Array(capacity);
  let n = 0;
  let checked = 0;
  for (const [cpu, lo, hi] of spans) {
    for (let i = lo; i < hi; i++) {
      if ((++checked & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
      if (lookBack > 0 && enter[i]! + duration[i]! <= filter.start && enter[i]! < filter.start) continue;
      if (!rowPasses(spec, filter, i)) continue;
      rows[n] = i;
      cpus[n] = cpu;
      n++;
    }
  }
  // Sort positions 0..n-1 by (key, enter, row id): keys in a Float64Array, positions in an Int32Array.
  const keys = new Float64Array(n);
  for (let p = 0; p < n; p++) keys[p] = sortKeyOf(model, sortBy, rows[p]!);
  const positions = new Int32Array(n);
  for (let p = 0; p < n; p++) positions[p] = p;
  const sign = descending ? -1 : 1;
  positions.sort(
    (a, b) => sign * (keys[a]! - keys[b]!) || enter[rows[a]!]! - enter[rows[b]!]! || rows[a]! - rows[b]!,
  );
  const order = new Int32Array(n);
  const cpuOf = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    order[p] = rows[positions[p]!]!;
    cpuOf[p] = cpus[positions[p]!]!;
  }
  const entry = { key, order, cpuOf };
  orderCache.set(model, [entry, ...entries].slice(0, ORDER_CACHE_ENTRIES));
  return entry;
}

export function runDpcEvents(
  model: EngineModel,
  spec: TableSpec,
  query: DpcEventsQuery,
  token: CancelToken,
): DpcEventsResult {
  const limit = query.limit;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_DPC_EVENTS)
    throw new EngineError(`limit must be an integer from 0 to ${MAX_DPC_EVENTS}.`, 'bad-request');
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new EngineError('offset must be a non-negative integer.', 'bad-request');
  const { order, cpuOf } = sortedRows(model, spec, query, token);
  const around = query.around;
  if (around !== undefined && !(Number.isInteger(around) && around >= 0))
    throw new EngineError('around must be an engine row id (a non-negative integer).', 'bad-request');
  const located = around !== undefined ? order.indexOf(around) : undefined;
  const from =
    located !== undefined && located >= 0
      ? Math.max(0, Math.min(located - Math.floor(limit / 2), order.length - limit))
      : Math.min(offset, order.length);
  const to = Math.min(order.length, from + limit);
  const routineIndex = new Map<number, number>();
  const routines: { module: string; function: string }[] = [];
  const result = {
    id: [] as number[],
    cpu: [] as number[],
    type: [] as number[],
    routine: [] as number[],
    enterNs: [] as number[],
    durationNs: [] as number[],
    exclusiveNs: [] as number[],
    fragments: [] as number[],
  };
  const symbols = model.symbols;
  for (let p = from; p < to; p++) {
    const i = order[p]!;
    const routine = model.dpc.routine[i]!;
    let r = routineIndex.get(routine);
    if (r === undefined) {
      const func = symbols.routineFunc[routine]!;
      r = routines.length;
      routines.push({
        module: model.dict.modules[symbols.funcModule[func]!] ?? 'Unknown',
        function: symbols.functionName(func),
      });
      routineIndex.set(routine, r);
    }
    result.id.push(i);
    result.cpu.push(cpuOf[p]!);
    result.type.push(model.dpc.kind[i]!);
    result.routine.push(r);
    result.enterNs.push(model.dpc.enter[i]!);
    result.durationNs.push(model.dpc.duration[i]!);
    result.exclusiveNs.push(dpcExclusive(model.dpc, i));
    result.fragments.push(dpcFragments(model.dpc, i));
  }
  return {
    kind: 'dpcEvents',
    total: order.length,
    offset: from,
    routines,
    ...result,
    ...(located !== undefined ? { located } : {}),
  };
}
