// StackQuery: the stack views (WPA's Stack column; PerfView's call tree, callers and callees) over
// sampled CPU or DPC/ISR events, under the same filters as every table.
//
//   1. one pass over the filtered rows (per CPU, binary-searched to the range): each row adds its
//      count and weight to the slot (group key, stack node) — a dense array while the product of
//      the two fits DENSE_SLOT_LIMIT, a hash beyond. Distinct slots are the "entries".
//   2. each entry's path as the view reads it, in functions (stack node locations through the
//      current symbolization, so names follow symbol loads): root → leaf (top-down), leaf → root
//      (bottom-up), from the focus function up (callers) or down (callees)
//   3. the tree is grown best first, never whole: a node is a range of entries; expanding it
//      partitions its entries by their next key (group code at the group levels, then the path's
//      function at that depth; entries whose path ends there are the node's own rows, `<itself>`),
//      and the heaviest unexpanded node is expanded next until maxNodes. The cost follows the result,
//      not the size of the full tree (a 40-module DPC/ISR view of 10 M samples has ~10^5 paths).
//
// Scratch arrays live in StackScratch and are reused across queries.

import {
  STACK_VIEWS,
  TABLE_COLUMNS,
  type GroupColumn,
  type StackQuery,
  type StackResult,
  type StackTreeNode,
  type TableId,
} from '../../../shared/contract.js';
import type { EngineModel } from '../model.js';
import { AddressInterner } from '../partial.js';
import { sampleAtoms, type SampleAtoms } from './sample-atoms.js';
import {
  CANCEL_CHECK_MASK,
  cancelledError,
  EngineError,
  measureOf,
  resolveFilter,
  rowPasses,
  rowSpan,
  type CancelToken,
  type ColumnSpec,
  type ResolvedFilter,
  type TableSpec,
} from '../query-common.js';

/** Dense accumulation up to this many (group, node) slots: 2 × 32 MiB of float64 at most, reused. */
const DENSE_SLOT_LIMIT = 1 << 22;
const DEFAULT_MAX_DEPTH = 256;
const MAX_DEPTH_LIMIT = 4096;
/** Result nodes by default: a screenful of expanded tree many times over, small on the wire. */
const DEFAULT_MAX_NODES = 2000;
const MAX_NODES_LIMIT = 100_000;

const KIND_ROOT = 0;
const KIND_GROUP = 1;
const KIND_FRAME = 2;
const KIND_NO_STACK = 3;
const KIND_NAMES = ['root', 'group', 'frame', 'no-stack'] as const;

/** Reused accumulation arrays (one set per engine). */
export class StackScratch {
  counts = new Float64Array(0);
  weights = new Float64Array(0);
  /** Per sample atom: count, weight (interleaved: one cache line per atom). */
  atomTotals = new Float64Array(0);

  ensureAtoms(n: number): void {
    if (this.atomTotals.length < 2 * n) this.atomTotals = new Float64Array(2 * n);
  }

  ensure(n: number): void {
    if (this.counts.length < n) {
      this.counts = new Float64Array(n);
      this.weights = new Float64Array(n);
    }
  }
}

