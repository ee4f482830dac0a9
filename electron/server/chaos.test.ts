// Chaos for the browser-mode server with the real worker pool (in-process, so the test can reach
// the engine workers): engine workers killed mid-load and mid-query (process.exit, an uncaught
// throw, heap exhaustion, terminate() from outside), clients gone mid-upload and mid-export, a
// flood of 2,000 superseding queries, 100 simultaneous connections. Afterwards the server answers
// correctly (pivots equal to the in-process engine's) and leaks nothing: no stray temp files,
// engine workers back to the count of open traces, TCP handles back to where they were.

import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WEBSOCKET_HTTP_PATH, type EtlscopeApi, type PivotQuery } from '../../shared/contract.js';
import { createFrameClient } from '../../renderer/transport/frame-client.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { engineWorkers, openTraceInProcess, openTraceSession } from '../worker/index.js';
import { startServer, type RunningServer } from './server.js';
import { TEMP_FOLDER_PREFIX } from './temp-folders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const crashEntry = path.join(here, '..', 'worker', 'test-crash-entry.ts');
const pivot: PivotQuery = { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] };

let dir: string;
let server: RunningServer;
let trace: Uint8Array<ArrayBuffer>;
let expectedPivot: unknown;
let tempDir: string;
let tcpHandlesBefore: number;
const pages: { ws: WebSocket; api: EtlscopeApi }[] = [];

const tcpHandles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20)))
    if (await condition()) return;
  throw new Error(`timed out waiting for ${what}`);
}

