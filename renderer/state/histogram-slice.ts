// Histogram slice: which bucket scheme the DPC/ISR duration histogram uses (xperf doubling or
// LatencyMon bands) and the bucket the user clicked, which filters the pivot and highlights marks.

import type { StateCreator } from 'zustand/vanilla';
import type { AllSlices, HistogramSlice } from './slices.js';

export const createHistogramSlice: StateCreator<AllSlices, [], [], HistogramSlice> = (set, get) => ({
  histogramScheme: 'doubling',
  bucketFilter: undefined,
  setHistogramScheme: (scheme) => set({ histogramScheme: scheme, bucketFilter: undefined }),
  toggleBucketFilter: (bucket) => {
    const current = get().bucketFilter;
    const same = current !== undefined && current.minNs === bucket.minNs && current.maxNs === bucket.maxNs;
    set({ bucketFilter: same ? undefined : bucket });
  },
});