export function runStacks(
  model: EngineModel,
  specs: Record<TableId, TableSpec>,
  query: StackQuery,
  token: CancelToken,
  scratch: StackScratch,
): StackResult {
  if (query.table !== 'cpuSampled' && query.table !== 'dpcIsr')
    throw new EngineError(
      `Stacks are kept for cpuSampled and dpcIsr, not "${String(query.table)}".`,
      'bad-request',
    );
  if (!STACK_VIEWS.includes(query.view))
    throw new EngineError(`Unknown stack view "${String(query.view)}".`, 'bad-request');
  if (!Array.isArray(query.groupBy))
    throw new EngineError('groupBy must be a list of columns.', 'bad-request');
  if (new Set(query.groupBy).size !== query.groupBy.length)
    throw new EngineError('A column appears twice in groupBy.', 'bad-request');
  const focused = query.view === 'callers' || query.view === 'callees';
  if (focused && (typeof query.focus !== 'string' || query.focus === ''))
    throw new EngineError(`The ${query.view} view needs a focus function.`, 'bad-request');
  const maxDepth = clampInt(query.maxDepth, DEFAULT_MAX_DEPTH, 1, MAX_DEPTH_LIMIT, 'maxDepth');
  const maxNodes = clampInt(query.maxNodes, DEFAULT_MAX_NODES, 1, MAX_NODES_LIMIT, 'maxNodes');
  const spec = specs[query.table];
  const groupBy: readonly GroupColumn[] = query.groupBy;
  const columns: ColumnSpec[] = groupBy.map((name) => {
    const column = spec.columns[name];
    if (column === undefined || !TABLE_COLUMNS[query.table].includes(name))
      throw new EngineError(`The ${query.table} table has no column "${String(name)}".`, 'bad-request');
    return column;
  });
  const filter = resolveFilter(model, spec, query.filter);
  const stackOf = query.table === 'cpuSampled' ? model.samples.stack : model.dpc.stack;
  const stacks = model.stacks;
  const symbols = model.symbols;

  // 1. Rows → (group key, node slot) totals.
  const strides = new Array<number>(columns.length).fill(1);
  let groupSpace = 1;
  for (let k = columns.length - 1; k >= 0; k--) {
    strides[k] = groupSpace;
    groupSpace *= Math.max(1, columns[k]!.cardinality);
  }
  const nodeSlots = stacks.count + 1;
  if (groupSpace * nodeSlots > Number.MAX_SAFE_INTEGER)
    throw new EngineError('Too many group and stack combinations.', 'bad-request');
  const dense = groupSpace * nodeSlots <= DENSE_SLOT_LIMIT;
  const touched: number[] = [];
  let sparseKeys: AddressInterner | undefined;
  let counts: Float64Array;
  let weights: Float64Array;
  if (dense) {
    scratch.ensure(groupSpace * nodeSlots);
    counts = scratch.counts;
    weights = scratch.weights;
  } else {
    sparseKeys = new AddressInterner();
    counts = new Float64Array(1024);
    weights = new Float64Array(1024);
  }
  let rowsWithoutStack = 0;
  const add = (key: number, c: number, w: number): void => {
    let slot = key;
    if (!dense) {
      slot = sparseKeys!.intern(key, touched.length);
      if (slot === touched.length) {
        touched.push(key);
        if (slot === counts.length) {
          counts = grow(counts);
          weights = grow(weights);
        }
      }
    } else if (counts[slot] === 0) touched.push(slot);
    counts[slot]! += c;
    weights[slot]! += w;
  };
  const rowGroup = (cpu: number, i: number): number => {
    let group = 0;
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!;
      const code = c.rows === null ? cpu : c.remap !== null ? c.remap[c.rows[i]!]! : c.rows[i]!;
      group += code * strides[k]!;
    }
    return group;
  };
  const atoms = query.table === 'cpuSampled' ? atomsFor(model, spec, groupBy, filter) : undefined;
  try {
    if (atoms !== undefined) {
      // Rows → atom totals (one u32 read per row), then atoms → (group, node) slots.
      const k = atoms.count;
      scratch.ensureAtoms(k);
      const acc = scratch.atomTotals;
      const pass = new Uint8Array(k);
      for (let a = 0; a < k; a++) pass[a] = rowPasses(spec, filter, atoms.row[a]!) ? 1 : 0;
      const key = atoms.key;
      const weight = model.samples.weight;
      try {
        for (const cpu of filter.cpus) {
          const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
          const first = model.samples.cpuOffsets[cpu] ?? 0;
          const last = model.samples.cpuOffsets[cpu + 1] ?? 0;
          // Most of the CPU's rows in range: its totals, minus the rows outside (never reads more
          // than half the CPU's rows); else the rows in range, in slices between cancel checks.
          const totals = atoms.cpuTotals;
          const fromTotals = totals !== undefined && 2 * (hi - lo) > last - first;
          if (fromTotals) {
            addAtomTotals(totals, cpu * k, k, pass, acc);
            for (const [from, to] of [
              [first, lo],
              [hi, last],
            ] as const)
              for (let at = from; at < to; at += ATOM_SLICE_ROWS) {
                if (token.cancelled) throw cancelledError();
                addAtomRows(key, pass, acc, weight, at, Math.min(to, at + ATOM_SLICE_ROWS), -1);
              }
          } else
            for (let at = lo; at < hi; at += ATOM_SLICE_ROWS) {
              if (token.cancelled) throw cancelledError();
              addAtomRows(key, pass, acc, weight, at, Math.min(hi, at + ATOM_SLICE_ROWS), 1);
            }
        }
        for (let a = 0; a < k; a++) {
          const c = acc[2 * a]!;
          if (c === 0) continue;
          const node = atoms.node[a]!;
          if (node < 0) rowsWithoutStack += c;
          add(rowGroup(-1, atoms.row[a]!) * nodeSlots + node + 1, c, acc[2 * a + 1]!);
        }
      } finally {
        acc.fill(0, 0, 2 * k);
      }
    } else {
      let checked = 0;
      for (const cpu of filter.cpus) {
        const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
        // The stack column dense, or sparse (stepped along with the rows).
        const dense = stackOf?.dense;
        const sparseRows = stackOf?.rows;
        const sparseNodes = stackOf?.nodes;
        let k = stackOf !== undefined && dense === undefined ? stackOf.seek(lo) : 0;
        for (let i = lo; i < hi; i++) {
          if ((++checked & CANCEL_CHECK_MASK) === 0 && token.cancelled) throw cancelledError();
          let node = -1;
          if (dense !== undefined) node = dense[i]!;
          else if (sparseRows !== undefined && k < sparseRows.length && sparseRows[k] === i)
            node = sparseNodes![k++]!;
          if (!rowPasses(spec, filter, i)) continue;
          if (node < 0) rowsWithoutStack++;
          add(rowGroup(cpu, i) * nodeSlots + node + 1, 1, measureOf(spec, cpu, i, filter.start, filter.end));
        }
      }
    }
  } catch (error) {
    if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));
    throw error;
  }

  // 2. Each entry's path, in functions, as the view reads it.
  const entryCount = touched.length;
  const levels = columns.length;
  const groupCode = new Int32Array(entryCount * levels);
  const entryCountOf = new Float64Array(entryCount);
  const entryWeight = new Float64Array(entryCount);
  const pathStart = new Int32Array(entryCount + 1);
  let pathFuncs = new Int32Array(Math.max(16, entryCount * 8));
  const locationFunc = symbols.locationFunc;
  const stackLocation = stacks.location;
  const stackParent = stacks.parent;
  const focus = focused ? focusFunctions(model, query.focus!) : undefined;
  const chain: number[] = [];
  let used = 0;
  let kept = 0;
  for (let e = 0; e < entryCount; e++) {
    if ((e & 0xff) === 0 && token.cancelled) {
      if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));
      throw cancelledError();
    }
    const key = touched[e]!;
    const slot = dense ? key : e;
    const group = Math.floor(key / nodeSlots);
    const node = key - group * nodeSlots - 1;
    // The path, innermost first, in `chain`; then cut and ordered for the view.
    chain.length = 0;
    for (let at = node; at >= 0; at = stackParent[at]!) chain.push(locationFunc[stackLocation[at]!]!);
    let from = 0;
    let to = chain.length;
    let step = -1; // read chain backwards (root first)
    if (node < 0) {
      if (focused) continue;
    } else if (query.view === 'bottom-up') step = 1;
    else if (focused) {
      let hit = -1;
      if (query.view === 'callers') {
        for (let k = 0; k < chain.length && hit < 0; k++) if (focus!.has(chain[k]!)) hit = k;
        if (hit < 0) continue;
        from = hit;
        step = 1;
      } else {
        for (let k = chain.length - 1; k >= 0 && hit < 0; k--) if (focus!.has(chain[k]!)) hit = k;
        if (hit < 0) continue;
        to = hit + 1;
      }
    }
    const length = node < 0 ? 1 : to - from;
    if (used + length > pathFuncs.length) {
      const bigger = new Int32Array(Math.max(pathFuncs.length * 2, used + length));
      bigger.set(pathFuncs.subarray(0, used));
      pathFuncs = bigger;
    }
    if (node < 0) pathFuncs[used++] = NO_STACK_FUNC;
    else if (step === 1) for (let k = from; k < to; k++) pathFuncs[used++] = chain[k]!;
    else for (let k = to - 1; k >= from; k--) pathFuncs[used++] = chain[k]!;
    let rest = group;
    for (let k = 0; k < levels; k++) {
      const code = Math.floor(rest / strides[k]!);
      rest -= code * strides[k]!;
      groupCode[kept * levels + k] = code;
    }
    entryCountOf[kept] = counts[slot]!;
    entryWeight[kept] = weights[slot]!;
    pathStart[kept + 1] = used;
    kept++;
  }
  if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));

  // 3. Best-first growth from the root (all entries), one node expansion at a time.
  const tree = new LazyTree(kept, levels, groupCode, pathStart, pathFuncs, entryCountOf, entryWeight);
  const heavier = (a: number, b: number) =>
    tree.weight[a]! - tree.weight[b]! > 0
      ? -1
      : tree.weight[a]! < tree.weight[b]!
        ? 1
        : tree.count[b]! - tree.count[a]! || a - b;
  const heap = new MaxHeap(heavier);
  let emitted = 1;
  tree.include(0);
  tree.expand(0);
  for (const c of tree.childrenOf(0)) heap.push(c);
  while (emitted < maxNodes && heap.size > 0) {
    if ((emitted & 0x3f) === 0 && token.cancelled) throw cancelledError();
    const id = heap.pop();
    tree.include(id);
    emitted++;
    tree.expand(id);
    if (tree.kind[id] === KIND_FRAME && tree.frameDepth(id) >= maxDepth) continue;
    for (const c of tree.childrenOf(id)) heap.push(c);
  }
  const nameOf = (id: number): string => {
    switch (tree.kind[id]) {
      case KIND_ROOT:
        return 'all';
      case KIND_GROUP:
        return columns[tree.depth[id]! - 1]!.label(tree.code[id]!);
      case KIND_NO_STACK:
        return '<no stack>';
      default:
        return symbols.frameName(tree.code[id]!);
    }
  };
  const emit = (id: number, depthLeft: boolean): StackTreeNode => {
    const all = tree.childrenOf(id);
    const kids = all.filter((c) => tree.included[c] === 1);
    kids.sort(heavier);
    const children: StackTreeNode[] = depthLeft ? kids.map((c) => emit(c, true)) : [];
    const omitted = all.length - (depthLeft ? kids.length : 0);
    if (all.length > 0 && tree.kind[id] === KIND_FRAME && tree.selfCount[id]! > 0)
      children.push({
        name: '<itself>',
        kind: 'itself',
        samples: tree.selfCount[id]!,
        weightMs: tree.selfWeight[id]! / 1e6,
      });
    return {
      name: nameOf(id),
      kind: KIND_NAMES[tree.kind[id]!]!,
      samples: tree.count[id]!,
      weightMs: tree.weight[id]! / 1e6,
      ...(children.length > 0 ? { children } : {}),
      ...(omitted > 0 ? { omittedChildren: omitted } : {}),
    };
  };
  return {
    kind: 'stacks',
    table: query.table,
    view: query.view,
    groupBy: [...query.groupBy],
    tree: emit(0, true),
    rowsWithoutStack,
    totalNodes: tree.size,
    symbolsVersion: symbols.version,
  };
}

