// StackQuery: the stack views (WPA's Stack column; PerfView's call tree, callers and callees) over
// sampled CPU or DPC/ISR events, under the same filters as every table.
//
//   1. one pass over the filtered rows (per CPU, binary-searched to the range): each row adds its
//      count and weight to the slot (group key, stack node) — a dense array while the product of
//      the two fits DENSE_SLOT_LIMIT, a hash beyond
//   2. each distinct (group, stack node) becomes a path in a tree of functions: the groups, then the
//      frames, each stack node's location mapped through the current symbolization (so names follow
//      symbol loads, and two addresses in one function are one node). top-down paths reuse their
//      parent path (memo per (group node, stack node)); bottom-up, callers and callees walk the path
//   3. inclusive totals bottom to top (children are always created after their parent), then the
//      heaviest nodes up to maxNodes are emitted, children sorted by weight, `<itself>` where a node
//      has rows of its own besides children

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
  type TableSpec,
} from '../query-common.js';

/** Dense accumulation up to this many (group, node) slots: 2 × 32 MiB of float64 at most, reused. */
const DENSE_SLOT_LIMIT = 1 << 22;
const DEFAULT_MAX_DEPTH = 256;
const MAX_DEPTH_LIMIT = 4096;
/** Result nodes by default: a screenful of expanded tree many times over, small on the wire. */
const DEFAULT_MAX_NODES = 2000;
const MAX_NODES_LIMIT = 100_000;
/** Function and node ids below 2^26 make (parent · 2^27 + id) an exact child key. */
const CHILD_KEY_SPAN = 1 << 27;

const KIND_ROOT = 0;
const KIND_GROUP = 1;
const KIND_FRAME = 2;
const KIND_NO_STACK = 3;
const KIND_NAMES = ['root', 'group', 'frame', 'no-stack'] as const;

/** Reused accumulation arrays (one set per engine). */
export class StackScratch {
  counts = new Float64Array(0);
  weights = new Float64Array(0);

  ensure(n: number): void {
    if (this.counts.length < n) {
      this.counts = new Float64Array(n);
      this.weights = new Float64Array(n);
    }
  }
}

/** The tree of functions under construction. */
class FunctionTree {
  parent: number[] = [-1];
  kind: number[] = [KIND_ROOT];
  /** Function id (frames), group code (groups), 0 otherwise. */
  code: number[] = [0];
  /** Group column index (groups). */
  level: number[] = [-1];
  depth: number[] = [0];
  selfCount: number[] = [0];
  selfWeight: number[] = [0];
  private readonly children = new AddressInterner();

  child(parent: number, kind: number, code: number, level = -1): number {
    const key =
      parent * CHILD_KEY_SPAN +
      (kind === KIND_FRAME ? code : CHILD_KEY_SPAN / 2 + (kind === KIND_NO_STACK ? 0 : 1 + code));
    const known = this.children.get(key);
    if (known >= 0) return known;
    const id = this.parent.length;
    this.parent.push(parent);
    this.kind.push(kind);
    this.code.push(code);
    this.level.push(level);
    this.depth.push(kind === KIND_FRAME ? this.depth[parent]! + 1 : 0);
    this.selfCount.push(0);
    this.selfWeight.push(0);
    this.children.set(key, id);
    return id;
  }

