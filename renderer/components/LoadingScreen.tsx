// Loading screen: upload (browser mode) and read progress with bytes, events and elapsed time, a
// Cancel button, and the trace overview as soon as the backend has read the header.

import { useEffect, useRef, useState } from 'react';
import { cancelLoading, onUploadProgress } from '../app/actions.js';
import { formatBytes, formatCount } from '../format.js';
import { useApp } from '../state/store.js';
import { ThemeToggle } from './ThemeToggle.js';
import { TraceOverview } from './TraceOverview.js';

/** Elapsed-time refresh: often enough to look alive, rarely enough to cost nothing. */
const TICK_MS = 250;

const PHASE_LABEL: Record<string, string> = {
  scanning: 'Scanning buffers',
  reading: 'Reading events',
  indexing: 'Building tables',
  ready: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Share of the bar the upload takes in browser mode (reading the file is most of the wait). */
const UPLOAD_SHARE = 0.3;

export function LoadingScreen() {
  const name = useApp((s) => s.loadingName);
  const progress = useApp((s) => s.progress);
  const summary = useApp((s) => s.summary);
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  const [upload, setUpload] = useState<{ sent: number; total: number } | undefined>();

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    onUploadProgress((sent, total) => setUpload({ sent, total }));
    return () => {
      clearInterval(timer);
      onUploadProgress(undefined);
    };
  }, []);

  const uploading = progress === undefined && upload !== undefined && upload.sent < upload.total;
  const done = uploading ? upload.sent : (progress?.bytesRead ?? 0);
  const total = uploading ? upload.total : (progress?.totalBytes ?? 0);
  // One bar for both stages, never going back: the upload (browser mode) fills the first
  // UPLOAD_SHARE, reading the rest; a reader's count that steps back (parser workers report
  // separately) keeps the bar where it was.
  const stage = total > 0 ? Math.min(1, done / total) : 0;
  const hadUpload = upload !== undefined;
  const overall = uploading
    ? stage * UPLOAD_SHARE
    : hadUpload
      ? UPLOAD_SHARE + stage * (1 - UPLOAD_SHARE)
      : stage;
  const highest = useRef({ name, value: 0 });
  if (highest.current.name !== name) highest.current = { name, value: 0 };
  highest.current.value = Math.max(highest.current.value, overall);
  const fraction = highest.current.value;
  const phase = uploading
    ? 'Sending the file to the analysis server'
    : progress
      ? PHASE_LABEL[progress.phase]
      : 'Opening';

  return (
    <div className="loading-screen" data-testid="loading-screen">
      <div className="start-corner">
        <ThemeToggle />
      </div>
      <div className="loading-card">
        <h2>Opening {name}</h2>
        <div
          className="progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <div
            className={total > 0 || fraction > 0 ? 'progress-fill' : 'progress-fill indeterminate'}
            style={{ width: total > 0 || fraction > 0 ? `${fraction * 100}%` : undefined }}
          />
        </div>
        <div className="loading-stats">
          <span>{phase}…</span>
          <span>
            {formatBytes(done)}
            {total > 0 ? ` of ${formatBytes(total)}` : ''}
          </span>
          <span>{formatCount(progress?.events ?? 0)} events</span>
          <span>{((now - started) / 1000).toFixed(1)} s</span>
          <button type="button" className="button" onClick={() => void cancelLoading()}>
            Cancel
          </button>
        </div>
      </div>
      {summary !== undefined && (
        <div className="loading-partial">
          <h3>What we know so far</h3>
          <TraceOverview summary={summary} partial />
        </div>
      )}
    </div>
  );
}
