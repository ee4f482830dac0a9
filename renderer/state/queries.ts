// Pure functions from store state to query descriptors: the store says *what* to show, these
// build the contract's queries, and data/query-client.ts fetches them (cached by descriptor).

import {
  DPC_BUDGET_NS,
  type DpcEventSort,
  type DpcEventsQuery,
  type FindQuery,
  type HistogramQuery,
  type PivotQuery,
  type QueryFilter,
  type SeriesMetric,
  type SeriesQuery,
  type StackQuery,
  type StackView,
  type TableId,
  TABLE_COLUMNS,
} from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { effectiveCpus } from './filter-slice.js';
import type { AllSlices, StackPresetId } from './slices.js';
import { stackPreset } from './stack-presets.js';
import { visibleRange } from './view-slice.js';

type FilterInputs = Pick<AllSlices, 'committedRange' | 'summary' | 'filters' | 'bucketFilter'>;

/** Rows limit per pivot level: enough for every module/function a trace has in practice, bounded. */
const PIVOT_LIMIT_PER_LEVEL = 500;

/** The filter every view shares: visible range, CPU filter, column filters (+ bucket for DPC/ISR). */
export function baseFilter(
  state: FilterInputs,
  options: { table?: TableId; range?: TimeRange } = {},
): QueryFilter {
  const cpus = effectiveCpus(state.filters, state.summary?.cpuCount ?? 0);
  const filter: { -readonly [K in keyof QueryFilter]: QueryFilter[K] } = {
    range: options.range ?? visibleRange(state),
  };
  if (cpus !== undefined) {
    filter.cpus = cpus;
  }
  if (Object.keys(state.filters.include).length > 0) {
    filter.include = state.filters.include;
  }
  if (Object.keys(state.filters.exclude).length > 0) {
    filter.exclude = state.filters.exclude;
  }
  if (options.table === 'dpcIsr' && state.bucketFilter !== undefined) {
    filter.durationNs =
      state.bucketFilter.maxNs === null || !Number.isFinite(state.bucketFilter.maxNs)
        ? { min: state.bucketFilter.minNs }
        : { min: state.bucketFilter.minNs, max: state.bucketFilter.maxNs };
  }
  return filter;
}

/** Column filters only apply to tables that have the column; drop the rest. */
function filterForTable(filter: QueryFilter, columns: readonly string[]): QueryFilter {
  const keep = (part: QueryFilter['include']) => {
    if (part === undefined) {
      return undefined;
    }
    const entries = Object.entries(part).filter(([column]) => columns.includes(column));
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  };
  const { include, exclude, ...rest } = filter;
  const inc = keep(include);
  const exc = keep(exclude);
  return { ...rest, ...(inc ? { include: inc } : {}), ...(exc ? { exclude: exc } : {}) };
}

export function pivotQuery(
  state: FilterInputs & Pick<AllSlices, 'layouts'>,
  table: TableId,
  columns: readonly string[],
): PivotQuery {
  const layout = state.layouts[table];
  return {
    kind: 'pivot',
    table,
    filter: filterForTable(baseFilter(state, { table }), columns),
    groupBy: layout.groupBy,
    sortBy: layout.sortBy,
    descending: layout.descending,
    limitPerLevel: PIVOT_LIMIT_PER_LEVEL,
  };
}

export function histogramQuery(state: FilterInputs & Pick<AllSlices, 'histogramScheme'>): HistogramQuery {
  // The histogram shows every duration (not the clicked bucket) so the other bars stay clickable.
  return {
    kind: 'histogram',
    table: 'dpcIsr',
    filter: filterForTable(baseFilter(state), ['cpu', 'type', 'module', 'function']),
    scheme: state.histogramScheme,
  };
}

export function seriesQuery(
  state: FilterInputs,
  metric: SeriesMetric,
  window: { range: TimeRange; buckets: number },
  options: { bucketOnly?: boolean } = {},
): SeriesQuery {
  const columns =
    metric === 'dpcIsrTime' || metric === 'dpcDurations' ? ['cpu', 'type', 'module', 'function'] : ['cpu'];
  const filter = filterForTable(
    baseFilter(state, { table: options.bucketOnly ? 'dpcIsr' : undefined, range: window.range }),
    columns,
  );
  return { kind: 'series', metric, filter, buckets: window.buckets, decimals: SERIES_DECIMALS };
}

