// The per-CPU-stream builder: turns one stream of events (one or more whole CPUs, each CPU's
// events in time order, as `forEachEvent({order:'per-cpu'})` delivers them) into a *partial*:
// raw columns plus the metadata events it saw. Partials from several parser workers are merged
// and finalized once (finalize.ts). Everything here takes primitives (times already in TraceNs),
// so it is tested with hand-made streams and knows nothing about the reader.
//
//   appendDpc / appendCSwitch / appendCompactSwitch / appendReady / appendSample / appendIdle…
//        │ (per-CPU state: current thread, open idle state, ISRs awaiting their DPC)
//        ▼
//   finish() ──> Partial { dpc, run, ready, samples, idle columns; images, processes, threads… }
//
// DPC fragments: an ISR that interrupts a DPC on the same CPU exits (and is logged) before the
// DPC does, so each CPU keeps the ISRs logged since its last DPC-family event; when the DPC
// arrives, the ISRs inside [enter, exit] are its interruptions (exclusive = inclusive − their
// total, fragments = their number + 1).
//
// Keys repeated on many rows are interned here, in the parser workers (in parallel), so the
// serial finalize resolves each distinct key once: DPC routines, thread ids (run, ready and sample
// rows hold a local thread id into `tids`, with local id 0 always TID 0, the idle thread) and
// sampled instruction pointers (a local id into `sampleIps`).

import type { Diagnostic } from '../../shared/contract.js';
import { f32, f64, i8, u16, u32, u8, type TypedArray } from './columns.js';
import type { DpcCoverage } from './model.js';
import { schedEventsBuffers, type SchedEventsData } from './sched/sched-data.js';
import { StackCollector, type PartialStacks } from './stacks/collect.js';

export const DPC_KIND_ISR = 3;
export const DPC_KIND_ISR_MSI = 4;
export const isIsrKind = (kind: number): boolean => kind === DPC_KIND_ISR || kind === DPC_KIND_ISR_MSI;

/** Thread id meaning "not known" (compact CSwitch tail whose new thread was never named). */
export const UNKNOWN_TID = 0xffffffff;

/** ISRs remembered per CPU while waiting for the DPC that may contain them; more means no DPC
 *  is coming (ISR-only CPU), so the oldest half is dropped. */
const MAX_PENDING_ISRS = 4096;

export type ImageEventKind = 'load' | 'unload' | 'dcstart' | 'dcend';
export interface ImageEvent {
  readonly timeNs: number;
  readonly kind: ImageEventKind;
  readonly base: number;
  readonly size: number;
  readonly processId: number;
  readonly fileName: string;
}
export interface RsdsEvent {
  readonly timeNs: number;
  readonly base: number;
  readonly processId: number;
  readonly guid: string;
  readonly age: number;
  readonly pdbFileName: string;
}
/** A SysConfigEx volume mapping (`\Device\HarddiskVolume2\` → `C:\`). */
export interface VolumeEvent {
  readonly timeNs: number;
  readonly ntPath: string;
  readonly dosPath: string;
}
/** SystemConfig CPU: what the kernel rundown says about the processor. */
export interface CpuConfigEvent {
  readonly timeNs: number;
  readonly mhz: number;
  readonly processors: number;
  readonly architecture?: number;
  readonly level?: number;
  readonly revision?: number;
}
/** SystemConfig PnP of a processor device: its FriendlyName (the processor's marketing name). */
export interface ProcessorNameEvent {
  readonly timeNs: number;
  readonly name: string;
}
export type LifetimeKind = 'start' | 'end' | 'dcstart' | 'dcend';
export interface ProcessEvent {
  readonly timeNs: number;
  readonly kind: LifetimeKind;
  readonly processId: number;
  readonly parentId: number;
  readonly imageFileName: string;
  readonly commandLine: string;
}
export interface ThreadEvent {
  readonly timeNs: number;
  readonly kind: LifetimeKind | 'name';
  readonly threadId: number;
  readonly processId: number;
  readonly name: string;
}
export interface ProfileIntervalEvent {
  readonly timeNs: number;
  readonly source: number;
  /** 100-ns units. */
  readonly interval: number;
}

/** Columns of a partial: typed arrays with their filled length (structured-clone/transfer safe). */
export interface PartialDpc {
  length: number;
  cpu: Uint16Array;
  kind: Uint8Array;
  enter: Float64Array;
  duration: Float32Array;
  exclusive: Float32Array;
  fragments: Uint16Array;
  /** Index into `routines` of this partial. */
  routine: Uint32Array;
}
export interface PartialRun {
  length: number;
  cpu: Uint16Array;
  start: Float64Array;
  end: Float64Array;
  /** Local thread id: index into the partial's `tids` (0 is TID 0, the idle thread). */
  tid: Uint32Array;
  /** NewThreadWaitTime as logged with the switch that started this interval (NaN if unknown). */
  waitRaw: Float32Array;
  /** Idle intervals (tid 0) ended by a CSwitch: PreviousCState; −1 otherwise/unknown. */
  prevCState: Int8Array;
}
export interface PartialSamples {
  length: number;
  cpu: Uint16Array;
  time: Float64Array;
  /** Local thread id (index into `tids`, 0 is TID 0). */
  tid: Uint32Array;
  /** Local instruction-pointer id: index into the partial's `sampleIps`. */
  ipId: Uint32Array;
  /** Count (≤ 0xffff, exact in float32): float32 so finalize writes the weight over it in place. */
  count: Float32Array;
  /** bit0 DPC, bit1 ISR. */
  flags: Uint8Array;
}
export interface PartialIntervals {
  length: number;
  cpu: Uint16Array;
  start: Float64Array;
  end: Float64Array;
  state: Uint8Array;
}
/** ReadyThread rows, grouped by local thread id (ascending) and time-sorted inside each thread
 *  (`sortByThread` in finish()), so finalize only merges one run per partial. */
