// The Power area (a bottom-panel tab beside Stacks): three views under the shared range and CPU
// filter — CPU Idle States (stats, histogram, rows; Actual and Target), Actual vs Target lanes for
// every CPU, and Processor performance (P-state lanes, time at each state). Which view is open is
// this panel's own state: nothing else reads it.

import { useState } from 'react';
import { useApp, useQueryInputs } from '../state/store.js';
import { IdleStatesView } from './IdleStatesView.js';
import { ActualTargetView, PerformanceView } from './PowerLanes.js';
import { hasIdleEvents, hasPerfStates, hasPowerData } from './power-model.js';

type PowerView = 'idle' | 'lanes' | 'perf';

const VIEWS: readonly { view: PowerView; label: string; title: string }[] = [
  {
    view: 'idle',
    label: 'CPU Idle States',
    title: 'Residency, transitions and visit lengths per state; the rows',
  },
  {
    view: 'lanes',
    label: 'Actual vs Target',
    title: 'Every CPU: the C-state it was in and the one the OS asked for',
  },
  {
    view: 'perf',
    label: 'Processor performance',
    title: 'Performance states (P-state indices) per CPU over time',
  },
];

export function PowerPanel() {
  const summary = useQueryInputs().summary!;
  const idle = hasIdleEvents(summary);
  const perf = hasPerfStates(summary);
  const [chosen, setChosen] = useState<PowerView>(idle ? 'idle' : 'perf');
  const enabled = (view: PowerView) => (view === 'perf' ? perf : idle);
  const view = enabled(chosen) ? chosen : (VIEWS.find((v) => enabled(v.view))?.view ?? 'idle');
  return (
    <div className="power-panel" data-testid="power-panel">
      <div className="stack-toolbar">
        {VIEWS.map((v) => (
          <button
            type="button"
            key={v.view}
            className={view === v.view ? 'button small active' : 'button small'}
            disabled={!enabled(v.view)}
            title={enabled(v.view) ? v.title : 'Not recorded in this trace'}
            onClick={() => setChosen(v.view)}
            data-testid={`power-view-${v.view}`}
          >
            {v.label}
          </button>
        ))}
        <span className="muted">under the view range and CPU filter</span>
      </div>
      <div className="power-body">
        {view === 'idle' && <IdleStatesView />}
        {view === 'lanes' && <ActualTargetView />}
        {view === 'perf' && <PerformanceView />}
      </div>
    </div>
  );
}

/** The tab beside Stacks; enabled when the trace has idle states or performance states. */
export function PowerTab() {
  const summary = useQueryInputs().summary!;
  const area = useApp((s) => s.bottomArea);
  const showPower = useApp((s) => s.showPower);
  const enabled = hasPowerData(summary);
  return (
    <button
      type="button"
      role="tab"
      aria-selected={area === 'power'}
      className={area === 'power' ? 'tab active' : 'tab'}
      disabled={!enabled}
      onClick={showPower}
      title={
        enabled
          ? 'CPU idle states (Actual and Target), Actual vs Target per CPU, processor performance states'
          : 'No idle-state or performance-state events in this trace'
      }
      data-testid="tab-power"
    >
      Power
    </button>
  );
}
