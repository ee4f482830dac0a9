// Main's IPC handlers and the preload API over an in-memory IPC pair: a fake ipcMain/ipcRenderer
// that structured-clones every message like Electron does, the real backend behind it (with the
// fake engine from backend/test-helpers for the mechanics).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, INVOKE_CHANNELS, type BackendEvent } from '../../shared/contract.js';
import { createBackend, type Backend } from '../backend/backend.js';
import { FakeEngine } from '../backend/test-helpers.js';
import { createPreloadApi } from '../preload/api.js';
import type { IpcMainInvokeEventLike, IpcMainLike, WebFrameMainLike } from './electron-api.js';
import { registerIpcHandlers } from './ipc.js';
import { APP_ENTRY_URL, isTrustedSenderFrame } from './security.js';

type Handler = (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** Fake Electron IPC: invoke → handler with a senderFrame, every value structured-cloned. */
function createIpcPair(frame: () => WebFrameMainLike | null) {
  const handlers = new Map<string, Handler>();
  const rendererListeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler({ senderFrame: frame() }, ...structuredClone(args)));
    },
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]);
    },
  };
  const send = (channel: string, payload: unknown) => {
    for (const listener of rendererListeners.get(channel) ?? [])
      listener({ sender: 'IpcRendererEvent' }, structuredClone(payload));
  };
  return { ipcMain, ipcRenderer, handlers, send };
}

describe('IPC: main handlers + preload API', () => {
  let dir: string;
  let engine: FakeEngine;
  let backend: Backend;
  let frame: WebFrameMainLike | null;
  let pair: ReturnType<typeof createIpcPair>;
  let rejected: string[];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'etlscope-ipc-'));
    await writeFile(path.join(dir, 'sample.etl'), Buffer.alloc(10));
    engine = new FakeEngine();
    backend = createBackend({
      openSession: engine.openSession,
      samplePath: path.join(dir, 'sample.etl'),
      allowPathSources: true,
      exportDestination: async () => ({ path: path.join(dir, 'out.csv') }),
      showOpenDialog: async () => path.join(dir, 'sample.etl'),
    });
    frame = { url: APP_ENTRY_URL, parent: null };
    pair = createIpcPair(() => frame);
    rejected = [];
    registerIpcHandlers(pair.ipcMain, backend, isTrustedSenderFrame, (channel) => rejected.push(channel));
    backend.onEvent((event) => pair.send(EVENT_CHANNEL, event));
  });

  afterEach(async () => {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers exactly the contract channels, all prefixed', () => {
    expect([...pair.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('opens a dropped file by path, queries, exports and closes', async () => {
    const api = createPreloadApi(pair.ipcRenderer, { getPathForFile: () => path.join(dir, 'sample.etl') });
    expect(api.transport).toBe('electron');
    const dropped = api.pathForFile(new File([], 'sample.etl'));
    const { traceId, summary } = await api.openTrace({ kind: 'path', path: dropped }, 'o1');
    expect(summary.fileName).toBe('sample.etl');
    const pending = api.query(
      traceId,
      { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
      'q1',
    );
    await engine.waitForQueries(1);
    engine.queries[0]?.resolve({ kind: 'histogram', scheme: 'doubling', buckets: [] });
    expect(await pending).toEqual({ kind: 'histogram', scheme: 'doubling', buckets: [] });
    expect(await api.exportCsv({ traceId, what: 'rows', table: 'dpcIsr', filter: {} })).toEqual({
      rows: 2,
      path: path.join(dir, 'out.csv'),
    });
    await api.closeTrace(traceId);
    expect(engine.closed).toBe(1);
  });

  it('keeps the WireError code across IPC', async () => {
    const api = createPreloadApi(pair.ipcRenderer, { getPathForFile: () => '' });
    await expect(api.openTrace({ kind: 'path', path: 'relative.etl' }, 'o')).rejects.toEqual(
      expect.objectContaining({ code: 'bad-request', message: expect.stringContaining('absolute') }),
    );
    await expect(
      api.query('nope', { kind: 'series', metric: 'cstate', filter: {}, buckets: 10 }, 'q'),
    ).rejects.toEqual(expect.objectContaining({ code: 'not-found' }));
  });

  it('refuses calls from an iframe or a foreign page', async () => {
    const api = createPreloadApi(pair.ipcRenderer, { getPathForFile: () => '' });
    frame = { url: APP_ENTRY_URL, parent: { url: APP_ENTRY_URL, parent: null } };
    await expect(api.openTrace({ kind: 'sample' }, 'a')).rejects.toMatchObject({
      code: 'bad-request',
      message: 'IPC from an untrusted frame',
    });
    frame = { url: 'https://evil.example/', parent: null };
    await expect(api.showOpenDialog()).rejects.toMatchObject({ code: 'bad-request' });
    expect(rejected).toEqual(['etlscope:open', 'etlscope:open-dialog']);
    expect(engine.opened).toHaveLength(0);
  });

  it('shows the open dialog through main and returns a path source', async () => {
    const api = createPreloadApi(pair.ipcRenderer, { getPathForFile: () => '' });
    expect(await api.showOpenDialog()).toEqual({ kind: 'path', path: path.join(dir, 'sample.etl') });
  });

  it('delivers events without the IpcRendererEvent, buffers early ones, and unsubscribes', async () => {
    const api = createPreloadApi(pair.ipcRenderer, { getPathForFile: () => '' });
    backend.emit({ type: 'open-requested', source: { kind: 'path', path: '/t/a.etl' } });
    const seen: unknown[][] = [];
    const off = api.onEvent((...args: unknown[]) => seen.push(args));
    expect(seen).toEqual([[{ type: 'open-requested', source: { kind: 'path', path: '/t/a.etl' } }]]);
    backend.emit({ type: 'command', command: 'zoom-in' });
    off();
    backend.emit({ type: 'command', command: 'zoom-out' });
    expect(seen.map((args) => (args[0] as BackendEvent).type)).toEqual(['open-requested', 'command']);
    expect(seen.every((args) => args.length === 1)).toBe(true);
  });

  it('turns a main process that does not answer into an internal WireError', async () => {
    const api = createPreloadApi(
      { invoke: async () => Promise.reject(new Error('No handler registered')), on: () => undefined },
      { getPathForFile: () => '' },
    );
    await expect(api.cancel('x')).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('did not answer'),
    });
    const malformed = createPreloadApi(
      { invoke: async () => 'oops', on: () => undefined },
      { getPathForFile: () => '' },
    );
    await expect(malformed.cancel('x')).rejects.toMatchObject({ code: 'internal' });
  });
});
