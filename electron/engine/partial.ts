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

import type { Diagnostic } from '../../shared/contract.js';
import { f32, f64, i8, u16, u32, u8 } from './columns.js';
import type { DpcCoverage } from './model.js';

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
  tid: Uint32Array;
  ip: Float64Array;
  count: Uint16Array;
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
export interface PartialTimeTid {
  length: number;
  time: Float64Array;
  tid: Uint32Array;
}
/** A CPU's still-open state when its stream ended: closed at the trace end by finalize. */
export interface OpenTail {
  readonly cpu: number;
  readonly start: number;
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
  run: PartialRun;
  runTails: OpenTail[];
  ready: PartialTimeTid;
  samples: PartialSamples;
  idle: PartialIntervals;
  idleTails: OpenIdle[];
  images: ImageEvent[];
  rsds: RsdsEvent[];
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

/**
 * Address → dense id, open addressing over typed arrays. Addresses are AddressKeys (integers
 * up to 2^49, mostly above 2^31), which a `Map` boxes and hashes slowly on every DPC row.
 */
export class AddressInterner {
  private keys = new Float64Array(1024);
  private ids = new Int32Array(1024).fill(-1);
  private count = 0;

  private slotOf(key: number, keys: Float64Array, ids: Int32Array): number {
    const mask = keys.length - 1;
    const hi = (key / 0x1_0000_0000) | 0;
    let slot = Math.imul((key >>> 0) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      if (ids[slot] === -1 || keys[slot] === key) return slot;
      slot++;
    }
  }

  /** The id of `key`, or −1. */
  get(key: number): number {
    return this.ids[this.slotOf(key, this.keys, this.ids)]!;
  }

  set(key: number, id: number): void {
    if (this.count + 1 > this.keys.length * INTERNER_MAX_LOAD) this.grow();
    const slot = this.slotOf(key, this.keys, this.ids);
    if (this.ids[slot] === -1) this.count++;
    this.keys[slot] = key;
    this.ids[slot] = id;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldIds = this.ids;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.ids = new Int32Array(oldKeys.length * 2).fill(-1);
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldIds[i] === -1) continue;
      const slot = this.slotOf(oldKeys[i]!, this.keys, this.ids);
      this.keys[slot] = oldKeys[i]!;
      this.ids[slot] = oldIds[i]!;
    }
  }
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
}

export class PartialBuilder {
  private readonly dpcCpu = u16();
  private readonly dpcKind = u8();
  private readonly dpcEnter = f64();
  private readonly dpcDuration = f32();
  private readonly dpcExclusive = f32();
  private readonly dpcFragments = u16();
  private readonly dpcRoutine = u32();
  private readonly routineIds = new AddressInterner();
  private readonly routineList = f64(256);

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
  private readonly sampleIp = f64();
  private readonly sampleCount = u16();
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
  readonly processes: ProcessEvent[] = [];
  readonly threads: ThreadEvent[] = [];
  readonly profileIntervals: ProfileIntervalEvent[] = [];
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
      };
      this.cpus[cpu] = state;
    }
    return state;
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
    let routineId = routine === state.lastRoutine ? state.lastRoutineId : this.routineIds.get(routine);
    if (routineId < 0) {
      routineId = this.routineList.length;
      this.routineIds.set(routine, routineId);
      this.routineList.push(routine);
    }
    state.lastRoutine = routine;
    state.lastRoutineId = routineId;
    const row = this.dpcCount;
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
    for (const column of [
      this.dpcCpu,
      this.dpcKind,
      this.dpcEnter,
      this.dpcDuration,
      this.dpcExclusive,
      this.dpcFragments,
      this.dpcRoutine,
    ])
      column.length = this.dpcCount;
    for (const column of [this.runCpu, this.runStart, this.runEnd, this.runTid, this.runWait, this.runCState])
      column.length = this.runCount;
    for (const column of [this.readyTime, this.readyTid]) column.length = this.readyCount;
    for (const column of [
      this.sampleCpu,
      this.sampleTime,
      this.sampleTid,
      this.sampleIp,
      this.sampleCount,
      this.sampleFlags,
    ])
      column.length = this.sampleCount_;
    for (const column of [this.idleCpu, this.idleStart, this.idleEnd, this.idleState])
      column.length = this.idleCount;
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
      routines: this.routineList.trimmed(),
      run: {
        length: this.runCpu.length,
        cpu: this.runCpu.trimmed(),
        start: this.runStart.trimmed(),
        end: this.runEnd.trimmed(),
        tid: this.runTid.trimmed(),
        waitRaw: this.runWait.trimmed(),
        prevCState: this.runCState.trimmed(),
      },
      runTails,
      ready: { length: this.readyTime.length, time: this.readyTime.trimmed(), tid: this.readyTid.trimmed() },
      samples: {
        length: this.sampleCpu.length,
        cpu: this.sampleCpu.trimmed(),
        time: this.sampleTime.trimmed(),
        tid: this.sampleTid.trimmed(),
        ip: this.sampleIp.trimmed(),
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
    };
  }
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
  if (partial.routines.buffer instanceof ArrayBuffer) buffers.add(partial.routines.buffer);
  return [...buffers];
}
