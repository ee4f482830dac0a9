// The renderer's one zustand store, combined from typed slices (the only file importing zustand's
// store factories). Persistence is applied here, on the combined store, never inside a slice:
//
//   slices ──set()──> store ──subscribe──> saveView(localStorage, key(file name + size))
//                               └──────> theme and the symbol setting saved globally
//   traceReady(summary) ──restoreView(key)──> range / filters / layouts of the last visit
//
// Components read with narrow selectors (`useApp(s => s.x)`, `useShallow` for derived arrays).

import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createExportSlice } from './export-slice.js';
import { createFilterSlice } from './filter-slice.js';
import { createHistogramSlice } from './histogram-slice.js';
import { createPivotSlice } from './pivot-slice.js';
import type { AllSlices, Theme } from './slices.js';
import { createStacksSlice } from './stacks-slice.js';
import { createSymbolsSlice, parseSymbolSetting } from './symbols-slice.js';
import { createThemeSlice } from './theme-slice.js';
import { createTraceSlice } from './trace-slice.js';
import { createViewSlice } from './view-slice.js';
import {
  defaultStorage,
  loadView,
  saveView,
  viewStorageKey,
  type KeyValueStorage,
  type PersistedView,
} from './view-persistence.js';

export type AppStore = StoreApi<AllSlices>;

const THEME_KEY = 'etlscope:theme';
/** The Load Symbols setting (symbol path, Microsoft server): an app setting, the same for every trace. */
export const SYMBOL_SETTING_KEY = 'etlscope:symbols:v1';

export interface AppStoreOptions {
  /** Where view state and the theme persist; none = nothing is saved (tests that don't care). */
  readonly storage?: KeyValueStorage;
  /** Theme when none was saved (the OS preference in the app). */
  readonly preferredTheme?: Theme;
}

const persistedViewOf = (state: AllSlices): PersistedView => ({
  committedRange: state.committedRange,
  filters: state.filters,
  layouts: state.layouts,
  histogramScheme: state.histogramScheme,
});

export function createAppStore(options: AppStoreOptions = {}): AppStore {
  const storage = options.storage;
  const savedTheme = storage?.getItem(THEME_KEY);
  const initialTheme: Theme =
    savedTheme === 'dark' || savedTheme === 'light' ? savedTheme : (options.preferredTheme ?? 'light');
  let savedSymbols: string | null | undefined;
  try {
    savedSymbols = storage?.getItem(SYMBOL_SETTING_KEY);
  } catch {
    savedSymbols = undefined; // storage unavailable: the default setting
  }
  const store = createStore<AllSlices>()((...a) => ({
    ...createTraceSlice({
      restoreView: (fileName, fileSize) =>
        storage ? loadView(storage, viewStorageKey(fileName, fileSize)) : undefined,
    })(...a),
    ...createExportSlice(...a),
    ...createViewSlice(...a),
    ...createFilterSlice(...a),
    ...createPivotSlice(...a),
    ...createHistogramSlice(...a),
    ...createThemeSlice(initialTheme)(...a),
    ...createSymbolsSlice(parseSymbolSetting(savedSymbols))(...a),
    ...createStacksSlice(...a),
  }));
  if (storage !== undefined) {
    store.subscribe((state, previous) => {
      if (state.theme !== previous.theme) {
        try {
          storage.setItem(THEME_KEY, state.theme);
        } catch {
          // Storage unavailable: the theme just isn't remembered.
        }
      }
      if (state.symbolSetting !== previous.symbolSetting) {
        try {
          storage.setItem(SYMBOL_SETTING_KEY, JSON.stringify(state.symbolSetting));
        } catch {
          // Storage unavailable: the symbol path is asked again next time.
        }
      }
      const summary = state.summary;
      if (state.traceStatus !== 'ready' || summary === undefined) {
        return;
      }
      const changed =
        state.committedRange !== previous.committedRange ||
        state.filters !== previous.filters ||
        state.layouts !== previous.layouts ||
        state.histogramScheme !== previous.histogramScheme;
      if (changed) {
        saveView(storage, viewStorageKey(summary.fileName, summary.fileSize), persistedViewOf(state));
      }
    });
  }
  return store;
}

const prefersDark = (): boolean =>
  typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

/** The app's store (created lazily so importing this module in tests has no side effects). */
let appStore: AppStore | undefined;
export function getAppStore(): AppStore {
  appStore ??= createAppStore({
    storage: defaultStorage(),
    preferredTheme: prefersDark() ? 'dark' : 'light',
  });
  return appStore;
}

/** React hook: subscribe to a narrow slice of the app store. */
export function useApp<T>(selector: (state: AllSlices) => T): T {
  return useStore(getAppStore(), selector);
}

/** React hook: derived object/array from the store, re-rendering only when it changes shallowly. */
export function useAppShallow<T>(selector: (state: AllSlices) => T): T {
  return useStore(getAppStore(), useShallow(selector));
}

/** The state every query descriptor is built from (range, filters, layouts, histogram). */
export function useQueryInputs() {
  return useAppShallow((s) => ({
    traceId: s.traceId,
    summary: s.summary,
    committedRange: s.committedRange,
    filters: s.filters,
    bucketFilter: s.bucketFilter,
    layouts: s.layouts,
    histogramScheme: s.histogramScheme,
    symbolsVersion: s.symbolsVersion,
  }));
}
