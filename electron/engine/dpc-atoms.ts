// DPC/ISR "atoms": rows grouped by (CPU, type, routine) — every DPC/ISR group-by column is a
// function of these three — with each atom's durations sorted. A pivot over the whole trace then
// costs O(atoms · log rows) instead of O(rows): counts and sums per atom, min/max at the ends,
// over-budget and duration bounds by binary search, and exact nearest-rank percentiles of any
// union of atoms by bisection over the float32 bit patterns (order-preserving for values ≥ 0).
// Built lazily on the first whole-trace DPC pivot (one sort per atom), 4 bytes per row.

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

const perCpuCache = new WeakMap<EngineModel, DpcAtoms>();
const allCpuCache = new WeakMap<EngineModel, DpcAtoms>();

/**
 * Atoms per (CPU, type, routine), or with `perCpu` false per (type, routine) over all CPUs
 * (cpu = −1): 16× fewer atoms on a 16-CPU trace for the common "all CPUs, not by CPU" pivots.
 */
export function dpcAtoms(model: EngineModel, perCpu = true): DpcAtoms {
  const cache = perCpu ? perCpuCache : allCpuCache;
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  const dpc = model.dpc;
  const routines = model.dict.routineFunc.length;
  const kinds = 5;
  const slot = new Int32Array(Math.max(1, kinds * routines)).fill(-1);
  const atomCpu: number[] = [];
  const atomKind: number[] = [];
  const atomRoutine: number[] = [];
  const atomOfRow = new Int32Array(dpc.length);
  const counts: number[] = [];
  const groups = perCpu ? dpc.cpuOffsets.length - 1 : 1;
  for (let c = 0; c < groups; c++) {
    const lo = perCpu ? dpc.cpuOffsets[c]! : 0;
    const hi = perCpu ? dpc.cpuOffsets[c + 1]! : dpc.length;
    const touched: number[] = [];
    for (let i = lo; i < hi; i++) {
      const key = dpc.kind[i]! * routines + dpc.routine[i]!;
      let atom = slot[key]!;
      if (atom < 0) {
        atom = atomCpu.length;
        slot[key] = atom;
        touched.push(key);
        atomCpu.push(perCpu ? c : -1);
        atomKind.push(dpc.kind[i]!);
        atomRoutine.push(dpc.routine[i]!);
        counts.push(0);
      }
      atomOfRow[i] = atom;
      counts[atom]!++;
    }
    for (const key of touched) slot[key] = -1;
  }
  const count = atomCpu.length;
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  for (let a = 0, at = 0; a < count; a++) {
    start[a] = at;
    at += counts[a]!;
    end[a] = at;
  }
  const fill = start.slice();
  const sorted = new Float32Array(dpc.length);
  for (let i = 0; i < dpc.length; i++) sorted[fill[atomOfRow[i]!]!++] = dpc.duration[i]!;
  const sum = new Float64Array(count);
  for (let a = 0; a < count; a++) {
    const slice = sorted.subarray(start[a]!, end[a]!);
    slice.sort();
    let total = 0;
    for (let i = 0; i < slice.length; i++) total += slice[i]!;
    sum[a] = total;
  }
  const atoms: DpcAtoms = {
    count,
    cpu: Int32Array.from(atomCpu),
    kind: Uint8Array.from(atomKind),
    routine: Int32Array.from(atomRoutine),
    start,
    end,
    sum,
    sorted,
  };
  cache.set(model, atoms);
  return atoms;
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
