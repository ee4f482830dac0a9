// Typed encoders for the kernel events etlscope reads (payload layouts of format doc §5), for both
// pointer sizes. Each function reserves the record in the CPU's buffer through EtlWriter with the
// header kind real traces use and writes the payload in place:
//   PERFINFO: DPC/ISR family, CSwitch, compact CSwitch batches, ReadyThread, SampledProfile,
//             profile interval, StackWalk and stack keys, idle enter/exit, perf state, KernelBase,
//             DCStart/DCEnd rundowns
//   SYSTEM:   Process/Thread start/end, Image load/unload, SystemConfig CPU and PnP
//   FULL:     KernelTraceControl ImageId / DbgID_RSDS
// Addresses are bigint (64-bit values; truncated to 32 bits in 4-byte-pointer traces).

import { asciiz, guidToBytes, setPointer, setU64, utf16z, type EtlWriter } from './etl-writer.js';

export const Hook = {
  ThreadedDpc: 0x0f42,
  Isr: 0x0f43,
  Dpc: 0x0f44,
  TimerDpc: 0x0f45,
  IsrMsi: 0x0f32,
  SampledProfile: 0x0f2e,
  ProfileSetInterval: 0x0f48,
  CSwitch: 0x0524,
  CompactCSwitch: 0x0525,
  ReadyThread: 0x0532,
  ThreadStart: 0x0501,
  ThreadEnd: 0x0502,
  ThreadDCStart: 0x0503,
  ThreadDCEnd: 0x0504,
  ProcessStart: 0x0301,
  ProcessEnd: 0x0302,
  ProcessDCStart: 0x0303,
  ProcessDCEnd: 0x0304,
  ImageLoad: 0x030a,
  ImageUnload: 0x1402,
  ImageDCStart: 0x1403,
  ImageDCEnd: 0x1404,
  KernelBase: 0x1421,
  StackWalk: 0x1820,
  StackKeyDelete: 0x1823,
  StackKeyRundown: 0x1824,
  StackKeyKernelRef: 0x1825,
  StackKeyUserRef: 0x1826,
  ThreadSetName: 0x0548,
  IdleStateChange: 0x1235,
  PerfStateChange: 0x1233,
  IdleStateEnter: 0x1239,
  IdleStateExit: 0x123a,
  RundownComplete: 0x0008,
  SystemConfigCpu: 0x0b0a,
  SystemConfigPnp: 0x0b16,
} as const;

export const KERNEL_TRACE_CONTROL_IMAGE_ID_GUID = 'b3e675d7-2554-4f18-830b-2762732560de';
/** KernelTraceControl ImageId class types. */
export const ImageIdType = { ImageId: 0, DbgIdRsds: 36 } as const;

/** The five DPC/ISR kinds, in the order of shared DPC_TYPES. */
export type DpcKind = 'DPC' | 'ThreadedDPC' | 'TimerDPC' | 'ISR' | 'ISR-MSI';
export const DPC_KIND_HOOK: Readonly<Record<DpcKind, number>> = {
  DPC: Hook.Dpc,
  ThreadedDPC: Hook.ThreadedDpc,
  TimerDPC: Hook.TimerDpc,
  ISR: Hook.Isr,
  'ISR-MSI': Hook.IsrMsi,
};

/** DPC / ThreadedDPC / TimerDPC (v2): InitialTime u64, Routine P. Logged at exit time `exitTs`. */
export function writeDpc(
  w: EtlWriter,
  cpu: number,
  kind: 'DPC' | 'ThreadedDPC' | 'TimerDPC',
  enterTs: number,
  exitTs: number,
  routine: bigint,
): void {
  const P = w.pointerSize;
  const o = w.reservePerfInfo(cpu, exitTs, DPC_KIND_HOOK[kind], 2, 8 + P);
  setU64(w.view, o, enterTs);
  setPointer(w.view, o + 8, routine, P);
}

/** ISR (v2): InitialTime, Routine, ReturnValue u8, Vector u8, Reserved u16 [+ MessageNumber u32 for ISR-MSI]. */
export function writeIsr(
  w: EtlWriter,
  cpu: number,
  kind: 'ISR' | 'ISR-MSI',
  enterTs: number,
  exitTs: number,
  routine: bigint,
  vector: number,
  messageNumber = 0,
  returnValue = 1,
): void {
  const P = w.pointerSize;
  const msi = kind === 'ISR-MSI';
  const o = w.reservePerfInfo(cpu, exitTs, DPC_KIND_HOOK[kind], 2, 8 + P + 4 + (msi ? 4 : 0));
  const v = w.view;
  setU64(v, o, enterTs);
  setPointer(v, o + 8, routine, P);
  w.bytes[o + 8 + P] = returnValue;
  w.bytes[o + 9 + P] = vector;
  if (msi) v.setUint32(o + 12 + P, messageNumber, true);
}

