// The headline's lock-convoy line: threadSummary over the visible range and CPUs; when the engine
// names a convoy (several same-priority threads switching in many times a second with runs far
// shorter than a quantum while another of that priority runs whole quanta), its sentence, naming
// the threads, with a link that opens the Threads tab. The first scheduling query makes the
// engine read the file a second time (~1.5 s per 100 MiB, in the worker, not cancellable), so
// this one waits until the first screen's queries are answered: the graphs, the pivot and the
// DPC/ISR headline are never queued behind that pass.

import { useEffect, useState } from 'react';
import { useQueriesPending, useQueryResult } from '../app/api.js';
import { effectiveCpus } from '../state/filter-slice.js';
import { useApp, useAppShallow } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { schedFilter } from './thread-model.js';

/** No query in flight for this long = the first screen is drawn (its resize-driven re-queries
 *  follow within a frame or two of an answer). */
const QUIET_MS = 500;

export function ConvoyLine() {
  const traceId = useApp((s) => s.traceId);
  const recorded = useApp((s) => (s.summary?.tableRows.cpuPrecise ?? 0) > 0);
  const view = useAppShallow((s) => visibleRange(s));
  const cpus = useAppShallow((s) => effectiveCpus(s.filters, s.summary?.cpuCount ?? 0));
  const showThreads = useApp((s) => s.showThreads);
  const pending = useQueriesPending();
  const [armedFor, setArmedFor] = useState(traceId);
  const [armed, setArmed] = useState(false);
  if (armedFor !== traceId) {
    setArmedFor(traceId);
    setArmed(false);
  }
  useEffect(() => {
    if (pending || armed) return;
    const timer = setTimeout(() => setArmed(true), QUIET_MS);
    return () => clearTimeout(timer);
  }, [pending, armed]);
  const query = { kind: 'threadSummary' as const, filter: schedFilter(view, cpus) };
  const { result } = useQueryResult('headline-threads', recorded && armed ? traceId : undefined, query);
  const convoy = result?.convoy;
  if (convoy === undefined) return null;
  return (
    <div className="headline-line convoy-line" data-testid="headline-convoy" title={convoy.text}>
      <span className="headline-label">Threads</span>
      <button
        type="button"
        className="link-button"
        onClick={showThreads}
        title="Open the Threads tab (CPU Usage (Precise) by thread, the thread timeline)"
        data-testid="headline-convoy-link"
      >
        <strong>{convoy.text}</strong>
      </button>
    </div>
  );
}
