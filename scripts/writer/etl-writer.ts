// EtlWriter: writes genuine Windows ETW `.etl` files (layout of /work/shared/etl-format.md),
// streaming buffer by buffer to a file or collecting them in memory. It never holds more than
// one buffer per CPU plus the header buffer, so multi-GB files cost no memory.
//
//   reserveX(cpu, ts, …, payloadSize) ──> header written into that CPU's current buffer,
//        │                                 returns the payload offset; caller fills w.view/w.bytes
//        └── buffer full? ──> flush: WMI_BUFFER_HEADER (global SequenceNumber, flush TimeStamp,
//                              ProcessorIndex|PROC_INDEX, SavedOffset), 0xFF filler or Xpress,
//                              appended to the file in flush order (not time order)
//   close() ──> flush every CPU, patch BuffersWritten/EndTime in the header buffer at offset 0
//
// File layout: [header buffer: type 4, seq 0, CPU 0 — SYSTEM logfile-header event (hook 0x0000,
// TRACE_LOGFILE_HEADER 32/64 form + time zone + logger/file names) and the header extension
// event (hook 0x0005, PERFINFO_GROUPMASK)] then per-CPU buffers. Events are 8-byte aligned.
// Per-CPU timestamps must be non-decreasing (asserted). Payload encoders for kernel events are in
// kernel-events.ts; this file owns headers, buffers and the file.

import { closeSync, openSync, writeSync } from 'node:fs';
import { xpressCompress } from './xpress-compress.js';

/** WMI_BUFFER_HEADER size, the same for 32- and 64-bit traces. */
export const BUFFER_HEADER_SIZE = 0x48;
/** Filler after SavedOffset in every real buffer. */
const FILLER = 0xff;
/** Buffer flags (format doc §1.2). */
export const BufferFlag = {
  FlushMarker: 0x0001,
  EventsLost: 0x0002,
  BufferLost: 0x0004,
  ProcIndex: 0x0020,
  Compressed: 0x0040,
} as const;
export const BufferType = { Generic: 0, Header: 4 } as const;
/** ETW_BUFFER_STATE Flush: what every buffer in a real file carries. */
const BUFFER_STATE_FLUSH = 3;
/** EVENT_TRACE_COMPRESSED_MODE in LogFileMode. */
export const LOG_FILE_MODE_COMPRESSED = 0x04000000;
/** EVENT_TRACE_FILE_MODE_SEQUENTIAL: a plain sequential log file. */
const LOG_FILE_MODE_SEQUENTIAL = 0x00000001;
/** FILETIME ticks (100 ns) per second. */
const FILETIME_PER_SECOND = 10_000_000;
/** Short header buffer in compressed files is rounded up to this (512 and 1024 seen in real files). */
const COMPRESSED_HEADER_ROUNDING = 512;
/** Size of TIME_ZONE_INFORMATION (172) plus its 4 padding bytes inside TRACE_LOGFILE_HEADER. */
const TIME_ZONE_FIELD_SIZE = 176;
/** Largest record: the header Size fields are 16-bit. */
const MAX_EVENT_SIZE = 0xffff;

/** Marker byte 3 of every trace header: TRACE_HEADER_FLAG | TRACE_HEADER_EVENT_TRACE. */
const HEADER_FLAGS = 0xc0;
export const HeaderTypeCode = {
  System32: 0x01,
  System64: 0x02,
  Compact32: 0x03,
  Compact64: 0x04,
  Full32: 0x0a,
  PerfInfo32: 0x10,
  PerfInfo64: 0x11,
  EventHeader32: 0x12,
  EventHeader64: 0x13,
  Full64: 0x14,
} as const;

/** Classic EnableFlags (group mask dword 0) and extended group-mask bits (index << 29 | bit). */
export const GroupMask = {
  Process: 0x00000001,
  Thread: 0x00000002,
  ImageLoad: 0x00000004,
  CSwitch: 0x00000010,
  Dpc: 0x00000020,
  Interrupt: 0x00000040,
  Dispatcher: 0x00000800,
  Profile: 0x01000000,
  PerfContextSwitch: 0x20000004,
  PerfCompactCSwitch: 0x20000100,
  PerfProfile: 0x20000002,
  PerfDpc: 0x20000080,
  PerfInterrupt: 0x20004000,
  PerfProcessorIdle: 0x40008000,
} as const;