async function page(): Promise<{ ws: WebSocket; api: EtlscopeApi }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
  const client = createFrameClient((f) => ws.send(JSON.stringify(f)));
  ws.on('message', (d) => client.receive(JSON.parse(String(d))));
  ws.on('error', () => undefined);
  ws.on('close', () => client.fail({ name: 'Error', message: 'disconnected', code: 'internal' }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const opened = { ws, api: client.api };
  pages.push(opened);
  return opened;
}

async function upload(name = 'backup.etl'): Promise<string> {
  const reply = await fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&name=${name}`, {
    method: 'POST',
    body: trace,
  });
  expect(reply.status).toBe(200);
  return ((await reply.json()) as { uploadId: string }).uploadId;
}

async function openOn(api: EtlscopeApi, name = 'backup.etl'): Promise<string> {
  const uploadId = await upload(name);
  return (await api.openTrace({ kind: 'upload', uploadId, name }, `open-${uploadId}`)).traceId;
}

/** Opens with the engine worker started from the crash entry (see worker/test-crash-entry.ts). */
async function withCrash<T>(trigger: string, run: () => Promise<T>, heapMb?: number): Promise<T> {
  process.env.ETLSCOPE_WORKER_SCRIPT = crashEntry;
  process.env.ETLSCOPE_TEST_CRASH = trigger;
  if (heapMb !== undefined) process.env.ETLSCOPE_ENGINE_HEAP_MB = String(heapMb);
  try {
    return await run();
  } finally {
    delete process.env.ETLSCOPE_WORKER_SCRIPT;
    delete process.env.ETLSCOPE_TEST_CRASH;
    delete process.env.ETLSCOPE_ENGINE_HEAP_MB;
  }
}

/** Files in the server's temp folder other than the marker and the trace uploads. */
const strayFiles = async () =>
  (await readdir(tempDir)).filter((n) => n !== 'owner.pid' && !/^upload-[0-9a-f-]+\.etl$/.test(n));
const uploadCount = async () => (await readdir(tempDir)).filter((n) => n.startsWith('upload-')).length;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-chaos-'));
  await mkdir(path.join(dir, 'renderer'));
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html>');
  const file = path.join(dir, 'backup.etl');
  simulate(SCENARIOS.backupServer!, { seconds: 0.3, path: file });
  trace = new Uint8Array(readFileSync(file));
  expectedPivot = await (await openTraceInProcess(file)).query(pivot);
  tcpHandlesBefore = tcpHandles();
  server = await startServer({
    openSession: openTraceSession,
    staticDir: path.join(dir, 'renderer'),
    tempRoot: dir,
    workers: 1,
    log: () => undefined,
  });
  tempDir = path.join(
    dir,
    (await readdir(dir)).find((n) => n.startsWith(TEMP_FOLDER_PREFIX))!,
  );
}, 30_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('server chaos (real worker pool)', () => {
  let steady: { api: EtlscopeApi; traceId: string };

  it('a trace opened first keeps answering through everything below', async () => {
    const { api } = await page();
    steady = { api, traceId: await openOn(api, 'steady.etl') };
    expect(await api.query(steady.traceId, pivot, 's0')).toEqual(expectedPivot);
  });

  it('an engine worker killed mid-load: that open fails naming the file; the server serves on', async () => {
    const { api } = await page();
    const uploadId = await upload('doomed.etl');
    const failure = await withCrash('load:exit', () =>
      api.openTrace({ kind: 'upload', uploadId, name: 'doomed.etl' }, 'doomed').catch((e: unknown) => e),
    );
    expect(failure).toMatchObject({
      code: 'internal',
      message: 'The engine for doomed.etl stopped unexpectedly (exit code 7) while loading.',
    });
    // The same upload opens fine with a healthy worker.
    const again = await api.openTrace({ kind: 'upload', uploadId, name: 'doomed.etl' }, 'again');
    expect(await api.query(again.traceId, pivot, 'a1')).toEqual(expectedPivot);
    expect(await steady.api.query(steady.traceId, pivot, 's1')).toEqual(expectedPivot);
  });

  it.each([
    [
      'query:exit',
      /^The engine for crash\.etl stopped unexpectedly \(exit code 7\); open the trace again\.$/,
    ],
    [
      'query:throw',
      /^The engine for crash\.etl failed: a test crash inside the engine worker; open the trace again\.$/,
    ],
    ['query:oom', /^The engine for crash\.etl ran out of memory; open the trace again\.$/],
  ])(
    'an engine worker dying mid-query (%s) is an error on that trace only',
    async (trigger, words) => {
      const { api } = await page();
      const traceId = await withCrash(
        trigger,
        () => openOn(api, 'crash.etl'),
        trigger.endsWith('oom') ? 96 : undefined,
      );
      await expect(api.query(traceId, pivot, 'c1')).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(words),
      });
      await expect(api.query(traceId, pivot, 'c2')).rejects.toMatchObject({
        message: expect.stringMatching(words),
      });
      await api.closeTrace(traceId);
      expect(await steady.api.query(steady.traceId, pivot, `s-${trigger}`)).toEqual(expectedPivot);
      // New opens work.
      const fresh = await openOn(api, 'fresh.etl');
      expect(await api.query(fresh, pivot, 'f1')).toEqual(expectedPivot);
      await api.closeTrace(fresh);
    },
    30_000,
  );

  it('an engine worker terminated from outside mid-query: the query fails, the trace says why', async () => {
    const { api } = await page();
    const before = new Set(engineWorkers());
    const traceId = await openOn(api, 'killed.etl');
    const worker = [...engineWorkers()].find((w) => !before.has(w))!;
    const pending = api.query(
      traceId,
      { kind: 'series', metric: 'utilization', filter: {}, buckets: 2000 },
      'k1',
    );
    void worker.terminate();
    const outcome = await pending.then(
      () => 'answered before the kill',
      (e: { message: string }) => e.message,
    );
    if (outcome !== 'answered before the kill')
      expect(outcome).toMatch(/^The engine for killed\.etl stopped unexpectedly/);
    await expect(api.query(traceId, pivot, 'k2')).rejects.toMatchObject({
      message: expect.stringMatching(/^The engine for killed\.etl stopped unexpectedly \(exit code 1\)/),
    });
    await api.closeTrace(traceId);
  });

  it('a client gone mid-upload leaves no partial file', async () => {
    const uploads = await uploadCount();
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(
          `POST /upload?token=${server.token}&name=half.etl HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 10000000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(256 * 1024, 1), () => setTimeout(() => socket.destroy(), 50));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    await until('the partial upload to be removed', async () => (await uploadCount()) === uploads);
    expect(await strayFiles()).toEqual([]);
  });

  it('a client gone mid-export leaves no export file and no engine worker', async () => {
    const { ws, api } = await page();
    const traceId = await openOn(api, 'export.etl');
    const workers = engineWorkers().size;
    const exporting = api
      .exportCsv({ traceId, what: 'rows', table: 'dpcIsr', filter: {} })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
    ws.terminate();
    await exporting;
    await until('the page’s engine worker to stop', () => engineWorkers().size === workers - 1);
    await until('the export file to be removed', async () => (await strayFiles()).length === 0);
  });

  it('a flood of 2,000 queries, each superseding the previous: the last is answered promptly and right', async () => {
    const { api } = await page();
    const traceId = await openOn(api, 'flood.etl');
    const settled: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      // Same slot (only the filter differs): each one replaces the one before.
      const query: PivotQuery = i === 1999 ? pivot : { ...pivot, filter: { cpus: [i % 24] } };
      settled.push(api.query(traceId, query, `flood-${i}`).catch((e: unknown) => e));
    }
    const started = Date.now();
    expect(await settled.at(-1)).toEqual(expectedPivot);
    expect(Date.now() - started).toBeLessThan(10_000);
    const outcomes = await Promise.all(settled);
    expect(outcomes.filter((o) => (o as { code?: string }).code === 'cancelled').length).toBeGreaterThan(
      1000,
    );
    await api.closeTrace(traceId);
  }, 30_000);

  it('100 simultaneous connections: 64 served, the rest told why; afterwards all is well', async () => {
    const attempts = await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<{ ws: WebSocket; closeCode?: number; text: string }>((resolve) => {
            const ws = new WebSocket(
              `ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`,
            );
            const result: { ws: WebSocket; closeCode?: number; text: string } = { ws, text: '' };
            ws.on('message', (d) => (result.text += String(d)));
            ws.on('error', () => undefined);
            ws.on('close', (code) => {
              result.closeCode = code;
              resolve(result);
            });
            ws.on('open', () => setTimeout(() => resolve(result), 300));
          }),
      ),
    );
    const refused = attempts.filter((a) => a.closeCode === 1013);
    const open = attempts.filter((a) => a.ws.readyState === WebSocket.OPEN);
    // 64 is the limit; the pages this file opened before count against it too.
    const livePages = pages.filter((p) => p.ws.readyState === WebSocket.OPEN).length;
    expect(open.length).toBe(64 - livePages);
    expect(refused.length).toBe(100 - open.length);
    for (const r of refused) expect(r.text).toContain('(its limit); close another etlscope tab and reload');
    for (const a of attempts) a.ws.terminate();
    await new Promise((r) => setTimeout(r, 200));
    const { api } = await page();
    const traceId = await openOn(api, 'after.etl');
    expect(await api.query(traceId, pivot, 'after')).toEqual(expectedPivot);
    await api.closeTrace(traceId);
  }, 30_000);

  it('leaks nothing: engine workers = open traces, no stray files, TCP handles back after close', async () => {
    expect(await steady.api.query(steady.traceId, pivot, 'final')).toEqual(expectedPivot);
    // Open now: the steady trace and the re-opened doomed one.
    await until('engine workers to settle', () => engineWorkers().size === 2);
    expect(await strayFiles()).toEqual([]);
    for (const p of pages) p.ws.terminate();
    await until('every page’s engine worker to stop', () => engineWorkers().size === 0);
    await server.close();
    expect((await readdir(dir)).filter((n) => n.startsWith(TEMP_FOLDER_PREFIX))).toEqual([]);
    await until('TCP handles to close', () => tcpHandles() <= tcpHandlesBefore);
  });
});