export interface CSwitchFields {
  newThreadId: number;
  oldThreadId: number;
  newThreadPriority: number;
  oldThreadPriority: number;
  /** Meaningful when oldThreadId is 0 (the idle thread). */
  previousCState: number;
  oldThreadWaitReason: number;
  oldThreadWaitMode: number;
  oldThreadState: number;
  oldThreadWaitIdealProcessor: number;
  newThreadWaitTime: number;
  oldThreadRemainingQuantum?: number;
}

/** CSwitch v4 (24 bytes, pointer-size independent). */
export function writeCSwitch(w: EtlWriter, cpu: number, ts: number, f: CSwitchFields): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.CSwitch, 4, 24);
  const v = w.view;
  const b = w.bytes;
  v.setUint32(o, f.newThreadId >>> 0, true);
  v.setUint32(o + 4, f.oldThreadId >>> 0, true);
  v.setInt8(o + 8, f.newThreadPriority);
  v.setInt8(o + 9, f.oldThreadPriority);
  b[o + 10] = f.previousCState;
  b[o + 12] = f.oldThreadWaitReason;
  b[o + 13] = f.oldThreadWaitMode & 1;
  b[o + 14] = f.oldThreadState;
  b[o + 15] = f.oldThreadWaitIdealProcessor;
  v.setUint32(o + 16, f.newThreadWaitTime >>> 0, true);
  v.setInt32(o + 20, f.oldThreadRemainingQuantum ?? 0, true);
}

/** One switch inside a compact batch: who was switched *out* (the new thread is the next record's old). */
export interface CompactSwitch {
  ts: number;
  /** 0 for the idle thread (IdleShort/Idle records). */
  oldThreadId: number;
  oldThreadPriority: number;
  /** KTHREAD_STATE of the old thread; 5 = Waiting (then oldThreadWaitReason applies). */
  oldThreadState: number;
  oldThreadWaitReason: number;
  newThreadWaitTime: number;
}

/** Win10 MaximumWaitReason: OldThreadStateWr values below it are wait reasons. */
export const MAXIMUM_WAIT_REASON = 0x27;
/** PERFINFO_CCSWAP_BUFFER header: FirstTimeStamp + TidTable[16] + ThreadBasePriority[16]. */
const CCSWAP_HEADER_SIZE = 0x58;
/** A batch event never exceeds 0x400 bytes (format doc §5.4). */
export const COMPACT_BATCH_MAX_BYTES = 0x400;
/** TidTable entries per batch: old threads beyond 16 distinct ones start a new batch. */
const CCSWAP_TID_SLOTS = 16;

/** Size in bytes of the record that will encode `s` after a switch at `prevTs`, or 0 if it cannot. */
function compactRecordSize(s: CompactSwitch, prevTs: number, basePriority: number | undefined): number {
  const delta = s.ts - prevTs;
  if (delta < 0 || delta >= 2 ** 30) return 0;
  if (s.oldThreadId === 0) return delta < 2 ** 14 ? 2 : 4;
  const inc = basePriority === undefined ? -1 : s.oldThreadPriority - basePriority;
  if (delta < 2 ** 17 && inc >= 0 && inc < 8) return 4;
  return 8;
}

function stateWr(s: CompactSwitch): number {
  return s.oldThreadState === 5
    ? s.oldThreadWaitReason % MAXIMUM_WAIT_REASON
    : MAXIMUM_WAIT_REASON + s.oldThreadState;
}

/**
 * Encodes switches into 0x0525 batches for one CPU and writes them. Each batch event is
 * timestamped at its last switch, or at `logTs` when that is later (a batch is logged when it is
 * handed over, after events of the CPU that followed its switches). Returns how many batch events were written. Records: IdleShort
 * (2 bytes), Idle (4), Lite (4), Full (8), bit fields LSB first (§5.4). The first record's delta
 * is measured from FirstTimeStamp, which is set to the first switch's time.
 */
