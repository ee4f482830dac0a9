// The fast path from the reader to the builder: one visitor for `trace.forEachEvent(visit,
// {order:'per-cpu', includeCpu})` that dispatches on the kernel hook id, converts ticks to
// TraceNs and calls the PartialBuilder's primitive appends. Event kinds are counted per hook id
// in a typed array (the name is looked up once per hook), other events by eventKindName.
//
//   RawEvent ──hookId switch──> decode (DPC inline; others via reader decoders) ──> PartialBuilder
//            ──switch, ready, idle, power events──> SchedEvents.visit (the scheduling tables' events)

import {
  decodeCompactCSwitchBatch,
  decodeDbgIdRsds,
  decodeSystemConfigCpu,
  decodeSystemConfigPnp,
  decodeVolumeMapping,
  decodeHeaderExtension,
  decodeImage,
  decodeProcess,
  decodeProfileInterval,
  decodeThread,
  decodeThreadName,
  dpcKindOfHook,
  eventKindName,
  isDbgIdRsdsEvent,
  isProcessorDevice,
  isSystemConfigCpuEvent,
  isSystemConfigPnpEvent,
  isVolumeMappingEvent,
  KernelHook,
  readPointerKey,
  readU64,
  type RawEvent,
  type TraceClock,
} from '../reader/index.js';
import type { ImageEventKind, LifetimeKind, PartialBuilder } from './partial.js';
import { KEY_CREATE, KEY_DELETE, KEY_RUNDOWN } from './stacks/collect.js';
import type { SchedEvents } from './sched/sched-data.js';

export interface EventSink {
  visit(ev: RawEvent): void;
  /** Folds the per-hook counters into the builder's `counts`. */
  flushCounts(): void;
}

