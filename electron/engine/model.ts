// The finalized, query-ready model: per-table typed-array columns with rows grouped by CPU and
// time-sorted inside each CPU (`cpuOffsets[c] .. cpuOffsets[c+1]`), plus the dictionaries that
// turn integer codes into the text results show. Built once by finalize.ts, then read-only.
//
//   dpc row ──routine──> routineLocation ──> symbols.locationFunc ──> funcModule ──> modules[]
//   sample row ──location──> symbols.locationFunc                    (group by = integer work)
//   run/sample row ──thread──> threadProcess ──> processLabels[]
//
// Derived time (DPC/ISR union, busy = non-idle running ∪ DPC/ISR) has no interval tables: block
// prefix sums over the DPC and run rows (`DpcCoverage`, `RunCoverage`) answer covered time in
// [0, t) per CPU (`CpuCoverage`). Columns that follow from others are not stored: idle and run
// row ends (the next row's start), exclusive/fragments of DPCs no ISR interrupted.

import type { TraceSummary } from '../../shared/contract.js';
import type { LocationTable } from './locations.js';
import type { StackAssembly, StackTable } from './stacks/assemble.js';
import type { StackColumn } from './stacks/stack-column.js';
import type { Symbolization } from './symbolize.js';

/** Rows of one CPU are `offsets[cpu] .. offsets[cpu + 1]`; `offsets.length = cpuSlots + 1`. */
export type CpuOffsets = Int32Array;

export interface DpcTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  /** 0 DPC, 1 ThreadedDPC, 2 TimerDPC, 3 ISR, 4 ISR-MSI (index into DPC_TYPES). */
  readonly kind: Uint8Array;
  readonly enter: Float64Array;
  /** Inclusive duration, ns (float32: exact to the ns below 16.7 ms, 2 ns steps above). */
  readonly duration: Float32Array;
  /** Exclusive duration and fragments, kept only for the rows with nested ISRs (`dpcExclusive`,
   *  `dpcFragments`): every other row's exclusive duration is its duration, in 1 fragment. */
  readonly interrupted: DpcInterruptions;
  /** Index into the routine dictionary (address + resolved function). */
  readonly routine: Uint32Array;
  /** Stack node of the DPC/ISR event's own stack walk (−1: none); absent when no row has one. */
  stack?: StackColumn;
}

/** End of run row `i` of CPU `cpu`. */
export function runRowEnd(run: RunTable, cpu: number, i: number): number {
  if (run.end !== undefined) return run.end[i]!;
  return i + 1 < run.cpuOffsets[cpu + 1]! ? run.start[i + 1]! : run.lastEnd[cpu]!;
}

/** Ends of every row except each CPU's last (that one is `lastEnd[cpu]`): the `end` column, or
 *  the starts shifted by one row (a contiguous row ends where the next one starts). */
export function runEndsButLast(run: RunTable): Float64Array {
  return run.end ?? run.start.subarray(1);
}

/** Sparse exclusive/fragments of the DPC rows an ISR on the same CPU interrupted. */
export interface DpcInterruptions {
  /** Row indices, ascending. */
  readonly rows: Int32Array;
  /** Inclusive duration − nested ISR time, ns. */
  readonly exclusive: Float32Array;
  /** Nested ISRs + 1. */
  readonly fragments: Uint16Array;
}

/** Index of row `i` in `interrupted.rows`, or −1 (a binary search: a few thousand entries). */
function interruptionOf(dpc: DpcTable, i: number): number {
  const rows = dpc.interrupted.rows;
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]! < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < rows.length && rows[lo] === i ? lo : -1;
}

/** Exclusive duration of DPC row `i`, ns: inclusive minus the ISRs nested in it on its CPU. */
export function dpcExclusive(dpc: DpcTable, i: number): number {
  const k = interruptionOf(dpc, i);
  return k < 0 ? dpc.duration[i]! : dpc.interrupted.exclusive[k]!;
}

/** Fragments of DPC row `i`: the ISRs nested in it + 1. */
export function dpcFragments(dpc: DpcTable, i: number): number {
  const k = interruptionOf(dpc, i);
  return k < 0 ? 1 : dpc.interrupted.fragments[k]!;
}

/**
 * Running intervals. A CPU's rows are contiguous (each ends where the next one starts: a context
 * switch ends one interval and starts the next), so ends are not stored: `runRowEnd`. The CPU's
 * last row ends at `lastEnd[cpu]` (the trace end, or the last switch when the thread switched in
 * is unknown: compact CSwitch). Only when some CPU's rows are not contiguous (time ran backwards
 * on it, or partials that share a CPU) is the `end` column kept.
 */
export interface RunTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  readonly start: Float64Array;
  /** Per CPU slot: end of the CPU's last row (0 without rows). */
  readonly lastEnd: Float64Array;
  /** Row ends, only when some CPU's rows are not contiguous. */
  readonly end?: Float64Array;
  /** Thread instance index (dictionary `threads`). */
  readonly thread: Int32Array;
  /** Time from the thread's last ReadyThread to this switch-in, ns (NaN: no ReadyThread seen). */
  readonly readyNs: Float32Array;
}

