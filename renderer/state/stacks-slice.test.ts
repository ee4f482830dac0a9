// Stacks slice: presets and modes, "Show stacks" from a pivot row (call tree, group paths expanded
// and revealed), expansion per tree, the butterfly's function, the bounded node budget.

import { describe, expect, it } from 'vitest';
import { createAppStore } from './store.js';
import { PATH_SEPARATOR, stackTreeKey } from './slices.js';
import { DEFAULT_STACK_NODES, MAX_STACK_NODES } from './stacks-slice.js';
import { summaryFixture } from './test-fixtures.js';

function readyStore() {
  const store = createAppStore();
  store.getState().beginLoading('backup.etl');
  store.getState().traceReady('t1', summaryFixture());
  return store;
}

describe('stacks slice', () => {
  it('opens on DPC/ISR Usage by Module as a call tree, below the tables', () => {
    const s = readyStore().getState();
    expect(s.bottomArea).toBe('tables');
    expect(s.stackPreset).toBe('dpcIsrUsageByModule');
    expect(s.stackMode).toBe('call-tree');
  });

  it('Show stacks on a row: switches area and preset, expands each prefix of the path, reveals it', () => {
    const store = readyStore();
    store.getState().setStackMode('flame');
    store.getState().showStacks('dpcIsrDurationByFunction', ['ndis.sys', 'ndisInterruptDpc']);
    const s = store.getState();
    const key = stackTreeKey('dpcIsrDurationByFunction', 'top-down');
    expect(s.bottomArea).toBe('stacks');
    expect(s.stackMode).toBe('call-tree');
    expect(s.stackExpanded[key]).toEqual(['ndis.sys', `ndis.sys${PATH_SEPARATOR}ndisInterruptDpc`]);
    expect(s.stackReveal).toEqual({ treeKey: key, path: `ndis.sys${PATH_SEPARATOR}ndisInterruptDpc` });
    // Twice: no duplicates.
    store.getState().showStacks('dpcIsrDurationByFunction', ['ndis.sys']);
    expect(store.getState().stackExpanded[key]).toEqual([
      `ndis.sys${PATH_SEPARATOR}ndisInterruptDpc`,
      'ndis.sys',
    ]);
    store.getState().clearStackReveal();
    expect(store.getState().stackReveal).toBeUndefined();
    store.getState().showTables();
    expect(store.getState().bottomArea).toBe('tables');
  });

  it('the Power tab is a bottom area of its own; Stacks and the tables leave it', () => {
    const store = readyStore();
    store.getState().showPower();
    expect(store.getState().bottomArea).toBe('power');
    store.getState().showStacks();
    expect(store.getState().bottomArea).toBe('stacks');
    store.getState().showPower();
    store.getState().showTables();
    expect(store.getState().bottomArea).toBe('tables');
  });

  it('Threads: its own bottom area, left for the tables or the stacks like the others', () => {
    const store = readyStore();
    store.getState().showThreads();
    expect(store.getState().bottomArea).toBe('threads');
    store.getState().showStacks();
    expect(store.getState().bottomArea).toBe('stacks');
    store.getState().showThreads();
    store.getState().showTables();
    expect(store.getState().bottomArea).toBe('tables');
  });

  it('toggles, expands and collapses per tree', () => {
    const store = readyStore();
    const a = stackTreeKey('dpcIsrUsageByModule', 'top-down');
    const b = stackTreeKey('dpcIsrUsageByModule', 'bottom-up');
    store.getState().toggleStackExpanded(a, 'x');
    store.getState().expandStackPaths(a, ['x', 'y']);
    store.getState().toggleStackExpanded(b, 'z');
    expect(store.getState().stackExpanded[a]).toEqual(['x', 'y']);
    store.getState().toggleStackExpanded(a, 'x');
    expect(store.getState().stackExpanded[a]).toEqual(['y']);
    store.getState().collapseStacks(a);
    expect(store.getState().stackExpanded[a]).toEqual([]);
    expect(store.getState().stackExpanded[b]).toEqual(['z']);
  });

  it('a butterfly function switches to the butterfly, both halves back to their default', () => {
    const store = readyStore();
    const callers = stackTreeKey('dpcIsrUsageByModule', 'callers');
    store.getState().toggleStackExpanded(callers, 'old');
    store.getState().setStackFocus('ndis.sys!ndisInterruptDpc');
    expect(store.getState()).toMatchObject({
      stackFocus: 'ndis.sys!ndisInterruptDpc',
      stackMode: 'butterfly',
    });
    expect(store.getState().stackExpanded[callers]).toBeUndefined();
  });

  it('grows the node budget up to the contract maximum, and resets it with the preset', () => {
    const store = readyStore();
    expect(store.getState().stackMaxNodes).toBe(DEFAULT_STACK_NODES);
    for (let i = 0; i < 10; i++) store.getState().growStackNodes();
    expect(store.getState().stackMaxNodes).toBe(MAX_STACK_NODES);
    store.getState().setFlameZoom('a');
    store.getState().setStackPreset('utilizationByProcess');
    expect(store.getState().stackMaxNodes).toBe(DEFAULT_STACK_NODES);
    expect(store.getState().flameZoom).toBeUndefined();
  });

  it('a new trace forgets expansion, focus and zoom but keeps the area and preset', () => {
    const store = readyStore();
    store.getState().showStacks('utilizationByProcess', ['sqlservr.exe (4120)']);
    store.getState().setStackFocus('a!b');
    store.getState().beginLoading('other.etl');
    store.getState().traceReady('t2', summaryFixture({ fileName: 'other.etl' }));
    const s = store.getState();
    expect(s.stackExpanded).toEqual({});
    expect(s.stackFocus).toBeUndefined();
    expect(s.stackPreset).toBe('utilizationByProcess');
    expect(s.bottomArea).toBe('stacks');
  });
});
