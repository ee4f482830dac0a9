// WPA's "CPU Idle States" with both types: the stats table (Type, CPU, State, Visits, Transitions,
// Residency ms and %, Min/Avg/Max visit; one row per state over all CPUs, ▸ opens one per CPU),
// the doubling histogram of the selected row's visit lengths, and the rows themselves (CPU, Type,
// State, Prev/Next State, Entry/Exit Time, Duration), virtualized: fetched 200 at a time from the
// engine (idleStats rowOffset/rowLimit), so a trace with millions of visits scrolls.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import type { IdleStateRow, IdleStatsResult } from '../../shared/contract.js';
import { queryClient, useQueryResult } from '../app/api.js';
import { formatCount, formatPercent } from '../format.js';
import { useApp, useQueryInputs } from '../state/store.js';
import {
  ROW_WINDOW,
  formatVisitNs,
  histogramBars,
  idleRowsQuery,
  idleStatsTableQuery,
  rowWindowOffset,
  statsKey,
  statsTableRows,
} from './power-model.js';

/** Row height (px) as the pivot's; the virtualizer needs it fixed. */
const ROW_HEIGHT = 22;
/** Rows shown before the rows list scrolls on its own. */
const ROWS_SHOWN = 12;

const ROW_COLUMNS = [
  'CPU',
  'Type',
  'State',
  'Prev State',
  'Next State',
  'Entry Time',
  'Exit Time',
  'Duration',
];

const seconds = (ns: number) => `${(ns / 1e9).toFixed(9)} s`;

