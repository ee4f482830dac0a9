// Symbol loading from the app's side, against a recording fake EtlscopeApi (the preload's place):
// the background load once a trace is ready (saved setting, no server unless asked), progress
// events, the answer bumping symbolsVersion, a newer load cancelling the older, Cancel, the menu
// command, and symbol files dropped with a trace.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EtlscopeApi, SymbolLoadRequest, SymbolLoadResult, TraceSource } from '../../shared/contract.js';
import { getAppStore } from '../state/store.js';
import { summaryFixture } from '../state/test-fixtures.js';
import {
  cancelSymbolLoad,
  handleBackendEvent,
  loadSymbols,
  openFiles,
  openSource,
  partitionDroppedFiles,
  symbolRequest,
} from './actions.js';

interface Call {
  readonly traceId: string;
  readonly request: SymbolLoadRequest;
  readonly requestId: string;
  resolve(result: SymbolLoadResult): void;
  reject(error: unknown): void;
}

const calls: Call[] = [];
const cancelled: string[] = [];
const opened: TraceSource[] = [];
const result = (version: number, cancelledLoad = false): SymbolLoadResult => ({
  symbolsVersion: version,
  modules: [],
  loaded: 2,
  notFound: 1,
  failed: 0,
  cancelled: cancelledLoad,
  symbolPath: 'C:\\t.etl.symbols',
  problems: [],
});

const fake: EtlscopeApi = {
  transport: 'electron',
  openTrace: async (source) => {
    opened.push(source);
    return { traceId: `t${opened.length}`, summary: summaryFixture() };
  },
  query: (() => new Promise(() => undefined)) as EtlscopeApi['query'],
  cancel: async (requestId) => {
    cancelled.push(requestId);
  },
  exportCsv: async () => ({ rows: 0 }),
  loadSymbols: (traceId, request, requestId) =>
    new Promise((resolve, reject) => calls.push({ traceId, request, requestId, resolve, reject })),
  closeTrace: async () => undefined,
  onEvent: () => () => undefined,
  pathForFile: (file) => `/traces/drop/${file.name}`,
};

beforeAll(() => {
  vi.stubGlobal('window', { etlscope: fake, location: { href: 'file:///' } });
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const store = () => getAppStore().getState();
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('symbol loading actions', () => {
  it('loads once by itself when a trace is ready, with the saved setting and no server', async () => {
    await openSource({ kind: 'path', path: '/traces/a.etl' });
    expect(store().traceStatus).toBe('ready');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.traceId).toBe('t1');
    expect(calls[0]!.request).toEqual({});
    expect(store().symbolLoad).toMatchObject({ status: 'loading', background: true });
    handleBackendEvent({
      type: 'symbols-progress',
      progress: {
        traceId: 't1',
        requestId: calls[0]!.requestId,
        filesDone: 1,
        filesTotal: 3,
        bytesDownloaded: 0,
      },
    });
    expect(store().symbolLoad.progress?.filesDone).toBe(1);
    calls[0]!.resolve(result(1));
    await flush();
    expect(store().symbolsVersion).toBe(1);
    expect(store().symbolLoad.status).toBe('done');
  });

  it('a new load cancels the one in flight; Cancel stops it and keeps what loaded', async () => {
    store().setSymbolSetting({ symbolPath: 'srv*/cache*http://127.0.0.1:9/', microsoftServer: true });
    void loadSymbols();
    void loadSymbols();
    expect(calls).toHaveLength(3);
    expect(cancelled).toEqual([calls[1]!.requestId]);
    expect(calls[2]!.request).toEqual({
      symbolPath: 'srv*/cache*http://127.0.0.1:9/',
      microsoftServer: true,
    });
    expect(store().symbolLoad.background).toBe(false);
    await cancelSymbolLoad();
    expect(cancelled).toEqual([calls[1]!.requestId, calls[2]!.requestId]);
    calls[1]!.resolve(result(9)); // the superseded answer is not this load's
    calls[2]!.resolve(result(2, true));
    await flush();
    expect(store().symbolsVersion).toBe(2);
    expect(store().symbolLoad.result?.cancelled).toBe(true);
  });

  it('a cancel that rejects (the engine keeps what it read) makes every view ask again a moment later', async () => {
    vi.useFakeTimers();
    try {
      void loadSymbols();
      const call = calls.at(-1)!;
      const before = store().symbolsVersion;
      call.reject({ name: 'CancelledError', message: 'Loading symbols was cancelled.', code: 'cancelled' });
      await vi.advanceTimersByTimeAsync(0);
      expect(store().symbolLoad).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
      expect(store().symbolsVersion).toBe(before);
      await vi.advanceTimersByTimeAsync(2000);
      expect(store().symbolsVersion).toBeLessThan(0);
      // A real answer later sets the engine's version again.
      void loadSymbols();
      calls.at(-1)!.resolve(result(5));
      await vi.advanceTimersByTimeAsync(0);
      expect(store().symbolsVersion).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the menu command opens the dialog', () => {
    handleBackendEvent({ type: 'command', command: 'load-symbols' });
    expect(store().symbolsDialogOpen).toBe(true);
  });

  it('symbol files dropped with a trace: their folders join this trace’s symbol path (Electron)', async () => {
    store().setSymbolSetting({ symbolPath: '', microsoftServer: false });
    const file = (name: string) => ({ name }) as File;
    await openFiles([file('ndis.pdb'), file('backup.etl'), file('tcpip.sym')]);
    expect(opened.at(-1)).toEqual({ kind: 'path', path: '/traces/drop/backup.etl' });
    expect(calls.at(-1)!.request).toEqual({ symbolPath: '/traces/drop' });
    // The next trace does not inherit them.
    await openSource({ kind: 'path', path: '/traces/b.etl' });
    expect(calls.at(-1)!.request).toEqual({});
  });
});

describe('dropped files and symbol requests', () => {
  it('picks the trace and the symbol files out of a drop', () => {
    const f = (name: string) => ({ name });
    expect(partitionDroppedFiles([f('a.PDB'), f('x.etl'), f('b.sym.txt'), f('c.sym')])).toEqual({
      trace: f('x.etl'),
      symbols: [f('a.PDB'), f('b.sym.txt'), f('c.sym')],
    });
    expect(partitionDroppedFiles([f('a.pdb')]).trace).toBeUndefined();
    expect(partitionDroppedFiles([f('notes.txt'), f('trace.bin')]).trace).toEqual(f('notes.txt'));
  });

  it('joins the setting and the trace’s folders; a folder with ";" cannot be written and is left out', () => {
    expect(symbolRequest({ symbolPath: '  ', microsoftServer: false })).toEqual({});
    expect(symbolRequest({ symbolPath: 'D:\\pdbs', microsoftServer: false }, ['/a', '/b;c'])).toEqual({
      symbolPath: 'D:\\pdbs;/a',
    });
  });
});
