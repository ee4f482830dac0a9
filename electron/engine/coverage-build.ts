// Covered-time prefix sums (model.ts `DpcCoverage`, `RunCoverage`): the DPC/ISR union and the
// busy time (non-idle running ∪ DPC/ISR) of each CPU as sums before every UNION_BLOCK_ROWS-th row,
// instead of interval tables. Built per CPU in the parser workers (derivePerCpu) or at finalize.
//
//   DPC rows (enter order) + run rows ──buildDpcCoverage──> union, outside-run, reach per block
//   run rows ──buildRunCoverage──> non-idle prefix sums, reach, per-DPC-block anchors

import {
  coverageEntries,
  runEndsButLast,
  UNION_BLOCK_ROWS,
  type DpcCoverage,
  type DpcTable,
  type RunCoverage,
  type RunTable as ModelRunTable,
} from './model.js';

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
export function buildRunCoverage(
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
