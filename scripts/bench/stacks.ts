// `npm run bench`'s symbols-and-stacks figures, run in a fresh process (bundled like child.ts):
//   1. symbol resolution: 1 M distinct code locations in 40 modules relabelled through symbol
//      tables (the engine's own Symbolization, what Load Symbols runs), plus 1 M raw lookups;
//   2. the stack views on 10 M samples with stacks: samples and stack walks go through the real
//      ingest (PartialBuilder + StackCollector) and finalize, then StackQuery p50/p95 per view,
//      and the memory the stacks take (stack table + per-sample column, resident growth).
//
//   node --expose-gc dist/bench/stacks.mjs [samples=10000000] [runs=20]  → one JSON line on stdout

import type { StackQuery } from '../../shared/contract.js';
import { Engine } from '../../electron/engine/engine.js';
import { finalizeModel } from '../../electron/engine/finalize.js';
import { LocationDirectory } from '../../electron/engine/locations.js';
import { PartialBuilder } from '../../electron/engine/partial.js';
import { NEVER_CANCELLED } from '../../electron/engine/query-common.js';
import { sampleAtoms } from '../../electron/engine/stacks/sample-atoms.js';
import { buildSymbolization } from '../../electron/engine/symbolize.js';
import type { HeaderFacts } from '../../electron/engine/summary.js';
import { findSymbol, type SymbolTable } from '../../electron/symbols/types.js';
import { GOALS } from './goals.js';

const CPUS = 16;
/** Distinct call paths: a busy server trace has tens of thousands (perfview-net452: 11.5 K nodes). */
const DISTINCT_STACKS = 20_000;
const MODULES = 40;
/** Unrelated starting paths (thread start routines, interrupt dispatchers). */
const ROOT_PATHS = 50;
const FUNCTIONS_PER_MODULE = 500;
/** Function spacing in an image: room for the 1 M distinct addresses between symbols. */
const FUNCTION_BYTES = 0x800;
const KERNEL = 0x1_f800_0000_0000;
const IMAGE_SPAN = 0x100_0000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function symbolTable(module: number): SymbolTable {
  const rvas = new Uint32Array(FUNCTIONS_PER_MODULE);
  for (let f = 0; f < FUNCTIONS_PER_MODULE; f++) rvas[f] = 0x1000 + f * FUNCTION_BYTES;
  return {
    rvas,
    sizes: new Uint32Array(FUNCTIONS_PER_MODULE).fill(FUNCTION_BYTES - 0x10),
    names: Array.from({ length: FUNCTIONS_PER_MODULE }, (_, f) => `Module${module}Function${f}`),
    kind: 'pdb',
    origin: 'bench',
  };
}

function header(): HeaderFacts {
  return {
    fileName: 'bench.etl',
    fileSize: 0,
    build: 19041,
    osVersion: '10.0',
    cpuCount: CPUS,
    pointerSize: 8,
    loggerName: 'bench',
    logFileName: 'bench.etl',
    clockType: 'QPC',
    clockFrequencyHz: 10_000_000,
    startTimeUtc: '2024-01-01T00:00:00.000Z',
    buffers: 0,
    compressedBuffers: 0,
    eventsLost: 0,
    buffersLost: 0,
    diagnostics: [],
  };
}