export interface PartialTimeTid {
  length: number;
  time: Float64Array;
  /** Local thread id (index into `tids`). */
  tid: Uint32Array;
}
/** A CPU's still-open state when its stream ended: closed at the trace end by finalize. */
export interface OpenTail {
  readonly cpu: number;
  readonly start: number;
  /** The thread id itself (not a local id). */
  readonly tid: number;
  readonly waitRaw: number;
}
export interface OpenIdle {
  readonly cpu: number;
  readonly start: number;
  readonly state: number;
}

export interface Partial {
  dpc: PartialDpc;
  routines: Float64Array;
  /** Thread id of each local thread id (distinct; entry 0 is always TID 0). */
  tids: Uint32Array;
  /** Instruction pointer (AddressKey) of each local IP id of the samples (distinct). */
  sampleIps: Float64Array;
  run: PartialRun;
  runTails: OpenTail[];
  ready: PartialTimeTid;
  samples: PartialSamples;
  idle: PartialIntervals;
  idleTails: OpenIdle[];
  images: ImageEvent[];
  rsds: RsdsEvent[];
  volumes: VolumeEvent[];
  cpuConfigs: CpuConfigEvent[];
  processorNames: ProcessorNameEvent[];
  processes: ProcessEvent[];
  threads: ThreadEvent[];
  profileIntervals: ProfileIntervalEvent[];
  groupMasks: number[] | undefined;
  counts: Record<string, number>;
  /** Per CPU (index) the number of events seen; tells which CPUs this partial covered. */
  eventsPerCpu: number[];
  events: number;
  bytesRead: number;
  lastEventNs: number;
  /** Every IdleStateEnter/Exit seen (even unpaired): decides whether the CSwitch fallback applies. */
  idleEvents: number;
  compactSwitchBatches: number;
  cswitches: number;
  /** Problems the reader found while reading this partial's buffers (set by the load layer). */
  diagnostics?: Diagnostic[];
  /** Per-CPU derivations made where the partial was read (finalize.ts `derivePerCpu`). */
  derived?: PerCpuDerived;
  /** Stack walks and stack keys (stacks/collect.ts); absent when the partial read none. */
  stacks?: PartialStacks;
  /** The scheduling tables' events as read (sched/sched-data.ts); absent when there were none. */
  sched?: SchedEventsData;
}

/** Per-CPU contiguous rows (local CPU indexing: rows of CPU c are offsets[c] .. offsets[c+1]). */
export interface PerCpuRows {
  readonly offsets: Int32Array;
  readonly start: Float64Array;
}

/**
 * What a parser worker derives from its own CPUs (it owns them whole), so finalize only
 * concatenates: the DPC/ISR coverage prefix sums (busy part computed with each CPU's open non-idle
 * running tail reaching to +∞, as its end is the trace end, known only after the merge), and the
 * idle rows with their C0 gaps up to each CPU's last closed row (`idleCursor`: where the gap
 * filling stopped; tails and the final C0 row are added by finalize). Valid only when the
 * partial's rows were put in CPU/time order first.
 */
export interface PerCpuDerived {
  readonly cpuSlots: number;
  /** Local CPU offsets of the (ordered) DPC and run rows. */
  readonly dpcOffsets: Int32Array;
  readonly runOffsets: Int32Array;
  readonly dpcCoverage: DpcCoverage;
  /** Idle rows from IdleStateEnter/Exit ('events', when this partial saw any) or CSwitch PreviousCState. */
  readonly idleMode: 'events' | 'cswitch';
  /** Contiguous per CPU (a row ends where the next starts; the last at `idleCursor`). */
  readonly idle: PerCpuRows & { readonly state: Uint8Array };
  readonly idleCursor: Float64Array;
  /** 'events' mode: 1 for CPUs with an idle row or an open idle tail. */
  readonly idleHasData: Uint8Array;
}

/** Load factor limit of the address hash table: at ≤ 1/2 full, linear probes stay ~1–2 long. */
const INTERNER_MAX_LOAD = 0.5;

/** Slots of a new address hash table (a power of two). */
const INTERNER_INITIAL_SLOTS = 1024;

