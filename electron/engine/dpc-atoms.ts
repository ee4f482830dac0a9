// DPC/ISR "atoms": rows grouped by (CPU, type, routine) — every DPC/ISR group-by column is a
// function of these three — with each atom's durations sorted. A pivot over the whole trace then
// costs O(atoms · log rows) instead of O(rows): counts and sums per atom, min/max at the ends,
// over-budget and duration bounds by binary search, and exact nearest-rank percentiles of any
// union of atoms by bisection over the float32 bit patterns (order-preserving for values ≥ 0).
// Built lazily on the first whole-trace DPC pivot, or all levels at once by the engine's warm-up
// from one radix sort of the rows by duration, 4 bytes per row per level.

import type { EngineModel } from './model.js';

export interface DpcAtoms {
  readonly count: number;
  readonly cpu: Int32Array;
  readonly kind: Uint8Array;
  readonly routine: Int32Array;
  /** Slice of `sorted` holding the atom's durations (ascending). */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly sum: Float64Array;
  readonly sorted: Float32Array;
}

/** Rows per time block of a CPU in the block atoms: a range pivot scans at most two partial
 *  blocks per CPU (≤ 8 K rows, well under 1 ms) and combines whole blocks from their atoms;
 *  smaller blocks mean more atoms per range (slower percentile bisection), larger ones longer
 *  edge scans. */
export const DPC_BLOCK_ROWS = 4096;
/** Blocks per super block (a second, coarser level of atoms): a wide range takes whole super
 *  blocks plus at most 15 blocks at each end, ~8× fewer atom entries than blocks alone. */
export const BLOCKS_PER_SUPER = 16;
/** Block atoms are not built when there would be more than one atom per this many rows: a
 *  range pivot pays ~100 scanned rows per atom entry and group level (query-pivot.ts), so with
 *  fewer rows per atom it always scans. */
export const MIN_ROWS_PER_BLOCK_ATOM = 200;

/** Atoms per (CPU, time block, type, routine) and per (CPU, super block, type, routine), for
 *  range pivots; both levels index the same `sorted` array. */
export interface DpcBlockAtoms extends DpcAtoms {
  readonly blockRows: number;
  readonly blocksPerSuper: number;
  /** Blocks of CPU c are cpuBlocks[c] .. cpuBlocks[c+1]; block k of CPU c starts at row
   *  dpc.cpuOffsets[c] + k · blockRows. */
  readonly cpuBlocks: Int32Array;
  /** Atoms of block b are blockAtoms[b] .. blockAtoms[b+1]. */
  readonly blockAtoms: Int32Array;
  /** Super blocks of CPU c are cpuSupers[c] .. cpuSupers[c+1] (super block k = blocks
   *  k·blocksPerSuper .. of that CPU); their atoms are superAtoms[s] .. superAtoms[s+1]. */
  readonly cpuSupers: Int32Array;
  readonly superAtoms: Int32Array;
  /** `sorted` has free room from here to its end (2 blocks per CPU): a query's edge rows are
   *  sorted there so they join the atoms' percentile selection. */
  readonly spareStart: number;
}

const perCpuCache = new WeakMap<EngineModel, DpcAtoms>();
const allCpuCache = new WeakMap<EngineModel, DpcAtoms>();
const blockCache = new WeakMap<EngineModel, DpcBlockAtoms | null>();

/**
 * Atoms per (CPU, type, routine), or with `perCpu` false per (type, routine) over all CPUs
 * (cpu = −1): 16× fewer atoms on a 16-CPU trace for the common "all CPUs, not by CPU" pivots.
 */
export function dpcAtoms(model: EngineModel, perCpu = true): DpcAtoms {
  const cache = perCpu ? perCpuCache : allCpuCache;
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  let atoms: DpcAtoms;
  if (perCpu) {
    const offsets = model.dpc.cpuOffsets;
    const segments: number[] = [];
    for (let c = 0; c + 1 < offsets.length; c++) segments.push(offsets[c]!, offsets[c + 1]!, c);
    atoms = collectAtoms(model, [segments], 0, Infinity)!.atoms;
  } else atoms = mergeCpuAtoms(model, dpcAtoms(model, true));
  cache.set(model, atoms);
  return atoms;
}

