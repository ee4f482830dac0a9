// Start screen: what the app answers, and how to open a trace (drop anywhere, or Open…).

import { useApp } from '../state/store.js';
import { OpenButton } from './OpenButton.js';
import { ThemeToggle } from './ThemeToggle.js';

export function StartScreen() {
  useApp((s) => s.theme);
  return (
    <div className="start-screen" data-testid="start-screen">
      <div className="start-corner">
        <ThemeToggle />
      </div>
      <div className="start-card">
        <h1>etlscope</h1>
        <p className="start-lead">
          Which driver's DPCs and ISRs run too long, on which CPUs — and how busy and how deeply idle each CPU
          was.
        </p>
        <div className="drop-zone">
          <div className="drop-icon" aria-hidden="true">
            ⇩
          </div>
          <div>
            Drop a Windows trace (<code>.etl</code>) anywhere in this window
          </div>
          <div className="drop-or">or</div>
          <OpenButton label="Open a trace…" primary />
        </div>
        <p className="start-hint">
          Record one with <code>xperf -on PROC_THREAD+LOADER+DPC+INTERRUPT+CSWITCH+IDLE_STATES</code> or WPR's
          CPU usage profile. The trace is analysed by etlscope on this machine (or by the{' '}
          <code>etlscope serve</code> you started); it is never sent anywhere else.
        </p>
      </div>
    </div>
  );
}
