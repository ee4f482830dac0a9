// Stack assembly, at finalize: the partials' chunks, records and stack keys become one interned
// stack table (a prefix tree of code locations, root = outermost frame) and a stack column on the
// sample and DPC/ISR tables.
//
//   record {kind, cpu, time, tid, pid, kernel part, user part}
//     parts ──chunk, or key reference → definition (create before / delete-rundown after)──> frames
//     frames, outermost first (user part, then kernel part) ──address → image at the owner's time
//        ──> location (locations.ts) ──> child of the previous node ──> leaf node
//     owner (cpu, time, thread) ──search in the CPU's time-ordered rows──> row.stack = leaf node
//
// A node is one call path: `parent` is the path one frame shorter, `location` its innermost frame,
// so a stack is a single integer and ten million samples share a few thousand paths. Distinct
// (user part, kernel part, process) triples are grafted once.

import type { Diagnostic } from '../../../shared/contract.js';
import type { ImageMap } from '../images.js';
import type { LocationDirectory } from '../locations.js';
import { f64, i32, u32 } from '../columns.js';
import { AddressInterner } from '../partial.js';
import { StackColumn } from './stack-column.js';
import type { Partial } from '../partial.js';
import {
  KEY_CREATE,
  KEY_REF_BASE,
  NO_STACK_PART,
  STACK_OWNER_DPC,
  STACK_OWNER_SAMPLE,
  STACK_OWNER_SAMPLE_ANY_CPU,
  emptyStackStats,
  isKernelAddressKey,
  type PartialStacks,
  type StackStats,
} from './collect.js';

/** Node and location ids must fit a 26-bit field of the node key ((parent + 1) · 2^26 + location). */
const ID_SPAN = 1 << 26;

/** The interned call paths: node k = its parent path plus one innermost frame. */
export interface StackTable {
  readonly count: number;
  /** Parent node (−1: the outermost frame, a root). */
  readonly parent: Int32Array;
  /** Code location of the node's innermost frame. */
  readonly location: Int32Array;
  /** Frames in the path (1 for a root). */
  readonly depth: Uint16Array;
}

export interface StackAssembly {
  readonly table: StackTable;
  /** Leaf node per sample row (−1: none); undefined when no sample has a stack. */
  readonly sampleStack: StackColumn | undefined;
  readonly dpcStack: StackColumn | undefined;
  readonly stats: StackStats & {
    /** Owners whose row was found and given a stack. */
    samplesWithStacks: number;
    dpcsWithStacks: number;
    /** Records whose row was not found (owner time/thread matched no row). */
    unmatchedOwners: number;
    /** Key references with no definition in the trace. */
    unresolvedKeys: number;
  };
  readonly diagnostics: Diagnostic[];
}

export interface StackInputs {
  readonly partials: readonly Partial[];
  readonly pointerSize: 4 | 8;
  readonly locations: LocationDirectory;
  readonly kernelMap: ImageMap;
  readonly userMaps: ReadonlyMap<number, ImageMap>;
  readonly samples: {
    readonly length: number;
    readonly cpuOffsets: Int32Array;
    readonly time: Float64Array;
    readonly thread: Int32Array;
  };
  readonly dpc: { readonly length: number; readonly cpuOffsets: Int32Array; readonly enter: Float64Array };
  readonly threadTids: Uint32Array;
}

/** Key definitions of every partial, by key: time-sorted (time, kind, global chunk). */
interface KeyIndex {
  readonly keyIds: AddressInterner;
  readonly lists: { time: number; kind: number; chunk: number }[][];
}

