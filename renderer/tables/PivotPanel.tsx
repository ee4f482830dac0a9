// Pivot tables (WPA's analysis tables): tabs per table (plus the Stacks tab, renderer/stacks/, and
// the Power tab, renderer/power/), a
// gold-bar grouping area — grouped columns left of the gold bar, dragged (or clicked) from the
// available columns — a column chooser, sort by any header, expand/collapse groups, virtualized
// rows, and a right-click menu on any row: Filter to Selection / Filter Out / Show stacks / Copy.
// The engine groups and aggregates; this only lays out.

import { treeNavigationKey } from './tree-keys.js';
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  DPC_BUDGET_NS,
  TABLE_COLUMNS,
  type GroupColumn,
  type PivotResult,
  type SortKey,
  type TableId,
} from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { exportCsv } from '../app/actions.js';
import { formatCount, formatMs, formatPercent, formatUs } from '../format.js';
import { ALL_AGGREGATE_COLUMNS, AGGREGATE_LABELS } from '../state/defaults.js';
import { pivotQuery } from '../state/queries.js';
import { PATH_SEPARATOR, type AggregateColumn } from '../state/slices.js';
import { useApp, useQueryInputs } from '../state/store.js';
import { COLUMN_LABELS } from '../components/column-labels.js';
import { stackPreset } from '../state/stack-presets.js';
import type { StackPresetId } from '../state/slices.js';
import { StackPanel } from '../stacks/StackPanel.js';
import { PowerPanel, PowerTab } from '../power/PowerPanel.js';
import { ThreadsPanel } from '../threads/ThreadsPanel.js';
import { flattenPivot, rowsToText, type FlatRow } from './flatten.js';
import { EventRows, eventRowsHeight } from './EventRows.js';
import { useDismiss } from '../components/use-dismiss.js';
import { eventGroupKeys } from '../timeline/dpc-events.js';

/** Row height in px: fits one line of 13 px text with padding; the virtualizer needs it fixed. */
const ROW_HEIGHT = 24;
/** Rows rendered beyond the visible ones, so fast scrolling doesn't show blank space. */
const OVERSCAN_ROWS = 12;
const DRAG_MIME = 'application/x-etlscope-column';
/** Room the row context menu needs (up to 6 items, max-width 520 px): it opens up/left near the edges. */
const CONTEXT_MENU_HEIGHT = 200;
const CONTEXT_MENU_WIDTH = 420;

const TABLE_TITLES: Readonly<Record<TableId, string>> = {
  dpcIsr: 'DPC/ISR',
  cpuPrecise: 'CPU usage (precise)',
  cpuSampled: 'CPU usage (sampled)',
  idleStates: 'Idle states',
};

function formatAggregate(column: AggregateColumn, value: number): string {
  switch (column) {
    case 'count':
    case 'overBudget':
      return formatCount(value);
    case 'totalMs':
      return formatMs(value);
    case 'percent':
      return formatPercent(value);
    default:
      return formatUs(value);
  }
}

function displayKey(column: GroupColumn, key: string): string {
  return column === 'cpu' && /^\d+$/.test(key) ? `CPU ${key}` : key;
}

interface MenuState {
  readonly x: number;
  readonly y: number;
  readonly row: FlatRow;
}

/** The stack presets a pivot row leads to ("Show stacks"), with the group path to open in each. */
export function stackLinksFor(
  table: TableId,
  groupBy: readonly GroupColumn[],
  keys: readonly string[],
): { preset: StackPresetId; reveal: string[] }[] {
  const valueOf = (column: GroupColumn) => {
    const at = groupBy.indexOf(column);
    return at >= 0 && at < keys.length ? keys[at] : undefined;
  };
  const module = valueOf('module');
  const fn = valueOf('function');
  const process = valueOf('process');
  const links: { preset: StackPresetId; reveal: string[] }[] = [];
  if (table === 'dpcIsr' && module !== undefined) {
    links.push({ preset: 'dpcIsrUsageByModule', reveal: [module] });
    links.push({ preset: 'dpcIsrDurationByFunction', reveal: fn !== undefined ? [module, fn] : [module] });
  }
  if ((table === 'cpuSampled' || table === 'cpuPrecise') && process !== undefined) {
    links.push({ preset: 'utilizationByProcess', reveal: [process] });
  }
  return links;
}

