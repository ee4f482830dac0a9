// PivotQuery: nested groups over any ordered list of a table's columns, with every aggregate.
//
//   1. one pass over the filtered rows (per CPU, binary-searched to the range): each row's leaf
//      key = Σ code_k · stride_k → leaf slot (dense Int32Array when the key space is small, a Map
//      otherwise); leaf count/sum/min/max/over updated; (leaf, value) written to scratch arrays
//   2. leaves sorted by their code tuple, so every group at every depth is a contiguous run of leaves
//   3. values scattered (counting sort) into leaf order; percentiles by selection inside each
//      group's contiguous slice — children first, then their parent (selection only permutes inside
//      a slice, so the parent's slice still holds exactly its rows)
//   4. siblings sorted and cut to limitPerLevel
//   5. dpcIsr: exclusive time = a group's sum minus the ISR time nested in its DPCs, from one pass
//      over the sparse interrupted rows in the filter (a few per thousand rows), whichever path
//      (rows, whole-trace atoms, block atoms) gave the sums
//
// Scratch arrays live in PivotScratch and are reused across queries (no growth per query).

import {
  DPC_BUDGET_NS,
  ISR_BUDGET_NS,
  type Aggregates,
  type GroupColumn,
  type PivotNode,
  type PivotQuery,
  type PivotResult,
  type ReadyWaitAggregates,
  type SortKey,
} from '../../shared/contract.js';
import type { EngineModel } from './model.js';
import {
  CANCEL_CHECK_MASK,
  cancelledError,
  EngineError,
  resolveFilter,
  rowPasses,
  rowSpan,
  type CancelToken,
  type ColumnSpec,
  type ResolvedFilter,
  type TableSpec,
} from './query-common.js';
import { lowerBound } from './images.js';
import { runWaits } from './run-waits.js';
import { percentiles3 } from './select.js';
import {
  atomCode,
  countAtMost,
  countBelow,
  coversEveryDpcCpu,
  dpcAtoms,
  dpcBlockAtoms,
  hasDpcAtoms,
  unionSelect,
  type DpcAtoms,
  type DpcBlockAtoms,
} from './dpc-atoms.js';

const PERCENTILES = [0.5, 0.9, 0.99] as const;

/** Key spaces up to this many slots use a dense lookup array (4 MiB of Int32) instead of a Map. */
const DENSE_KEY_LIMIT = 1 << 20;
/** Range pivots over at least this many DPC/ISR rows use the block atoms: below it a plain
 *  row scan (~1 ms per 20 K rows) is as fast as combining atoms. */
const BLOCK_PATH_MIN_ROWS = 1 << 17;
/** Per group level, an atom entry costs about as much as scanning this many rows (three
 *  percentile bisections over the entries at each level; measured ~5 µs per entry at 2 levels
 *  vs ~28 ns per scanned row): the block path is taken only when it saves more than that. */
const ATOM_COST_IN_ROWS = 100;
/** Default children per node when the query gives no limit (bounded results). */
const DEFAULT_LIMIT_PER_LEVEL = 500;

export class PivotScratch {
  /** Range DPC/ISR pivots over at least this many rows use the block atoms. */
  blockPathMinRows = BLOCK_PATH_MIN_ROWS;
  leafOf = new Int32Array(0);
  values = new Float32Array(0);
  ordered = new Float32Array(0);
  dense = new Int32Array(0);

  ensureRows(n: number): void {
    if (this.leafOf.length < n) {
      const size = Math.max(n, 1024);
      this.leafOf = new Int32Array(size);
      this.values = new Float32Array(size);
      this.ordered = new Float32Array(size);
    }
  }

  ensureDense(n: number): Int32Array {
    if (this.dense.length < n) this.dense = new Int32Array(n).fill(-1);
    return this.dense;
  }
}

interface Leaves {
  count: number;
  keys: number[];
  codes: Int32Array[];
  n: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  over: Float64Array;
  /** cpuPrecise only: per leaf ready sum, rows with a ready time, wait sum (ns). */
  ready: Float64Array;
  readyN: Float64Array;
  wait: Float64Array;
}