/**
 * Distinct addresses in first-seen order: `idOf(key)` is the key's index (added when new).
 * Addresses are AddressKeys (integers up to 2^49, mostly above 2^31), which a `Map` boxes and
 * hashes slowly on every row. Open addressing whose slots hold 4-byte entry numbers; the keys
 * sit densely in entry order (they are also the list of distinct keys). Tens of thousands of
 * sampled IPs take ~16 B each (a 16-byte key/id slot at half load took 32 B), so the table stays
 * mostly in cache: 2.7 M samples with 86 K distinct IPs intern in ~35–45 ms instead of ~55–95.
 */
export class DenseKeys {
  /** Slot → entry number (−1: empty). */
  private slots = new Int32Array(INTERNER_INITIAL_SLOTS).fill(-1);
  private keys = new Float64Array(INTERNER_INITIAL_SLOTS / 2);
  private limit = INTERNER_INITIAL_SLOTS * INTERNER_MAX_LOAD;
  size = 0;

  private static hash(key: number): number {
    const hi = (key / 0x1_0000_0000) | 0;
    const h = Math.imul((key >>> 0) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
    // The product's low bits depend only on the key's low bits, which are zero for aligned code
    // addresses (sampled IPs are multiples of 8 on the bench trace: 1/8 of the slots used): fold
    // the high half in before masking.
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The index of `key`, or −1. */
  find(key: number): number {
    const slots = this.slots;
    const keys = this.keys;
    const mask = slots.length - 1;
    for (let slot = DenseKeys.hash(key) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]!;
      if (entry === -1 || keys[entry] === key) return entry;
    }
  }

  /** The index of `key`, which is added (index = size before) when it is new. */
  idOf(key: number): number {
    const slots = this.slots;
    const keys = this.keys;
    const mask = slots.length - 1;
    let slot = DenseKeys.hash(key) & mask;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === -1) break;
      if (keys[entry] === key) return entry;
      slot = (slot + 1) & mask;
    }
    const entry = this.size++;
    if (entry === keys.length) {
      this.keys = new Float64Array(entry * 2);
      this.keys.set(keys);
    }
    this.keys[entry] = key;
    slots[slot] = entry;
    if (this.size > this.limit) this.grow();
    return entry;
  }

  /** The distinct keys, index order (a view). */
  list(): Float64Array {
    return this.keys.subarray(0, this.size);
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = DenseKeys.hash(this.keys[entry]!) & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = entry;
    }
    this.slots = slots;
    this.limit = slots.length * INTERNER_MAX_LOAD;
  }
}

/** Address → any id (DenseKeys plus an id per entry). */
export class AddressInterner {
  private readonly keys = new DenseKeys();
  private ids = new Int32Array(INTERNER_INITIAL_SLOTS / 2);

  /** The id of `key`, or −1. */
  get(key: number): number {
    const entry = this.keys.find(key);
    return entry < 0 ? -1 : this.ids[entry]!;
  }

  /** The id of `key`; when it has none, `key` gets `id` (returned). One probe for get + set. */
  intern(key: number, id: number): number {
    const before = this.keys.size;
    const entry = this.keys.idOf(key);
    if (entry < before) return this.ids[entry]!;
    this.store(entry, id);
    return id;
  }

  set(key: number, id: number): void {
    this.store(this.keys.idOf(key), id);
  }

  private store(entry: number, id: number): void {
    if (entry >= this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.ids[entry] = id;
  }
}

type RowColumnCtor = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray };

/**
 * glibc serves allocations below its mmap threshold — which rises up to 32 MiB after big blocks
 * are freed — from the thread's heap arena, and keeps that memory resident after free() (a worker
 * thread's arena outlives the worker). Reserved columns at least this big come straight from
 * mmap and go back to the OS when freed; their untouched part is address space only.
 */
const GLIBC_MMAP_THRESHOLD_MAX_BYTES = 32 * 1024 * 1024 + 4096;
/** Columns reserved for fewer bytes stay small (tiny traces): their arena memory is negligible. */
const MMAP_ROUNDING_MIN_BYTES = 256 * 1024;

/** Upper bounds on the rows of each table of one partial (see `PartialBuilder.reserve`). */
export interface PartialCapacity {
  readonly dpc: number;
  readonly run: number;
  readonly ready: number;
  readonly samples: number;
  readonly idle: number;
}

interface CpuState {
  /** Time the current running interval began (NaN: no switch seen yet → trace start). */
  runStart: number;
  runTid: number;
  runWait: number;
  seenSwitch: boolean;
  idleStart: number;
  idleState: number;
  /** ISRs logged since the CPU's last DPC-family event: [enter, exit] pairs, `pendingIsrs` used. */
  pendingIsr: Float64Array;
  pendingIsrs: number;
  lastRoutine: number;
  lastRoutineId: number;
  /** The CPU's last DPC/ISR (stack walks look it up): exit, enter, row; and whether the CPU's
   *  newest owner event (sample or DPC/ISR) is that DPC/ISR. */
  lastDpcExit: number;
  lastDpcEnter: number;
  lastDpcRow: number;
  lastOwnerIsDpc: boolean;
}

export class PartialBuilder {
  private readonly dpcCpu = u16();
  private readonly dpcKind = u8();
  private readonly dpcEnter = f64();
  private readonly dpcDuration = f32();
  private readonly dpcExclusive = f32();
  private readonly dpcFragments = u16();
  private readonly dpcRoutine = u32();
  /** Distinct routine addresses (local routine id = index). */
  private readonly routineIds = new DenseKeys();

