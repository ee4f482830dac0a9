// Keyboard moves in a virtualized tree table (the pivot and the stack tree share them):
// ↑/↓, Home/End, PageUp/PageDown move the selection; → expands or steps into the first child;
// ← collapses or steps out to the parent. Pure: the table says how to select, toggle and find a
// parent; this returns whether it handled the key (the caller then prevents the default).

export interface TreeRowLike {
  readonly path: string;
  readonly depth: number;
  readonly expandable: boolean;
  readonly expanded: boolean;
}

export interface TreeKeyActions<R extends TreeRowLike> {
  /** Select row `index` (already clamped to the rows) and scroll it into view. */
  select(index: number): void;
  toggle(row: R): void;
  /** Path of a row's parent. */
  parentPath(row: R): string;
  /** Rows one PageUp/PageDown moves (a screenful less one); 0 disables those keys. */
  readonly pageRows?: number;
}

/** Handles a navigation key over `rows` with `selected` selected; false for any other key. */
export function treeNavigationKey<R extends TreeRowLike>(
  key: string,
  rows: readonly R[],
  selected: string | undefined,
  actions: TreeKeyActions<R>,
): boolean {
  const index = rows.findIndex((r) => r.path === selected);
  const row = index >= 0 ? rows[index] : undefined;
  const select = (next: number) => {
    if (rows.length > 0) actions.select(Math.min(Math.max(next, 0), rows.length - 1));
  };
  const page = Math.max(1, actions.pageRows ?? 0);
  switch (key) {
    case 'ArrowDown':
      select(index + 1);
      return true;
    case 'ArrowUp':
      select(index < 0 ? 0 : index - 1);
      return true;
    case 'Home':
      select(0);
      return true;
    case 'End':
      select(rows.length - 1);
      return true;
    case 'PageDown':
      if (actions.pageRows === undefined) return false;
      select(index + page);
      return true;
    case 'PageUp':
      if (actions.pageRows === undefined) return false;
      select(index - page);
      return true;
    case 'ArrowRight':
      if (row?.expandable === true && !row.expanded) actions.toggle(row);
      else select(index + 1);
      return true;
    case 'ArrowLeft':
      if (row?.expanded === true) actions.toggle(row);
      else if (row !== undefined && row.depth > 0) {
        const parent = actions.parentPath(row);
        select(rows.findIndex((r) => r.path === parent));
      }
      return true;
    default:
      return false;
  }
}
