// Sample atoms: every sample row named by one small integer, the id of its distinct
// (stack node, module of the sampled address, process, DPC/ISR flags). The columns a stack view
// usually groups or filters sampled CPU by (process, module, dpcIsr) are functions of the atom, so a stack query reads one u32 per row in CPU/time order and adds into a per-atom total
// that stays in cache, instead of hashing (group, node) per row into a table too big for it.
//
//   rows ──(node, module, flags) → pair id ──(pair, process) → atom id──> key[row]   (once per model)
// (Not the thread: a pool's threads share their stacks, which would multiply the atoms; views by
// thread read rows.)
//   query: atom masks and group codes from one representative row per atom; rows → atom totals
//
// Built once per model (the module of a location does not change with symbols), 4 bytes per sample
// row; the engine builds it in its warm-up after load when the trace has stacks.

import type { EngineModel } from '../model.js';
import { AddressInterner } from '../partial.js';

/** Field widths of the two-level key (pair: node+1 · 2^18 + module · 4 + flags; atom: pair · 2^21 + process). */
const MODULE_LIMIT = 1 << 16;
const PROCESS_LIMIT = 1 << 21;
const NODE_LIMIT = 1 << 26;
/** Per-CPU atom totals kept up to this many (CPU, atom) pairs: 64 MiB of float64 pairs at most. */
const MAX_TOTALS = 1 << 22;

export interface SampleAtoms {
  /** Atom id of each sample row. */
  readonly key: Uint32Array;
  /**
   * Per CPU, each atom's count and weight over all the CPU's rows (interleaved, CPU-major:
   * [(cpu · count + atom) · 2]), so a query over a CPU's whole time — or most of it, minus the
   * rows outside its range — adds `count` totals instead of reading every row. Undefined when
   * CPUs × atoms would pass MAX_TOTALS.
   */
  readonly cpuTotals: Float64Array | undefined;
  readonly count: number;
  /** One row of each atom (every column the atom fixes reads the same there). */
  readonly row: Int32Array;
  /** The atom's stack node (−1: no stack). */
  readonly node: Int32Array;
}

const cache = new WeakMap<EngineModel, SampleAtoms | null>();

/** The model's sample atoms, or undefined when samples have no stacks or the key would not fit. */
export function sampleAtoms(model: EngineModel): SampleAtoms | undefined {
  const known = cache.get(model);
  if (known !== undefined) return known ?? undefined;
  const built = build(model);
  cache.set(model, built);
  return built ?? undefined;
}

function build(model: EngineModel): SampleAtoms | null {
  const samples = model.samples;
  const stack = samples.stack;
  if (stack === undefined) return null;
  const { locations, modules } = model.dict;
  if (
    modules.length > MODULE_LIMIT ||
    model.dict.processLabels.length > PROCESS_LIMIT ||
    model.stacks.count + 1 >= NODE_LIMIT
  )
    return null;
  const locationModule = Int32Array.from(locations.group, (g) => locations.groupModule[g]!);
  const n = samples.length;
  const key = new Uint32Array(n);
  const pairs = new AddressInterner();
  const atoms = new AddressInterner();
  let pairCount = 0;
  const rows: number[] = [];
  const nodes: number[] = [];
  const { location, flags, thread } = samples;
  const threadProcess = model.dict.threadProcess;
  // Consecutive rows often repeat an atom (a thread spinning in one place): skip the hashes then.
  let lastPairKey = -1;
  let lastPair = -1;
  let lastAtomKey = -1;
  let lastAtom = -1;
  const dense = stack.dense;
  const sparseRows = stack.rows;
  const sparseNodes = stack.nodes;
  let k = 0;
  for (let i = 0; i < n; i++) {
    let node = -1;
    if (dense !== undefined) node = dense[i]!;
    else if (k < sparseRows.length && sparseRows[k] === i) node = sparseNodes[k++]!;
    const pairKey = (node + 1) * (MODULE_LIMIT * 4) + locationModule[location[i]!]! * 4 + (flags[i]! & 3);
    let pair = lastPair;
    if (pairKey !== lastPairKey) {
      pair = pairs.intern(pairKey, pairCount);
      if (pair === pairCount) pairCount++;
      lastPairKey = pairKey;
      lastPair = pair;
    }
    const atomKey = pair * PROCESS_LIMIT + threadProcess[thread[i]!]!;
    let atom = lastAtom;
    if (atomKey !== lastAtomKey) {
      atom = atoms.intern(atomKey, rows.length);
      if (atom === rows.length) {
        rows.push(i);
        nodes.push(node);
      }
      lastAtomKey = atomKey;
      lastAtom = atom;
    }
    key[i] = atom;
  }
  const count = rows.length;
  const cpus = samples.cpuOffsets.length - 1;
  let cpuTotals: Float64Array | undefined;
  if (cpus * count <= MAX_TOTALS) {
    cpuTotals = new Float64Array(2 * cpus * count);
    const weight = samples.weight;
    for (let cpu = 0; cpu < cpus; cpu++) {
      const base = 2 * cpu * count;
      for (let i = samples.cpuOffsets[cpu]!; i < samples.cpuOffsets[cpu + 1]!; i++) {
        const at = base + 2 * key[i]!;
        cpuTotals[at]! += 1;
        cpuTotals[at + 1]! += weight[i]!;
      }
    }
  }
  return { key, cpuTotals, count, row: Int32Array.from(rows), node: Int32Array.from(nodes) };
}