  private readonly runCpu = u16();
  private readonly runStart = f64();
  private readonly runEnd = f64();
  private readonly runTid = u32();
  private readonly runWait = f32();
  private readonly runCState = i8();

  private readonly readyTime = f64();
  private readonly readyTid = u32();

  private readonly sampleCpu = u16();
  private readonly sampleTime = f64();
  private readonly sampleTid = u32();
  /** Raw instruction pointers while reading; finish() interns them into a column of local ids. */
  private readonly sampleIp = f64();
  private readonly sampleCount = f32();
  private readonly sampleFlags = u8();

  private readonly idleCpu = u16();
  private readonly idleStart = f64();
  private readonly idleEnd = f64();
  private readonly idleState = u8();
  /** Rows per table: columns are written at `data[count]` and get their length in finish(). */
  private dpcCount = 0;
  private runCount = 0;
  private readyCount = 0;
  private sampleCount_ = 0;
  private idleCount = 0;

  private readonly cpus: CpuState[] = [];
  readonly images: ImageEvent[] = [];
  readonly rsds: RsdsEvent[] = [];
  readonly volumes: VolumeEvent[] = [];
  readonly cpuConfigs: CpuConfigEvent[] = [];
  readonly processorNames: ProcessorNameEvent[] = [];
  readonly processes: ProcessEvent[] = [];
  readonly threads: ThreadEvent[] = [];
  readonly profileIntervals: ProfileIntervalEvent[] = [];
  readonly stacks = new StackCollector({
    sampleRows: () => this.sampleCount_,
    sampleCpuAt: (row) => this.sampleCpu.data[row]!,
    sampleTimeAt: (row) => this.sampleTime.data[row]!,
    sampleTidAt: (row) => this.sampleTid.data[row]!,
    lastDpcExitNs: (cpu) => this.cpus[cpu]?.lastDpcExit ?? NaN,
    lastDpcEnterNs: (cpu) => this.cpus[cpu]?.lastDpcEnter ?? 0,
    lastDpcRow: (cpu) => this.cpus[cpu]?.lastDpcRow ?? -1,
    lastOwnerIsDpc: (cpu) => this.cpus[cpu]?.lastOwnerIsDpc === true,
  });
  groupMasks: number[] | undefined;
  counts: Record<string, number> = {};
  readonly eventsPerCpu: number[] = [];
  events = 0;
  bytesRead = 0;
  lastEventNs = 0;
  private idleEvents = 0;
  private compactSwitchBatches = 0;
  private cswitches = 0;

  private cpu(cpu: number): CpuState {
    let state = this.cpus[cpu];
    if (state === undefined) {
      state = {
        runStart: 0,
        runTid: UNKNOWN_TID,
        runWait: NaN,
        seenSwitch: false,
        idleStart: NaN,
        idleState: 0,
        pendingIsr: new Float64Array(2 * MAX_PENDING_ISRS),
        pendingIsrs: 0,
        lastRoutine: -1,
        lastRoutineId: 0,
        lastDpcExit: NaN,
        lastDpcEnter: 0,
        lastDpcRow: -1,
        lastOwnerIsDpc: false,
      };
      this.cpus[cpu] = state;
    }
    return state;
  }

  /**
   * Sizes every table's columns for at most `rows` rows up front, so appends never copy: columns
   * this large are fresh zero pages from the OS (calloc → mmap), and only the rows actually written
   * are ever touched, so the slack costs address space, not memory. A bound that proves too small
   * just falls back to doubling.
   */
  reserve(rows: PartialCapacity, shared = false): void {
    const grow = (column: { data: TypedArray; growTo(wanted: number): void }, wanted: number) => {
      const bytes = wanted * column.data.BYTES_PER_ELEMENT;
      const capacity =
        bytes >= MMAP_ROUNDING_MIN_BYTES && bytes < GLIBC_MMAP_THRESHOLD_MAX_BYTES
          ? Math.ceil(GLIBC_MMAP_THRESHOLD_MAX_BYTES / column.data.BYTES_PER_ELEMENT)
          : wanted;
      if (!shared) return column.growTo(capacity);
      // SharedArrayBuffer-backed (also fresh zero pages): other parser workers can place their
      // rows behind this share's (`placeRows`), so the merge copies nothing in this thread.
      const ctor = column.data.constructor as RowColumnCtor;
      const data = new ctor(new SharedArrayBuffer(Math.max(1, capacity) * column.data.BYTES_PER_ELEMENT));
      data.set(column.data.subarray(0, Math.min(capacity, column.data.length)) as never);
      column.data = data;
    };
    const columns = this.columnsByTable();
    for (const table of ROW_TABLES)
      for (const column of columns[table]) {
        try {
          grow(column, rows[table]);
        } catch (error) {
          // A system that refuses the address space (strict overcommit, a small ulimit -v): the
          // column keeps its small start and grows by doubling as rows come.
          if (!(error instanceof RangeError)) throw error;
        }
      }
  }