/**
 * The (type, routine) atoms over all CPUs from the per-CPU ones: each key's CPU slices, already
 * sorted, merged pairwise (sequential reads; ~10× cheaper than scattering every row again, which
 * gathers each row's atom at random). Atoms come in the order a scan of the rows first meets
 * their key (CPU by CPU), as if built from the rows.
 */
function mergeCpuAtoms(model: EngineModel, perCpu: DpcAtoms): DpcAtoms {
  const routines = model.dict.routineLocation.length;
  const slot = new Map<number, number>();
  const members: number[][] = [];
  const kinds: number[] = [];
  const routineOf: number[] = [];
  for (let a = 0; a < perCpu.count; a++) {
    const key = perCpu.kind[a]! * routines + perCpu.routine[a]!;
    let atom = slot.get(key);
    if (atom === undefined) {
      atom = members.length;
      slot.set(key, atom);
      members.push([]);
      kinds.push(perCpu.kind[a]!);
      routineOf.push(perCpu.routine[a]!);
    }
    members[atom]!.push(a);
  }
  const count = members.length;
  const total = members.reduce(
    (n, list) => n + list.reduce((m, a) => m + perCpu.end[a]! - perCpu.start[a]!, 0),
    0,
  );
  const sorted = new Float32Array(total);
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  const sum = new Float64Array(count);
  let scratch = new Float32Array(0);
  let at = 0;
  for (let atom = 0; atom < count; atom++) {
    const list = members[atom]!;
    start[atom] = at;
    // The slices side by side, then runs merged pairwise until one is left.
    let bounds: number[] = [at];
    for (const a of list) {
      sorted.set(perCpu.sorted.subarray(perCpu.start[a]!, perCpu.end[a]!), at);
      at += perCpu.end[a]! - perCpu.start[a]!;
      bounds.push(at);
    }
    end[atom] = at;
    const length = at - start[atom]!;
    if (bounds.length > 2) {
      if (scratch.length < length) scratch = new Float32Array(length);
      const base = start[atom]!;
      let from: Float32Array = sorted;
      let to: Float32Array = scratch;
      let fromBase = base;
      let toBase = 0;
      while (bounds.length > 2) {
        const next: number[] = [];
        for (let r = 0; r + 1 < bounds.length; r += 2) {
          const lo = bounds[r]! - base;
          const mid = bounds[r + 1]! - base;
          const hi = r + 2 < bounds.length ? bounds[r + 2]! - base : mid;
          next.push(bounds[r]!);
          let i = lo;
          let j = mid;
          let k = lo;
          // Ties take the left run: a stable merge, as the rows' scatter in duration order gives.
          while (i < mid && j < hi) {
            const x = from[fromBase + i]!;
            const y = from[fromBase + j]!;
            if (y < x || (x !== x && y === y)) {
              to[toBase + k++] = y;
              j++;
            } else {
              to[toBase + k++] = x;
              i++;
            }
          }
          while (i < mid) to[toBase + k++] = from[fromBase + i++]!;
          while (j < hi) to[toBase + k++] = from[fromBase + j++]!;
        }
        // (An odd run out was copied as a pair with an empty second run: hi = mid.)
        next.push(bounds[bounds.length - 1]!);
        bounds = next;
        [from, to] = [to, from];
        [fromBase, toBase] = [toBase, fromBase];
      }
      if (from !== sorted) sorted.set(from.subarray(fromBase, fromBase + length), base);
    }
    let s = 0;
    for (let i = start[atom]!; i < at; i++) s += sorted[i]!;
    sum[atom] = s;
  }
  return {
    count,
    cpu: new Int32Array(count).fill(-1),
    kind: Uint8Array.from(kinds),
    routine: Int32Array.from(routineOf),
    start,
    end,
    sum,
    sorted,
  };
}

/** Whether the atoms of that level exist (a query can then use them at no cost). */
export function hasDpcAtoms(model: EngineModel, perCpu: boolean): boolean {
  return (perCpu ? perCpuCache : allCpuCache).has(model);
}

/** Block and super-block atoms; built once per model (like dpcAtoms). Undefined when blocks
 *  hold so many distinct (type, routine) pairs that row scans are faster. */