export function runPivot(
  model: EngineModel,
  spec: TableSpec,
  query: PivotQuery,
  token: CancelToken,
  scratch: PivotScratch,
): PivotResult {
  const groupBy = query.groupBy;
  const columns: ColumnSpec[] = groupBy.map((name) => {
    const column = spec.columns[name];
    if (column === undefined)
      throw new EngineError(`The ${spec.id} table has no column "${name}".`, 'bad-request');
    return column;
  });
  if (new Set(groupBy).size !== groupBy.length)
    throw new EngineError('A column appears twice in groupBy.', 'bad-request');
  const filter = resolveFilter(model, spec, query.filter);
  const depth = columns.length;
  const strides = new Array<number>(depth).fill(1);
  let keySpace = 1;
  for (let k = depth - 1; k >= 0; k--) {
    strides[k] = keySpace;
    keySpace *= Math.max(1, columns[k]!.cardinality);
  }
  const useDense = keySpace <= DENSE_KEY_LIMIT;
  if (!useDense && keySpace > Number.MAX_SAFE_INTEGER)
    throw new EngineError('Too many group-by combinations.', 'bad-request');
  const dense = useDense ? scratch.ensureDense(keySpace) : undefined;
  const sparse = useDense ? undefined : new Map<number, number>();

  let maxRows = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    maxRows += hi - lo;
  }
  scratch.ensureRows(maxRows);
  const leafOf = scratch.leafOf;
  const values = scratch.values;
  const leaves: Leaves = {
    count: 0,
    keys: [],
    codes: [],
    n: new Float64Array(64),
    sum: new Float64Array(64),
    min: new Float64Array(64),
    max: new Float64Array(64),
    over: new Float64Array(64),
    ready: new Float64Array(64),
    readyN: new Float64Array(64),
    wait: new Float64Array(64),
  };
  const addLeaf = (key: number): number => {
    const index = leaves.count++;
    if (index === leaves.n.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      leaves.n = grow(leaves.n);
      leaves.sum = grow(leaves.sum);
      leaves.min = grow(leaves.min);
      leaves.max = grow(leaves.max);
      leaves.over = grow(leaves.over);
      leaves.ready = grow(leaves.ready);
      leaves.readyN = grow(leaves.readyN);
      leaves.wait = grow(leaves.wait);
    }
    leaves.keys.push(key);
    leaves.min[index] = Infinity;
    leaves.max[index] = -Infinity;
    return index;
  };

  const kinds = spec.kind;
  const rangeStart = filter.start;
  const rangeEnd = filter.end;
  const hasRowFilter =
    filter.masks.length > 0 || filter.minDuration !== -Infinity || filter.maxDuration !== Infinity;
  // Hot-loop locals: measure arrays and up to four group columns (more → generic key loop).
  const durationCol = spec.measure === 'duration' ? spec.duration! : undefined;
  const weightCol = spec.measure === 'weight' ? spec.weight! : undefined;
  const clipped = spec.measure === 'clipped';
  const waits = spec.id === 'cpuPrecise' ? runWaits(model) : undefined;
  const startCol = spec.time;
  const endCol = spec.end;
  const lastEnd = spec.lastEnd;
  const EMPTY = new Uint8Array(0);
  const rowsOf = (k: number) => (k < depth ? (columns[k]!.rows ?? EMPTY) : EMPTY);
  const remapOf = (k: number) => (k < depth ? columns[k]!.remap : null);
  const strideOf = (k: number) => (k < depth && columns[k]!.rows !== null ? strides[k]! : 0);
  const r0 = rowsOf(0),
    m0 = remapOf(0),
    s0 = strideOf(0);
  const r1 = rowsOf(1),
    m1 = remapOf(1),
    s1 = strideOf(1);
  const r2 = rowsOf(2),
    m2 = remapOf(2),
    s2 = strideOf(2);
  const r3 = rowsOf(3),
    m3 = remapOf(3),
    s3 = strideOf(3);
  const generic = depth > 4;
  // Whole-trace DPC/ISR pivots run on the per-(CPU, type, routine) atoms instead of the rows.
  const wholeTrace = filter.start <= 0 && filter.rowEnd >= model.durationNs;
  const everyCpu = coversEveryDpcCpu(model, filter.cpus);
  // All CPUs and not by CPU: the CPU-less atoms when built (16× fewer on 16 CPUs); until the
  // warm-up has merged them, the per-CPU atoms answer the same (exact) aggregates.
  const perCpuAtoms = groupBy.includes('cpu') || !everyCpu || !hasDpcAtoms(model, false);
  // Wide ranges: whole time blocks of each CPU from the block atoms, the partial blocks at the
  // two edges scanned as rows (their values sorted into the atoms' spare room, see below).
  const blockPlan =
    spec.id === 'dpcIsr' && !wholeTrace && maxRows >= scratch.blockPathMinRows
      ? planBlocks(model, spec, filter, depth, scratch.blockPathMinRows === 0)
      : undefined;
  const blocks = blockPlan?.blocks;
  const atoms: DpcAtoms | undefined =
    spec.id === 'dpcIsr' && wholeTrace ? dpcAtoms(model, perCpuAtoms) : blocks;
  const entryLeaf: number[] = [];
  const entryFrom: number[] = [];
  const entryTo: number[] = [];
  let rootEntries: { sorted: Float32Array; from: Int32Array; to: Int32Array } | undefined;
  /** Folds atom `a` of `source` (after masks and duration bounds) into its leaf. */
  const takeAtom = (source: DpcAtoms, a: number): void => {
    for (const m of filter.masks) if (m.keep[atomCode(model, source, m.column, a)] === 0) return;
    const sorted = source.sorted;
    const s0 = source.start[a]!;
    const e0 = source.end[a]!;
    const from = filter.minDuration !== -Infinity ? countBelow(sorted, filter.minDuration, s0, e0) : s0;
    const to = filter.maxDuration !== Infinity ? countBelow(sorted, filter.maxDuration, from, e0) : e0;
    if (from >= to) return;
    let key = 0;
    for (let k = 0; k < depth; k++) key += atomCode(model, source, columns[k]!, a) * strides[k]!;
    let leaf: number;
    if (dense !== undefined) {
      leaf = dense[key]!;
      if (leaf < 0) {
        leaf = addLeaf(key);
        dense[key] = leaf;
      }
    } else {
      const found = sparse!.get(key);
      if (found === undefined) {
        leaf = addLeaf(key);
        sparse!.set(key, leaf);
      } else leaf = found;
    }
    let total = source.sum[a]!;
    if (from !== s0 || to !== e0) {
      total = 0;
      for (let i = from; i < to; i++) total += sorted[i]!;
    }
    leaves.n[leaf]! += to - from;
    leaves.sum[leaf]! += total;
    if (sorted[from]! < leaves.min[leaf]!) leaves.min[leaf] = sorted[from]!;
    if (sorted[to - 1]! > leaves.max[leaf]!) leaves.max[leaf] = sorted[to - 1]!;
    leaves.over[leaf]! +=
      to - countAtMost(sorted, source.kind[a]! >= 3 ? ISR_BUDGET_NS : DPC_BUDGET_NS, from, to);
    entryLeaf.push(leaf);
    entryFrom.push(from);
    entryTo.push(to);
  };
  const edgeSpans = blockPlan?.edgeSpans ?? [];
  if (blockPlan !== undefined) {
    const { blocks: b, atomRanges } = blockPlan;
    for (let k = 0; k < atomRanges.length; k += 2)
      for (let a = atomRanges[k]!; a < atomRanges[k + 1]!; a++) takeAtom(b, a);
    // The edge scan below (scanRows) finds these leaves in the slot table and clears it.
  } else if (atoms !== undefined) {
    const cpuAllowed = new Uint8Array(model.cpuSlots);
    for (const c of filter.cpus) if (c < model.cpuSlots) cpuAllowed[c] = 1;
    for (let a = 0; a < atoms.count; a++) {
      if (perCpuAtoms && cpuAllowed[atoms.cpu[a]!] === 0) continue;
      takeAtom(atoms, a);
    }
    if (dense !== undefined) for (const key of leaves.keys) dense[key] = -1;
    if (perCpuAtoms && everyCpu && hasDpcAtoms(model, false)) {
      // Grouped by CPU over all CPUs: the total's percentiles from the CPU-less atoms (16× fewer).
      const all = dpcAtoms(model, false);
      const from: number[] = [];
      const to: number[] = [];
      allLoop: for (let a = 0; a < all.count; a++) {
        for (const m of filter.masks) if (m.keep[atomCode(model, all, m.column, a)] === 0) continue allLoop;
        const f =
          filter.minDuration !== -Infinity
            ? countBelow(all.sorted, filter.minDuration, all.start[a]!, all.end[a]!)
            : all.start[a]!;
        const t =
          filter.maxDuration !== Infinity
            ? countBelow(all.sorted, filter.maxDuration, f, all.end[a]!)
            : all.end[a]!;
        if (f >= t) continue;
        from.push(f);
        to.push(t);
      }
      rootEntries = { sorted: all.sorted, from: Int32Array.from(from), to: Int32Array.from(to) };
    }
  }
  const scanned =
    atoms === undefined || blocks !== undefined
      ? scanRows({
          spans: blocks !== undefined ? edgeSpans : undefined,
          spec,
          filter,
          token,
          columns,
          strides,
          depth,
          generic,
          dense,
          sparse,
          leaves,
          addLeaf,
          leafOf,
          values,
          kinds,
          hasRowFilter,
          durationCol,
          weightCol,
          clipped,
          readyCol: waits?.readyNs,
          waitCol: waits?.waitNs,
          startCol,
          endCol,
          lastEnd,
          cpuOffsets: spec.cpuOffsets,
          r0,
          m0,
          s0,
          r1,
          m1,
          s1,
          r2,
          m2,
          s2,
          r3,
          m3,
          s3,
        })
      : 0;
  if (blocks !== undefined && scanned > 0) {
    // Edge rows join the percentile selection as one sorted slice per leaf in the spare room.
    const perLeaf = new Int32Array(leaves.count + 1);
    for (let j = 0; j < scanned; j++) perLeaf[leafOf[j]! + 1]!++;
    for (let l = 0; l < leaves.count; l++) perLeaf[l + 1]! += perLeaf[l]!;
    const at = perLeaf.slice(0, leaves.count);
    const spare = blocks.sorted;
    const base = blocks.spareStart;
    for (let j = 0; j < scanned; j++) spare[base + at[leafOf[j]!]!++] = values[j]!;
    for (let l = 0; l < leaves.count; l++) {
      const from = base + perLeaf[l]!;
      const to = base + perLeaf[l + 1]!;
      if (to <= from) continue;
      spare.subarray(from, to).sort();
      entryLeaf.push(l);
      entryFrom.push(from);
      entryTo.push(to);
    }
  }
  const rows = blocks !== undefined ? 0 : scanned;
  const n = leaves.n;
  const sum = leaves.sum;
  const min = leaves.min;
  const max = leaves.max;
  const over = leaves.over;
  const nested =
    spec.id === 'dpcIsr' ? nestedIsrPerLeaf(model, spec, filter, columns, strides, leaves, token) : undefined;

  // Leaves in code-tuple order: groups at every depth become contiguous.
  const leafCodes = leaves.keys.map((key) => {
    const codes = new Int32Array(depth);
    let rest = key;
    for (let k = 0; k < depth; k++) {
      codes[k] = Math.floor(rest / strides[k]!);
      rest -= codes[k]! * strides[k]!;
    }
    return codes;
  });
  const leafOrder = Array.from({ length: leaves.count }, (_, i) => i).sort((a, b) => {
    const ca = leafCodes[a]!;
    const cb = leafCodes[b]!;
    for (let k = 0; k < depth; k++) if (ca[k] !== cb[k]) return ca[k]! - cb[k]!;
    return 0;
  });
  const leafStart = new Int32Array(leaves.count + 1);
  const rankOf = new Int32Array(leaves.count);
  leafOrder.forEach((leaf, rank) => {
    rankOf[leaf] = rank;
  });
  for (let r = 0; r < leaves.count; r++) leafStart[r + 1] = leafStart[r]! + leaves.n[leafOrder[r]!]!;
  // Atom entries in leaf-rank order: a node's entries are contiguous, like its values.
  const entryStart = new Int32Array(leaves.count + 1);
  for (const leaf of entryLeaf) entryStart[rankOf[leaf]! + 1]!++;
  for (let r = 0; r < leaves.count; r++) entryStart[r + 1]! += entryStart[r]!;
  const entryFill = entryStart.slice(0, Math.max(1, leaves.count));
  const orderedFrom = new Int32Array(entryLeaf.length);
  const orderedTo = new Int32Array(entryLeaf.length);
  entryLeaf.forEach((leaf, e) => {
    const at = entryFill[rankOf[leaf]!]!++;
    orderedFrom[at] = entryFrom[e]!;
    orderedTo[at] = entryTo[e]!;
  });
  const fill = leafStart.slice(0, Math.max(1, leaves.count));
  const ordered = scratch.ordered;
  scatter(rows, leafOf, values, rankOf, fill, ordered, token);

  const rangeLength = Math.max(0, rangeEnd - rangeStart);
  const cpuCount = filter.cpus.length;
  const cpuLevel = groupBy.indexOf('cpu');
  const limit = query.limitPerLevel ?? DEFAULT_LIMIT_PER_LEVEL;
  const sortBy: SortKey = query.sortBy ?? 'totalMs';
  const descending = query.descending ?? sortBy !== 'key';

  const pct = new Float64Array(3);
  const aggregate = (fromRank: number, toRank: number, perCpu: boolean): Aggregates => {
    let count = 0;
    let total = 0;
    let lowest = Infinity;
    let highest = -Infinity;
    let overCount = 0;
    for (let r = fromRank; r < toRank; r++) {
      const leaf = leafOrder[r]!;
      count += n[leaf]!;
      total += sum[leaf]!;
      if (min[leaf]! < lowest) lowest = min[leaf]!;
      if (max[leaf]! > highest) highest = max[leaf]!;
      overCount += over[leaf]!;
    }
    if (token.cancelled) throw cancelledError();
    // `values` is free once scattered into `ordered`: it is the spare buffer for selection.
    if (rootEntries !== undefined && fromRank === 0 && toRank === leaves.count) {
      for (let k = 0; k < 3; k++) {
        const rank = Math.min(count - 1, Math.max(0, Math.ceil(PERCENTILES[k]! * count) - 1));
        pct[k] =
          count > 0
            ? unionSelect(
                rootEntries.sorted,
                rootEntries.from,
                rootEntries.to,
                0,
                rootEntries.from.length,
                rank,
              )
            : 0;
      }
    } else if (atoms !== undefined) {
      for (let k = 0; k < 3; k++) {
        const rank = Math.min(count - 1, Math.max(0, Math.ceil(PERCENTILES[k]! * count) - 1));
        pct[k] =
          count > 0
            ? unionSelect(
                atoms.sorted,
                orderedFrom,
                orderedTo,
                entryStart[fromRank]!,
                entryStart[toRank]!,
                rank,
              )
            : 0;
      }
    } else percentiles3(ordered, leafStart[fromRank]!, leafStart[toRank]!, values, pct);
    const denominator = rangeLength * (perCpu ? 1 : cpuCount);
    return {
      count,
      totalMs: total / 1e6,
      minUs: count > 0 ? lowest / 1e3 : 0,
      maxUs: count > 0 ? highest / 1e3 : 0,
      avgUs: count > 0 ? total / count / 1e3 : 0,
      p50Us: pct[0]! / 1e3,
      p90Us: pct[1]! / 1e3,
      p99Us: pct[2]! / 1e3,
      overBudget: overCount,
      percent: denominator > 0 ? (100 * total) / denominator : 0,
    };
  };

  /** dpcIsr: WPA's Duration (Exclusive) summed over the group, ms. */
  const exclusiveMs = (fromRank: number, toRank: number): number => {
    let exclusive = 0;
    for (let r = fromRank; r < toRank; r++) {
      const leaf = leafOrder[r]!;
      exclusive += sum[leaf]! - nested![leaf]!;
    }
    return exclusive / 1e6;
  };

  const readyWait = (fromRank: number, toRank: number): ReadyWaitAggregates => {
    let ready = 0;
    let readyN = 0;
    let wait = 0;
    for (let r = fromRank; r < toRank; r++) {
      const leaf = leafOrder[r]!;
      ready += leaves.ready[leaf]!;
      readyN += leaves.readyN[leaf]!;
      wait += leaves.wait[leaf]!;
    }
    return {
      readyMs: ready / 1e6,
      readyAvgUs: readyN > 0 ? ready / readyN / 1e3 : 0,
      readyCount: readyN,
      waitMs: wait / 1e6,
    };
  };

  const build = (
    fromRank: number,
    toRank: number,
    level: number,
  ): { nodes: PivotNode[]; omitted: number } => {
    const nodes: PivotNode[] = [];
    const column = columns[level]!;
    let r = fromRank;
    while (r < toRank) {
      const code = leafCodes[leafOrder[r]!]![level]!;
      let end = r + 1;
      while (end < toRank && leafCodes[leafOrder[end]!]![level] === code) end++;
      const children = level + 1 < depth ? build(r, end, level + 1) : undefined;
      const aggregates = aggregate(r, end, cpuLevel >= 0 && cpuLevel <= level);
      nodes.push({
        key: column.label(code),
        aggregates,
        ...(nested !== undefined ? { exclusiveMs: exclusiveMs(r, end) } : {}),
        ...(waits !== undefined ? { readyWait: readyWait(r, end) } : {}),
        ...(children !== undefined ? { children: children.nodes } : {}),
        ...(children !== undefined && children.omitted > 0 ? { omittedChildren: children.omitted } : {}),
      });
      r = end;
    }
    sortNodes(nodes, sortBy, descending);
    const omitted = Math.max(0, nodes.length - limit);
    if (omitted > 0) nodes.length = limit;
    return { nodes, omitted };
  };

  const top = depth > 0 ? build(0, leaves.count, 0) : { nodes: [], omitted: 0 };
  const total = aggregate(0, leaves.count, false);
  return {
    kind: 'pivot',
    groupBy: [...groupBy] as GroupColumn[],
    total,
    ...(nested !== undefined ? { totalExclusiveMs: exclusiveMs(0, leaves.count) } : {}),
    ...(waits !== undefined ? { totalReadyWait: readyWait(0, leaves.count) } : {}),
    rows: top.nodes,
    omittedRows: top.omitted,
  };
}