export function writeCompactCSwitchBatches(
  w: EtlWriter,
  cpu: number,
  switches: readonly CompactSwitch[],
  logTs = -Infinity,
): number {
  let written = 0;
  let i = 0;
  while (i < switches.length) {
    const tids: number[] = [];
    const basePriorities: number[] = [];
    let size = CCSWAP_HEADER_SIZE;
    let prevTs = switches[i].ts;
    const start = i;
    while (i < switches.length) {
      const s = switches[i];
      let slot = tids.indexOf(s.oldThreadId);
      const needsSlot = s.oldThreadId !== 0 && slot < 0;
      if (needsSlot && tids.length === CCSWAP_TID_SLOTS) break;
      const base = s.oldThreadId === 0 ? undefined : needsSlot ? s.oldThreadPriority : basePriorities[slot];
      const recordSize = compactRecordSize(s, prevTs, base);
      if (recordSize === 0) {
        if (i === start) throw new Error(`compact CSwitch: time delta out of range at ${s.ts}`);
        break;
      }
      if (size + recordSize > COMPACT_BATCH_MAX_BYTES) break;
      if (needsSlot) {
        slot = tids.length;
        tids.push(s.oldThreadId);
        basePriorities.push(s.oldThreadPriority);
      }
      size += recordSize;
      prevTs = s.ts;
      i++;
    }
    const o = w.reservePerfInfo(cpu, Math.max(switches[i - 1].ts, logTs), Hook.CompactCSwitch, 2, size);
    const v = w.view;
    setU64(v, o, switches[start].ts);
    tids.forEach((tid, k) => {
      v.setUint32(o + 8 + 4 * k, tid, true);
      v.setInt8(o + 0x48 + k, basePriorities[k]);
    });
    let p = o + CCSWAP_HEADER_SIZE;
    let prev = switches[start].ts;
    for (let k = start; k < i; k++) {
      const s = switches[k];
      const delta = s.ts - prev;
      prev = s.ts;
      if (s.oldThreadId === 0) {
        if (delta < 2 ** 14) {
          v.setUint16(p, (delta << 2) | 0, true);
          p += 2;
        } else {
          v.setUint32(p, ((delta << 2) | 1) >>> 0, true);
          p += 4;
        }
        continue;
      }
      const slot = tids.indexOf(s.oldThreadId);
      const inc = s.oldThreadPriority - basePriorities[slot];
      if (delta < 2 ** 17 && inc >= 0 && inc < 8) {
        const word = 2 | (slot << 2) | (inc << 6) | (stateWr(s) << 9) | (delta << 15);
        v.setUint32(p, word >>> 0, true);
        p += 4;
      } else {
        v.setUint32(p, ((delta << 2) | 3) >>> 0, true);
        const word2 =
          slot |
          (stateWr(s) << 4) |
          ((s.oldThreadPriority & 31) << 10) |
          (Math.min(s.newThreadWaitTime, 0x1ffff) << 15);
        v.setUint32(p + 4, word2 >>> 0, true);
        p += 8;
      }
    }
    if (p !== o + size) {
      throw new Error('internal: compact CSwitch size mismatch');
    }
    written++;
  }
  return written;
}

/** ReadyThread (v2, 8 bytes). Logged on the CPU of the readying thread. */
export function writeReadyThread(
  w: EtlWriter,
  cpu: number,
  ts: number,
  readiedThreadId: number,
  adjustReason = 1,
  adjustIncrement = 0,
  flags = 0,
): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.ReadyThread, 2, 8);
  w.view.setUint32(o, readiedThreadId >>> 0, true);
  w.bytes[o + 4] = adjustReason;
  w.view.setInt8(o + 5, adjustIncrement);
  w.bytes[o + 6] = flags;
}

/** SampledProfile (v2): InstructionPointer P, ThreadId u32, Count u16, Flags u8 (bit0 DPC, bit1 ISR, bits3-7 priority), Rank u8. */
export function writeSampledProfile(
  w: EtlWriter,
  cpu: number,
  ts: number,
  instructionPointer: bigint,
  threadId: number,
  options: { count?: number; executingDpc?: boolean; executingIsr?: boolean; priority?: number } = {},
): void {
  const P = w.pointerSize;
  const o = w.reservePerfInfo(cpu, ts, Hook.SampledProfile, 2, P + 8);
  const v = w.view;
  setPointer(v, o, instructionPointer, P);
  v.setUint32(o + P, threadId >>> 0, true);
  v.setUint16(o + P + 4, options.count ?? 1, true);
  w.bytes[o + P + 6] =
    (options.executingDpc ? 1 : 0) | (options.executingIsr ? 2 : 0) | (((options.priority ?? 8) & 31) << 3);
}

/** SampledProfile SetInterval (0x0F48, v2): Source, NewInterval, OldInterval (100-ns units). */
export function writeProfileSetInterval(
  w: EtlWriter,
  cpu: number,
  ts: number,
  source: number,
  newInterval: number,
  oldInterval: number,
): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.ProfileSetInterval, 2, 12);
  w.view.setUint32(o, source, true);
  w.view.setUint32(o + 4, newInterval, true);
  w.view.setUint32(o + 8, oldInterval, true);
}

