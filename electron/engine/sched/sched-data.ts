// The scheduling tables: one row per context switch with WPA's CPU Usage (Precise) fields. Phase 1
// collects every CSwitch field, the readying CPU and DPC flag of each ReadyThread, and the power
// events (SchedEvents.visit), fed by the load pass as it reads (ingest.ts, one SchedEvents per
// parser worker, merged by mergeSchedEvents: the CLI and small files in the app, no second read)
// or by a file pass (sched-file.ts readSchedEvents: the app's scheduling worker for files ≥ 16 MiB,
// and the fallback). sched-file.ts keeps the tables per model. Phase 2 (finishSchedEvents) runs
// in that worker (electron/worker/sched-host.ts), else on first use.
//
//   events (per CPU) ──SchedEvents.visit──> raw switches (CSwitch, compact records), ReadyThreads
//                                        (time, CPU, TID, DPC flag), power events (power/power-data.ts)
//   finish: switches in time order ──> per CPU the open row gets its Next Switch-Out; per TID the
//           last switch-out (time, state, wait reason, mode); the new thread's ready time = its
//           latest ReadyThread at or before the switch-in and not before its last switch-out, else
//           its switch-out when it was preempted (state Ready/Standby); readier = the thread
//           current on the ReadyThread's CPU just before it
//   ──> SchedData (columns, rows in switch-in order) + per-CPU row lists + PowerData
//
// Compact CSwitch batches (0x0525): each record is a switch away from its old thread, whose new
// thread is the next record's old thread on that CPU (the last one, never named, is dropped); they
// carry no priorities, wait mode, ideal CPU or PrevCState (0 in those columns). Threads resolve to
// the load pass's thread instances (TID + time).

import {
  decodeCompactCSwitchBatch,
  decodeIdleStateChange,
  decodePerfState,
  KernelHook,
  READY_FLAG_EXECUTING_DPC,
  THREAD_STATE_READY,
  THREAD_STATE_STANDBY,
  type RawEvent,
} from '../../reader/index.js';
import { concat, f64, i32, i8, u16, u32, u8, type TypedArray } from '../columns.js';
import { PowerBuilder, powerBuffers, type LaneSnapshot, type PowerData } from '../power/power-data.js';

/** Unknown value in the u8 columns (state, wait reason, mode of a switch-out not seen). */
export const UNKNOWN_U8 = 255;

export interface SchedData {
  readonly length: number;
  readonly cpu: Uint16Array;
  readonly switchIn: Float64Array;
  /** Next switch-out on the same CPU (the trace end for a CPU's last row). */
  readonly nextOut: Float64Array;
  /** Thread instances (model.threads index; −1 unknown) and raw TIDs. */
  readonly newThread: Int32Array;
  readonly newTid: Uint32Array;
  readonly oldThread: Int32Array;
  readonly oldTid: Uint32Array;
  readonly newPri: Int8Array;
  readonly oldPri: Int8Array;
  readonly oldState: Uint8Array;
  readonly oldWaitReason: Uint8Array;
  readonly oldWaitMode: Uint8Array;
  readonly idealCpu: Uint8Array;
  readonly prevCState: Uint8Array;
  /** The new thread's state at its last switch-out (UNKNOWN_U8 when not seen). */
  readonly newPrevState: Uint8Array;
  readonly newPrevWaitReason: Uint8Array;
  readonly newPrevWaitMode: Uint8Array;
  /** NaN when unknown. */
  readonly lastOut: Float64Array;
  readonly readyAt: Float64Array;
  /** Readying thread instance / TID (−1: none — preempted, or no ReadyThread seen). */
  readonly readier: Int32Array;
  readonly readierTid: Int32Array;
  readonly readyCpu: Int16Array;
  readonly readyFromDpc: Uint8Array;
  /** Row indices of each CPU in switch-in order. */
  readonly cpuRows: readonly Int32Array[];
  readonly cswitchEvents: number;
  readonly compactBatches: number;
  readonly power: PowerData;
}

/** A thread instance as the resolver needs it (EngineModel.threads' entries have these). */
export interface ThreadKey {
  readonly threadId: number;
  readonly startNs: number;
}