  /** Every row column, by table (reserve and finish treat them alike). */
  private columnsByTable(): Record<
    RowTableName,
    readonly { data: TypedArray; length: number; growTo(n: number): void }[]
  > {
    return {
      dpc: [
        this.dpcCpu,
        this.dpcKind,
        this.dpcEnter,
        this.dpcDuration,
        this.dpcExclusive,
        this.dpcFragments,
        this.dpcRoutine,
      ],
      run: [this.runCpu, this.runStart, this.runEnd, this.runTid, this.runWait, this.runCState],
      ready: [this.readyTime, this.readyTid],
      samples: [
        this.sampleCpu,
        this.sampleTime,
        this.sampleTid,
        this.sampleIp,
        this.sampleCount,
        this.sampleFlags,
      ],
      idle: [this.idleCpu, this.idleStart, this.idleEnd, this.idleState],
    };
  }

  /** Every event passes here once (any kind): per-CPU counts and the trace's last time. */
  noteEvent(cpu: number, timeNs: number): void {
    this.events++;
    this.eventsPerCpu[cpu] = (this.eventsPerCpu[cpu] ?? 0) + 1;
    if (timeNs > this.lastEventNs) this.lastEventNs = timeNs;
  }

  appendDpc(cpu: number, kind: number, enterNs: number, exitNs: number, routine: number): void {
    const state = this.cpu(cpu);
    const duration = exitNs - enterNs;
    let exclusive = duration;
    let fragments = 1;
    if (isIsrKind(kind)) {
      const pending = state.pendingIsr;
      if (state.pendingIsrs >= MAX_PENDING_ISRS) {
        pending.copyWithin(0, MAX_PENDING_ISRS, 2 * MAX_PENDING_ISRS);
        state.pendingIsrs = MAX_PENDING_ISRS / 2;
      }
      pending[2 * state.pendingIsrs] = enterNs;
      pending[2 * state.pendingIsrs + 1] = exitNs;
      state.pendingIsrs++;
    } else if (state.pendingIsrs > 0) {
      const pending = state.pendingIsr;
      for (let i = 0; i < 2 * state.pendingIsrs; i += 2) {
        const isrEnter = pending[i]!;
        const isrExit = pending[i + 1]!;
        if (isrEnter >= enterNs && isrExit <= exitNs) {
          exclusive -= isrExit - isrEnter;
          fragments++;
        }
      }
      state.pendingIsrs = 0;
    }
    // Consecutive DPCs on a CPU are mostly the same routine: skip the Map for repeats.
    let routineId = state.lastRoutineId;
    if (routine !== state.lastRoutine) {
      routineId = this.routineIds.idOf(routine);
    }
    state.lastRoutine = routine;
    state.lastRoutineId = routineId;
    const row = this.dpcCount;
    state.lastDpcExit = exitNs;
    state.lastDpcEnter = enterNs;
    state.lastDpcRow = row;
    state.lastOwnerIsDpc = true;
    if (row === this.dpcCpu.data.length) {
      this.dpcCpu.growTo(row * 2);
      this.dpcKind.growTo(row * 2);
      this.dpcEnter.growTo(row * 2);
      this.dpcDuration.growTo(row * 2);
      this.dpcExclusive.growTo(row * 2);
      this.dpcFragments.growTo(row * 2);
      this.dpcRoutine.growTo(row * 2);
    }
    this.dpcCpu.data[row] = cpu;
    this.dpcKind.data[row] = kind;
    this.dpcEnter.data[row] = enterNs;
    this.dpcDuration.data[row] = duration;
    this.dpcExclusive.data[row] = exclusive;
    this.dpcFragments.data[row] = Math.min(fragments, 0xffff);
    this.dpcRoutine.data[row] = routineId;
    this.dpcCount = row + 1;
  }

  /** A full CSwitch (0x0524) at `timeNs` on `cpu`: the old thread ran until now. */
  appendCSwitch(
    cpu: number,
    timeNs: number,
    newTid: number,
    oldTid: number,
    previousCState: number,
    newThreadWaitTime: number,
  ): void {
    this.cswitches++;
    this.closeRun(cpu, timeNs, oldTid, oldTid === 0 ? previousCState : -1);
    const state = this.cpu(cpu);
    state.runTid = newTid;
    state.runWait = newThreadWaitTime;
  }

  /** One switch of a compact batch (0x0525): only the old thread is known; the new thread is
   *  the old thread of the CPU's next switch. */
  appendCompactSwitch(cpu: number, timeNs: number, oldTid: number, newThreadWaitTime: number): void {
    this.cswitches++;
    this.closeRun(cpu, timeNs, oldTid, -1);
    const state = this.cpu(cpu);
    state.runTid = UNKNOWN_TID;
    state.runWait = newThreadWaitTime;
  }

  noteCompactBatch(): void {
    this.compactSwitchBatches++;
  }