/**
 * Per leaf, the ISR time nested in its DPC rows (inclusive − exclusive, ns), over the interrupted
 * rows the filter keeps: the same row selection as the scan (each filter CPU's `rowSpan`, masks,
 * duration bounds) and the same leaf key, looked up among the leaves the pivot already made.
 */
function nestedIsrPerLeaf(
  model: EngineModel,
  spec: TableSpec,
  filter: ResolvedFilter,
  columns: readonly ColumnSpec[],
  strides: readonly number[],
  leaves: Leaves,
  token: CancelToken,
): Float64Array {
  const nested = new Float64Array(Math.max(1, leaves.count));
  const { rows: interrupted, exclusive } = model.dpc.interrupted;
  if (interrupted.length === 0) return nested;
  const leafOfKey = new Map<number, number>();
  leaves.keys.forEach((key, leaf) => leafOfKey.set(key, leaf));
  const hasRowFilter =
    filter.masks.length > 0 || filter.minDuration !== -Infinity || filter.maxDuration !== Infinity;
  const duration = model.dpc.duration;
  let seen = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    if (lo >= hi) continue;
    const kEnd = lowerBound(interrupted, hi);
    for (let k = lowerBound(interrupted, lo); k < kEnd; k++) {
      if ((++seen & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
      const i = interrupted[k]!;
      if (hasRowFilter && !rowPasses(spec, filter, i)) continue;
      let key = 0;
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c]!;
        const raw = column.rows === null ? cpu : column.rows[i]!;
        key += (column.remap !== null ? column.remap[raw]! : raw) * strides[c]!;
      }
      const leaf = leafOfKey.get(key);
      if (leaf !== undefined) nested[leaf]! += duration[i]! - exclusive[k]!;
    }
  }
  return nested;
}

