// The headline's lock-convoy line: threadSummary over the visible range and CPUs; when the engine
// names a convoy (several same-priority threads switching in many times a second with runs far
// shorter than a quantum while another of that priority runs whole quanta), its sentence, naming
// the threads, with a link that opens the Threads tab. Asked at once: the scheduling tables it
// needs are built by a worker of their own (electron/worker/sched-host.ts), so the query waits
// for them without holding the graphs' or the pivot's queries.

import { useQueryResult } from '../app/api.js';
import { effectiveCpus } from '../state/filter-slice.js';
import { useApp, useAppShallow } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { schedFilter } from './thread-model.js';

export function ConvoyLine() {
  const traceId = useApp((s) => s.traceId);
  const recorded = useApp((s) => (s.summary?.tableRows.cpuPrecise ?? 0) > 0);
  const view = useAppShallow((s) => visibleRange(s));
  const cpus = useAppShallow((s) => effectiveCpus(s.filters, s.summary?.cpuCount ?? 0));
  const showThreads = useApp((s) => s.showThreads);
  const query = { kind: 'threadSummary' as const, filter: schedFilter(view, cpus) };
  const { result } = useQueryResult('headline-threads', recorded ? traceId : undefined, query);
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