/** Path entry of a row without a stack: one pseudo-frame, shown as `<no stack>`. */
const NO_STACK_FUNC = -2;

/**
 * The result tree, grown on demand. Node k holds the entries perm[lo[k] .. hi[k]) whose path passes
 * through it; `depth` counts levels below the root (groups first, then frames). Children are made
 * only when a node is expanded, so unexpanded nodes cost nothing but their slot.
 */
class LazyTree {
  parent: number[] = [-1];
  kind: number[] = [KIND_ROOT];
  code: number[] = [0];
  depth: number[] = [0];
  lo: number[] = [0];
  hi: number[];
  count: number[];
  weight: number[];
  selfCount: number[] = [0];
  selfWeight: number[] = [0];
  included: number[] = [0];
  private readonly firstChild: number[] = [-1];
  private readonly childCount: number[] = [0];
  private readonly perm: Int32Array;
  private readonly keys: Int32Array;
  private readonly scratch: Int32Array;

  constructor(
    entries: number,
    private readonly levels: number,
    private readonly groupCode: Int32Array,
    private readonly pathStart: Int32Array,
    private readonly pathFuncs: Int32Array,
    private readonly entryCount: Float64Array,
    private readonly entryWeight: Float64Array,
  ) {
    this.perm = new Int32Array(entries);
    for (let e = 0; e < entries; e++) this.perm[e] = e;
    this.keys = new Int32Array(entries);
    this.scratch = new Int32Array(entries);
    this.hi = [entries];
    let c = 0;
    let w = 0;
    for (let e = 0; e < entries; e++) {
      c += entryCount[e]!;
      w += entryWeight[e]!;
    }
    this.count = [c];
    this.weight = [w];
  }