/** StackWalk (0x1820, v2): EventTimeStamp, StackProcess, StackThread, frames (P each, innermost first). */
export function writeStackWalk(
  w: EtlWriter,
  cpu: number,
  ts: number,
  eventTimeStamp: number,
  processId: number,
  threadId: number,
  frames: readonly bigint[],
): void {
  const P = w.pointerSize;
  const o = w.reservePerfInfo(cpu, ts, Hook.StackWalk, 2, 16 + frames.length * P);
  const v = w.view;
  setU64(v, o, eventTimeStamp);
  v.setUint32(o + 8, processId >>> 0, true);
  v.setUint32(o + 12, threadId >>> 0, true);
  frames.forEach((frame, k) => setPointer(v, o + 16 + k * P, frame, P));
}

/**
 * Stack-key reference (0x1825 kernel / 0x1826 user, v2): EventTimeStamp, StackProcess, StackThread,
 * StackKey P. The key's frames come from the next KeyDelete/KeyRundown of that key (format doc §5.7).
 */
export function writeStackKeyReference(
  w: EtlWriter,
  cpu: number,
  ts: number,
  user: boolean,
  eventTimeStamp: number,
  processId: number,
  threadId: number,
  key: bigint,
): void {
  const P = w.pointerSize;
  const o = w.reservePerfInfo(cpu, ts, user ? Hook.StackKeyUserRef : Hook.StackKeyKernelRef, 2, 16 + P);
  const v = w.view;
  setU64(v, o, eventTimeStamp);
  v.setUint32(o + 8, processId >>> 0, true);
  v.setUint32(o + 12, threadId >>> 0, true);
  setPointer(v, o + 16, key, P);
}

/** Stack-key definition (0x1823 KeyDelete / 0x1824 KeyRundown, v2): StackKey P, then frames (P each, innermost first). */
export function writeStackKeyDefinition(
  w: EtlWriter,
  cpu: number,
  ts: number,
  kind: 'Delete' | 'Rundown',
  key: bigint,
  frames: readonly bigint[],
): void {
  const P = w.pointerSize;
  const o = w.reservePerfInfo(
    cpu,
    ts,
    kind === 'Delete' ? Hook.StackKeyDelete : Hook.StackKeyRundown,
    2,
    P + frames.length * P,
  );
  setPointer(w.view, o, key, P);
  frames.forEach((frame, k) => setPointer(w.view, o + P + k * P, frame, P));
}

/** SID of LocalSystem. */
export const SID_LOCAL_SYSTEM = 'S-1-5-18';

function sidBytes(sid: string | undefined, P: 4 | 8): Uint8Array {
  if (sid === undefined) return new Uint8Array(4);
  const parts = sid.split('-');
  if (parts[0] !== 'S' || parts.length < 3) throw new Error(`bad SID ${sid}`);
  const authority = Number(parts[2]);
  const subs = parts.slice(3).map(Number);
  // TOKEN_USER (2·P bytes: a pointer to the SID and the attributes), then the SID itself.
  const out = new Uint8Array(2 * P + 8 + 4 * subs.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x00000001, true); // a non-zero first dword marks "SID present"
  const s = 2 * P;
  out[s] = Number(parts[1]);
  out[s + 1] = subs.length;
  v.setUint16(s + 2, 0, false);
  v.setUint32(s + 4, authority, false);
  subs.forEach((sub, k) => v.setUint32(s + 8 + 4 * k, sub >>> 0, true));
  return out;
}

export interface ProcessFields {
  uniqueProcessKey: bigint;
  processId: number;
  parentId: number;
  sessionId: number;
  exitStatus?: number;
  directoryTableBase: bigint;
  flags?: number;
  userSid?: string;
  imageFileName: string;
  commandLine: string;
  packageFullName?: string;
  applicationId?: string;
}

export type ProcessEventKind = 'Start' | 'End' | 'DCStart' | 'DCEnd';
const PROCESS_HOOK: Record<ProcessEventKind, number> = {
  Start: Hook.ProcessStart,
  End: Hook.ProcessEnd,
  DCStart: Hook.ProcessDCStart,
  DCEnd: Hook.ProcessDCEnd,
};

