// Default view for a freshly opened trace: the whole time range, no filters, and pivots laid out so
// the main finding is on screen at once (DPC/ISR by Module → Function, heaviest total time first).

import type { TableId } from '../../shared/contract.js';
import type { AggregateColumn, FilterState, PivotLayout } from './slices.js';

export const ALL_AGGREGATE_COLUMNS: readonly AggregateColumn[] = [
  'count',
  'totalMs',
  'percent',
  'avgUs',
  'minUs',
  'p50Us',
  'p90Us',
  'p99Us',
  'maxUs',
  'overBudget',
];

export const AGGREGATE_LABELS: Readonly<Record<AggregateColumn, string>> = {
  count: 'Count',
  totalMs: 'Total ms',
  percent: '% of range',
  avgUs: 'Avg µs',
  minUs: 'Min µs',
  p50Us: 'p50 µs',
  p90Us: 'p90 µs',
  p99Us: 'p99 µs',
  maxUs: 'Max µs',
  overBudget: 'Over budget',
};

export const EMPTY_FILTERS: FilterState = { cpuFilter: undefined, include: {}, exclude: {} };

export function defaultLayouts(): Record<TableId, PivotLayout> {
  return {
    dpcIsr: {
      groupBy: ['module', 'function'],
      sortBy: 'totalMs',
      descending: true,
      expanded: [],
      columns: ['count', 'totalMs', 'avgUs', 'maxUs', 'p99Us', 'overBudget'],
    },
    cpuPrecise: {
      groupBy: ['cpu', 'process'],
      sortBy: 'key',
      descending: false,
      expanded: [],
      columns: ['count', 'totalMs', 'percent'],
    },
    cpuSampled: {
      groupBy: ['cpu', 'process'],
      sortBy: 'key',
      descending: false,
      expanded: [],
      columns: ['count', 'totalMs', 'percent'],
    },
    idleStates: {
      groupBy: ['cpu', 'state'],
      sortBy: 'key',
      descending: false,
      expanded: [],
      columns: ['count', 'totalMs', 'percent', 'avgUs', 'maxUs'],
    },
  };
}
