// Turns the engine's pivot tree into the flat list of visible rows the virtualized table renders:
// a group's children follow it only when its path is expanded. Pure; O(visible rows).

import type { Aggregates, GroupColumn, PivotNode } from '../../shared/contract.js';
import { PATH_SEPARATOR } from '../state/slices.js';

export interface FlatRow {
  /** Keys from the root to this row. */
  readonly keys: readonly string[];
  /** keys joined by PATH_SEPARATOR: the expansion key and the React key. */
  readonly path: string;
  readonly depth: number;
  readonly column: GroupColumn;
  readonly key: string;
  readonly aggregates: Aggregates | undefined;
  readonly expandable: boolean;
  readonly expanded: boolean;
  /** A "… N more" placeholder for children the engine left out (limitPerLevel). */
  readonly omitted?: number;
  /** The individual rows of the opened leaf group above (`leafEvents`): keys = that group's. */
  readonly events?: number;
}

export function flattenPivot(
  rows: readonly PivotNode[],
  groupBy: readonly GroupColumn[],
  expanded: ReadonlySet<string>,
  omittedRows = 0,
  /** Leaf groups open into their individual rows (the DPC/ISR table). */
  leafEvents = false,
): FlatRow[] {
  const out: FlatRow[] = [];
  const visit = (nodes: readonly PivotNode[], parentKeys: readonly string[], omitted: number) => {
    const depth = parentKeys.length;
    const column = groupBy[depth];
    for (const node of nodes) {
      const keys = [...parentKeys, node.key];
      const path = keys.join(PATH_SEPARATOR);
      const leaf = depth + 1 >= groupBy.length;
      const expandable = leaf
        ? leafEvents && groupBy.length > 0 && node.aggregates.count > 0
        : (node.children?.length ?? 0) + (node.omittedChildren ?? 0) > 0;
      const isExpanded = expandable && expanded.has(path);
      out.push({
        keys,
        path,
        depth,
        column,
        key: node.key,
        aggregates: node.aggregates,
        expandable,
        expanded: isExpanded,
      });
      if (isExpanded && leaf) {
        out.push({
          keys,
          path: `${path}${PATH_SEPARATOR}\u0000events`,
          depth: depth + 1,
          column,
          key: '',
          aggregates: undefined,
          expandable: false,
          expanded: false,
          events: node.aggregates.count,
        });
      } else if (isExpanded) {
        visit(node.children ?? [], keys, node.omittedChildren ?? 0);
      }
    }
    if (omitted > 0) {
      const path = [...parentKeys, `…${omitted}`].join(PATH_SEPARATOR);
      out.push({
        keys: parentKeys,
        path,
        depth,
        column,
        key: `… ${omitted} more`,
        aggregates: undefined,
        expandable: false,
        expanded: false,
        omitted,
      });
    }
  };
  visit(rows, [], omittedRows);
  return out;
}

/** Tab-separated text of rows (Copy), with a header line. */
export function rowsToText(
  rows: readonly FlatRow[],
  groupBy: readonly GroupColumn[],
  columns: readonly (keyof Aggregates)[],
): string {
  const header = [groupBy.join(' > '), ...columns].join('\t');
  const lines = rows
    .filter((row) => row.aggregates !== undefined)
    .map((row) =>
      [`${'  '.repeat(row.depth)}${row.key}`, ...columns.map((c) => String(row.aggregates![c]))].join('\t'),
    );
  return [header, ...lines].join('\n');
}