/** Process v4 (§5.8). Start/End: SYSTEM header (thread/process context given); DCStart/DCEnd: PERFINFO. */
export function writeProcess(
  w: EtlWriter,
  cpu: number,
  ts: number,
  kind: ProcessEventKind,
  f: ProcessFields,
  context: { threadId: number; processId: number } = { threadId: 0, processId: 0 },
): void {
  const P = w.pointerSize;
  const sid = sidBytes(f.userSid, P);
  const image = asciiz(f.imageFileName);
  const cmd = utf16z(f.commandLine);
  const pkg = utf16z(f.packageFullName ?? '');
  const app = utf16z(f.applicationId ?? '');
  const fixed = 2 * P + 20;
  const size = fixed + sid.length + image.length + cmd.length + pkg.length + app.length;
  const hook = PROCESS_HOOK[kind];
  const o =
    kind === 'Start' || kind === 'End'
      ? w.reserveSystem(cpu, ts, hook, 4, context.threadId, context.processId, size)
      : w.reservePerfInfo(cpu, ts, hook, 4, size);
  const v = w.view;
  setPointer(v, o, f.uniqueProcessKey, P);
  v.setUint32(o + P, f.processId, true);
  v.setUint32(o + P + 4, f.parentId, true);
  v.setUint32(o + P + 8, f.sessionId >>> 0, true);
  v.setInt32(o + P + 12, f.exitStatus ?? 0, true);
  setPointer(v, o + P + 16, f.directoryTableBase, P);
  v.setUint32(o + 2 * P + 16, f.flags ?? 0, true);
  let p = o + fixed;
  for (const part of [sid, image, cmd, pkg, app]) {
    w.bytes.set(part, p);
    p += part.length;
  }
}

export interface ThreadFields {
  processId: number;
  threadId: number;
  stackBase: bigint;
  stackLimit: bigint;
  userStackBase: bigint;
  userStackLimit: bigint;
  affinity: bigint;
  win32StartAddr: bigint;
  tebBase: bigint;
  subProcessTag?: number;
  basePriority: number;
  pagePriority?: number;
  ioPriority?: number;
  threadFlags?: number;
  name?: string;
}

export type ThreadEventKind = 'Start' | 'End' | 'DCStart' | 'DCEnd';
const THREAD_HOOK: Record<ThreadEventKind, number> = {
  Start: Hook.ThreadStart,
  End: Hook.ThreadEnd,
  DCStart: Hook.ThreadDCStart,
  DCEnd: Hook.ThreadDCEnd,
};

/** Thread v3 (§5.9) with the trailing name. Start/End: SYSTEM header; DCStart/DCEnd: PERFINFO. */
export function writeThread(
  w: EtlWriter,
  cpu: number,
  ts: number,
  kind: ThreadEventKind,
  f: ThreadFields,
  context: { threadId: number; processId: number } = { threadId: 0, processId: 0 },
): void {
  const P = w.pointerSize;
  const name = utf16z(f.name ?? '');
  const size = 16 + 7 * P + name.length;
  const hook = THREAD_HOOK[kind];
  const o =
    kind === 'Start' || kind === 'End'
      ? w.reserveSystem(cpu, ts, hook, 3, context.threadId, context.processId, size)
      : w.reservePerfInfo(cpu, ts, hook, 3, size);
  const v = w.view;
  v.setUint32(o, f.processId, true);
  v.setUint32(o + 4, f.threadId, true);
  setPointer(v, o + 8, f.stackBase, P);
  setPointer(v, o + 8 + P, f.stackLimit, P);
  setPointer(v, o + 8 + 2 * P, f.userStackBase, P);
  setPointer(v, o + 8 + 3 * P, f.userStackLimit, P);
  setPointer(v, o + 8 + 4 * P, f.affinity, P);
  setPointer(v, o + 8 + 5 * P, f.win32StartAddr, P);
  setPointer(v, o + 8 + 6 * P, f.tebBase, P);
  v.setUint32(o + 8 + 7 * P, f.subProcessTag ?? 0, true);
  v.setInt8(o + 12 + 7 * P, f.basePriority);
  w.bytes[o + 13 + 7 * P] = f.pagePriority ?? 5;
  w.bytes[o + 14 + 7 * P] = f.ioPriority ?? 2;
  w.bytes[o + 15 + 7 * P] = f.threadFlags ?? 0;
  w.bytes.set(name, o + 16 + 7 * P);
}

export interface ImageFields {
  imageBase: bigint;
  imageSize: number;
  /** 0 for kernel-mode images. */
  processId: number;
  checksum: number;
  timeDateStamp: number;
  signatureLevel?: number;
  signatureType?: number;
  defaultBase: bigint;
  /** NT path, e.g. \SystemRoot\System32\drivers\ndis.sys. */
  fileName: string;
}

export type ImageEventKind = 'Load' | 'Unload' | 'DCStart' | 'DCEnd';
const IMAGE_HOOK: Record<ImageEventKind, number> = {
  Load: Hook.ImageLoad,
  Unload: Hook.ImageUnload,
  DCStart: Hook.ImageDCStart,
  DCEnd: Hook.ImageDCEnd,
};