function resolution(): { symbolizeMs: number; lookupMs: number; locations: number } {
  const tables = Array.from({ length: MODULES }, (_, m) => symbolTable(m));
  const directory = new LocationDirectory(() => ({ name: 'x.pdb', guid: '0', age: 1 }));
  const images = tables.map((_, m) => ({
    base: KERNEL + m * IMAGE_SPAN,
    size: IMAGE_SPAN,
    processId: 0,
    fileName: `m${m}.sys`,
    module: `m${m}.sys`,
    loadNs: -Infinity,
    unloadNs: Infinity,
  }));
  const random = rng(3);
  // 1 M distinct addresses: 25,000 per module, inside its functions.
  const perModule = 1_000_000 / MODULES;
  for (let m = 0; m < MODULES; m++)
    for (let k = 0; k < perModule; k++) {
      const rva = 0x1000 + Math.floor((k * (FUNCTIONS_PER_MODULE * FUNCTION_BYTES)) / perModule);
      directory.resolve(images[m]!.base + rva, images[m]);
    }
  // Every image got its own group (pdbOf answers the same identity, but modules differ).
  const locations = directory.table();
  const groupTable = (group: number) => {
    const module = directory.modules[locations.groupModule[group]!]!;
    return tables[Number(module.slice(1, -4))];
  };
  gc();
  let started = performance.now();
  const sym = buildSymbolization(directory.modules, locations, new Int32Array(0), groupTable, 1);
  const symbolizeMs = performance.now() - started;
  if (sym.functionCount !== MODULES * FUNCTIONS_PER_MODULE) throw new Error(`functions ${sym.functionCount}`);
  const table = tables[0]!;
  let sink = 0;
  started = performance.now();
  for (let k = 0; k < 1_000_000; k++)
    sink += findSymbol(table, 0x1000 + ((k * 977) % (FUNCTIONS_PER_MODULE * FUNCTION_BYTES)));
  const lookupMs = performance.now() - started;
  if (sink < 0) throw new Error('unreachable');
  void random;
  return { symbolizeMs, lookupMs, locations: locations.count };
}

interface StackFigures {
  samples: number;
  samplesWithStacks: number;
  nodes: number;
  buildSeconds: number;
  /** Stack table + per-sample stack column + sample atoms (key, per-CPU totals). */
  stackBytes: number;
  /** The sample table's own columns, for scale. */
  sampleTableBytes: number;
  atoms: number;
  rssGrowthBytes: number;
  views: { name: string; p50Ms: number; p95Ms: number; goalMs: number }[];
}

