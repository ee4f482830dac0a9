// Symbols slice: the saved setting (parsed defensively, persisted globally), the load in flight
// (progress and answers of other requests ignored) and symbolsVersion following the answers.

import { describe, expect, it } from 'vitest';
import type { SymbolLoadResult } from '../../shared/contract.js';
import { SYMBOL_SETTING_KEY, createAppStore } from './store.js';
import { DEFAULT_SYMBOL_SETTING, MAX_SYMBOL_PATH_LENGTH, parseSymbolSetting } from './symbols-slice.js';
import { MapStorage, summaryFixture } from './test-fixtures.js';

function readyStore(storage?: MapStorage) {
  const store = createAppStore({ storage });
  store.getState().beginLoading('backup.etl');
  store.getState().traceReady('t1', summaryFixture());
  return store;
}

const result = (version: number, overrides: Partial<SymbolLoadResult> = {}): SymbolLoadResult => ({
  symbolsVersion: version,
  modules: [],
  loaded: 0,
  notFound: 0,
  failed: 0,
  cancelled: false,
  symbolPath: '',
  problems: [],
  ...overrides,
});

describe('symbol setting', () => {
  it('parses what was saved, field by field, and falls back on anything malformed', () => {
    expect(parseSymbolSetting(null)).toEqual(DEFAULT_SYMBOL_SETTING);
    expect(parseSymbolSetting('not json')).toEqual(DEFAULT_SYMBOL_SETTING);
    expect(parseSymbolSetting('null')).toEqual(DEFAULT_SYMBOL_SETTING);
    expect(parseSymbolSetting('{"symbolPath":"srv*C:\\\\s*https://x","microsoftServer":true}')).toEqual({
      symbolPath: 'srv*C:\\s*https://x',
      microsoftServer: true,
    });
    expect(parseSymbolSetting('{"symbolPath":7,"microsoftServer":"yes"}')).toEqual(DEFAULT_SYMBOL_SETTING);
    expect(parseSymbolSetting(JSON.stringify({ symbolPath: 'x'.repeat(10_000) })).symbolPath).toHaveLength(
      MAX_SYMBOL_PATH_LENGTH,
    );
  });

  it('is off by default (no server) and saved globally, not per trace', () => {
    const storage = new MapStorage();
    const store = createAppStore({ storage });
    expect(store.getState().symbolSetting).toEqual({ symbolPath: '', microsoftServer: false });
    store.getState().setSymbolSetting({ symbolPath: 'D:\\pdbs', microsoftServer: true });
    expect(JSON.parse(storage.getItem(SYMBOL_SETTING_KEY)!)).toEqual({
      symbolPath: 'D:\\pdbs',
      microsoftServer: true,
    });
    // A new app start reads it back before any trace is open.
    expect(createAppStore({ storage }).getState().symbolSetting.symbolPath).toBe('D:\\pdbs');
  });
});

describe('symbol load state', () => {
  it('follows its own request: progress, the answer, and symbolsVersion', () => {
    const store = readyStore();
    expect(store.getState().symbolsVersion).toBe(0);
    store.getState().symbolLoadStarted('s1', true);
    expect(store.getState().symbolLoad).toMatchObject({
      status: 'loading',
      requestId: 's1',
      background: true,
    });
    const progress = { traceId: 't1', requestId: 's1', filesDone: 3, filesTotal: 18, bytesDownloaded: 10 };
    store.getState().applySymbolProgress(progress);
    expect(store.getState().symbolLoad.progress).toEqual(progress);
    // Another request's or another trace's progress is not this load's.
    store.getState().applySymbolProgress({ ...progress, requestId: 'old', filesDone: 9 });
    store.getState().applySymbolProgress({ ...progress, traceId: 'other', filesDone: 9 });
    expect(store.getState().symbolLoad.progress?.filesDone).toBe(3);
    store.getState().symbolLoadFinished('old', result(7));
    expect(store.getState().symbolsVersion).toBe(0);
    store.getState().symbolLoadFinished('s1', result(2, { loaded: 16 }));
    expect(store.getState().symbolsVersion).toBe(2);
    expect(store.getState().symbolLoad).toMatchObject({ status: 'done', requestId: undefined });
    expect(store.getState().symbolLoad.result?.loaded).toBe(16);
  });

  it('keeps the last result while a new load runs, and records a failure', () => {
    const store = readyStore();
    store.getState().symbolLoadStarted('s1', true);
    store.getState().symbolLoadFinished('s1', result(1, { loaded: 4 }));
    store.getState().symbolLoadStarted('s2', false);
    expect(store.getState().symbolLoad.result?.loaded).toBe(4);
    expect(store.getState().symbolLoad.progress).toBeUndefined();
    store.getState().symbolLoadFailed('s2', { name: 'Error', message: 'boom' });
    expect(store.getState().symbolLoad).toMatchObject({ status: 'failed', error: { message: 'boom' } });
    expect(store.getState().symbolsVersion).toBe(1);
  });

  it('starts over for each trace (version, load, dialog)', () => {
    const store = readyStore();
    store.getState().openSymbolsDialog();
    store.getState().symbolLoadStarted('s1', false);
    store.getState().symbolLoadFinished('s1', result(3));
    store.getState().beginLoading('audio.etl');
    store.getState().traceReady('t2', summaryFixture({ fileName: 'audio.etl' }));
    expect(store.getState().symbolsVersion).toBe(0);
    expect(store.getState().symbolLoad.status).toBe('idle');
    expect(store.getState().symbolsDialogOpen).toBe(false);
    store.getState().resetTrace();
    expect(store.getState().symbolLoad.result).toBeUndefined();
  });
});
