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
import { concat, type TypedArray } from './columns.js';
import {
  buildImageInstances,
  ImageMap,
  isKernelImage,
  KERNEL_SPACE_KEY,
  pickByTime,
  upperBound,
  type ImageInstance,
} from './images.js';
import type {
  DpcTable,
  EngineModel,
  IdleTable,
  ImageInfo,
  RunTable as ModelRunTable,
  SampleTable,
  DpcCoverage,
  DpcInterruptions,
} from './model.js';
import { coverageEntries, SAMPLE_BUSY_BLOCK_ROWS } from './model.js';

/** The run table as finalize assembles it, with every row's end (the model keeps the ends only
 *  where they do not follow from the next row's start: `withoutContiguousEnds`). */
type RunTable = Omit<ModelRunTable, 'end' | 'lastEnd'> & { readonly end: Float64Array };

import { AddressInterner, mergeRuns, type Partial, type PerCpuDerived } from './partial.js';
import { buildSummary, type HeaderFacts } from './summary.js';
import { buildThreadDirectory, type ThreadDirectory } from './threads.js';
import { buildDpcCoverage, buildRunCoverage } from './coverage-build.js';
import type { PdbIdentity, SymbolTable } from '../symbols/types.js';
import { LocationDirectory } from './locations.js';
import { volumePathMapper } from '../reader/index.js';
import { assembleStacks, type StackTable } from './stacks/assemble.js';
import { buildSymbolization } from './symbolize.js';
import { existsSync, readFileSync } from 'node:fs';
import { effectiveSymbolPath } from '../symbols/symbol-path.js';
import { storeNames, storePath } from '../symbols/symbol-store.js';
import { parseSymTxt } from '../symbols/sym-txt.js';

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

const EMPTY_STACKS: StackTable = {
  count: 0,
  parent: new Int32Array(0),
  location: new Int32Array(0),
  depth: new Uint16Array(0),
};

/** Default profile interval when no ProfileSetInterval was logged: 1 ms in 100-ns units. */
const DEFAULT_PROFILE_INTERVAL_100NS = 10_000;
/** Inversions an insertion sort may do per row before we switch to a full sort. */
const INSERTION_SORT_BUDGET_PER_ROW = 8;

