// Trace slice: which trace is open, its load progress, summary and load error. When a trace
// becomes ready the per-trace view (range, filters, pivot layouts) is reset to the defaults and
// then overlaid with what was saved for the same file, so reopening a trace restores the view.
// Symbol load state and the stack trees' expansion belong to one trace: reset on every change.

import type { StateCreator } from 'zustand/vanilla';
import { EMPTY_FILTERS, defaultLayouts } from './defaults.js';
import type { AllSlices, TraceSlice } from './slices.js';
import { DEFAULT_STACK_NODES } from './stacks-slice.js';
import { IDLE_SYMBOL_LOAD } from './symbols-slice.js';
import type { PersistedView } from './view-persistence.js';

export interface TraceSliceDeps {
  /** Saved view for a trace (by name + size), if any. */
  readonly restoreView: (fileName: string, fileSize: number) => Partial<PersistedView> | undefined;
}

/** Per-trace state of the symbols and stacks slices, as a fresh trace starts. */
const FRESH_SYMBOLS_AND_STACKS = {
  symbolLoad: IDLE_SYMBOL_LOAD,
  symbolsVersion: 0,
  symbolsDialogOpen: false,
  stackFocus: undefined,
  stackExpanded: {},
  stackReveal: undefined,
  stackMaxNodes: DEFAULT_STACK_NODES,
  flameZoom: undefined,
} as const;

export const createTraceSlice =
  (deps: TraceSliceDeps): StateCreator<AllSlices, [], [], TraceSlice> =>
  (set) => ({
    traceStatus: 'empty',
    traceId: undefined,
    loadingName: undefined,
    summary: undefined,
    progress: undefined,
    loadError: undefined,
    beginLoading: (name) =>
      set({
        traceStatus: 'loading',
        traceId: undefined,
        loadingName: name,
        summary: undefined,
        progress: undefined,
        loadError: undefined,
      }),
    applyProgress: (progress) =>
      set((state) =>
        state.traceStatus === 'loading' ? { progress, summary: progress.summary ?? state.summary } : {},
      ),
    traceReady: (traceId, summary) => {
      const saved = deps.restoreView(summary.fileName, summary.fileSize) ?? {};
      const rangeFits = saved.committedRange !== undefined && saved.committedRange.start < summary.durationNs;
      set({
        traceStatus: 'ready',
        traceId,
        summary,
        loadError: undefined,
        committedRange: rangeFits ? saved.committedRange : undefined,
        zoomBack: [],
        zoomForward: [],
        selection: undefined,
        found: undefined,
        selectedEvent: undefined,
        eventReveal: undefined,
        selectedCpus: [],
        cpuAnchor: undefined,
        filters: saved.filters ?? EMPTY_FILTERS,
        filterUndo: [],
        layouts: { ...defaultLayouts(), ...(saved.layouts ?? {}) },
        bucketFilter: undefined,
        ...FRESH_SYMBOLS_AND_STACKS,
        ...(saved.histogramScheme !== undefined ? { histogramScheme: saved.histogramScheme } : {}),
      });
    },
    traceFailed: (error) => set({ traceStatus: 'failed', loadError: error, traceId: undefined }),
    resetTrace: () =>
      set({
        traceStatus: 'empty',
        traceId: undefined,
        loadingName: undefined,
        summary: undefined,
        progress: undefined,
        loadError: undefined,
        committedRange: undefined,
        zoomBack: [],
        zoomForward: [],
        selection: undefined,
        found: undefined,
        selectedEvent: undefined,
        eventReveal: undefined,
        ...FRESH_SYMBOLS_AND_STACKS,
      }),
  });