/** Image v3 (§5.10). Load (0x030A)/Unload: SYSTEM header; DCStart/DCEnd: PERFINFO. */
export function writeImage(
  w: EtlWriter,
  cpu: number,
  ts: number,
  kind: ImageEventKind,
  f: ImageFields,
  context: { threadId: number; processId: number } = { threadId: 0, processId: 4 },
): void {
  const P = w.pointerSize;
  const name = utf16z(f.fileName);
  const size = 3 * P + 32 + name.length;
  const hook = IMAGE_HOOK[kind];
  const o =
    kind === 'Load' || kind === 'Unload'
      ? w.reserveSystem(cpu, ts, hook, 3, context.threadId, context.processId, size)
      : w.reservePerfInfo(cpu, ts, hook, 3, size);
  const v = w.view;
  setPointer(v, o, f.imageBase, P);
  setPointer(v, o + P, BigInt(f.imageSize), P);
  v.setUint32(o + 2 * P, f.processId, true);
  v.setUint32(o + 2 * P + 4, f.checksum >>> 0, true);
  v.setUint32(o + 2 * P + 8, f.timeDateStamp >>> 0, true);
  w.bytes[o + 2 * P + 12] = f.signatureLevel ?? 0;
  w.bytes[o + 2 * P + 13] = f.signatureType ?? 0;
  setPointer(v, o + 2 * P + 16, f.defaultBase, P);
  w.bytes.set(name, o + 3 * P + 32);
}

/** KernelBase (0x1421, v2): the ntoskrnl base. */
export function writeKernelBase(w: EtlWriter, cpu: number, ts: number, base: bigint): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.KernelBase, 2, w.pointerSize);
  setPointer(w.view, o, base, w.pointerSize);
}

/** RundownComplete (0x0008): no payload. */
export function writeRundownComplete(w: EtlWriter, cpu: number, ts: number): void {
  w.reservePerfInfo(cpu, ts, Hook.RundownComplete, 2, 0);
}

/** KernelTraceControl ImageId (type 0, v2): ImageBase, ImageSize, ProcessId, TimeDateStamp, OriginalFileName WSTR. */
export function writeImageId(
  w: EtlWriter,
  cpu: number,
  ts: number,
  imageBase: bigint,
  imageSize: number,
  processId: number,
  timeDateStamp: number,
  originalFileName: string,
): void {
  const P = w.pointerSize;
  const name = utf16z(originalFileName);
  const o = w.reserveFull(
    cpu,
    ts,
    KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
    ImageIdType.ImageId,
    2,
    0,
    0,
    2 * P + 8 + name.length,
  );
  setPointer(w.view, o, imageBase, P);
  setPointer(w.view, o + P, BigInt(imageSize), P);
  w.view.setUint32(o + 2 * P, processId, true);
  w.view.setUint32(o + 2 * P + 4, timeDateStamp >>> 0, true);
  w.bytes.set(name, o + 2 * P + 8);
}

/** KernelTraceControl DbgID_RSDS (type 36, v2): ImageBase, ProcessId, GUID, Age, PdbFileName ASTR. */
export function writeDbgIdRsds(
  w: EtlWriter,
  cpu: number,
  ts: number,
  imageBase: bigint,
  processId: number,
  pdbGuid: string,
  age: number,
  pdbFileName: string,
): void {
  const P = w.pointerSize;
  const name = asciiz(pdbFileName);
  const o = w.reserveFull(
    cpu,
    ts,
    KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
    ImageIdType.DbgIdRsds,
    2,
    0,
    0,
    P + 24 + name.length,
  );
  setPointer(w.view, o, imageBase, P);
  w.view.setUint32(o + P, processId, true);
  w.bytes.set(guidToBytes(pdbGuid), o + P + 4);
  w.view.setUint32(o + P + 20, age, true);
  w.bytes.set(name, o + P + 24);
}

/** PPM_IDLE_STATE_ENTER (0x1239, 16 bytes): State u32, Flags u32, ExpectedDuration u64. */
export function writeIdleEnter(
  w: EtlWriter,
  cpu: number,
  ts: number,
  state: number,
  expectedDuration = 0,
  flags = 0,
): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.IdleStateEnter, 2, 16);
  w.view.setUint32(o, state, true);
  w.view.setUint32(o + 4, flags, true);
  setU64(w.view, o + 8, expectedDuration);
}

/** PPM_IDLE_STATE_EXIT (0x123A, 8 bytes): State u32, Status u32. */
export function writeIdleExit(w: EtlWriter, cpu: number, ts: number, state: number, status = 0): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.IdleStateExit, 2, 8);
  w.view.setUint32(o, state, true);
  w.view.setUint32(o + 4, status, true);
}

