// Backend over an in-memory frame pair (the same frames the WebSocket carries), with a fake
// engine for the transport mechanics: validation, newest-wins, cancel, export destinations,
// close and dispose. A real-engine round trip lives in electron/server/server.test.ts.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendEvent, Query, SeriesQuery } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';
import {
  createBackend,
  createOpenGate,
  namingUserFile,
  querySlot,
  type Backend,
  type BackendOptions,
} from './backend.js';
import { BackendError } from './errors.js';
import { FakeEngine, createProtocolPair } from './test-helpers.js';

/** Marks a promise as handled now (it may reject before the test awaits it). */
function early<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const series = (start: number, end: number): SeriesQuery => ({
  kind: 'series',
  metric: 'utilization',
  filter: { range: { start: traceNs(start), end: traceNs(end) } },
  buckets: 100,
});

describe('backend over frames', () => {
  let dir: string;
  let tracePath: string;
  let engine: FakeEngine;
  let backend: Backend;
  let events: BackendEvent[];

  function setup(overrides: Partial<BackendOptions> = {}) {
    backend = createBackend({
      openSession: engine.openSession,
      samplePath: tracePath,
      allowPathSources: true,
      exportDestination: async (request) => ({ path: path.join(dir, `${request.what}.csv`) }),
      progressIntervalMs: 1000,
      ...overrides,
    });
    const pair = createProtocolPair(backend);
    events = [];
    pair.api.onEvent((event) => events.push(event));
    return pair;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'etlscope-backend-'));
    tracePath = path.join(dir, 'sample.etl');
    await writeFile(tracePath, Buffer.alloc(100));
    engine = new FakeEngine();
  });

  afterEach(async () => {
    await backend.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens the sample, streams throttled progress and ends with one ready event', async () => {
    const { api } = setup();
    const opened = await api.openTrace({ kind: 'sample' }, 'r1');
    expect(engine.opened[0]?.path).toBe(tracePath);
    expect(opened.summary.fileName).toBe('sample.etl');
    const phases = events.map((e) => (e.type === 'progress' ? e.progress.phase : e.type));
    // scanning, the first 'reading' (phase change); the other four readings fall in the 1 s throttle.
    expect(phases).toEqual(['scanning', 'reading', 'ready']);
    for (const e of events) if (e.type === 'progress') expect(e.progress.traceId).toBe(opened.traceId);
  });

  it('rejects bad requests with code bad-request and never reaches the engine', async () => {
    const { api } = setup();
    const bad = [
      api.openTrace({ kind: 'path', path: 'relative/trace.etl' }, 'a'),
      api.openTrace({ kind: 'nope' } as never, 'b'),
      api.openTrace({ kind: 'sample' }, '' as never),
      api.query('t', { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['process'] } as Query, 'c'),
      api.query('t', { kind: 'series', metric: 'utilization', filter: {}, buckets: 1e6 }, 'd'),
      api.query('t', { ...series(0, 1), filter: { range: { start: traceNs(NaN), end: traceNs(1) } } }, 'e'),
      api.query('t', { ...series(0, 1), filter: { cpus: [-1] } }, 'f'),
      api.exportCsv({ traceId: 't', what: 'rows', table: 'idleStates', filter: {} }),
    ];
    for (const result of await Promise.allSettled(bad)) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason.code).toBe('bad-request');
    }
    expect(engine.opened).toHaveLength(0);
  });

  it('answers an unknown channel and a frame without an id with bad-request', async () => {
    setup();
    await expect(backend.handle('etlscope:shell-exec', {})).rejects.toMatchObject({ code: 'bad-request' });
    await expect(backend.handle('etlscope:query', null)).rejects.toMatchObject({ code: 'bad-request' });
    const replies: unknown[] = [];
    const { serveFrames } = await import('./frame-server.js');
    const server = serveFrames(backend, (frame) => replies.push(frame));
    server.receive({ channel: 'etlscope:cancel', req: { requestId: 'x' } });
    server.receive('not a frame');
    expect(replies).toEqual([
      { id: -1, ok: false, error: expect.objectContaining({ code: 'bad-request' }) },
      { id: -1, ok: false, error: expect.objectContaining({ code: 'bad-request' }) },
    ]);
    server.dispose();
  });

  it('refuses path sources when the transport does not allow them (browser mode)', async () => {
    const { api } = setup({ allowPathSources: false });
    await expect(api.openTrace({ kind: 'path', path: tracePath }, 'r')).rejects.toMatchObject({
      code: 'bad-request',
    });
    expect(engine.opened).toHaveLength(0);
  });

  it('says not-found for a missing file and for an unknown upload', async () => {
    const { api } = setup({ resolveUpload: () => undefined });
    await expect(
      api.openTrace({ kind: 'path', path: path.join(dir, 'missing.etl') }, 'r1'),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('missing.etl'),
    });
    await expect(
      api.openTrace({ kind: 'upload', uploadId: 'u1', name: 'x.etl' }, 'r2'),
    ).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('opens an upload under its original name, not the temp file name', async () => {
    const { api } = setup({
      resolveUpload: (id) => (id === 'u1' ? { path: tracePath, name: 'backup.etl' } : undefined),
    });
    const opened = await api.openTrace({ kind: 'upload', uploadId: 'u1', name: 'ignored.etl' }, 'r');
    expect(opened.summary.fileName).toBe('backup.etl');
    expect(backend.trace(opened.traceId)?.path).toBe(tracePath);
  });

  it('limits traces open or opening per backend and through a shared gate, giving places back', async () => {
    const gate = createOpenGate(2, (limit) => `server limit ${limit}`);
    const { api } = setup({ maxOpenTraces: 1, openGate: gate });
    let release!: () => void;
    engine.gate = new Promise<void>((r) => (release = r));
    const first = api.openTrace({ kind: 'sample' }, 'a');
    await expect(api.openTrace({ kind: 'sample' }, 'b')).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/this page already has 1 trace open or opening/),
    });
    expect(gate.held).toBe(1);
    release();
    const opened = await first;
    expect(gate.held).toBe(1);
    await api.closeTrace(opened.traceId);
    expect(gate.held).toBe(0);
    // A failed open gives its place back too.
    engine.gate = undefined;
    engine.failWith = new Error('boom');
    await expect(api.openTrace({ kind: 'sample' }, 'c')).rejects.toThrow();
    expect(gate.held).toBe(0);
    const other = createBackend({
      openSession: engine.openSession,
      samplePath: tracePath,
      allowPathSources: true,
      exportDestination: async () => undefined,
      openGate: gate,
    });
    const taken = [gate.acquire(), gate.acquire()];
    await expect(
      other.call('etlscope:open', { source: { kind: 'sample' }, requestId: 'd' }),
    ).rejects.toMatchObject({
      message: 'server limit 2',
    });
    for (const giveBack of taken) giveBack();
    await other.dispose();
  });

  it('names an upload by its user name in errors, never by the session’s path', async () => {
    const temp = path.join(dir, 'serve-tmp', 'upload-1234.etl');
    const { api } = setup({ resolveUpload: () => ({ path: temp, name: 'backup.etl' }) });
    engine.failWith = Object.assign(new Error(`upload-1234.etl: bad header (${temp})`), { code: 'bad-file' });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(temp));
    await writeFile(temp, Buffer.alloc(10));
    await expect(
      api.openTrace({ kind: 'upload', uploadId: 'u', name: 'backup.etl' }, 'r'),
    ).rejects.toMatchObject({
      code: 'bad-file',
      message: 'backup.etl: bad header (backup.etl)',
    });
    const failed = events.find((e) => e.type === 'progress' && e.progress.phase === 'failed');
    expect(failed?.type === 'progress' && failed.progress.error?.message).toBe(
      'backup.etl: bad header (backup.etl)',
    );
    expect(
      namingUserFile(new BackendError('internal', `in ${path.dirname(temp)}/other`), temp, 'b.etl'),
    ).toMatchObject({
      message: 'in the server/other',
    });
    const untouched = new Error('nothing to hide');
    expect(namingUserFile(untouched, temp, 'b.etl')).toBe(untouched);
  });

  it('maps engine failures to bad-file and pushes a failed event', async () => {
    engine.failWith = Object.assign(new Error('not an ETL file: bad header at offset 0x0'), {
      name: 'EtlFormatError',
    });
    const { api } = setup();
    await expect(api.openTrace({ kind: 'sample' }, 'r')).rejects.toMatchObject({
      code: 'bad-file',
      name: 'EtlFormatError',
    });
    const last = events.at(-1);
    expect(last?.type === 'progress' && last.progress.phase).toBe('failed');
    expect(last?.type === 'progress' && last.progress.error?.message).toContain('offset 0x0');
  });

  it('cancels a load by requestId', async () => {
    let release!: () => void;
    engine.gate = new Promise((resolve) => (release = resolve));
    const { api } = setup();
    const opening = early(api.openTrace({ kind: 'sample' }, 'load-1'));
    while (engine.opened.length === 0) await new Promise((r) => setTimeout(r, 2));
    await api.cancel('load-1');
    expect(engine.opened[0]?.options?.signal?.aborted).toBe(true);
    release();
    await expect(opening).rejects.toMatchObject({ code: 'cancelled' });
    const last = events.at(-1);
    expect(last?.type === 'progress' && last.progress.phase).toBe('cancelled');
  });

  it('newest wins within a query slot; other slots run side by side', async () => {
    const { api } = setup();
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    const first = early(api.query(traceId, series(0, 5e9), 'q1'));
    await engine.waitForQueries(1);
    const second = api.query(traceId, series(1e9, 2e9), 'q2');
    const histogram = api.query(
      traceId,
      { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
      'q3',
    );
    await engine.waitForQueries(3);
    expect(engine.queries[0]?.signal?.aborted).toBe(true);
    expect(engine.queries[2]?.signal?.aborted).toBe(false);
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    const seriesResult = {
      kind: 'series',
      metric: 'utilization',
      range: { start: 1e9, end: 2e9 },
      bucketNs: 1e7,
      source: 'precise',
      cpus: [],
    };
    engine.queries[1]?.resolve(seriesResult as never);
    engine.queries[2]?.resolve({ kind: 'histogram', scheme: 'doubling', buckets: [] });
    await expect(second).resolves.toEqual(seriesResult);
    await expect(histogram).resolves.toMatchObject({ kind: 'histogram' });
  });

  it('cancels a query by requestId and rejects a requestId that is in use', async () => {
    const { api } = setup();
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    const running = early(api.query(traceId, series(0, 1e9), 'q1'));
    await engine.waitForQueries(1);
    await expect(
      api.query(traceId, { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'latencymon' }, 'q1'),
    ).rejects.toMatchObject({
      code: 'bad-request',
    });
    await api.cancel('q1');
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    await expect(api.cancel('never-existed')).resolves.toBeUndefined();
  });

  it('exports to the destination the host picks, ignoring a renderer-supplied path', async () => {
    const { api } = setup();
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    const result = await api.exportCsv({
      traceId,
      what: 'rows',
      table: 'dpcIsr',
      filter: {},
      path: '/etc/passwd',
    });
    expect(result).toEqual({ rows: 2, path: path.join(dir, 'rows.csv') });
    expect(engine.exports[0]?.path).toBe(path.join(dir, 'rows.csv'));
    expect(engine.exports[0]?.request).not.toHaveProperty('path');
    expect(await readFile(path.join(dir, 'rows.csv'), 'utf8')).toContain('0,DPC');
  });

  it('streams export-progress for an export with a requestId; cancel stops it and removes the partial file', async () => {
    const { api } = setup();
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    events.length = 0;
    engine.holdExports = true;
    const running = early(
      api.exportCsv({ traceId, what: 'rows', table: 'dpcIsr', filter: {}, requestId: 'ex1' }),
    );
    await vi.waitFor(() =>
      expect(events).toContainEqual({
        type: 'export-progress',
        progress: { traceId, requestId: 'ex1', rows: 1, bytes: 15, totalRows: 2 },
      }),
    );
    expect(await readFile(path.join(dir, 'rows.csv'), 'utf8')).toBe('CPU,Type\n0,DPC\n');
    await api.cancel('ex1');
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    await expect(stat(path.join(dir, 'rows.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
    engine.holdExports = false;
    await expect(
      api.exportCsv({ traceId, what: 'rows', table: 'dpcIsr', filter: {}, requestId: 'ex1' }),
    ).resolves.toMatchObject({ rows: 2 });
  });

  it('returns only the download URL in browser mode and cancels when the save dialog is dismissed', async () => {
    const finished: boolean[] = [];
    let dismiss = false;
    const { api } = setup({
      exportDestination: async () =>
        dismiss
          ? undefined
          : { path: path.join(dir, 'x.csv'), downloadUrl: '/download?id=1', done: (ok) => finished.push(ok) },
    });
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    await expect(
      api.exportCsv({ traceId, what: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] }),
    ).resolves.toEqual({
      rows: 2,
      downloadUrl: '/download?id=1',
    });
    expect(finished).toEqual([true]);
    dismiss = true;
    await expect(api.exportCsv({ traceId, what: 'rows', table: 'dpcIsr', filter: {} })).rejects.toMatchObject(
      { code: 'cancelled' },
    );
  });

  it('loads symbols with the host path after the request’s, streaming symbols-progress events', async () => {
    const { api } = setup({ symbolPath: 'srv*/cache*http://127.0.0.1:1/' });
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    events.length = 0;
    const result = await api.loadSymbols(traceId, { symbolPath: '/pdbs', microsoftServer: false }, 'sym1');
    expect(result.symbolsVersion).toBe(1);
    expect(engine.symbolLoads).toEqual([
      {
        request: { symbolPath: '/pdbs', microsoftServer: false },
        hostSymbolPath: 'srv*/cache*http://127.0.0.1:1/',
      },
    ]);
    // The first event and the final one (the 1 s throttle drops nothing else here).
    const progress = events.flatMap((e) => (e.type === 'symbols-progress' ? [e.progress] : []));
    expect(progress.map((p) => [p.traceId, p.requestId, p.filesDone, p.filesTotal])).toEqual([
      [traceId, 'sym1', 0, 1],
      [traceId, 'sym1', 1, 1],
    ]);
    await expect(api.loadSymbols(traceId, { symbolPath: 42 } as never, 'sym2')).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(api.loadSymbols('nope', {}, 'sym3')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('close aborts the trace queries, closes the session and forgets the id', async () => {
    const { api } = setup();
    const { traceId } = await api.openTrace({ kind: 'sample' }, 'open');
    const running = early(api.query(traceId, series(0, 1e9), 'q1'));
    await engine.waitForQueries(1);
    await api.closeTrace(traceId);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(engine.closed).toBe(1);
    await expect(api.query(traceId, series(0, 1e9), 'q2')).rejects.toMatchObject({ code: 'not-found' });
    await expect(api.closeTrace(traceId)).resolves.toBeUndefined();
  });

  it('dispose closes every open session', async () => {
    const { api } = setup();
    await api.openTrace({ kind: 'sample' }, 'a');
    await api.openTrace({ kind: 'sample' }, 'b');
    await backend.dispose();
    expect(engine.closed).toBe(2);
  });

  it('a disconnected client rejects at once with a clear error', async () => {
    const pair = setup();
    pair.disconnect();
    await expect(pair.api.openTrace({ kind: 'sample' }, 'x')).rejects.toMatchObject({
      message: 'disconnected',
    });
  });

  it('hands events that arrive before any listener to the first listener', async () => {
    backend = createBackend({
      openSession: engine.openSession,
      samplePath: tracePath,
      allowPathSources: false,
      exportDestination: async () => undefined,
    });
    const pair = createProtocolPair(backend);
    backend.emit({ type: 'open-requested', source: { kind: 'sample' } });
    await new Promise((r) => setTimeout(r, 10));
    const seen: BackendEvent[] = [];
    pair.api.onEvent((e) => seen.push(e));
    expect(seen).toEqual([{ type: 'open-requested', source: { kind: 'sample' } }]);
  });
});

describe('querySlot', () => {
  it('ignores the filter and a find start time, keeps everything else', () => {
    expect(querySlot(series(0, 1))).toBe(querySlot(series(5, 9)));
    expect(querySlot(series(0, 1))).not.toBe(querySlot({ ...series(0, 1), metric: 'cstate' }));
    const find = {
      kind: 'find',
      table: 'dpcIsr',
      filter: {},
      direction: 'next',
      overBudgetOnly: true,
    } as const;
    expect(querySlot({ ...find, from: traceNs(1) })).toBe(querySlot({ ...find, from: traceNs(2) }));
    const pivot = { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] } as const;
    expect(querySlot(pivot)).not.toBe(querySlot({ ...pivot, groupBy: ['cpu'] }));
  });
});
