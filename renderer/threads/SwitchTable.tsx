// CPU Usage (Precise) as WPA's pivot: the engine groups context switches (switchPivot) by the
// chosen columns; this lays out Count, CPU Usage (ms), Ready (µs) sum/avg/max and Waits (µs) sum,
// sortable by any header, groups that expand, thread ids shown with their names. A leaf group opens
// into its individual switch rows (switchRows, fetched 200 at a time, virtualized) with WPA's
// column names. Right-click a thread row (or its ⏱ button) → "Who delayed this thread".

import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import {
  SWITCH_COLUMN_TITLES,
  type SchedFilter,
  type SwitchAggregates,
  type SwitchColumn,
  type SwitchPivotResult,
  type SwitchRow,
} from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { useDismiss } from '../components/use-dismiss.js';
import { formatCount, formatMs, formatUs } from '../format.js';
import { useApp } from '../state/store.js';
import {
  SWITCH_ROW_COLUMNS,
  flattenSwitchPivot,
  pathFilter,
  rowMatches,
  switchKeyLabel,
  switchRowCell,
  type SwitchFlatRow,
  type ThreadNames,
} from './thread-model.js';

/** Row height in px as the other pivots (the virtualizer needs it fixed). */
const ROW_HEIGHT = 24;
/** Rows rendered beyond the visible ones, so fast scrolling doesn't show blank space. */
const OVERSCAN_ROWS = 12;
/** Switch rows shown inside the pivot before their list scrolls on its own. */
const SWITCH_ROWS_SHOWN = 10;
const SWITCH_ROW_PX = 22;
/** One fetched window of switch rows (a screen of scrolling stays inside it). */
const SWITCH_WINDOW = 200;
/** Windows start on multiples of this, so small scrolls ask for the same window. */
const SWITCH_WINDOW_STEP = 100;

export type SwitchSort = keyof SwitchAggregates | 'key';

export const AGGREGATE_COLUMNS: readonly { id: keyof SwitchAggregates; label: string }[] = [
  { id: 'count', label: 'Count' },
  { id: 'cpuUsageMs', label: 'CPU Usage (ms)' },
  { id: 'readyUsSum', label: 'Ready sum (µs)' },
  { id: 'readyUsAvg', label: 'Ready avg (µs)' },
  { id: 'readyUsMax', label: 'Ready max (µs)' },
  { id: 'waitsUsSum', label: 'Waits sum (µs)' },
];

const formatAggregate = (id: keyof SwitchAggregates, v: number) =>
  id === 'count' ? formatCount(v) : id === 'cpuUsageMs' ? formatMs(v) : formatUs(v);

const switchRowsHeight = (count: number) =>
  24 + Math.max(1, Math.min(count, SWITCH_ROWS_SHOWN)) * SWITCH_ROW_PX + 6;