export interface FinalizeOptions {
  /** The trace path: symbol maps are looked up in `<path>.symbols/` (plus ETLSCOPE_SYMBOL_PATH). */
  readonly tracePath?: string;
  readonly symbolDirs?: readonly string[];
  /** Symbols available at once for a PDB identity (default: `.sym.txt` files in `symbolDirs`). */
  readonly initialSymbols?: (pdb: PdbIdentity) => SymbolTable | undefined;
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
function cpuTimeOrder(
  cpu: Uint16Array,
  key: Float64Array,
  length: number,
  cpuSlots: number,
  orderedParts?: readonly number[],
): RowOrder {
  const offsets = new Int32Array(cpuSlots + 1);
  if (orderedParts !== undefined && partsJoinInOrder(cpu, key, orderedParts)) {
    // Parts each already in CPU/time order (derived in the parser workers) that also join in
    // order: counting the CPU column is all (a fifth of the memory the full check reads).
    for (let i = 0; i < length; i++) offsets[cpu[i]! + 1]!++;
    for (let c = 0; c < cpuSlots; c++) offsets[c + 1]! += offsets[c]!;
    return { order: new Int32Array(0), offsets, identity: true, length };
  }
  // One pass counts each CPU's rows and checks the common case (one partial, or contiguous CPU
  // shares): rows already grouped by CPU in ascending order and time-sorted inside each CPU —
  // then no order array at all.
  let ordered = true;
  let previousCpu = -1;
  let previousKey = -Infinity;
  for (let i = 0; i < length; i++) {
    const c = cpu[i]!;
    const k = key[i]!;
    offsets[c + 1]!++;
    if (c < previousCpu || (c === previousCpu && k < previousKey)) ordered = false;
    previousCpu = c;
    previousKey = k;
  }
  for (let c = 0; c < cpuSlots; c++) offsets[c + 1]! += offsets[c]!;
  if (ordered) return { order: new Int32Array(0), offsets, identity: true, length };
  const fill = offsets.slice(0, cpuSlots);
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[fill[cpu[i]!]!++] = i;
  for (let c = 0; c < cpuSlots; c++) sortSegment(order, key, offsets[c]!, offsets[c + 1]!);
  let identity = true;
  for (let i = 0; i < length && identity; i++) if (order[i] !== i) identity = false;
  return { order, offsets, identity, length };
}

/** Whether consecutive parts (of these lengths, each in CPU/time order) are in order where they join. */
function partsJoinInOrder(cpu: Uint16Array, key: Float64Array, lengths: readonly number[]): boolean {
  let at = 0;
  for (const n of lengths) {
    if (at > 0 && n > 0) {
      const c = cpu[at]!;
      const p = cpu[at - 1]!;
      if (c < p || (c === p && key[at]! < key[at - 1]!)) return false;
    }
    at += n;
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

type GatherLoop = (source: TypedArray, order: Int32Array, out: TypedArray) => void;
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
/**
 * `source` rows in `order`. Already in order: the column itself, also when it is a view over a
 * bigger partial buffer — that slack was never written, so it is address space, not resident
 * memory (copying it away would touch as many fresh pages as the column has).
 */
function gather<T extends TypedArray>(source: T, order: RowOrder): T {
  if (order.identity)
    return source.length === order.length ? source : (source.subarray(0, order.length) as T);
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
    if (name !== 'length') out[name] = gather(column as unknown as TypedArray, order);
  }
  return out as T;
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
// Distinct keys: partial-local ids → global slots, rows remapped in place
// ---------------------------------------------------------------------------------------------

/**
 * The distinct keys (thread ids) of several partials in one slot space: a partial's local id k
 * becomes the slot of its k-th key. The first partial's keys take slots 0, 1, … as they are (its
 * rows need no remap; they are hashed only when another key arrives). Sampled IPs do not use it:
 * their slots are the partials' lists end to end (see finalizeModel).
 */
class SlotSpace {
  readonly keys: number[] = [];
  private readonly slots = new AddressInterner();
  private hashed = 0;

  slotOf(key: number): number {
    for (; this.hashed < this.keys.length; this.hashed++)
      this.slots.set(this.keys[this.hashed]!, this.hashed);
    const next = this.keys.length;
    const slot = this.slots.intern(key, next);
    if (slot === next) {
      this.keys.push(key);
      this.hashed++;
    }
    return slot;
  }

  /** Local id → slot for one partial's distinct keys; undefined when that is the identity. */
  mapOf(localKeys: ArrayLike<number>): Uint32Array | undefined {
    if (this.keys.length === 0) {
      for (let k = 0; k < localKeys.length; k++) this.keys.push(localKeys[k]!);
      return undefined;
    }
    const map = new Uint32Array(localKeys.length);
    let identity = true;
    for (let k = 0; k < localKeys.length; k++) {
      const slot = this.slotOf(localKeys[k]!);
      map[k] = slot;
      if (slot !== k) identity = false;
    }
    return identity ? undefined : map;
  }
}

/**
 * Id columns of several partials, each partial's ids mapped through its map (none: as they are)
 * in place, then concatenated by `concat` (which appends into the first partial's buffer when it
 * has room, and copies nothing for rows the parser workers already placed there).
 */
function concatMapped(
  columns: readonly Uint32Array[],
  lengths: readonly number[],
  maps: readonly (Uint32Array | Int32Array | undefined)[],
): Uint32Array {
  columns.forEach((column, k) => remapInPlace(column, lengths[k]!, maps[k]));
  return concat(columns, lengths);
}

/** The map adding `base` to each of `count` local ids. */
function offsetMap(base: number, count: number): Uint32Array {
  const map = new Uint32Array(count);
  for (let k = 0; k < count; k++) map[k] = base + k;
  return map;
}

/** `column[i] = map[column[i]]` for the first `length` rows, in place (no map: unchanged). */
function remapInPlace(column: Uint32Array, length: number, map: Uint32Array | Int32Array | undefined): void {
  if (map === undefined) return;
  for (let i = 0; i < length; i++) column[i] = map[column[i]!]!;
}

/**
 * Local routine ids → global routine entries in place, when some routine addresses lie in several
 * image instances over time (an image unloaded and another loaded at its address): those rows
 * take the instance loaded at their enter time, each (routine, instance) resolved once.
 */
function remapAmbiguousRoutines(
  dpc: Partial['dpc'],
  addresses: Float64Array,
  direct: Int32Array,
  ambiguous: readonly ImageInstance[][],
  functions: LocationDirectory,
  entryOf: (address: number, func: number) => number,
): void {
  const perRoutine: Map<ImageInstance | undefined, number>[] = [];
  const { routine, enter } = dpc;
  for (let i = 0; i < dpc.length; i++) {
    const r = routine[i]!;
    const d = direct[r]!;
    if (d >= 0) {
      routine[i] = d;
      continue;
    }
    const image = pickByTime(ambiguous[r]!, enter[i]!);
    const cache = (perRoutine[r] ??= new Map());
    let entry = cache.get(image);
    if (entry === undefined) {
      const address = addresses[r]!;
      entry = entryOf(address, functions.resolve(address, image));
      cache.set(image, entry);
    }
    routine[i] = entry;
  }
}

interface RunColumns {
  readonly runCpuOffsets: Int32Array;
  readonly runStart: Float64Array;
  readonly runEnd: Float64Array;
  /** Thread slots (slot 0 = TID 0). */
  readonly runTid: Uint32Array;
  readonly runCState: Int8Array;
}

/**
 * Running intervals in CPU/time order with each CPU's open tail (closed at the trace end) after
 * its rows. When every CPU's rows come from one partial, contiguous and time-sorted (derivePerCpu
 * leaves them so), and its tail starts last, the columns are copied segment by segment into
 * exact-size arrays (one copy, no order array); otherwise concatenated, ordered and gathered.
 * Same rows in the same order either way (the order is a stable sort by start, tails last).
 */
function assembleRun(
  partials: readonly Partial[],
  threadSlots: SlotSpace,
  cpuSlots: number,
  durationNs: number,
): RunColumns {
  const tails = partials.flatMap((p) => p.runTails);
  const tailSlots = Uint32Array.from(tails, (t) => threadSlots.slotOf(t.tid));
  const segments = runSegments(partials, tails, cpuSlots);
  if (segments === undefined) {
    const runParts = partials.map((p) => p.run);
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
    const runTidRaw = concat([...runParts.map((r) => r.tid), tailSlots], runLengths);
    const runCStateRaw = concat(
      [...runParts.map((r) => r.prevCState), new Int8Array(tails.length).fill(-1)],
      runLengths,
    );
    const order = cpuTimeOrder(runCpu, runStartRaw, runCpu.length, cpuSlots);
    return {
      runCpuOffsets: order.offsets,
      runStart: gather(runStartRaw, order),
      runEnd: gather(runEndRaw, order),
      runTid: gather(runTidRaw, order),
      runCState: gather(runCStateRaw, order),
    };
  }
  const { owner, lo, hi, tailOf } = segments;
  const offsets = new Int32Array(cpuSlots + 1);
  for (let c = 0; c < cpuSlots; c++) {
    const rows = owner[c]! >= 0 ? hi[c]! - lo[c]! : 0;
    offsets[c + 1] = offsets[c]! + rows + (tailOf[c]! >= 0 ? 1 : 0);
  }
  const n = offsets[cpuSlots]!;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const tid = new Uint32Array(n);
  const cstate = new Int8Array(n);
  for (let c = 0; c < cpuSlots; c++) {
    let at = offsets[c]!;
    const k = owner[c]!;
    if (k >= 0) {
      const r = partials[k]!.run;
      const from = lo[c]!;
      const to = hi[c]!;
      start.set(r.start.subarray(from, to), at);
      end.set(r.end.subarray(from, to), at);
      tid.set(r.tid.subarray(from, to), at);
      cstate.set(r.prevCState.subarray(from, to), at);
      at += to - from;
    }
    const t = tailOf[c]!;
    if (t >= 0) {
      start[at] = tails[t]!.start;
      end[at] = durationNs;
      tid[at] = tailSlots[t]!;
      cstate[at] = -1;
    }
  }
  return { runCpuOffsets: offsets, runStart: start, runEnd: end, runTid: tid, runCState: cstate };
}

/** Per CPU: the partial holding its run rows and their span, and its tail; undefined unless each
 *  CPU's rows are one contiguous time-sorted span of one partial with at most one tail, last. */
function runSegments(
  partials: readonly Partial[],
  tails: readonly Partial['runTails'][number][],
  cpuSlots: number,
): { owner: Int32Array; lo: Int32Array; hi: Int32Array; tailOf: Int32Array } | undefined {
  const owner = new Int32Array(cpuSlots).fill(-1);
  const lo = new Int32Array(cpuSlots);
  const hi = new Int32Array(cpuSlots);
  for (let k = 0; k < partials.length; k++) {
    const { cpu, start, length } = partials[k]!.run;
    let c = -1;
    for (let i = 0; i < length; i++) {
      const rowCpu = cpu[i]!;
      if (rowCpu === c) {
        if (start[i]! < start[i - 1]!) return undefined;
        continue;
      }
      if (rowCpu >= cpuSlots || owner[rowCpu]! >= 0) return undefined;
      if (c >= 0) hi[c] = i;
      c = rowCpu;
      owner[c] = k;
      lo[c] = i;
    }
    if (c >= 0) hi[c] = length;
  }
  const tailOf = new Int32Array(cpuSlots).fill(-1);
  for (let t = 0; t < tails.length; t++) {
    const tail = tails[t]!;
    const c = tail.cpu;
    if (c >= cpuSlots || tailOf[c]! >= 0) return undefined;
    const k = owner[c]!;
    if (k >= 0 && tail.start < partials[k]!.run.start[hi[c]! - 1]!) return undefined;
    tailOf[c] = t;
  }
  return { owner, lo, hi, tailOf };
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
  // Every partial put its own rows in CPU/time order (parser workers): only their joins are checked.
  const allDerived = partials.every((p) => p.derived !== undefined);
  const durationNs = lastEventNs;
  const metadataOf = <T extends { timeNs: number }>(pick: (p: Partial) => readonly T[]) =>
    partials.flatMap(pick).sort((a, b) => a.timeNs - b.timeNs);
  // Image paths as WPA shows them: the trace's volume mappings turn `\Device\HarddiskVolume2\…`
  // into `C:\…` (SysConfigEx; none in a trace that was not merged, and then paths stay as logged).
  const toDosPath = volumePathMapper(metadataOf((p) => p.volumes));
  const imageEvents = metadataOf((p) => p.images).map((e) =>
    toDosPath === undefined ? e : { ...e, fileName: toDosPath(e.fileName) },
  );
  const rsdsEvents = metadataOf((p) => p.rsds);
  const cpuConfigs = metadataOf((p) => p.cpuConfigs ?? []);
  const processorNames = metadataOf((p) => p.processorNames ?? []);
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
  const pdbOf = new Map<ImageInstance, PdbIdentity>();
  for (const r of rsdsEvents) {
    const kernel = isKernelImage(r);
    const map = kernel ? kernelMap : userMaps.get(r.processId);
    const image = map?.candidates(r.base).find((i) => i.base === r.base);
    if (image === undefined || pdbOf.has(image)) continue;
    pdbOf.set(image, { name: r.pdbFileName, guid: r.guid, age: r.age });
  }
  const functions = new LocationDirectory((image) => pdbOf.get(image));

  // Partial-local routine ids → global routine entries (address, location), distinct routines only.
  const routineAddress: number[] = [];
  const routineLocation: number[] = [];
  const routineEntry = new Map<string, number>();
  const entryOf = (address: number, location: number): number => {
    const key = `${address}:${location}`;
    let id = routineEntry.get(key);
    if (id === undefined) {
      id = routineAddress.length;
      routineAddress.push(address);
      routineLocation.push(location);
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
    // Local routine ids → global entries: written over the partial's own column (both u32) when
    // it is the only one, else straight into the concatenated column.
    const routineMaps: (Int32Array | undefined)[] = [];
    for (const p of partials) {
      const local = p.routines;
      const direct = new Int32Array(local.length).fill(-1);
      const ambiguous: ImageInstance[][] = [];
      let anyAmbiguous = false;
      for (let r = 0; r < local.length; r++) {
        const address = local[r]!;
        const found = kernelMap.candidates(address);
        if (found.length <= 1) direct[r] = entryOf(address, functions.resolve(address, found[0]));
        else {
          ambiguous[r] = found;
          anyAmbiguous = true;
        }
      }
      if (anyAmbiguous) remapAmbiguousRoutines(p.dpc, local, direct, ambiguous, functions, entryOf);
      // The first partial's routines become entries 0, 1, … in order: usually nothing to remap.
      routineMaps.push(anyAmbiguous || direct.every((entry, r) => entry === r) ? undefined : direct);
    }
    const dpcRoutineGlobal = concatMapped(
      dpcParts.map((d) => d.routine),
      dpcLengths,
      routineMaps,
    );
    checkStop(options, 'dpc-resolve');
    const dpcOrder = cpuTimeOrder(
      dpcCpu,
      dpcEnter,
      dpcCpu.length,
      cpuSlots,
      allDerived ? dpcLengths : undefined,
    );
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

  // Thread ids: every partial's local ids map into one slot space (slot 0 = TID 0; the first
  // partial's ids are the slots themselves), rows remapped in place; each slot is resolved to a
  // thread instance once, only TIDs with several instances (reuse) are looked up per row.
  const threadSlots = new SlotSpace();
  const threadMaps = partials.map((p) => {
    const map = threadSlots.mapOf(p.tids);
    remapInPlace(p.run.tid, p.run.length, map);
    return map; // ready rows are read through it, sample rows remapped while concatenated
  });

  // Running intervals (+ each CPU's open tail, closed at the trace end).
  const { runCpuOffsets, runStart, runEnd, runTid, runCState } = assembleRun(
    partials,
    threadSlots,
    cpuSlots,
    durationNs,
  );
  checkStop(options, 'run-rows');
  const threadOfSlot = new Int32Array(threadSlots.keys.length).fill(UNRESOLVED_THREAD);
  const runThread = new Int32Array(runTid.length);
  resolveThreads(runTid, runStart, runThread, threadSlots.keys, threadOfSlot, directory);
  checkStop(options, 'run-threads');
  const readyNs = computeReadyTimes(
    partials,
    threadMaps,
    runCpuOffsets,
    runStart,
    runTid,
    threadSlots.keys.length,
  );
  const run: RunTable = {
    length: runStart.length,
    cpuOffsets: runCpuOffsets,
    start: runStart,
    end: runEnd,
    thread: runThread,
    readyNs,
    // NewThreadWaitTime (partials' waitRaw, clock ticks of uncertain unit) is not kept: no query reads it.
  };
  checkStop(options, 'run-ready');

  // Samples: weight from the profile interval in effect, module/function from the image maps.
  // The builder interned the instruction pointers per partial; IP slots are the partials' IP lists
  // laid end to end (an IP sampled in two partials has two slots resolving to the same function:
  // no hashing of IPs here). Thread, weight and function are written over the tid, count and IP
  // columns.
  const ipCounts = partials.map((p) => p.sampleIps.length);
  const ipBases = ipCounts.map((_, k) => ipCounts.slice(0, k).reduce((a, b) => a + b, 0));
  const ips = concat(
    partials.map((p) => p.sampleIps),
    ipCounts,
  );
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
  const sOrder = cpuTimeOrder(sCpu, sTime, sCpu.length, cpuSlots, allDerived ? sampleLengths : undefined);
  const sampleTime = gather(sTime, sOrder);
  const column = <T extends TypedArray>(pick: (s: Partial['samples']) => T): T =>
    gather(concat(sampleParts.map(pick), sampleLengths), sOrder);
  const sampleFlags = column((s) => s.flags);
  const sampleColumns: SampleColumns = {
    cpuOffsets: sOrder.offsets,
    time: sampleTime,
    tidSlot: gather(
      concatMapped(
        sampleParts.map((s) => s.tid),
        sampleLengths,
        threadMaps,
      ),
      sOrder,
    ),
    ipSlot: gather(
      concatMapped(
        sampleParts.map((s) => s.ipId),
        sampleLengths,
        ipBases.map((base, k) => (base === 0 ? undefined : offsetMap(base, ipCounts[k]!))),
      ),
      sOrder,
    ),
    count: column((s) => s.count),
    flags: sampleFlags,
  };
  checkStop(options, 'samples-order');
  const { sampleThread, sampleWeight, sampleFunc, busyBlockCumulative } = resolveSamples(
    sampleColumns,
    { tids: threadSlots.keys, threadOfSlot, directory },
    ips,
    profileIntervals,
    userMaps,
    kernelMap,
    functions,
  );
  const samples: SampleTable = {
    length: sampleTime.length,
    cpuOffsets: sOrder.offsets,
    time: sampleTime,
    thread: sampleThread,
    weight: sampleWeight,
    flags: sampleFlags,
    location: sampleFunc,
    busyBlockCumulative,
  };
  checkStop(options, 'samples');

  // Stacks: StackWalk events and stack keys attached to their samples and DPC/ISR rows.
  const stackAssembly = assembleStacks({
    partials,
    pointerSize: header.pointerSize,
    locations: functions,
    kernelMap,
    userMaps,
    samples,
    dpc,
    threadTids: Uint32Array.from(directory.threadTids),
  });
  if (stackAssembly?.sampleStack !== undefined) samples.stack = stackAssembly.sampleStack;
  if (stackAssembly?.dpcStack !== undefined) dpc.stack = stackAssembly.dpcStack;
  for (const p of partials) delete p.stacks;
  checkStop(options, 'stacks');

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
      ...(pdb !== undefined ? { pdb: { name: pdb.name, guid: pdb.guid, age: pdb.age } } : {}),
    };
  });
  const cpusWithEvents: number[] = [];
  for (let c = 0; c < cpuSlots; c++) if ((eventsPerCpu[c] ?? 0) > 0) cpusWithEvents.push(c);
  const stateCount = idle.state.reduce((m, s) => Math.max(m, s), 0) + 1;
  const stateNames = Array.from({ length: stateCount }, (_, i) => `C${i}`);

  // Diagnostics: the header scan's plus what each partial's reader found (deduplicated).
  const diagnostics: Diagnostic[] = [];
  const seenDiagnostics = new Set<string>();
  for (const d of [
    ...header.diagnostics,
    ...partials.flatMap((p) => p.diagnostics ?? []),
    ...(stackAssembly?.diagnostics ?? []),
  ]) {
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
        stackEvents: (stackAssembly?.stats.walks ?? 0) + (stackAssembly?.stats.keyReferences ?? 0),
      },
      tableRows: {
        dpcIsr: dpc.length,
        cpuPrecise: run.length,
        cpuSampled: samples.length,
        idleStates: idle.length,
      },
      processor: {
        ...(cpuConfigs[0] !== undefined ? { cpu: cpuConfigs[0] } : {}),
        names: processorNames.map((e) => e.name),
      },
    },
  );

