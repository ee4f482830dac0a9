// Trace slice: which trace is open, its load progress, summary and load error. When a trace
// becomes ready the per-trace view (range, filters, pivot layouts) is reset to the defaults and
// then overlaid with what was saved for the same file, so reopening a trace restores the view.

import type { StateCreator } from 'zustand/vanilla';
import { EMPTY_FILTERS, defaultLayouts } from './defaults.js';
import type { AllSlices, TraceSlice } from './slices.js';
import type { PersistedView } from './view-persistence.js';

export interface TraceSliceDeps {
  /** Saved view for a trace (by name + size), if any. */
  readonly restoreView: (fileName: string, fileSize: number) => Partial<PersistedView> | undefined;
}

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
        selectedCpus: [],
        cpuAnchor: undefined,
        filters: saved.filters ?? EMPTY_FILTERS,
        filterUndo: [],
        layouts: { ...defaultLayouts(), ...(saved.layouts ?? {}) },
        bucketFilter: undefined,
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
      }),
  });
