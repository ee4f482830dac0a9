// A pivot leaf group opened into its individual DPC/ISR rows (WPA's behaviour): a virtualized
// list fetched one window at a time from the engine (dpcEvents: sorted there, so a million-row
// group scrolls without holding it), sortable by every column, click / Shift+click / Ctrl+click to
// select (the selected event shows on the timeline and in the details pane; a double click zooms
// to it), Ctrl+C copies the selected rows as TSV in WPA's column names, Ctrl+Shift+C only the
// clicked column (WPA's "Copy Column Selection").

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { DpcEventSort, DpcEventsResult, GroupColumn } from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { dpcEventsQuery } from '../state/queries.js';
import type { DpcEventRef } from '../state/slices.js';
import { useApp, useQueryInputs } from '../state/store.js';
import {
  EVENT_COLUMNS,
  eventAt,
  eventCell,
  eventsToTsv,
  type EventColumnId,
} from '../timeline/dpc-events.js';

/** Row height (px) as the pivot's. */
export const EVENT_ROW_HEIGHT = 22;
/** Rows shown at once inside the pivot before the list scrolls on its own. */
export const EVENT_ROWS_SHOWN = 10;
/** Header line of the list. */
export const EVENT_HEADER_HEIGHT = 24;
/** One fetched window: the rows around the visible ones (a scroll of a screen stays inside it). */
const WINDOW_ROWS = 200;
/** Windows start on multiples of this, so small scrolls ask for the same window (cache hits). */
const WINDOW_STEP = 100;

/** Height the pivot reserves for an opened group of `count` rows. */
export function eventRowsHeight(count: number): number {
  return EVENT_HEADER_HEIGHT + Math.max(1, Math.min(count, EVENT_ROWS_SHOWN)) * EVENT_ROW_HEIGHT + 6;
}

const SORTABLE: Partial<Record<EventColumnId, DpcEventSort>> = {
  enter: 'enter',
  exit: 'exit',
  duration: 'duration',
  exclusive: 'exclusive',
  fragments: 'fragments',
};

const SHOWN_COLUMNS: readonly EventColumnId[] = [
  'cpu',
  'type',
  'enter',
  'exit',
  'duration',
  'exclusive',
  'fragments',
];
const NUMERIC = new Set<EventColumnId>(['cpu', 'enter', 'exit', 'duration', 'exclusive', 'fragments']);

