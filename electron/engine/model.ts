// The finalized, query-ready model: per-table typed-array columns with rows grouped by CPU and
// time-sorted inside each CPU (`cpuOffsets[c] .. cpuOffsets[c+1]`), plus the dictionaries that
// turn integer codes into the text results show. Built once by finalize.ts, then read-only.
//
//   dpc row ──routine──> routineFunc ──> funcModule ──> modules[]      (group by = integer work)
//   run/sample row ──thread──> threadProcess ──> processLabels[]

import type { TraceSummary } from '../../shared/contract.js';

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
  readonly exclusive: Float32Array;
  readonly fragments: Uint16Array;
  /** Index into the routine dictionary (address + resolved function). */
  readonly routine: Uint32Array;
}

export interface RunTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  readonly start: Float64Array;
  readonly end: Float64Array;
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
  /** Index into the function dictionary. */
  readonly func: Int32Array;
  /**
   * Cumulative busy weight (ns) before row k·SAMPLE_BUSY_BLOCK_ROWS, over all rows (global running
   * total, not reset per CPU); the total before any row is `sampleBusyBefore`.
   */
  readonly busyBlockCumulative: Float64Array;
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

/** Contiguous C-state rows per CPU covering the trace (C0 rows fill the gaps). */
export interface IdleTable {
  readonly length: number;
  readonly cpuOffsets: CpuOffsets;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** 0 = C0, n = Cn. */
  readonly state: Uint8Array;
  readonly source: 'events' | 'cswitch' | 'none';
}

/** Disjoint sorted intervals per CPU with prefix sums: covered(a, b) in O(log n). */
export interface UnionTable {
  readonly cpuOffsets: CpuOffsets;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /**
   * Prefix sums per block of UNION_BLOCK_ROWS rows: entry b = total length of the same CPU's
   * intervals before row b·UNION_BLOCK_ROWS (the running total restarts at each CPU's first row).
   * The total before any row is `unionBefore`.
   */
  readonly beforeBlock: Float64Array;
}

/** Rows per union prefix-sum entry: 0.5 B/row instead of 8, at most 15 intervals added per lookup
 *  (64 saved a little more memory but put the 2,000-bucket series over its 30 ms goal on 1 GiB). */
export const UNION_BLOCK_ROWS = 16;

/**
 * Total length of CPU `cpu`'s intervals before row `k` (cpuOffsets[cpu] ≤ k < cpuOffsets[cpu+1]):
 * the block entry (or 0 from the CPU's first row) plus the rows after it, added in row order —
 * the same float sum as a per-row prefix column.
 */
export function unionBefore(u: UnionTable, cpu: number, k: number): number {
  const lo = u.cpuOffsets[cpu] ?? 0;
  const blockStart = Math.floor(k / UNION_BLOCK_ROWS) * UNION_BLOCK_ROWS;
  let total = blockStart >= lo ? u.beforeBlock[blockStart / UNION_BLOCK_ROWS]! : 0;
  for (let i = Math.max(blockStart, lo); i < k; i++) total += u.end[i]! - u.start[i]!;
  return total;
}

export interface Dictionaries {
  readonly modules: readonly string[];
  readonly functionCount: number;
  /** Label of a function id (symbol, `module+0x<rva>` or the address); built on first use. */
  readonly functionName: (id: number) => string;
  readonly funcModule: Int32Array;
  readonly routineAddress: Float64Array;
  readonly routineFunc: Int32Array;
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
    readonly symbols: number;
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
  /** Busy time per CPU (non-idle running ∪ DPC/ISR) — precise utilization. */
  readonly busy: UnionTable;
  /** DPC/ISR time per CPU (union, so an ISR inside a DPC is not counted twice). */
  readonly dpcUnion: UnionTable;
  readonly dict: Dictionaries;
  readonly processes: readonly ProcessInfo[];
  readonly threads: readonly ThreadInfo[];
  readonly images: readonly ImageInfo[];
  /** CPUs that logged any event (for "all CPUs" in results). */
  readonly cpusWithEvents: readonly number[];
}
