// "Who delayed my thread": a thread picker (every thread of the range by running time, or the one
// chosen from the table or the timeline), then threadDelays — its total ready time, split into
// the DPC/ISR modules and the other threads that ran on the CPU it was waiting for (with their
// share of the ready time), and the longest ready intervals; a click on one zooms the shared view
// to it (the graphs and the thread timeline follow).

import type { DelayInterval, SchedFilter, ThreadSummaryRow } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';
import { useQueryResult } from '../app/api.js';
import { formatCount, formatMs, formatPercent, formatUs } from '../format.js';
import { useApp } from '../state/store.js';
import {
  delayShares,
  intervalZoom,
  readierText,
  longestIntervals,
  threadLabel,
  type ThreadNames,
} from './thread-model.js';

/** What ran on the CPU while the thread was ready: modules, then threads, with their time. */
function whatRan(iv: DelayInterval, names: ThreadNames): string {
  const parts = [
    ...iv.modules.map((m) => `${m.module} ${formatUs(m.ns / 1e3)} µs`),
    ...iv.threads.map((t) => `${threadLabel(t.threadId, names, t.threadName)} ${formatUs(t.ns / 1e3)} µs`),
  ];
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** Intervals listed: the longest ones tell the story; the engine's answer keeps its 1,000 longest. */
const LISTED_INTERVALS = 50;

export function DelaysView({
  threadId,
  onPick,
  threads,
  filter,
  names,
}: {
  threadId: number | undefined;
  onPick: (threadId: number) => void;
  threads: readonly ThreadSummaryRow[];
  filter: SchedFilter;
  names: ThreadNames;
}) {
  const traceId = useApp((s) => s.traceId);
  const zoomTo = useApp((s) => s.zoomTo);
  const query = threadId !== undefined ? { kind: 'threadDelays' as const, threadId, filter } : undefined;
  const { result, loading, error } = useQueryResult('thread-delays', traceId, query);
  const shares = result !== undefined ? delayShares(result, names) : [];
  const longest = result !== undefined ? longestIntervals(result.intervals, LISTED_INTERVALS) : [];
  return (
    <div className="delays" data-testid="delays">
      <div className="stack-toolbar">
        <label>
          Thread{' '}
          <select
            className="stack-preset"
            value={threadId ?? ''}
            onChange={(e) => e.target.value !== '' && onPick(Number(e.target.value))}
            data-testid="delays-thread"
          >
            <option value="">Pick a thread…</option>
            {threads.map((t) => (
              <option key={t.threadId} value={t.threadId}>
                {t.process} · {threadLabel(t.threadId, names, t.threadName)} · ready {formatMs(t.readyMs)} ms
              </option>
            ))}
          </select>
        </label>
        {result !== undefined && (
          <span data-testid="delays-total">
            <strong>{formatCount(result.readyIntervals)}</strong> ready intervals,{' '}
            <strong data-ns={result.totalReadyNs}>{formatMs(result.totalReadyNs / 1e6)} ms</strong> ready in
            all
          </span>
        )}
        {loading && <span className="muted">Computing…</span>}
      </div>
      {error !== undefined && (
        <div className="notice error">Could not compute the delays: {error.message}</div>
      )}
      {threadId === undefined && (
        <div className="pivot-empty">
          Pick a thread (here, with “who delayed it?” on a thread row of the table, or by clicking its name in
          the timeline) to see what ran on its CPU while it was ready: DPCs/ISRs by module and other threads.
        </div>
      )}
      {result !== undefined && (
        <div className="delays-body">
          <div className="delays-section">
            <div className="delays-title">
              Delayed by — {result.process} {threadLabel(result.threadId, names, result.threadName)}
            </div>
            <div className="delays-grid delays-head">
              <span>Delayed by</span>
              <span>Kind</span>
              <span className="num">Intervals</span>
              <span className="num">ms</span>
              <span className="num">% of ready</span>
            </div>
            {shares.map((s) => (
              <div
                key={`${s.kind}:${s.label}`}
                className="delays-grid"
                data-testid="delay-share"
                data-kind={s.kind}
                data-label={s.label}
                data-ns={s.ns}
              >
                <span title={s.label}>{s.label}</span>
                <span>{s.kind === 'module' ? 'DPC/ISR' : s.kind === 'thread' ? 'thread' : ''}</span>
                <span className="num">{s.kind === 'other' ? '' : formatCount(s.intervals)}</span>
                <span className="num">{(s.ns / 1e6).toFixed(3)}</span>
                <span className="num">
                  <span className="share-bar" style={{ width: `${Math.min(100, s.percent) / 2}px` }} />
                  {formatPercent(s.percent)}
                </span>
              </div>
            ))}
          </div>
          <div className="delays-section">
            <div className="delays-title">
              Longest ready intervals
              {result.omittedIntervals > 0
                ? ` (of the ${formatCount(result.intervals.length)} longest kept)`
                : ''}{' '}
              — click to zoom
            </div>
            <div className="delays-grid intervals delays-head">
              <span className="num">Ready at (s)</span>
              <span className="num">Ready (µs)</span>
              <span className="num">CPU</span>
              <span>Readied by</span>
              <span>What ran</span>
            </div>
            {longest.map((iv) => (
              <button
                type="button"
                key={iv.readyNs}
                className="delays-grid intervals delay-interval"
                onClick={() => {
                  const z = intervalZoom(iv.readyNs, iv.switchInNs);
                  zoomTo({ start: traceNs(z.start), end: traceNs(z.end) });
                }}
                title="Zoom the view to this ready interval"
                data-testid="delay-interval"
                data-ready-ns={iv.readyNs}
                data-switch-in-ns={iv.switchInNs}
              >
                <span className="num">{(iv.readyNs / 1e9).toFixed(6)}</span>
                <span className="num">{formatUs((iv.switchInNs - iv.readyNs) / 1e3)}</span>
                <span className="num">{iv.cpu}</span>
                <span>{readierText(iv.readiedByThreadId, iv.readiedFromDpc, names)}</span>
                <span className="delay-what" title={whatRan(iv, names)}>
                  {whatRan(iv, names)}
                </span>
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