/** Series values as the graphs need them: 0.01 % of a bucket, 10 ns of a duration — far below a
 *  pixel or a colour step, and a third of the JSON of full precision (contract SeriesQuery.decimals). */
const SERIES_DECIMALS = 2;

export function findOverBudgetQuery(
  state: FilterInputs,
  from: number,
  direction: 'next' | 'previous',
): FindQuery {
  const filter = filterForTable(baseFilter(state, { table: 'dpcIsr' }), [
    'cpu',
    'type',
    'module',
    'function',
  ]);
  // Search the whole trace (not only the zoomed range): the point is to find the next one.
  const { range: _range, ...rest } = filter;
  return {
    kind: 'find',
    table: 'dpcIsr',
    filter: rest,
    from: from as FindQuery['from'],
    direction,
    overBudgetOnly: true,
  };
}

/** The guideline line drawn on the DPC duration graph, in µs. */
export const DPC_GUIDELINE_US = DPC_BUDGET_NS / 1000;

export interface StackQueryOptions {
  readonly view: StackView;
  /** callers / callees: the function (`module!function`). */
  readonly focus?: string;
  readonly maxNodes: number;
  /** Levels of frames below the groups (default: the engine's). */
  readonly maxDepth?: number;
  /** Override the preset's grouping (the butterfly and its function picker are ungrouped). */
  readonly groupBy?: StackQuery['groupBy'];
}

/**
 * A stack preset under the shared filter (range, CPUs, the column filters the table has, the
 * histogram bucket for DPC/ISR stacks), plus the rows the preset always leaves out.
 */
export function stackQuery(
  state: FilterInputs,
  presetId: StackPresetId,
  options: StackQueryOptions,
): StackQuery {
  const preset = stackPreset(presetId);
  const filter = filterForTable(baseFilter(state, { table: preset.table }), TABLE_COLUMNS[preset.table]);
  let exclude = filter.exclude;
  for (const [column, values] of Object.entries(preset.exclude ?? {})) {
    const key = column as keyof NonNullable<QueryFilter['exclude']>;
    const merged = [...new Set([...(exclude?.[key] ?? []), ...(values ?? [])])];
    exclude = { ...exclude, [key]: merged };
  }
  return {
    kind: 'stacks',
    table: preset.table,
    filter: { ...filter, ...(exclude !== undefined ? { exclude } : {}) },
    groupBy: options.groupBy ?? preset.groupBy,
    view: options.view,
    ...(options.focus !== undefined ? { focus: options.focus } : {}),
    ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
    maxNodes: options.maxNodes,
  };
}

/** The DPC/ISR columns a dpcEvents filter may carry (the table's group columns). */
const DPC_COLUMNS = ['cpu', 'type', 'module', 'function'];

/** Individual DPC/ISR rows under the shared filter (range, CPUs, columns, histogram bucket). */
export function dpcEventsQuery(
  state: FilterInputs,
  options: {
    range?: TimeRange;
    include?: QueryFilter['include'];
    sortBy?: DpcEventSort;
    descending?: boolean;
    offset?: number;
    limit: number;
    overlapping?: boolean;
    around?: number;
  },
): DpcEventsQuery {
  const filter = filterForTable(baseFilter(state, { table: 'dpcIsr', range: options.range }), DPC_COLUMNS);
  const include = options.include !== undefined ? { ...filter.include, ...options.include } : filter.include;
  return {
    kind: 'dpcEvents',
    filter: { ...filter, ...(include !== undefined ? { include } : {}) },
    limit: options.limit,
    ...(options.sortBy !== undefined ? { sortBy: options.sortBy } : {}),
    ...(options.descending !== undefined ? { descending: options.descending } : {}),
    ...(options.offset !== undefined && options.offset > 0 ? { offset: options.offset } : {}),
    ...(options.overlapping === true ? { overlapping: true } : {}),
    ...(options.around !== undefined ? { around: options.around } : {}),
  };
}
