// Top bar: the open file, Open…, zoom controls with back/forward, the visible range and the
// selection (length and DPC/ISR totals), the symbols status (opens Load Symbols), CSV export,
// details, keyboard help and the theme.

import { useState } from 'react';
import { TABLE_COLUMNS } from '../../shared/contract.js';
import { formatDuration } from '../../shared/units.js';
import { useQueriesPending, useQueryResult } from '../app/api.js';
import { cancelExport, closeTrace, exportCsv, findOverBudget, KEYBOARD_HELP } from '../app/actions.js';
import { formatBytes, formatCount, formatMs, formatSeconds, formatUs, routineName } from '../format.js';
import { parseRangeText, rangeText } from '../timeline/range-text.js';
import { pivotQuery } from '../state/queries.js';
import type { ExportJob } from '../state/slices.js';
import { useApp, useAppShallow, useQueryInputs } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { OpenButton } from './OpenButton.js';
import { SymbolStatusButton } from './SymbolsDialog.js';
import { ThemeToggle } from './ThemeToggle.js';

const DPC_COLUMNS = TABLE_COLUMNS.dpcIsr;

/** The selected DPC/ISR (timeline click, table row, headline link): what WPA's row would show. */
export function EventDetails() {
  const event = useApp((s) => s.selectedEvent);
  const selectEvent = useApp((s) => s.selectEvent);
  if (event === undefined) {
    return null;
  }
  return (
    <div className="event-details" data-testid="event-details">
      <span className="muted">Selected</span>
      <code>{routineName(event.module, event.function)}</code>
      <span>
        {event.type} on CPU {event.cpu}
      </span>
      <span>Enter {(event.enterNs / 1e9).toFixed(9)} s</span>
      <span>
        Duration <strong data-testid="event-details-duration">{formatUs(event.durationNs / 1e3)} µs</strong>
      </span>
      <span>Exclusive {formatUs(event.exclusiveNs / 1e3)} µs</span>
      {event.fragments > 1 && <span>{event.fragments} fragments</span>}
      <button type="button" className="link-button" onClick={() => selectEvent(event, { zoom: true })}>
        Zoom to it
      </button>
      <button type="button" className="link-button muted" onClick={() => selectEvent(undefined)} title="Esc">
        Clear
      </button>
    </div>
  );
}

/** The visible range and the selection (length and DPC/ISR totals), above the graphs. */
export function RangeStrip() {
  const inputs = useQueryInputs();
  const selection = useApp((s) => s.selection);
  const query =
    selection !== undefined
      ? { ...pivotQuery({ ...inputs, committedRange: selection }, 'dpcIsr', DPC_COLUMNS), groupBy: [] }
      : undefined;
  const { result } = useQueryResult('selection-totals', inputs.traceId, query);
  const view = useAppShallow((s) => visibleRange(s));
  const busy = useQueriesPending();
  const zoomTo = useApp((s) => s.zoomTo);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const viewSpan = view.end - view.start;
  const span = selection !== undefined ? selection.end - selection.start : 0;
  const typed = editing !== undefined ? parseRangeText(editing) : undefined;
  return (
    <div className="range-strip">
      {editing !== undefined ? (
        <input
          className={typed === undefined && editing.trim() !== '' ? 'range-input invalid' : 'range-input'}
          autoFocus
          value={editing}
          placeholder="1.5 s – 2 s, or 1.5 s + 200 µs"
          title="Start – end, or start + length; units s, ms, µs, ns (Enter zooms, Esc cancels)"
          onChange={(e) => setEditing(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && typed !== undefined) {
              zoomTo(typed);
              setEditing(undefined);
            } else if (e.key === 'Escape') {
              setEditing(undefined);
            }
            e.stopPropagation();
          }}
          onBlur={() => setEditing(undefined)}
          data-testid="range-input"
        />
      ) : (
        <button
          type="button"
          className="link-button"
          onClick={() => setEditing(rangeText(view))}
          title="Type an exact range (start – end or start + length)"
          data-testid="visible-range"
        >
          <span className="muted">View</span> {formatSeconds(view.start, viewSpan)} –{' '}
          {formatSeconds(view.end, viewSpan)} ({formatDuration(viewSpan)})
        </button>
      )}
      <button
        type="button"
        className="link-button muted"
        onClick={() => void navigator.clipboard?.writeText(rangeText(view))}
        title="Copy the visible range (paste it into the range box, a note or a bug)"
        data-testid="copy-range"
      >
        Copy range
      </button>
      {selection === undefined ? (
        <span className="muted">Drag on a graph to select a time range, then Zoom (Z)</span>
      ) : (
        <span className="selection-info" data-testid="selection-info">
          <span className="muted">Selection</span> {formatSeconds(selection.start, span)} –{' '}
          {formatSeconds(selection.end, span)} ({formatDuration(span)})
          {result !== undefined && (
            <>
              {' · '}
              {formatCount(result.total.count)} DPC/ISR, {formatMs(result.total.totalMs)} ms
              {result.total.overBudget > 0 ? `, ${formatCount(result.total.overBudget)} over budget` : ''}
            </>
          )}
        </span>
      )}
      {busy && <span className="busy-hint">Updating…</span>}
    </div>
  );
}

