// Worker pool: loading in worker threads from source (tsx bootstrap), progress, queries,
// cancellation of queries and of the load, close, bad files, and identical results with 1 and
// 2 parser workers (CPU split + partial merge) and in-process.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadProgress, Query, ThreadSummaryResult } from '../../shared/contract.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import type { BackgroundEvent, TraceSession } from '../engine/session-types.js';
import { openTraceInProcess, openTraceSession } from './index.js';
import { build } from 'esbuild';
import { splitCpus } from './hosts.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-pool-'));
const file = path.join(dir, 'backup.etl');
const sessions: TraceSession[] = [];
beforeAll(() => {
  simulate(SCENARIOS.backupServer!, { seconds: 1, path: file });
});
afterAll(async () => {
  for (const s of sessions) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const queries: Query[] = [
  { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module', 'function'] },
  { kind: 'pivot', table: 'dpcIsr', filter: { cpus: [0, 2, 4, 6] }, groupBy: ['cpu', 'type'] },
  { kind: 'pivot', table: 'cpuPrecise', filter: {}, groupBy: ['process', 'thread'] },
  { kind: 'pivot', table: 'idleStates', filter: {}, groupBy: ['cpu', 'state'] },
  { kind: 'series', metric: 'utilization', filter: {}, buckets: 100 },
  { kind: 'series', metric: 'cstate', filter: {}, buckets: 20 },
  { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
  { kind: 'list', table: 'processes' },
  { kind: 'list', table: 'threads', sortBy: 'CPU Usage (ms)', descending: true, limit: 20 },
  { kind: 'list', table: 'images', filter: { text: '.sys' } },
  { kind: 'list', table: 'events' },
];

describe('worker pool', () => {
  it('loads in a worker with progress, answers queries like the in-process engine, and closes', async () => {
    const progress: Omit<LoadProgress, 'traceId'>[] = [];
    const session = await openTraceSession(file, { workers: 1, onProgress: (p) => progress.push(p) });
    sessions.push(session);
    expect(progress[0]!.phase).toBe('scanning');
    expect(progress[0]!.summary?.cpuCount).toBe(24);
    expect(progress.at(-1)!.phase).toBe('ready');
    const local = await openTraceInProcess(file);
    expect(session.summary).toEqual(local.summary);
    for (const q of queries) expect(await session.query(q)).toEqual(await local.query(q));
    await session.close();
    await expect(session.query(queries[0]!)).rejects.toMatchObject({
      code: expect.stringMatching(/cancelled|not-found/),
    });
  });

  it('loads symbols in the engine worker (side files beside the trace) with progress, then answers stack queries like in-process', async () => {
    const session = await openTraceSession(file, { workers: 1 });
    sessions.push(session);
    const progress: number[] = [];
    const result = await session.loadSymbols({}, { onProgress: (p) => progress.push(p.filesDone) });
    const withPdb = result.modules.length;
    expect(withPdb).toBeGreaterThan(5);
    expect(result.loaded).toBe(withPdb);
    expect(result.modules.every((m) => m.format === 'symtxt' && m.symbols > 0)).toBe(true);
    expect(progress.at(-1)).toBe(withPdb);
    const local = await openTraceInProcess(file);
    const stack: Query = {
      kind: 'stacks',
      table: 'cpuSampled',
      filter: { exclude: { dpcIsr: ['-'] } },
      groupBy: ['module'],
      view: 'top-down',
    };
    // The side files were read at load already: the load changed no name, so the version stays 0.
    expect(result.symbolsVersion).toBe(0);
    expect(await session.query(stack)).toEqual(await local.query(stack));
    // A load cancelled while a server stalls (a copy of the trace without its side files) settles
    // promptly with what it loaded so far, saying it was cancelled.
    const { startSymbolServer } = await import('../symbols/test-fixtures.js');
    const stalled = await startSymbolServer(dir, { delayMs: 30_000 });
    const away = path.join(dir, 'away');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(away, { recursive: true });
    copyFileSync(file, path.join(away, 'backup.etl'));
    const bare = await openTraceSession(path.join(away, 'backup.etl'), { workers: 1 });
    sessions.push(bare);
    try {
      const controller = new AbortController();
      const cancelled = bare.loadSymbols(
        { symbolPath: `srv*${path.join(dir, 'cache')}*${stalled.url}/` },
        { signal: controller.signal },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      controller.abort();
      const partial = await cancelled;
      expect(partial.cancelled).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await stalled.close();
    }
    // Progress opens with how many PDBs there are.
    const first: number[][] = [];
    await session.loadSymbols({}, { onProgress: (p) => first.push([p.filesDone, p.filesTotal]) });
    expect(first[0]).toEqual([0, withPdb]);
  });

  it('gives identical results with 2 parser workers (CPUs split, partials merged)', async () => {
    const one = await openTraceSession(file, { workers: 1 });
    const two = await openTraceSession(file, { workers: 2 });
    sessions.push(one, two);
    expect(two.summary).toEqual(one.summary);
    for (const q of queries) expect(await two.query(q)).toEqual(await one.query(q));
  });

  it('builds the scheduling tables in a worker of their own (read beside a one-parser load or after a split one) or, for small files, from the load pass events, and answers like in-process', async () => {
    const sched: Query[] = [
      { kind: 'threadSummary', filter: {} },
      { kind: 'switchPivot', filter: { cpus: [0, 2] }, groupBy: ['newProcess', 'newThreadId'] },
      { kind: 'switchRows', filter: {}, offset: 100, limit: 50 },
      { kind: 'idleStats', filter: {}, buckets: 50, perCpu: true, rowLimit: 20, rowOffset: 5 },
      { kind: 'frequency', filter: {} },
    ] as Query[];
    const local = await openTraceInProcess(file);
    const busiest = ((await local.query({ kind: 'threadSummary', filter: {} })) as ThreadSummaryResult)
      .rows[0]!;
    sched.push({ kind: 'threadDelays', filter: {}, threadId: busiest.threadId });
    const expected = await Promise.all(sched.map((q) => local.query(q).catch((e: unknown) => e)));
    process.env.ETLSCOPE_SCHED_WORKER_MIN_BYTES = '0';
    try {
      for (const workers of [1, 2]) {
        let built: (event: BackgroundEvent) => void = () => {};
        const background = new Promise<BackgroundEvent>((resolve) => (built = resolve));
        const session = await openTraceSession(file, { workers, onBackground: (e) => built(e) });
        sessions.push(session);
        // Asked at once (the pass is still running): a plain query is not held behind them.
        const answers = Promise.all(sched.map((q) => session.query(q).catch((e: unknown) => e)));
        expect(await session.query(queries[0]!)).toEqual(await local.query(queries[0]!));
        expect(await answers).toEqual(expected);
        // …and the tables came from the scheduling worker, not the engine's own pass.
        expect(await background).toMatchObject({ task: 'scheduling', outcome: 'built' });
        await session.close();
      }
    } finally {
      delete process.env.ETLSCOPE_SCHED_WORKER_MIN_BYTES;
    }
    // A small file (< 16 MiB): the load pass's events, finished by the engine on first use.
    for (const workers of [1, 2]) {
      const session = await openTraceSession(file, { workers });
      sessions.push(session);
      expect(await Promise.all(sched.map((q) => session.query(q).catch((e: unknown) => e)))).toEqual(
        expected,
      );
      await session.close();
    }
  });

  it('cancels queries (before and while running) and keeps answering afterwards', async () => {
    const session = await openTraceSession(file, { workers: 1 });
    sessions.push(session);
    const aborted = new AbortController();
    aborted.abort();
    await expect(session.query(queries[0]!, aborted.signal)).rejects.toMatchObject({ code: 'cancelled' });
    const running = new AbortController();
    const pending = session.query(
      {
        kind: 'pivot',
        table: 'cpuSampled',
        filter: {},
        groupBy: ['cpu', 'process', 'thread', 'module', 'function'],
      },
      running.signal,
    );
    running.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    const after = await session.query(queries[0]!);
    expect(after.kind).toBe('pivot');
  });

  it('cancels a load', async () => {
    const controller = new AbortController();
    const loading = openTraceSession(file, {
      workers: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(loading).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('exports CSV from the worker', async () => {
    const session = await openTraceSession(file, { workers: 1 });
    sessions.push(session);
    const out = path.join(dir, 'ndis.csv');
    const { rows } = await session.exportCsv(
      {
        traceId: 't',
        what: 'rows',
        table: 'dpcIsr',
        filter: { include: { module: ['ndis.sys'], type: ['DPC'] } },
      },
      out,
    );
    expect(rows).toBeGreaterThan(1000);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines.length).toBe(rows + 1);
    expect(lines[1]).toMatch(/^\d+,DPC,ndis\.sys,ndisInterruptDpc,0xfffff8/);
  });

  it('answers queries during an export, reports its progress, and cancels it', async () => {
    const session = await openTraceSession(file, { workers: 1 });
    sessions.push(session);
    const out = path.join(dir, 'all.csv');
    const progress: { rows: number; bytes: number; totalRows?: number }[] = [];
    const exporting = session.exportCsv(
      { traceId: 't', what: 'rows', table: 'dpcIsr', filter: {} },
      out,
      undefined,
      (p) => progress.push(p),
    );
    const totals = await session.query({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] });
    const { rows } = await exporting;
    const text = readFileSync(out);
    expect(text.toString('utf8').trim().split('\r\n').length).toBe(rows + 1);
    const last = progress.at(-1)!;
    expect(last).toEqual({ rows, bytes: text.length, totalRows: rows });
    // Unfiltered, every DPC/ISR row of the trace is written: the pivot's count is the same.
    expect(rows).toBe(totals.rows.reduce((n, r) => n + r.aggregates.count, 0));

    const controller = new AbortController();
    const cancelledExport = session.exportCsv(
      { traceId: 't', what: 'rows', table: 'dpcIsr', filter: {} },
      path.join(dir, 'cancelled.csv'),
      controller.signal,
    );
    controller.abort();
    await expect(cancelledExport).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('reports a file that is not ETL as bad-file and a missing file as not-found', async () => {
    const bad = path.join(dir, 'not-a-trace.etl');
    writeFileSync(bad, 'hello, this is not a trace'.repeat(100));
    await expect(openTraceSession(bad)).rejects.toMatchObject({
      code: 'bad-file',
      message: expect.stringMatching(/^not-a-trace\.etl: not an ETL trace: /),
    });
    await expect(openTraceSession(path.join(dir, 'missing.etl'))).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('runs from esbuild bundles (ESM worker.mjs and CJS worker.cjs beside the bundle that loads them)', async () => {
    const driver = `import { openTraceSession } from ${JSON.stringify(path.join(import.meta.dirname, 'index.ts'))};
      const s = await openTraceSession(process.argv[2], { workers: 2 });
      const r = await s.query({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] });
      console.log(JSON.stringify({ events: s.summary.events, top: r.rows[0].key }));
      await s.close();`;
    const expected = JSON.stringify({
      events: (await openTraceInProcess(file)).summary.events,
      top: 'ndis.sys',
    });
    for (const [format, ext] of [
      ['esm', 'mjs'],
      ['cjs', 'cjs'],
    ] as const) {
      const out = path.join(dir, `bundle-${format}`);
      await build({
        entryPoints: [path.join(import.meta.dirname, 'worker-entry.ts')],
        outfile: path.join(out, `worker.${ext}`),
        bundle: true,
        platform: 'node',
        format,
        logLevel: 'silent',
      });
      // CJS has no top-level await: wrap the driver in an async function there.
      const contents =
        format === 'cjs' ? `(async () => { ${driver.replace(/^import .*;$/m, '')} })();` : driver;
      const imports =
        format === 'cjs'
          ? `const { openTraceSession } = require(${JSON.stringify(path.join(import.meta.dirname, 'index.ts'))});\n`
          : '';
      await build({
        stdin: { contents: imports + contents, resolveDir: import.meta.dirname, loader: 'ts' },
        outfile: path.join(out, `cli.${ext}`),
        bundle: true,
        platform: 'node',
        format,
        logLevel: 'silent',
      });
      const output = execFileSync(process.execPath, [path.join(out, `cli.${ext}`), file], {
        encoding: 'utf8',
        timeout: 60_000,
      }).trim();
      expect([format, output]).toEqual([format, expected]);
    }
  }, 120_000);

  it('splits CPUs into contiguous shares of about equal bytes', () => {
    expect(
      splitCpus(
        new Map([
          [0, 100],
          [1, 10],
          [2, 60],
          [3, 50],
        ]),
        2,
      ),
    ).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(
      splitCpus(
        new Map([
          [0, 10],
          [1, 10],
          [2, 10],
          [3, 10],
        ]),
        3,
      ),
    ).toEqual([[0, 1], [2], [3]]);
    expect(
      splitCpus(
        new Map([
          [0, 1000],
          [1, 1],
          [2, 1],
        ]),
        3,
      ),
    ).toEqual([[0], [1], [2]]);
    expect(splitCpus(new Map([[5, 10]]), 2)).toEqual([[5]]);
  });
});