interface BlockPlan {
  readonly blocks: DpcBlockAtoms;
  /** (cpu, lo, hi) row spans to scan: the partial blocks at the edges of each CPU's rows. */
  readonly edgeSpans: number[];
  /** [from, to) atom index ranges of the whole blocks inside the range. */
  readonly atomRanges: number[];
}

/**
 * Splits each filter CPU's rows in the range into whole blocks (answered by block atoms) and
 * edge rows; undefined when combining the atoms would cost more than scanning their rows
 * (many routines per block make the percentile bisection slower than the scan), unless forced.
 */
function planBlocks(
  model: EngineModel,
  spec: TableSpec,
  filter: ResolvedFilter,
  levels: number,
  force: boolean,
): BlockPlan | undefined {
  const blocks = dpcBlockAtoms(model);
  if (blocks === undefined) return undefined;
  const offsets = model.dpc.cpuOffsets;
  const size = blocks.blockRows;
  const edgeSpans: number[] = [];
  const atomRanges: number[] = [];
  let wholeRows = 0;
  for (const cpu of filter.cpus) {
    if (cpu + 1 >= offsets.length) continue;
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    if (lo >= hi) continue;
    const base = offsets[cpu]!;
    const cpuEnd = offsets[cpu + 1]!;
    // Whole blocks k with base + k·size ≥ lo and their end ≤ hi (a CPU's last block may be short).
    const firstWhole = Math.ceil((lo - base) / size);
    const wholeEnd =
      hi === cpuEnd ? blocks.cpuBlocks[cpu + 1]! - blocks.cpuBlocks[cpu]! : Math.floor((hi - base) / size);
    if (firstWhole >= wholeEnd) {
      edgeSpans.push(cpu, lo, hi);
      continue;
    }
    const wholeLo = base + firstWhole * size;
    const wholeHi = Math.min(base + wholeEnd * size, cpuEnd);
    if (lo < wholeLo) edgeSpans.push(cpu, lo, wholeLo);
    if (wholeHi < hi) edgeSpans.push(cpu, wholeHi, hi);
    // Whole super blocks inside the whole blocks, then the blocks left at either end.
    const per = blocks.blocksPerSuper;
    const blockCount = blocks.cpuBlocks[cpu + 1]! - blocks.cpuBlocks[cpu]!;
    const superFirst = Math.ceil(firstWhole / per);
    const superEnd =
      wholeEnd === blockCount
        ? blocks.cpuSupers[cpu + 1]! - blocks.cpuSupers[cpu]!
        : Math.floor(wholeEnd / per);
    const addBlocks = (k0: number, k1: number) => {
      if (k1 <= k0) return;
      atomRanges.push(
        blocks.blockAtoms[blocks.cpuBlocks[cpu]! + k0]!,
        blocks.blockAtoms[blocks.cpuBlocks[cpu]! + k1]!,
      );
    };
    if (superFirst < superEnd) {
      addBlocks(firstWhole, superFirst * per);
      atomRanges.push(
        blocks.superAtoms[blocks.cpuSupers[cpu]! + superFirst]!,
        blocks.superAtoms[blocks.cpuSupers[cpu]! + superEnd]!,
      );
      addBlocks(Math.min(superEnd * per, wholeEnd), wholeEnd);
    } else addBlocks(firstWhole, wholeEnd);
    wholeRows += wholeHi - wholeLo;
  }
  let atomCount = 0;
  for (let k = 0; k < atomRanges.length; k += 2) atomCount += atomRanges[k + 1]! - atomRanges[k]!;
  if (!force && atomCount * ATOM_COST_IN_ROWS * (levels + 1) > wholeRows) return undefined;
  return { blocks, edgeSpans, atomRanges };
}