/** What the session recorded, turned into the 8 PERFINFO_GROUPMASK dwords of the header extension. */
export interface RecordedGroups {
  procThread?: boolean;
  loader?: boolean;
  dpc?: boolean;
  interrupt?: boolean;
  cswitch?: boolean;
  compactCSwitch?: boolean;
  dispatcher?: boolean;
  idleStates?: boolean;
  profile?: boolean;
}

export const ALL_GROUPS: Required<RecordedGroups> = {
  procThread: true,
  loader: true,
  dpc: true,
  interrupt: true,
  cswitch: true,
  compactCSwitch: false,
  dispatcher: true,
  idleStates: true,
  profile: true,
};

export function groupMasksFor(groups: RecordedGroups): number[] {
  const masks = new Array<number>(8).fill(0);
  const set = (value: number): void => {
    const index = value >>> 29;
    masks[index] = (masks[index] | (value & 0x1fffffff)) >>> 0;
  };
  if (groups.procThread) (set(GroupMask.Process), set(GroupMask.Thread));
  if (groups.loader) set(GroupMask.ImageLoad);
  if (groups.dpc) (set(GroupMask.Dpc), set(GroupMask.PerfDpc));
  if (groups.interrupt) (set(GroupMask.Interrupt), set(GroupMask.PerfInterrupt));
  if (groups.cswitch) (set(GroupMask.CSwitch), set(GroupMask.PerfContextSwitch));
  if (groups.compactCSwitch) set(GroupMask.PerfCompactCSwitch);
  if (groups.dispatcher) set(GroupMask.Dispatcher);
  if (groups.idleStates) set(GroupMask.PerfProcessorIdle);
  if (groups.profile) (set(GroupMask.Profile), set(GroupMask.PerfProfile));
  return masks;
}

export interface EtlClockOptions {
  /** QPC frequency in Hz (PerfFreq). Default 10 MHz, as on modern Windows. */
  frequency?: number;
  /** Raw timestamp of the logfile-header event (the trace origin). Default: 30 min of uptime. */
  startTicks?: number;
  /** FILETIME of session start (same instant as startTicks). Default 2024-03-12T09:30:00Z. */
  startTimeFileTime?: bigint;
  /** FILETIME of boot. Default: startTime − startTicks/frequency (QPC counts from boot). */
  bootTimeFileTime?: bigint;
}

export interface EtlWriterOptions {
  /** Output file; omitted → in memory (close() returns the bytes). */
  path?: string;
  cpuCount: number;
  /** 8 (x64, default) or 4 (32-bit session: SYSTEM32/PERFINFO32 headers, 32-bit payloads). */
  pointerSize?: 4 | 8;
  /** Uncompressed buffer size in bytes. Default 64 KiB. */
  bufferSize?: number;
  clock?: EtlClockOptions;
  /** Windows build (ProviderVersion). Default 19041. */
  build?: number;
  osMajor?: number;
  osMinor?: number;
  loggerName?: string;
  logFileName?: string;
  /** Xpress-compress data buffers (LogFileMode 0x04000000, BufferFlag 0x0040). */
  compress?: boolean;
  /** TRACE_LOGFILE_HEADER.EventsLost / BuffersLost as recorded by the session. */
  eventsLost?: number;
  buffersLost?: number;
  /** Header-extension group masks; default from ALL_GROUPS. */
  groups?: RecordedGroups;
  /** ETW_KERNEL_HEADER_EXTENSION.KernelEventVersion (0x46 seen on 18362). */
  kernelEventVersion?: number;
  /** ClientContext.LoggerId of every buffer. */
  loggerId?: number;
  /** Extra LogFileMode bits. */
  logFileMode?: number;
  cpuSpeedMHz?: number;
}

export interface EventHeaderDescriptor {
  provider: string;
  id: number;
  version?: number;
  channel?: number;
  level?: number;
  opcode?: number;
  task?: number;
  /** Keyword as bigint (64-bit). */
  keyword?: bigint;
  threadId?: number;
  processId?: number;
  /** EVENT_HEADER.Flags beyond EXTENDED_INFO (which is set automatically when items are given). */
  flags?: number;
  eventProperty?: number;
  activityId?: string;
  /** Payload bitness of this event (WOW64 providers write EVENT_HEADER32 in 64-bit files). */
  pointerSize?: 4 | 8;
}