/** Resolves TID + time to the load pass's thread instance (the instance started last at or before t). */
export function threadResolver(threads: readonly ThreadKey[]): (tid: number, t: number) => number {
  const byTid = new Map<number, number[]>();
  threads.forEach((info, index) => {
    const list = byTid.get(info.threadId);
    if (list === undefined) byTid.set(info.threadId, [index]);
    else list.push(index);
  });
  return (tid, t) => {
    const list = byTid.get(tid);
    if (list === undefined) return -1;
    let found = list[0]!;
    for (const index of list) if (threads[index]!.startNs <= t) found = index;
    return found;
  };
}

/** The typed arrays of `data` (a transfer list between threads). */
export function schedBuffers(data: SchedData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const value of Object.values(data))
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) out.push(value.buffer);
  for (const rows of data.cpuRows) out.push(rows.buffer as ArrayBuffer);
  return [...out, ...powerBuffers(data.power)];
}

/**
 * Indices of `times` in ascending time order, stable; the identity when already sorted. A natural
 * merge sort: the pass reads CPU by CPU, so the events come as one ascending run per CPU (a few
 * more where compact CSwitch batches are logged after their switches), and merging r runs costs
 * n·log2(r) steps instead of a comparison sort's n·log2(n) calls of a comparator.
 */
export function timeOrder(times: ArrayLike<number>): Int32Array {
  const n = times.length;
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (times[i]! < times[i - 1]!) starts.push(i);
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (starts.length === 1) return order;
  let spare = new Int32Array(n);
  let runs = starts;
  while (runs.length > 1) {
    const merged: number[] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = r + 1 < runs.length ? runs[r + 1]! : n;
      const hi = r + 2 < runs.length ? runs[r + 2]! : n;
      merged.push(lo);
      let a = lo;
      let b = mid;
      let k = lo;
      // Ties take the left run first: the order of reading is kept among equal times.
      while (a < mid && b < hi)
        spare[k++] = times[order[b]!]! < times[order[a]!]! ? order[b++]! : order[a++]!;
      while (a < mid) spare[k++] = order[a++]!;
      while (b < hi) spare[k++] = order[b++]!;
    }
    [order, spare] = [spare, order];
    runs = merged;
  }
  return order;
}

/** What phase 1 read, as plain typed columns (views of the filled parts): a partial of the load
 *  carries it from its parser worker (transferred), parts of several workers merge by
 *  concatenation (mergeSchedEvents), and phase 2 (finishSchedEvents) needs nothing else. */
export interface SchedEventsData {
  readonly cpuCount: number;
  readonly nominalMHz: number;
  readonly cswitches: number;
  readonly compact: number;
  readonly sw: {
    readonly t: Float64Array;
    readonly cpu: Uint16Array;
    readonly newTid: Uint32Array;
    readonly oldTid: Uint32Array;
    readonly newPri: Int8Array;
    readonly oldPri: Int8Array;
    readonly oldState: Uint8Array;
    readonly reason: Uint8Array;
    readonly mode: Uint8Array;
    readonly ideal: Uint8Array;
    readonly cstate: Uint8Array;
  };
  readonly rd: {
    readonly t: Float64Array;
    readonly cpu: Uint16Array;
    readonly tid: Uint32Array;
    readonly dpc: Uint8Array;
  };
  readonly changes: {
    readonly t: Float64Array;
    readonly state: Int32Array;
    readonly kind: Uint8Array;
    readonly maskLo: Uint32Array;
    readonly maskHi: Uint32Array;
  };
  /** Compact mode: per CPU the last record, whose new thread no later record named. */
  readonly compactPending: readonly {
    cpu: number;
    t: number;
    oldTid: number;
    state: number;
    reason: number;
  }[];
  /** The Actual idle lanes per CPU as read (null: no idle event on that CPU). */
  readonly actual: readonly (LaneSnapshot | null)[];
}

/** Whether phase 1 saw anything the scheduling tables are made of. */
export function hasSchedEventsData(data: SchedEventsData): boolean {
  return (
    data.cswitches > 0 ||
    data.compact > 0 ||
    data.rd.t.length > 0 ||
    data.changes.t.length > 0 ||
    data.actual.some((lane) => lane !== null)
  );
}