function GoldBar({ table }: { table: TableId }) {
  const layout = useApp((s) => s.layouts[table]);
  const addGroupColumn = useApp((s) => s.addGroupColumn);
  const removeGroupColumn = useApp((s) => s.removeGroupColumn);
  const setColumnVisible = useApp((s) => s.setColumnVisible);
  const [dropIndex, setDropIndex] = useState<number | undefined>(undefined);
  /** Where the column chooser opens: above its button, fixed, so no panel edge clips it. */
  const [chooserAt, setChooserAt] = useState<{ right: number; bottom: number } | undefined>(undefined);
  const chooserOpen = chooserAt !== undefined;
  const chooserBox = useRef<HTMLDivElement>(null);
  // The chooser closes on Escape and on a press anywhere outside it (its button toggles it).
  useEffect(() => {
    if (!chooserOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        setChooserAt(undefined);
      }
    };
    const onDown = (event: MouseEvent) => {
      if (chooserBox.current !== null && !chooserBox.current.contains(event.target as Node))
        setChooserAt(undefined);
    };
    globalThis.addEventListener('keydown', onKey, true);
    globalThis.addEventListener('mousedown', onDown, true);
    return () => {
      globalThis.removeEventListener('keydown', onKey, true);
      globalThis.removeEventListener('mousedown', onDown, true);
    };
  }, [chooserOpen]);
  const available = TABLE_COLUMNS[table].filter((c) => !layout.groupBy.includes(c));

  const startDrag = (column: GroupColumn) => (event: DragEvent) => {
    event.dataTransfer.setData(DRAG_MIME, column);
    event.dataTransfer.effectAllowed = 'move';
  };
  const acceptDrag = (index: number) => (event: DragEvent) => {
    if (event.dataTransfer.types.includes(DRAG_MIME)) {
      event.preventDefault();
      event.stopPropagation();
      setDropIndex(index);
    }
  };
  const dropAt = (index: number) => (event: DragEvent) => {
    const column = event.dataTransfer.getData(DRAG_MIME) as GroupColumn;
    setDropIndex(undefined);
    if (column) {
      event.preventDefault();
      event.stopPropagation();
      addGroupColumn(table, column, index);
    }
  };
  const dropOnAvailable = (event: DragEvent) => {
    const column = event.dataTransfer.getData(DRAG_MIME) as GroupColumn;
    if (column && layout.groupBy.includes(column)) {
      event.preventDefault();
      removeGroupColumn(table, column);
    }
  };

  return (
    <div className="goldbar-row">
      <div
        className="group-zone"
        data-testid="group-zone"
        onDragOver={acceptDrag(layout.groupBy.length)}
        onDragLeave={() => setDropIndex(undefined)}
        onDrop={dropAt(layout.groupBy.length)}
      >
        <span className="zone-label">Group by</span>
        {layout.groupBy.length === 0 && <span className="zone-empty">drag columns here</span>}
        {layout.groupBy.map((column, index) => (
          <span
            key={column}
            className={`group-chip${dropIndex === index ? ' drop-before' : ''}`}
            draggable
            onDragStart={startDrag(column)}
            onDragOver={acceptDrag(index)}
            onDrop={dropAt(index)}
            data-testid={`group-chip-${column}`}
          >
            {index > 0 && <span className="chevron">›</span>}
            {COLUMN_LABELS[column]}
            <button
              type="button"
              className="chip-remove"
              onClick={() => removeGroupColumn(table, column)}
              aria-label={`Stop grouping by ${COLUMN_LABELS[column]}`}
            >
              ×
            </button>
          </span>
        ))}
        <span
          className={dropIndex === layout.groupBy.length ? 'group-zone-end active' : 'group-zone-end'}
          onDragOver={acceptDrag(layout.groupBy.length)}
          onDrop={dropAt(layout.groupBy.length)}
          data-testid="group-zone-end"
        />
      </div>
      <div className="gold-bar" title="Columns left of the gold bar group the rows" />
      <div
        className="available-zone"
        onDragOver={(e) => e.dataTransfer.types.includes(DRAG_MIME) && e.preventDefault()}
        onDrop={dropOnAvailable}
      >
        {available.map((column) => (
          <button
            type="button"
            key={column}
            className="available-chip"
            draggable
            onDragStart={startDrag(column)}
            onClick={() => addGroupColumn(table, column)}
            title={`Drag to the gold bar (or click) to group by ${COLUMN_LABELS[column]}`}
            data-testid={`available-chip-${column}`}
          >
            + {COLUMN_LABELS[column]}
          </button>
        ))}
      </div>
      <div className="chooser" ref={chooserBox}>
        <button
          type="button"
          className="button"
          onClick={(event) => {
            const rect = event.currentTarget.getBoundingClientRect();
            setChooserAt((open) =>
              open
                ? undefined
                : {
                    right: globalThis.innerWidth - rect.right,
                    bottom: globalThis.innerHeight - rect.top + 4,
                  },
            );
          }}
          aria-expanded={chooserOpen}
          data-testid="column-chooser"
        >
          Columns ▾
        </button>
        {chooserOpen && (
          <div
            className="popover chooser-menu"
            style={{ position: 'fixed', top: 'auto', ...chooserAt }}
            data-testid="column-chooser-menu"
          >
            {ALL_AGGREGATE_COLUMNS.map((column) => (
              <label key={column}>
                <input
                  type="checkbox"
                  checked={layout.columns.includes(column)}
                  onChange={(e) => setColumnVisible(table, column, e.target.checked)}
                />
                {AGGREGATE_LABELS[column]}
              </label>
            ))}
          </div>
        )}
      </div>
      <button
        type="button"
        className="button"
        onClick={() => void exportCsv('pivot')}
        title="The table as grouped here, as CSV"
        data-testid="export-grouping"
      >
        Export grouping
      </button>
    </div>
  );
}

