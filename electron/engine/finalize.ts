// Merge + finalize: partials (from one or several parser workers) become one EngineModel.
//
//   partials ──concat columns, metadata sorted by time──> merged
//   merged ──group rows by CPU (stable counting sort), time-sort inside each CPU──> tables
//          ──images + DbgID_RSDS + symbol maps──> routine → function → module (distinct routines only)
//          ──thread/process lifetimes──> TID → thread instance → process (with reuse)
//          ──coverage──> DPC/ISR union and busy time (non-idle running ∪ DPC/ISR) as block prefix
//                        sums over the DPC and run rows (no interval tables; model.ts CpuCoverage)
//          ──idle enter/exit pairs or CSwitch PreviousCState──> contiguous C-state rows per CPU
//          ──summary──> TraceSummary
//
// Costs are linear in rows except the per-CPU time sort, which is an insertion sort (rows
// arrive nearly sorted: only ISRs nested in DPCs are out of order) with a fallback.

import type { Diagnostic, TraceSummary } from '../../shared/contract.js';
import { exact } from './columns.js';
import {
  buildImageInstances,
  ImageMap,
  isKernelImage,
  KERNEL_SPACE_KEY,
  pickByTime,
  type ImageInstance,
} from './images.js';
import type {
  DpcTable,
  EngineModel,
  IdleTable,
  ImageInfo,
  ProcessInfo,
  RunTable as ModelRunTable,
  SampleTable,
  ThreadInfo,
  DpcCoverage,
  DpcInterruptions,
  RunCoverage,
} from './model.js';
import { coverageEntries, runEndsButLast, SAMPLE_BUSY_BLOCK_ROWS, UNION_BLOCK_ROWS } from './model.js';

/** The run table as finalize assembles it, with every row's end (the model keeps the ends only
 *  where they do not follow from the next row's start: `withoutContiguousEnds`). */
type RunTable = Omit<ModelRunTable, 'end' | 'lastEnd'> & { readonly end: Float64Array };

import {
  AddressInterner,
  type Partial,
  type PerCpuDerived,
  type ProcessEvent,
  type ThreadEvent,
} from './partial.js';
import { buildSummary, type HeaderFacts } from './summary.js';
import { findSymbol, loadSymbolMap, symbolDirectories, type SymbolMap } from './symbols.js';

const EMPTY_PARTIAL_DPC: Partial['dpc'] = {
  length: 0,
  cpu: new Uint16Array(0),
  kind: new Uint8Array(0),
  enter: new Float64Array(0),
  duration: new Float32Array(0),
  exclusive: new Float32Array(0),
  fragments: new Uint16Array(0),
  routine: new Uint32Array(0),
};

/** Default profile interval when no ProfileSetInterval was logged: 1 ms in 100-ns units. */
const DEFAULT_PROFILE_INTERVAL_100NS = 10_000;
/** Inversions an insertion sort may do per row before we switch to a full sort. */
const INSERTION_SORT_BUDGET_PER_ROW = 8;