export function TopBar({
  onToggleDetails,
  detailsOpen,
}: {
  onToggleDetails: () => void;
  detailsOpen: boolean;
}) {
  const fileName = useApp((s) => s.summary?.fileName);
  const exportJob = useApp((s) => s.exportJob);
  const zoomed = useApp((s) => s.committedRange !== undefined);
  const canBack = useApp((s) => s.zoomBack.length > 0);
  const canForward = useApp((s) => s.zoomForward.length > 0);
  const hasSelection = useApp((s) => s.selection !== undefined);
  const hasDpc = useApp((s) => (s.summary?.tableRows.dpcIsr ?? 0) > 0);
  const zoomToSelection = useApp((s) => s.zoomToSelection);
  const zoomBy = useApp((s) => s.zoomBy);
  const unzoom = useApp((s) => s.unzoom);
  const back = useApp((s) => s.zoomBackward);
  const forward = useApp((s) => s.zoomForwardAgain);
  const [showKeys, setShowKeys] = useState(false);
  return (
    <header className="topbar">
      <div className="topbar-title">
        <span className="brand">etlscope</span>
        <span className="file-name" title={fileName} data-testid="file-name">
          {fileName}
        </span>
        <OpenButton />
        <button
          type="button"
          className="button ghost"
          onClick={() => void closeTrace()}
          title="Close this trace"
        >
          Close
        </button>
      </div>
      <div className="topbar-zoom" role="group" aria-label="Zoom">
        <button
          type="button"
          className="button"
          onClick={back}
          disabled={!canBack}
          title="Back (Alt+←)"
          aria-label="Back"
        >
          ◀
        </button>
        <button
          type="button"
          className="button"
          onClick={forward}
          disabled={!canForward}
          title="Forward (Alt+→)"
          aria-label="Forward"
        >
          ▶
        </button>
        <button
          type="button"
          className="button primary"
          onClick={zoomToSelection}
          disabled={!hasSelection}
          title="Zoom to the selection (Z)"
          data-testid="zoom-to-selection"
        >
          Zoom
        </button>
        <button
          type="button"
          className="button"
          onClick={() => zoomBy(0.5)}
          title="Zoom in (+)"
          aria-label="Zoom in"
        >
          +
        </button>
        <button
          type="button"
          className="button"
          onClick={() => zoomBy(2)}
          title="Zoom out (−)"
          aria-label="Zoom out"
        >
          −
        </button>
        <button
          type="button"
          className="button"
          onClick={unzoom}
          disabled={!zoomed}
          title="Show the whole trace (0)"
          data-testid="unzoom"
        >
          Unzoom
        </button>
      </div>
      <div className="topbar-spacer" />
      <div className="topbar-actions">
        <SymbolStatusButton />
        <span
          className="step-group"
          title="Jump to the previous / next DPC or ISR over the guideline (P / N)"
        >
          <span className="label-wide">Over budget</span>
          <button
            type="button"
            className="button ghost"
            onClick={() => void findOverBudget('previous')}
            disabled={!hasDpc}
            aria-label="Previous DPC/ISR over budget"
            data-testid="find-previous"
          >
            ◂
          </button>
          <button
            type="button"
            className="button ghost"
            onClick={() => void findOverBudget('next')}
            disabled={!hasDpc}
            aria-label="Next DPC/ISR over budget"
            data-testid="find-next"
          >
            ▸
          </button>
        </span>
        {exportJob !== undefined ? (
          <ExportProgressView job={exportJob} />
        ) : (
          <button
            type="button"
            className="button primary"
            onClick={() => void exportCsv('rows')}
            disabled={!hasDpc}
            data-testid="export-dpc"
            title="Every DPC/ISR in the visible range and filters, one row each"
          >
            <span className="label-wide">Export DPC durations (CSV)</span>
            <span className="label-narrow">Export CSV</span>
          </button>
        )}
        <button
          type="button"
          className={detailsOpen ? 'button active' : 'button'}
          onClick={onToggleDetails}
          data-testid="details-toggle"
        >
          Details
        </button>
        <div className="keys-help">
          <button
            type="button"
            className="button ghost"
            onClick={() => setShowKeys((v) => !v)}
            aria-expanded={showKeys}
          >
            ?
          </button>
          {showKeys && (
            <div className="popover" role="dialog" onMouseLeave={() => setShowKeys(false)}>
              <table>
                <tbody>
                  {KEYBOARD_HELP.map(([keys, what]) => (
                    <tr key={keys}>
                      <td>
                        <kbd>{keys}</kbd>
                      </td>
                      <td>{what}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <ThemeToggle />
      </div>
    </header>
  );
}

/** The export in flight: a bar of rows written of the most it will write, the bytes, and Cancel. */
function ExportProgressView({ job }: { job: ExportJob }) {
  const share = job.totalRows !== undefined && job.totalRows > 0 ? Math.min(1, job.rows / job.totalRows) : 0;
  return (
    <span className="export-progress" data-testid="export-progress" role="status">
      <span className="export-progress-bar" aria-hidden="true">
        <span style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </span>
      <span className="export-progress-text" data-testid="export-progress-text">
        {formatCount(job.rows)}
        {job.totalRows !== undefined ? ` / ${formatCount(job.totalRows)}` : ''} rows ·{' '}
        {formatBytes(job.bytes)}
      </span>
      <button type="button" className="button ghost" onClick={cancelExport} data-testid="export-cancel">
        Cancel
      </button>
    </span>
  );
}