function PivotTable({
  table,
  result,
  loading,
}: {
  table: TableId;
  result: PivotResult | undefined;
  loading: boolean;
}) {
  const layout = useApp((s) => s.layouts[table]);
  const sortBy = useApp((s) => s.sortBy);
  const toggleExpanded = useApp((s) => s.toggleExpanded);
  const filterColumn = useApp((s) => s.filterColumn);
  const filterColumns = useApp((s) => s.filterColumns);
  const showStacks = useApp((s) => s.showStacks);
  const hasStacks = useApp((s) => s.summary?.recorded.stackWalk === true);
  const [menu, setMenu] = useState<MenuState | undefined>(undefined);
  const [selectedPath, setSelectedPath] = useState<string | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const groupBy = result?.groupBy ?? layout.groupBy;
  const expanded = useMemo(() => new Set(layout.expanded), [layout.expanded]);
  const rows = useMemo(
    () =>
      result ? flattenPivot(result.rows, groupBy, expanded, result.omittedRows, table === 'dpcIsr') : [],
    [result, groupBy, expanded, table],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => {
      const events = rows[index]?.events;
      return events !== undefined ? eventRowsHeight(events) : ROW_HEIGHT;
    },
    getItemKey: (index) => rows[index]?.path ?? index,
    overscan: OVERSCAN_ROWS,
  });
  // An event selected on the timeline or in the headline: open its leaf group, then scroll to it
  // (EventRows scrolls inside the group to the event's row).
  const eventReveal = useApp((s) => (table === 'dpcIsr' ? s.eventReveal : undefined));
  const expandPaths = useApp((s) => s.expandPaths);
  const revealKeys = eventReveal !== undefined ? eventGroupKeys(eventReveal.event, groupBy) : undefined;
  const revealPath = revealKeys?.join(PATH_SEPARATOR);
  const scrolledFor = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (revealKeys === undefined || revealKeys.length === 0) return;
    expandPaths(
      table,
      revealKeys.map((_, depth) => revealKeys.slice(0, depth + 1).join(PATH_SEPARATOR)),
    );
    // Once per reveal (the keys are recomputed every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [eventReveal?.seq, revealPath]);
  useEffect(() => {
    if (eventReveal === undefined || revealPath === undefined || scrolledFor.current === eventReveal.seq)
      return;
    const index = rows.findIndex((r) => r.path === revealPath);
    if (index < 0 || rows[index + 1]?.events === undefined) return;
    scrolledFor.current = eventReveal.seq;
    setSelectedPath(revealPath);
    virtualizer.scrollToIndex(index, { align: 'start' });
  }, [eventReveal, revealPath, rows, virtualizer]);
  const columns = layout.columns;
  const template = `minmax(220px, 1fr) repeat(${columns.length}, minmax(78px, 104px))`;
  const budgetUs = DPC_BUDGET_NS / 1000;

  useDismiss(menu !== undefined, () => setMenu(undefined));

  const header = (key: SortKey, label: string, className: string) => (
    <button
      type="button"
      className={`th ${className}${layout.sortBy === key ? ' sorted' : ''}`}
      onClick={() => sortBy(table, key)}
      title={`Sort by ${label}`}
      data-testid={`sort-${key}`}
    >
      {label}
      {layout.sortBy === key ? (layout.descending ? ' ▼' : ' ▲') : ''}
    </button>
  );

  /** Keyboard in the table: ↑/↓ (Home/End) move, → expands (or steps in), ← collapses (or steps out), Enter toggles. */
  const onKeyDown = (event: ReactKeyboardEvent) => {
    const row = rows.find((r) => r.path === selectedPath);
    let handled = treeNavigationKey(event.key, rows, selectedPath, {
      select: (index) => {
        setSelectedPath(rows[index]!.path);
        virtualizer.scrollToIndex(index);
      },
      toggle: (r) => toggleExpanded(table, r.path),
      parentPath: (r) => r.keys.slice(0, -1).join(PATH_SEPARATOR),
    });
    if (event.key === 'Enter') {
      if (row?.expandable === true) toggleExpanded(table, row.path);
      handled = true;
    }
    if (!handled) return;
    event.preventDefault();
    event.stopPropagation(); // Enter here is not "zoom to selection"
  };

  const openMenu = (row: FlatRow) => (event: ReactMouseEvent) => {
    if (row.aggregates === undefined) {
      return;
    }
    event.preventDefault();
    setSelectedPath(row.path);
    setMenu({ x: event.clientX, y: event.clientY, row });
  };
  const filterTo = (row: FlatRow) => {
    // Keep the whole path: Module = ndis.sys and Function = ndisInterruptDpc.
    filterColumns(
      row.keys.map((key, depth) => ({ column: groupBy[depth], values: [key] })),
      'include',
    );
  };

  return (
    <div className="pivot" data-testid={`pivot-${table}`}>
      <div className="pivot-head" style={{ gridTemplateColumns: template }}>
        {header(
          'key',
          groupBy.length > 0 ? groupBy.map((c) => COLUMN_LABELS[c]).join(' › ') : 'All rows',
          'th-key',
        )}
        {columns.map((column) => header(column, AGGREGATE_LABELS[column], 'num'))}
      </div>
      {result !== undefined && (
        <div className="pivot-row total" style={{ gridTemplateColumns: template }} data-testid="pivot-total">
          <span className="cell-key">Total (range and filters)</span>
          {columns.map((column) => (
            <span key={column} className="num" data-col={column} data-value={result.total[column]}>
              {formatAggregate(column, result.total[column])}
            </span>
          ))}
        </div>
      )}
      <div
        className="pivot-body"
        ref={scroller}
        tabIndex={0}
        role="treegrid"
        aria-label="Pivot table"
        onKeyDown={onKeyDown}
        data-testid="pivot-body"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            const a = row.aggregates;
            if (row.events !== undefined) {
              return (
                <div
                  key={row.path}
                  className="pivot-events"
                  style={{
                    transform: `translateY(${item.start}px)`,
                    height: item.size,
                    paddingLeft: 6 + row.depth * 18,
                  }}
                >
                  <EventRows
                    groupBy={groupBy}
                    keys={row.keys}
                    count={row.events}
                    reveal={
                      eventReveal !== undefined && row.keys.join(PATH_SEPARATOR) === revealPath
                        ? { id: eventReveal.event.id, seq: eventReveal.seq }
                        : undefined
                    }
                  />
                </div>
              );
            }
            return (
              <div
                key={row.path}
                className={`pivot-row${selectedPath === row.path ? ' selected' : ''}${row.omitted !== undefined ? ' omitted' : ''}`}
                style={{
                  gridTemplateColumns: template,
                  transform: `translateY(${item.start}px)`,
                  height: ROW_HEIGHT,
                }}
                onClick={() => {
                  setSelectedPath(row.path);
                  if (row.expandable) {
                    toggleExpanded(table, row.path);
                  }
                }}
                onContextMenu={openMenu(row)}
                data-testid="pivot-row"
                data-depth={row.depth}
                data-key={row.key}
                data-expanded={row.expandable ? String(row.expanded) : undefined}
              >
                <span className="cell-key" style={{ paddingLeft: 6 + row.depth * 18 }} title={row.key}>
                  <span className="expander">{row.expandable ? (row.expanded ? '▾' : '▸') : ''}</span>
                  {displayKey(row.column, row.key)}
                </span>
                {a !== undefined &&
                  columns.map((column) => {
                    const value = a[column];
                    const hot =
                      table === 'dpcIsr' &&
                      ((column === 'overBudget' && value > 0) ||
                        ((column === 'avgUs' || column === 'p99Us' || column === 'maxUs') &&
                          value > budgetUs));
                    return (
                      <span
                        key={column}
                        className={hot ? 'num hot' : 'num'}
                        data-col={column}
                        data-value={value}
                      >
                        {formatAggregate(column, value)}
                      </span>
                    );
                  })}
              </div>
            );
          })}
        </div>
        {result !== undefined && rows.length === 0 && (
          <div className="pivot-empty">No rows in the visible range and filters.</div>
        )}
        {result === undefined && <div className="pivot-empty">{loading ? 'Computing…' : ''}</div>}
      </div>
      {loading && result !== undefined && <div className="pivot-updating">Updating…</div>}
      {menu !== undefined && (
        <div
          className="context-menu"
          style={{
            left: Math.min(menu.x, globalThis.innerWidth - CONTEXT_MENU_WIDTH),
            top: Math.min(menu.y, globalThis.innerHeight - CONTEXT_MENU_HEIGHT),
          }}
          role="menu"
          data-testid="context-menu"
        >
          <button type="button" role="menuitem" onClick={() => filterTo(menu.row)}>
            Filter to Selection (
            {menu.row.keys.map((k, d) => `${COLUMN_LABELS[groupBy[d]]} = ${k}`).join(', ')})
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => filterColumn(menu.row.column, [menu.row.key], 'exclude')}
          >
            Filter Out ({COLUMN_LABELS[menu.row.column]} = {menu.row.key})
          </button>
          {hasStacks &&
            stackLinksFor(table, groupBy, menu.row.keys).map((link) => (
              <button
                type="button"
                role="menuitem"
                key={link.preset}
                onClick={() => showStacks(link.preset, link.reveal)}
                data-testid={`show-stacks-${link.preset}`}
              >
                Show stacks: {stackPreset(link.preset).title} ({link.reveal.join(' › ')})
              </button>
            ))}
          <button
            type="button"
            role="menuitem"
            onClick={() => void navigator.clipboard?.writeText(rowsToText([menu.row], groupBy, columns))}
          >
            Copy row
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => void navigator.clipboard?.writeText(rowsToText(rows, groupBy, columns))}
          >
            Copy visible rows
          </button>
        </div>
      )}
    </div>
  );
}