export function SwitchTable({
  result,
  loading,
  groupBy,
  sort,
  onSort,
  expanded,
  onToggle,
  filter,
  names,
  onDelays,
}: {
  result: SwitchPivotResult | undefined;
  loading: boolean;
  groupBy: readonly SwitchColumn[];
  sort: { by: SwitchSort; descending: boolean };
  onSort: (by: SwitchSort) => void;
  expanded: ReadonlySet<string>;
  onToggle: (path: string) => void;
  filter: SchedFilter;
  names: ThreadNames;
  onDelays: (threadId: number) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [menu, setMenu] = useState<{ x: number; y: number; threadId: number; label: string } | undefined>();
  useDismiss(menu !== undefined, () => setMenu(undefined));
  const shownGroupBy = result?.groupBy ?? groupBy;
  const rows = useMemo(
    () => (result ? flattenSwitchPivot(result.rows, shownGroupBy, expanded, result.omittedRows) : []),
    [result, shownGroupBy, expanded],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => {
      const n = rows[i]?.switches;
      return n !== undefined ? switchRowsHeight(n) : ROW_HEIGHT;
    },
    getItemKey: (i) => rows[i]?.path ?? i,
    overscan: OVERSCAN_ROWS,
  });
  const template = `minmax(240px, 1fr) repeat(${AGGREGATE_COLUMNS.length}, minmax(92px, 116px))`;
  const threadOf = (row: SwitchFlatRow): number | undefined => {
    const at = shownGroupBy.indexOf('newThreadId');
    const key = at >= 0 ? row.keys[at] : undefined;
    return key !== undefined && /^\d+$/.test(key) && key !== '0' ? Number(key) : undefined;
  };
  const header = (by: SwitchSort, label: string, className: string) => (
    <button
      type="button"
      key={by}
      className={`th ${className}${sort.by === by ? ' sorted' : ''}`}
      onClick={() => onSort(by)}
      title={`Sort by ${label}`}
      data-testid={`switch-sort-${by}`}
    >
      {label}
      {sort.by === by ? (sort.descending ? ' ▼' : ' ▲') : ''}
    </button>
  );
  const openMenu = (row: SwitchFlatRow) => (event: ReactMouseEvent) => {
    const tid = threadOf(row);
    if (tid === undefined) return;
    event.preventDefault();
    setMenu({
      x: event.clientX,
      y: event.clientY,
      threadId: tid,
      label: switchKeyLabel('newThreadId', String(tid), names),
    });
  };
  return (
    <div className="pivot" data-testid="switch-pivot">
      <div className="pivot-head" style={{ gridTemplateColumns: template }}>
        {header(
          'key',
          shownGroupBy.length > 0 ? shownGroupBy.map((c) => SWITCH_COLUMN_TITLES[c]).join(' › ') : 'All rows',
          'th-key',
        )}
        {AGGREGATE_COLUMNS.map((c) => header(c.id, c.label, 'num'))}
      </div>
      {result !== undefined && (
        <div className="pivot-row total" style={{ gridTemplateColumns: template }} data-testid="switch-total">
          <span className="cell-key">Total (range and CPUs)</span>
          {AGGREGATE_COLUMNS.map((c) => (
            <span key={c.id} className="num" data-col={c.id} data-value={result.total[c.id]}>
              {formatAggregate(c.id, result.total[c.id])}
            </span>
          ))}
        </div>
      )}
      <div
        className="pivot-body"
        ref={scroller}
        tabIndex={0}
        role="treegrid"
        aria-label="CPU Usage (Precise)"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            if (row.switches !== undefined) {
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
                  <SwitchRows groupBy={shownGroupBy} keys={row.keys} count={row.switches} filter={filter} />
                </div>
              );
            }
            const tid = threadOf(row);
            const isThreadRow = tid !== undefined && row.column === 'newThreadId';
            return (
              <div
                key={row.path}
                className={`pivot-row${selected === row.path ? ' selected' : ''}${row.omitted !== undefined ? ' omitted' : ''}`}
                style={{
                  gridTemplateColumns: template,
                  transform: `translateY(${item.start}px)`,
                  height: ROW_HEIGHT,
                }}
                onClick={() => {
                  setSelected(row.path);
                  if (row.expandable) onToggle(row.path);
                }}
                onContextMenu={openMenu(row)}
                data-testid="switch-row"
                data-depth={row.depth}
                data-key={row.key}
              >
                <span className="cell-key" style={{ paddingLeft: 6 + row.depth * 18 }} title={row.key}>
                  <span className="expander">{row.expandable ? (row.expanded ? '▾' : '▸') : ''}</span>
                  {row.omitted !== undefined ? row.key : switchKeyLabel(row.column, row.key, names)}
                  {isThreadRow && (
                    <button
                      type="button"
                      className="link-button thread-delays-button"
                      onClick={(e) => {
                        e.stopPropagation();
                        onDelays(tid);
                      }}
                      title="Who delayed this thread: its ready time by DPC/ISR module and by thread"
                      data-testid="thread-delays-button"
                    >
                      who delayed it?
                    </button>
                  )}
                </span>
                {row.omitted === undefined &&
                  AGGREGATE_COLUMNS.map((c) => (
                    <span key={c.id} className="num" data-col={c.id} data-value={row.aggregates[c.id]}>
                      {formatAggregate(c.id, row.aggregates[c.id])}
                    </span>
                  ))}
              </div>
            );
          })}
        </div>
        {result !== undefined && rows.length === 0 && (
          <div className="pivot-empty">No context switches in the visible range and CPUs.</div>
        )}
        {result === undefined && <div className="pivot-empty">{loading ? 'Computing…' : ''}</div>}
      </div>
      {loading && result !== undefined && <div className="pivot-updating">Updating…</div>}
      {menu !== undefined && (
        <div
          className="context-menu"
          style={{
            left: Math.min(menu.x, globalThis.innerWidth - 360),
            top: Math.min(menu.y, globalThis.innerHeight - 80),
          }}
          role="menu"
          data-testid="switch-context-menu"
        >
          <button type="button" role="menuitem" onClick={() => onDelays(menu.threadId)}>
            Who delayed {menu.label}?
          </button>
        </div>
      )}
    </div>
  );
}