/** PPM_PERF_STATE_CHANGE (0x1233, 24 bytes): Type, NewState, OldState, Result, Processors (u64 mask). */
export function writePerfStateChange(
  w: EtlWriter,
  cpu: number,
  ts: number,
  newState: number,
  oldState: number,
  processors: bigint,
  type = 1,
): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.PerfStateChange, 2, 24);
  w.view.setUint32(o, type, true);
  w.view.setUint32(o + 4, newState, true);
  w.view.setUint32(o + 8, oldState, true);
  w.view.setInt32(o + 12, 0, true);
  w.view.setBigUint64(o + 16, BigInt.asUintN(64, processors), true);
}

/** PPM_IDLE_STATE_CHANGE (0x1235, 16 bytes): NewState u32, OldState u32, Processors u64 (affinity
 *  mask): the OS's target idle state for those processors from `ts` on (WPA's Type = Target). */
export function writeIdleStateChange(
  w: EtlWriter,
  cpu: number,
  ts: number,
  newState: number,
  oldState: number,
  processors: bigint,
): void {
  const o = w.reservePerfInfo(cpu, ts, Hook.IdleStateChange, 2, 16);
  w.view.setUint32(o, newState, true);
  w.view.setUint32(o + 4, oldState, true);
  w.view.setBigUint64(o + 8, BigInt.asUintN(64, processors), true);
}

/** Thread SetName (0x0548, SYSTEM header): ProcessId u32, ThreadId u32, ThreadName WSTR. */
export function writeThreadSetName(
  w: EtlWriter,
  cpu: number,
  ts: number,
  processId: number,
  threadId: number,
  name: string,
): void {
  const text = utf16z(name);
  const o = w.reserveSystem(cpu, ts, Hook.ThreadSetName, 2, threadId, processId, 8 + text.length);
  w.view.setUint32(o, processId, true);
  w.view.setUint32(o + 4, threadId, true);
  w.bytes.set(text, o + 8);
}

export interface SystemConfigCpuFields {
  mhz: number;
  numberOfProcessors: number;
  memSizeMb: number;
  computerName: string;
  domainName: string;
  /** Windows PROCESSOR_ARCHITECTURE: 0 x86, 5 ARM, 9 x64, 12 ARM64. */
  architecture: number;
  /** ProcessorLevel (x86/x64: CPUID family). */
  level: number;
  /** ProcessorRevision (x86/x64: model << 8 | stepping). */
  revision: number;
}

/**
 * SystemConfig CPU (0x0B0A, v3; SYSTEM header as the kernel logger's rundown writes it): MHz,
 * NumberOfProcessors, MemSize, PageSize, AllocationGranularity, ComputerName WCHAR[256],
 * DomainName WCHAR[134], HyperThreadingFlag P, HighestUserAddress P, ProcessorArchitecture u16,
 * ProcessorLevel u16, ProcessorRevision u16, PaeEnabled u8, NxEnabled u8, MemorySpeed u32.
 */
export function writeSystemConfigCpu(w: EtlWriter, cpu: number, ts: number, f: SystemConfigCpuFields): void {
  const P = w.pointerSize;
  const names = 20 + 2 * 256 + 2 * 134;
  const size = names + 2 * P + 12;
  const o = w.reserveSystem(cpu, ts, Hook.SystemConfigCpu, 3, 0, 0, size);
  const v = w.view;
  w.bytes.fill(0, o, o + size);
  v.setUint32(o, f.mhz, true);
  v.setUint32(o + 4, f.numberOfProcessors, true);
  v.setUint32(o + 8, f.memSizeMb, true);
  v.setUint32(o + 12, 4096, true);
  v.setUint32(o + 16, 65536, true);
  w.bytes.set(utf16z(f.computerName).subarray(0, 2 * 255), o + 20);
  w.bytes.set(utf16z(f.domainName).subarray(0, 2 * 133), o + 20 + 2 * 256);
  setPointer(v, o + names, 1n, P);
  setPointer(v, o + names + P, P === 8 ? 0x7ffffffeffffn : 0x7ffeffffn, P);
  v.setUint16(o + names + 2 * P, f.architecture, true);
  v.setUint16(o + names + 2 * P + 2, f.level, true);
  v.setUint16(o + names + 2 * P + 4, f.revision, true);
  w.bytes[o + names + 2 * P + 6] = 1;
  w.bytes[o + names + 2 * P + 7] = 1;
}

export interface SystemConfigPnpFields {
  classGuid: string;
  deviceId: string;
  description: string;
  friendlyName: string;
  pdoName: string;
  serviceName: string;
}