export function PivotPanel() {
  const inputs = useQueryInputs();
  const active = useApp((s) => s.activeTable);
  const setActiveTable = useApp((s) => s.setActiveTable);
  const area = useApp((s) => s.bottomArea);
  const showTables = useApp((s) => s.showTables);
  const showStacks = useApp((s) => s.showStacks);
  const enlarged = useApp((s) => s.panelEnlarged);
  const toggleEnlarged = useApp((s) => s.togglePanelEnlarged);
  const summary = inputs.summary!;
  const tables: TableId[] = [
    'dpcIsr',
    summary.utilizationSource === 'sampled' ? 'cpuSampled' : 'cpuPrecise',
    'idleStates',
  ];
  const hasRows = (table: TableId) => (summary.tableRows[table] ?? 0) > 0;
  const stacksShown = area === 'stacks' || area === 'power';
  const hasSwitches = (summary.tableRows.cpuPrecise ?? 0) > 0;
  const threadsShown = area === 'threads' && hasSwitches;
  const showThreads = useApp((s) => s.showThreads);
  const shown = tables.includes(active) && hasRows(active) ? active : (tables.find(hasRows) ?? 'dpcIsr');
  const query =
    !stacksShown && !threadsShown && hasRows(shown)
      ? pivotQuery(inputs, shown, TABLE_COLUMNS[shown])
      : undefined;
  const { result, loading, error } = useQueryResult(`pivot-${shown}`, inputs.traceId, query);
  return (
    <section className="pivot-panel">
      <div className="tabs" role="tablist">
        {tables.map((table) => (
          <button
            type="button"
            role="tab"
            key={table}
            aria-selected={!stacksShown && !threadsShown && table === shown}
            className={!stacksShown && !threadsShown && table === shown ? 'tab active' : 'tab'}
            disabled={!hasRows(table)}
            title={hasRows(table) ? undefined : 'Not recorded in this trace'}
            onClick={() => {
              setActiveTable(table);
              showTables();
            }}
            data-testid={`tab-${table}`}
          >
            {TABLE_TITLES[table]}
            <span className="tab-count">{formatCount(summary.tableRows[table] ?? 0)}</span>
          </button>
        ))}
        <button
          type="button"
          role="tab"
          aria-selected={area === 'stacks'}
          className={area === 'stacks' ? 'tab active tab-stacks' : 'tab tab-stacks'}
          onClick={() => showStacks()}
          title={
            summary.recorded.stackWalk
              ? 'Call stacks: DPC/ISR usage by module, utilization by process, DPC/ISR durations'
              : 'This trace was recorded without stack walks'
          }
          data-testid="tab-stacks"
        >
          Stacks
          {!summary.recorded.stackWalk && <span className="tab-count">none recorded</span>}
        </button>
        <PowerTab />
        <button
          type="button"
          role="tab"
          aria-selected={threadsShown}
          className={threadsShown ? 'tab active tab-threads' : 'tab tab-threads'}
          disabled={!hasSwitches}
          onClick={showThreads}
          title={
            hasSwitches
              ? 'CPU Usage (Precise) by thread, the thread timeline, who delayed my thread'
              : 'This trace was recorded without context switches'
          }
          data-testid="tab-threads"
        >
          Threads
          {!hasSwitches && <span className="tab-count">not recorded</span>}
        </button>
        <button
          type="button"
          className="button ghost tabs-enlarge"
          onClick={toggleEnlarged}
          aria-pressed={enlarged}
          title={enlarged ? 'Show the headline and the graphs again' : 'Give this panel the graphs’ room too'}
          data-testid="panel-enlarge"
        >
          {enlarged ? '⤡ Show graphs' : '⤢ Enlarge'}
        </button>
      </div>
      {area === 'power' ? (
        <PowerPanel />
      ) : threadsShown ? (
        <ThreadsPanel />
      ) : stacksShown ? (
        <StackPanel />
      ) : (
        <>
          <GoldBar table={shown} />
          {error !== undefined && (
            <div className="notice error">Could not compute this table: {error.message}</div>
          )}
          {hasRows(shown) ? (
            <PivotTable table={shown} result={result} loading={loading} />
          ) : (
            <div className="pivot-empty">This trace recorded nothing for these tables.</div>
          )}
        </>
      )}
    </section>
  );
}
