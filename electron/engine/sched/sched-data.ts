// The scheduling tables: one row per context switch with WPA's CPU Usage (Precise) fields, built by
// a second, lazy pass over the trace file the first time a scheduling or power query arrives (the
// load pass keeps only start/thread/ready per running interval; this pass keeps every CSwitch field,
// the readying thread and CPU of each ReadyThread, and the power events). Cached per model.
//
//   trace file ──forEachEvent(merged: global time order)──>
//     ReadyThread(cpu) ── pending ready of the TID: time, readier = current thread on that CPU, DPC flag
//     CSwitch(cpu)     ── closes the CPU's open row (Next Switch-Out), records the old thread's
//                         switch-out (time, state, wait reason, mode), opens the new thread's row:
//                         ready time = its pending ReadyThread since its last switch-out, else its
//                         switch-out when it was preempted (state Ready/Standby)
//     Power events     ── power/power-data.ts
//   ──> SchedData (columns, rows in switch-in order) + per-CPU row lists + PowerData
//
// Compact CSwitch batches (0x0525) carry no new-thread fields: traces with only those get no rows
// (`compactOnly`). Threads resolve to the load pass's thread instances (TID + time).

import {
  decodeIdleStateChange,
  decodePerfState,
  KernelHook,
  READY_FLAG_EXECUTING_DPC,
  THREAD_STATE_READY,
  THREAD_STATE_STANDBY,
  type RawEvent,
} from '../../reader/index.js';
import { openTraceFile } from '../load.js';
import type { EngineModel } from '../model.js';
import { EngineError } from '../query-common.js';
import { PowerBuilder, type PowerData } from '../power/power-data.js';

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

const cache = new WeakMap<EngineModel, SchedData>();

/** Resolves TID + time to the load pass's thread instance (the instance started last at or before t). */
export function threadResolver(model: EngineModel): (tid: number, t: number) => number {
  const byTid = new Map<number, number[]>();
  model.threads.forEach((info, index) => {
    const list = byTid.get(info.threadId);
    if (list === undefined) byTid.set(info.threadId, [index]);
    else list.push(index);
  });
  return (tid, t) => {
    const list = byTid.get(tid);
    if (list === undefined) return -1;
    let found = list[0]!;
    for (const index of list) if (model.threads[index]!.startNs <= t) found = index;
    return found;
  };
}

export function schedData(model: EngineModel, tracePath: string | undefined): SchedData {
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  if (tracePath === undefined)
    throw new EngineError('Scheduling queries need the trace file the model was loaded from.', 'bad-request');
  const trace = openTraceFile(tracePath);
  let data: SchedData;
  try {
    const builder = new SchedBuilder(model, Math.max(model.cpuSlots, trace.header.numberOfProcessors));
    const origin = trace.clock.originTicks;
    const nsPerTick = trace.clock.nsPerTick;
    trace.forEachEvent((ev) => builder.visit(ev, (ev.timestamp - origin) * nsPerTick), { order: 'merged' });
    data = builder.finish(model.durationNs);
    data.power.nominalMHz = trace.header.cpuSpeedMHz;
  } finally {
    trace.close();
  }
  cache.set(model, data);
  return data;
}

interface PendingReady {
  t: number;
  readier: number;
  readierTid: number;
  cpu: number;
  dpc: boolean;
}

interface SwitchOut {
  t: number;
  state: number;
  reason: number;
  mode: number;
}

class SchedBuilder {
  private readonly resolve: (tid: number, t: number) => number;
  private readonly currentTid: Int32Array;
  private readonly currentThread: Int32Array;
  private readonly openRow: Int32Array;
  private readonly pending = new Map<number, PendingReady>();
  private readonly lastOut = new Map<number, SwitchOut>();
  private readonly power: PowerBuilder;
  private cswitches = 0;
  private compact = 0;
  readonly cols = {
    cpu: [] as number[],
    switchIn: [] as number[],
    nextOut: [] as number[],
    newThread: [] as number[],
    newTid: [] as number[],
    oldThread: [] as number[],
    oldTid: [] as number[],
    newPri: [] as number[],
    oldPri: [] as number[],
    oldState: [] as number[],
    oldWaitReason: [] as number[],
    oldWaitMode: [] as number[],
    idealCpu: [] as number[],
    prevCState: [] as number[],
    newPrevState: [] as number[],
    newPrevWaitReason: [] as number[],
    newPrevWaitMode: [] as number[],
    lastOut: [] as number[],
    readyAt: [] as number[],
    readier: [] as number[],
    readierTid: [] as number[],
    readyCpu: [] as number[],
    readyFromDpc: [] as number[],
  };

  constructor(
    model: EngineModel,
    private readonly cpuCount: number,
  ) {
    this.resolve = threadResolver(model);
    this.currentTid = new Int32Array(cpuCount).fill(-1);
    this.currentThread = new Int32Array(cpuCount).fill(-1);
    this.openRow = new Int32Array(cpuCount).fill(-1);
    this.power = new PowerBuilder(cpuCount);
  }

