// Export slice: the CSV export in flight (request id, rows of total, bytes), shown in the top bar
// with a Cancel button. app/actions.ts does the I/O; this only records it.
//
//   exportCsv ──exportStarted(id)──> 'export-progress' events ──applyExportProgress(id)
//             answer / failure / cancel ──exportEnded(id)──> no export in flight

import type { StateCreator } from 'zustand/vanilla';
import type { AllSlices, ExportSlice } from './slices.js';

export const createExportSlice: StateCreator<AllSlices, [], [], ExportSlice> = (set, get) => ({
  exportJob: undefined,
  exportStarted: (requestId, what) =>
    set({ exportJob: { requestId, what, rows: 0, totalRows: undefined, bytes: 0 } }),
  applyExportProgress: (progress) => {
    const job = get().exportJob;
    if (job === undefined || job.requestId !== progress.requestId) {
      return;
    }
    set({
      exportJob: { ...job, rows: progress.rows, totalRows: progress.totalRows, bytes: progress.bytes },
    });
  },
  exportEnded: (requestId) => {
    if (get().exportJob?.requestId === requestId) {
      set({ exportJob: undefined });
    }
  },
});
