// The measuring side of `npm run bench`, run in a fresh process per load (so resident memory is
// that load's alone). run.ts bundles this file with esbuild and starts it with plain Node, like the
// app and the CLI run (no TypeScript loader in the process being measured); its workers run the
// app's worker bundle (ETLSCOPE_WORKER_SCRIPT, set by run.ts).
//
//   node dist/bench/child.mjs FILE WORKERS RUNS load|queries|reader  → one JSON line on stdout

import { statSync } from 'node:fs';
import type { Query } from '../../shared/contract.js';
import type { TraceSession } from '../../electron/engine/session-types.js';
import { fileByteSource, openEtl } from '../../electron/reader/index.js';
import { openTraceSession } from '../../electron/worker/index.js';
import { GOALS } from './goals.js';

const mb = (bytes: number) => bytes / 1e6;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssBytes(): number {
  return process.memoryUsage().rss;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface LoadFigure {
  workers: number;
  seconds: number;
  mbPerSecond: number;
  eventsPerSecond: number;
  /** The process before the load: Node, the bench script and the pool's code. */
  rssBeforeLoadBytes: number;
  rssAfterLoadBytes: number;
  rssPerFileByte: number;
  /** After the first whole-trace pivot, which waits for the warm-up (DPC atoms and block atoms). */
  rssWarmBytes: number;
  /** Peak resident memory of the whole process during the load (getrusage maxrss). */
  peakRssBytes: number;
}

export interface ReaderFigure {
  seconds: number;
  mbPerSecond: number;
  eventsPerSecond: number;
  peakRssBytes: number;
}

/** The reader alone (issue 2's "read throughput"): walk every event of every buffer, per CPU. */
function measureReader(file: string): ReaderFigure {
  const started = performance.now();
  const trace = openEtl(fileByteSource(file));
  let events = 0;
  trace.forEachEvent(
    () => {
      events++;
    },
    { order: 'per-cpu' },
  );
  trace.close();
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    mbPerSecond: mb(statSync(file).size) / seconds,
    eventsPerSecond: events / seconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function measureLoad(
  file: string,
  workers: number,
): Promise<{ figure: LoadFigure; session: TraceSession }> {
  gc();
  const rssBefore = rssBytes();
  const started = performance.now();
  const session = await openTraceSession(file, { workers });
  const seconds = (performance.now() - started) / 1000;
  gc();
  const size = statSync(file).size;
  const rss = rssBytes();
  await session.query({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] } as Query);
  gc();
  const rssWarm = rssBytes();
  return {
    session,
    figure: {
      workers,
      seconds,
      mbPerSecond: mb(size) / seconds,
      eventsPerSecond: session.summary.events / seconds,
      rssBeforeLoadBytes: rssBefore,
      rssAfterLoadBytes: rss,
      rssPerFileByte: rss / size,
      rssWarmBytes: rssWarm,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    },
  };
}

/**
 * Each load runs in a fresh child process, so resident memory is that load's alone (a closed
 * session's pages are not given back to the OS promptly, which would inflate the next figure).
 */
export interface ChildResult {
  load?: LoadFigure;
  reader?: ReaderFigure;
  events: number;
  dpcRows: number;
  queries?: { figures: QueryFigure[]; rssGrowthBytes: number };
}

async function childMain(file: string, workers: number, runs: number, mode: string): Promise<void> {
  if (mode === 'reader') {
    const reader = measureReader(file);
    const events = Math.round(reader.eventsPerSecond * reader.seconds);
    console.log(JSON.stringify({ reader, events, dpcRows: 0 }));
    return;
  }
  const { figure, session } = await measureLoad(file, workers);
  const result: ChildResult = {
    load: figure,
    events: session.summary.events,
    dpcRows: session.summary.tableRows.dpcIsr,
  };
  if (mode === 'queries') result.queries = await queryFigures(session, runs);
  await session.close();
  console.log(JSON.stringify(result));
}

export interface QueryFigure {
  name: string;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  goalMs: number;
}

async function timeQuery(
  session: TraceSession,
  name: string,
  query: Query,
  runs: number,
  goalMs: number,
): Promise<QueryFigure> {
  const times: number[] = [];
  await session.query(query); // warm-up (JIT, lazily built indexes)
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await session.query(query);
    times.push(performance.now() - started);
  }
  return {
    name,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    maxMs: Math.max(...times),
    goalMs,
  };
}

async function queryFigures(
  session: TraceSession,
  runs: number,
): Promise<{ figures: QueryFigure[]; rssGrowthBytes: number }> {
  const duration = session.summary.durationNs;
  const onePercent = { start: duration * 0.495, end: duration * 0.505 } as unknown as NonNullable<
    Parameters<typeof Object>[0]
  >;
  const cpuFilter = [0, 2, 4, 6];
  const group = (groupBy: ('module' | 'function' | 'cpu')[], filter: object): Query =>
    ({ kind: 'pivot', table: 'dpcIsr', filter, groupBy, sortBy: 'totalMs', descending: true }) as Query;
  const cases: [string, Query, number][] = [
    ['dpc by module, full range', group(['module'], {}), GOALS.groupP95Ms],
    ['dpc by module+function, full range', group(['module', 'function'], {}), GOALS.groupP95Ms],
    ['dpc by cpu, full range', group(['cpu'], {}), GOALS.groupP95Ms],
    ['dpc by module, 1% range', group(['module'], { range: onePercent }), GOALS.groupP95Ms],
    [
      'dpc by module+function, 1% range',
      group(['module', 'function'], { range: onePercent }),
      GOALS.groupP95Ms,
    ],
    ['dpc by cpu, 1% range', group(['cpu'], { range: onePercent }), GOALS.groupP95Ms],
    [
      'dpc by module+function, CPUs 0,2,4,6',
      group(['module', 'function'], { cpus: cpuFilter }),
      GOALS.groupP95Ms,
    ],
    [
      'dpc by module, 1% range, CPUs 0,2,4,6',
      group(['module'], { range: onePercent, cpus: cpuFilter }),
      GOALS.groupP95Ms,
    ],
    [
      'utilization series, 2000 buckets, all CPUs',
      { kind: 'series', metric: 'utilization', filter: {}, buckets: 2000 },
      GOALS.seriesP95Ms,
    ],
  ];
  const figures: QueryFigure[] = [];
  // Growth across *repeated* queries: every case runs once first, so what a first query builds
  // and keeps (lazily built indexes, reusable scratch arrays) is not counted as growth.
  for (const [, query] of cases) await session.query(query);
  gc();
  const rssBefore = rssBytes();
  for (const [name, query, goal] of cases) figures.push(await timeQuery(session, name, query, runs, goal));
  gc();
  return { figures, rssGrowthBytes: rssBytes() - rssBefore };
}

const [file, workers, runs, mode] = process.argv.slice(2);
await childMain(file!, Number(workers), Number(runs), mode!);
process.exit(0);