export function assembleStacks(input: StackInputs): StackAssembly | undefined {
  const parts = input.partials.map((p) => p.stacks);
  if (parts.every((s) => s === undefined)) return undefined;
  const stats = {
    ...emptyStackStats(),
    samplesWithStacks: 0,
    dpcsWithStacks: 0,
    unmatchedOwners: 0,
    unresolvedKeys: 0,
  };
  const chunkBase: number[] = [];
  let chunks = 0;
  for (const s of parts) {
    chunkBase.push(chunks);
    chunks += s?.chunkStart.length ?? 0;
    if (s === undefined) continue;
    for (const key of Object.keys(s.stats) as (keyof StackStats)[]) stats[key] += s.stats[key];
  }
  const keys = indexKeyDefinitions(parts, chunkBase);
  const builder = new TreeBuilder(input, parts, chunkBase);
  const { threadTids } = input;
  const sampleParts = new RowParts();
  const dpcParts = new RowParts();

  parts.forEach((s, p) => {
    if (s === undefined) return;
    const r = s.records;
    const samplePos = new RowCursor();
    const dpcPos = new RowCursor();
    for (let i = 0; i < r.length; i++) {
      const kernel = globalPart(r.kernel[i]!, p, chunkBase, s, keys, stats);
      const user = globalPart(r.user[i]!, p, chunkBase, s, keys, stats);
      if (kernel < 0 && user < 0) continue;
      const cpu = r.cpu[i]!;
      const t = r.time[i]!;
      let row = -1;
      if (r.kind[i] === STACK_OWNER_SAMPLE || r.kind[i] === STACK_OWNER_SAMPLE_ANY_CPU) {
        const sm = input.samples;
        const tid = r.tid[i]!;
        if (r.kind[i] === STACK_OWNER_SAMPLE) {
          if (cpu + 1 < sm.cpuOffsets.length)
            row = sampleOfThread(
              sm,
              threadTids,
              samplePos.find(sm.time, t, cpu, sm.cpuOffsets[cpu]!, sm.cpuOffsets[cpu + 1]!),
              t,
              tid,
              sm.cpuOffsets[cpu + 1]!,
            );
        } else {
          for (let c = 0; c + 1 < sm.cpuOffsets.length && row < 0; c++) {
            const lo = sm.cpuOffsets[c]!;
            const hi = sm.cpuOffsets[c + 1]!;
            const at = sampleOfThread(sm, threadTids, lowerBound(sm.time, t, lo, hi), t, tid, hi);
            if (at >= 0 && threadTids[sm.thread[at]!] === tid) row = at;
          }
        }
        if (row < 0) {
          stats.unmatchedOwners++;
          continue;
        }
        sampleParts.add(row, kernel, user, r.pid[i]!, t, stats);
      } else if (r.kind[i] === STACK_OWNER_DPC) {
        const d = input.dpc;
        if (cpu + 1 < d.cpuOffsets.length)
          row = dpcPos.find(d.enter, t, cpu, d.cpuOffsets[cpu]!, d.cpuOffsets[cpu + 1]!);
        if (row < 0) {
          stats.unmatchedOwners++;
          continue;
        }
        dpcParts.add(row, kernel, user, r.pid[i]!, t, stats);
      }
    }
  });
  // Each row's parts may come from several records (a user part read before its sample's CPU, a
  // thread that moved CPUs): joined per row, then each row's leaf.
  const sampleStack = sampleParts.column(input.samples.length, builder);
  const dpcStack = dpcParts.column(input.dpc.length, builder);
  stats.samplesWithStacks = sampleStack?.stackedRows ?? 0;
  stats.dpcsWithStacks = dpcStack?.stackedRows ?? 0;
  const diagnostics: Diagnostic[] = [];
  if (stats.unresolvedKeys > 0)
    diagnostics.push({
      severity: 'info',
      code: 'stack-keys-undefined',
      message: `${stats.unresolvedKeys} stack references name a stack key the trace never defines (its KeyDelete/KeyRundown events are missing, e.g. lost or outside a circular buffer); those stacks are left out.`,
    });
  if (builder.overflow)
    diagnostics.push({
      severity: 'warning',
      code: 'stacks-too-many',
      message: `The trace has more than ${ID_SPAN} distinct call paths or code locations; stacks beyond that are left out.`,
    });
  return {
    table: builder.table(),
    sampleStack,
    dpcStack,
    stats,
    diagnostics,
  };
}

/** From the first row at `from` with time t (or any row), the one of thread `tid` at time t
 *  (several samples at one time on a CPU are rare), else the first; −1 when no row has time t. */
function sampleOfThread(
  sm: StackInputs['samples'],
  threadTids: Uint32Array,
  from: number,
  t: number,
  tid: number,
  hi: number,
): number {
  if (from < 0 || from >= hi || sm.time[from] !== t) return -1;
  for (let row = from; row < hi && sm.time[row] === t; row++)
    if (threadTids[sm.thread[row]!] === tid) return row;
  return from;
}