  private closeRun(cpu: number, timeNs: number, oldTid: number, cstate: number): void {
    const state = this.cpu(cpu);
    const start = state.seenSwitch ? state.runStart : 0;
    if (timeNs > start) {
      const row = this.runCount;
      if (row === this.runCpu.data.length) {
        this.runCpu.growTo(row * 2);
        this.runStart.growTo(row * 2);
        this.runEnd.growTo(row * 2);
        this.runTid.growTo(row * 2);
        this.runWait.growTo(row * 2);
        this.runCState.growTo(row * 2);
      }
      this.runCpu.data[row] = cpu;
      this.runStart.data[row] = start;
      this.runEnd.data[row] = timeNs;
      this.runTid.data[row] = oldTid;
      this.runWait.data[row] = state.seenSwitch ? state.runWait : NaN;
      this.runCState.data[row] = cstate;
      this.runCount = row + 1;
    }
    state.seenSwitch = true;
    state.runStart = timeNs;
  }

  appendReady(timeNs: number, readiedTid: number): void {
    const row = this.readyCount;
    if (row === this.readyTime.data.length) {
      this.readyTime.growTo(row * 2);
      this.readyTid.growTo(row * 2);
    }
    this.readyTime.data[row] = timeNs;
    this.readyTid.data[row] = readiedTid;
    this.readyCount = row + 1;
  }

  /** SampledProfile: `count` samples (weight = count × interval, resolved at finalize). */
  appendSample(
    cpu: number,
    timeNs: number,
    tid: number,
    ip: number,
    count: number,
    dpc: boolean,
    isr: boolean,
  ): void {
    const row = this.sampleCount_;
    const state = this.cpus[cpu];
    if (state !== undefined) state.lastOwnerIsDpc = false;
    if (row === this.sampleCpu.data.length) {
      this.sampleCpu.growTo(row * 2);
      this.sampleTime.growTo(row * 2);
      this.sampleTid.growTo(row * 2);
      this.sampleIp.growTo(row * 2);
      this.sampleCount.growTo(row * 2);
      this.sampleFlags.growTo(row * 2);
    }
    this.sampleCpu.data[row] = cpu;
    this.sampleTime.data[row] = timeNs;
    this.sampleTid.data[row] = tid;
    this.sampleIp.data[row] = ip;
    this.sampleCount.data[row] = Math.min(count, 0xffff);
    this.sampleFlags.data[row] = (dpc ? 1 : 0) | (isr ? 2 : 0);
    this.sampleCount_ = row + 1;
  }

  /** IdleStateEnter(State = s): the CPU sleeps in C{s+1} until the next exit. */
  appendIdleEnter(cpu: number, timeNs: number, state: number): void {
    this.idleEvents++;
    const s = this.cpu(cpu);
    s.idleStart = timeNs;
    s.idleState = state + 1;
  }

  appendIdleExit(cpu: number, timeNs: number): void {
    this.idleEvents++;
    const s = this.cpu(cpu);
    if (!Number.isNaN(s.idleStart) && timeNs >= s.idleStart) {
      this.appendIdleInterval(cpu, s.idleStart, timeNs, s.idleState);
    }
    s.idleStart = NaN;
  }

  /** A closed idle interval in state index `state` (1 = C1, …). */
  appendIdleInterval(cpu: number, startNs: number, endNs: number, state: number): void {
    if (endNs <= startNs) return;
    const row = this.idleCount;
    if (row === this.idleCpu.data.length) {
      this.idleCpu.growTo(row * 2);
      this.idleStart.growTo(row * 2);
      this.idleEnd.growTo(row * 2);
      this.idleState.growTo(row * 2);
    }
    this.idleCpu.data[row] = cpu;
    this.idleStart.data[row] = startNs;
    this.idleEnd.data[row] = endNs;
    this.idleState.data[row] = Math.min(state, 255);
    this.idleCount = row + 1;
  }