export interface SampleTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  readonly time: Float64Array;
  readonly thread: Int32Array;
  /** Count × profile interval, ns. */
  readonly weight: Float32Array;
  /** bit0 DPC, bit1 ISR. */
  readonly flags: Uint8Array;
  /** Code location of the sampled instruction pointer (dict.locations; its function: symbols.locationFunc). */
  readonly location: Int32Array;
  /**
   * Cumulative busy weight (ns) before row k·SAMPLE_BUSY_BLOCK_ROWS, over all rows (global running
   * total, not reset per CPU); the total before any row is `sampleBusyBefore`.
   */
  readonly busyBlockCumulative: Float64Array;
  /** Stack node (model.stacks) of each sample (−1: no stack); absent when no sample has one. */
  stack?: StackColumn;
}

/** Rows per busy prefix-sum entry: 0.5 B/row instead of 8, at most 15 rows scanned per lookup
 *  (64 saved a little more memory but put the 2,000-bucket series over its 30 ms goal on 1 GiB). */
export const SAMPLE_BUSY_BLOCK_ROWS = 16;

/** True when sample `i` counts as busy: its thread is not the idle thread (TID 0) or it ran in a DPC/ISR. */
export function isBusySample(samples: SampleTable, threadTids: Uint32Array, i: number): boolean {
  return threadTids[samples.thread[i]!] !== 0 || samples.flags[i] !== 0;
}

/**
 * Busy weight (ns) of all rows before `row` (0 ≤ row ≤ length): busy(lo..hi) = before(hi) − before(lo).
 * The block entry plus the rows after it, added in row order: the same float sum as a full running total.
 */
export function sampleBusyBefore(samples: SampleTable, threadTids: Uint32Array, row: number): number {
  const block = Math.floor(row / SAMPLE_BUSY_BLOCK_ROWS);
  let total = samples.busyBlockCumulative[block]!;
  for (let i = block * SAMPLE_BUSY_BLOCK_ROWS; i < row; i++) {
    if (isBusySample(samples, threadTids, i)) total += samples.weight[i]!;
  }
  return total;
}

/**
 * Contiguous C-state rows per CPU covering the trace (C0 rows fill the gaps): the CPU's first row
 * starts at 0, each row ends where the CPU's next row starts and the last at the trace end, so no
 * end column is kept (`idleRowEnd`).
 */
export interface IdleTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  readonly start: Float64Array;
  /** 0 = C0, n = Cn. */
  readonly state: Uint8Array;
  readonly source: 'events' | 'cswitch' | 'none';
}

/** End of idle row `i` of CPU `cpu`: the CPU's next row's start, or the trace end for its last row. */
export function idleRowEnd(model: EngineModel, cpu: number, i: number): number {
  return i + 1 < model.idle.cpuOffsets[cpu + 1]! ? model.idle.start[i + 1]! : model.durationNs;
}

/** Rows per coverage prefix-sum entry: 0.5 B/row per prefix instead of 8, at most 15 rows scanned
 *  per lookup (64 saved a little more memory but put the 2,000-bucket series over its 30 ms goal on 1 GiB). */
export const UNION_BLOCK_ROWS = 16;

/** Prefix entries of a CPU with `rows` rows: one before each UNION_BLOCK_ROWS-th row, up to and
 *  including row `rows` (so a lookup past the last row also has an entry at most 15 rows back). */
export function coverageEntries(rows: number): number {
  return Math.floor(rows / UNION_BLOCK_ROWS) + 1;
}

/**
 * DPC/ISR and busy time without interval tables: prefix sums over the DPC rows themselves.
 * Per CPU the rows are in enter order; with F = the greatest exit of the CPU's earlier rows, row i
 * adds the single piece c_i = [max(enter, F), exit] to the union (empty when exit ≤ F). Entry
 * `blockOffsets[cpu] + b` holds the sums before the CPU's row b·UNION_BLOCK_ROWS (restarting at
 * each CPU). See `dpcIsrBefore` and `busyBefore`.
 */
export interface DpcCoverage {
  /** Entries of CPU c are blockOffsets[c] .. blockOffsets[c+1] (`coverageEntries(rows of c)`). */
  readonly blockOffsets: Int32Array;
  /** Σ|c_i|: DPC/ISR union time of the rows before the entry's row. */
  readonly unionBefore: Float64Array;
  /** Σ|c_i ∖ non-idle running|: the part of that union outside non-idle running intervals. */
  readonly outsideRunBefore: Float64Array;
  /** F: the greatest exit of the rows before (−∞ before the CPU's first row). */
  readonly reachBefore: Float64Array;
}