export function dpcBlockAtoms(model: EngineModel): DpcBlockAtoms | undefined {
  const cached = blockCache.get(model);
  if (cached !== undefined) return cached ?? undefined;
  const offsets = model.dpc.cpuOffsets;
  const cpuSlots = offsets.length - 1;
  const cpuBlocks = new Int32Array(cpuSlots + 1);
  const cpuSupers = new Int32Array(cpuSlots + 1);
  const blockSegments: number[] = [];
  const superSegments: number[] = [];
  const superRows = DPC_BLOCK_ROWS * BLOCKS_PER_SUPER;
  for (let c = 0; c < cpuSlots; c++) {
    cpuBlocks[c] = blockSegments.length / 3;
    cpuSupers[c] = superSegments.length / 3;
    for (let lo = offsets[c]!; lo < offsets[c + 1]!; lo += DPC_BLOCK_ROWS)
      blockSegments.push(lo, Math.min(lo + DPC_BLOCK_ROWS, offsets[c + 1]!), c);
    for (let lo = offsets[c]!; lo < offsets[c + 1]!; lo += superRows)
      superSegments.push(lo, Math.min(lo + superRows, offsets[c + 1]!), c);
  }
  cpuBlocks[cpuSlots] = blockSegments.length / 3;
  cpuSupers[cpuSlots] = superSegments.length / 3;
  const blockCount = blockSegments.length / 3;
  const collected = collectAtoms(
    model,
    [blockSegments, superSegments],
    2 * DPC_BLOCK_ROWS * cpuSlots,
    Math.floor(model.dpc.length / MIN_ROWS_PER_BLOCK_ATOM),
    true,
  );
  if (collected === undefined) {
    blockCache.set(model, null);
    return undefined;
  }
  const { atoms, segmentAtoms } = collected;
  const result: DpcBlockAtoms = {
    ...atoms,
    blockRows: DPC_BLOCK_ROWS,
    blocksPerSuper: BLOCKS_PER_SUPER,
    cpuBlocks,
    blockAtoms: segmentAtoms.slice(0, blockCount + 1),
    cpuSupers,
    superAtoms: segmentAtoms.slice(blockCount),
    spareStart: 2 * model.dpc.length,
  };
  blockCache.set(model, result);
  return result;
}

/** Radix digits of the row-order sort: 11 + 11 + 10 bits cover a float32 in three counting
 *  passes over 2,048 buckets (fits in L1); 16-bit digits would need two passes but a 64K-bucket
 *  histogram that misses the cache on every row. */
const RADIX_BITS = 11;
const RADIX_PASSES = 3;

/** Rows in ascending order of a column's values, and the values in that order. */
export interface ValueOrder {
  readonly rows: Int32Array;
  /** values[k] = the column's value at rows[k] (NaN as the canonical NaN). */
  readonly values: Float32Array;
}

/**
 * Row indices 0..n−1 in ascending order of `values` (float32, any sign; NaN last, as
 * TypedArray.sort orders them), by an LSD radix sort of the order-preserving bit patterns: three
 * O(n) counting passes, a pass skipped when every row has the same digit (the sign and exponent
 * bits of durations mostly agree). Scattering rows in this order into per-atom slices leaves
 * every slice sorted, so one sort serves the whole-trace atom levels. The sorted keys are decoded
 * back into the values, so the scatter reads them in order instead of gathering each row's value
 * from the column (a cache miss per row per level).
 */
export function sortByValue(values: Float32Array): ValueOrder {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let keys = new Uint32Array(n);
  let rows = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i]!;
    // Negative floats order reversed and before the positive ones: flip all bits; positive ones
    // get the sign bit set. Every NaN (exponent all ones, mantissa ≠ 0, either sign) goes last.
    keys[i] = (b & 0x7fffffff) > 0x7f800000 ? 0xffffffff : b >>> 31 === 1 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    rows[i] = i;
  }
  let nextKeys = new Uint32Array(n);
  let nextRows = new Int32Array(n);
  const count = new Int32Array(1 << RADIX_BITS);
  for (let pass = 0; pass < RADIX_PASSES; pass++) {
    const shift = pass * RADIX_BITS;
    const mask = (1 << RADIX_BITS) - 1;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i]! >>> shift) & mask]!++;
    if (n === 0 || count[(keys[0]! >>> shift) & mask] === n) continue;
    for (let d = 0, at = 0; d < count.length; d++) {
      const c = count[d]!;
      count[d] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const to = count[(k >>> shift) & mask]!++;
      nextKeys[to] = k;
      nextRows[to] = rows[i]!;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [rows, nextRows] = [nextRows, rows];
  }
  // Decode in place: the key buffer becomes the sorted values.
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    keys[i] = k === 0xffffffff ? 0x7fc00000 : k >>> 31 === 1 ? (k ^ 0x80000000) >>> 0 : ~k >>> 0;
  }
  return { rows, values: new Float32Array(keys.buffer, 0, n) };
}

