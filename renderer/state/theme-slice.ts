// Theme slice: light or dark. Saved globally (not per trace) by store.ts.

import type { StateCreator } from 'zustand/vanilla';
import type { AllSlices, Theme, ThemeSlice } from './slices.js';

export const createThemeSlice =
  (initial: Theme): StateCreator<AllSlices, [], [], ThemeSlice> =>
  (set, get) => ({
    theme: initial,
    setTheme: (theme) => set({ theme }),
    toggleTheme: () => set({ theme: get().theme === 'light' ? 'dark' : 'light' }),
  });