/** Non-idle running time (run rows whose thread is not TID 0) as prefix sums per block of rows. */
export interface RunCoverage {
  /** Entries of CPU c are blockOffsets[c] .. blockOffsets[c+1] (`coverageEntries(rows of c)`). */
  readonly blockOffsets: Int32Array;
  /** Union length of the CPU's non-idle rows before the entry's row. */
  readonly nonIdleBefore: Float64Array;
  /** Greatest end of those rows (−∞ before the first). */
  readonly reachBefore: Float64Array;
  /** Per CPU: 1 when each row starts at or after the previous row's end (always, unless time ran
   *  backwards on the CPU): a time's row is then the only row covering it. */
  readonly disjoint: Uint8Array;
  /**
   * Per DPC coverage entry (indexed like DpcCoverage's arrays), on disjoint CPUs: the run row
   * containing τ, the enter time of the entry's first DPC row (CPU-relative index, −1 before the
   * CPU's first run row; −2 when unusable), and the non-idle running time before that row's
   * start. A busy lookup walks forward from there through the few run rows its DPC rows span,
   * instead of searching the run table.
   */
  readonly anchorRow: Int32Array;
  readonly anchorNonIdle: Float64Array;
  /**
   * Per CPU: 1 when the CPU's non-idle running counts as continuing after the trace end. The
   * parser workers derive `outsideRunBefore` before the trace end is known, with the CPU's open
   * running tail (non-idle) reaching to +∞; lookups use the same set (identical up to the end).
   */
  readonly openEnded: Uint8Array;
}

/** First index in [lo, hi) with a[i] ≥ value (hi if none). Float64Array only: this stays
 *  monomorphic (the shared images.ts search sees every array type and is slower here). */