/** Row order by duration, kept while one warm-up builds several atom levels. */
const rowOrderCache = new WeakMap<EngineModel, ValueOrder>();

/** Builds every atom level from one row sort (the engine's warm-up after a load). */
export function buildAllDpcAtoms(model: EngineModel): void {
  for (const _ of buildAllDpcAtomsSteps(model));
}

/**
 * buildAllDpcAtoms one level at a time: the engine worker yields between steps, so queries that
 * need no atoms (the graphs' series) are answered meanwhile. Yields true once whole-trace pivots
 * are fast (the per-CPU level: one radix sort of the rows and a scatter); the CPU-less level
 * (merged from it) and the time-block levels for zoomed ranges come after. Returning early (or
 * throwing) leaves the levels built so far; later queries build the rest.
 */
export function* buildAllDpcAtomsSteps(model: EngineModel): Generator<boolean, void, undefined> {
  rowOrderCache.set(model, sortByValue(model.dpc.duration));
  try {
    yield false;
    dpcAtoms(model, true);
  } finally {
    rowOrderCache.delete(model);
  }
  // Whole-trace pivots are answered from the per-CPU level from here on; the CPU-less level is
  // merged from it (mergeCpuAtoms: no row order needed) for fewer atoms per query.
  yield true;
  dpcAtoms(model, false);
  yield false;
  // The block levels sort in place (collectAtoms `local`): no row order needed.
  dpcBlockAtoms(model);
}

/** Atoms of the rows of each layer's segments (lo, hi, cpu triplets; the segments of one layer
 *  are disjoint, layers may overlap); `spare` free floats after the sorted durations. `local`
 *  (short segments: the time blocks) sorts each atom's slice where it lies instead of scattering
 *  the rows in duration order: with thousands of atoms that scatter writes all over `sorted`
 *  (1.2 s for the two block levels of 2.5 M rows on this VM, vs ~0.5 s sorted in place).
 *  segmentAtoms[k] is the first atom of segment k, counting segments through the layers in order.
 *  Undefined (nothing sorted) when the first layer has more than `maxAtoms` atoms. */
