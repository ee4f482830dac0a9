// Stacks slice: what the stacks area shows — the preset (WPA's names), the mode (call tree,
// bottom-up, butterfly, flame graph), the butterfly's function, expanded paths per tree, the node
// budget asked of the engine and the flame graph's zoom. Results never live here (queries.ts
// builds the StackQuery, the component fetches it).

import type { StateCreator } from 'zustand/vanilla';
import { PATH_SEPARATOR, stackTreeKey, type AllSlices, type StacksSlice } from './slices.js';

/** The contract's default node budget: a screenful of expanded tree many times over. */
export const DEFAULT_STACK_NODES = 2000;
/** The contract's maximum (StackQuery.maxNodes). */
export const MAX_STACK_NODES = 100_000;
/** Each "(+N more)" asks for this many times more nodes, so three clicks reach the maximum. */
const STACK_NODES_GROWTH = 5;
/** Expanded paths kept per tree: far more than anyone opens by hand, bounded all the same. */
const MAX_EXPANDED_PER_TREE = 5000;

const bounded = (paths: readonly string[]): readonly string[] =>
  paths.length > MAX_EXPANDED_PER_TREE ? paths.slice(paths.length - MAX_EXPANDED_PER_TREE) : paths;

export const createStacksSlice: StateCreator<AllSlices, [], [], StacksSlice> = (set, get) => ({
  bottomArea: 'tables',
  stackPreset: 'dpcIsrUsageByModule',
  stackMode: 'call-tree',
  stackFocus: undefined,
  stackExpanded: {},
  stackReveal: undefined,
  stackMaxNodes: DEFAULT_STACK_NODES,
  flameZoom: undefined,
  panelEnlarged: false,
  togglePanelEnlarged: () => set({ panelEnlarged: !get().panelEnlarged }),
  showTables: () => set({ bottomArea: 'tables' }),
  showPower: () => set({ bottomArea: 'power' }),
  showThreads: () => set({ bottomArea: 'threads' }),
  showStacks: (preset, reveal) => {
    const state = get();
    const nextPreset = preset ?? state.stackPreset;
    const changed = nextPreset !== state.stackPreset;
    const base = {
      bottomArea: 'stacks' as const,
      stackPreset: nextPreset,
      ...(changed ? { stackMaxNodes: DEFAULT_STACK_NODES, flameZoom: undefined } : {}),
    };
    if (reveal === undefined || reveal.length === 0) {
      set(base);
      return;
    }
    // "Show stacks" on a pivot row: the call tree, with the row's groups expanded and it selected.
    const key = stackTreeKey(nextPreset, 'top-down');
    const prefixes = reveal.map((_, i) => reveal.slice(0, i + 1).join(PATH_SEPARATOR));
    const current = state.stackExpanded[key] ?? [];
    set({
      ...base,
      stackMode: 'call-tree',
      stackExpanded: {
        ...state.stackExpanded,
        [key]: bounded([...current.filter((p) => !prefixes.includes(p)), ...prefixes]),
      },
      stackReveal: { treeKey: key, path: prefixes[prefixes.length - 1]! },
    });
  },
  setStackPreset: (preset) =>
    set((state) =>
      preset === state.stackPreset
        ? {}
        : {
            stackPreset: preset,
            stackMaxNodes: DEFAULT_STACK_NODES,
            flameZoom: undefined,
            stackReveal: undefined,
          },
    ),
  setStackMode: (mode) => set({ stackMode: mode }),
  setStackFocus: (name) => {
    const { stackExpanded, stackPreset, stackMode } = get();
    // A new function: its butterfly halves start over with their default (only the function open).
    const halves = new Set((['callers', 'callees'] as const).map((view) => stackTreeKey(stackPreset, view)));
    set({
      stackFocus: name,
      stackMode: name !== undefined ? 'butterfly' : stackMode,
      stackExpanded: Object.fromEntries(Object.entries(stackExpanded).filter(([key]) => !halves.has(key))),
    });
  },
  toggleStackExpanded: (treeKey, path) => {
    const { stackExpanded } = get();
    const current = stackExpanded[treeKey] ?? [];
    const next = current.includes(path) ? current.filter((p) => p !== path) : [...current, path];
    set({ stackExpanded: { ...stackExpanded, [treeKey]: bounded(next) } });
  },
  expandStackPaths: (treeKey, paths) => {
    const { stackExpanded } = get();
    const current = stackExpanded[treeKey] ?? [];
    const added = paths.filter((p) => !current.includes(p));
    if (added.length > 0) {
      set({ stackExpanded: { ...stackExpanded, [treeKey]: bounded([...current, ...added]) } });
    }
  },
  collapseStacks: (treeKey) => set({ stackExpanded: { ...get().stackExpanded, [treeKey]: [] } }),
  revealStackPath: (treeKey, path) => set({ stackReveal: { treeKey, path } }),
  clearStackReveal: () => set({ stackReveal: undefined }),
  growStackNodes: () =>
    set({ stackMaxNodes: Math.min(MAX_STACK_NODES, get().stackMaxNodes * STACK_NODES_GROWTH) }),
  setFlameZoom: (path) => set({ flameZoom: path }),
});