/**
 * SystemConfig PnP (0x0B16, v5): ClassGuid, UpperFilterCount u32, LowerFilterCount u32,
 * DevStatus u32, DevProblem u32, then NUL-terminated UTF-16 DeviceID, DeviceDescription,
 * FriendlyName, PdoName, ServiceName (no filter strings: both counts are 0).
 */
export function writeSystemConfigPnp(w: EtlWriter, cpu: number, ts: number, f: SystemConfigPnpFields): void {
  const strings = [f.deviceId, f.description, f.friendlyName, f.pdoName, f.serviceName].map(utf16z);
  const size = 32 + strings.reduce((n, s) => n + s.length, 0);
  const o = w.reserveSystem(cpu, ts, Hook.SystemConfigPnp, 5, 0, 0, size);
  w.bytes.set(guidToBytes(f.classGuid), o);
  const v = w.view;
  v.setUint32(o + 16, 0, true);
  v.setUint32(o + 20, 0, true);
  v.setUint32(o + 24, 0x0180000a, true);
  v.setUint32(o + 28, 0, true);
  let at = o + 32;
  for (const s of strings) {
    w.bytes.set(s, at);
    at += s.length;
  }
}

/** Readable names for the hooks the writer emits (truth files use them next to the raw hook ids). */
export const HOOK_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'EventTrace/Header',
  0x0005: 'EventTrace/Extension',
  0x0008: 'EventTrace/RundownComplete',
  0x0f42: 'PerfInfo/ThreadedDPC',
  0x0f43: 'PerfInfo/ISR',
  0x0f44: 'PerfInfo/DPC',
  0x0f45: 'PerfInfo/TimerDPC',
  0x0f32: 'PerfInfo/ISR-MSI',
  0x0f2e: 'PerfInfo/SampledProfile',
  0x0f48: 'PerfInfo/SetInterval',
  0x0524: 'Thread/CSwitch',
  0x0525: 'Thread/CompCS',
  0x0532: 'Thread/ReadyThread',
  0x0501: 'Thread/Start',
  0x0502: 'Thread/End',
  0x0503: 'Thread/DCStart',
  0x0504: 'Thread/DCEnd',
  0x0301: 'Process/Start',
  0x0302: 'Process/End',
  0x0303: 'Process/DCStart',
  0x0304: 'Process/DCEnd',
  0x030a: 'Image/Load',
  0x1402: 'Image/UnLoad',
  0x1403: 'Image/DCStart',
  0x1404: 'Image/DCEnd',
  0x1421: 'Image/KernelBase',
  0x1820: 'StackWalk/Stack',
  0x1823: 'StackWalk/KeyDelete',
  0x1824: 'StackWalk/KeyRundown',
  0x1825: 'StackWalk/KeyKernelRef',
  0x1826: 'StackWalk/KeyUserRef',
  0x0548: 'Thread/SetName',
  0x1235: 'Power/IdleStateChange',
  0x1233: 'Power/PerfStateChange',
  0x1239: 'Power/IdleStateEnter',
  0x123a: 'Power/IdleStateExit',
  0x0b0a: 'Config/CPU',
  0x0b16: 'Config/PnP',
};

/** Event counts of a writer keyed as 'hook:0x0f44' / 'guid:<guid>/<type>' / 'provider:<guid>/<id>'. */
export function rawEventCounts(w: EtlWriter): Record<string, number> {
  const out: Record<string, number> = {};
  for (let hook = 0; hook < 65536; hook++) {
    const n = w.hookCounts[hook];
    if (n > 0) out[`hook:0x${hook.toString(16).padStart(4, '0')}`] = n;
  }
  for (const [key, n] of [...w.otherCounts].sort()) out[key] = n;
  return out;
}

/** Event counts keyed by readable kind names ('PerfInfo/DPC', 'KernelTraceControl/DbgID_RSDS', …). */
export function namedEventCounts(w: EtlWriter): Record<string, number> {
  const out: Record<string, number> = {};
  for (let hook = 0; hook < 65536; hook++) {
    const n = w.hookCounts[hook];
    if (n > 0) out[HOOK_NAMES[hook] ?? `hook:0x${hook.toString(16).padStart(4, '0')}`] = n;
  }
  for (const [key, n] of [...w.otherCounts].sort()) {
    const name =
      key === `guid:${KERNEL_TRACE_CONTROL_IMAGE_ID_GUID}/0`
        ? 'KernelTraceControl/ImageId'
        : key === `guid:${KERNEL_TRACE_CONTROL_IMAGE_ID_GUID}/36`
          ? 'KernelTraceControl/DbgID_RSDS'
          : key.replace(/^(guid|provider):/, '');
    out[name] = (out[name] ?? 0) + n;
  }
  return out;
}