function compareKeys(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortNodes(nodes: PivotNode[], sortBy: SortKey, descending: boolean): void {
  const sign = descending ? -1 : 1;
  nodes.sort((x, y) => {
    const primary =
      sortBy === 'key' ? compareKeys(x.key, y.key) : x.aggregates[sortBy] - y.aggregates[sortBy];
    return primary !== 0 ? sign * primary : compareKeys(x.key, y.key);
  });
}

interface ScanArgs {
  /** (cpu, lo, hi) row spans to scan; default: each filter CPU's rows in the range. */
  spans: readonly number[] | undefined;
  spec: TableSpec;
  filter: ResolvedFilter;
  token: CancelToken;
  columns: ColumnSpec[];
  strides: number[];
  depth: number;
  generic: boolean;
  dense: Int32Array | undefined;
  sparse: Map<number, number> | undefined;
  leaves: Leaves;
  addLeaf: (key: number) => number;
  leafOf: Int32Array;
  values: Float32Array;
  kinds: Uint8Array | undefined;
  hasRowFilter: boolean;
  durationCol: Float32Array | undefined;
  weightCol: Float32Array | undefined;
  clipped: boolean;
  /** cpuPrecise: ready / wait time per run row (NaN unknown), summed per leaf. */
  readyCol: Float32Array | undefined;
  waitCol: Float32Array | undefined;
  startCol: Float64Array;
  /** Interval row ends; undefined for contiguous rows (next row's start, CPU c's last: lastEnd[c]). */
  endCol: Float64Array | undefined;
  lastEnd: Float64Array | undefined;
  cpuOffsets: Int32Array;
  r0: ArrayLike<number>;
  m0: Int32Array | null;
  s0: number;
  r1: ArrayLike<number>;
  m1: Int32Array | null;
  s1: number;
  r2: ArrayLike<number>;
  m2: Int32Array | null;
  s2: number;
  r3: ArrayLike<number>;
  m3: Int32Array | null;
  s3: number;
}

/**
 * Pass 1 over the rows (a module-level function on purpose: its locals stay in registers; inside
 * runPivot they would be captured by the aggregate closure and live in a heap context).
 */
function scanRows(args: ScanArgs): number {
  const {
    spec,
    filter,
    token,
    columns,
    strides,
    depth,
    generic,
    dense,
    sparse,
    leaves,
    addLeaf,
    leafOf,
    values,
    kinds,
    hasRowFilter,
    durationCol,
    weightCol,
    clipped,
    readyCol,
    waitCol,
    startCol,
    endCol,
    lastEnd,
    cpuOffsets,
    r0,
    m0,
    s0,
    r1,
    m1,
    s1,
    r2,
    m2,
    s2,
    r3,
    m3,
    s3,
  } = args;
  const rangeStart = filter.start;
  const rangeEnd = filter.end;
  let n = leaves.n;
  let sum = leaves.sum;
  let min = leaves.min;
  let max = leaves.max;
  let over = leaves.over;
  let rows = 0;
  try {
    const spans =
      args.spans ?? filter.cpus.flatMap((cpu) => [cpu, ...rowSpan(spec, cpu, rangeStart, filter.rowEnd)]);
    for (let q = 0; q < spans.length; q += 3) {
      const cpu = spans[q]!;
      const lo = spans[q + 1]!;
      const hi = spans[q + 2]!;
      const cpuRowEnd = cpuOffsets[cpu + 1] ?? 0;
      const cpuLastEnd = lastEnd?.[cpu] ?? Infinity;
      let cpuKey = 0;
      for (let k = 0; k < depth; k++) if (columns[k]!.rows === null) cpuKey += cpu * strides[k]!;
      for (let i = lo; i < hi; i++) {
        if ((i & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
        if (hasRowFilter && !rowPasses(spec, filter, i)) continue;
        let value: number;
        if (durationCol !== undefined) value = durationCol[i]!;
        else if (weightCol !== undefined) value = weightCol[i]!;
        else {
          const a = startCol[i]!;
          const b = endCol !== undefined ? endCol[i]! : i + 1 < cpuRowEnd ? startCol[i + 1]! : cpuLastEnd;
          value = (b < rangeEnd ? b : rangeEnd) - (a > rangeStart ? a : rangeStart);
          if (clipped && !(value > 0)) continue;
        }
        let key = cpuKey;
        if (generic) {
          for (let k = 0; k < depth; k++) {
            const column = columns[k]!;
            const rowCodes = column.rows;
            if (rowCodes === null) continue;
            const raw = rowCodes[i]!;
            key += (column.remap !== null ? column.remap[raw]! : raw) * strides[k]!;
          }
        } else {
          if (s0 !== 0) key += (m0 !== null ? m0[r0[i]!]! : r0[i]!) * s0;
          if (s1 !== 0) key += (m1 !== null ? m1[r1[i]!]! : r1[i]!) * s1;
          if (s2 !== 0) key += (m2 !== null ? m2[r2[i]!]! : r2[i]!) * s2;
          if (s3 !== 0) key += (m3 !== null ? m3[r3[i]!]! : r3[i]!) * s3;
        }
        let leaf: number;
        if (dense !== undefined) {
          leaf = dense[key]!;
          if (leaf < 0) {
            leaf = addLeaf(key);
            dense[key] = leaf;
            n = leaves.n;
            sum = leaves.sum;
            min = leaves.min;
            max = leaves.max;
            over = leaves.over;
          }
        } else {
          const found = sparse!.get(key);
          if (found === undefined) {
            leaf = addLeaf(key);
            sparse!.set(key, leaf);
            n = leaves.n;
            sum = leaves.sum;
            min = leaves.min;
            max = leaves.max;
            over = leaves.over;
          } else leaf = found;
        }
        leafOf[rows] = leaf;
        values[rows] = value;
        rows++;
        n[leaf]!++;
        sum[leaf]! += value;
        if (value < min[leaf]!) min[leaf] = value;
        if (value > max[leaf]!) max[leaf] = value;
        if (kinds !== undefined && value > (kinds[i]! >= 3 ? ISR_BUDGET_NS : DPC_BUDGET_NS)) over[leaf]!++;
        if (readyCol !== undefined) {
          const ready = readyCol[i]!;
          if (ready === ready) {
            leaves.ready[leaf]! += ready;
            leaves.readyN[leaf]!++;
          }
          const wait = waitCol![i]!;
          if (wait === wait) leaves.wait[leaf]! += wait;
        }
      }
    }
  } finally {
    if (dense !== undefined) for (const key of leaves.keys) dense[key] = -1;
  }
  return rows;
}

/** Scatters row values into leaf-rank order (module-level for the same reason as scanRows). */
function scatter(
  rows: number,
  leafOf: Int32Array,
  values: Float32Array,
  rankOf: Int32Array,
  fill: Int32Array,
  ordered: Float32Array,
  token: CancelToken,
): void {
  for (let j = 0; j < rows; j++) {
    if ((j & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
    ordered[fill[rankOf[leafOf[j]!]!]!++] = values[j]!;
  }
}