/** First index in [lo, hi) with a[i] ≥ t. */
function lowerBound(a: Float64Array, t: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A record member → a global chunk id, or −1 (none, or an unresolved key reference). */
function globalPart(
  member: number,
  p: number,
  chunkBase: readonly number[],
  s: PartialStacks,
  keys: KeyIndex,
  stats: { unresolvedKeys: number },
): number {
  if (member === NO_STACK_PART) return -1;
  if (member >= 0) return chunkBase[p]! + member;
  const ref = KEY_REF_BASE - member;
  const chunk = resolveKey(keys, s.keyRefs.key[ref]!, s.keyRefs.time[ref]!);
  if (chunk < 0) stats.unresolvedKeys++;
  return chunk;
}

function indexKeyDefinitions(
  parts: readonly (PartialStacks | undefined)[],
  chunkBase: readonly number[],
): KeyIndex {
  const keyIds = new AddressInterner();
  const lists: { time: number; kind: number; chunk: number }[][] = [];
  parts.forEach((s, p) => {
    if (s === undefined) return;
    const d = s.keyDefs;
    for (let i = 0; i < d.length; i++) {
      const id = keyIds.intern(d.key[i]!, lists.length);
      if (id === lists.length) lists.push([]);
      lists[id]!.push({ time: d.time[i]!, kind: d.kind[i]!, chunk: chunkBase[p]! + d.chunk[i]! });
    }
  });
  for (const list of lists) list.sort((a, b) => a.time - b.time);
  return { keyIds, lists };
}

/**
 * The definition a key reference at time t means: the key's latest KeyCreate at or before t (when
 * no later definition ends it first), else its first KeyDelete/KeyRundown at or after t (Windows
 * logs a cached stack's frames when the key is evicted, or at the end for live keys; keys are
 * reused after a delete). −1 when the trace has neither.
 */
function resolveKey(keys: KeyIndex, key: number, t: number): number {
  const id = keys.keyIds.get(key);
  if (id < 0) return -1;
  const list = keys.lists[id]!;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && list[lo - 1]!.kind === KEY_CREATE) return list[lo - 1]!.chunk;
  for (let k = lo; k < list.length; k++) if (list[k]!.kind !== KEY_CREATE) return list[k]!.chunk;
  return -1;
}

/** Finds rows by time in one CPU's ascending rows, galloping on from the previous answer. */
class RowCursor {
  private cpu = -1;
  private at = 0;

  /** A row of [lo, hi) with time exactly t, or −1. */
  find(time: Float64Array, t: number, cpu: number, lo: number, hi: number): number {
    if (cpu !== this.cpu || this.at < lo || this.at > hi || (this.at > lo && time[this.at - 1]! >= t)) {
      this.cpu = cpu;
      this.at = lo;
    }
    let from = this.at;
    let step = 1;
    let probe = from;
    while (probe < hi && time[probe]! < t) {
      from = probe + 1;
      probe = from + step;
      step *= 2;
    }
    let end = probe < hi ? probe : hi;
    while (from < end) {
      const mid = (from + end) >>> 1;
      if (time[mid]! < t) from = mid + 1;
      else end = mid;
    }
    this.at = from;
    return from < hi && time[from] === t ? from : -1;
  }
}

/**
 * The stack parts found for each row, before the rows' leaves are built: one entry per row in
 * typed columns; a row met again (its user part read before its sample's CPU, a thread that moved)
 * finds its entry in `entryOfRow`.
 */
class RowParts {
  private readonly row = i32();
  private readonly kernel = i32();
  private readonly user = i32();
  private readonly pid = u32();
  private readonly time = f64();
  /** Row → entry, built only once a row arrives out of ascending order (records come sorted by
   *  CPU and time, so a partial's rows ascend; a row met again is a user part matched on any CPU). */
  private entryOfRow: AddressInterner | undefined;
  private lastRow = -1;

  private entryOf(row: number): number {
    if (row > this.lastRow) {
      this.lastRow = row;
      this.entryOfRow?.set(row, this.row.length);
      return this.row.length;
    }
    if (this.entryOfRow === undefined) {
      this.entryOfRow = new AddressInterner();
      for (let e = 0; e < this.row.length; e++) this.entryOfRow.set(this.row.data[e]!, e);
    }
    return this.entryOfRow.intern(row, this.row.length);
  }

  add(
    row: number,
    kernel: number,
    user: number,
    pid: number,
    time: number,
    stats: { duplicateParts: number },
  ): void {
    const known = this.entryOf(row);
    if (known === this.row.length) {
      this.row.push(row);
      this.kernel.push(kernel);
      this.user.push(user);
      this.pid.push(pid);
      this.time.push(time);
      return;
    }
    const k = this.kernel.data;
    const u = this.user.data;
    if ((kernel >= 0 && k[known]! >= 0) || (user >= 0 && u[known]! >= 0)) stats.duplicateParts++;
    if (k[known]! < 0) k[known] = kernel;
    if (u[known]! < 0 && user >= 0) {
      u[known] = user;
      this.pid.data[known] = pid;
    }
  }