export interface FinalizeOptions {
  /** The trace path: symbol maps are looked up in `<path>.symbols/` (plus ETLSCOPE_SYMBOL_PATH). */
  readonly tracePath?: string;
  readonly symbolDirs?: readonly string[];
  readonly shouldStop?: () => boolean;
  /** When given, receives the milliseconds each finalize phase took (for benchmarks). */
  readonly timings?: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Row ordering helpers
// ---------------------------------------------------------------------------------------------

interface RowOrder {
  /** Source row of each output row (empty when `identity`). */
  readonly order: Int32Array;
  readonly offsets: Int32Array;
  /** Rows are already in CPU-then-time order. */
  readonly identity: boolean;
  readonly length: number;
}

/** Order of rows grouped by CPU (stable) and sorted by `key` inside each CPU. */
function cpuTimeOrder(cpu: Uint16Array, key: Float64Array, length: number, cpuSlots: number): RowOrder {
  const offsets = new Int32Array(cpuSlots + 1);
  for (let i = 0; i < length; i++) offsets[cpu[i]! + 1]!++;
  for (let c = 0; c < cpuSlots; c++) offsets[c + 1]! += offsets[c]!;
  // Common case (one partial, or contiguous CPU shares): rows already grouped by CPU in
  // ascending order and time-sorted inside each CPU — no order array at all.
  if (alreadyOrdered(cpu, key, length)) return { order: new Int32Array(0), offsets, identity: true, length };
  const fill = offsets.slice(0, cpuSlots);
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[fill[cpu[i]!]!++] = i;
  for (let c = 0; c < cpuSlots; c++) sortSegment(order, key, offsets[c]!, offsets[c + 1]!);
  let identity = true;
  for (let i = 0; i < length && identity; i++) if (order[i] !== i) identity = false;
  return { order, offsets, identity, length };
}

function alreadyOrdered(cpu: Uint16Array, key: Float64Array, length: number): boolean {
  for (let i = 1; i < length; i++) {
    const c = cpu[i]!;
    const p = cpu[i - 1]!;
    if (c < p || (c === p && key[i]! < key[i - 1]!)) return false;
  }
  return true;
}

function sortSegment(order: Int32Array, key: Float64Array, lo: number, hi: number): void {
  let budget = (hi - lo) * INSERTION_SORT_BUDGET_PER_ROW + 64;
  for (let i = lo + 1; i < hi; i++) {
    const item = order[i]!;
    const k = key[item]!;
    let j = i - 1;
    while (j >= lo && key[order[j]!]! > k) {
      order[j + 1] = order[j]!;
      j--;
      if (--budget < 0) {
        order[j + 1] = item;
        const segment = Array.from(order.subarray(lo, hi));
        segment.sort((a, b) => key[a]! - key[b]! || a - b);
        order.set(segment, lo);
        return;
      }
    }
    order[j + 1] = item;
  }
}

type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array | Int8Array;
type GatherLoop = (source: Typed, order: Int32Array, out: Typed) => void;
/** One compiled loop per element type: a shared loop would see 7 typed-array kinds and go
 *  megamorphic (every load/store a slow generic access). */
const gatherLoops = new Map<unknown, GatherLoop>();
function gatherLoopFor(ctor: unknown): GatherLoop {
  let loop = gatherLoops.get(ctor);
  if (loop === undefined) {
    loop = new Function(
      'source',
      'order',
      'out',
      'for (let i = 0; i < order.length; i++) out[i] = source[order[i]];',
    ) as GatherLoop;
    gatherLoops.set(ctor, loop);
  }
  return loop;
}
/** The array is exactly `length` long and alone in its buffer (no slack kept alive). */
function ownsWholeBuffer(source: Typed, length: number): boolean {
  return (
    source.length === length && source.byteOffset === 0 && source.byteLength === source.buffer.byteLength
  );
}

/** `source` rows in `order` (exact length: views over partial buffers with slack are copied). */
function gather<T extends Typed>(source: T, order: RowOrder): T {
  if (order.identity) return ownsWholeBuffer(source, order.length) ? source : exact(source, order.length);
  const out = new (source.constructor as { new (n: number): T })(order.length);
  gatherLoopFor(source.constructor)(source, order.order, out);
  return out;
}

/**
 * Reorders every column of a partial's table (typed arrays beside `length`) by `order`; the table
 * itself when it is already in CPU/time order.
 */
function gatherColumns<T extends { readonly length: number }>(table: T, order: RowOrder): T {
  if (order.identity) return table;
  const out: Record<string, unknown> = { length: table.length };
  for (const [name, column] of Object.entries(table)) {
    if (name !== 'length') out[name] = gather(column as unknown as Typed, order);
  }
  return out as T;
}

function concat<T extends Typed>(parts: readonly T[], lengths: readonly number[]): T {
  if (parts.length === 1) return parts[0]!.subarray(0, lengths[0]) as T;
  const total = lengths.reduce((a, b) => a + b, 0);
  const out = new (parts[0]!.constructor as { new (n: number): T })(total);
  let at = 0;
  parts.forEach((p, i) => {
    out.set(p.subarray(0, lengths[i]) as never, at);
    at += lengths[i]!;
  });
  return out;
}

let phaseStarted = 0;
function checkStop(options: FinalizeOptions, phase?: string): void {
  if (options.timings !== undefined && phase !== undefined) {
    const now = performance.now();
    options.timings[phase] = (options.timings[phase] ?? 0) + now - phaseStarted;
    phaseStarted = now;
  }
  if (options.shouldStop?.() === true)
    throw Object.assign(new Error('Loading was cancelled.'), { name: 'CancelledError', code: 'cancelled' });
}

/**
 * The rows (in `order`) an ISR interrupted as a sparse table (a few per thousand rows: 6 B per
 * row saved). A row without nested ISRs has 1 fragment and exclusive = duration exactly (the same
 * float), so the fragments column alone picks them: counted, then filled.
 */
function interruptedRows(
  parts: readonly Partial['dpc'][],
  lengths: readonly number[],
  order: RowOrder,
): DpcInterruptions {
  const fragments = concat(
    parts.map((d) => d.fragments),
    lengths,
  );
  let count = 0;
  for (let i = 0; i < fragments.length; i++) if (fragments[i] !== 1) count++;
  const rows = new Int32Array(count);
  const rowExclusive = new Float32Array(count);
  const rowFragments = new Uint16Array(count);
  if (count === 0) return { rows, exclusive: rowExclusive, fragments: rowFragments };
  const exclusive = concat(
    parts.map((d) => d.exclusive),
    lengths,
  );
  let n = 0;
  for (let i = 0; i < order.length && n < count; i++) {
    const src = order.identity ? i : order.order[i]!;
    if (fragments[src] !== 1) {
      rows[n] = i;
      rowExclusive[n] = exclusive[src]!;
      rowFragments[n] = fragments[src]!;
      n++;
    }
  }
  return { rows, exclusive: rowExclusive, fragments: rowFragments };
}

/** The model's run table: per CPU the last row's end, and the full `end` column only when some
 *  CPU's rows are not contiguous (see model.ts RunTable); every other column as it is. */
function withoutContiguousEnds(run: RunTable, cpuSlots: number): ModelRunTable {
  const { end, ...columns } = run;
  const offsets = run.cpuOffsets;
  const start = run.start;
  const lastEnd = new Float64Array(cpuSlots);
  let contiguous = true;
  for (let c = 0; c < cpuSlots; c++) {
    const lo = offsets[c]!;
    const hi = offsets[c + 1]!;
    if (hi > lo) lastEnd[c] = end[hi - 1]!;
    for (let i = lo; i + 1 < hi && contiguous; i++) if (start[i + 1] !== end[i]) contiguous = false;
  }
  return contiguous ? { ...columns, lastEnd } : { ...columns, lastEnd, end };
}

// ---------------------------------------------------------------------------------------------
// Processes and threads
// ---------------------------------------------------------------------------------------------

interface ThreadDirectory {
  readonly threads: ThreadInfo[];
  readonly processes: ProcessInfo[];
  readonly threadLabels: string[];
  readonly threadTids: number[];
  readonly threadProcess: number[];
  readonly processLabels: string[];
  readonly processIds: number[];
  /** Thread instance for (tid, time); creates an "unknown process" instance for unseen tids. */
  lookup(tid: number, timeNs: number): number;
}

function buildThreadDirectory(
  processEvents: readonly ProcessEvent[],
  threadEvents: readonly ThreadEvent[],
): ThreadDirectory {
  const processes: ProcessInfo[] = [];
  const processByPid = new Map<number, number[]>();
  type MutableProcess = { -readonly [K in keyof ProcessInfo]: ProcessInfo[K] };
  for (const e of [...processEvents].sort((a, b) => a.timeNs - b.timeNs)) {
    const list = processByPid.get(e.processId) ?? [];
    const last = list.length > 0 ? (processes[list[list.length - 1]!] as MutableProcess) : undefined;
    if (e.kind === 'start' || e.kind === 'dcstart') {
      if (last !== undefined && last.endNs === Infinity && e.kind === 'dcstart') continue;
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      list.push(processes.length);
      processes.push({
        processId: e.processId,
        parentId: e.parentId,
        name: e.imageFileName,
        commandLine: e.commandLine,
        startNs: e.kind === 'dcstart' ? -Infinity : e.timeNs,
        endNs: Infinity,
      });
    } else if (e.kind === 'end') {
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      else {
        list.push(processes.length);
        processes.push({
          processId: e.processId,
          parentId: e.parentId,
          name: e.imageFileName,
          commandLine: e.commandLine,
          startNs: -Infinity,
          endNs: e.timeNs,
        });
      }
    } else if (last === undefined) {
      list.push(processes.length);
      processes.push({
        processId: e.processId,
        parentId: e.parentId,
        name: e.imageFileName,
        commandLine: e.commandLine,
        startNs: -Infinity,
        endNs: Infinity,
      });
    }
    processByPid.set(e.processId, list);
  }
  const processLabels: string[] = [];
  const processIds: number[] = [];
  for (const p of processes) {
    const name = p.processId === 0 && p.name === '' ? 'Idle' : p.name === '' ? 'Unknown' : p.name;
    processLabels.push(`${name} (${p.processId})`);
    processIds.push(p.processId);
  }
  const processAt = (pid: number, timeNs: number): number => {
    let list = processByPid.get(pid);
    if (list === undefined) {
      list = [processes.length];
      processByPid.set(pid, list);
      processes.push({
        processId: pid,
        parentId: 0,
        name: pid === 0 ? 'Idle' : 'Unknown',
        commandLine: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      processLabels.push(`${pid === 0 ? 'Idle' : 'Unknown'} (${pid})`);
      processIds.push(pid);
    }
    let found = list[0]!;
    for (const index of list) if (processes[index]!.startNs <= timeNs) found = index;
    return found;
  };

  const threads: ThreadInfo[] = [];
  const threadLabels: string[] = [];
  const threadTids: number[] = [];
  const threadProcess: number[] = [];
  const byTid = new Map<number, number[]>();
  type MutableThread = { -readonly [K in keyof ThreadInfo]: ThreadInfo[K] };
  const addThread = (t: ThreadInfo): number => {
    const index = threads.length;
    threads.push(t);
    threadTids.push(t.threadId);
    threadProcess.push(-1);
    threadLabels.push('');
    const list = byTid.get(t.threadId) ?? [];
    list.push(index);
    byTid.set(t.threadId, list);
    return index;
  };
  for (const e of [...threadEvents].sort((a, b) => a.timeNs - b.timeNs)) {
    const list = byTid.get(e.threadId);
    const last = list !== undefined ? (threads[list[list.length - 1]!] as MutableThread) : undefined;
    if (e.kind === 'start' || e.kind === 'dcstart') {
      if (
        last !== undefined &&
        last.endNs === Infinity &&
        (e.kind === 'dcstart' || last.processId === e.processId)
      ) {
        if (e.name !== '') last.name = e.name;
        continue;
      }
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      addThread({
        threadId: e.threadId,
        processId: e.processId,
        name: e.name,
        startNs: e.kind === 'dcstart' ? -Infinity : e.timeNs,
        endNs: Infinity,
      });
    } else if (e.kind === 'end') {
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      else
        addThread({
          threadId: e.threadId,
          processId: e.processId,
          name: e.name,
          startNs: -Infinity,
          endNs: e.timeNs,
        });
    } else if (e.kind === 'dcend') {
      if (last === undefined)
        addThread({
          threadId: e.threadId,
          processId: e.processId,
          name: e.name,
          startNs: -Infinity,
          endNs: Infinity,
        });
    } else if (last !== undefined) {
      last.name = e.name;
    } else {
      addThread({
        threadId: e.threadId,
        processId: e.processId,
        name: e.name,
        startNs: -Infinity,
        endNs: Infinity,
      });
    }
  }
  const labelThread = (index: number) => {
    const t = threads[index]!;
    threadLabels[index] = t.name !== '' ? `${t.name} (${t.threadId})` : String(t.threadId);
    threadProcess[index] = processAt(t.processId, t.startNs === -Infinity ? 0 : t.startNs);
  };
  for (let i = 0; i < threads.length; i++) labelThread(i);

  // Per tid: the instances in start order; lookups remember the tid's last answer and its validity.
  // Rows come per CPU in time order, so the same TID often repeats: remember the last answer
  // when that TID has a single instance (then the answer does not depend on the time).
  let lastTid = -1;
  let lastAnswer = -1;
  const lookup = (tid: number, timeNs: number): number => {
    if (tid === lastTid) return lastAnswer;
    let list = byTid.get(tid);
    if (list === undefined) {
      const index = addThread({
        threadId: tid,
        processId: tid === 0 ? 0 : UNKNOWN_PID,
        name: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      if (tid === 0) labelThread(index);
      else {
        threadLabels[index] = String(tid);
        threadProcess[index] = unknownProcess();
      }
      list = byTid.get(tid)!;
    }
    if (list.length === 1) {
      lastTid = tid;
      lastAnswer = list[0]!;
      return lastAnswer;
    }
    lastTid = -1;
    let found = list[0]!;
    for (const index of list) if (threads[index]!.startNs <= timeNs) found = index;
    return found;
  };
  let unknownIndex = -1;
  const unknownProcess = (): number => {
    if (unknownIndex < 0) {
      unknownIndex = processes.length;
      processes.push({
        processId: UNKNOWN_PID,
        parentId: 0,
        name: 'Unknown',
        commandLine: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      processLabels.push('Unknown');
      processIds.push(-1);
    }
    return unknownIndex;
  };
  return { threads, processes, threadLabels, threadTids, threadProcess, processLabels, processIds, lookup };
}

/** Process id of threads whose process was never logged. */
const UNKNOWN_PID = 0xfffffffe;

// ---------------------------------------------------------------------------------------------
// Functions and modules
// ---------------------------------------------------------------------------------------------

/**
 * Functions: symbol names are interned as strings; functions without a symbol (`module+0x<rva>`,
 * or a bare address outside every image) are interned by number and labelled only when shown —
 * sampled IPs are mostly distinct, and building half a million labels at load is wasted work.
 */
class FunctionDirectory {
  readonly modules: string[] = ['Unknown'];
  readonly moduleIds = new Map<string, number>([['Unknown', 0]]);
  /** Symbol name, or undefined for a numeric (offset/address) function. */
  readonly names: (string | undefined)[] = [];
  /** rva inside the module (offset functions) or the address (module 0). */
  readonly offsets: number[] = [];
  readonly funcModule: number[] = [];
  private readonly symbolIds = new Map<string, number>();
  private readonly offsetIds = new AddressInterner();
  private readonly addressIds = new AddressInterner();
  private readonly symbolMaps = new Map<ImageInstance, SymbolMap | null>();

  constructor(private readonly symbolsOf: (image: ImageInstance) => SymbolMap | undefined) {}

  private moduleId(name: string): number {
    let id = this.moduleIds.get(name);
    if (id === undefined) {
      id = this.modules.length;
      this.modules.push(name);
      this.moduleIds.set(name, id);
    }
    return id;
  }

  private add(module: number, name: string | undefined, offset: number): number {
    const id = this.names.length;
    this.names.push(name);
    this.offsets.push(offset);
    this.funcModule.push(module);
    return id;
  }

  /** The function id of an address inside `image` (or none). */
  resolve(address: number, image: ImageInstance | undefined): number {
    if (image === undefined) {
      let id = this.addressIds.get(address);
      if (id < 0) {
        id = this.add(0, undefined, address);
        this.addressIds.set(address, id);
      }
      return id;
    }
    const module = this.moduleId(image.module);
    let map = this.symbolMaps.get(image);
    if (map === undefined) {
      map = this.symbolsOf(image) ?? null;
      this.symbolMaps.set(image, map);
    }
    const rva = address - image.base;
    if (map !== null) {
      const index = findSymbol(map, rva);
      if (index >= 0) {
        const name = map.names[index]!;
        const key = `${module}\u0000${name}`;
        let id = this.symbolIds.get(key);
        if (id === undefined) {
          id = this.add(module, name, 0);
          this.symbolIds.set(key, id);
        }
        return id;
      }
    }
    // Images are < 8 GiB, so module · 2^33 + rva is a unique exact key.
    const key = module * 0x2_0000_0000 + rva;
    let id = this.offsetIds.get(key);
    if (id < 0) {
      id = this.add(module, undefined, rva);
      this.offsetIds.set(key, id);
    }
    return id;
  }

  /** Label lookup for the dictionary: symbol, `module+0x<rva>` or the raw address. */
  labeller(): (id: number) => string {
    const names = this.names;
    const offsets = this.offsets;
    const funcModule = this.funcModule;
    const modules = this.modules;
    const cache: (string | undefined)[] = [];
    return (id: number) => {
      const name = names[id];
      if (name !== undefined) return name;
      if (id < 0 || id >= names.length) return '';
      let label = cache[id];
      if (label === undefined) {
        const module = funcModule[id]!;
        label =
          module === 0 ? addressText(offsets[id]!) : `${modules[module]}+0x${offsets[id]!.toString(16)}`;
        cache[id] = label;
      }
      return label;
    };
  }
}

function addressText(address: number): string {
  const hi = Math.floor(address / 0x1_0000_0000);
  const lo = address - hi * 0x1_0000_0000;
  const fullHi = hi >= 0x8000 ? (hi | 0xfffe0000) >>> 0 : hi;
  return fullHi === 0
    ? `0x${lo.toString(16)}`
    : `0x${fullHi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Unions
// ---------------------------------------------------------------------------------------------

/** Per-CPU DPC rows (enter order) and running intervals (start order), the input of the coverage
 *  prefix sums that stand for the DPC/ISR and busy unions (no interval tables are built).
 *  `runNonIdle[i]` = 1 for rows whose thread is not TID 0. */
export interface CoverageSource {
  readonly cpuSlots: number;
  readonly dpcOffsets: Int32Array;
  readonly enter: Float64Array;
  readonly duration: Float32Array;
  readonly runOffsets: Int32Array;
  readonly runStart: Float64Array;
  /** Row ends; for each CPU's last row `runLastEnd[cpu]` instead, when given (see runEndsButLast). */
  readonly runEnd: Float64Array;
  readonly runLastEnd?: Float64Array;
  readonly runNonIdle: Uint8Array;
  /** Per CPU: start of the open non-idle running tail, counted as running to +∞ (NaN: none). */
  readonly openTailStart?: Float64Array;
}

/**
 * DPC/ISR coverage prefix sums (see `DpcCoverage`): per CPU, the rows' union pieces
 * c_i = [max(enter, F), exit] and, by a two-pointer walk over the CPU's merged non-idle running
 * intervals, the part of each piece outside them. One pass over the rows, no per-row output.
 */
export function buildDpcCoverage(src: CoverageSource): DpcCoverage {
  const { cpuSlots, dpcOffsets, enter, duration, runOffsets, runStart, runEnd, runNonIdle } = src;
  const blockOffsets = new Int32Array(cpuSlots + 1);
  let maxRunRows = 0;
  for (let c = 0; c < cpuSlots; c++) {
    blockOffsets[c + 1] = blockOffsets[c]! + coverageEntries(dpcOffsets[c + 1]! - dpcOffsets[c]!);
    maxRunRows = Math.max(maxRunRows, runOffsets[c + 1]! - runOffsets[c]!);
  }
  const entries = blockOffsets[cpuSlots]!;
  const unionBefore = new Float64Array(entries);
  const outsideRunBefore = new Float64Array(entries);
  const reachBefore = new Float64Array(entries);
  // The CPU's non-idle running as disjoint sorted intervals (reused scratch, one CPU at a time).
  const nrStart = new Float64Array(maxRunRows + 1);
  const nrEnd = new Float64Array(maxRunRows + 1);
  for (let c = 0; c < cpuSlots; c++) {
    let m = 0;
    for (let r = runOffsets[c]!; r < runOffsets[c + 1]!; r++) {
      if (runNonIdle[r] === 0) continue;
      const s = runStart[r]!;
      const e =
        r === runOffsets[c + 1]! - 1 && src.runLastEnd !== undefined ? src.runLastEnd[c]! : runEnd[r]!;
      if (!(e > s)) continue;
      if (m > 0 && s <= nrEnd[m - 1]!) {
        if (e > nrEnd[m - 1]!) nrEnd[m - 1] = e;
      } else {
        nrStart[m] = s;
        nrEnd[m] = e;
        m++;
      }
    }
    const tail = src.openTailStart?.[c] ?? NaN;
    if (tail === tail) {
      // [tail, +∞) swallows every interval reaching it (the tail normally starts after them all).
      let from = tail;
      while (m > 0 && nrEnd[m - 1]! >= from) {
        m--;
        if (nrStart[m]! < from) from = nrStart[m]!;
      }
      nrStart[m] = from;
      nrEnd[m] = Infinity;
      m++;
    }
    const lo = dpcOffsets[c]!;
    const hi = dpcOffsets[c + 1]!;
    let entry = blockOffsets[c]!;
    let union = 0;
    let outside = 0;
    let reach = -Infinity;
    let p = 0;
    for (let i = lo; ; i++) {
      if ((i - lo) % UNION_BLOCK_ROWS === 0) {
        unionBefore[entry] = union;
        outsideRunBefore[entry] = outside;
        reachBefore[entry] = reach;
        entry++;
      }
      if (i >= hi) break;
      const enterNs = enter[i]!;
      const e = enterNs + duration[i]!;
      if (!(e > enterNs)) continue;
      const s = Math.max(enterNs, reach);
      if (!(e > s)) continue;
      union += e - s;
      reach = e;
      while (p < m && nrEnd[p]! <= s) p++;
      let inRun = 0;
      for (let q = p; q < m && nrStart[q]! < e; q++)
        inRun += Math.min(e, nrEnd[q]!) - Math.max(s, nrStart[q]!);
      outside += e - s - inRun;
    }
  }
  return { blockOffsets, unionBefore, outsideRunBefore, reachBefore };
}

/** Non-idle running prefix sums of the model's run table and the run anchors of the DPC coverage
 *  entries (see `RunCoverage`). The per-CPU loops are small functions of their own: each is
 *  optimized after the first CPUs (one large function ran mostly unoptimized, ~20 ms per 270 K rows). */
function buildRunCoverage(
  run: ModelRunTable,
  threadTids: Uint32Array,
  cpuSlots: number,
  openEnded: Uint8Array,
  dpc: DpcTable,
  dpcBlockOffsets: Int32Array,
): RunCoverage {
  const runOffsets = run.cpuOffsets;
  const blockOffsets = new Int32Array(cpuSlots + 1);
  for (let c = 0; c < cpuSlots; c++) {
    blockOffsets[c + 1] = blockOffsets[c]! + coverageEntries(runOffsets[c + 1]! - runOffsets[c]!);
  }
  const nonIdleBefore = new Float64Array(blockOffsets[cpuSlots]!);
  const reachBefore = new Float64Array(blockOffsets[cpuSlots]!);
  const disjoint = new Uint8Array(cpuSlots);
  const anchorRow = new Int32Array(dpcBlockOffsets[cpuSlots]!).fill(-2);
  const anchorNonIdle = new Float64Array(dpcBlockOffsets[cpuSlots]!);
  for (let c = 0; c < cpuSlots; c++) {
    const lo = runOffsets[c]!;
    const hi = runOffsets[c + 1]!;
    disjoint[c] = runPrefixSums(run, threadTids, c, lo, hi, blockOffsets[c]!, nonIdleBefore, reachBefore);
    if (disjoint[c] === 1) {
      const from = dpcBlockOffsets[c]!;
      runAnchors(run, threadTids, lo, hi, dpc, c, from, anchorRow, anchorNonIdle);
    }
  }
  return { blockOffsets, nonIdleBefore, reachBefore, disjoint, openEnded, anchorRow, anchorNonIdle };
}

/** One CPU's run prefix entries (from `entry` on); returns 1 when its rows are disjoint. */
function runPrefixSums(
  run: ModelRunTable,
  threadTids: Uint32Array,
  cpu: number,
  lo: number,
  hi: number,
  entry: number,
  nonIdleBefore: Float64Array,
  reachBefore: Float64Array,
): number {
  const runStart = run.start;
  const runEnd = runEndsButLast(run);
  const lastEnd = run.lastEnd[cpu]!;
  const runThread = run.thread;
  let total = 0;
  let reach = -Infinity;
  let previousEnd = -Infinity;
  let ok = 1;
  for (let i = lo, inBlock = 0; ; i++, inBlock++) {
    if (inBlock === UNION_BLOCK_ROWS || i === lo) {
      nonIdleBefore[entry] = total;
      reachBefore[entry] = reach;
      entry++;
      inBlock = 0;
    }
    if (i >= hi) break;
    const start = runStart[i]!;
    const end = i === hi - 1 ? lastEnd : runEnd[i]!;
    if (start < previousEnd) ok = 0;
    if (end > previousEnd) previousEnd = end;
    if (threadTids[runThread[i]!] === 0) continue;
    const s = start > reach ? start : reach;
    if (end > s) {
      total += end - s;
      reach = end;
    }
  }
  return ok;
}

/** One CPU's run anchors: a forward walk over its run rows as τ (each block's first enter) ascends. */
function runAnchors(
  run: ModelRunTable,
  threadTids: Uint32Array,
  runLo: number,
  runHi: number,
  dpc: DpcTable,
  cpu: number,
  firstEntry: number,
  anchorRow: Int32Array,
  anchorNonIdle: Float64Array,
): void {
  const runStart = run.start;
  const runEnd = runEndsButLast(run); // rows passed below are never the CPU's last
  const runThread = run.thread;
  const enter = dpc.enter;
  const dpcHi = dpc.cpuOffsets[cpu + 1]!;
  let r = runLo - 1; // last run row starting at or before τ
  let before = 0; // non-idle time before r's start (disjoint rows: the earlier rows end by then)
  for (let entry = firstEntry, i = dpc.cpuOffsets[cpu]!; i < dpcHi; entry++, i += UNION_BLOCK_ROWS) {
    const tau = enter[i]!;
    while (r + 1 < runHi && runStart[r + 1]! <= tau) {
      if (r >= runLo && threadTids[runThread[r]!] !== 0) before += runEnd[r]! - runStart[r]!;
      r++;
    }
    anchorRow[entry] = r - runLo;
    anchorNonIdle[entry] = before;
  }
}

// ---------------------------------------------------------------------------------------------
// Finalize
// ---------------------------------------------------------------------------------------------

export function finalizeModel(
  partials: readonly Partial[],
  header: HeaderFacts,
  options: FinalizeOptions = {},
): EngineModel {
  phaseStarted = performance.now();
  const counts: Record<string, number> = {};
  let events = 0;
  let lastEventNs = 0;
  let idleEvents = 0;
  let cswitches = 0;
  let compactBatches = 0;
  let maxCpu = header.cpuCount - 1;
  const eventsPerCpu: number[] = [];
  let groupMasks: number[] | undefined;
  for (const p of partials) {
    for (const [k, v] of Object.entries(p.counts)) counts[k] = (counts[k] ?? 0) + v;
    events += p.events;
    lastEventNs = Math.max(lastEventNs, p.lastEventNs);
    idleEvents += p.idleEvents;
    cswitches += p.cswitches;
    compactBatches += p.compactSwitchBatches;
    p.eventsPerCpu.forEach((n, cpu) => {
      eventsPerCpu[cpu] = (eventsPerCpu[cpu] ?? 0) + n;
      if (n > 0) maxCpu = Math.max(maxCpu, cpu);
    });
    groupMasks ??= p.groupMasks;
  }
  const cpuSlots = Math.max(1, maxCpu + 1);
  const durationNs = lastEventNs;
  const metadataOf = <T extends { timeNs: number }>(pick: (p: Partial) => readonly T[]) =>
    partials.flatMap(pick).sort((a, b) => a.timeNs - b.timeNs);
  const imageEvents = metadataOf((p) => p.images);
  const rsdsEvents = metadataOf((p) => p.rsds);
  const directory = buildThreadDirectory(
    metadataOf((p) => p.processes),
    metadataOf((p) => p.threads),
  );
  const profileIntervals = metadataOf((p) => p.profileIntervals).filter((e) => e.source === 0);
  checkStop(options, 'metadata');

  // Images and symbols.
  const instances = buildImageInstances(imageEvents);
  const kernelMap = new ImageMap(instances.filter((i) => i.processId === 0));
  const userMaps = new Map<number, ImageMap>();
  {
    const byPid = new Map<number, ImageInstance[]>();
    for (const i of instances)
      if (i.processId !== 0) byPid.set(i.processId, [...(byPid.get(i.processId) ?? []), i]);
    for (const [pid, list] of byPid) userMaps.set(pid, new ImageMap(list));
  }
  const symbolDirs = options.symbolDirs ?? symbolDirectories(options.tracePath);
  const pdbOf = new Map<
    ImageInstance,
    { name: string; guid: string; age: number; map: SymbolMap | undefined }
  >();
  for (const r of rsdsEvents) {
    const kernel = isKernelImage(r);
    const map = kernel ? kernelMap : userMaps.get(r.processId);
    const image = map?.candidates(r.base).find((i) => i.base === r.base);
    if (image === undefined || pdbOf.has(image)) continue;
    pdbOf.set(image, {
      name: r.pdbFileName,
      guid: r.guid,
      age: r.age,
      map: symbolDirs.length > 0 ? loadSymbolMap(symbolDirs, r.pdbFileName, r.guid, r.age) : undefined,
    });
  }
  const functions = new FunctionDirectory((image) => pdbOf.get(image)?.map);

  // Partial-local routine ids → global routine entries (address, function), distinct routines only.
  const routineAddress: number[] = [];
  const routineFunc: number[] = [];
  const routineEntry = new Map<string, number>();
  const entryOf = (address: number, func: number): number => {
    const key = `${address}:${func}`;
    let id = routineEntry.get(key);
    if (id === undefined) {
      id = routineAddress.length;
      routineAddress.push(address);
      routineFunc.push(func);
      routineEntry.set(key, id);
    }
    return id;
  };
  // DPC/ISR rows (in a function scope, so its intermediate columns die when it returns).
  const dpc = ((): DpcTable => {
    const dpcParts = partials.map((p) => p.dpc);
    const dpcLengths = dpcParts.map((d) => d.length);
    const dpcCpu = concat(
      dpcParts.map((d) => d.cpu),
      dpcLengths,
    );
    const dpcEnter = concat(
      dpcParts.map((d) => d.enter),
      dpcLengths,
    );
    const dpcRoutineGlobal = new Uint32Array(dpcCpu.length);
    {
      let at = 0;
      for (const p of partials) {
        const local = p.routines;
        const direct = new Int32Array(local.length).fill(-1);
        const ambiguous: ImageInstance[][] = [];
        for (let r = 0; r < local.length; r++) {
          const address = local[r]!;
          const found = kernelMap.candidates(address);
          if (found.length <= 1) direct[r] = entryOf(address, functions.resolve(address, found[0]));
          else ambiguous[r] = found;
        }
        const rows = p.dpc.routine;
        for (let i = 0; i < p.dpc.length; i++) {
          const r = rows[i]!;
          const d = direct[r]!;
          if (d >= 0) dpcRoutineGlobal[at + i] = d;
          else {
            const address = local[r]!;
            dpcRoutineGlobal[at + i] = entryOf(
              address,
              functions.resolve(address, pickByTime(ambiguous[r]!, p.dpc.enter[i]!)),
            );
          }
        }
        at += p.dpc.length;
      }
    }
    checkStop(options, 'dpc-resolve');
    const dpcOrder = cpuTimeOrder(dpcCpu, dpcEnter, dpcCpu.length, cpuSlots);
    checkStop(options, 'dpc-sort');
    return {
      length: dpcCpu.length,
      cpuOffsets: dpcOrder.offsets,
      kind: gather(
        concat(
          dpcParts.map((d) => d.kind),
          dpcLengths,
        ),
        dpcOrder,
      ),
      enter: gather(dpcEnter, dpcOrder),
      duration: gather(
        concat(
          dpcParts.map((d) => d.duration),
          dpcLengths,
        ),
        dpcOrder,
      ),
      interrupted: interruptedRows(dpcParts, dpcLengths, dpcOrder),
      routine: gather(dpcRoutineGlobal, dpcOrder),
    };
  })();
  // The partials' DPC columns are consumed: let them go before the next phases allocate.
  for (const p of partials) p.dpc = EMPTY_PARTIAL_DPC;
  checkStop(options, 'dpc-order');

  // Running intervals (+ each CPU's open tail, closed at the trace end).
  const runParts = partials.map((p) => p.run);
  const tails = partials.flatMap((p) => p.runTails);
  const runLengths = [...runParts.map((r) => r.length), tails.length];
  const runCpu = concat([...runParts.map((r) => r.cpu), Uint16Array.from(tails, (t) => t.cpu)], runLengths);
  const runStartRaw = concat(
    [...runParts.map((r) => r.start), Float64Array.from(tails, (t) => t.start)],
    runLengths,
  );
  const runEndRaw = concat(
    [...runParts.map((r) => r.end), Float64Array.from(tails, () => durationNs)],
    runLengths,
  );
  const runTidRaw = concat(
    [...runParts.map((r) => r.tid), Uint32Array.from(tails, (t) => t.tid)],
    runLengths,
  );
  const runCStateRaw = concat(
    [...runParts.map((r) => r.prevCState), new Int8Array(tails.length).fill(-1)],
    runLengths,
  );
  const runOrder = cpuTimeOrder(runCpu, runStartRaw, runCpu.length, cpuSlots);
  const runStart = gather(runStartRaw, runOrder);
  const runEnd = gather(runEndRaw, runOrder);
  const runTid = gather(runTidRaw, runOrder);
  const runCState = gather(runCStateRaw, runOrder);
  const runThread = new Int32Array(runTid.length);
  for (let i = 0; i < runTid.length; i++) runThread[i] = directory.lookup(runTid[i]!, runStart[i]!);
  const readyNs = computeReadyTimes(partials, runStart, runTid);
  const run: RunTable = {
    length: runStart.length,
    cpuOffsets: runOrder.offsets,
    start: runStart,
    end: runEnd,
    thread: runThread,
    readyNs,
    // NewThreadWaitTime (partials' waitRaw, clock ticks of uncertain unit) is not kept: no query reads it.
  };
  checkStop(options, 'run');

  // Samples: weight from the profile interval in effect, module/function from the image maps.
  const sampleParts = partials.map((p) => p.samples);
  const sampleLengths = sampleParts.map((s) => s.length);
  const sCpu = concat(
    sampleParts.map((s) => s.cpu),
    sampleLengths,
  );
  const sTime = concat(
    sampleParts.map((s) => s.time),
    sampleLengths,
  );
  const sOrder = cpuTimeOrder(sCpu, sTime, sCpu.length, cpuSlots);
  const sampleTime = gather(sTime, sOrder);
  const sampleTid = gather(
    concat(
      sampleParts.map((s) => s.tid),
      sampleLengths,
    ),
    sOrder,
  );
  const sampleIp = gather(
    concat(
      sampleParts.map((s) => s.ip),
      sampleLengths,
    ),
    sOrder,
  );
  const sampleCount = gather(
    concat(
      sampleParts.map((s) => s.count),
      sampleLengths,
    ),
    sOrder,
  );
  const sampleFlags = gather(
    concat(
      sampleParts.map((s) => s.flags),
      sampleLengths,
    ),
    sOrder,
  );
  const { sampleThread, sampleWeight, sampleFunc } = resolveSamples(
    sampleTime,
    sampleTid,
    sampleIp,
    sampleCount,
    directory,
    profileIntervals,
    userMaps,
    kernelMap,
    functions,
  );
  // Global running total (not reset per CPU) kept once per block of rows; `sampleBusyBefore` adds
  // the rows inside a block in the same order, so any prefix is the same float sum as a full column.
  const busyBlockCumulative = new Float64Array(Math.floor(sampleTime.length / SAMPLE_BUSY_BLOCK_ROWS) + 1);
  {
    let total = 0;
    for (let i = 0; i < sampleTime.length; i++) {
      if (i % SAMPLE_BUSY_BLOCK_ROWS === 0) busyBlockCumulative[i / SAMPLE_BUSY_BLOCK_ROWS] = total;
      if (sampleTid[i] !== 0 || sampleFlags[i] !== 0) total += sampleWeight[i]!;
    }
    if (sampleTime.length % SAMPLE_BUSY_BLOCK_ROWS === 0) {
      busyBlockCumulative[sampleTime.length / SAMPLE_BUSY_BLOCK_ROWS] = total;
    }
  }
  const samples: SampleTable = {
    length: sampleTime.length,
    cpuOffsets: sOrder.offsets,
    time: sampleTime,
    thread: sampleThread,
    weight: sampleWeight,
    flags: sampleFlags,
    func: sampleFunc,
    busyBlockCumulative,
  };
  checkStop(options, 'samples');

  // Coverage (DPC/ISR and busy time): prefix sums over the DPC and run rows. When every partial
  // derived its own CPUs (parser workers), the DPC part is a concatenation of their blocks.
  const fromDerived = assembleDerived(partials, cpuSlots, durationNs, idleEvents > 0, run, dpc);
  for (const p of partials) delete p.derived; // consumed: its arrays can go before the idle phase allocates
  checkStop(options, 'assemble');
  const threadTids = Uint32Array.from(directory.threadTids);
  let dpcCoverage = fromDerived?.dpcCoverage;
  if (dpcCoverage === undefined) {
    const runNonIdle = new Uint8Array(run.length);
    for (let i = 0; i < run.length; i++) runNonIdle[i] = threadTids[run.thread[i]!] !== 0 ? 1 : 0;
    dpcCoverage = buildDpcCoverage({
      cpuSlots,
      dpcOffsets: dpc.cpuOffsets,
      enter: dpc.enter,
      duration: dpc.duration,
      runOffsets: run.cpuOffsets,
      runStart: run.start,
      runEnd: run.end,
      runNonIdle,
    });
  }
  const runTable = withoutContiguousEnds(run, cpuSlots);
  const runCoverage = buildRunCoverage(
    runTable,
    threadTids,
    cpuSlots,
    fromDerived?.openEnded ?? new Uint8Array(cpuSlots),
    dpc,
    dpcCoverage.blockOffsets,
  );
  checkStop(options, 'coverage');

  // Idle states.
  const idle =
    fromDerived?.idle ??
    buildIdleTable(partials, idleEvents > 0, run, runTid, runCState, cpuSlots, durationNs);
  checkStop(options, 'idle');

  const images: ImageInfo[] = instances.map((i) => {
    const pdb = pdbOf.get(i);
    return {
      base: i.base,
      size: i.size,
      processId: i.processId,
      fileName: i.fileName,
      module: i.module,
      loadNs: i.loadNs,
      unloadNs: i.unloadNs,
      ...(pdb !== undefined
        ? { pdb: { name: pdb.name, guid: pdb.guid, age: pdb.age, symbols: pdb.map?.names.length ?? 0 } }
        : {}),
    };
  });
  const cpusWithEvents: number[] = [];
  for (let c = 0; c < cpuSlots; c++) if ((eventsPerCpu[c] ?? 0) > 0) cpusWithEvents.push(c);
  const stateCount = idle.state.reduce((m, s) => Math.max(m, s), 0) + 1;
  const stateNames = Array.from({ length: stateCount }, (_, i) => `C${i}`);

  // Diagnostics: the header scan's plus what each partial's reader found (deduplicated).
  const diagnostics: Diagnostic[] = [];
  const seenDiagnostics = new Set<string>();
  for (const d of [...header.diagnostics, ...partials.flatMap((p) => p.diagnostics ?? [])]) {
    const key = `${d.code}@${d.fileOffset ?? ''}:${d.message}`;
    if (seenDiagnostics.has(key)) continue;
    seenDiagnostics.add(key);
    diagnostics.push(d);
  }
  const summary: TraceSummary = buildSummary(
    { ...header, diagnostics },
    {
      events,
      durationNs,
      counts,
      groupMasks,
      cpuCount: Math.max(header.cpuCount, cpuSlots),
      seen: {
        dpc: dpc.kind.some((k) => k < 3),
        isr: dpc.kind.some((k) => k >= 3),
        cswitches,
        compactBatches,
        ready: partials.some((p) => p.ready.length > 0),
        samples: samples.length,
        idleEvents,
        idleSource: idle.source,
        processThread: directory.processes.length > 0 || partials.some((p) => p.threads.length > 0),
        images: instances.length,
      },
      tableRows: {
        dpcIsr: dpc.length,
        cpuPrecise: run.length,
        cpuSampled: samples.length,
        idleStates: idle.length,
      },
    },
  );

  return {
    summary,
    cpuSlots,
    durationNs,
    dpc,
    run: runTable,
    samples,
    idle,
    dpcCoverage,
    runCoverage,
    dict: {
      modules: functions.modules,
      functionCount: functions.names.length,
      functionName: functions.labeller(),
      funcModule: Int32Array.from(functions.funcModule),
      routineAddress: Float64Array.from(routineAddress),
      routineFunc: Int32Array.from(routineFunc),
      processLabels: directory.processLabels,
      processIds: Int32Array.from(directory.processIds),
      threadLabels: directory.threadLabels,
      threadTids,
      threadProcess: Int32Array.from(directory.threadProcess),
      stateNames,
    },
    processes: directory.processes,
    threads: directory.threads,
    images,
    cpusWithEvents,
  };
}

/**
 * Per sample: thread instance, weight (Count × interval in effect) and function. A module-level
 * function so its loop locals are registers (inside finalizeModel they would be closure-captured).
 */
function resolveSamples(
  sampleTime: Float64Array,
  sampleTid: Uint32Array,
  sampleIp: Float64Array,
  sampleCount: Uint16Array,
  directory: ThreadDirectory,
  profileIntervals: readonly { timeNs: number; interval: number }[],
  userMaps: Map<number, ImageMap>,
  kernelMap: ImageMap,
  functions: FunctionDirectory,
): { sampleThread: Int32Array; sampleWeight: Float32Array; sampleFunc: Int32Array } {
  const sampleThread = new Int32Array(sampleTime.length);
  const sampleWeight = new Float32Array(sampleTime.length);
  const sampleFunc = new Int32Array(sampleTime.length);
  // Instruction pointer → function, resolved at the first sample with that pointer.
  const kernelFuncCache = new AddressInterner();
  // Per process: instruction pointer → function (−1: not in a user image of that process).
  const userFuncCache = new Map<number, AddressInterner>();
  const noUserFunc = -2;
  const constantInterval = profileIntervals.length === 0 ? DEFAULT_PROFILE_INTERVAL_100NS : 0;
  for (let i = 0; i < sampleTime.length; i++) {
    const t = sampleTime[i]!;
    const thread = directory.lookup(sampleTid[i]!, t);
    sampleThread[i] = thread;
    sampleWeight[i] =
      sampleCount[i]! * (constantInterval !== 0 ? constantInterval : intervalAt(profileIntervals, t)) * 100;
    const ip = sampleIp[i]!;
    let userFunc = -1;
    if (ip < KERNEL_SPACE_KEY && userMaps.size > 0) {
      const pid = directory.processIds[directory.threadProcess[thread]!]!;
      const userMap = userMaps.get(pid);
      if (userMap !== undefined) {
        let cache = userFuncCache.get(pid);
        if (cache === undefined) {
          cache = new AddressInterner();
          userFuncCache.set(pid, cache);
        }
        const cached = cache.get(ip);
        if (cached !== -1) userFunc = cached === noUserFunc ? -1 : cached;
        else {
          const image = userMap.resolve(ip, t);
          userFunc = image !== undefined ? functions.resolve(ip, image) : -1;
          cache.set(ip, userFunc >= 0 ? userFunc : noUserFunc);
        }
      }
    }
    if (userFunc >= 0) sampleFunc[i] = userFunc;
    else {
      let f = kernelFuncCache.get(ip);
      if (f < 0) {
        f = functions.resolve(ip, kernelMap.resolve(ip, t));
        kernelFuncCache.set(ip, f);
      }
      sampleFunc[i] = f;
    }
  }
  return { sampleThread, sampleWeight, sampleFunc };
}

function intervalAt(intervals: readonly { timeNs: number; interval: number }[], timeNs: number): number {
  let value = DEFAULT_PROFILE_INTERVAL_100NS;
  for (const e of intervals) {
    if (e.timeNs > timeNs) break;
    if (e.interval > 0) value = e.interval;
  }
  return value;
}

/**
 * Ready time of each switch-in: start − the thread's latest ReadyThread at or before it (and
 * after its previous switch-in is not checked: a thread readied twice keeps the later one).
 * ReadyThread events are bucketed by tid and sorted once; each row is one binary search.
 */
function computeReadyTimes(
  partials: readonly Partial[],
  runStart: Float64Array,
  runTid: Uint32Array,
): Float32Array {
  const out = new Float32Array(runStart.length).fill(NaN);
  const total = partials.reduce((n, p) => n + p.ready.length, 0);
  if (total === 0) return out;
  const slot = new Map<number, number>();
  const countByTid: number[] = [];
  for (const p of partials) {
    for (let i = 0; i < p.ready.length; i++) {
      const tid = p.ready.tid[i]!;
      let s = slot.get(tid);
      if (s === undefined) {
        s = countByTid.length;
        slot.set(tid, s);
        countByTid.push(0);
      }
      countByTid[s]!++;
    }
  }
  const offsets = new Int32Array(countByTid.length + 1);
  for (let s = 0; s < countByTid.length; s++) offsets[s + 1] = offsets[s]! + countByTid[s]!;
  const fill = offsets.slice(0, countByTid.length);
  const times = new Float64Array(total);
  for (const p of partials)
    for (let i = 0; i < p.ready.length; i++) times[fill[slot.get(p.ready.tid[i]!)!]!++] = p.ready.time[i]!;
  for (let s = 0; s < countByTid.length; s++) times.subarray(offsets[s]!, offsets[s + 1]!).sort();
  for (let i = 0; i < runStart.length; i++) {
    const s = slot.get(runTid[i]!);
    if (s === undefined) continue;
    const t = runStart[i]!;
    let lo = offsets[s]!;
    let hi = offsets[s + 1]!;
    const first = lo;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo > first) out[i] = t - times[lo - 1]!;
  }
  return out;
}

function buildIdleTable(
  partials: readonly Partial[],
  fromEvents: boolean,
  run: RunTable,
  runTid: Uint32Array,
  runCState: Int8Array,
  cpuSlots: number,
  durationNs: number,
): IdleTable {
  // Source intervals as columns (cpu, start, end, state), then grouped by CPU and time-sorted.
  let sourceRows = 0;
  if (fromEvents) for (const p of partials) sourceRows += p.idle.length + p.idleTails.length;
  else sourceRows = run.length;
  const cpu = new Uint16Array(sourceRows);
  const start = new Float64Array(sourceRows);
  const end = new Float64Array(sourceRows);
  const state = new Uint8Array(sourceRows);
  let rows = 0;
  let source: IdleTable['source'] = 'none';
  const hasData = new Uint8Array(cpuSlots);
  if (fromEvents) {
    source = 'events';
    for (const p of partials) {
      const n = p.idle.length;
      cpu.set(p.idle.cpu.subarray(0, n), rows);
      start.set(p.idle.start.subarray(0, n), rows);
      end.set(p.idle.end.subarray(0, n), rows);
      state.set(p.idle.state.subarray(0, n), rows);
      for (let i = 0; i < n; i++) hasData[p.idle.cpu[i]!] = 1;
      rows += n;
      for (const t of p.idleTails) {
        hasData[t.cpu] = 1;
        if (!(durationNs > t.start)) continue;
        cpu[rows] = t.cpu;
        start[rows] = t.start;
        end[rows] = durationNs;
        state[rows] = t.state;
        rows++;
      }
    }
  } else if (run.length > 0) {
    source = 'cswitch';
    for (let c = 0; c < cpuSlots; c++) {
      if (run.cpuOffsets[c + 1]! > run.cpuOffsets[c]!) hasData[c] = 1;
      for (let i = run.cpuOffsets[c]!; i < run.cpuOffsets[c + 1]!; i++) {
        if (runTid[i] !== 0 || runCState[i]! < 0) continue;
        cpu[rows] = c;
        start[rows] = run.start[i]!;
        end[rows] = run.end[i]!;
        state[rows] = runCState[i]! + 1;
        rows++;
      }
    }
  }
  return fillIdleGaps(cpu, start, end, state, rows, hasData, cpuSlots, durationNs, source);
}

/** Contiguous rows per CPU: the given intervals (time order) with C0 rows filling the gaps (each
 *  row starts where the previous one ended, so only starts are written; see `IdleTable`). */
function fillIdleGaps(
  cpu: Uint16Array,
  start: Float64Array,
  end: Float64Array,
  state: Uint8Array,
  rows: number,
  hasData: Uint8Array,
  cpuSlots: number,
  durationNs: number,
  source: IdleTable['source'],
  cursorsOut?: Float64Array,
): IdleTable {
  const order = cpuTimeOrder(cpu, start, rows, cpuSlots);
  const offsets = new Int32Array(cpuSlots + 1);
  // Two passes: count the rows (gaps included), then write them into exact-size arrays.
  let outStart = new Float64Array(0);
  let outState = new Uint8Array(0);
  let n = 0;
  for (let pass = 0; pass < 2; pass++) {
    const write = pass === 1;
    if (write) {
      outStart = new Float64Array(n);
      outState = new Uint8Array(n);
    }
    n = 0;
    for (let c = 0; c < cpuSlots; c++) {
      offsets[c] = n;
      if (hasData[c] === 0) continue;
      let cursor = 0;
      for (let k = order.offsets[c]!; k < order.offsets[c + 1]!; k++) {
        const i = order.identity ? k : order.order[k]!;
        const s = Math.max(start[i]!, cursor);
        const e = end[i]!;
        if (s > cursor) {
          if (write) {
            outStart[n] = cursor;
            outState[n] = 0;
          }
          n++;
        }
        if (e > s) {
          if (write) {
            outStart[n] = s;
            outState[n] = state[i]!;
          }
          n++;
          cursor = e;
        }
      }
      if (cursorsOut !== undefined) cursorsOut[c] = cursor;
      if (durationNs > cursor) {
        if (write) {
          outStart[n] = cursor;
          outState[n] = 0;
        }
        n++;
      }
    }
  }
  offsets[cpuSlots] = n;
  return { length: n, cpuOffsets: offsets, start: outStart, state: outState, source };
}

// ---------------------------------------------------------------------------------------------
// Per-CPU derivations where the partial is read (parser workers), concatenated by finalize
// ---------------------------------------------------------------------------------------------

/**
 * Stable insertion sort of DPC rows by enter time, in place, when the rows are grouped by CPU in
 * ascending order (the per-CPU read order): only ISRs logged before the DPC they interrupted are
 * out of place, so moving those few rows beats gathering seven columns through an order array.
 * Stops after the same shift budget as `sortSegment`; the rows are then still a stably
 * part-sorted permutation, which the order array finishes with the same result.
 */
function sortDpcRowsInPlace(d: Partial['dpc']): void {
  const { cpu, kind, enter, duration, exclusive, fragments, routine } = d;
  const n = d.length;
  for (let i = 1; i < n; i++) if (cpu[i]! < cpu[i - 1]!) return;
  let budget = n * INSERTION_SORT_BUDGET_PER_ROW + 64;
  for (let i = 1; i < n; i++) {
    const c = cpu[i]!;
    const key = enter[i]!;
    if (!(cpu[i - 1] === c && enter[i - 1]! > key)) continue;
    const rowKind = kind[i]!;
    const rowDuration = duration[i]!;
    const rowExclusive = exclusive[i]!;
    const rowFragments = fragments[i]!;
    const rowRoutine = routine[i]!;
    let j = i - 1;
    let stop = false;
    while (j >= 0 && cpu[j] === c && enter[j]! > key) {
      kind[j + 1] = kind[j]!;
      enter[j + 1] = enter[j]!;
      duration[j + 1] = duration[j]!;
      exclusive[j + 1] = exclusive[j]!;
      fragments[j + 1] = fragments[j]!;
      routine[j + 1] = routine[j]!;
      j--;
      if (--budget < 0) {
        stop = true;
        break;
      }
    }
    kind[j + 1] = rowKind;
    enter[j + 1] = key;
    duration[j + 1] = rowDuration;
    exclusive[j + 1] = rowExclusive;
    fragments[j + 1] = rowFragments;
    routine[j + 1] = rowRoutine;
    if (stop) return;
  }
}

/** Highest CPU of `length` rows (−1 when none). */
function maxCpuOf(cpu: Uint16Array, length: number): number {
  let max = -1;
  for (let i = 0; i < length; i++) if (cpu[i]! > max) max = cpu[i]!;
  return max;
}

/**
 * Runs where the partial was read (a parser worker owns its CPUs whole, so this work is spread
 * over the workers): puts the partial's rows in CPU/time order (stable, so finalize's global
 * order check finds them ordered and the result is the same as ordering after the merge), then
 * derives what needs neither global metadata nor the trace end: the DPC/ISR coverage prefix sums
 * (busy part against the running intervals: a TID-0 row is idle whatever the thread directory
 * says; an open non-idle tail counts as running to +∞), and the idle rows with their C0 gaps.
 * Sets `partial.derived`; leaves it unset when the rows do not fit the assumptions (then finalize
 * derives everything itself, as before).
 */
export function derivePerCpu(p: Partial): void {
  const slots = Math.max(
    1,
    p.eventsPerCpu.length,
    maxCpuOf(p.dpc.cpu, p.dpc.length) + 1,
    maxCpuOf(p.run.cpu, p.run.length) + 1,
    maxCpuOf(p.samples.cpu, p.samples.length) + 1,
    maxCpuOf(p.idle.cpu, p.idle.length) + 1,
    ...p.runTails.map((t) => t.cpu + 1),
    ...p.idleTails.map((t) => t.cpu + 1),
  );
  sortDpcRowsInPlace(p.dpc);
  const dOrder = cpuTimeOrder(p.dpc.cpu, p.dpc.enter, p.dpc.length, slots);
  p.dpc = gatherColumns(p.dpc, dOrder);
  const rOrder = cpuTimeOrder(p.run.cpu, p.run.start, p.run.length, slots);
  p.run = gatherColumns(p.run, rOrder);
  const sOrder = cpuTimeOrder(p.samples.cpu, p.samples.time, p.samples.length, slots);
  p.samples = gatherColumns(p.samples, sOrder);
  const iOrder = cpuTimeOrder(p.idle.cpu, p.idle.start, p.idle.length, slots);
  p.idle = gatherColumns(p.idle, iOrder);

  // DPC/ISR coverage with the open non-idle running tails reaching to +∞ (the trace end is not
  // known here; lookups count non-idle running after it for these CPUs: `RunCoverage.openEnded`).
  const run = p.run;
  const runNonIdle = new Uint8Array(run.length);
  for (let i = 0; i < run.length; i++) runNonIdle[i] = run.tid[i] !== 0 ? 1 : 0;
  const openTailStart = new Float64Array(slots).fill(NaN);
  for (const t of p.runTails) if (t.tid !== 0) openTailStart[t.cpu] = t.start;
  const dpcCoverage = buildDpcCoverage({
    cpuSlots: slots,
    dpcOffsets: dOrder.offsets,
    enter: p.dpc.enter,
    duration: p.dpc.duration,
    runOffsets: rOrder.offsets,
    runStart: run.start,
    runEnd: run.end,
    runNonIdle,
    openTailStart,
  });

  // Idle rows: this partial's closed intervals, C0 gaps between them (finalize adds the open
  // tail and the final C0 row up to the trace end, from `idleCursor`).
  const idleMode = p.idleEvents > 0 ? 'events' : 'cswitch';
  const idleHasData = new Uint8Array(slots);
  let cpu: Uint16Array;
  let start: Float64Array;
  let end: Float64Array;
  let state: Uint8Array;
  let rows = 0;
  if (idleMode === 'events') {
    ({ cpu, start, end, state } = p.idle);
    rows = p.idle.length;
    for (let i = 0; i < rows; i++) idleHasData[cpu[i]!] = 1;
    const tailSeen = new Uint8Array(slots);
    for (const t of p.idleTails) {
      // Finalize appends a tail after the CPU's rows: only exact when it starts last (it does:
      // it is the CPU's latest IdleStateEnter) and is the CPU's only tail.
      const last = iOrder.offsets[t.cpu + 1]! - 1;
      if (tailSeen[t.cpu] === 1 || (last >= iOrder.offsets[t.cpu]! && !(start[last]! <= t.start))) return;
      tailSeen[t.cpu] = 1;
      idleHasData[t.cpu] = 1;
    }
  } else {
    let n = 0;
    for (let i = 0; i < run.length; i++) if (run.tid[i] === 0 && run.prevCState[i]! >= 0) n++;
    cpu = new Uint16Array(n);
    start = new Float64Array(n);
    end = new Float64Array(n);
    state = new Uint8Array(n);
    for (let i = 0; i < run.length; i++) {
      if (run.tid[i] !== 0 || run.prevCState[i]! < 0) continue;
      cpu[rows] = run.cpu[i]!;
      start[rows] = run.start[i]!;
      end[rows] = run.end[i]!;
      state[rows] = run.prevCState[i]! + 1;
      rows++;
    }
  }
  const idleCursor = new Float64Array(slots);
  // NaN trace end: no final C0 row (`NaN > cursor` is false); every CPU is walked.
  const idle = fillIdleGaps(
    cpu,
    start,
    end,
    state,
    rows,
    new Uint8Array(slots).fill(1),
    slots,
    NaN,
    'none',
    idleCursor,
  );
  p.derived = {
    cpuSlots: slots,
    dpcOffsets: dOrder.offsets,
    runOffsets: rOrder.offsets,
    dpcCoverage,
    idleMode,
    idle: { offsets: idle.cpuOffsets, start: idle.start, state: idle.state },
    idleCursor,
    idleHasData,
  };
}

/**
 * DPC/ISR coverage and idle table from the partials' `derived` parts: per CPU the owning
 * partial's coverage entries (copied), which CPUs' non-idle running is open-ended, plus what needs
 * the trace end: the open idle tail and last C0 row. Undefined (finalize derives them itself)
 * unless every partial was derived and no CPU is in two partials.
 */
function assembleDerived(
  partials: readonly Partial[],
  cpuSlots: number,
  durationNs: number,
  fromEvents: boolean,
  run: RunTable,
  dpc: DpcTable,
): { dpcCoverage: DpcCoverage; openEnded: Uint8Array; idle: IdleTable } | undefined {
  if (partials.length === 0) return undefined;
  const derived: PerCpuDerived[] = [];
  for (const p of partials) {
    if (p.derived === undefined) return undefined;
    derived.push(p.derived);
  }
  const owner = new Int32Array(cpuSlots).fill(-1);
  for (let k = 0; k < partials.length; k++) {
    const p = partials[k]!;
    const d = derived[k]!;
    for (let c = 0; c < d.cpuSlots; c++) {
      const has =
        (p.eventsPerCpu[c] ?? 0) > 0 ||
        d.dpcOffsets[c + 1]! > d.dpcOffsets[c]! ||
        d.runOffsets[c + 1]! > d.runOffsets[c]! ||
        d.idle.offsets[c + 1]! > d.idle.offsets[c]! ||
        d.idleHasData[c] === 1;
      if (!has) continue;
      if (c >= cpuSlots || owner[c]! >= 0) return undefined;
      owner[c] = k;
    }
  }
  const idleTail: (Partial['idleTails'][number] | undefined)[] = new Array(cpuSlots);
  const openEnded = new Uint8Array(cpuSlots);
  for (let k = 0; k < partials.length; k++) {
    const seen = new Set<number>();
    for (const t of partials[k]!.runTails) {
      if (t.cpu >= cpuSlots || owner[t.cpu] !== k || seen.has(t.cpu)) return undefined;
      seen.add(t.cpu);
      if (t.tid !== 0) openEnded[t.cpu] = 1;
    }
    for (const t of partials[k]!.idleTails) {
      if (t.cpu >= cpuSlots || owner[t.cpu] !== k || idleTail[t.cpu] !== undefined) return undefined;
      idleTail[t.cpu] = t;
    }
  }
  const segment = (offsets: Int32Array, c: number, k: number): [number, number] =>
    k < 0 || c >= derived[k]!.cpuSlots ? [0, 0] : [offsets[c]!, offsets[c + 1]!];

  // DPC/ISR coverage: each CPU's entries from its owner, copied (memcpy) one CPU after the other —
  // or, from a single partial with the same CPU slots, taken as they are (the same layout). The
  // entries restart at each CPU, so they do not depend on where the CPU's rows land in the model.
  const single = derived.length === 1 && derived[0]!.cpuSlots === cpuSlots ? derived[0]! : undefined;
  const blockOffsets = new Int32Array(cpuSlots + 1);
  for (let c = 0; c < cpuSlots; c++) {
    const k = owner[c]!;
    const [lo, hi] = segment(k < 0 ? dpc.cpuOffsets : derived[k]!.dpcOffsets, c, k);
    // The owner's rows are the model's rows of this CPU (same order): anything else is a bug.
    if (hi - lo !== dpc.cpuOffsets[c + 1]! - dpc.cpuOffsets[c]!) return undefined;
    blockOffsets[c + 1] = blockOffsets[c]! + coverageEntries(hi - lo);
  }
  let dpcCoverage: DpcCoverage;
  if (single !== undefined) dpcCoverage = single.dpcCoverage;
  else {
    const entries = blockOffsets[cpuSlots]!;
    dpcCoverage = {
      blockOffsets,
      unionBefore: new Float64Array(entries),
      outsideRunBefore: new Float64Array(entries),
      reachBefore: new Float64Array(entries).fill(-Infinity),
    };
    for (let c = 0; c < cpuSlots; c++) {
      const k = owner[c]!;
      if (k < 0 || c >= derived[k]!.cpuSlots) continue; // no rows: its one entry is (0, 0, −∞)
      const from = derived[k]!.dpcCoverage;
      const lo = from.blockOffsets[c]!;
      const hi = from.blockOffsets[c + 1]!;
      const at = blockOffsets[c]!;
      dpcCoverage.unionBefore.set(from.unionBefore.subarray(lo, hi), at);
      dpcCoverage.outsideRunBefore.set(from.outsideRunBefore.subarray(lo, hi), at);
      dpcCoverage.reachBefore.set(from.reachBefore.subarray(lo, hi), at);
    }
  }

  // Idle: the closed rows, then the open idle tail and the last C0 row up to the trace end
  // (the same steps fillIdleGaps takes for its last rows).
  const source: IdleTable['source'] = fromEvents ? 'events' : run.length > 0 ? 'cswitch' : 'none';
  const idleOffsets = new Int32Array(cpuSlots + 1);
  let idleStart = new Float64Array(0);
  let idleState = new Uint8Array(0);
  for (let pass = 0; pass < 2; pass++) {
    const write = pass === 1;
    if (write) {
      idleStart = new Float64Array(idleOffsets[cpuSlots]!);
      idleState = new Uint8Array(idleOffsets[cpuSlots]!);
    }
    let n = 0;
    const emit = (s: number, st: number) => {
      if (write) {
        idleStart[n] = s;
        idleState[n] = st;
      }
      n++;
    };
    for (let c = 0; c < cpuSlots; c++) {
      idleOffsets[c] = n;
      const k = owner[c]!;
      const d = k >= 0 ? derived[k]! : undefined;
      const modeMatches = d !== undefined && d.idleMode === source;
      const hasData =
        source === 'events'
          ? modeMatches && c < d.cpuSlots && d.idleHasData[c] === 1
          : source === 'cswitch' && run.cpuOffsets[c + 1]! > run.cpuOffsets[c]!;
      if (!hasData) continue;
      let cursor = 0;
      if (modeMatches && c < d.cpuSlots) {
        const [lo, hi] = segment(d.idle.offsets, c, k);
        if (write) {
          idleStart.set(d.idle.start.subarray(lo, hi), n);
          idleState.set(d.idle.state.subarray(lo, hi), n);
        }
        n += hi - lo;
        cursor = d.idleCursor[c]!;
      }
      const t = source === 'events' ? idleTail[c] : undefined;
      if (t !== undefined && durationNs > t.start) {
        const s = Math.max(t.start, cursor);
        if (s > cursor) emit(cursor, 0);
        if (durationNs > s) {
          emit(s, t.state);
          cursor = durationNs;
        }
      }
      if (durationNs > cursor) emit(cursor, 0);
    }
    idleOffsets[cpuSlots] = n;
  }
  return {
    dpcCoverage,
    openEnded,
    idle: {
      length: idleStart.length,
      cpuOffsets: idleOffsets,
      start: idleStart,
      state: idleState,
      source,
    },
  };
}

export type { Diagnostic };
