// View slice: the committed zoom range with back/forward history (as in WPA and browsers) and the
// preview selection dragged on a graph. Ranges are clamped to [0, trace duration].

import type { StateCreator } from 'zustand/vanilla';
import { traceNs, type TimeRange } from '../../shared/units.js';
import type { AllSlices, ViewSlice } from './slices.js';

/** Narrowest zoom: 1 µs; below that the timer resolution of most traces (100 ns) shows nothing. */
export const MIN_SPAN_NS = 1_000;
/** Zooming to one event shows this many of its durations on each side (its neighbours, its context). */
const EVENT_ZOOM_PADDING = 4;
/** …but never less than this span, so a 2 µs ISR still shows what ran around it. */
const EVENT_ZOOM_MIN_SPAN_NS = 50_000;

/** Zoom history depth; older entries are dropped (nobody steps back 100 zooms). */
const MAX_HISTORY = 100;

/** The range actually shown: the committed zoom or the whole trace. */
export function visibleRange(state: Pick<AllSlices, 'committedRange' | 'summary'>): TimeRange {
  return (
    state.committedRange ?? {
      start: traceNs(0),
      end: traceNs(Math.max(state.summary?.durationNs ?? 0, MIN_SPAN_NS)),
    }
  );
}

function clampRange(start: number, end: number, durationNs: number): TimeRange | undefined {
  let span = Math.max(end - start, MIN_SPAN_NS);
  const total = Math.max(durationNs, MIN_SPAN_NS);
  if (span >= total) {
    return undefined; // the whole trace
  }
  span = Math.min(span, total);
  const clampedStart = Math.min(Math.max(start, 0), total - span);
  return { start: traceNs(clampedStart), end: traceNs(clampedStart + span) };
}

const sameRange = (a: TimeRange | undefined, b: TimeRange | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.start === b.start && a.end === b.end);

export const createViewSlice: StateCreator<AllSlices, [], [], ViewSlice> = (set, get) => {
  /** Reveals numbered for the store's life (not from the last one kept: a cleared selection must
   *  not make the next reveal repeat a number a table has already acted on). */
  let revealCount = 0;
  const commit = (next: TimeRange | undefined): void => {
    const state = get();
    if (sameRange(state.committedRange, next)) {
      return;
    }
    set({
      committedRange: next,
      zoomBack: [...state.zoomBack, state.committedRange].slice(-MAX_HISTORY),
      zoomForward: [],
    });
  };
  return {
    committedRange: undefined,
    zoomBack: [],
    zoomForward: [],
    selection: undefined,
    found: undefined,
    selectedEvent: undefined,
    eventReveal: undefined,
    setFound: (row) => set({ found: row }),
    selectEvent: (event, options) => {
      set({ selectedEvent: event });
      if (event === undefined) set({ eventReveal: undefined });
      else if (options?.reveal === true) set({ eventReveal: { event, seq: ++revealCount } });
      if (event !== undefined && options?.zoom === true) {
        const span = Math.max(event.durationNs * (1 + 2 * EVENT_ZOOM_PADDING), EVENT_ZOOM_MIN_SPAN_NS);
        const middle = event.enterNs + event.durationNs / 2;
        get().zoomTo({ start: traceNs(middle - span / 2), end: traceNs(middle + span / 2) });
      }
    },
    panBy: (fraction) => {
      const view = visibleRange(get());
      const shift = (view.end - view.start) * fraction;
      commit(clampRange(view.start + shift, view.end + shift, get().summary?.durationNs ?? view.end));
    },
    setSelection: (range) => {
      if (range === undefined || range.end <= range.start) {
        set({ selection: undefined });
        return;
      }
      const duration = get().summary?.durationNs ?? range.end;
      set({
        selection: { start: traceNs(Math.max(0, range.start)), end: traceNs(Math.min(duration, range.end)) },
      });
    },
    zoomTo: (range) => commit(clampRange(range.start, range.end, get().summary?.durationNs ?? range.end)),
    zoomToSelection: () => {
      const selection = get().selection;
      if (selection !== undefined) {
        get().zoomTo(selection);
        set({ selection: undefined });
      }
    },
    zoomBy: (factor, centerNs) => {
      const view = visibleRange(get());
      const center = centerNs ?? (view.start + view.end) / 2;
      const start = center - (center - view.start) * factor;
      const end = center + (view.end - center) * factor;
      commit(clampRange(start, end, get().summary?.durationNs ?? view.end));
    },
    unzoom: () => commit(undefined),
    zoomBackward: () => {
      const { zoomBack, zoomForward, committedRange } = get();
      if (zoomBack.length === 0) {
        return;
      }
      set({
        committedRange: zoomBack[zoomBack.length - 1],
        zoomBack: zoomBack.slice(0, -1),
        zoomForward: [...zoomForward, committedRange],
      });
    },
    zoomForwardAgain: () => {
      const { zoomBack, zoomForward, committedRange } = get();
      if (zoomForward.length === 0) {
        return;
      }
      set({
        committedRange: zoomForward[zoomForward.length - 1],
        zoomForward: zoomForward.slice(0, -1),
        zoomBack: [...zoomBack, committedRange],
      });
    },
  };
};