  finish(): Partial {
    const rows: RowCounts = {
      dpc: this.dpcCount,
      run: this.runCount,
      ready: this.readyCount,
      samples: this.sampleCount_,
      idle: this.idleCount,
    };
    const columns = this.columnsByTable();
    for (const table of ROW_TABLES) for (const column of columns[table]) column.length = rows[table];
    const runTails: OpenTail[] = [];
    const idleTails: OpenIdle[] = [];
    this.cpus.forEach((state, cpu) => {
      if (state.seenSwitch && state.runTid !== UNKNOWN_TID) {
        runTails.push({ cpu, start: state.runStart, tid: state.runTid, waitRaw: state.runWait });
      }
      if (!Number.isNaN(state.idleStart))
        idleTails.push({ cpu, start: state.idleStart, state: state.idleState });
    });
    const eventsPerCpu: number[] = [];
    for (let i = 0; i < this.eventsPerCpu.length; i++) eventsPerCpu.push(this.eventsPerCpu[i] ?? 0);
    // Thread ids and sampled IPs become partial-local ids here, in tight loops after the read
    // (interleaved with ingest, the hash tables' cache lines were evicted by the event stream: the
    // same lookups cost about twice as much). Local thread id 0 is TID 0 in every partial, so
    // "is this the idle thread" stays `tid === 0`.
    const threadIds = new DenseKeys();
    threadIds.idOf(0);
    const runTid = internInPlace(this.runTid.trimmed(), threadIds);
    const readyTid = internInPlace(this.readyTid.trimmed(), threadIds);
    const sampleTid = internInPlace(this.sampleTid.trimmed(), threadIds);
    const ipIds = new DenseKeys();
    const sampleIpId = internAddresses(this.sampleIp.trimmed(), this.sampleIp.data.length, ipIds);
    return {
      dpc: {
        length: this.dpcCpu.length,
        cpu: this.dpcCpu.trimmed(),
        kind: this.dpcKind.trimmed(),
        enter: this.dpcEnter.trimmed(),
        duration: this.dpcDuration.trimmed(),
        exclusive: this.dpcExclusive.trimmed(),
        fragments: this.dpcFragments.trimmed(),
        routine: this.dpcRoutine.trimmed(),
      },
      routines: this.routineIds.list(),
      tids: Uint32Array.from(threadIds.list()),
      sampleIps: ipIds.list(),
      run: {
        length: this.runCpu.length,
        cpu: this.runCpu.trimmed(),
        start: this.runStart.trimmed(),
        end: this.runEnd.trimmed(),
        tid: runTid,
        waitRaw: this.runWait.trimmed(),
        prevCState: this.runCState.trimmed(),
      },
      runTails,
      ready: sortByThread(this.readyTime.trimmed(), readyTid, threadIds.size),
      samples: {
        length: this.sampleCpu.length,
        cpu: this.sampleCpu.trimmed(),
        time: this.sampleTime.trimmed(),
        tid: sampleTid,
        ipId: sampleIpId,
        count: this.sampleCount.trimmed(),
        flags: this.sampleFlags.trimmed(),
      },
      idle: {
        length: this.idleCpu.length,
        cpu: this.idleCpu.trimmed(),
        start: this.idleStart.trimmed(),
        end: this.idleEnd.trimmed(),
        state: this.idleState.trimmed(),
      },
      idleTails,
      images: this.images,
      rsds: this.rsds,
      volumes: this.volumes,
      cpuConfigs: this.cpuConfigs,
      processorNames: this.processorNames,
      processes: this.processes,
      threads: this.threads,
      profileIntervals: this.profileIntervals,
      groupMasks: this.groupMasks,
      counts: this.counts,
      eventsPerCpu,
      events: this.events,
      bytesRead: this.bytesRead,
      lastEventNs: this.lastEventNs,
      idleEvents: this.idleEvents,
      compactSwitchBatches: this.compactSwitchBatches,
      cswitches: this.cswitches,
      ...(this.stacks.empty ? {} : { stacks: this.stacks.finish() }),
    };
  }
}

/** Each value replaced by its index in `keys` (added when new), in place. */
function internInPlace(values: Uint32Array, keys: DenseKeys): Uint32Array {
  for (let i = 0; i < values.length; i++) values[i] = keys.idOf(values[i]!);
  return values;
}

/**
 * Addresses → their index in `keys` (added when new), as a u32 column with the same capacity as
 * the addresses' (zero pages until written; shared when they were, so rows can be placed behind
 * it). Not written over the addresses: the model keeps the ids (finalize writes functions over
 * them), and a view over the 8-byte addresses would keep twice the touched memory alive.
 */
function internAddresses(addresses: Float64Array, capacity: number, keys: DenseKeys): Uint32Array {
  const bytes = Math.max(1, capacity) * Uint32Array.BYTES_PER_ELEMENT;
  const buffer =
    addresses.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const ids = new Uint32Array(buffer, 0, addresses.length);
  for (let i = 0; i < addresses.length; i++) ids[i] = keys.idOf(addresses[i]!);
  return ids;
}

/**
 * Ready rows grouped by thread (a stable counting sort) with each thread's times ascending: a
 * thread's rows arrive as one time-ordered run per CPU stream (ReadyThread is logged on the
 * readying CPU), merged here — in the parser worker, so the serial finalize does not.
 */
function sortByThread(time: Float64Array, tid: Uint32Array, threads: number): PartialTimeTid {
  const n = time.length;
  let grouped = true;
  for (let i = 1; i < n && grouped; i++)
    if (tid[i]! < tid[i - 1]! || (tid[i] === tid[i - 1] && time[i]! < time[i - 1]!)) grouped = false;
  if (grouped) return { length: n, time, tid };
  const offsets = new Int32Array(threads + 1);
  for (let i = 0; i < n; i++) offsets[tid[i]! + 1]!++;
  for (let k = 0; k < threads; k++) offsets[k + 1]! += offsets[k]!;
  const fill = offsets.slice(0, threads);
  const outTime = new Float64Array(n);
  const outTid = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = fill[tid[i]!]!++;
    outTime[at] = time[i]!;
    outTid[at] = tid[i]!;
  }
  let scratch: Float64Array | undefined;
  for (let k = 0; k < threads; k++) {
    const lo = offsets[k]!;
    const hi = offsets[k + 1]!;
    for (let i = lo + 1; i < hi; i++) {
      if (outTime[i]! < outTime[i - 1]!) {
        mergeRuns(outTime, lo, hi, (scratch ??= new Float64Array(n)));
        break;
      }
    }
  }
  return { length: n, time: outTime, tid: outTid };
}