  /** Each row's leaf, as a stack column of `length` rows (undefined when no row has a stack). */
  column(length: number, builder: TreeBuilder): StackColumn | undefined {
    const n = this.row.length;
    const rows: number[] = [];
    const leaves: number[] = [];
    for (let e = 0; e < n; e++) {
      const leaf = builder.leaf(
        this.kernel.data[e]!,
        this.user.data[e]!,
        this.pid.data[e]!,
        this.time.data[e]!,
      );
      if (leaf < 0) continue;
      rows.push(this.row.data[e]!);
      leaves.push(leaf);
    }
    return rows.length === 0 ? undefined : StackColumn.fromRows(length, rows, leaves);
  }
}

/** Grows the prefix tree: frames → locations → nodes, each distinct part triple once. */
class TreeBuilder {
  private parent: Int32Array = new Int32Array(1024);
  private location: Int32Array = new Int32Array(1024);
  private depth: Uint16Array = new Uint16Array(1024);
  private count = 0;
  private readonly nodeIds = new AddressInterner();
  private readonly kernelLocations = new AddressInterner();
  private readonly userLocations = new Map<number, AddressInterner>();
  /** Per process (0 without a user part): (user part, kernel part) → leaf. */
  private readonly leaves = new Map<number, AddressInterner>();
  overflow = false;

  constructor(
    private readonly input: StackInputs,
    private readonly parts: readonly (PartialStacks | undefined)[],
    private readonly chunkBase: readonly number[],
  ) {}

  /** Leaf node of the stack made of a user part (outer) and a kernel part (inner), or −1. */
  leaf(kernel: number, user: number, pid: number, timeNs: number): number {
    const space = user >= 0 ? pid : 0;
    let memo = this.leaves.get(space);
    if (memo === undefined) {
      memo = new AddressInterner();
      this.leaves.set(space, memo);
    }
    const key = (user + 1) * ID_SPAN + (kernel + 1);
    const known = memo.get(key);
    if (known !== -1) return known;
    let node = -1;
    if (user >= 0) node = this.graft(node, user, pid, timeNs);
    if (kernel >= 0) node = this.graft(node, kernel, pid, timeNs);
    memo.set(key, node);
    return node;
  }

  /** Appends a chunk's frames (outermost first) below `node`. */
  private graft(node: number, chunk: number, pid: number, timeNs: number): number {
    let p = 0;
    while (p + 1 < this.chunkBase.length && this.chunkBase[p + 1]! <= chunk) p++;
    const s = this.parts[p]!;
    const local = chunk - this.chunkBase[p]!;
    const start = s.chunkStart[local]!;
    for (let k = s.chunkLength[local]! - 1; k >= 0; k--) {
      const location = this.locationOf(s.frames[start + k]!, pid, timeNs);
      if (location < 0) return node;
      node = this.child(node, location);
      if (node < 0) return node;
    }
    return node;
  }

  private locationOf(address: number, pid: number, timeNs: number): number {
    const kernel = isKernelAddressKey(address, this.input.pointerSize);
    let cache = this.kernelLocations;
    if (!kernel) {
      cache = this.userLocations.get(pid) ?? new AddressInterner();
      this.userLocations.set(pid, cache);
    }
    let location = cache.get(address);
    if (location >= 0) return location;
    const map = kernel ? this.input.kernelMap : this.input.userMaps.get(pid);
    location = this.input.locations.resolve(address, map?.resolve(address, timeNs));
    if (location >= ID_SPAN) {
      this.overflow = true;
      return -1;
    }
    cache.set(address, location);
    return location;
  }

  private child(parent: number, location: number): number {
    const key = (parent + 1) * ID_SPAN + location;
    const id = this.nodeIds.get(key);
    if (id >= 0) return id;
    if (this.count + 1 >= ID_SPAN) {
      this.overflow = true;
      return -1;
    }
    const node = this.count++;
    if (node === this.parent.length) {
      const grow = <T extends Int32Array | Uint16Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(a.length * 2);
        b.set(a as never);
        return b;
      };
      this.parent = grow(this.parent);
      this.location = grow(this.location);
      this.depth = grow(this.depth);
    }
    this.parent[node] = parent;
    this.location[node] = location;
    this.depth[node] = parent < 0 ? 1 : Math.min(0xffff, this.depth[parent]! + 1);
    this.nodeIds.set(key, node);
    return node;
  }

  table(): StackTable {
    return {
      count: this.count,
      parent: this.parent.slice(0, this.count),
      location: this.location.slice(0, this.count),
      depth: this.depth.slice(0, this.count),
    };
  }
}