  get size(): number {
    return this.parent.length;
  }

  include(id: number): void {
    this.included[id] = 1;
  }

  /** Frames from the first frame level down to this node (0 for the root and groups). */
  frameDepth(id: number): number {
    return Math.max(0, this.depth[id]! - this.levels);
  }

  childrenOf(id: number): number[] {
    const first = this.firstChild[id]!;
    const out: number[] = [];
    for (let k = 0; k < this.childCount[id]!; k++) out.push(first + k);
    return out;
  }

  /** Partitions the node's entries by their key at the next level into child nodes (once). */
  expand(id: number): void {
    if (this.firstChild[id]! >= 0 || this.childCount[id]! < 0) return;
    const lo = this.lo[id]!;
    const hi = this.hi[id]!;
    const d = this.depth[id]!;
    const { perm, keys, scratch, levels, groupCode, pathStart, pathFuncs } = this;
    const END = -1;
    // Keys of this level; the distinct ones in first-seen order with their entry counts.
    const slotOfKey = new Map<number, number>();
    const keyList: number[] = [];
    const sizes: number[] = [];
    let selfCount = 0;
    let selfWeight = 0;
    for (let k = lo; k < hi; k++) {
      const e = perm[k]!;
      let key: number;
      if (d < levels) key = groupCode[e * levels + d]!;
      else {
        const at = pathStart[e]! + d - levels;
        key = at < pathStart[e + 1]! ? pathFuncs[at]! : END;
      }
      keys[k] = key;
      if (key === END) {
        selfCount += this.entryCount[e]!;
        selfWeight += this.entryWeight[e]!;
        continue;
      }
      let slot = slotOfKey.get(key);
      if (slot === undefined) {
        slot = keyList.length;
        slotOfKey.set(key, slot);
        keyList.push(key);
        sizes.push(0);
      }
      sizes[slot]!++;
    }
    this.selfCount[id] = selfCount;
    this.selfWeight[id] = selfWeight;
    // Stable scatter: the node's range becomes the children's ranges in key order, ended paths last.
    const start: number[] = [];
    let at = lo;
    for (const n of sizes) {
      start.push(at);
      at += n;
    }
    const fill = [...start];
    let endAt = at;
    for (let k = lo; k < hi; k++) {
      const key = keys[k]!;
      if (key === END) scratch[endAt++] = perm[k]!;
      else scratch[fill[slotOfKey.get(key)!]!++] = perm[k]!;
    }
    perm.set(scratch.subarray(lo, hi), lo);
    const first = this.parent.length;
    for (let s = 0; s < keyList.length; s++) {
      const key = keyList[s]!;
      let c = 0;
      let w = 0;
      for (let k = start[s]!; k < start[s]! + sizes[s]!; k++) {
        c += this.entryCount[perm[k]!]!;
        w += this.entryWeight[perm[k]!]!;
      }
      this.parent.push(id);
      this.kind.push(d < levels ? KIND_GROUP : key === NO_STACK_FUNC ? KIND_NO_STACK : KIND_FRAME);
      this.code.push(key);
      this.depth.push(d + 1);
      this.lo.push(start[s]!);
      this.hi.push(start[s]! + sizes[s]!);
      this.count.push(c);
      this.weight.push(w);
      this.selfCount.push(0);
      this.selfWeight.push(0);
      this.included.push(0);
      this.firstChild.push(-1);
      this.childCount.push(0);
    }
    this.firstChild[id] = first;
    this.childCount[id] = keyList.length;
  }
}