/**
 * Sorts `values[lo, hi)` by merging its ascending runs pairwise: few passes when the values are
 * a few sorted runs (per-CPU streams), O(n log n) at worst; a typed-array sort() costs several
 * times more. `scratch` is at least as long as `values`.
 */
export function mergeRuns(values: Float64Array, lo: number, hi: number, scratch: Float64Array): void {
  let bounds = [lo];
  for (let i = lo + 1; i < hi; i++) if (values[i]! < values[i - 1]!) bounds.push(i);
  bounds.push(hi);
  let from = values;
  let to = scratch;
  while (bounds.length > 2) {
    const next = [lo];
    for (let b = 0; b + 1 < bounds.length; b += 2) {
      const aEnd = bounds[b + 1]!;
      const bEnd = b + 2 < bounds.length ? bounds[b + 2]! : aEnd;
      let i = bounds[b]!;
      let j = aEnd;
      let out = i;
      while (i < aEnd && j < bEnd) to[out++] = from[j]! < from[i]! ? from[j++]! : from[i++]!;
      while (i < aEnd) to[out++] = from[i++]!;
      while (j < bEnd) to[out++] = from[j++]!;
      next.push(bEnd);
    }
    bounds = next;
    [from, to] = [to, from];
  }
  if (from !== values) values.set(from.subarray(lo, hi), lo);
}

/** The ArrayBuffers of a partial, for a postMessage transfer list (moved, not copied). */
export function partialTransferList(partial: Partial): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (columns: object) => {
    for (const value of Object.values(columns)) {
      if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
    }
  };
  add(partial.dpc);
  add(partial.run);
  add(partial.ready);
  add(partial.samples);
  add(partial.idle);
  if (partial.derived !== undefined) {
    const d = partial.derived;
    for (const columns of [d.dpcCoverage, d.idle]) add(columns);
    add({ a: d.idleCursor, b: d.idleHasData, c: d.dpcOffsets, d: d.runOffsets });
  }
  for (const list of [partial.routines, partial.tids, partial.sampleIps])
    if (list.buffer instanceof ArrayBuffer) buffers.add(list.buffer);
  if (partial.stacks !== undefined) {
    const st = partial.stacks;
    add({ a: st.frames, b: st.chunkStart, c: st.chunkLength });
    add(st.records);
    add(st.keyRefs);
    add(st.keyDefs);
  }
  if (partial.sched !== undefined)
    for (const buffer of schedEventsBuffers(partial.sched)) buffers.add(buffer);
  return [...buffers];
}

/** The row tables of a partial: each is `length` plus typed-array columns of that many rows. */
export const ROW_TABLES = ['dpc', 'run', 'ready', 'samples', 'idle'] as const;
export type RowTableName = (typeof ROW_TABLES)[number];
export type RowCounts = Record<RowTableName, number>;

/** Where another share's rows go: per table, the first row and per column its shared buffer. */
export type RowPlacement = {
  [K in RowTableName]?: { readonly at: number; readonly columns: Record<string, SharedArrayBuffer> };
};

function rowColumns(table: object): [string, TypedArray][] {
  return Object.entries(table).filter((e): e is [string, TypedArray] => ArrayBuffer.isView(e[1]));
}

export function rowCounts(p: Partial): RowCounts {
  return {
    dpc: p.dpc.length,
    run: p.run.length,
    ready: p.ready.length,
    samples: p.samples.length,
    idle: p.idle.length,
  };
}

/**
 * For a share whose columns were reserved shared (`reserve(…, true)`) for the whole file: where
 * the following shares' rows go, one after another (`counts[k]` rows each). A column that is not
 * (or no longer) such a shared buffer, or lacks the room, is left out: that share keeps its own.
 */
export function planPlacements(first: Partial, counts: readonly RowCounts[]): RowPlacement[] {
  const plans: RowPlacement[] = counts.map(() => ({}));
  for (const name of ROW_TABLES) {
    const table = first[name];
    const total = counts.reduce((n, c) => n + c[name], table.length);
    const columns: Record<string, SharedArrayBuffer> = {};
    for (const [field, column] of rowColumns(table)) {
      const buffer = column.buffer;
      if (
        buffer instanceof SharedArrayBuffer &&
        column.byteOffset === 0 &&
        buffer.byteLength >= total * column.BYTES_PER_ELEMENT
      )
        columns[field] = buffer;
    }
    if (Object.keys(columns).length === 0) continue;
    let at = table.length;
    counts.forEach((c, k) => {
      plans[k]![name] = { at, columns };
      at += c[name];
    });
  }
  return plans;
}

/** Copies this partial's rows into their planned place and makes its columns views there. */
export function placeRows(p: Partial, plan: RowPlacement): void {
  for (const name of ROW_TABLES) {
    const target = plan[name];
    if (target === undefined) continue;
    const table = p[name] as unknown as Record<string, unknown> & { length: number };
    for (const [field, column] of rowColumns(table)) {
      const buffer = target.columns[field];
      if (buffer === undefined) continue;
      const placed = new (column.constructor as RowColumnCtor)(
        buffer,
        target.at * column.BYTES_PER_ELEMENT,
        table.length,
      );
      placed.set(column.subarray(0, table.length) as never);
      table[field] = placed;
    }
  }
}
