// Pivot slice: per table, the gold-bar grouping (ordered group-by columns), sort, expanded groups
// and the visible aggregate columns. The engine does the grouping; this is only the layout that
// generates the PivotQuery (see queries.ts).

import type { StateCreator } from 'zustand/vanilla';
import { TABLE_COLUMNS, type TableId } from '../../shared/contract.js';
import { ALL_AGGREGATE_COLUMNS, defaultLayouts } from './defaults.js';
import type { AllSlices, PivotLayout, PivotSlice } from './slices.js';

export const createPivotSlice: StateCreator<AllSlices, [], [], PivotSlice> = (set, get) => {
  const update = (table: TableId, change: (layout: PivotLayout) => PivotLayout): void => {
    const layouts = get().layouts;
    set({ layouts: { ...layouts, [table]: change(layouts[table]) } });
  };
  return {
    activeTable: 'dpcIsr',
    layouts: defaultLayouts(),
    setActiveTable: (table) => set({ activeTable: table }),
    setGroupBy: (table, groupBy) =>
      update(table, (layout) => ({
        ...layout,
        groupBy: groupBy.filter((c, i) => TABLE_COLUMNS[table].includes(c) && groupBy.indexOf(c) === i),
        expanded: [],
      })),
    addGroupColumn: (table, column, index) =>
      update(table, (layout) => {
        if (!TABLE_COLUMNS[table].includes(column)) {
          return layout;
        }
        const rest = layout.groupBy.filter((c) => c !== column);
        const at = Math.min(Math.max(index ?? rest.length, 0), rest.length);
        return { ...layout, groupBy: [...rest.slice(0, at), column, ...rest.slice(at)], expanded: [] };
      }),
    removeGroupColumn: (table, column) =>
      update(table, (layout) => ({
        ...layout,
        groupBy: layout.groupBy.filter((c) => c !== column),
        expanded: [],
      })),
    sortBy: (table, key) =>
      update(table, (layout) =>
        layout.sortBy === key
          ? { ...layout, descending: !layout.descending }
          : { ...layout, sortBy: key, descending: key !== 'key' },
      ),
    toggleExpanded: (table, path) =>
      update(table, (layout) => ({
        ...layout,
        expanded: layout.expanded.includes(path)
          ? layout.expanded.filter((p) => p !== path)
          : [...layout.expanded, path],
      })),
    expandPaths: (table, paths) =>
      update(table, (layout) => ({
        ...layout,
        expanded: [...layout.expanded, ...paths.filter((p) => !layout.expanded.includes(p))],
      })),
    setColumnVisible: (table, column, visible) =>
      update(table, (layout) => ({
        ...layout,
        columns: ALL_AGGREGATE_COLUMNS.filter((c) => (c === column ? visible : layout.columns.includes(c))),
      })),
  };
};