function StatsTable({
  result,
  selected,
  onSelect,
}: {
  result: IdleStatsResult;
  selected: string | undefined;
  onSelect: (key: string) => void;
}) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const rows = statsTableRows(result, expanded);
  const toggle = (key: string) => {
    const next = new Set(expanded);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setExpanded(next);
  };
  return (
    <table className="power-table" data-testid="idle-stats-table">
      <thead>
        <tr>
          <th>Type</th>
          <th>CPU</th>
          <th>State</th>
          <th className="num">Visits</th>
          <th className="num">Transitions</th>
          <th className="num">Residency (ms)</th>
          <th className="num">Residency %</th>
          <th className="num">Min visit</th>
          <th className="num">Avg visit</th>
          <th className="num">Max visit</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const s = row.stats;
          return (
            <tr
              key={row.key}
              className={`${row.depth === 1 ? 'power-sub' : ''}${selected === row.key ? ' selected' : ''}`}
              onClick={() => onSelect(row.key)}
              data-testid="idle-stats-row"
              data-key={row.key}
            >
              <td>
                {row.expandable ? (
                  <button
                    type="button"
                    className="power-expander"
                    onClick={(event) => {
                      event.stopPropagation();
                      toggle(row.key);
                    }}
                    aria-label={expanded.has(row.key) ? 'Hide the per-CPU rows' : 'Show one row per CPU'}
                    data-testid="idle-stats-expand"
                  >
                    {expanded.has(row.key) ? '▾' : '▸'}
                  </button>
                ) : (
                  <span className="power-expander" />
                )}
                {s.type}
              </td>
              <td>{s.cpu === null ? 'all' : `CPU ${s.cpu}`}</td>
              <td>{s.state}</td>
              <td className="num">{formatCount(s.visits)}</td>
              <td className="num">{formatCount(s.transitions)}</td>
              <td className="num">{(s.residencyNs / 1e6).toFixed(3)}</td>
              <td className="num">{formatPercent(s.residencyPercent)}</td>
              <td className="num">{s.visits > 0 ? formatVisitNs(s.minNs) : '–'}</td>
              <td className="num">{s.visits > 0 ? formatVisitNs(s.avgNs) : '–'}</td>
              <td className="num">{s.visits > 0 ? formatVisitNs(s.maxNs) : '–'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function VisitHistogram({ result, selected }: { result: IdleStatsResult; selected: string | undefined }) {
  const stats = [...result.actual, ...result.target].find((s) => statsKey(s) === selected);
  if (stats === undefined) {
    return (
      <div className="muted power-hint">Click a row of the table for its histogram of visit lengths.</div>
    );
  }
  const bars = histogramBars(stats);
  const top = Math.max(1, ...bars.map((b) => b.visits));
  return (
    <div className="power-histogram" data-testid="idle-histogram">
      <div className="power-histogram-title">
        Visit lengths: {stats.type} {stats.state}, {stats.cpu === null ? 'all CPUs' : `CPU ${stats.cpu}`}{' '}
        <span className="muted">(doubling buckets · {formatCount(stats.visits)} visits)</span>
      </div>
      {bars.length === 0 && <div className="muted">No visit starts in the view.</div>}
      {bars.map((bar) => (
        <div key={bar.label} className="power-bar-row" data-testid="idle-histogram-bar">
          <span className="power-bar-label">{bar.label}</span>
          <span className="power-bar-track">
            <span className="power-bar" style={{ width: `${(100 * bar.visits) / top}%` }} />
          </span>
          <span className="num power-bar-count">{formatCount(bar.visits)}</span>
        </div>
      ))}
    </div>
  );
}

function IdleRows() {
  const inputs = useQueryInputs();
  const [type, setType] = useState<'Actual' | 'Target' | undefined>(undefined);
  const [firstVisible, setFirstVisible] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const offset = rowWindowOffset(firstVisible);
  const query = idleRowsQuery(inputs, { offset, limit: ROW_WINDOW, ...(type !== undefined ? { type } : {}) });
  const { result } = useQueryResult('power-idle-rows', inputs.traceId, query);
  const version = useApp((s) => s.symbolsVersion);
  // The slot keeps the previous window's answer while the next loads; only an answer known to be
  // this window's (the client's cache, keyed by the query) places rows, the last one stays shown.
  const loaded = useRef<{ offset: number; rows: readonly IdleStateRow[] } | undefined>(undefined);
  const exact =
    inputs.traceId !== undefined ? queryClient().cached(inputs.traceId, query, version) : undefined;
  if (exact !== undefined) loaded.current = { offset, rows: exact.rows };
  const total = result?.totalRows ?? 0;
  const rowsNow = loaded.current;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    onChange: (v) => {
      const first = v.getVirtualItems()[0]?.index ?? 0;
      if (Math.abs(first - firstVisible) >= 25) setFirstVisible(first);
    },
  });
  const rowAt = (index: number): IdleStateRow | undefined =>
    rowsNow !== undefined && index >= rowsNow.offset && index < rowsNow.offset + rowsNow.rows.length
      ? rowsNow.rows[index - rowsNow.offset]
      : undefined;
  const template = '56px 68px 60px 96px 96px 140px 140px 110px';
  return (
    <div className="power-rows event-rows">
      <div className="power-rows-bar">
        <span className="power-section-title">Rows</span>
        {(['all', 'Actual', 'Target'] as const).map((t) => (
          <button
            type="button"
            key={t}
            className={
              (t === 'all' ? type === undefined : type === t) ? 'button small active' : 'button small'
            }
            onClick={() => {
              setType(t === 'all' ? undefined : t);
              setFirstVisible(0);
              loaded.current = undefined;
              scroller.current?.scrollTo({ top: 0 });
            }}
            data-testid={`idle-rows-${t}`}
          >
            {t === 'all' ? 'Both types' : t}
          </button>
        ))}
        <span className="muted" data-testid="idle-rows-total">
          {formatCount(total)} rows in view (time order)
        </span>
      </div>
      <div className="event-head power-rows-header" style={{ gridTemplateColumns: template }}>
        {ROW_COLUMNS.map((c) => (
          <span key={c}>{c}</span>
        ))}
      </div>
      <div
        className="event-body"
        ref={scroller}
        style={{ height: Math.max(1, Math.min(total, ROWS_SHOWN)) * ROW_HEIGHT }}
        data-testid="idle-rows"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rowAt(item.index);
            return (
              <div
                key={item.index}
                className="event-row"
                style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)` }}
                data-testid="idle-row"
                data-index={item.index}
              >
                {row === undefined ? (
                  <span>…</span>
                ) : (
                  <>
                    <span className="num">{row.cpu}</span>
                    <span>{row.type}</span>
                    <span>{row.state}</span>
                    <span>{row.prevState}</span>
                    <span>{row.nextState}</span>
                    <span className="num">{seconds(row.entryNs)}</span>
                    <span className="num">{seconds(row.exitNs)}</span>
                    <span className="num">{formatVisitNs(row.durationNs)}</span>
                  </>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

export function IdleStatesView() {
  const inputs = useQueryInputs();
  const { result, error } = useQueryResult('power-idle-stats', inputs.traceId, idleStatsTableQuery(inputs));
  const [selected, setSelected] = useState<string | undefined>(undefined);
  if (error !== undefined)
    return <div className="notice error">Could not compute the idle states: {error.message}</div>;
  if (result === undefined) return <div className="muted power-hint">Computing the idle states…</div>;
  // Default: the deepest Actual state over all CPUs (the story's question).
  const shown =
    selected ??
    [...result.actual]
      .filter((s) => s.cpu === null)
      .map((s) => statsKey(s))
      .at(-1);
  return (
    <div className="power-idle">
      <div className="power-idle-top">
        <div className="power-stats">
          <StatsTable result={result} selected={shown} onSelect={setSelected} />
          {result.target.length === 0 && (
            <div className="muted power-hint">
              No Target states: the trace has no Power IdleStateChange events (only the Actual visits).
            </div>
          )}
        </div>
        <VisitHistogram result={result} selected={shown} />
      </div>
      <IdleRows />
    </div>
  );
}