/** One SchedEventsData of parts read from disjoint CPU sets, in the order given (the load's
 *  shares are contiguous CPU ranges in order, so this is the order one per-CPU read gives). */
export function mergeSchedEvents(parts: readonly SchedEventsData[]): SchedEventsData {
  if (parts.length === 1) return parts[0]!;
  const cpuCount = Math.max(1, ...parts.map((p) => p.cpuCount));
  /** Each column of a group, the parts' columns one after another (columns.ts concat). */
  const joined = <G extends object>(pick: (p: SchedEventsData) => G): G => {
    const out: Record<string, TypedArray> = {};
    for (const key of Object.keys(pick(parts[0]!))) {
      const columns = parts.map((p) => (pick(p) as Record<string, TypedArray>)[key]!);
      out[key] = concat(
        columns,
        columns.map((column) => column.length),
      );
    }
    return out as G;
  };
  // Each CPU's idle events come from one part (disjoint CPU sets): its lane is taken as read.
  const power = new PowerBuilder(cpuCount);
  for (const p of parts) power.appendActual(p.actual);
  return {
    cpuCount,
    nominalMHz: parts[0]?.nominalMHz ?? 0,
    cswitches: parts.reduce((n, p) => n + p.cswitches, 0),
    compact: parts.reduce((n, p) => n + p.compact, 0),
    sw: joined((p) => p.sw),
    rd: joined((p) => p.rd),
    changes: joined((p) => p.changes),
    compactPending: parts.flatMap((p) => p.compactPending),
    actual: power.actualSnapshots().map((lane) => (lane.start.length > 0 ? lane : null)),
  };
}

/** The typed arrays of `data` (a transfer list between threads). */
export function schedEventsBuffers(data: SchedEventsData): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (columns: object) => {
    for (const value of Object.values(columns))
      if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  };
  add(data.sw);
  add(data.rd);
  add(data.changes);
  for (const lane of data.actual) if (lane !== null) add(lane);
  return [...out];
}

/** Switches, readies and power events as read (phase 1, CPU by CPU); rows are derived in time
 *  order at the end (phase 2), so compact batches — logged after their switches — and the CPUs'
 *  buffers read one CPU after another give the rows a merged read would. */
export class SchedEvents {
  private readonly power: PowerBuilder;
  private cswitches = 0;
  private compact = 0;
  /** Raw switches: time, CPU, new/old TID, priorities, old state/reason/mode, ideal CPU, C-state
   *  (typed columns: 25 bytes a switch, where number arrays took ~88 while the pass reads). */
  private readonly sw;
  /** ReadyThread events: time, CPU that logged it, readied TID, DPC flag. */
  private readonly rd;
  /** Target (IdleStateChange) and perf-state changes as read: they name other CPUs than the one
   *  that logged them, so their lanes are built in time order at the end (kind 0 target, 1 perf;
   *  the 64-bit processor mask in two halves). */
  private readonly changes = { t: f64(), state: i32(), kind: u8(), maskLo: u32(), maskHi: u32() };
  /** Compact mode: per CPU the switch whose new thread the next record names. */
  private readonly compactPending = new Map<
    number,
    { t: number; oldTid: number; state: number; reason: number }
  >();

  /** `capacity`: bounds on the switches and readies to come (load.ts partialCapacity), reserved
   *  up front — address space only until written — so the columns never grow by copying. */
  constructor(
    private readonly cpuCount: number,
    private readonly nominalMHz: number,
    capacity?: { readonly switches: number; readonly readies: number },
  ) {
    this.power = new PowerBuilder(cpuCount);
    const n = capacity?.switches;
    this.sw = {
      t: f64(n),
      cpu: u16(n),
      newTid: u32(n),
      oldTid: u32(n),
      newPri: i8(n),
      oldPri: i8(n),
      oldState: u8(n),
      reason: u8(n),
      mode: u8(n),
      ideal: u8(n),
      cstate: u8(n),
    };
    const r = capacity?.readies;
    this.rd = { t: f64(r), cpu: u16(r), tid: u32(r), dpc: u8(r) };
  }