  // Symbols found right away (side files): the rest loads after the trace is ready (symbolize.ts).
  const locations = functions.table();
  const routineLocations = Int32Array.from(routineLocation);
  const initialSymbols = options.initialSymbols ?? legacySymbolFiles(options);
  const symbols = buildSymbolization(
    functions.modules,
    locations,
    routineLocations,
    (group) => {
      const pdb = locations.groupPdb[group];
      return pdb === undefined ? undefined : initialSymbols(pdb);
    },
    0,
  );
  checkStop(options, 'symbols');

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
    symbols,
    stacks: stackAssembly?.table ?? EMPTY_STACKS,
    stackStats: stackAssembly?.stats,
    dict: {
      modules: functions.modules,
      locations,
      routineAddress: Float64Array.from(routineAddress),
      routineLocation: routineLocations,
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
 * `.sym.txt` side files (`<dir>/<pdb>/<GUIDAGE>/<pdb base>.sym.txt`) in `<trace>.symbols/` and the
 * directories of ETLSCOPE_SYMBOL_PATH, read at once (small files, synchronous): the names a trace
 * shows before Load Symbols runs (symbol-load.ts finds PDBs, Breakpad files and servers after).
 */
function legacySymbolFiles(options: FinalizeOptions): (pdb: PdbIdentity) => SymbolTable | undefined {
  const dirs =
    options.symbolDirs ??
    effectiveSymbolPath({
      ...(options.tracePath !== undefined ? { tracePath: options.tracePath } : {}),
      env: { ETLSCOPE_SYMBOL_PATH: process.env.ETLSCOPE_SYMBOL_PATH },
    }).elements.flatMap((e) => (e.kind === 'dir' || e.kind === 'cache' ? [e.path] : []));
  const cache = new Map<string, SymbolTable | undefined>();
  return (pdb) => {
    if (dirs.length === 0) return undefined;
    const names = storeNames(pdb);
    if (typeof names === 'string') return undefined;
    const key = `${names.pdb.toLowerCase()}\u0000${names.key}`;
    if (!cache.has(key)) {
      let table: SymbolTable | undefined;
      for (const dir of dirs) {
        const file = storePath(dir, names, names.symTxt);
        try {
          if (!existsSync(file)) continue;
          table = parseSymTxt(readFileSync(file, 'utf8'), file).table;
          break;
        } catch {
          // Unreadable or not a side file: Load Symbols reports it; keep looking here.
        }
      }
      cache.set(key, table);
    }
    return cache.get(key);
  };
}

/** Thread slot not resolved yet; −1 once resolved means "several instances: look up per row". */
const UNRESOLVED_THREAD = -2;
/** Per-process user-function cache entry: the IP is in no user image of that process. */
const NO_USER_FUNC = -2;
/** Function cache entry of an IP inside several image instances over time (an image unloaded and
 *  another loaded at its address): resolved at each sample's time, like DPC routines. */
const AMBIGUOUS_FUNC = -3;

interface SampleColumns {
  /** Rows of CPU c: cpuOffsets[c] .. cpuOffsets[c+1], time-sorted inside the CPU. */
  readonly cpuOffsets: Int32Array;
  readonly time: Float64Array;
  /** Thread slots; thread instances are written over them. */
  readonly tidSlot: Uint32Array;
  /** IP slots; function ids are written over them. */
  readonly ipSlot: Uint32Array;
  /** Counts; weights are written over them. */
  readonly count: Float32Array;
  readonly flags: Uint8Array;
}

interface ThreadSlots {
  /** Thread id of each slot. */
  readonly tids: readonly number[];
  /** Thread instance per slot (UNRESOLVED_THREAD until first seen, −1 when ambiguous). */
  readonly threadOfSlot: Int32Array;
  readonly directory: ThreadDirectory;
}

/**
 * Per sample: thread instance, weight (Count × interval in effect) and function, written in place
 * over the slot and count columns (same element sizes: no new per-row arrays), plus the busy
 * weight prefix per block. Functions are resolved once per IP slot (user-space IPs once per
 * (process, IP slot)), at each sample's time only where that matters. Each pass is its own small
 * module-level function: loop locals stay in registers and a loop that runs once per load is
 * optimized (on-stack replacement) sooner.
 */
function resolveSamples(
  columns: SampleColumns,
  threads: ThreadSlots,
  ips: Float64Array,
  profileIntervals: readonly { timeNs: number; interval: number }[],
  userMaps: Map<number, ImageMap>,
  kernelMap: ImageMap,
  functions: LocationDirectory,
): {
  sampleThread: Int32Array;
  sampleWeight: Float32Array;
  sampleFunc: Int32Array;
  busyBlockCumulative: Float64Array;
} {
  const { time, tidSlot, ipSlot, count } = columns;
  const n = time.length;
  const sampleThread = new Int32Array(tidSlot.buffer, tidSlot.byteOffset, n);
  const sampleFunc = new Int32Array(ipSlot.buffer, ipSlot.byteOffset, n);
  const sampleWeight = count;
  // Busy flags need the thread slot (slot 0 = TID 0): summed before the threads overwrite them.
  const busyBlockCumulative = weighSamples(columns, profileIntervals);
  resolveThreads(tidSlot, time, sampleThread, threads.tids, threads.threadOfSlot, threads.directory);
  const resolver = new SampleFunctions(ips, threads.directory, userMaps, kernelMap, functions);
  if (userMaps.size > 0) resolver.resolveRowsWithUser(time, ipSlot, sampleThread, sampleFunc);
  else resolver.resolveRows(time, ipSlot, sampleFunc);
  return { sampleThread, sampleWeight, sampleFunc, busyBlockCumulative };
}

/**
 * Weights over counts (`Count × interval in effect × 100` rounded to float32, as a float32
 * column store would) and the busy weight's running total (not reset per CPU) kept once per block
 * of rows; `sampleBusyBefore` adds the rows inside a block in the same order, so any prefix is
 * the same float sum as a full column.
 */
function weighSamples(
  columns: SampleColumns,
  profileIntervals: readonly { timeNs: number; interval: number }[],
): Float64Array {
  const { cpuOffsets, time, count: countToWeight, tidSlot, flags } = columns;
  const n = time.length;
  // Imported constants as locals: under a CommonJS transform (tsx, vitest) every read of an
  // imported binding is a getter call, which costs more than the rest of the loop.
  const blockRows = SAMPLE_BUSY_BLOCK_ROWS;
  const busyBlockCumulative = new Float64Array(Math.floor(n / blockRows) + 1);
  // The interval in effect as a step function: value after each event (sorted by time).
  const intervalTimes = Float64Array.from(profileIntervals, (e) => e.timeNs);
  const intervalValues = new Float64Array(profileIntervals.length);
  let value = DEFAULT_PROFILE_INTERVAL_100NS;
  profileIntervals.forEach((e, k) => {
    if (e.interval > 0) value = e.interval;
    intervalValues[k] = value;
  });
  // Every event at or before the earliest sample (each CPU's first row): one interval for all rows.
  let earliest = Infinity;
  for (let c = 0; c + 1 < cpuOffsets.length; c++)
    if (cpuOffsets[c + 1]! > cpuOffsets[c]!) earliest = Math.min(earliest, time[cpuOffsets[c]!]!);
  const intervalCount = intervalTimes.length;
  const constant = intervalCount === 0 || intervalTimes[intervalCount - 1]! <= earliest;
  let next = 0;
  let previousTime = -Infinity;
  let interval = intervalCount === 0 ? DEFAULT_PROFILE_INTERVAL_100NS : intervalValues[intervalCount - 1]!;
  let total = 0;
  let untilBlock = 1; // rows until the next block start (row 0 starts one)
  for (let i = 0; i < n; i++) {
    if (!constant) {
      // Rows are time-ordered per CPU: the cursor only moves forward, restarting at a new CPU.
      const t = time[i]!;
      if (t < previousTime) next = 0;
      previousTime = t;
      while (next < intervalCount && intervalTimes[next]! <= t) next++;
      interval = next > 0 ? intervalValues[next - 1]! : DEFAULT_PROFILE_INTERVAL_100NS;
    }
    const weight = Math.fround(countToWeight[i]! * interval * 100);
    countToWeight[i] = weight;
    // A countdown, not i % blockRows: an integer division per row costs more than the rest.
    if (--untilBlock === 0) {
      busyBlockCumulative[i / blockRows] = total;
      untilBlock = blockRows;
    }
    if (tidSlot[i] !== 0 || flags[i] !== 0) total += weight;
  }
  if (n % blockRows === 0) busyBlockCumulative[n / blockRows] = total;
  return busyBlockCumulative;
}

/**
 * Sampled instruction pointers → functions, once per IP slot (kernel, or no user image of the
 * thread's process) or once per (process, IP slot) for user space. Only an IP inside several
 * image instances over time (AMBIGUOUS_FUNC) is resolved at each sample's time, so the result
 * does not depend on which sample comes first nor on how the CPUs were split into partials.
 */
class SampleFunctions {
  /** IP slot → function (−1: not resolved yet, AMBIGUOUS_FUNC: per sample). */
  private readonly kernelFunc: Int32Array;
  /** Per process with user images: IP slot → user function (−1: not resolved yet, NO_USER_FUNC:
   *  in no user image of that process). */
  private readonly userFunc = new Map<number, Int32Array>();
  /** Per thread instance: its process's user-function cache (null: no user images). */
  private readonly userFuncOfThread: (Int32Array | null | undefined)[] = [];

  constructor(
    private readonly ips: Float64Array,
    private readonly directory: ThreadDirectory,
    private readonly userMaps: Map<number, ImageMap>,
    private readonly kernelMap: ImageMap,
    private readonly functions: LocationDirectory,
  ) {
    this.kernelFunc = new Int32Array(ips.length).fill(-1);
  }

  /** No user images anywhere: every IP resolves against the kernel map. */
  resolveRows(time: Float64Array, ipSlot: Uint32Array, funcOut: Int32Array): void {
    const kernelFunc = this.kernelFunc;
    for (let i = 0; i < ipSlot.length; i++) {
      const slot = ipSlot[i]!;
      let func = kernelFunc[slot]!;
      if (func < 0) func = this.resolveKernel(slot, time[i]!);
      funcOut[i] = func; // may be over ipSlot[i], already read
    }
  }

  resolveRowsWithUser(
    time: Float64Array,
    ipSlot: Uint32Array,
    thread: Int32Array,
    funcOut: Int32Array,
  ): void {
    const kernelFunc = this.kernelFunc;
    const userFuncOfThread = this.userFuncOfThread;
    // 1 per user-space IP slot: a byte per slot stays in cache where the 8-byte IPs would not.
    const ips = this.ips;
    const userSpace = new Uint8Array(ips.length);
    for (let slot = 0; slot < ips.length; slot++) userSpace[slot] = ips[slot]! < KERNEL_SPACE_KEY ? 1 : 0;
    for (let i = 0; i < ipSlot.length; i++) {
      const slot = ipSlot[i]!;
      let func = -1;
      if (userSpace[slot] === 1) {
        const th = thread[i]!;
        const cache = userFuncOfThread[th] ?? this.userCacheOf(th);
        if (cache !== null) {
          func = cache[slot]!;
          if (func === -1 || func === AMBIGUOUS_FUNC) func = this.resolveUser(cache, th, slot, time[i]!);
        }
      }
      if (func < 0) {
        func = kernelFunc[slot]!;
        if (func < 0) func = this.resolveKernel(slot, time[i]!);
      }
      funcOut[i] = func; // may be over ipSlot[i], already read
    }
  }

  /** An unresolved or time-dependent kernel slot: resolved (and kept unless time-dependent). */
  private resolveKernel(slot: number, timeNs: number): number {
    const ip = this.ips[slot]!;
    const func = this.functions.resolve(ip, this.kernelMap.resolve(ip, timeNs));
    if (this.kernelFunc[slot] === -1)
      this.kernelFunc[slot] = this.kernelMap.isAmbiguous(ip) ? AMBIGUOUS_FUNC : func;
    return func;
  }

  private processOf(thread: number): number {
    return this.directory.processIds[this.directory.threadProcess[thread]!]!;
  }

  private userCacheOf(thread: number): Int32Array | null {
    const pid = this.processOf(thread);
    let cache: Int32Array | null = null;
    if (this.userMaps.has(pid)) {
      cache = this.userFunc.get(pid) ?? new Int32Array(this.ips.length).fill(-1);
      this.userFunc.set(pid, cache);
    }
    this.userFuncOfThread[thread] = cache;
    return cache;
  }

  /** An unresolved or time-dependent user slot of the thread's process: this row's function
   *  (NO_USER_FUNC: in none of its user images), kept unless time-dependent. */
  private resolveUser(cache: Int32Array, thread: number, slot: number, timeNs: number): number {
    const ip = this.ips[slot]!;
    const userMap = this.userMaps.get(this.processOf(thread))!;
    const image = userMap.resolve(ip, timeNs);
    const func = image !== undefined ? this.functions.resolve(ip, image) : NO_USER_FUNC;
    if (cache[slot] === -1) cache[slot] = userMap.isAmbiguous(ip) ? AMBIGUOUS_FUNC : func;
    return func;
  }
}

/** Thread instance of each row (`out` may be a view over `tidSlot`): per slot once, per row only
 *  for TIDs with several instances. Unseen TIDs get their instance at their first row. */
function resolveThreads(
  tidSlot: Uint32Array,
  time: Float64Array,
  out: Int32Array,
  tids: readonly number[],
  threadOfSlot: Int32Array,
  directory: ThreadDirectory,
): void {
  for (let i = 0; i < tidSlot.length; i++) {
    const slot = tidSlot[i]!;
    let thread = threadOfSlot[slot]!;
    if (thread < 0) {
      if (thread === UNRESOLVED_THREAD) {
        thread = directory.directInstance(tids[slot]!);
        threadOfSlot[slot] = thread;
      }
      if (thread < 0) thread = directory.lookup(tids[slot]!, time[i]!);
    }
    out[i] = thread;
  }
}

/**
 * Ready time of each switch-in: start − the thread's latest ReadyThread at or before it (and
 * after its previous switch-in is not checked: a thread readied twice keeps the later one).
 * ReadyThread events (logged on the readying CPU, so any partial may hold them) are bucketed by
 * thread slot with a counting sort and sorted per slot once (merging the CPUs' ascending runs).
 */
/**
 * Every partial's ReadyThread times grouped by thread slot, ascending inside each slot. Partials
 * come from finish() grouped by local thread id in time order, so a slot's times are one span per
 * partial: one partial's column is used as it is, two spans are merged in one pass, more are
 * copied and merged pairwise. Partials not in that order are bucketed by slot and sorted.
 */
function readyTimesBySlot(
  partials: readonly Partial[],
  threadMaps: readonly (Uint32Array | undefined)[],
  slotCount: number,
  total: number,
): { offsets: Int32Array; times: Float64Array } {
  const offsets = new Int32Array(slotCount + 1);
  const slotOf = (k: number, local: number) => threadMaps[k]?.[local] ?? local;
  if (!partials.every((p) => groupedByThread(p.ready))) {
    partials.forEach((p, k) => {
      for (let i = 0; i < p.ready.length; i++) offsets[slotOf(k, p.ready.tid[i]!) + 1]!++;
    });
    for (let s = 0; s < slotCount; s++) offsets[s + 1]! += offsets[s]!;
    const fill = offsets.slice(0, slotCount);
    const times = new Float64Array(total);
    partials.forEach((p, k) => {
      for (let i = 0; i < p.ready.length; i++) times[fill[slotOf(k, p.ready.tid[i]!)]!++] = p.ready.time[i]!;
    });
    const scratch = new Float64Array(total);
    for (let s = 0; s < slotCount; s++) mergeRuns(times, offsets[s]!, offsets[s + 1]!, scratch);
    return { offsets, times };
  }
  // Per slot, the spans [partial, lo, hi) holding its rows (binary searches on the sorted ids).
  const spans: number[][] = Array.from({ length: slotCount }, () => []);
  partials.forEach((p, k) => {
    const { tid, length } = p.ready;
    let lo = 0;
    while (lo < length) {
      const local = tid[lo]!;
      const hi = upperBound(tid, local, lo, length);
      const slot = slotOf(k, local);
      spans[slot]!.push(k, lo, hi);
      offsets[slot + 1]! += hi - lo;
      lo = hi;
    }
  });
  for (let s = 0; s < slotCount; s++) offsets[s + 1]! += offsets[s]!;
  if (partials.length === 1) return { offsets, times: partials[0]!.ready.time.subarray(0, total) };
  const times = new Float64Array(total);
  let scratch: Float64Array | undefined;
  for (let s = 0; s < slotCount; s++) {
    const list = spans[s]!;
    const at = offsets[s]!;
    if (list.length === 6) {
      const a = partials[list[0]!]!.ready.time;
      const b = partials[list[3]!]!.ready.time;
      mergeTwo(a, list[1]!, list[2]!, b, list[4]!, list[5]!, times, at);
      continue;
    }
    let to = at;
    for (let j = 0; j < list.length; j += 3) {
      times.set(partials[list[j]!]!.ready.time.subarray(list[j + 1]!, list[j + 2]!), to);
      to += list[j + 2]! - list[j + 1]!;
    }
    if (list.length > 3) mergeRuns(times, at, to, (scratch ??= new Float64Array(total)));
  }
  return { offsets, times };
}

/** Sorted a[aLo, aHi) and b[bLo, bHi) merged into out from `at`. */
function mergeTwo(
  a: Float64Array,
  aLo: number,
  aHi: number,
  b: Float64Array,
  bLo: number,
  bHi: number,
  out: Float64Array,
  at: number,
): void {
  let i = aLo;
  let j = bLo;
  let o = at;
  while (i < aHi && j < bHi) out[o++] = b[j]! < a[i]! ? b[j++]! : a[i++]!;
  while (i < aHi) out[o++] = a[i++]!;
  while (j < bHi) out[o++] = b[j++]!;
}

function groupedByThread(ready: Partial['ready']): boolean {
  const { tid, time } = ready;
  for (let i = 1; i < ready.length; i++)
    if (tid[i]! < tid[i - 1]! || (tid[i] === tid[i - 1] && time[i]! < time[i - 1]!)) return false;
  return true;
}

function computeReadyTimes(
  partials: readonly Partial[],
  threadMaps: readonly (Uint32Array | undefined)[],
  runCpuOffsets: Int32Array,
  runStart: Float64Array,
  runTid: Uint32Array,
  slotCount: number,
): Float32Array {
  const out = new Float32Array(runStart.length).fill(NaN);
  const total = partials.reduce((n, p) => n + p.ready.length, 0);
  if (total === 0) return out;
  const { offsets, times } = readyTimesBySlot(partials, threadMaps, slotCount, total);
  // Rows are time-ordered inside each CPU, so a slot's answer only moves forward there: each row
  // gallops from where the slot's previous row on the same CPU stopped (sequential memory)
  // instead of a full binary search over the slot's times.
  const cursor = new Int32Array(slotCount);
  const cursorCpu = new Int32Array(slotCount).fill(-1);
  for (let c = 0; c + 1 < runCpuOffsets.length; c++) {
    for (let i = runCpuOffsets[c]!; i < runCpuOffsets[c + 1]!; i++) {
      const s = runTid[i]!;
      const first = offsets[s]!;
      const end = offsets[s + 1]!;
      if (first === end) continue;
      const t = runStart[i]!;
      // Every time before `lo` is ≤ t; find the first one after t.
      let lo = cursorCpu[s] === c ? cursor[s]! : first;
      let hi = end;
      if (lo < end && times[lo]! <= t) {
        let step = 1;
        let probe = lo + 1;
        while (probe < end && times[probe]! <= t) {
          lo = probe;
          step *= 2;
          probe = lo + step;
        }
        lo++;
        hi = Math.min(probe, end);
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (times[mid]! <= t) lo = mid + 1;
          else hi = mid;
        }
      }
      cursor[s] = lo;
      cursorCpu[s] = c;
      if (lo > first) out[i] = t - times[lo - 1]!;
    }
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