function stacks(samples: number, runs: number): StackFigures {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const random = rng(11);
  // Distinct call paths (innermost first), each an earlier path with its innermost 1–5 frames
  // replaced by 1–5 others: paths share their outer frames (dispatchers, driver entry points) and
  // the trie grows ~3 nodes per distinct stack, as in real profiles (perfview-net452: 11.5 K nodes
  // for its stacked samples).
  const frameAddress = (module: number, fn: number) =>
    KERNEL + module * IMAGE_SPAN + 0x1000 + fn * FUNCTION_BYTES + 0x20;
  const randomFrame = () =>
    frameAddress(Math.floor(random() * MODULES), Math.floor(random() * FUNCTIONS_PER_MODULE));
  const paths: Float64Array[] = [];
  for (let s = 0; s < DISTINCT_STACKS; s++) {
    let outer: number[]; // outermost first
    if (s < ROOT_PATHS) outer = Array.from({ length: 12 + Math.floor(random() * 12) }, randomFrame);
    else {
      const base = Array.from(paths[Math.floor(s * random() ** 2)]!).reverse();
      outer = base.slice(0, Math.max(1, base.length - 1 - Math.floor(random() * 5)));
      const extra = 1 + Math.floor(random() * 5);
      for (let k = 0; k < extra && outer.length < 40; k++) outer.push(randomFrame());
    }
    paths.push(Float64Array.from(outer.reverse()));
  }
  const builder = new PartialBuilder();
  for (let m = 0; m < MODULES; m++) {
    builder.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: KERNEL + m * IMAGE_SPAN,
      size: IMAGE_SPAN,
      processId: 0,
      fileName: `\\SystemRoot\\m${m}.sys`,
    });
  }
  const payload = new DataView(new ArrayBuffer(8 * 64));
  const perCpu = Math.ceil(samples / CPUS);
  const stacksCollector = builder.stacks;
  // Zipf-like popularity: a few stacks are most samples, as in real profiles.
  const pick = () => Math.floor(DISTINCT_STACKS * random() ** 3);
  for (let cpu = 0; cpu < CPUS; cpu++) {
    for (let k = 0; k < perCpu && cpu * perCpu + k < samples; k++) {
      const t = k * 1e6 + cpu;
      const tid = 1000 + (k % 50);
      const path = paths[pick()]!;
      builder.appendSample(cpu, t, tid, path[0]!, 1, random() < 0.5, false);
      for (let d = 0; d < path.length; d++) {
        const v = path[d]!;
        payload.setUint32(d * 8, v % 0x1_0000_0000, true);
        payload.setUint32(d * 8 + 4, Math.floor(v / 0x1_0000_0000) | 0xfffe0000, true);
      }
      stacksCollector.walk(cpu, t, 4, tid, payload, 0, path.length, 8);
    }
    builder.noteEvent(cpu, perCpu * 1e6);
  }
  const model = finalizeModel([builder.finish()], header(), { symbolDirs: [] });
  const engine = new Engine(model);
  engine.applySymbols(() => undefined);
  const buildSeconds = (performance.now() - started) / 1000;
  gc();
  const st = model.stacks;
  const atoms = sampleAtoms(model);
  gc();
  const stackBytes =
    st.parent.byteLength +
    st.location.byteLength +
    st.depth.byteLength +
    (model.samples.stack?.byteLength ?? 0) +
    (atoms?.key.byteLength ?? 0) +
    (atoms?.cpuTotals?.byteLength ?? 0) +
    (atoms?.row.byteLength ?? 0) +
    (atoms?.node.byteLength ?? 0);
  const sampleTableBytes =
    model.samples.time.byteLength +
    model.samples.thread.byteLength +
    model.samples.weight.byteLength +
    model.samples.flags.byteLength +
    model.samples.location.byteLength;
  const rssGrowthBytes = process.memoryUsage().rss - rssBefore;
  const views: { name: string; query: StackQuery }[] = [
    {
      name: 'DPC/ISR Usage by Module, Stack (top-down)',
      query: {
        kind: 'stacks',
        table: 'cpuSampled',
        filter: { exclude: { dpcIsr: ['-'] } },
        groupBy: ['module'],
        view: 'top-down',
      },
    },
    {
      name: 'Utilization by Process, Stack (top-down)',
      query: { kind: 'stacks', table: 'cpuSampled', filter: {}, groupBy: ['process'], view: 'top-down' },
    },
    {
      name: 'bottom-up, all samples',
      query: { kind: 'stacks', table: 'cpuSampled', filter: {}, groupBy: [], view: 'bottom-up' },
    },
    {
      name: 'callers of one function',
      query: {
        kind: 'stacks',
        table: 'cpuSampled',
        filter: {},
        groupBy: [],
        view: 'callers',
        focus: 'm0.sys+0x1020',
      },
    },
    {
      name: 'DPC/ISR Usage by Module, Stack, 50 % time range',
      query: {
        kind: 'stacks',
        table: 'cpuSampled',
        filter: {
          exclude: { dpcIsr: ['-'] },
          range: { start: perCpu * 2.5e5, end: perCpu * 7.5e5 } as never,
        },
        groupBy: ['module'],
        view: 'top-down',
      },
    },
    {
      name: 'top-down, 1 % time range, CPUs 0,2,4,6',
      query: {
        kind: 'stacks',
        table: 'cpuSampled',
        filter: { cpus: [0, 2, 4, 6], range: { start: 0, end: perCpu * 1e4 } as never },
        groupBy: ['module'],
        view: 'top-down',
      },
    },
  ];
  const figures = views.map(({ name, query }) => {
    engine.query(query, NEVER_CANCELLED);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      engine.query(query, NEVER_CANCELLED);
      times.push(performance.now() - t0);
    }
    return { name, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), goalMs: GOALS.stackP95Ms };
  });
  let withStacks = 0;
  withStacks = model.samples.stack?.stackedRows ?? 0;
  return {
    samples: model.samples.length,
    samplesWithStacks: withStacks,
    nodes: st.count,
    buildSeconds,
    stackBytes,
    sampleTableBytes,
    atoms: atoms?.count ?? 0,
    rssGrowthBytes,
    views: figures,
  };
}

const samples = Number(process.argv[2] ?? 10_000_000);
const runs = Number(process.argv[3] ?? 20);
const resolutionFigures = resolution();
const stackFigures = stacks(samples, runs);
console.log(JSON.stringify({ resolution: resolutionFigures, stacks: stackFigures }));