  private pushSwitch(
    t: number,
    cpu: number,
    newTid: number,
    oldTid: number,
    newPri: number,
    oldPri: number,
    oldState: number,
    reason: number,
    mode: number,
    ideal: number,
    cstate: number,
  ): void {
    const s = this.sw;
    s.t.push(t);
    s.cpu.push(cpu);
    s.newTid.push(newTid);
    s.oldTid.push(oldTid);
    s.newPri.push(newPri);
    s.oldPri.push(oldPri);
    s.oldState.push(oldState);
    s.reason.push(reason);
    s.mode.push(mode);
    s.ideal.push(ideal);
    s.cstate.push(cstate);
  }

  private pushChange(kind: number, t: number, state: number, mask: bigint): void {
    const c = this.changes;
    c.t.push(t);
    c.state.push(state);
    c.kind.push(kind);
    c.maskLo.push(Number(mask & 0xffffffffn));
    c.maskHi.push(Number((mask >> 32n) & 0xffffffffn));
  }

  visit(ev: RawEvent, t: number, toNs: (ticks: number) => number): void {
    const family = ev.family;
    if (family !== 'system' && family !== 'compact' && family !== 'perfinfo') return;
    const cpu = ev.cpu;
    if (cpu >= this.cpuCount) return;
    const view = ev.view;
    const at = ev.payloadOffset;
    switch (ev.hookId) {
      case KernelHook.CSwitch:
        if (ev.payloadSize < 16) return;
        this.cswitches++;
        this.pushSwitch(
          t,
          cpu,
          view.getUint32(at, true),
          view.getUint32(at + 4, true),
          view.getInt8(at + 8),
          view.getInt8(at + 9),
          view.getUint8(at + 14),
          view.getUint8(at + 12),
          view.getUint8(at + 13) & 1,
          view.getUint8(at + 15),
          ev.version < 2 ? 0 : view.getUint8(at + 10),
        );
        return;
      case KernelHook.CompactCSwitch: {
        this.compact++;
        const batch = decodeCompactCSwitchBatch(ev);
        if (batch === undefined) return;
        for (const r of batch) {
          const time = toNs(r.ticks);
          const previous = this.compactPending.get(cpu);
          // The previous record switched away from its old thread to this record's old thread.
          if (previous !== undefined)
            this.pushSwitch(
              previous.t,
              cpu,
              r.oldThreadId,
              previous.oldTid,
              0,
              0,
              previous.state,
              previous.reason,
              0,
              0,
              0,
            );
          this.compactPending.set(cpu, {
            t: time,
            oldTid: r.oldThreadId,
            state: r.oldThreadState,
            reason: r.oldThreadWaitReason,
          });
        }
        return;
      }
      case KernelHook.ReadyThread: {
        if (ev.payloadSize < 4) return;
        const flags = ev.payloadSize >= 7 ? view.getUint8(at + 6) : 0;
        this.rd.t.push(t);
        this.rd.cpu.push(cpu);
        this.rd.tid.push(view.getUint32(at, true));
        this.rd.dpc.push((flags & READY_FLAG_EXECUTING_DPC) !== 0 ? 1 : 0);
        return;
      }
      case KernelHook.IdleStateEnter:
        if (ev.payloadSize >= 4) this.power.idleEnter(cpu, t, view.getUint32(at, true));
        return;
      case KernelHook.IdleStateExit:
        this.power.idleExit(cpu, t);
        return;
      case KernelHook.IdleStateChange: {
        const r = decodeIdleStateChange(ev);
        if (r !== undefined) this.pushChange(0, t, r.newState, r.processors);
        return;
      }
      case KernelHook.PerfStateChange: {
        const r = decodePerfState(ev);
        if (r !== undefined) this.pushChange(1, t, r.newState, r.processors);
        return;
      }
      default:
        return;
    }
  }

