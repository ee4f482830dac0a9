// Menu commands and keyboard shortcuts drive the store (BackendEvent 'command' → store actions).

import { beforeEach, describe, expect, it } from 'vitest';
import { traceNs } from '../../shared/units.js';
import { getAppStore } from '../state/store.js';
import { summaryFixture } from '../state/test-fixtures.js';
import { handleBackendEvent, handleKeyDown } from './actions.js';

const store = () => getAppStore().getState();
const key = (k: string, extra: Partial<KeyboardEvent> = {}) =>
  ({
    key: k,
    target: null,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    preventDefault: () => undefined,
    ...extra,
  }) as unknown as KeyboardEvent;

describe('menu commands and keys', () => {
  beforeEach(() => {
    store().resetTrace();
    store().beginLoading('t.etl');
    store().traceReady('t', summaryFixture());
  });

  it('zoom-in / zoom-out / unzoom / reset-zoom commands change the committed range', () => {
    handleBackendEvent({ type: 'command', command: 'zoom-in' });
    expect(store().committedRange).toEqual({ start: 2.5e9, end: 7.5e9 });
    handleBackendEvent({ type: 'command', command: 'zoom-in' });
    handleBackendEvent({ type: 'command', command: 'unzoom' }); // one step back
    expect(store().committedRange).toEqual({ start: 2.5e9, end: 7.5e9 });
    handleBackendEvent({ type: 'command', command: 'zoom-out' });
    expect(store().committedRange).toBeUndefined();
    handleBackendEvent({ type: 'command', command: 'zoom-in' });
    handleBackendEvent({ type: 'command', command: 'reset-zoom' });
    expect(store().committedRange).toBeUndefined();
  });

  it('progress events reach the loading screen only while loading', () => {
    const progress = {
      traceId: 'x',
      phase: 'reading' as const,
      bytesRead: 10,
      totalBytes: 100,
      events: 5,
      elapsedMs: 3,
    };
    handleBackendEvent({ type: 'progress', progress });
    expect(store().progress).toBeUndefined();
    store().beginLoading('next.etl');
    handleBackendEvent({ type: 'progress', progress });
    expect(store().progress).toEqual(progress);
  });

  it('keys: Z zooms to the selection, + / - zoom, Alt+Left goes back, Escape clears the selection', () => {
    store().setSelection({ start: traceNs(1e9), end: traceNs(2e9) });
    handleKeyDown(key('z'));
    expect(store().committedRange).toEqual({ start: 1e9, end: 2e9 });
    handleKeyDown(key('-'));
    expect(store().committedRange).toEqual({ start: 0.5e9, end: 2.5e9 });
    handleKeyDown(key('ArrowLeft', { altKey: true }));
    expect(store().committedRange).toEqual({ start: 1e9, end: 2e9 });
    store().setSelection({ start: traceNs(1.2e9), end: traceNs(1.4e9) });
    handleKeyDown(key('Escape'));
    expect(store().selection).toBeUndefined();
    handleKeyDown(key('0'));
    expect(store().committedRange).toBeUndefined();
  });

  it('Ctrl+Z undoes the last filter', () => {
    store().clickCpu(2, {});
    store().filterToSelectedCpus();
    handleKeyDown(key('z', { ctrlKey: true }));
    expect(store().filters.cpuFilter).toBeUndefined();
  });
});
