// Symbols slice: the "Load Symbols" setting (symbol path, Microsoft's server), the current trace's
// symbol load (in flight: request id + progress; done: the per-PDB result) and the symbolsVersion
// every query's cache key carries. app/actions.ts does the I/O; this only records it.
//
//   trace ready / dialog Load ──symbolLoadStarted(id)──> progress events ──applySymbolProgress
//        answer ──symbolLoadFinished(id, result)──> symbolsVersion = result.symbolsVersion
//                                                    (every view's key changes → views re-query)

import type { StateCreator } from 'zustand/vanilla';
import type { AllSlices, SymbolLoadState, SymbolSetting, SymbolsSlice } from './slices.js';

export const DEFAULT_SYMBOL_SETTING: SymbolSetting = { symbolPath: '', microsoftServer: false };

export const IDLE_SYMBOL_LOAD: SymbolLoadState = {
  status: 'idle',
  requestId: undefined,
  background: false,
  progress: undefined,
  result: undefined,
  error: undefined,
};

/** Longest symbol path kept: far beyond any real one, small enough for localStorage and the wire. */
export const MAX_SYMBOL_PATH_LENGTH = 4000;

/** A saved setting read back (anything malformed falls back to the default, field by field). */
export function parseSymbolSetting(text: string | null | undefined): SymbolSetting {
  if (text === null || text === undefined) {
    return DEFAULT_SYMBOL_SETTING;
  }
  try {
    const value = JSON.parse(text) as Partial<Record<keyof SymbolSetting, unknown>> | null;
    return {
      symbolPath:
        typeof value?.symbolPath === 'string' ? value.symbolPath.slice(0, MAX_SYMBOL_PATH_LENGTH) : '',
      microsoftServer: value?.microsoftServer === true,
    };
  } catch {
    return DEFAULT_SYMBOL_SETTING;
  }
}

export const createSymbolsSlice =
  (initial: SymbolSetting): StateCreator<AllSlices, [], [], SymbolsSlice> =>
  (set, get) => {
    /** Versions the engine never uses (it counts up from 0): one per unseen change. */
    let unseen = 0;
    return {
      symbolSetting: initial,
      symbolsVersion: 0,
      symbolLoad: IDLE_SYMBOL_LOAD,
      symbolsDialogOpen: false,
      setSymbolSetting: (setting) =>
        set({
          symbolSetting: {
            symbolPath: setting.symbolPath.slice(0, MAX_SYMBOL_PATH_LENGTH),
            microsoftServer: setting.microsoftServer,
          },
        }),
      openSymbolsDialog: () => set({ symbolsDialogOpen: true }),
      closeSymbolsDialog: () => set({ symbolsDialogOpen: false }),
      symbolLoadStarted: (requestId, background) =>
        set({
          symbolLoad: {
            ...get().symbolLoad,
            status: 'loading',
            requestId,
            background,
            progress: undefined,
            error: undefined,
          },
        }),
      applySymbolProgress: (progress) => {
        const load = get().symbolLoad;
        if (
          load.status === 'loading' &&
          load.requestId === progress.requestId &&
          progress.traceId === get().traceId
        ) {
          set({ symbolLoad: { ...load, progress } });
        }
      },
      symbolLoadFinished: (requestId, result) => {
        const load = get().symbolLoad;
        if (load.requestId !== requestId) {
          return;
        }
        set({
          symbolLoad: { ...load, status: 'done', requestId: undefined, result, error: undefined },
          symbolsVersion: result.symbolsVersion,
        });
      },
      symbolLoadFailed: (requestId, error) => {
        const load = get().symbolLoad;
        if (load.requestId !== requestId) {
          return;
        }
        set({ symbolLoad: { ...load, status: 'failed', requestId: undefined, error } });
      },
      symbolsChangedUnseen: () => set({ symbolsVersion: -++unseen }),
    };
  };
