// `npm run bench`: the speed and memory figures issue 3 asks for, on generated traces of
// 100 MiB and 1 GiB (16 CPUs, the writer's `scale` mix) and on the real perfview-net452-x64.etl.
//
//   writer (scale scenario) ──> bench-data/*.etl ──> fs read baseline
//                                                └─> openTraceSession (1 and 2 parser workers) ──> queries
//
// Prints the machine, every figure with its goal and ratio, and writes bench-results/latest.json
// (plus a timestamped copy) so runs can be compared between commits.
// Options: --sizes 100MiB,1GiB   --runs N (query repetitions, default 20)   --quick (100 MiB only)

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import type { ChildResult, LoadFigure } from './child.js';
import { benchExport, printExport } from './export.js';
import { GOALS } from './goals.js';
import { SCENARIOS } from '../writer/scenarios.js';
import { simulate } from '../writer/simulate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = path.join(root, 'bench-data');
const resultsDir = path.join(root, 'bench-results');
const realTrace = path.resolve(
  process.env.ETLSCOPE_TRACES ?? path.join(root, '..', 'shared', 'traces'),
  'perfview-net452-x64.etl',
);

/** Read baseline chunk: the same order of magnitude the reader uses per buffer batch. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Query repetitions per case; p95 of 20 is the 19th value, enough to see a stall. */
const DEFAULT_RUNS = 20;

/** The worker bundle `npm run build` makes (rebuilt at the start of every bench run). */
const workerBundle = path.join(root, 'dist', 'node', 'worker.mjs');
/** child.ts bundled (at the start of every bench run): the process whose load is measured. */
const childBundle = path.join(root, 'dist', 'bench', 'child.mjs');
/** stacks.ts bundled: symbol resolution and stack views on 10 M samples, in a process of its own. */
const stacksBundle = path.join(root, 'dist', 'bench', 'stacks.mjs');
/** Samples with stacks for the stack-view figures (issue 8: 10 M). */
const STACK_SAMPLES = 10_000_000;

/** Loads per worker count, each in a fresh process; the median is the figure (all are printed).
 *  This VM's cost of first-touching memory varies from run to run: the same 1 GiB load took
 *  2.8–4.3 s in back-to-back runs. */