function collectAtoms(
  model: EngineModel,
  layers: readonly (readonly number[])[],
  spare: number,
  maxAtoms: number,
  local = false,
): { atoms: DpcAtoms; segmentAtoms: Int32Array } | undefined {
  const dpc = model.dpc;
  const n = dpc.length;
  const routines = model.dict.routineLocation.length;
  const kinds = 5;
  const slot = new Int32Array(Math.max(1, kinds * routines)).fill(-1);
  const atomCpu: number[] = [];
  const atomKind: number[] = [];
  const atomRoutine: number[] = [];
  const atomStart: number[] = [];
  const segmentCount = layers.reduce((k, layer) => k + layer.length / 3, 0);
  const values = layers.reduce((v, layer) => {
    for (let g = 0; g < layer.length; g += 3) v += layer[g + 1]! - layer[g]!;
    return v;
  }, 0);
  const segmentAtoms = new Int32Array(segmentCount + 1);
  /** Atom of each row in the current layer (−1: no segment of the layer covers it). */
  const rowAtom = new Int32Array(n);
  let sorted: Float32Array | undefined;
  let order: ValueOrder | undefined;
  let segment = 0;
  let at = 0;
  for (let layerIndex = 0; layerIndex < layers.length; layerIndex++) {
    const layer = layers[layerIndex]!;
    const layerFirst = atomCpu.length;
    const counts: number[] = [];
    rowAtom.fill(-1);
    for (let g = 0; g < layer.length; g += 3, segment++) {
      const lo = layer[g]!;
      const hi = layer[g + 1]!;
      const cpu = layer[g + 2]!;
      segmentAtoms[segment] = atomCpu.length;
      const first = atomCpu.length;
      for (let i = lo; i < hi; i++) {
        const key = dpc.kind[i]! * routines + dpc.routine[i]!;
        let atom = slot[key]!;
        if (atom < 0) {
          atom = atomCpu.length;
          slot[key] = atom;
          atomCpu.push(cpu);
          atomKind.push(dpc.kind[i]!);
          atomRoutine.push(dpc.routine[i]!);
          counts.push(0);
        }
        counts[atom - layerFirst]!++;
        rowAtom[i] = atom - layerFirst;
      }
      for (let a = first; a < atomCpu.length; a++) slot[atomKind[a]! * routines + atomRoutine[a]!] = -1;
    }
    if (layerIndex === 0 && atomCpu.length > maxAtoms) return undefined;
    // Each atom's slice, then the rows scattered into them in duration order: sorted slices.
    const fill = new Int32Array(counts.length);
    for (let a = 0; a < counts.length; a++) {
      atomStart.push(at);
      fill[a] = at;
      at += counts[a]!;
    }
    sorted ??= new Float32Array(values + spare);
    if (local) {
      // Segment by segment: its rows into its atoms' slices (reads in row order, writes within
      // the segment's part of `sorted`), then each slice sorted where it lies (in cache).
      const duration = dpc.duration;
      for (let g = 0, seg = segment - layer.length / 3; g < layer.length; g += 3, seg++) {
        for (let i = layer[g]!; i < layer[g + 1]!; i++) sorted[fill[rowAtom[i]!]!++] = duration[i]!;
        const last = g + 3 < layer.length ? segmentAtoms[seg + 1]! : atomCpu.length;
        for (let a = segmentAtoms[seg]!; a < last; a++)
          sortSlice(sorted, atomStart[a]!, a + 1 < atomStart.length ? atomStart[a + 1]! : at);
      }
    } else {
      // Rows in duration order (one sort for every level) scattered into their atoms' slices:
      // each slice comes out sorted; the values are read in order, only the row's atom is gathered.
      order ??= rowOrderCache.get(model) ?? sortByValue(dpc.duration);
      const orderRows = order.rows;
      const orderValues = order.values;
      // The gather is random: a byte per row (2.5 MB for 2.5 M rows) stays in cache far more
      // than 4 (the whole-trace levels have tens to hundreds of atoms; 255 = no atom). One loop
      // per array type on purpose: one loop over either would make every access polymorphic.
      const layerAtoms = counts.length;
      if (layerAtoms < 255) {
        const rowAtom8 = new Uint8Array(n);
        for (let i = 0; i < n; i++) rowAtom8[i] = rowAtom[i]! < 0 ? 255 : rowAtom[i]!;
        for (let k = 0; k < n; k++) {
          const a = rowAtom8[orderRows[k]!]!;
          if (a !== 255) sorted[fill[a]!++] = orderValues[k]!;
        }
      } else if (layerAtoms < 65535) {
        const rowAtom16 = new Uint16Array(n);
        for (let i = 0; i < n; i++) rowAtom16[i] = rowAtom[i]! < 0 ? 65535 : rowAtom[i]!;
        for (let k = 0; k < n; k++) {
          const a = rowAtom16[orderRows[k]!]!;
          if (a !== 65535) sorted[fill[a]!++] = orderValues[k]!;
        }
      } else
        for (let k = 0; k < n; k++) {
          const a = rowAtom[orderRows[k]!]!;
          if (a >= 0) sorted[fill[a]!++] = orderValues[k]!;
        }
    }
  }
  segmentAtoms[segmentCount] = atomCpu.length;
  sorted ??= new Float32Array(values + spare);
  const count = atomCpu.length;
  const start = Int32Array.from(atomStart);
  const end = new Int32Array(count);
  for (let a = 0; a < count; a++) end[a] = a + 1 < count ? start[a + 1]! : at;
  const sum = new Float64Array(count);
  for (let a = 0; a < count; a++) {
    let total = 0;
    for (let i = start[a]!; i < end[a]!; i++) total += sorted[i]!;
    sum[a] = total;
  }
  return {
    atoms: {
      count,
      cpu: Int32Array.from(atomCpu),
      kind: Uint8Array.from(atomKind),
      routine: Int32Array.from(atomRoutine),
      start,
      end,
      sum,
      sorted,
    },
    segmentAtoms,
  };
}

