// The analysis screen, laid out like WPA's analysis view:
//
//   ┌ top bar: file · Open · zoom/unzoom/back/forward · range · selection · export · theme ┐
//   │ facts strip (build, CPUs, duration, logger) + notices (what was not recorded, lost)  │
//   │ headline: longest DPC/ISR, modules over budget, CPUs loaded by DPC/ISR               │
//   │ CPU legend + Filter to / Filter Out / Clear / Undo                                   │
//   │ graphs on one shared time axis (utilization, DPC/ISR time, durations, C-states)      │
//   └ pivot tables (gold bar) | stacks ─────────────────────── │ duration histogram ───────┘
//
// "Enlarge" on the bottom panel hides the headline and the graphs so deep stack trees and the
// flame graph get the height (the top bar keeps the zoom controls).

import { useRef, useState } from 'react';
import { Splitter, useSplitHeight } from './Splitter.js';
import { useApp } from '../state/store.js';
import { CpuLegend } from './CpuLegend.js';
import { Graphs } from './Graphs.js';
import { Headline } from './Headline.js';
import { DurationHistogram } from './DurationHistogram.js';
import { PivotPanel } from '../tables/PivotPanel.js';
import { EventDetails, TopBar } from './TopBar.js';
import {
  CircularLoggerNotice,
  FileProblemsWarning,
  LostDataWarning,
  TraceFacts,
  TraceOverview,
} from './TraceOverview.js';

export function AnalysisScreen() {
  const summary = useApp((s) => s.summary);
  const [showDetails, setShowDetails] = useState(false);
  const enlarged = useApp((s) => s.panelEnlarged);
  const graphArea = useRef<HTMLDivElement>(null);
  const [splitHeight, setSplitHeight] = useSplitHeight();
  if (summary === undefined) {
    return null;
  }
  const hasDpc = summary.tableRows.dpcIsr > 0;
  return (
    <div className={enlarged ? 'analysis enlarged' : 'analysis'} data-testid="analysis">
      <TopBar onToggleDetails={() => setShowDetails((v) => !v)} detailsOpen={showDetails} />
      <div className="facts-row">
        <TraceFacts summary={summary} />
        {summary.explanations.length > 0 && (
          <div className="explanations-inline" title={summary.explanations.join('\n')}>
            Note: {summary.explanations[0]}
            {summary.explanations.length > 1 ? ` (+${summary.explanations.length - 1} more in Details)` : ''}
          </div>
        )}
      </div>
      <LostDataWarning summary={summary} />
      <FileProblemsWarning summary={summary} />
      <CircularLoggerNotice summary={summary} />
      {showDetails && (
        <div className="details-drawer" data-testid="details" role="dialog" aria-label="Trace details">
          <button
            type="button"
            className="button ghost drawer-close"
            onClick={() => setShowDetails(false)}
            aria-label="Close details"
          >
            ×
          </button>
          <TraceOverview summary={summary} />
        </div>
      )}
      {!enlarged && <Headline />}
      <EventDetails />
      {!enlarged && (
        <div
          className={splitHeight !== undefined ? 'graph-area sized' : 'graph-area'}
          ref={graphArea}
          style={splitHeight !== undefined ? { height: splitHeight } : undefined}
        >
          <CpuLegend />
          <Graphs />
        </div>
      )}
      {!enlarged && <Splitter target={graphArea} height={splitHeight} setHeight={setSplitHeight} />}
      <div className={hasDpc ? 'bottom' : 'bottom single'}>
        <PivotPanel />
        {hasDpc && <DurationHistogram />}
      </div>
    </div>
  );
}