export interface ExtendedItem {
  extType: number;
  data: Uint8Array;
}

export interface WriterStats {
  bytes: number;
  /** Including the header buffer. */
  buffers: number;
  compressedBuffers: number;
  /** Every record, header events included. */
  events: number;
  /** Bytes of the uncompressed data buffers (header buffer excluded). */
  uncompressedBytes: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

interface CpuBuffer {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
  lastTs: number;
  extraFlags: number;
}

const TWO_32 = 4294967296;

export function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_32) >>> 0, true);
}

export function setPointer(view: DataView, offset: number, value: bigint, pointerSize: 4 | 8): void {
  if (pointerSize === 8) view.setBigUint64(offset, BigInt.asUintN(64, value), true);
  else view.setUint32(offset, Number(BigInt.asUintN(32, value)), true);
}

/** 'b3e675d7-2554-4f18-830b-2762732560de' → the 16 bytes of a GUID as stored (Data1..3 little-endian). */
export function guidToBytes(guid: string): Uint8Array {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const raw = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const out = new Uint8Array(16);
  out.set([raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]], 0);
  out.set(raw.subarray(8), 8);
  return out;
}

/** UTF-16LE bytes of `text` plus the NUL terminator. */
export function utf16z(text: string): Uint8Array {
  const out = new Uint8Array((text.length + 1) * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i * 2] = c & 0xff;
    out[i * 2 + 1] = c >>> 8;
  }
  return out;
}