  get size(): number {
    return this.parent.length;
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
  let checked = 0;
  for (const cpu of filter.cpus) {
    const [lo, hi] = rowSpan(spec, cpu, filter.start, filter.rowEnd);
    for (let i = lo; i < hi; i++) {
      if ((++checked & CANCEL_CHECK_MASK) === 0 && token.cancelled) {
        if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));
        throw cancelledError();
      }
      if (!rowPasses(spec, filter, i)) continue;
      let group = 0;
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k]!;
        const code = c.rows === null ? cpu : c.remap !== null ? c.remap[c.rows[i]!]! : c.rows[i]!;
        group += code * strides[k]!;
      }
      const node = stackOf !== undefined ? stackOf[i]! : -1;
      if (node < 0) rowsWithoutStack++;
      const key = group * nodeSlots + node + 1;
      const w = measureOf(spec, cpu, i, filter.start, filter.end);
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
      counts[slot]! += 1;
      weights[slot]! += w;
    }
  }

  // 2. Paths in a tree of functions.
  const tree = new FunctionTree();
  const groupNodes = new Map<number, number>();
  const groupNode = (group: number): number => {
    let node = groupNodes.get(group);
    if (node !== undefined) return node;
    node = 0;
    let rest = group;
    for (let k = 0; k < columns.length; k++) {
      const code = Math.floor(rest / strides[k]!);
      rest -= code * strides[k]!;
      node = tree.child(node, KIND_GROUP, code, k);
    }
    groupNodes.set(group, node);
    return node;
  };
  const funcOf = (n: number): number => symbols.locationFunc[stacks.location[n]!]!;
  const focus = focused ? focusFunctions(model, query.focus!) : undefined;
  const topDown = new AddressInterner();
  const chain: number[] = [];
  const place = (groupTop: number, node: number): number => {
    if (node < 0) return focused ? -1 : tree.child(groupTop, KIND_NO_STACK, 0);
    switch (query.view) {
      case 'top-down': {
        // Memo per (group node, stack node): the nearest known ancestor, then down from it.
        chain.length = 0;
        let at = node;
        let known = -1;
        while (at >= 0) {
          known = topDown.get(groupTop * CHILD_KEY_SPAN + at);
          if (known >= 0) break;
          chain.push(at);
          at = stacks.parent[at]!;
        }
        let t = at >= 0 ? known : groupTop;
        for (let k = chain.length - 1; k >= 0; k--) {
          t = tree.child(t, KIND_FRAME, funcOf(chain[k]!));
          topDown.set(groupTop * CHILD_KEY_SPAN + chain[k]!, t);
        }
        return t;
      }
      case 'bottom-up': {
        let t = groupTop;
        for (let at = node; at >= 0; at = stacks.parent[at]!) t = tree.child(t, KIND_FRAME, funcOf(at));
        return t;
      }
      default: {
        chain.length = 0;
        for (let at = node; at >= 0; at = stacks.parent[at]!) chain.push(at);
        // callers: the innermost occurrence, then up; callees: the outermost, then down.
        let hit = -1;
        if (query.view === 'callers') {
          for (let k = 0; k < chain.length && hit < 0; k++) if (focus!.has(funcOf(chain[k]!))) hit = k;
        } else {
          for (let k = chain.length - 1; k >= 0 && hit < 0; k--) if (focus!.has(funcOf(chain[k]!))) hit = k;
        }
        if (hit < 0) return -1;
        let t = groupTop;
        if (query.view === 'callers')
          for (let k = hit; k < chain.length; k++) t = tree.child(t, KIND_FRAME, funcOf(chain[k]!));
        else for (let k = hit; k >= 0; k--) t = tree.child(t, KIND_FRAME, funcOf(chain[k]!));
        return t;
      }
    }
  };
  for (let e = 0; e < touched.length; e++) {
    if ((e & 0xff) === 0 && token.cancelled) {
      if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));
      throw cancelledError();
    }
    const key = dense ? touched[e]! : touched[e]!;
    const slot = dense ? key : e;
    const group = Math.floor(key / nodeSlots);
    const node = key - group * nodeSlots - 1;
    const target = place(groupNode(group), node);
    if (target >= 0) {
      tree.selfCount[target]! += counts[slot]!;
      tree.selfWeight[target]! += weights[slot]!;
    }
  }
  if (dense) for (const slot of touched) ((counts[slot] = 0), (weights[slot] = 0));

  // 3. Inclusive totals, then the heaviest nodes.
  const n = tree.size;
  const inCount = Float64Array.from(tree.selfCount);
  const inWeight = Float64Array.from(tree.selfWeight);
  for (let id = n - 1; id > 0; id--) {
    const p = tree.parent[id]!;
    inCount[p]! += inCount[id]!;
    inWeight[p]! += inWeight[id]!;
  }
  const childStart = new Int32Array(n + 1);
  for (let id = 1; id < n; id++) childStart[tree.parent[id]! + 1]!++;
  for (let id = 0; id < n; id++) childStart[id + 1]! += childStart[id]!;
  const childList = new Int32Array(Math.max(0, n - 1));
  const fill = childStart.slice(0, n);
  for (let id = 1; id < n; id++) childList[fill[tree.parent[id]!]!++] = id;
  const heavier = (a: number, b: number) => inWeight[b]! - inWeight[a]! || inCount[b]! - inCount[a]! || a - b;
  const included = new Uint8Array(n);
  included[0] = 1;
  let emitted = 1;
  const heap = new MaxHeap(heavier);
  for (let k = childStart[0]!; k < childStart[1]!; k++) heap.push(childList[k]!);
  while (emitted < maxNodes && heap.size > 0) {
    const id = heap.pop();
    included[id] = 1;
    emitted++;
    if (tree.kind[id] === KIND_FRAME && tree.depth[id]! >= maxDepth) continue;
    for (let k = childStart[id]!; k < childStart[id + 1]!; k++) heap.push(childList[k]!);
  }
  const nameOf = (id: number): string => {
    switch (tree.kind[id]) {
      case KIND_ROOT:
        return 'all';
      case KIND_GROUP:
        return columns[tree.level[id]!]!.label(tree.code[id]!);
      case KIND_NO_STACK:
        return '<no stack>';
      default:
        return symbols.frameName(tree.code[id]!);
    }
  };
  const emit = (id: number): StackTreeNode => {
    const kids: number[] = [];
    let omitted = 0;
    for (let k = childStart[id]!; k < childStart[id + 1]!; k++) {
      const c = childList[k]!;
      if (included[c] === 1) kids.push(c);
      else omitted++;
    }
    kids.sort(heavier);
    const children: StackTreeNode[] = kids.map(emit);
    const hasChildren = childStart[id + 1]! > childStart[id]!;
    if (hasChildren && tree.kind[id] === KIND_FRAME && tree.selfCount[id]! > 0)
      children.push({
        name: '<itself>',
        kind: 'itself',
        samples: tree.selfCount[id]!,
        weightMs: tree.selfWeight[id]! / 1e6,
      });
    return {
      name: nameOf(id),
      kind: KIND_NAMES[tree.kind[id]!]!,
      samples: inCount[id]!,
      weightMs: inWeight[id]! / 1e6,
      ...(children.length > 0 ? { children } : {}),
      ...(omitted > 0 ? { omittedChildren: omitted } : {}),
    };
  };
  return {
    kind: 'stacks',
    table: query.table,
    view: query.view,
    groupBy: [...query.groupBy],
    tree: emit(0),
    rowsWithoutStack,
    totalNodes: n,
    symbolsVersion: symbols.version,
  };
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