  visit(ev: RawEvent, t: number): void {
    const family = ev.family;
    if (family !== 'system' && family !== 'compact' && family !== 'perfinfo') return;
    const cpu = ev.cpu;
    if (cpu >= this.cpuCount) return;
    const view = ev.view;
    const at = ev.payloadOffset;
    switch (ev.hookId) {
      case KernelHook.CSwitch:
        if (ev.payloadSize >= 16) this.cswitch(ev, cpu, t);
        return;
      case KernelHook.CompactCSwitch:
        this.compact++;
        return;
      case KernelHook.ReadyThread: {
        if (ev.payloadSize < 4) return;
        const tid = view.getUint32(at, true);
        const flags = ev.payloadSize >= 7 ? view.getUint8(at + 6) : 0;
        this.pending.set(tid, {
          t,
          readier: this.currentThread[cpu]!,
          readierTid: this.currentTid[cpu]!,
          cpu,
          dpc: (flags & READY_FLAG_EXECUTING_DPC) !== 0,
        });
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
        if (r !== undefined) this.power.targetChange(t, r.newState, r.processors);
        return;
      }
      case KernelHook.PerfStateChange: {
        const r = decodePerfState(ev);
        if (r !== undefined) this.power.perfChange(t, r.newState, r.processors);
        return;
      }
      default:
        return;
    }
  }

  private cswitch(ev: RawEvent, cpu: number, t: number): void {
    this.cswitches++;
    const view = ev.view;
    const at = ev.payloadOffset;
    const newTid = view.getUint32(at, true);
    const oldTid = view.getUint32(at + 4, true);
    const oldState = view.getUint8(at + 14);
    const reason = view.getUint8(at + 12);
    const mode = view.getUint8(at + 13) & 1;
    const c = this.cols;
    const open = this.openRow[cpu]!;
    if (open >= 0) c.nextOut[open] = t;
    if (oldTid !== 0) this.lastOut.set(oldTid, { t, state: oldState, reason, mode });
    const row = c.cpu.length;
    const newThread = this.resolve(newTid, t);
    c.cpu.push(cpu);
    c.switchIn.push(t);
    c.nextOut.push(NaN);
    c.newThread.push(newThread);
    c.newTid.push(newTid);
    c.oldThread.push(this.resolve(oldTid, t));
    c.oldTid.push(oldTid);
    c.newPri.push(view.getInt8(at + 8));
    c.oldPri.push(view.getInt8(at + 9));
    c.oldState.push(oldState);
    c.oldWaitReason.push(reason);
    c.oldWaitMode.push(mode);
    c.idealCpu.push(view.getUint8(at + 15));
    c.prevCState.push(ev.version < 2 ? 0 : view.getUint8(at + 10));
    const previous = newTid !== 0 ? this.lastOut.get(newTid) : undefined;
    const last = previous !== undefined && previous.t <= t ? previous : undefined;
    c.newPrevState.push(last?.state ?? UNKNOWN_U8);
    c.newPrevWaitReason.push(last?.reason ?? UNKNOWN_U8);
    c.newPrevWaitMode.push(last?.mode ?? UNKNOWN_U8);
    c.lastOut.push(last?.t ?? NaN);
    let readyAt = NaN;
    let readier = -1;
    let readierTid = -1;
    let readyCpu = -1;
    let dpc = 0;
    if (newTid !== 0) {
      const p = this.pending.get(newTid);
      if (p !== undefined && p.t <= t && (last === undefined || p.t >= last.t)) {
        readyAt = p.t;
        readier = p.readier;
        readierTid = p.readierTid;
        readyCpu = p.cpu;
        dpc = p.dpc ? 1 : 0;
      } else if (
        last !== undefined &&
        (last.state === THREAD_STATE_READY || last.state === THREAD_STATE_STANDBY)
      ) {
        readyAt = last.t;
      }
      this.pending.delete(newTid);
    }
    c.readyAt.push(readyAt);
    c.readier.push(readier);
    c.readierTid.push(readierTid);
    c.readyCpu.push(readyCpu);
    c.readyFromDpc.push(dpc);
    this.openRow[cpu] = row;
    this.currentTid[cpu] = newTid;
    this.currentThread[cpu] = newThread;
  }

  finish(endNs: number): SchedData {
    const c = this.cols;
    const n = c.cpu.length;
    for (let i = 0; i < n; i++)
      if (c.nextOut[i] !== c.nextOut[i]) c.nextOut[i] = Math.max(endNs, c.switchIn[i]!);
    const perCpu: number[][] = Array.from({ length: this.cpuCount }, () => []);
    for (let i = 0; i < n; i++) perCpu[c.cpu[i]!]!.push(i);
    return {
      length: n,
      cpu: Uint16Array.from(c.cpu),
      switchIn: Float64Array.from(c.switchIn),
      nextOut: Float64Array.from(c.nextOut),
      newThread: Int32Array.from(c.newThread),
      newTid: Uint32Array.from(c.newTid),
      oldThread: Int32Array.from(c.oldThread),
      oldTid: Uint32Array.from(c.oldTid),
      newPri: Int8Array.from(c.newPri),
      oldPri: Int8Array.from(c.oldPri),
      oldState: Uint8Array.from(c.oldState),
      oldWaitReason: Uint8Array.from(c.oldWaitReason),
      oldWaitMode: Uint8Array.from(c.oldWaitMode),
      idealCpu: Uint8Array.from(c.idealCpu),
      prevCState: Uint8Array.from(c.prevCState),
      newPrevState: Uint8Array.from(c.newPrevState),
      newPrevWaitReason: Uint8Array.from(c.newPrevWaitReason),
      newPrevWaitMode: Uint8Array.from(c.newPrevWaitMode),
      lastOut: Float64Array.from(c.lastOut),
      readyAt: Float64Array.from(c.readyAt),
      readier: Int32Array.from(c.readier),
      readierTid: Int32Array.from(c.readierTid),
      readyCpu: Int16Array.from(c.readyCpu),
      readyFromDpc: Uint8Array.from(c.readyFromDpc),
      cpuRows: perCpu.map((rows) => Int32Array.from(rows)),
      cswitchEvents: this.cswitches,
      compactBatches: this.compact,
      power: this.power.finish(endNs),
    };
  }
}