  /** What was read, as plain columns (views, no copy). */
  data(): SchedEventsData {
    const w = this.sw;
    const r = this.rd;
    const c = this.changes;
    return {
      cpuCount: this.cpuCount,
      nominalMHz: this.nominalMHz,
      cswitches: this.cswitches,
      compact: this.compact,
      sw: {
        t: w.t.trimmed(),
        cpu: w.cpu.trimmed(),
        newTid: w.newTid.trimmed(),
        oldTid: w.oldTid.trimmed(),
        newPri: w.newPri.trimmed(),
        oldPri: w.oldPri.trimmed(),
        oldState: w.oldState.trimmed(),
        reason: w.reason.trimmed(),
        mode: w.mode.trimmed(),
        ideal: w.ideal.trimmed(),
        cstate: w.cstate.trimmed(),
      },
      rd: { t: r.t.trimmed(), cpu: r.cpu.trimmed(), tid: r.tid.trimmed(), dpc: r.dpc.trimmed() },
      changes: {
        t: c.t.trimmed(),
        state: c.state.trimmed(),
        kind: c.kind.trimmed(),
        maskLo: c.maskLo.trimmed(),
        maskHi: c.maskHi.trimmed(),
      },
      compactPending: [...this.compactPending].map(([cpu, p]) => ({ cpu, ...p })),
      actual: this.power.actualSnapshots().map((lane) => (lane.start.length > 0 ? lane : null)),
    };
  }

  /** Phase 2 (finishSchedEvents) over what was read. */
  finish(threads: readonly ThreadKey[], endNs: number): SchedData {
    return finishSchedEvents(this.data(), threads, endNs);
  }
}

/** The power lanes: the Actual lanes as read, the target and perf changes applied in time order,
 *  open intervals closed. */
function finishPower(data: SchedEventsData, endNs: number): PowerData {
  const power = new PowerBuilder(data.cpuCount);
  power.appendActual(data.actual);
  const c = data.changes;
  const t = c.t;
  for (const k of timeOrder(t)) {
    const mask = (BigInt(c.maskHi[k]!) << 32n) | BigInt(c.maskLo[k]!);
    if (c.kind[k] === 0) power.targetChange(t[k]!, c.state[k]!, mask);
    else power.perfChange(t[k]!, c.state[k]!, mask);
  }
  return power.finish(endNs, data.nominalMHz);
}