/** 8-bit bytes of `text` plus the NUL terminator. */
export function asciiz(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export const align8 = (n: number): number => (n + 7) & ~7;

/** Default origin: 30 minutes of uptime at 10 MHz. */
const DEFAULT_START_TICKS = 30 * 60 * 10_000_000;
/** 2024-03-12T09:30:00Z as FILETIME. */
const DEFAULT_START_FILETIME = BigInt(Date.UTC(2024, 2, 12, 9, 30, 0)) * 10_000n + 116444736000000000n;

export function fileTimeToIso(fileTime: bigint): string {
  return new Date(Number((fileTime - 116444736000000000n) / 10_000n)).toISOString();
}

export class EtlWriter {
  readonly pointerSize: 4 | 8;
  readonly cpuCount: number;
  readonly bufferSize: number;
  readonly frequency: number;
  readonly startTicks: number;
  readonly startTimeFileTime: bigint;
  readonly bootTimeFileTime: bigint;
  readonly compress: boolean;
  /** The current CPU buffer after a reserve*() call: fill the payload at the returned offset. */
  bytes!: Uint8Array;
  view!: DataView;

  private readonly options: EtlWriterOptions;
  private readonly cpus: CpuBuffer[];
  private readonly headerBuffer: Uint8Array;
  private readonly headerOnDiskSize: number;
  private fd = -1;
  private memoryChunks: Uint8Array[] | undefined;
  private fileOffset = 0;
  private sequence = 0;
  private dataBuffers = 0;
  private compressedBuffers = 0;
  private uncompressedBytes = 0;
  private eventCount = 0;
  private maxTs = -Infinity;
  private minTs = Infinity;
  private closed = false;
  /** Records per kernel hook id (SYSTEM/COMPACT/PERFINFO headers). */
  readonly hookCounts = new Float64Array(65536);
  /** Records per 'guid:<guid>/<type>' (FULL) and 'provider:<guid>/<id>' (EVENT_HEADER). */
  readonly otherCounts = new Map<string, number>();
  private readonly perfInfoType: number;
  private readonly systemType: number;
  private readonly compactType: number;
  private readonly fullType: number;
  private readonly guidCache = new Map<string, Uint8Array>();

  constructor(options: EtlWriterOptions) {
    this.options = options;
    this.pointerSize = options.pointerSize ?? 8;
    this.cpuCount = options.cpuCount;
    this.bufferSize = options.bufferSize ?? 64 * 1024;
    this.compress = options.compress ?? false;
    if (!Number.isInteger(this.cpuCount) || this.cpuCount < 1 || this.cpuCount > 2048) {
      throw new Error(`cpuCount must be 1..2048 (ETW_PROCESSOR_INDEX_MASK), got ${this.cpuCount}`);
    }
    if (this.bufferSize % 8 !== 0 || this.bufferSize < 4096 || this.bufferSize > 16 * 1024 * 1024) {
      throw new Error(`bufferSize must be a multiple of 8 between 4 KiB and 16 MiB, got ${this.bufferSize}`);
    }
    this.frequency = options.clock?.frequency ?? 10_000_000;
    this.startTicks = options.clock?.startTicks ?? DEFAULT_START_TICKS;
    this.startTimeFileTime = options.clock?.startTimeFileTime ?? DEFAULT_START_FILETIME;
    this.bootTimeFileTime =
      options.clock?.bootTimeFileTime ??
      this.startTimeFileTime - BigInt(Math.round((this.startTicks / this.frequency) * FILETIME_PER_SECOND));
    const wide = this.pointerSize === 8;
    this.perfInfoType = wide ? HeaderTypeCode.PerfInfo64 : HeaderTypeCode.PerfInfo32;
    this.systemType = wide ? HeaderTypeCode.System64 : HeaderTypeCode.System32;
    this.compactType = wide ? HeaderTypeCode.Compact64 : HeaderTypeCode.Compact32;
    this.fullType = wide ? HeaderTypeCode.Full64 : HeaderTypeCode.Full32;

    this.cpus = [];
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      const bytes = new Uint8Array(this.bufferSize);
      this.cpus.push({
        bytes,
        view: new DataView(bytes.buffer),
        pos: BUFFER_HEADER_SIZE,
        lastTs: -Infinity,
        extraFlags: 0,
      });
    }
    this.headerBuffer = new Uint8Array(this.bufferSize);
    const headerEnd = this.buildHeaderBuffer();
    this.headerOnDiskSize = this.compress
      ? Math.ceil(headerEnd / COMPRESSED_HEADER_ROUNDING) * COMPRESSED_HEADER_ROUNDING
      : this.bufferSize;
    if (options.path !== undefined) {
      this.fd = openSync(options.path, 'w');
    } else {
      this.memoryChunks = [];
    }
    // The header buffer goes first; close() rewrites it with the final counts.
    this.emit(this.headerBuffer.subarray(0, this.headerOnDiskSize));
  }

  // -------------------------------------------------------------------------------------------
  // Header buffer
  // -------------------------------------------------------------------------------------------

  private get logFileMode(): number {
    return (
      (LOG_FILE_MODE_SEQUENTIAL |
        (this.options.logFileMode ?? 0) |
        (this.compress ? LOG_FILE_MODE_COMPRESSED : 0)) >>>
      0
    );
  }

  /** Writes the logfile-header and header-extension events; returns SavedOffset. */
  private buildHeaderBuffer(): number {
    const buf = this.headerBuffer;
    const view = new DataView(buf.buffer);
    buf.fill(FILLER);
    buf.fill(0, 0, BUFFER_HEADER_SIZE);
    const P = this.pointerSize;
    const loggerName = utf16z(this.options.loggerName ?? 'NT Kernel Logger');
    const logFileName = utf16z(this.options.logFileName ?? 'C:\\Windows\\system32\\etlscope.etl');
    const structSize = P === 8 ? 0x118 : 0x110;
    const eventSize = 0x20 + structSize + loggerName.length + logFileName.length;
    let pos = BUFFER_HEADER_SIZE;
    buf.fill(0, pos, pos + align8(eventSize));
    // SYSTEM_TRACE_HEADER, hook 0x0000 (EventTrace Header), version 2.
    view.setUint16(pos, 2, true);
    buf[pos + 2] = this.systemType;
    buf[pos + 3] = HEADER_FLAGS;
    view.setUint16(pos + 4, eventSize, true);
    view.setUint16(pos + 6, 0x0000, true);
    view.setUint32(pos + 8, 0, true);
    view.setUint32(pos + 12, 0, true);
    setU64(view, pos + 16, this.startTicks);
    const h = pos + 0x20;
    this.logfileHeaderOffset = h;
    view.setUint32(h + 0x00, this.bufferSize, true);
    // Version bytes: Major, Minor, SubVersion, SubMinorVersion (layout 1.5; 2.0 with compression).
    buf[h + 0x04] = this.options.osMajor ?? 10;
    buf[h + 0x05] = this.options.osMinor ?? 0;
    buf[h + 0x06] = this.compress ? 2 : 1;
    buf[h + 0x07] = this.compress ? 0 : 5;
    view.setUint32(h + 0x08, this.options.build ?? 19041, true);
    view.setUint32(h + 0x0c, this.cpuCount, true);
    // EndTime (0x10) and BuffersWritten (0x24) are patched at close.
    view.setUint32(h + 0x18, 156250, true); // TimerResolution: the 15.625 ms default clock tick
    view.setUint32(h + 0x1c, 0, true);
    view.setUint32(h + 0x20, this.logFileMode, true);
    view.setUint32(h + 0x28, 1, true); // StartBuffers
    view.setUint32(h + 0x2c, P, true);
    view.setUint32(h + 0x30, this.options.eventsLost ?? 0, true);
    view.setUint32(h + 0x34, this.options.cpuSpeedMHz ?? 2994, true);
    // LoggerName / LogFileName pointers: meaningless writer-memory values, as in real files.
    setPointer(view, h + 0x38, P === 8 ? 0xffff9d8e1a2b3000n : 0x8a2b3000n, P);
    setPointer(view, h + 0x38 + P, P === 8 ? 0xffff9d8e1a2b3080n : 0x8a2b3080n, P);
    const tz = h + 0x38 + 2 * P;
    view.setInt32(tz, 0, true); // Bias: UTC
    buf.set(utf16z('Coordinated Universal Time').subarray(0, 64), tz + 4);
    buf.set(utf16z('Coordinated Universal Time').subarray(0, 64), tz + 4 + 64 + 16 + 4);
    const after = tz + TIME_ZONE_FIELD_SIZE;
    view.setBigUint64(after, this.bootTimeFileTime, true);
    setU64(view, after + 8, this.frequency);
    view.setBigUint64(after + 16, this.startTimeFileTime, true);
    view.setUint32(after + 24, 1, true); // ReservedFlags: clock type 1 = QPC
    view.setUint32(after + 28, this.options.buffersLost ?? 0, true);
    if (after + 32 !== h + structSize) throw new Error('internal: TRACE_LOGFILE_HEADER size mismatch');
    buf.set(loggerName, h + structSize);
    buf.set(logFileName, h + structSize + loggerName.length);
    pos += align8(eventSize);

    // Header extension (hook 0x0005): 8 group-mask dwords + KernelEventVersion.
    const extSize = 0x20 + 36;
    buf.fill(0, pos, pos + align8(extSize));
    view.setUint16(pos, 2, true);
    buf[pos + 2] = this.systemType;
    buf[pos + 3] = HEADER_FLAGS;
    view.setUint16(pos + 4, extSize, true);
    view.setUint16(pos + 6, 0x0005, true);
    setU64(view, pos + 16, this.startTicks);
    const masks = groupMasksFor(this.options.groups ?? ALL_GROUPS);
    for (let i = 0; i < 8; i++) view.setUint32(pos + 0x20 + i * 4, masks[i], true);
    view.setUint32(pos + 0x20 + 32, this.options.kernelEventVersion ?? 0x46, true);
    pos += align8(extSize);
    this.hookCounts[0x0000]++;
    this.hookCounts[0x0005]++;
    this.eventCount += 2;

    // WMI_BUFFER_HEADER of the header buffer.
    view.setUint32(0x04, pos, true); // SavedOffset
    view.setUint32(0x08, pos, true); // CurrentOffset
    view.setUint32(0x2c, BUFFER_STATE_FLUSH, true);
    view.setUint32(0x30, pos, true);
    view.setUint16(0x2a, this.options.loggerId ?? 0x14, true);
    view.setUint16(0x34, BufferFlag.ProcIndex | BufferFlag.FlushMarker, true);
    view.setUint16(0x36, BufferType.Header, true);
    this.headerSavedOffset = pos;
    return pos;
  }

  private logfileHeaderOffset = 0;
  private headerSavedOffset = 0;

  // -------------------------------------------------------------------------------------------
  // Event reservation (one per header kind)
  // -------------------------------------------------------------------------------------------

  /** Claims `size` bytes (8-aligned, zeroed) in `cpu`'s buffer; flushes first when full. */
  private reserve(cpu: number, ts: number, size: number): number {
    if (size > MAX_EVENT_SIZE) throw new Error(`event of ${size} bytes exceeds the 16-bit size field`);
    const aligned = (size + 7) & ~7;
    if (aligned > this.bufferSize - BUFFER_HEADER_SIZE)
      throw new Error(`event of ${size} bytes exceeds the buffer`);
    const b = this.cpus[cpu];
    if (b === undefined) throw new Error(`CPU ${cpu} out of range 0..${this.cpuCount - 1}`);
    if (!(ts >= b.lastTs)) throw new Error(`CPU ${cpu}: timestamp ${ts} goes back before ${b.lastTs}`);
    if (this.closed) throw new Error('writer is closed');
    if (b.pos + aligned > this.bufferSize) this.flushCpu(cpu);
    const off = b.pos;
    b.pos = off + aligned;
    b.lastTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    if (ts < this.minTs) this.minTs = ts;
    b.bytes.fill(0, off, off + aligned);
    this.bytes = b.bytes;
    this.view = b.view;
    this.eventCount++;
    return off;
  }

  /** PERFINFO_TRACE_HEADER (no thread/process): DPC/ISR, CSwitch, profile, stacks, idle, rundowns. */
  reservePerfInfo(cpu: number, ts: number, hookId: number, version: number, payloadSize: number): number {
    const off = this.reserve(cpu, ts, 0x10 + payloadSize);
    const v = this.view;
    v.setUint16(off, version, true);
    this.bytes[off + 2] = this.perfInfoType;
    this.bytes[off + 3] = HEADER_FLAGS;
    v.setUint16(off + 4, 0x10 + payloadSize, true);
    v.setUint16(off + 6, hookId, true);
    setU64(v, off + 8, ts);
    this.hookCounts[hookId]++;
    return off + 0x10;
  }

  /** SYSTEM_TRACE_HEADER (full 0x20, or compact 0x18): process/thread/image start/end/load. */
  reserveSystem(
    cpu: number,
    ts: number,
    hookId: number,
    version: number,
    threadId: number,
    processId: number,
    payloadSize: number,
    compact = false,
  ): number {
    const headerSize = compact ? 0x18 : 0x20;
    const off = this.reserve(cpu, ts, headerSize + payloadSize);
    const v = this.view;
    v.setUint16(off, version, true);
    this.bytes[off + 2] = compact ? this.compactType : this.systemType;
    this.bytes[off + 3] = HEADER_FLAGS;
    v.setUint16(off + 4, headerSize + payloadSize, true);
    v.setUint16(off + 6, hookId, true);
    v.setUint32(off + 8, threadId >>> 0, true);
    v.setUint32(off + 12, processId >>> 0, true);
    setU64(v, off + 16, ts);
    this.hookCounts[hookId]++;
    return off + headerSize;
  }

  private guid(text: string): Uint8Array {
    let g = this.guidCache.get(text);
    if (g === undefined) {
      g = guidToBytes(text);
      this.guidCache.set(text, g);
    }
    return g;
  }

  private countOther(key: string): void {
    this.otherCounts.set(key, (this.otherCounts.get(key) ?? 0) + 1);
  }

  /** EVENT_TRACE_HEADER (classic "full" header): KernelTraceControl ImageId / DbgID_RSDS. */
  reserveFull(
    cpu: number,
    ts: number,
    guid: string,
    type: number,
    version: number,
    threadId: number,
    processId: number,
    payloadSize: number,
    level = 0,
  ): number {
    const size = 0x30 + payloadSize;
    const off = this.reserve(cpu, ts, size);
    const v = this.view;
    v.setUint16(off, size, true);
    this.bytes[off + 2] = this.fullType;
    this.bytes[off + 3] = HEADER_FLAGS;
    this.bytes[off + 4] = type;
    this.bytes[off + 5] = level;
    v.setUint16(off + 6, version, true);
    v.setUint32(off + 8, threadId >>> 0, true);
    v.setUint32(off + 12, processId >>> 0, true);
    setU64(v, off + 16, ts);
    this.bytes.set(this.guid(guid), off + 0x18);
    this.countOther(`guid:${guid.toLowerCase()}/${type}`);
    return off + 0x30;
  }

  /** EVENT_HEADER (manifest/TraceLogging providers) with optional inline extended items. */
  reserveEventHeader(
    cpu: number,
    ts: number,
    desc: EventHeaderDescriptor,
    payloadSize: number,
    items: ExtendedItem[] = [],
  ): number {
    let extSize = 0;
    for (const item of items) extSize += align8(8 + item.data.length);
    const size = 0x50 + extSize + payloadSize;
    const off = this.reserve(cpu, ts, size);
    const v = this.view;
    const b = this.bytes;
    v.setUint16(off, size, true);
    b[off + 2] =
      (desc.pointerSize ?? this.pointerSize) === 8
        ? HeaderTypeCode.EventHeader64
        : HeaderTypeCode.EventHeader32;
    b[off + 3] = HEADER_FLAGS;
    v.setUint16(off + 4, (desc.flags ?? 0) | (items.length > 0 ? 0x0001 : 0), true);
    v.setUint16(off + 6, desc.eventProperty ?? 0, true);
    v.setUint32(off + 8, (desc.threadId ?? 0) >>> 0, true);
    v.setUint32(off + 12, (desc.processId ?? 0) >>> 0, true);
    setU64(v, off + 16, ts);
    b.set(this.guid(desc.provider), off + 0x18);
    v.setUint16(off + 0x28, desc.id, true);
    b[off + 0x2a] = desc.version ?? 0;
    b[off + 0x2b] = desc.channel ?? 0;
    b[off + 0x2c] = desc.level ?? 4;
    b[off + 0x2d] = desc.opcode ?? 0;
    v.setUint16(off + 0x2e, desc.task ?? 0, true);
    v.setBigUint64(off + 0x30, desc.keyword ?? 0n, true);
    if (desc.activityId !== undefined) b.set(this.guid(desc.activityId), off + 0x40);
    let p = off + 0x50;
    items.forEach((item, index) => {
      const itemSize = align8(8 + item.data.length);
      v.setUint16(p, itemSize, true);
      v.setUint16(p + 2, item.extType, true);
      v.setUint16(p + 4, index < items.length - 1 ? 1 : 0, true);
      v.setUint16(p + 6, item.data.length, true);
      b.set(item.data, p + 8);
      p += itemSize;
    });
    this.countOther(`provider:${desc.provider.toLowerCase()}/${desc.id}`);
    return p;
  }

  /** A complete EVENT_HEADER event: header, inline extended items, then `payload`. */
  writeEventHeader(
    cpu: number,
    ts: number,
    desc: EventHeaderDescriptor,
    payload: Uint8Array,
    items: ExtendedItem[] = [],
  ): void {
    const o = this.reserveEventHeader(cpu, ts, desc, payload.length, items);
    this.bytes.set(payload, o);
  }

  // -------------------------------------------------------------------------------------------
  // Loss simulation, flushing, closing
  // -------------------------------------------------------------------------------------------

  /** Marks `cpu`'s current buffer as written after lost events (0x2) or lost buffers (0x4). */
  markLoss(cpu: number, kind: 'events' | 'buffers'): void {
    this.cpus[cpu].extraFlags |= kind === 'events' ? BufferFlag.EventsLost : BufferFlag.BufferLost;
  }

  /** Last timestamp written on `cpu` (−Infinity before the first event). */
  lastTimestamp(cpu: number): number {
    return this.cpus[cpu].lastTs;
  }

  private flushCpu(cpu: number): void {
    const b = this.cpus[cpu];
    if (b.pos === BUFFER_HEADER_SIZE) return;
    const v = b.view;
    const saved = b.pos;
    this.sequence++;
    let flags = BufferFlag.ProcIndex | b.extraFlags;
    v.setUint32(0x04, saved, true);
    v.setUint32(0x08, saved, true);
    v.setInt32(0x0c, 0, true);
    // Flush time: now, as far as the writer knows (≥ this buffer's last event).
    setU64(v, 0x10, Math.max(b.lastTs, this.maxTs));
    setU64(v, 0x18, this.sequence);
    setU64(v, 0x20, 0);
    v.setUint16(0x28, cpu, true);
    v.setUint16(0x2a, this.options.loggerId ?? 0x14, true);
    v.setUint32(0x2c, BUFFER_STATE_FLUSH, true);
    v.setUint32(0x30, saved, true);
    v.setUint16(0x36, BufferType.Generic, true);
    b.bytes.fill(0, 0x38, BUFFER_HEADER_SIZE);
    this.uncompressedBytes += this.bufferSize;
    let onDisk: Uint8Array | undefined;
    if (this.compress) {
      const packed = xpressCompress(b.bytes.subarray(BUFFER_HEADER_SIZE, saved));
      if (BUFFER_HEADER_SIZE + packed.length < this.bufferSize) {
        flags |= BufferFlag.Compressed;
        const out = new Uint8Array(BUFFER_HEADER_SIZE + packed.length);
        v.setUint32(0x00, out.length, true);
        v.setUint16(0x34, flags, true);
        out.set(b.bytes.subarray(0, BUFFER_HEADER_SIZE), 0);
        out.set(packed, BUFFER_HEADER_SIZE);
        onDisk = out;
        this.compressedBuffers++;
      }
    }
    if (onDisk === undefined) {
      v.setUint32(0x00, this.bufferSize, true);
      v.setUint16(0x34, flags, true);
      b.bytes.fill(FILLER, saved);
      onDisk = b.bytes;
    }
    this.emit(onDisk);
    this.dataBuffers++;
    b.pos = BUFFER_HEADER_SIZE;
    b.extraFlags = 0;
  }

  /** Flushes every CPU's partial buffer now (in CPU order), e.g. to mimic a periodic flush timer. */
  flushAll(): void {
    for (let cpu = 0; cpu < this.cpuCount; cpu++) this.flushCpu(cpu);
  }

  private emit(bytes: Uint8Array): void {
    if (this.memoryChunks !== undefined) {
      this.memoryChunks.push(bytes.slice());
    } else {
      let done = 0;
      while (done < bytes.length) {
        done += writeSync(this.fd, bytes, done, bytes.length - done, this.fileOffset + done);
      }
    }
    this.fileOffset += bytes.length;
  }

  /** Bytes written so far (file offset of the next buffer). */
  get bytesWritten(): number {
    return this.fileOffset;
  }

  get eventsWritten(): number {
    return this.eventCount;
  }

  /**
   * Flushes all CPUs, patches BuffersWritten and EndTime into the header buffer and closes the
   * file. Returns the file bytes in memory mode.
   */
  close(): { stats: WriterStats; bytes?: Uint8Array } {
    if (this.closed) throw new Error('writer already closed');
    this.flushAll();
    this.closed = true;
    const view = new DataView(this.headerBuffer.buffer);
    const h = this.logfileHeaderOffset;
    const lastTs = Number.isFinite(this.maxTs) ? this.maxTs : this.startTicks;
    const endTime =
      this.startTimeFileTime +
      BigInt(Math.round(((lastTs - this.startTicks) / this.frequency) * FILETIME_PER_SECOND));
    view.setBigUint64(h + 0x10, endTime, true);
    view.setUint32(h + 0x24, this.dataBuffers + 1, true);
    view.setUint32(0x00, this.headerOnDiskSize, true);
    const header = this.headerBuffer.subarray(0, this.headerOnDiskSize);
    const stats: WriterStats = {
      bytes: this.fileOffset,
      buffers: this.dataBuffers + 1,
      compressedBuffers: this.compressedBuffers,
      events: this.eventCount,
      uncompressedBytes: this.uncompressedBytes,
      firstTimestamp: Number.isFinite(this.minTs) ? this.minTs : this.startTicks,
      lastTimestamp: lastTs,
    };
    if (this.memoryChunks !== undefined) {
      this.memoryChunks[0] = header.slice();
      const out = new Uint8Array(this.fileOffset);
      let at = 0;
      for (const chunk of this.memoryChunks) {
        out.set(chunk, at);
        at += chunk.length;
      }
      this.memoryChunks = undefined;
      return { stats, bytes: out };
    }
    writeSync(this.fd, header, 0, header.length, 0);
    closeSync(this.fd);
    this.fd = -1;
    return { stats };
  }

  /** Closes the file without finishing it (error paths). */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.closed = true;
  }

  /** Converts seconds after the trace origin to raw ticks. */
  ticksAt(seconds: number): number {
    return this.startTicks + Math.round(seconds * this.frequency);
  }

  /** The header event's SavedOffset (for tests). */
  get headerBufferSavedOffset(): number {
    return this.headerSavedOffset;
  }
}
