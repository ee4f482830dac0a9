// The headline's power line: when idleStats names "all processors but one entered deep idle at
// about the same time and stayed there" (the DPC_WATCHDOG story of issue 11), that sentence, with
// a link that zooms to the moment they went down. Asked over the whole trace (the hint is about how
// the trace ends) under the CPU filter, only for traces with PPM idle events.

import { useQueryResult } from '../app/api.js';
import { traceNs } from '../../shared/units.js';
import { useApp, useQueryInputs } from '../state/store.js';
import { deepIdleQuery, hasIdleEvents } from './power-model.js';

/** The sentence's "at 50.040 ms": where the drop is. */
const AT_MS = / at ([\d.]+) ms /;
/** Zoom around the drop: this much before it and after it (enough to see the busy cycles stop). */
const ZOOM_BEFORE_NS = 5e6;
const ZOOM_AFTER_NS = 20e6;

export function DeepIdleLine() {
  const inputs = useQueryInputs();
  const zoomTo = useApp((s) => s.zoomTo);
  const enabled = inputs.summary !== undefined && hasIdleEvents(inputs.summary);
  const { result } = useQueryResult(
    'headline-deep-idle',
    enabled ? inputs.traceId : undefined,
    enabled ? deepIdleQuery(inputs) : undefined,
  );
  const hint = result?.deepIdleHint;
  if (hint === undefined) return null;
  const at = AT_MS.exec(hint);
  const atNs = at !== null ? Number(at[1]) * 1e6 : undefined;
  const duration = inputs.summary?.durationNs ?? 0;
  return (
    <div className="headline-line deep-idle" data-testid="headline-deep-idle">
      <span className="headline-label">Deep idle</span>
      <span>{hint}</span>
      {atNs !== undefined && (
        <>
          {' '}
          <button
            type="button"
            className="link-button"
            title="Zoom to the moment the processors went down"
            onClick={() =>
              zoomTo({
                start: traceNs(Math.max(0, atNs - ZOOM_BEFORE_NS)),
                end: traceNs(Math.min(duration, atNs + ZOOM_AFTER_NS)),
              })
            }
            data-testid="headline-deep-idle-link"
          >
            show
          </button>
        </>
      )}
    </div>
  );
}
