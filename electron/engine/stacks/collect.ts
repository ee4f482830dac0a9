// Stack ingest, in the parser workers: StackWalk events (0x1820) and Windows 8+ stack keys
// (references 0x1825/0x1826, definitions 0x1822/0x1823/0x1824) become, per partial,
//   - distinct frame lists ("chunks", innermost frame first), interned by content: ten million
//     samples with stacks share a few thousand distinct lists, so the frames are stored once;
//   - one record per event that owns stacks (a sampled-profile sample or a DPC/ISR), naming the
//     owner by (kind, CPU, time, thread) — not by row index, since rows are reordered later — and
//     its kernel part and user part (a chunk, or a stack-key reference resolved at finalize);
//   - the stack-key references and definitions, resolved across partials at finalize (a key's
//     definition may be logged on any CPU, before or after its references).
//
//   StackWalk {EventTimeStamp, process, thread, frames} on CPU c
//     ──same time as c's last sample (same thread) / c's last DPC-ISR exit──> that owner's record
//     ──else: a user-mode part whose thread has a kernel part pending at that time──> joined
//     ──else: another owner (CSwitch, ReadyThread, …): counted, not attached
//
// Windows logs a stack walk right after the event it belongs to, on the same CPU, with the event's
// own timestamp; the user-mode part of a kernel-mode sample may follow later (deferred until the
// thread returns to user mode), as a second walk with the same timestamp (../shared/etl-format.md
// §5.7). Times are compared as TraceNs computed from the same ticks, so equal ticks compare equal.

import { f64, i32, u16, u32, u8 } from '../columns.js';

/** Record kinds (owner of the stacks). */
export const STACK_OWNER_SAMPLE = 0;
export const STACK_OWNER_DPC = 1;
/** A sample named only by (time, thread): a user-mode part that came after the CPU's recent
 *  samples (or on another CPU); finalize looks for it on every CPU. */
export const STACK_OWNER_SAMPLE_ANY_CPU = 2;
const RECORD_KINDS = 3;

/** Recent samples remembered per CPU for deferred user-mode parts: at the default 1 kHz profile
 *  rate 32 ms of samples, longer than a thread usually takes to return to user mode. */
const RECENT_SAMPLES = 32;

/** A record member with no stack part. */
export const NO_STACK_PART = -1;
/** Members ≤ KEY_REF_BASE are stack-key references: keyRefs[KEY_REF_BASE − member]. */
export const KEY_REF_BASE = -2;

export const KEY_CREATE = 0;
export const KEY_DELETE = 1;
export const KEY_RUNDOWN = 2;

/** Frames kept of one stack walk: Windows captures at most 192; more is a damaged payload. */
export const MAX_STACK_FRAMES = 1024;

/** Initial chunk hash slots (a power of two); grows at half load so probes stay short. */
const CHUNK_SLOTS_INITIAL = 1024;

export interface PartialStacks {
  /** Frames of every distinct chunk, end to end (AddressKeys, innermost first). */
  readonly frames: Float64Array;
  readonly chunkStart: Int32Array;
  readonly chunkLength: Uint16Array;
  /** Owners with stacks, sorted by (kind, cpu, time). */
  readonly records: {
    readonly length: number;
    readonly kind: Uint8Array;
    readonly cpu: Uint16Array;
    /** Sample time, or the DPC/ISR's enter time (the rows' sort key). */
    readonly time: Float64Array;
    readonly tid: Uint32Array;
    /** StackProcess: the process whose user-mode addresses the user part holds. */
    readonly pid: Uint32Array;
    /** Chunk id, NO_STACK_PART, or a key reference (≤ KEY_REF_BASE). */
    readonly kernel: Int32Array;
    readonly user: Int32Array;
  };
  readonly keyRefs: { readonly length: number; readonly key: Float64Array; readonly time: Float64Array };
  readonly keyDefs: {
    readonly length: number;
    readonly key: Float64Array;
    readonly time: Float64Array;
    readonly kind: Uint8Array;
    readonly chunk: Int32Array;
  };
  readonly stats: StackStats;
}