/** A leaf group's individual context switches, WPA's columns, virtualized windows from the engine. */
function SwitchRows({
  groupBy,
  keys,
  count,
  filter,
}: {
  groupBy: readonly SwitchColumn[];
  keys: readonly string[];
  count: number;
  filter: SchedFilter;
}) {
  const traceId = useApp((s) => s.traceId);
  const scroller = useRef<HTMLDivElement>(null);
  const [firstVisible, setFirstVisible] = useState(0);
  const fixed = pathFilter(groupBy, keys);
  // Columns the engine filter cannot fix (e.g. Old Wait Reason) are matched here, so the engine
  // is asked for the whole narrower set (threads, CPUs, process) and rows are kept that match.
  const exact = fixed.rest.length === 0;
  const offset = exact
    ? Math.max(
        0,
        Math.floor((firstVisible - SWITCH_WINDOW_STEP / 2) / SWITCH_WINDOW_STEP) * SWITCH_WINDOW_STEP,
      )
    : 0;
  const query = {
    kind: 'switchRows' as const,
    filter: {
      ...filter,
      ...(fixed.threadIds !== undefined ? { threadIds: fixed.threadIds } : {}),
      ...(fixed.cpus !== undefined
        ? { cpus: filter.cpus === undefined || filter.cpus.includes(fixed.cpus[0]!) ? fixed.cpus : [] }
        : {}),
      ...(fixed.process !== undefined ? { process: fixed.process } : {}),
    },
    offset,
    limit: exact ? SWITCH_WINDOW : 100_000,
  };
  const { result } = useQueryResult(`switch-rows-${keys.join('/')}`, traceId, query);
  const matched: readonly SwitchRow[] | undefined = useMemo(
    () =>
      result === undefined
        ? undefined
        : exact
          ? result.rows
          : result.rows.filter((r) => rowMatches(r, fixed.rest)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [result, exact],
  );
  const total = exact ? (result?.total ?? count) : (matched?.length ?? count);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => SWITCH_ROW_PX,
    overscan: 8,
    onChange: (v) => {
      const first = v.getVirtualItems()[0]?.index ?? 0;
      if (Math.abs(first - firstVisible) >= SWITCH_WINDOW_STEP / 4) setFirstVisible(first);
    },
  });
  const rowAt = (index: number): SwitchRow | undefined => matched?.[index - (exact ? offset : 0)];
  const template = `minmax(110px, 1.2fr) 80px minmax(100px, 1fr) 44px repeat(3, 112px) 92px 84px 84px 60px minmax(100px, 1fr) 84px 72px 104px minmax(100px, 1fr) 84px 64px`;
  return (
    <div
      className="event-rows switch-rows"
      onClick={(e) => e.stopPropagation()}
      data-testid="switch-rows"
      data-total={total}
    >
      <div className="switch-rows-scroll">
        <div className="event-head" style={{ gridTemplateColumns: template }}>
          {SWITCH_ROW_COLUMNS.map((c) => (
            <span key={c.id} className="th" title={c.label}>
              {c.label}
            </span>
          ))}
        </div>
        <div
          className="event-body"
          ref={scroller}
          style={{ height: Math.max(1, Math.min(total, SWITCH_ROWS_SHOWN)) * SWITCH_ROW_PX }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rowAt(item.index);
              return (
                <div
                  key={item.index}
                  className="event-row"
                  style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)` }}
                  data-testid="switch-event-row"
                  data-index={item.index}
                >
                  {SWITCH_ROW_COLUMNS.map((c) => (
                    <span key={c.id} data-col={c.id}>
                      {row !== undefined ? switchRowCell(row, c.id) : '…'}
                    </span>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