/** Slices up to this long are insertion-sorted (a subarray view and a sort call cost more). */
const INSERTION_SORT_MAX = 24;

/** Sorts values[lo..hi) ascending (NaN last, as TypedArray.sort). */
export function sortSlice(values: Float32Array, lo: number, hi: number): void {
  if (hi - lo <= 1) return;
  if (hi - lo > INSERTION_SORT_MAX) {
    values.subarray(lo, hi).sort();
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = values[i]!;
    let j = i - 1;
    // Larger values move right, and NaN past any number: NaN ends last, as sort() puts it.
    while (j >= lo && (values[j]! > v || (values[j]! !== values[j]! && v === v))) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
}

/** First index in sorted[lo..hi) with value > v. */
export function countAtMost(sorted: Float32Array, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** First index in sorted[lo..hi) with value >= v. */
export function countBelow(sorted: Float32Array, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const bitsToFloat = new Float32Array(1);
const floatBits = new Uint32Array(bitsToFloat.buffer);

/**
 * The value of 0-based `rank` in the union of sorted slices [from[e], to[e]) for e in [e0, e1):
 * the smallest float v with #(values ≤ v) > rank, found by bisection over float bit patterns.
 * Each slice keeps a window [low, high) of positions still undecided (values between the
 * bisection bounds), so later probes search ever smaller windows, and slices whose window is
 * empty drop out of the loop.
 */
export function unionSelect(
  sorted: Float32Array,
  from: Int32Array,
  to: Int32Array,
  e0: number,
  e1: number,
  rank: number,
): number {
  if (e1 - e0 === 1) return sorted[from[e0]! + rank]!;
  const count = e1 - e0;
  const low = new Int32Array(count);
  const high = new Int32Array(count);
  const base = new Int32Array(count);
  const position = new Int32Array(count);
  let minValue = Infinity;
  let maxValue = -Infinity;
  for (let k = 0; k < count; k++) {
    const a = from[e0 + k]!;
    const b = to[e0 + k]!;
    low[k] = a;
    high[k] = b;
    base[k] = a;
    if (b > a) {
      if (sorted[a]! < minValue) minValue = sorted[a]!;
      if (sorted[b - 1]! > maxValue) maxValue = sorted[b - 1]!;
    }
  }
  bitsToFloat[0] = minValue;
  let lo = floatBits[0]!;
  bitsToFloat[0] = maxValue;
  let hi = floatBits[0]!;
  // Counted values ≤ everything below `lo` from slices that left the active set.
  let settled = 0;
  let active = count;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    floatBits[0] = mid;
    const v = bitsToFloat[0]!;
    let atMost = settled;
    for (let k = 0; k < active; k++) {
      const p = countAtMost(sorted, v, low[k]!, high[k]!);
      position[k] = p;
      atMost += p - base[k]!;
    }
    const goLow = atMost > rank;
    if (goLow) hi = mid;
    else lo = mid + 1;
    for (let k = 0; k < active; k++) {
      const p = position[k]!;
      if (goLow) high[k] = p;
      else low[k] = p;
      if (low[k] === high[k]) {
        settled += low[k]! - base[k]!;
        active--;
        low[k] = low[active]!;
        high[k] = high[active]!;
        base[k] = base[active]!;
        position[k] = position[active]!;
        k--;
      }
    }
  }
  floatBits[0] = lo;
  return bitsToFloat[0]!;
}

/** True when `cpus` lists every CPU that has DPC/ISR rows (so CPU-less atoms can answer). */
export function coversEveryDpcCpu(model: EngineModel, cpus: readonly number[]): boolean {
  const listed = new Set(cpus);
  const offsets = model.dpc.cpuOffsets;
  for (let c = 0; c + 1 < offsets.length; c++)
    if (offsets[c + 1]! > offsets[c]! && !listed.has(c)) return false;
  return true;
}

/** The group/filter code of column `rows`/`remap` for atom `a` (the cpu column has rows null). */
export function atomCode(
  model: EngineModel,
  atoms: DpcAtoms,
  column: { rows: ArrayLike<number> | null; remap: Int32Array | null },
  a: number,
): number {
  if (column.rows === null) return atoms.cpu[a]!;
  const raw = column.rows === model.dpc.kind ? atoms.kind[a]! : atoms.routine[a]!;
  return column.remap !== null ? column.remap[raw]! : raw;
}