/** `sched`: the scheduling pass's phase 1 (sched/sched-data.ts) fed from the same events. */
export function createIngest(builder: PartialBuilder, clock: TraceClock, sched?: SchedEvents): EventSink {
  const origin = clock.originTicks;
  const nsPerTick = clock.nsPerTick;
  const toNs = (ticks: number) => (ticks - origin) * nsPerTick;
  const kernelCounts = new Float64Array(0x10000);
  const kernelNames: (string | undefined)[] = [];
  const otherCounts = builder.counts;
  const stacks = builder.stacks;

  const imageEvent = (ev: RawEvent, kind: ImageEventKind, timeNs: number) => {
    const r = decodeImage(ev);
    if (r === undefined) return;
    builder.images.push({
      timeNs,
      kind,
      base: r.imageBase,
      size: r.imageSize,
      processId: r.processId,
      fileName: r.fileName,
    });
  };
  const processEvent = (ev: RawEvent, kind: LifetimeKind, timeNs: number) => {
    const r = decodeProcess(ev);
    if (r === undefined) return;
    builder.processes.push({
      timeNs,
      kind,
      processId: r.processId,
      parentId: r.parentId,
      imageFileName: r.imageFileName,
      commandLine: r.commandLine,
    });
  };
  /** SystemConfig CPU and processor PnP devices (kernel rundown, or relogged as classic events). */
  const systemConfig = (ev: RawEvent, timeNs: number): void => {
    if (isSystemConfigCpuEvent(ev)) {
      const r = decodeSystemConfigCpu(ev);
      if (r !== undefined)
        builder.cpuConfigs.push({
          timeNs,
          mhz: r.mhz,
          processors: r.numberOfProcessors,
          ...(r.architecture !== undefined
            ? { architecture: r.architecture, level: r.level, revision: r.revision }
            : {}),
        });
    } else if (isSystemConfigPnpEvent(ev) && isProcessorDevice(ev)) {
      const r = decodeSystemConfigPnp(ev);
      if (r !== undefined && r.friendlyName.trim() !== '')
        builder.processorNames.push({ timeNs, name: r.friendlyName.trim() });
    }
  };
  const threadEvent = (ev: RawEvent, kind: LifetimeKind, timeNs: number) => {
    const r = decodeThread(ev);
    if (r === undefined) return;
    builder.threads.push({ timeNs, kind, threadId: r.threadId, processId: r.processId, name: r.name });
  };

  const visit = (ev: RawEvent): void => {
    const timeNs = (ev.timestamp - origin) * nsPerTick;
    const cpu = ev.cpu;
    builder.noteEvent(cpu, timeNs);
    const family = ev.family;
    if (family !== 'system' && family !== 'compact' && family !== 'perfinfo') {
      const name = eventKindName(ev);
      otherCounts[name] = (otherCounts[name] ?? 0) + 1;
      if ((family === 'full' || family === 'instance' || family === 'eventheader') && isDbgIdRsdsEvent(ev)) {
        const r = decodeDbgIdRsds(ev);
        if (r !== undefined)
          builder.rsds.push({
            timeNs,
            base: r.imageBase,
            processId: r.processId,
            guid: r.guid,
            age: r.age,
            pdbFileName: r.pdbFileName,
          });
      } else if (isVolumeMappingEvent(ev)) {
        const r = decodeVolumeMapping(ev);
        if (r !== undefined) builder.volumes.push({ timeNs, ntPath: r.ntPath, dosPath: r.dosPath });
      } else if (family === 'full' || family === 'instance') systemConfig(ev, timeNs);
      return;
    }
    const hook = ev.hookId;
    if (kernelCounts[hook]!++ === 0) kernelNames[hook] = eventKindName(ev);
    switch (hook) {
      case KernelHook.Dpc:
      case KernelHook.ThreadedDpc:
      case KernelHook.TimerDpc:
      case KernelHook.Isr:
      case KernelHook.IsrMsi: {
        // Inline decode of the hottest event (no record object): InitialTime u64, Routine P.
        const P = ev.pointerSize;
        if (ev.payloadSize < 8 + P) return;
        const at = ev.payloadOffset;
        const enter = toNs(readU64(ev.view, at));
        builder.appendDpc(cpu, dpcKindOfHook(hook), enter, timeNs, readPointerKey(ev.view, at + 8, P));
        return;
      }
      case KernelHook.CSwitch: {
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        // Inline (no record object): NewThreadId u32 @0, OldThreadId u32 @4, PreviousCState u8 @10
        // (v2+), NewThreadWaitTime u32 @16 (when present) — same fields as decodeCSwitch.
        const size = ev.payloadSize;
        if (size < 16) return;
        const view = ev.view;
        const at = ev.payloadOffset;
        builder.appendCSwitch(
          cpu,
          timeNs,
          view.getUint32(at, true),
          view.getUint32(at + 4, true),
          ev.version < 2 ? 0 : view.getUint8(at + 10),
          size >= 20 ? view.getUint32(at + 16, true) : 0,
        );
        return;
      }
      case KernelHook.CompactCSwitch: {
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        const batch = decodeCompactCSwitchBatch(ev);
        if (batch === undefined) return;
        builder.noteCompactBatch();
        for (const s of batch)
          builder.appendCompactSwitch(cpu, toNs(s.ticks), s.oldThreadId, s.newThreadWaitTime);
        return;
      }
      case KernelHook.ReadyThread:
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        // Inline: TThreadId u32 @0.
        if (ev.payloadSize >= 4) builder.appendReady(timeNs, ev.view.getUint32(ev.payloadOffset, true));
        return;
      case KernelHook.SampledProfile: {
        // Inline: InstructionPointer P @0, ThreadId u32 @P, Count u16 @P+4, Flags u8 @P+6.
        const P = ev.pointerSize;
        const size = ev.payloadSize;
        if (size < P + 4) return;
        const view = ev.view;
        const at = ev.payloadOffset;
        const flags = size >= P + 7 ? view.getUint8(at + P + 6) : 0;
        const tid = view.getUint32(at + P, true);
        builder.appendSample(
          cpu,
          timeNs,
          tid,
          readPointerKey(view, at, P),
          size >= P + 6 ? view.getUint16(at + P + 4, true) : 1,
          (flags & 1) !== 0,
          (flags & 2) !== 0,
        );
        return;
      }
      case KernelHook.StackWalk: {
        // EventTimeStamp u64 @0, StackProcess u32 @8, StackThread u32 @12, frames (P each) from 16.
        const size = ev.payloadSize;
        if (size < 16) return;
        const P = ev.pointerSize;
        const view = ev.view;
        const at = ev.payloadOffset;
        stacks.walk(
          cpu,
          toNs(readU64(view, at)),
          view.getUint32(at + 8, true),
          view.getUint32(at + 12, true),
          view,
          at + 16,
          Math.floor((size - 16) / P),
          P,
        );
        return;
      }
      case KernelHook.StackKeyKernelRef:
      case KernelHook.StackKeyUserRef: {
        // EventTimeStamp u64 @0, StackProcess u32 @8, StackThread u32 @12, StackKey P @16.
        const P = ev.pointerSize;
        if (ev.payloadSize < 16 + P) return;
        const view = ev.view;
        const at = ev.payloadOffset;
        stacks.keyReference(
          cpu,
          toNs(readU64(view, at)),
          view.getUint32(at + 8, true),
          view.getUint32(at + 12, true),
          readPointerKey(view, at + 16, P),
          hook === KernelHook.StackKeyUserRef,
        );
        return;
      }
      case KernelHook.StackKeyCreate:
      case KernelHook.StackKeyDelete:
      case KernelHook.StackKeyRundown: {
        // StackKey P @0, then frames (P each) to the end.
        const P = ev.pointerSize;
        const size = ev.payloadSize;
        if (size < 2 * P) return;
        stacks.keyDefinition(
          timeNs,
          hook === KernelHook.StackKeyCreate
            ? KEY_CREATE
            : hook === KernelHook.StackKeyDelete
              ? KEY_DELETE
              : KEY_RUNDOWN,
          readPointerKey(ev.view, ev.payloadOffset, P),
          ev.view,
          ev.payloadOffset + P,
          Math.floor((size - P) / P),
          P,
        );
        return;
      }
      case KernelHook.ProfileSetInterval:
      case KernelHook.ProfileCollectionStart: {
        const r = decodeProfileInterval(ev);
        if (r !== undefined)
          builder.profileIntervals.push({ timeNs, source: r.source, interval: r.newInterval });
        return;
      }
      case KernelHook.IdleStateEnter:
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        // Inline: State u32 @0.
        if (ev.payloadSize >= 4)
          builder.appendIdleEnter(cpu, timeNs, ev.view.getUint32(ev.payloadOffset, true));
        return;
      case KernelHook.IdleStateExit:
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        builder.appendIdleExit(cpu, timeNs);
        return;
      case KernelHook.IdleStateChange:
      case KernelHook.PerfStateChange:
        // Only the scheduling pass's power lanes use these.
        if (sched !== undefined) sched.visit(ev, timeNs, toNs);
        return;
      case KernelHook.ImageLoad:
        return imageEvent(ev, 'load', timeNs);
      case KernelHook.ImageUnload:
        return imageEvent(ev, 'unload', timeNs);
      case KernelHook.ImageDCStart:
        return imageEvent(ev, 'dcstart', timeNs);
      case KernelHook.ImageDCEnd:
        return imageEvent(ev, 'dcend', timeNs);
      case KernelHook.ProcessStart:
        return processEvent(ev, 'start', timeNs);
      case KernelHook.ProcessEnd:
        return processEvent(ev, 'end', timeNs);
      case KernelHook.ProcessDCStart:
        return processEvent(ev, 'dcstart', timeNs);
      case KernelHook.ProcessDCEnd:
        return processEvent(ev, 'dcend', timeNs);
      case KernelHook.ThreadStart:
        return threadEvent(ev, 'start', timeNs);
      case KernelHook.ThreadEnd:
        return threadEvent(ev, 'end', timeNs);
      case KernelHook.ThreadDCStart:
        return threadEvent(ev, 'dcstart', timeNs);
      case KernelHook.SystemConfigCpu:
      case KernelHook.SystemConfigPnp:
        return systemConfig(ev, timeNs);
      case KernelHook.ThreadDCEnd:
        return threadEvent(ev, 'dcend', timeNs);
      case KernelHook.ThreadSetName: {
        const r = decodeThreadName(ev);
        if (r !== undefined)
          builder.threads.push({
            timeNs,
            kind: 'name',
            threadId: r.threadId,
            processId: r.processId,
            name: r.name,
          });
        return;
      }
      case KernelHook.HeaderExtension:
      case KernelHook.EndExtension: {
        if (builder.groupMasks !== undefined) return;
        const r = decodeHeaderExtension(ev);
        if (r !== undefined) builder.groupMasks = [...r.groupMasks];
        return;
      }
      default:
        return;
    }
  };

  const flushCounts = () => {
    for (let hook = 0; hook < kernelCounts.length; hook++) {
      const n = kernelCounts[hook]!;
      if (n === 0) continue;
      const name = kernelNames[hook]!;
      otherCounts[name] = (otherCounts[name] ?? 0) + n;
      kernelCounts[hook] = 0;
    }
  };
  return { visit, flushCounts };
}