export interface StackStats {
  /** StackWalk events and stack-key references read. */
  walks: number;
  keyReferences: number;
  keyDefinitions: number;
  /** Walks/references whose owner is not a sample or a DPC/ISR (context switches, …). */
  otherOwners: number;
  /** A part for an owner that already had that part. */
  duplicateParts: number;
  /** Walks with more than MAX_STACK_FRAMES frames (cut) or a payload too short to hold one. */
  damaged: number;
}

export function emptyStackStats(): StackStats {
  return { walks: 0, keyReferences: 0, keyDefinitions: 0, otherOwners: 0, duplicateParts: 0, damaged: 0 };
}

/** Distinct frame lists by content (open addressing over a content hash). */
class ChunkTable {
  readonly frames = f64();
  readonly start = i32();
  readonly length = u16();
  private readonly hashes = u32();
  private slots = new Int32Array(CHUNK_SLOTS_INITIAL).fill(-1);

  get count(): number {
    return this.start.length;
  }

  /** The chunk of `count` pointers read at `at` (stride P) from `view`. */
  intern(view: DataView, at: number, count: number, P: 4 | 8): number {
    let h = 0x811c9dc5 ^ count;
    for (let k = 0, o = at; k < count; k++, o += P) {
      h = Math.imul(h ^ view.getUint32(o, true), 0x01000193);
      if (P === 8) h = Math.imul(h ^ (view.getUint32(o + 4, true) & 0x1ffff), 0x01000193);
    }
    h = (h ^ (h >>> 15)) >>> 0;
    const slots = this.slots;
    const mask = slots.length - 1;
    const frames = this.frames.data;
    let slot = h & mask;
    for (;;) {
      const id = slots[slot]!;
      if (id === -1) break;
      if (this.hashes.data[id] === h && this.length.data[id] === count) {
        const s = this.start.data[id]!;
        let same = true;
        for (let k = 0, o = at; k < count; k++, o += P) {
          if (frames[s + k] !== readKey(view, o, P)) {
            same = false;
            break;
          }
        }
        if (same) return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.start.length;
    this.start.push(this.frames.length);
    this.length.push(count);
    this.hashes.push(h);
    for (let k = 0, o = at; k < count; k++, o += P) this.frames.push(readKey(view, o, P));
    slots[slot] = id;
    if (2 * this.start.length > slots.length) this.grow();
    return id;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.start.length; id++) {
      let slot = this.hashes.data[id]! & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }
}

/** A P-byte pointer as an AddressKey (the reader's folding: 17 high bits kept for x64). */
function readKey(view: DataView, at: number, P: 4 | 8): number {
  const lo = view.getUint32(at, true);
  return P === 4 ? lo : (view.getUint32(at + 4, true) & 0x1ffff) * 0x1_0000_0000 + lo;
}

/** Kernel-space AddressKeys: x64 0xFFFF8000_00000000 and up (folded), x86 2 GiB and up. */
export function isKernelAddressKey(key: number, pointerSize: 4 | 8): boolean {
  return pointerSize === 8 ? key >= 0x1_8000_0000_0000 : key >= 0x8000_0000;
}

/** What the collector reads back from the builder when a walk arrives (partial.ts implements it). */
export interface StackOwners {
  /** Sample rows appended so far (builder order; per-CPU reading order keeps a CPU's together). */
  sampleRows(): number;
  sampleCpuAt(row: number): number;
  sampleTimeAt(row: number): number;
  sampleTidAt(row: number): number;
  /** The CPU's last DPC/ISR: exit (its event time), enter, builder row (−1: none yet). */
  lastDpcExitNs(cpu: number): number;
  lastDpcEnterNs(cpu: number): number;
  lastDpcRow(cpu: number): number;
  /** The CPU's newest owner event is a DPC/ISR (not a sample). */
  lastOwnerIsDpc(cpu: number): boolean;
}

export class StackCollector {
  private readonly chunks = new ChunkTable();
  // Records (one per owner), in arrival order; sorted in finish().
  private readonly recKind = u8();
  private readonly recCpu = u16();
  private readonly recTime = f64();
  private readonly recEventNs = f64();
  private readonly recTid = u32();
  private readonly recPid = u32();
  private readonly recKernel = i32();
  private readonly recUser = i32();
  private readonly refKey = f64();
  private readonly refTime = f64();
  private readonly defKey = f64();
  private readonly defTime = f64();
  private readonly defKind = u8();
  private readonly defChunk = i32();
  readonly stats = emptyStackStats();

  /** Recent sample rows that got a record (builder row → record), direct-mapped by row (a power
   *  of two above RECENT_SAMPLES): only samples within RECENT_SAMPLES of their CPU's newest can
   *  receive a part. */
  private readonly ringRow = new Int32Array(2 * RECENT_SAMPLES).fill(-1);
  private readonly ringRecord = new Int32Array(2 * RECENT_SAMPLES);
  /** The last DPC/ISR row that got a record, and the record. */
  private dpcRecordRow = -1;
  private dpcRecord = -1;
  /** Per thread: the record of its latest kernel-only part, which a deferred user part may join. */
  private readonly pendingUser = new Map<number, number>();

  /** `owners`: the builder's rows, read back when a walk arrives — nothing is noted per sample
   *  or per DPC on the hot path (the builder appends them anyway). */
  constructor(private readonly owners: StackOwners) {}

  /** Builder row of the CPU's recent sample at `eventNs` of thread `tid` (newest first; only the
   *  newest when `newestOnly`), or −1. In per-CPU reading order the builder's last sample rows are
   *  the CPU's latest. */
  private recentSample(cpu: number, eventNs: number, tid: number, newestOnly: boolean): number {
    const o = this.owners;
    const last = o.sampleRows() - 1;
    const depth = newestOnly ? 1 : RECENT_SAMPLES;
    for (let row = last; row >= 0 && last - row < depth; row--) {
      if (o.sampleCpuAt(row) !== cpu) break;
      const t = o.sampleTimeAt(row);
      if (t === eventNs && (tid === 0 || o.sampleTidAt(row) === tid)) return row;
      if (t < eventNs) break;
    }
    return -1;
  }

  private sampleRecord(row: number, cpu: number, eventNs: number, pid: number): number {
    const known = this.ringRecordOf(row);
    if (known >= 0) return known;
    const record = this.newRecord(
      STACK_OWNER_SAMPLE,
      cpu,
      eventNs,
      eventNs,
      this.owners.sampleTidAt(row),
      pid,
    );
    const slot = row & (this.ringRow.length - 1);
    this.ringRow[slot] = row;
    this.ringRecord[slot] = record;
    return record;
  }

  /** StackWalk: `count` frames (innermost first) at `framesAt`. */
  walk(
    cpu: number,
    eventNs: number,
    pid: number,
    tid: number,
    view: DataView,
    framesAt: number,
    count: number,
    P: 4 | 8,
  ): void {
    this.stats.walks++;
    if (count <= 0) {
      this.stats.damaged++;
      return;
    }
    if (count > MAX_STACK_FRAMES) {
      this.stats.damaged++;
      count = MAX_STACK_FRAMES;
    }
    const chunk = this.chunks.intern(view, framesAt, count, P);
    const outermost = readKey(view, framesAt + (count - 1) * P, P);
    this.attach(cpu, eventNs, pid, tid, chunk, !isKernelAddressKey(outermost, P));
  }

  /** Stack-key reference (0x1825 kernel / 0x1826 user). */
  keyReference(cpu: number, eventNs: number, pid: number, tid: number, key: number, user: boolean): void {
    this.stats.keyReferences++;
    const ref = this.refKey.length;
    this.refKey.push(key);
    this.refTime.push(eventNs);
    this.attach(cpu, eventNs, pid, tid, KEY_REF_BASE - ref, user);
  }

  /** Stack-key definition (0x1822 create, 0x1823 delete, 0x1824 rundown) at `timeNs`. */
  keyDefinition(
    timeNs: number,
    kind: number,
    key: number,
    view: DataView,
    framesAt: number,
    count: number,
    P: 4 | 8,
  ): void {
    this.stats.keyDefinitions++;
    if (count <= 0) return;
    if (count > MAX_STACK_FRAMES) {
      this.stats.damaged++;
      count = MAX_STACK_FRAMES;
    }
    this.defKey.push(key);
    this.defTime.push(timeNs);
    this.defKind.push(kind);
    this.defChunk.push(this.chunks.intern(view, framesAt, count, P));
  }

  private attach(
    cpu: number,
    eventNs: number,
    pid: number,
    tid: number,
    member: number,
    user: boolean,
  ): void {
    const o = this.owners;
    let record = -1;
    // The CPU's newest sample; for a user-mode part, any recent one (deferred walks come later).
    const row = this.recentSample(cpu, eventNs, tid, !user);
    const dpcRow = o.lastDpcExitNs(cpu) === eventNs ? o.lastDpcRow(cpu) : -1;
    const part = user ? this.recUser : this.recKernel;
    const dpcTaken =
      dpcRow >= 0 && dpcRow === this.dpcRecordRow && part.data[this.dpcRecord] !== NO_STACK_PART;
    // A sample and a DPC/ISR at the same tick: the walk follows the one logged last, unless that
    // one already has this part.
    let useDpc = dpcRow >= 0 && (row < 0 || o.lastOwnerIsDpc(cpu));
    if (useDpc && row >= 0 && dpcTaken) useDpc = false;
    else if (!useDpc && dpcRow >= 0 && row >= 0 && !dpcTaken) {
      const sampleRecord = this.ringRecordOf(row);
      if (sampleRecord >= 0 && part.data[sampleRecord] !== NO_STACK_PART) useDpc = true;
    }
    if (useDpc) {
      if (this.dpcRecordRow !== dpcRow) {
        this.dpcRecordRow = dpcRow;
        this.dpcRecord = this.newRecord(STACK_OWNER_DPC, cpu, o.lastDpcEnterNs(cpu), eventNs, tid, pid);
      }
      record = this.dpcRecord;
    } else if (row >= 0) {
      record = this.sampleRecord(row, cpu, eventNs, pid);
    } else if (user) {
      const pending = this.pendingUser.get(tid);
      if (pending !== undefined && this.recEventNs.data[pending] === eventNs) record = pending;
      // No kernel part and not a recent sample here: finalize looks on every CPU.
      else record = this.newRecord(STACK_OWNER_SAMPLE_ANY_CPU, cpu, eventNs, eventNs, tid, pid);
    }
    if (record < 0) {
      this.stats.otherOwners++;
      return;
    }
    if (part.data[record] !== NO_STACK_PART) {
      this.stats.duplicateParts++;
      return;
    }
    part.data[record] = member;
    if (user) {
      this.recPid.data[record] = pid;
      if (this.pendingUser.get(tid) === record) this.pendingUser.delete(tid);
    } else if (this.recUser.data[record] === NO_STACK_PART && tid !== 0) this.pendingUser.set(tid, record);
  }

  /** Direct-mapped by row: the eligible rows (the CPU's last RECENT_SAMPLES) never collide. */
  private ringRecordOf(row: number): number {
    const slot = row & (this.ringRow.length - 1);
    return this.ringRow[slot] === row ? this.ringRecord[slot]! : -1;
  }

  private newRecord(
    kind: number,
    cpu: number,
    time: number,
    eventNs: number,
    tid: number,
    pid: number,
  ): number {
    const id = this.recKind.length;
    this.recKind.push(kind);
    this.recCpu.push(cpu);
    this.recTime.push(time);
    this.recEventNs.push(eventNs);
    this.recTid.push(tid);
    this.recPid.push(pid);
    this.recKernel.push(NO_STACK_PART);
    this.recUser.push(NO_STACK_PART);
    return id;
  }

  /** Nothing was collected (the partial then carries no stacks). */
  get empty(): boolean {
    return this.recKind.length === 0 && this.defKey.length === 0 && this.stats.walks === 0;
  }

  finish(): PartialStacks {
    const n = this.recKind.length;
    const kind = this.recKind.trimmed();
    const cpu = this.recCpu.trimmed();
    const time = this.recTime.trimmed();
    const order = recordOrder(kind, cpu, time);
    return {
      frames: this.chunks.frames.trimmed(),
      chunkStart: this.chunks.start.trimmed(),
      chunkLength: this.chunks.length.trimmed(),
      records: {
        length: n,
        kind: gather(kind, order, new Uint8Array(n)),
        cpu: gather(cpu, order, new Uint16Array(n)),
        time: gather(time, order, new Float64Array(n)),
        tid: gather(this.recTid.trimmed(), order, new Uint32Array(n)),
        pid: gather(this.recPid.trimmed(), order, new Uint32Array(n)),
        kernel: gather(this.recKernel.trimmed(), order, new Int32Array(n)),
        user: gather(this.recUser.trimmed(), order, new Int32Array(n)),
      },
      keyRefs: { length: this.refKey.length, key: this.refKey.trimmed(), time: this.refTime.trimmed() },
      keyDefs: {
        length: this.defKey.length,
        key: this.defKey.trimmed(),
        time: this.defTime.trimmed(),
        kind: this.defKind.trimmed(),
        chunk: this.defChunk.trimmed(),
      },
      stats: { ...this.stats },
    };
  }
}

/** out[i] = source[order[i]]; one instance per element type (a generic one is megamorphic). */
function gather<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
  source: T,
  order: Int32Array,
  out: T,
): T {
  if (out instanceof Float64Array) gatherF64(source as Float64Array, order, out);
  else if (out instanceof Int32Array) gatherI32(source as Int32Array, order, out);
  else if (out instanceof Uint32Array) gatherU32(source as Uint32Array, order, out);
  else if (out instanceof Uint16Array) gatherU16(source as Uint16Array, order, out);
  else gatherU8(source as Uint8Array, order, out as Uint8Array);
  return out;
}
function gatherF64(s: Float64Array, order: Int32Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = s[order[i]!]!;
}
function gatherI32(s: Int32Array, order: Int32Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = s[order[i]!]!;
}
function gatherU32(s: Uint32Array, order: Int32Array, out: Uint32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = s[order[i]!]!;
}
function gatherU16(s: Uint16Array, order: Int32Array, out: Uint16Array): void {
  for (let i = 0; i < out.length; i++) out[i] = s[order[i]!]!;
}
function gatherU8(s: Uint8Array, order: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = s[order[i]!]!;
}

/**
 * Order of records by (kind, cpu, time), stable: a counting sort by (kind, cpu), then each bucket
 * is checked and only sorted when out of time order (samples arrive in time order per CPU; DPC
 * records come in exit order, so an ISR nested in a DPC puts its bucket out of enter order).
 */
function recordOrder(kind: Uint8Array, cpu: Uint16Array, time: Float64Array): Int32Array {
  const n = kind.length;
  let maxCpu = 0;
  for (let i = 0; i < n; i++) if (cpu[i]! > maxCpu) maxCpu = cpu[i]!;
  const slots = maxCpu + 1;
  const buckets = RECORD_KINDS * slots;
  const offsets = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) offsets[kind[i]! * slots + cpu[i]! + 1]!++;
  for (let b = 0; b < buckets; b++) offsets[b + 1]! += offsets[b]!;
  const fill = offsets.slice(0, buckets);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[kind[i]! * slots + cpu[i]!]!++] = i;
  for (let b = 0; b < buckets; b++) {
    const lo = offsets[b]!;
    const hi = offsets[b + 1]!;
    let sorted = true;
    for (let i = lo + 1; i < hi && sorted; i++) if (time[order[i]!]! < time[order[i - 1]!]!) sorted = false;
    if (!sorted) order.subarray(lo, hi).sort((a, b2) => time[a]! - time[b2]! || a - b2);
  }
  return order;
}