export function EventRows({
  groupBy,
  keys,
  count,
  reveal,
}: {
  groupBy: readonly GroupColumn[];
  keys: readonly string[];
  count: number;
  /** An event of this group selected elsewhere: scroll to its row and select it (once per seq). */
  reveal?: { readonly id: number; readonly seq: number };
}) {
  const inputs = useQueryInputs();
  const selectEvent = useApp((s) => s.selectEvent);
  const selectedEvent = useApp((s) => s.selectedEvent);
  const [sort, setSort] = useState<{ by: DpcEventSort; descending: boolean }>({
    by: 'duration',
    descending: true,
  });
  const [selected, setSelected] = useState<{
    rows: Map<number, DpcEventRef>;
    anchor?: number;
    column?: EventColumnId;
  }>(() => ({ rows: new Map() }));
  const [firstVisible, setFirstVisible] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  // The event to reveal: asked for with `around` (the engine answers the window holding it and
  // where it is), then scrolled to; later windows are plain offsets again.
  const [aroundId, setAroundId] = useState<number | undefined>(() => reveal?.id);
  const revealedSeq = useRef<number | undefined>(reveal?.seq);
  /** The answer on screen when a reveal began: not the answer to it (the slot keeps showing it
   *  while the `around` query runs). */
  const answerBeforeReveal = useRef<DpcEventsResult | undefined>(undefined);
  const include = Object.fromEntries(keys.map((key, depth) => [groupBy[depth]!, [key]]));
  const offset = Math.max(0, Math.floor((firstVisible - WINDOW_STEP / 2) / WINDOW_STEP) * WINDOW_STEP);
  const query = dpcEventsQuery(inputs, {
    include,
    sortBy: sort.by,
    descending: sort.descending,
    offset,
    limit: WINDOW_ROWS,
    ...(aroundId !== undefined ? { around: aroundId } : {}),
  });
  const { result } = useQueryResult(`events-${keys.join('/')}`, inputs.traceId, query);
  useEffect(() => {
    if (reveal === undefined || revealedSeq.current === reveal.seq) return;
    revealedSeq.current = reveal.seq;
    answerBeforeReveal.current = result;
    setAroundId(reveal.id);
    // Once per reveal; `result` is read as it is at that moment.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reveal]);
  const total = result?.total ?? count;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => EVENT_ROW_HEIGHT,
    overscan: 8,
    onChange: (v) => {
      const first = v.getVirtualItems()[0]?.index ?? 0;
      if (Math.abs(first - firstVisible) >= WINDOW_STEP / 4) setFirstVisible(first);
    },
  });
  useEffect(() => {
    if (aroundId === undefined || result?.located === undefined) return;
    const located = result.located;
    if (located < 0 || result.id[located - result.offset] !== aroundId) {
      // An answer from before this reveal (still shown while the `around` query runs): wait.
      // A later one: the row is not in this group under the current range and filters.
      if (result !== answerBeforeReveal.current) setAroundId(undefined);
      return;
    }
    virtualizer.scrollToIndex(located, { align: 'center' });
    setFirstVisible(located);
    setSelected({ rows: new Map([[located, eventAt(result, located - result.offset)]]), anchor: located });
    setAroundId(undefined);
  }, [aroundId, result, virtualizer]);
  const rowAt = (index: number, r: DpcEventsResult | undefined): DpcEventRef | undefined =>
    r !== undefined && index >= r.offset && index < r.offset + r.id.length
      ? eventAt(r, index - r.offset)
      : undefined;
  const template = `repeat(${SHOWN_COLUMNS.length}, minmax(70px, 1fr))`;

  const click = (index: number, column: EventColumnId, event: React.MouseEvent) => {
    const row = rowAt(index, result);
    if (row === undefined) return;
    let rows: Map<number, DpcEventRef>;
    if (event.shiftKey && selected.anchor !== undefined) {
      rows = new Map(event.ctrlKey || event.metaKey ? selected.rows : []);
      const [a, b] = [Math.min(selected.anchor, index), Math.max(selected.anchor, index)];
      for (let i = a; i <= b; i++) {
        const r = rowAt(i, result);
        if (r !== undefined) rows.set(i, r);
      }
      setSelected({ rows, anchor: selected.anchor, column });
    } else if (event.ctrlKey || event.metaKey) {
      rows = new Map(selected.rows);
      if (rows.has(index)) rows.delete(index);
      else rows.set(index, row);
      setSelected({ rows, anchor: index, column });
    } else {
      setSelected({ rows: new Map([[index, row]]), anchor: index, column });
    }
    selectEvent(row);
  };

  const onKeyDown = (event: ReactKeyboardEvent) => {
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.key.toLowerCase() === 'c') {
      const rows = [...selected.rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
      if (rows.length === 0) return;
      const columns: readonly EventColumnId[] =
        event.shiftKey && selected.column !== undefined
          ? [selected.column]
          : ['cpu', 'type', 'module', 'function', 'enter', 'exit', 'duration', 'exclusive', 'fragments'];
      void navigator.clipboard?.writeText(eventsToTsv(rows, columns));
      event.preventDefault();
      event.stopPropagation();
    } else if (ctrl && event.key.toLowerCase() === 'a' && result !== undefined) {
      const rows = new Map<number, DpcEventRef>();
      for (let k = 0; k < result.id.length; k++) rows.set(result.offset + k, eventAt(result, k));
      setSelected({ rows, anchor: result.offset, column: selected.column });
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === 'Escape') {
      setSelected({ rows: new Map() });
    }
  };

  return (
    <div
      className="event-rows"
      onClick={(e) => e.stopPropagation()}
      data-testid="event-rows"
      data-total={total}
    >
      <div className="event-head" style={{ gridTemplateColumns: template }}>
        {SHOWN_COLUMNS.map((column) => {
          const label = EVENT_COLUMNS.find((c) => c.id === column)!.label;
          const by = SORTABLE[column];
          return (
            <button
              type="button"
              key={column}
              className={`th ${NUMERIC.has(column) ? 'num' : ''}${by === sort.by ? ' sorted' : ''}`}
              disabled={by === undefined}
              onClick={() => {
                if (by === undefined) return;
                setSort((s) => (s.by === by ? { by, descending: !s.descending } : { by, descending: true }));
                setSelected({ rows: new Map() });
                scroller.current?.scrollTo({ top: 0 });
              }}
              data-testid={`event-sort-${column}`}
            >
              {label}
              {by === sort.by ? (sort.descending ? ' ▼' : ' ▲') : ''}
            </button>
          );
        })}
      </div>
      <div
        className="event-body"
        ref={scroller}
        tabIndex={0}
        onKeyDown={onKeyDown}
        style={{ height: Math.max(1, Math.min(total, EVENT_ROWS_SHOWN)) * EVENT_ROW_HEIGHT }}
        data-testid="event-body"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rowAt(item.index, result);
            const isSelected =
              selected.rows.has(item.index) || (row !== undefined && row.id === selectedEvent?.id);
            return (
              <div
                key={item.index}
                className={`event-row${isSelected ? ' selected' : ''}`}
                style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)` }}
                onDoubleClick={() => row !== undefined && selectEvent(row, { zoom: true })}
                data-testid="event-row"
                data-index={item.index}
              >
                {SHOWN_COLUMNS.map((column) => (
                  <span
                    key={column}
                    className={`${NUMERIC.has(column) ? 'num' : ''}${selected.column === column && isSelected ? ' cell-selected' : ''}`}
                    onClick={(event) => click(item.index, column, event)}
                    data-col={column}
                  >
                    {row !== undefined ? eventCell(row, column) : '…'}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