/** Rows between cancellation checks of the atom pass: ~0.5 ms of work. */
const ATOM_SLICE_ROWS = 1 << 16;

/** Adds (sign 1) or removes (−1) rows [from, to) to their atoms' count and weight (atoms with
 *  pass 0 are skipped). Weights are whole nanoseconds, so removing is exact. */
function addAtomRows(
  key: Uint32Array,
  pass: Uint8Array,
  acc: Float64Array,
  weight: Float32Array,
  from: number,
  to: number,
  sign: 1 | -1,
): void {
  for (let i = from; i < to; i++) {
    const a = key[i]!;
    if (pass[a] === 0) continue;
    acc[2 * a]! += sign;
    acc[2 * a + 1]! += sign * weight[i]!;
  }
}

/** Adds one CPU's atom totals (atoms base .. base + count of `totals`). */
function addAtomTotals(
  totals: Float64Array,
  base: number,
  count: number,
  pass: Uint8Array,
  acc: Float64Array,
): void {
  for (let a = 0; a < count; a++) {
    if (pass[a] === 0) continue;
    acc[2 * a]! += totals[2 * (base + a)]!;
    acc[2 * a + 1]! += totals[2 * (base + a) + 1]!;
  }
}

/** Columns every sample atom fixes (sample-atoms.ts): queries grouped and filtered by these read atoms. */
const ATOM_COLUMNS: readonly GroupColumn[] = ['process', 'module', 'dpcIsr'];

