// Filter slice: CPU selection in the legend and the filters "Filter to Selection" / "Filter Out
// Selection" build (CPUs, and pivot column values from the row context menu). Every filter change
// pushes the previous FilterState on an undo stack.

import type { StateCreator } from 'zustand/vanilla';
import type { GroupColumn } from '../../shared/contract.js';
import { EMPTY_FILTERS } from './defaults.js';
import type { AllSlices, FilterSlice, FilterState } from './slices.js';

/** Undo depth for filters; plenty for interactive use, bounded so the store never grows unbounded. */
const MAX_FILTER_UNDO = 50;

const sortedUnique = (values: Iterable<number>): number[] => [...new Set(values)].sort((a, b) => a - b);

/** CPUs a query should cover, or undefined for all of them. */
export function effectiveCpus(filters: FilterState, cpuCount: number): number[] | undefined {
  const filter = filters.cpuFilter;
  if (filter === undefined) {
    return undefined;
  }
  if (filter.mode === 'include') {
    return [...filter.cpus];
  }
  const excluded = new Set(filter.cpus);
  return Array.from({ length: cpuCount }, (_, cpu) => cpu).filter((cpu) => !excluded.has(cpu));
}

/** The CPUs the graphs and tables show: the filter's, or all of them without one. */
export function shownCpusOf(filters: FilterState, cpuCount: number): number[] {
  return effectiveCpus(filters, cpuCount) ?? Array.from({ length: cpuCount }, (_, cpu) => cpu);
}

/** Keep only (include) or also drop (exclude) these CPUs, combined with the current CPU filter. */
function withCpus(filters: FilterState, cpus: readonly number[], mode: 'include' | 'exclude'): FilterState {
  const current = filters.cpuFilter;
  if (mode === 'include') {
    return { ...filters, cpuFilter: { mode: 'include', cpus: sortedUnique(cpus) } };
  }
  const cpuFilter =
    current?.mode === 'include'
      ? { mode: 'include' as const, cpus: current.cpus.filter((c) => !cpus.includes(c)) }
      : { mode: 'exclude' as const, cpus: sortedUnique([...(current?.cpus ?? []), ...cpus]) };
  return { ...filters, cpuFilter };
}

/** Include replaces the column's kept values; exclude adds to its dropped values. */
function withColumn(
  filters: FilterState,
  column: GroupColumn,
  values: readonly string[],
  mode: 'include' | 'exclude',
): FilterState {
  const bucket = mode === 'include' ? filters.include : filters.exclude;
  const merged = mode === 'include' ? [...values] : [...new Set([...(bucket[column] ?? []), ...values])];
  return { ...filters, [mode]: { ...bucket, [column]: merged } };
}

export const createFilterSlice: StateCreator<AllSlices, [], [], FilterSlice> = (set, get) => {
  const pushFilters = (next: FilterState): void => {
    const { filters, filterUndo } = get();
    set({ filters: next, filterUndo: [...filterUndo, filters].slice(-MAX_FILTER_UNDO) });
  };
  return {
    selectedCpus: [],
    cpuAnchor: undefined,
    filters: EMPTY_FILTERS,
    filterUndo: [],
    clickCpu: (cpu, modifiers) => {
      const { selectedCpus, cpuAnchor } = get();
      if (modifiers.shift === true && cpuAnchor !== undefined) {
        const low = Math.min(cpuAnchor, cpu);
        const high = Math.max(cpuAnchor, cpu);
        const range = Array.from({ length: high - low + 1 }, (_, i) => low + i);
        set({ selectedCpus: sortedUnique(modifiers.ctrl === true ? [...selectedCpus, ...range] : range) });
        return;
      }
      if (modifiers.ctrl === true) {
        const next = selectedCpus.includes(cpu)
          ? selectedCpus.filter((c) => c !== cpu)
          : [...selectedCpus, cpu];
        set({ selectedCpus: sortedUnique(next), cpuAnchor: cpu });
        return;
      }
      const onlyThis = selectedCpus.length === 1 && selectedCpus[0] === cpu;
      set({ selectedCpus: onlyThis ? [] : [cpu], cpuAnchor: cpu });
    },
    filterToSelectedCpus: () => {
      const { selectedCpus, filters } = get();
      if (selectedCpus.length === 0) {
        return;
      }
      pushFilters(withCpus(filters, selectedCpus, 'include'));
      set({ selectedCpus: [], cpuAnchor: undefined });
    },
    filterOutSelectedCpus: () => {
      const { selectedCpus, filters } = get();
      if (selectedCpus.length === 0) {
        return;
      }
      pushFilters(withCpus(filters, selectedCpus, 'exclude'));
      set({ selectedCpus: [], cpuAnchor: undefined });
    },
    filterColumn: (column, values, mode) => get().filterColumns([{ column, values }], mode),
    filterColumns: (entries, mode) => {
      const usable = entries.filter((entry) => entry.values.length > 0);
      if (usable.length === 0) {
        return;
      }
      let next = get().filters;
      for (const { column, values } of usable) {
        next =
          column === 'cpu'
            ? withCpus(next, values.map(Number).filter(Number.isInteger), mode)
            : withColumn(next, column, values, mode);
      }
      pushFilters(next); // one undo step for the whole row path
    },
    clearFilters: () => {
      const { filters } = get();
      if (
        filters.cpuFilter === undefined &&
        Object.keys(filters.include).length === 0 &&
        Object.keys(filters.exclude).length === 0
      ) {
        return;
      }
      pushFilters(EMPTY_FILTERS);
    },
    undoFilter: () => {
      const { filterUndo } = get();
      if (filterUndo.length === 0) {
        return;
      }
      set({ filters: filterUndo[filterUndo.length - 1], filterUndo: filterUndo.slice(0, -1) });
    },
  };
};