const LOAD_REPEATS = 3;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(MiB|GiB)$/i.exec(text.trim());
  if (m === null) throw new Error(`bad size ${text} (use e.g. 100MiB, 1GiB)`);
  return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === 'gib' ? 1024 ** 3 : 1024 ** 2));
}

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Generates (once) a scale trace of about `bytes`. */
function ensureTrace(bytes: number): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, `scale-${Math.round(bytes / 1024 ** 2)}MiB.etl`);
  if (existsSync(file) && existsSync(`${file}.truth.json`)) return file;
  console.log(`generating ${path.relative(root, file)} with the trace writer…`);
  const started = performance.now();
  const { truth } = simulate(SCENARIOS.scale!, { path: file, targetBytes: bytes, seed: 7 });
  // The truth file marks a finished trace (an interrupted run leaves no truth, so it is redone).
  writeFileSync(`${file}.truth.json`, JSON.stringify(truth));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  ${fmt(mb(statSync(file).size), 0)} MB in ${fmt(seconds)} s (${fmt(mb(statSync(file).size) / seconds, 0)} MB/s)`,
  );
  return file;
}

function fsReadSeconds(file: string): number {
  const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const fd = openSync(file, 'r');
  const started = performance.now();
  try {
    let offset = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      if (n <= 0) break;
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
  return (performance.now() - started) / 1000;
}

function measureInChild(
  file: string,
  workers: number,
  runs: number,
  mode: 'load' | 'queries' | 'reader',
): ChildResult {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', childBundle, file, String(workers), String(runs), mode],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      // The engine and parser workers run the bundle the app and the CLI run (not TypeScript
      // through tsx, whose start-up would be timed with every worker).
      env: { ...process.env, ETLSCOPE_WORKER_SCRIPT: workerBundle },
    },
  );
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !lastLine.startsWith('{')) {
    throw new Error(`benchmark child failed for ${file} with ${workers} workers (exit ${child.status})`);
  }
  return JSON.parse(lastLine) as ChildResult;
}

function line(label: string, value: string, goal?: string, ok?: boolean): void {
  const verdict = ok === undefined ? '' : ok ? '  ok' : '  MISSED';
  console.log(
    `  ${label.padEnd(46)} ${value.padStart(14)}${goal !== undefined ? `   goal ${goal}` : ''}${verdict}`,
  );
}

async function benchFile(
  file: string,
  label: string,
  runs: number,
  withQueries: boolean,
  memoryGoal: boolean,
) {
  const size = statSync(file).size;
  console.log(`\n== ${label}: ${path.basename(file)}, ${fmt(mb(size), 1)} MB`);
  fsReadSeconds(file); // warm the page cache so both figures measure CPU, not the disk
  const readSeconds = fsReadSeconds(file);
  line('fs read (baseline, page cache warm)', `${fmt(mb(size) / readSeconds, 0)} MB/s`);
  const reader = measureInChild(file, 0, 0, 'reader').reader!;
  line('reader only (every event, per CPU)', `${fmt(reader.mbPerSecond, 0)} MB/s`);
  line('  reader events per second', `${fmt(reader.eventsPerSecond / 1e6, 2)} M/s`);
  line('  reader peak resident memory', `${fmt(reader.peakRssBytes / 1e6, 0)} MB`);
  const loads: (LoadFigure & { runsSeconds: number[] })[] = [];
  let events = 0;
  let queries: ChildResult['queries'];
  for (const workers of [1, 2]) {
    const results: ChildResult[] = [];
    for (let r = 0; r < LOAD_REPEATS; r++)
      results.push(
        measureInChild(file, workers, runs, withQueries && workers === 1 && r === 0 ? 'queries' : 'load'),
      );
    const byTime = [...results].sort((a, b) => a.load!.seconds - b.load!.seconds);
    const result = byTime[Math.floor(byTime.length / 2)]!;
    const figure = result.load!;
    events = result.events;
    loads.push({ ...figure, runsSeconds: results.map((r) => r.load!.seconds) });
    line(
      `load, ${workers} parser worker${workers > 1 ? 's' : ''}`,
      `${fmt(figure.mbPerSecond, 0)} MB/s`,
      `≥ ${GOALS.loadMBps} MB/s`,
      figure.mbPerSecond >= GOALS.loadMBps,
    );
    line('  load time (median)', `${fmt(figure.seconds, 2)} s`);
    line(
      `  load times of ${LOAD_REPEATS} fresh processes`,
      results.map((r) => fmt(r.load!.seconds, 2)).join(' / ') + ' s',
    );
    line('  events per second', `${fmt(figure.eventsPerSecond / 1e6, 2)} M/s`);
    line('  load time / fs read time', `${fmt(figure.seconds / readSeconds, 1)}×`);
    line(
      '  resident memory after load (whole process)',
      `${fmt(figure.rssAfterLoadBytes / 1e6, 0)} MB`,
      memoryGoal ? `≤ ${GOALS.rssPerFileByte} × file` : undefined,
      memoryGoal ? figure.rssPerFileByte <= GOALS.rssPerFileByte : undefined,
    );
    line('  memory / file size', `${fmt(figure.rssPerFileByte, 2)}×`);
    line('  resident memory before the load (baseline)', `${fmt(figure.rssBeforeLoadBytes / 1e6, 0)} MB`);
    line(
      '  after warm-up (DPC atoms built)',
      `${fmt(figure.rssWarmBytes / 1e6, 0)} MB = ${fmt(figure.rssWarmBytes / size, 2)}×`,
    );
    line('  peak resident memory during load', `${fmt(figure.peakRssBytes / 1e6, 0)} MB`);
    const queried = results.find((r) => r.queries !== undefined);
    if (queried?.queries !== undefined) {
      queries = queried.queries;
      console.log(
        `  queries on ${queried.dpcRows.toLocaleString('en')} DPC/ISR rows, ${runs} runs each after a warm-up (1 parser worker session):`,
      );
      for (const q of queries.figures)
        line(`  ${q.name}`, `p95 ${fmt(q.p95Ms)} ms`, `≤ ${q.goalMs} ms`, q.p95Ms <= q.goalMs);
      line('  memory growth over repeated queries', `${fmt(queries.rssGrowthBytes / 1e6, 1)} MB`);
    }
  }
  return {
    file: path.basename(file),
    bytes: size,
    events,
    fsReadMBps: mb(size) / readSeconds,
    reader,
    loads,
    queries,
  };
}

interface StacksFigures {
  resolution: { symbolizeMs: number; lookupMs: number; locations: number };
  stacks: {
    samples: number;
    samplesWithStacks: number;
    nodes: number;
    atoms: number;
    buildSeconds: number;
    stackBytes: number;
    sampleTableBytes: number;
    rssGrowthBytes: number;
    views: { name: string; p50Ms: number; p95Ms: number; goalMs: number }[];
  };
}

/** Symbol resolution of 1 M distinct addresses and the stack views on `samples` samples with stacks. */
function benchStacks(samples: number, runs: number): StacksFigures {
  console.log(`\n== symbols and stacks (scripts/bench/stacks.ts, a fresh process)`);
  const child = spawnSync(process.execPath, ['--expose-gc', stacksBundle, String(samples), String(runs)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !lastLine.startsWith('{'))
    throw new Error(`stack benchmark failed (exit ${child.status})`);
  const figures = JSON.parse(lastLine) as StacksFigures;
  const { resolution: r, stacks: st } = figures;
  line(
    `symbolization of ${(r.locations / 1e6).toFixed(0)} M distinct addresses`,
    `${fmt(r.symbolizeMs, 0)} ms`,
  );
  line('  1 M findSymbol lookups (500 symbols)', `${fmt(r.lookupMs, 0)} ms`);
  line(
    `stack views: ${(st.samples / 1e6).toFixed(0)} M samples, ${st.nodes.toLocaleString('en')} stack nodes`,
    `${st.atoms.toLocaleString('en')} atoms`,
  );
  line('  ingest + finalize + atoms (in process)', `${fmt(st.buildSeconds, 1)} s`);
  line(
    '  stack memory (table, column, atoms)',
    `${fmt(st.stackBytes / 1e6, 0)} MB = ${fmt(st.stackBytes / st.samples, 1)} B/sample`,
  );
  line('  the sample table itself, for scale', `${fmt(st.sampleTableBytes / 1e6, 0)} MB`);
  line('  resident growth of the whole build', `${fmt(st.rssGrowthBytes / 1e6, 0)} MB`);
  for (const v of st.views)
    line(`  ${v.name}`, `p95 ${fmt(v.p95Ms)} ms`, `≤ ${v.goalMs} ms`, v.p95Ms <= v.goalMs);
  return figures;
}

async function main(): Promise<void> {
  const runs = Number(argValue('--runs') ?? DEFAULT_RUNS);
  const sizes = process.argv.includes('--quick')
    ? ['100MiB']
    : (argValue('--sizes') ?? '100MiB,1GiB').split(',');
  const machine = {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--no-renderer'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build (Node bundles) failed');
  for (const [entry, outfile] of [
    ['child.ts', childBundle],
    ['stacks.ts', stacksBundle],
  ] as const)
    await esbuild({
      entryPoints: [path.join(root, 'scripts', 'bench', entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      external: ['electron', 'ws'],
      banner: {
        js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
  console.log(
    `etlscope benchmark — ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`,
  );
  console.log(
    `workers run ${path.relative(root, workerBundle)} (the esbuild bundle the app and the CLI use)`,
  );
  const results = [];
  const loadSeconds: Record<string, number> = {};
  for (const size of sizes) {
    const file = ensureTrace(parseSize(size));
    const result = await benchFile(file, `generated ${size}`, runs, true, true);
    loadSeconds[size] = result.loads[0]!.seconds;
    results.push(result);
  }
  if (existsSync(realTrace)) {
    results.push(
      await benchFile(realTrace, 'real trace (memory goal is for large kernel traces)', runs, false, false),
    );
  } else {
    console.log(`\n(real trace not found at ${realTrace}; skipped)`);
  }
  // Issue 12: `etlscope export` to Parquet of each generated trace (MB/s, rows/s, peak memory).
  console.log('\n== export (etlscope export FILE --out DIR, every table, Parquet)');
  const exports = sizes.map((size) => benchExport(ensureTrace(parseSize(size))));
  exports.forEach(printExport);
  const stacks = benchStacks(process.argv.includes('--quick') ? STACK_SAMPLES / 10 : STACK_SAMPLES, runs);
  const scaling: Record<string, number> = {};
  if (loadSeconds['100MiB'] !== undefined && loadSeconds['1GiB'] !== undefined) {
    scaling.loadTimeRatio1GiBto100MiB = loadSeconds['1GiB'] / loadSeconds['100MiB'];
    console.log(
      `\n== scaling\n  load time 1 GiB / 100 MiB: ${fmt(scaling.loadTimeRatio1GiBto100MiB, 2)} (linear would be 10.24)`,
    );
  }
  for (const r of results) {
    const [one, two] = r.loads;
    if (one !== undefined && two !== undefined) {
      console.log(`  ${r.file}: 2 workers vs 1: ${fmt(one.seconds / two.seconds, 2)}× faster`);
    }
  }
  mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify(
    { date: new Date().toISOString(), machine, goals: GOALS, results, stacks, scaling, exports },
    null,
    2,
  );
  writeFileSync(path.join(resultsDir, 'latest.json'), json);
  writeFileSync(path.join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  console.log(`\nresults written to ${path.relative(root, path.join(resultsDir, 'latest.json'))}`);
}

await main();
process.exit(0);