/** The model's sample atoms when this query can use them (its group and filter columns are atom columns). */
function atomsFor(
  model: EngineModel,
  spec: TableSpec,
  groupBy: readonly GroupColumn[],
  filter: ResolvedFilter,
): SampleAtoms | undefined {
  if (!groupBy.every((c) => ATOM_COLUMNS.includes(c))) return undefined;
  const atomSpecs = new Set(ATOM_COLUMNS.map((c) => spec.columns[c]));
  if (!filter.masks.every((m) => atomSpecs.has(m.column))) return undefined;
  if (filter.minDuration !== -Infinity || filter.maxDuration !== Infinity) return undefined;
  return sampleAtoms(model);
}

/** Function ids whose frame name (or Function column text) is `focus`. */
function focusFunctions(model: EngineModel, focus: string): Set<number> {
  const out = new Set<number>();
  const sym = model.symbols;
  for (let f = 0; f < sym.functionCount; f++)
    if (sym.frameName(f) === focus || sym.functionName(f) === focus) out.add(f);
  return out;
}

function clampInt(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new EngineError(`${name} must be a number.`, 'bad-request');
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** A binary max-heap of node ids under `before` (a negative result puts a first). */
class MaxHeap {
  private readonly items: number[] = [];
  constructor(private readonly before: (a: number, b: number) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(id: number): void {
    const items = this.items;
    items.push(id);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.before(items[i]!, items[p]!) >= 0) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l]!, items[best]!) < 0) best = l;
        if (r < items.length && this.before(items[r]!, items[best]!) < 0) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