function firstAtOrAfter(a: Float64Array, value: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) with a[i] > value (hi if none). */
function firstAfter(a: Float64Array, value: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** DPC rows a lookup may step over from the block its prefix-entry search found before it searches
 *  the enter times instead: usually the row is in that block or the next; a long DPC with many rows
 *  entered under it (nested ISRs) keeps the greatest exit ahead of the rows. */
const MAX_DPC_STEP_ROWS = 4 * UNION_BLOCK_ROWS;

/** Bucket edges whose lines `coveredAtEdges` reads ahead at a time: enough misses to overlap, few
 *  enough (~10 lines and pages each) that they are still in L1/L2 and the TLB when looked up. */
const READ_AHEAD_EDGES = 32;

/** DPC rows between bucket edges from which `coveredAtEdges` reads ahead: 128 rows (1 KiB of enter
 *  times) apart, each edge's rows are in lines and pages of their own; closer, reading ahead only
 *  adds work (100 MiB bench trace, 2,000 buckets: ~40 rows apart, 10–25 % slower with it). */
const READ_AHEAD_MIN_ROWS = 128;

/** Run rows a busy lookup may walk from its DPC block's anchor before it searches instead: a block
 *  of 16 DPC rows usually spans a few running intervals; CPUs with sparse DPCs would walk many. */
const MAX_WALK_ROWS = 32;

/**
 * A search hint: the answer for an earlier, smaller value. Times asked in ascending order (bucket
 * edges) then gallop forward from it — a few probes near the previous answer instead of a binary
 * search over the whole CPU (whose mispredicted branches cost more than the rows scanned).
 * (Guessing the answer from the last step's rows per ns saved no time: the guesses were 16–64
 * rows off on the 1 GiB bench trace, and the arithmetic cost more on the 100 MiB one.)
 */
class SearchHint {
  value = -Infinity;
  index = 0;

  /** First index in [lo, hi) with a[i] ≥ value (hi if none). */
  firstAtOrAfter(a: Float64Array, value: number, lo: number, hi: number): number {
    let found: number;
    if (value >= this.value && this.index >= lo) {
      // Rows before the hint are all < the hint's value ≤ value: gallop from the hint.
      let from = this.index;
      let step = 1;
      let probe = from;
      while (probe < hi && a[probe]! < value) {
        from = probe + 1;
        probe = from + step;
        step *= 2;
      }
      found = firstAtOrAfter(a, value, from, probe < hi ? probe : hi);
    } else found = firstAtOrAfter(a, value, lo, hi);
    this.value = value;
    this.index = found;
    return found;
  }
}

/**
 * Covered-time lookups of one CPU (arrays hoisted once: a series makes one per CPU and asks it
 * for every bucket edge, in ascending order). Every lookup is a search (galloping from the
 * previous edge's answer) plus at most UNION_BLOCK_ROWS − 1 rows scanned from the block's prefix
 * entry, per table.
 */
export class CpuCoverage {
  private readonly runStart: Float64Array;
  /** Row ends except the CPU's last row's (`lastEnd`): see runEndsButLast. */
  private readonly runEnd: Float64Array;
  private readonly lastEnd: number;
  private readonly runThread: Int32Array;
  private readonly tids: Uint32Array;
  private readonly runLo: number;
  private readonly runHi: number;
  private readonly runEntries: number;
  private readonly nonIdleBefore: Float64Array;
  private readonly runReachBefore: Float64Array;
  private readonly disjoint: boolean;
  private readonly openEndedAfter: number;
  private readonly enter: Float64Array;
  private readonly duration: Float32Array;
  private readonly dpcLo: number;
  private readonly dpcHi: number;
  private readonly dpcEntries: number;
  /** One past the CPU's last DPC coverage entry. */
  private readonly dpcEntriesEnd: number;
  private readonly unionBefore: Float64Array;
  private readonly outsideRunBefore: Float64Array;
  private readonly dpcReachBefore: Float64Array;
  /** Run row index found by the last `nonIdleRunBefore` (first row starting at or after t). */
  private runRow = 0;
  private readonly anchorRow: Int32Array;
  private readonly anchorNonIdle: Float64Array;
  private readonly runHint = new SearchHint();
  /** `firstDpcRowAtOrAfter`'s searches: of the DPC enter times, of the DPC entries' greatest exits. */
  private readonly dpcHint = new SearchHint();
  private readonly dpcReachHint = new SearchHint();
  /** The last `firstDpcRowAtOrAfter` answer (busy lookups may ask twice for one time). */
  private dpcRowTime = NaN;
  private dpcRowIndex = 0;
  /** `dpcIsrBefore`'s walk state after its last lookup: row reached, Σ|c_i| and F before it. */
  private unionRow = -1;
  private unionTotal = 0;
  private unionReach = -Infinity;
  /** `coveredAtEdges`: the DPC entry search's answer for the time it is about to look up. */
  private presetTime = NaN;
  private presetEntry = 0;
  /** Sum of the values `coveredAtEdges` reads ahead (kept so the reads are not optimized away). */
  private readAheadSink = 0;

  constructor(model: EngineModel, cpu: number) {
    const { run, dpc, runCoverage, dpcCoverage } = model;
    this.runStart = run.start;
    this.runEnd = runEndsButLast(run);
    this.lastEnd = run.lastEnd[cpu] ?? 0;
    this.runThread = run.thread;
    this.tids = model.dict.threadTids;
    this.runLo = run.cpuOffsets[cpu] ?? 0;
    this.runHi = Math.max(this.runLo, run.cpuOffsets[cpu + 1] ?? 0);
    this.runEntries = runCoverage.blockOffsets[cpu] ?? 0;
    this.nonIdleBefore = runCoverage.nonIdleBefore;
    this.runReachBefore = runCoverage.reachBefore;
    this.disjoint = runCoverage.disjoint[cpu] === 1;
    this.anchorRow = runCoverage.anchorRow;
    this.anchorNonIdle = runCoverage.anchorNonIdle;
    this.openEndedAfter = runCoverage.openEnded[cpu] === 1 ? model.durationNs : Infinity;
    this.enter = dpc.enter;
    this.duration = dpc.duration;
    this.dpcLo = dpc.cpuOffsets[cpu] ?? 0;
    this.dpcHi = Math.max(this.dpcLo, dpc.cpuOffsets[cpu + 1] ?? 0);
    this.dpcEntries = dpcCoverage.blockOffsets[cpu] ?? 0;
    this.dpcEntriesEnd = Math.max(this.dpcEntries, dpcCoverage.blockOffsets[cpu + 1] ?? 0);
    this.unionBefore = dpcCoverage.unionBefore;
    this.outsideRunBefore = dpcCoverage.outsideRunBefore;
    this.dpcReachBefore = dpcCoverage.reachBefore;
  }

  /** Non-idle running time in [0, t). */
  nonIdleRunBefore(t: number): number {
    return this.runBefore(t, true);
  }

  /** `hinted`: t belongs to the ascending sequence of asked times (not a piece inside a lookup). */
  private runBefore(t: number, hinted: boolean): number {
    const lo = this.runLo;
    const hi = this.runHi;
    if (lo === hi) return 0;
    const start = this.runStart;
    const end = this.runEnd;
    const thread = this.runThread;
    const tids = this.tids;
    const k = hinted ? this.runHint.firstAtOrAfter(start, t, lo, hi) : firstAtOrAfter(start, t, lo, hi);
    this.runRow = k;
    const block = ((k - lo) / UNION_BLOCK_ROWS) | 0;
    let total = this.nonIdleBefore[this.runEntries + block]!;
    let reach = this.runReachBefore[this.runEntries + block]!;
    for (let i = lo + block * UNION_BLOCK_ROWS; i < k; i++) {
      if (tids[thread[i]!] === 0) continue;
      const e = i === hi - 1 ? this.lastEnd : end[i]!;
      const s = start[i]! > reach ? start[i]! : reach;
      if (e > s) {
        total += e - s;
        reach = e;
      }
    }
    // Rows that started before t and end after it all contain t: the union's overhang is [t, reach).
    if (reach > t) total -= reach - t;
    if (t > this.openEndedAfter) total += t - this.openEndedAfter;
    return total;
  }

  /**
   * First DPC row of the CPU entered at or after t (its rows' end if none); fastest for ascending
   * t (bucket edges), any order is answered. Edges a few rows apart (the usual lookups): a gallop
   * over the enter times from the previous answer's guess (`SearchHint`). `byEntries`
   * (`coveredAtEdges` with edges far apart, where every probe of the enter times is a cache miss):
   * a search of the CPU's prefix entries' greatest exits F instead, 16× denser — the rows before an
   * entry with F < t all exited, so entered, before t — then the rows from that entry's first row
   * (or the previous answer, when later) are stepped over, usually a few in lines the lookup reads
   * anyway. Rows of length ≤ 0 (not in F) entered at or after t before that row, or a long step,
   * fall back to a binary search of the enter times. Both give the same row.
   */
  firstDpcRowAtOrAfter(t: number, byEntries = false): number {
    if (t === this.dpcRowTime) return this.dpcRowIndex;
    const lo = this.dpcLo;
    const hi = this.dpcHi;
    const enter = this.enter;
    let k: number;
    if (!byEntries) k = this.dpcHint.firstAtOrAfter(enter, t, lo, hi);
    else {
      const e0 = this.dpcEntries;
      const f =
        t === this.presetTime
          ? this.presetEntry
          : this.dpcReachHint.firstAtOrAfter(this.dpcReachBefore, t, e0, this.dpcEntriesEnd);
      k = f > e0 ? lo + (f - 1 - e0) * UNION_BLOCK_ROWS : lo;
      if (k > hi) k = hi;
      // Rows before the previous answer entered before its time: step on from there when later.
      if (this.dpcRowTime < t && this.dpcRowIndex > k) k = this.dpcRowIndex;
      if (k > lo && !(enter[k - 1]! < t)) k = firstAtOrAfter(enter, t, lo, k);
      else {
        const stepEnd = k + MAX_DPC_STEP_ROWS < hi ? k + MAX_DPC_STEP_ROWS : hi;
        while (k < stepEnd && enter[k]! < t) k++;
        if (k === stepEnd && k < hi) k = firstAtOrAfter(enter, t, k, hi);
      }
    }
    this.dpcRowTime = t;
    this.dpcRowIndex = k;
    return k;
  }

  /**
   * Covered time in [0, edges[b]) for ascending `edges` into `out`: busy time (`busyBefore`) or
   * DPC/ISR time (`dpcIsrBefore`), the same values as those lookups one by one. On a large trace
   * each lookup's rows are cache (and TLB) misses, and one after the other they form a chain: each
   * search starts from the previous answer, each row read waits for the search. So the work is
   * split in passes: (1) every edge's prefix entry by the entries' greatest-exit search (a small
   * array: its lines stay cached); (2) a read of the lines each lookup will use — DPC rows, prefix
   * entries, run anchors, then the run rows at the anchors — with no branch on the values, so the
   * misses of many edges overlap; (3) the lookups, on cached lines.
   */
  coveredAtEdges(edges: Float64Array, busy: boolean, out: Float64Array): void {
    const count = edges.length;
    const e0 = this.dpcEntries;
    const entryEnd = this.dpcEntriesEnd;
    const reach = this.dpcReachBefore;
    // Edges close together share lines (and the hardware prefetcher follows them): the passes
    // would only add work, the lookups go one by one (each goes on from the previous one's rows).
    const spanRows =
      count > 0 && this.dpcHi > this.dpcLo
        ? (firstAtOrAfter(reach, edges[count - 1]!, e0, entryEnd) -
            firstAtOrAfter(reach, edges[0]!, e0, entryEnd)) *
          UNION_BLOCK_ROWS
        : 0;
    if (spanRows < READ_AHEAD_MIN_ROWS * count) {
      for (let b = 0; b < count; b++)
        out[b] = busy ? this.busyBefore(edges[b]!) : this.dpcIsrBefore(edges[b]!);
      return;
    }
    const entries = new Int32Array(count);
    for (let b = 0; b < count; b++)
      entries[b] = this.dpcReachHint.firstAtOrAfter(reach, edges[b]!, e0, entryEnd);
    for (let from = 0; from < count; from += READ_AHEAD_EDGES) {
      const to = from + READ_AHEAD_EDGES < count ? from + READ_AHEAD_EDGES : count;
      this.readAheadSink += this.readAhead(entries, from, to, busy);
      for (let b = from; b < to; b++) {
        this.presetTime = edges[b]!;
        this.presetEntry = entries[b]!;
        out[b] = busy ? this.busyBefore(edges[b]!) : this.dpcIsrBefore(edges[b]!);
      }
    }
    this.presetTime = NaN;
  }

  /** Reads (and sums) the lines the lookups of edges [from, to) will use, given their DPC entry
   *  search answers: no branch depends on a value read, so the cache misses overlap. */
  private readAhead(entries: Int32Array, from: number, to: number, busy: boolean): number {
    const lo = this.dpcLo;
    const last = this.dpcHi - 1;
    const e0 = this.dpcEntries;
    const enter = this.enter;
    const duration = this.duration;
    const union = busy ? this.outsideRunBefore : this.unionBefore;
    const anchorRow = this.anchorRow;
    let sink = 0;
    for (let b = from; b < to; b++) {
      const entry = entries[b]! > e0 ? entries[b]! - 1 : e0;
      const first = lo + (entry - e0) * UNION_BLOCK_ROWS;
      const mid = first + (UNION_BLOCK_ROWS >> 1) < last ? first + (UNION_BLOCK_ROWS >> 1) : last;
      const end = first + UNION_BLOCK_ROWS < last ? first + UNION_BLOCK_ROWS : last;
      const before = first > lo ? first - 1 : lo;
      const at = first < last ? first : last;
      sink += enter[before]! + enter[at]! + enter[mid]! + enter[end]! + duration[before]! + duration[end]!;
      sink += union[entry]! + (busy ? anchorRow[entry]! : 0);
    }
    if (busy && this.disjoint && this.runHi > this.runLo) {
      const runStart = this.runStart;
      const runThread = this.runThread;
      const anchorNonIdle = this.anchorNonIdle;
      const runLo = this.runLo;
      const runLast = this.runHi - 1;
      for (let b = from; b < to; b++) {
        const entry = entries[b]! > e0 ? entries[b]! - 1 : e0;
        let row = runLo + anchorRow[entry]!;
        if (row < runLo) row = runLo;
        const ahead = row + 4 < runLast ? row + 4 : runLast;
        sink += runStart[row]! + runStart[ahead]! + runThread[row]! + anchorNonIdle[entry]!;
      }
    }
    return sink;
  }

  /** DPC/ISR time (union) in [0, t): Σ|c_i| over rows entered before t − [t, F). */
  dpcIsrBefore(t: number): number {
    const lo = this.dpcLo;
    const hi = this.dpcHi;
    if (lo === hi) return 0;
    const enter = this.enter;
    const duration = this.duration;
    const k = this.firstDpcRowAtOrAfter(t, this.presetTime === t);
    const block = ((k - lo) / UNION_BLOCK_ROWS) | 0;
    const first = lo + block * UNION_BLOCK_ROWS;
    let i: number;
    let total: number;
    let reach: number;
    if (this.unionRow >= first && this.unionRow <= k) {
      // Edges closer than a block: go on from the previous lookup's rows (the same sums).
      i = this.unionRow;
      total = this.unionTotal;
      reach = this.unionReach;
    } else {
      i = first;
      total = this.unionBefore[this.dpcEntries + block]!;
      reach = this.dpcReachBefore[this.dpcEntries + block]!;
    }
    for (; i < k; i++) {
      const from = enter[i]!;
      const e = from + duration[i]!;
      if (!(e > from)) continue;
      const s = from > reach ? from : reach;
      if (e > s) {
        total += e - s;
        reach = e;
      }
    }
    this.unionRow = k;
    this.unionTotal = total;
    this.unionReach = reach;
    return reach > t ? total - (reach - t) : total;
  }

  /**
   * Busy time (non-idle running ∪ DPC/ISR) in [0, t):
   * nonIdleRun([0,t)) + Σ|c_i ∖ run| over rows entered before t − |[t, F) ∖ run|.
   * The block's own pieces (≤ 15) are placed against the running intervals by a walk from the
   * block's run anchor (`busyBeforeByWalk`); when that does not apply, by a search of the run
   * table (`busyBeforeBySearch`).
   */
  busyBefore(t: number): number {
    const fast = this.busyBeforeByWalk(t);
    return fast === fast ? fast : this.busyBeforeBySearch(t);
  }

  /**
   * busyBefore from the DPC block's run anchor; NaN when it does not apply (the CPU's first
   * block has no row before t, a CPU whose run rows overlap, or a walk longer than MAX_WALK_ROWS
   * rows). A cursor walks forward over the run rows from the anchor as the pieces, t and F
   * ascend: a piece inside the cursor's row is all or nothing; one crossing rows is measured by
   * the walk. When no row of the block entered before t (t at or before the block's first enter,
   * 1 edge in 16), the walk starts at the previous block's anchor (before t) and adds no piece.
   */
  private busyBeforeByWalk(t: number): number {
    const lo = this.dpcLo;
    const hi = this.dpcHi;
    if (lo === hi || !this.disjoint) return NaN;
    const enter = this.enter;
    const duration = this.duration;
    const k = this.firstDpcRowAtOrAfter(t, this.presetTime === t);
    const block = ((k - lo) / UNION_BLOCK_ROWS) | 0;
    const first = lo + block * UNION_BLOCK_ROWS;
    const entry = this.dpcEntries + block;
    // The anchor (run row containing the first row's enter) must not lie after t.
    const anchorEntry = first < k ? entry : entry - 1;
    if (anchorEntry < this.dpcEntries) return NaN;
    const anchor = this.anchorRow[anchorEntry]!;
    if (anchor < -1) return NaN;
    const runStart = this.runStart;
    const runEnd = this.runEnd;
    const runThread = this.runThread;
    const tids = this.tids;
    const runHi = this.runHi;
    const lastRowEnd = this.openEndedAfter !== Infinity ? Infinity : this.lastEnd;
    // Cursor: run row j (the last starting at or before the walk's position; runLo − 1 before the
    // first row, which is then never non-idle) and the non-idle running time before its start.
    let j = this.runLo + anchor;
    let before = this.anchorNonIdle[anchorEntry]!;
    let rowStart = j >= this.runLo ? runStart[j]! : -Infinity;
    let rowEnd = j >= this.runLo ? (j === runHi - 1 ? lastRowEnd : runEnd[j]!) : -Infinity;
    let rowNonIdle = j >= this.runLo && tids[runThread[j]!] !== 0;
    let steps = MAX_WALK_ROWS;
    let outside = this.outsideRunBefore[entry]!;
    let reach = this.dpcReachBefore[entry]!;
    let runBeforeT = NaN;
    for (let i = first; i < k; i++) {
      const from = enter[i]!;
      const e = from + duration[i]!;
      if (!(e > from)) continue;
      const s = from > reach ? from : reach;
      if (!(e > s)) continue;
      reach = e;
      if (runBeforeT !== runBeforeT && t <= s) {
        while (j + 1 < runHi && runStart[j + 1]! <= t) {
          if (rowNonIdle) before += rowEnd - rowStart;
          j++;
          rowStart = runStart[j]!;
          rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
          rowNonIdle = tids[runThread[j]!] !== 0;
          if (--steps < 0) return NaN;
        }
        runBeforeT = rowNonIdle && t > rowStart ? before + (t < rowEnd ? t : rowEnd) - rowStart : before;
      }
      while (j + 1 < runHi && runStart[j + 1]! <= s) {
        if (rowNonIdle) before += rowEnd - rowStart;
        j++;
        rowStart = runStart[j]!;
        rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
        rowNonIdle = tids[runThread[j]!] !== 0;
        if (--steps < 0) return NaN;
      }
      let inRun: number;
      if (e <= rowEnd) {
        inRun = rowNonIdle ? e - s : 0;
        if (runBeforeT !== runBeforeT && t <= e)
          runBeforeT = rowNonIdle && t > rowStart ? before + (t < rowEnd ? t : rowEnd) - rowStart : before;
      } else {
        const atStart = rowNonIdle && s > rowStart ? before + (s < rowEnd ? s : rowEnd) - rowStart : before;
        if (runBeforeT !== runBeforeT && t <= e) {
          while (j + 1 < runHi && runStart[j + 1]! <= t) {
            if (rowNonIdle) before += rowEnd - rowStart;
            j++;
            rowStart = runStart[j]!;
            rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
            rowNonIdle = tids[runThread[j]!] !== 0;
            if (--steps < 0) return NaN;
          }
          runBeforeT = rowNonIdle && t > rowStart ? before + (t < rowEnd ? t : rowEnd) - rowStart : before;
        }
        while (j + 1 < runHi && runStart[j + 1]! <= e) {
          if (rowNonIdle) before += rowEnd - rowStart;
          j++;
          rowStart = runStart[j]!;
          rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
          rowNonIdle = tids[runThread[j]!] !== 0;
          if (--steps < 0) return NaN;
        }
        inRun =
          (rowNonIdle && e > rowStart ? before + (e < rowEnd ? e : rowEnd) - rowStart : before) - atStart;
      }
      outside += e - s - inRun;
    }
    if (runBeforeT !== runBeforeT) {
      while (j + 1 < runHi && runStart[j + 1]! <= t) {
        if (rowNonIdle) before += rowEnd - rowStart;
        j++;
        rowStart = runStart[j]!;
        rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
        rowNonIdle = tids[runThread[j]!] !== 0;
        if (--steps < 0) return NaN;
      }
      runBeforeT = rowNonIdle && t > rowStart ? before + (t < rowEnd ? t : rowEnd) - rowStart : before;
    }
    if (reach > t) {
      while (j + 1 < runHi && runStart[j + 1]! <= reach) {
        if (rowNonIdle) before += rowEnd - rowStart;
        j++;
        rowStart = runStart[j]!;
        rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
        rowNonIdle = tids[runThread[j]!] !== 0;
        if (--steps < 0) return NaN;
      }
      outside -=
        reach -
        t -
        ((rowNonIdle && reach > rowStart ? before + (reach < rowEnd ? reach : rowEnd) - rowStart : before) -
          runBeforeT);
    }
    return runBeforeT + outside;
  }

  /**
   * busyBefore by searching the run rows (any CPU): nonIdleRun(t) from the run table's prefix
   * entries; each piece's running interval by a cursor that starts at t's run row and steps back
   * (a block spans a few run rows), then moves forward; a piece that crosses a row boundary, or a
   * CPU whose rows overlap, takes two prefix lookups instead.
   */
  private busyBeforeBySearch(t: number): number {
    const runBeforeT = this.nonIdleRunBefore(t);
    const lo = this.dpcLo;
    const hi = this.dpcHi;
    if (lo === hi) return runBeforeT;
    const enter = this.enter;
    const duration = this.duration;
    const k = this.firstDpcRowAtOrAfter(t, this.presetTime === t);
    const block = ((k - lo) / UNION_BLOCK_ROWS) | 0;
    let outside = this.outsideRunBefore[this.dpcEntries + block]!;
    let reach = this.dpcReachBefore[this.dpcEntries + block]!;
    const runStart = this.runStart;
    const runEnd = this.runEnd;
    const runLo = this.runLo;
    const runHi = this.runHi;
    const runThread = this.runThread;
    const tids = this.tids;
    const cursorOk = this.disjoint && runHi > runLo;
    const lastRowEnd = this.openEndedAfter !== Infinity ? Infinity : this.lastEnd;
    const tRow = this.runRow; // first run row starting at or after t: every piece starts before it
    let j = tRow - 1; // cursor: the run row containing the current piece's start
    let first = true;
    for (let i = lo + block * UNION_BLOCK_ROWS; i < k; i++) {
      const from = enter[i]!;
      const e = from + duration[i]!;
      if (!(e > from)) continue;
      const s = from > reach ? from : reach;
      if (!(e > s)) continue;
      reach = e;
      let inRun = -1;
      if (cursorOk) {
        if (first) {
          // Back from t's row to the row containing s (bounded, else a binary search).
          let steps = 0;
          while (j >= runLo && runStart[j]! > s && steps < 8) {
            j--;
            steps++;
          }
          if (j >= runLo && runStart[j]! > s) j = firstAfter(runStart, s, runLo, j) - 1;
          first = false;
        } else if (j + 1 < tRow && runStart[j + 1]! <= s) {
          j = j + 2 < tRow && runStart[j + 2]! > s ? j + 1 : firstAfter(runStart, s, j + 1, tRow) - 1;
        }
        if (j >= runLo) {
          const rowEnd = j === runHi - 1 ? lastRowEnd : runEnd[j]!;
          if (e <= rowEnd) inRun = tids[runThread[j]!] !== 0 ? e - s : 0;
        } else if (e <= runStart[runLo]!) inRun = 0;
      } else if (runHi === runLo) inRun = 0;
      if (inRun < 0) inRun = this.runBefore(e, false) - this.runBefore(s, false);
      outside += e - s - inRun;
    }
    if (reach > t) outside -= reach - t - (this.runBefore(reach, false) - runBeforeT);
    return runBeforeT + outside;
  }
}

/** Non-idle running time of CPU `cpu` in [0, t) (one lookup; see `CpuCoverage`). */
export function nonIdleRunBefore(model: EngineModel, cpu: number, t: number): number {
  return new CpuCoverage(model, cpu).nonIdleRunBefore(t);
}

/** DPC/ISR time (union) of CPU `cpu` in [0, t) (one lookup; see `CpuCoverage`). */
export function dpcIsrBefore(model: EngineModel, cpu: number, t: number): number {
  return new CpuCoverage(model, cpu).dpcIsrBefore(t);
}

/** Busy time (non-idle running ∪ DPC/ISR) of CPU `cpu` in [0, t) (one lookup; see `CpuCoverage`). */
export function busyBefore(model: EngineModel, cpu: number, t: number): number {
  return new CpuCoverage(model, cpu).busyBefore(t);
}

export interface Dictionaries {
  readonly modules: readonly string[];
  /** Every code location the rows and stacks name (functions: `EngineModel.symbols`). */
  readonly locations: LocationTable;
  readonly routineAddress: Float64Array;
  /** DPC/ISR routine entry → its code location. */
  readonly routineLocation: Int32Array;
  readonly processLabels: readonly string[];
  readonly processIds: Int32Array;
  readonly threadLabels: readonly string[];
  readonly threadTids: Uint32Array;
  readonly threadProcess: Int32Array;
  readonly stateNames: readonly string[];
}

export interface ProcessInfo {
  readonly processId: number;
  readonly parentId: number;
  readonly name: string;
  readonly commandLine: string;
  readonly startNs: number;
  readonly endNs: number;
}
export interface ThreadInfo {
  readonly threadId: number;
  readonly processId: number;
  readonly name: string;
  readonly startNs: number;
  readonly endNs: number;
}
export interface ImageInfo {
  readonly base: number;
  readonly size: number;
  readonly processId: number;
  readonly fileName: string;
  readonly module: string;
  readonly loadNs: number;
  readonly unloadNs: number;
  readonly pdb?: {
    readonly name: string;
    readonly guid: string;
    readonly age: number;
  };
}

export interface EngineModel {
  readonly summary: TraceSummary;
  /** Slots in every cpuOffsets (≥ cpuCount). */
  readonly cpuSlots: number;
  readonly durationNs: number;
  readonly dpc: DpcTable;
  readonly run: RunTable;
  readonly samples: SampleTable;
  readonly idle: IdleTable;
  /** DPC/ISR union and busy time (non-idle running ∪ DPC/ISR) per CPU, as prefix sums over the
   *  DPC rows (`dpcIsrBefore`, `busyBefore`). */
  readonly dpcCoverage: DpcCoverage;
  /** Non-idle running time per CPU as prefix sums over the run rows (`nonIdleRunBefore`). */
  readonly runCoverage: RunCoverage;
  readonly dict: Dictionaries;
  /** Interned call paths of every stack walk (stacks/assemble.ts). */
  readonly stacks: StackTable;
  readonly stackStats?: StackAssembly['stats'];
  /** Locations → functions under the symbols loaded so far; replaced (never mutated) when more
   *  symbols load (`Engine.applySymbols`). */
  symbols: Symbolization;
  readonly processes: readonly ProcessInfo[];
  readonly threads: readonly ThreadInfo[];
  readonly images: readonly ImageInfo[];
  /** CPUs that logged any event (for "all CPUs" in results). */
  readonly cpusWithEvents: readonly number[];
}