/** Phase 2: rows in time order, their thread instances resolved against `threads`. */
export function finishSchedEvents(
  data: SchedEventsData,
  threads: readonly ThreadKey[],
  endNs: number,
): SchedData {
  const resolve = threadResolver(threads);
  const s = data.sw;
  const rd = data.rd;
  const n = s.t.length;
  // Rows in time order (ties keep reading order, so a CPU's switches stay in its order). Full
  // CSwitch events read in merged order already are: then no sort.
  const order = timeOrder(s.t);
  // Readies per TID in time order.
  const readyOrder = timeOrder(rd.t);
  const readiesOf = new Map<number, number[]>();
  for (const k of readyOrder) {
    const tid = rd.tid[k]!;
    const list = readiesOf.get(tid);
    if (list === undefined) readiesOf.set(tid, [k]);
    else list.push(k);
  }
  const readyCursor = new Map<number, number>();
  const col = {
    cpu: new Uint16Array(n),
    switchIn: new Float64Array(n),
    nextOut: new Float64Array(n).fill(NaN),
    newThread: new Int32Array(n),
    newTid: new Uint32Array(n),
    oldThread: new Int32Array(n),
    oldTid: new Uint32Array(n),
    newPri: new Int8Array(n),
    oldPri: new Int8Array(n),
    oldState: new Uint8Array(n),
    oldWaitReason: new Uint8Array(n),
    oldWaitMode: new Uint8Array(n),
    idealCpu: new Uint8Array(n),
    prevCState: new Uint8Array(n),
    newPrevState: new Uint8Array(n).fill(UNKNOWN_U8),
    newPrevWaitReason: new Uint8Array(n).fill(UNKNOWN_U8),
    newPrevWaitMode: new Uint8Array(n).fill(UNKNOWN_U8),
    lastOut: new Float64Array(n).fill(NaN),
    readyAt: new Float64Array(n).fill(NaN),
    readier: new Int32Array(n).fill(-1),
    readierTid: new Int32Array(n).fill(-1),
    readyCpu: new Int16Array(n).fill(-1),
    readyFromDpc: new Uint8Array(n),
  };
  const openRow = new Int32Array(data.cpuCount).fill(-1);
  const lastOut = new Map<number, { t: number; state: number; reason: number; mode: number }>();
  const perCpu: number[][] = Array.from({ length: data.cpuCount }, () => []);
  for (let row = 0; row < n; row++) {
    const i = order[row]!;
    const t = s.t[i]!;
    const cpu = s.cpu[i]!;
    const newTid = s.newTid[i]!;
    const oldTid = s.oldTid[i]!;
    const open = openRow[cpu]!;
    if (open >= 0) col.nextOut[open] = t;
    if (oldTid !== 0)
      lastOut.set(oldTid, { t, state: s.oldState[i]!, reason: s.reason[i]!, mode: s.mode[i]! });
    col.cpu[row] = cpu;
    col.switchIn[row] = t;
    col.newTid[row] = newTid;
    col.newThread[row] = resolve(newTid, t);
    col.oldTid[row] = oldTid;
    col.oldThread[row] = resolve(oldTid, t);
    col.newPri[row] = s.newPri[i]!;
    col.oldPri[row] = s.oldPri[i]!;
    col.oldState[row] = s.oldState[i]!;
    col.oldWaitReason[row] = s.reason[i]!;
    col.oldWaitMode[row] = s.mode[i]!;
    col.idealCpu[row] = s.ideal[i]!;
    col.prevCState[row] = s.cstate[i]!;
    perCpu[cpu]!.push(row);
    openRow[cpu] = row;
    if (newTid === 0) continue;
    const previous = lastOut.get(newTid);
    const last = previous !== undefined && previous.t <= t ? previous : undefined;
    if (last !== undefined) {
      col.newPrevState[row] = last.state;
      col.newPrevWaitReason[row] = last.reason;
      col.newPrevWaitMode[row] = last.mode;
      col.lastOut[row] = last.t;
    }
    // The TID's latest ReadyThread at or before the switch-in, if not before its last switch-out.
    const readies = readiesOf.get(newTid);
    let ready = -1;
    if (readies !== undefined) {
      let k = readyCursor.get(newTid) ?? 0;
      while (k < readies.length && rd.t[readies[k]!]! <= t) k++;
      readyCursor.set(newTid, k);
      const candidate = k > 0 ? readies[k - 1]! : -1;
      if (candidate >= 0 && (last === undefined || rd.t[candidate]! >= last.t)) ready = candidate;
    }
    if (ready >= 0) {
      col.readyAt[row] = rd.t[ready]!;
      col.readyCpu[row] = rd.cpu[ready]!;
      col.readyFromDpc[row] = rd.dpc[ready]!;
    } else if (
      last !== undefined &&
      (last.state === THREAD_STATE_READY || last.state === THREAD_STATE_STANDBY)
    ) {
      col.readyAt[row] = last.t;
    }
  }
  // Compact mode: the last record of a CPU (new thread never named) still ends its old thread's run.
  for (const pending of data.compactPending) {
    const cpu = pending.cpu;
    const open = openRow[cpu]!;
    if (open >= 0 && col.nextOut[open] !== col.nextOut[open])
      col.nextOut[open] = Math.max(pending.t, col.switchIn[open]!);
  }
  for (let row = 0; row < n; row++)
    if (col.nextOut[row] !== col.nextOut[row]) col.nextOut[row] = Math.max(endNs, col.switchIn[row]!);
  const cpuRows = perCpu.map((rows) => Int32Array.from(rows));
  // Readier: the thread current on the readying CPU just before the ReadyThread (a switch at the
  // same instant counts as after it); before the CPU's first switch, that switch's old thread.
  for (let row = 0; row < n; row++) {
    const rc = col.readyCpu[row]!;
    if (rc < 0) continue;
    const rows = cpuRows[rc];
    if (rows === undefined || rows.length === 0) continue;
    const t = col.readyAt[row]!;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (col.switchIn[rows[mid]!]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) {
      col.readierTid[row] = col.oldTid[rows[0]!]!;
      col.readier[row] = col.oldThread[rows[0]!]!;
    } else {
      col.readierTid[row] = col.newTid[rows[lo - 1]!]!;
      col.readier[row] = col.newThread[rows[lo - 1]!]!;
    }
  }
  return {
    length: n,
    ...col,
    cpuRows,
    cswitchEvents: data.cswitches,
    compactBatches: data.compact,
    power: finishPower(data, endNs),
  };
}
