// The reader's public shapes: the raw-event cursor every consumer (engine, CLI, tests) sees,
// the decoded kernel records, and the byte-source abstraction. Pure types and tiny helpers;
// no Node, no Electron.
//
//   ByteSource ──> openEtl() ──> EtlTrace.forEachEvent(visit(RawEvent)) ──> decoders ──> records
//
// A RawEvent is a *reused, mutable cursor*: it is only valid during the visit callback (no
// per-event allocation on the hot path). Copy what you need out of it.

import type { Diagnostic } from '../../shared/contract.js';

/**
 * A 64-bit address folded into a float64 without loss for canonical x64 addresses:
 * key = (high32 & 0x1FFFF) * 2^32 + low32 (49 bits). Kernel addresses (0xFFFF8000_00000000 and up)
 * map to 0x1_8000_0000_0000 … 0x1_FFFF_FFFF_FFFF, user addresses to themselves, so keys keep the
 * address order inside each half and sorted interval search works. See address.ts.
 */
export type AddressKey = number & { readonly __addressKey: true };

/** Sync random-access bytes (a file or memory). Reads never exceed `size`. */
export interface ByteSource {
  readonly size: number;
  readonly name: string;
  /** Reads up to `length` bytes at `offset` (fewer only at end of source). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** Trace header kinds: byte 2 of the record marker (MESSAGE is recognised by flags). */
export const HeaderType = {
  System32: 0x01,
  System64: 0x02,
  Compact32: 0x03,
  Compact64: 0x04,
  Full32: 0x0a,
  Instance32: 0x0b,
  PerfInfo32: 0x10,
  PerfInfo64: 0x11,
  EventHeader32: 0x12,
  EventHeader64: 0x13,
  Full64: 0x14,
  Instance64: 0x15,
  /** Synthetic: MESSAGE_TRACE_HEADER (byte 3 flags 0x80|0x10, 0x40 clear). */
  Message: 0x100,
} as const;
export type HeaderTypeCode = (typeof HeaderType)[keyof typeof HeaderType];

/** Families of header, for dispatch. */
export type HeaderFamily =
  'system' | 'compact' | 'perfinfo' | 'full' | 'instance' | 'eventheader' | 'message';

export const NO_ID = 0xffffffff;

/**
 * The event cursor handed to visitors. Offsets index into `bytes`/`view`, which hold the
 * (decompressed) buffer the event lives in.
 */
export interface RawEvent {
  /** Processor that logged the event (the buffer's ProcessorIndex & 0x7FF). */
  cpu: number;
  headerType: HeaderTypeCode;
  family: HeaderFamily;
  /** 4 or 8, from the header type (never from the file). */
  pointerSize: 4 | 8;
  /** Raw timestamp in the session clock (convert with TraceClock). */
  timestamp: number;
  /** Classic kernel events (system/compact/perfinfo): Group << 8 | Type. Else 0. */
  hookId: number;
  /** Event (class) version: low byte of the header Version for kernel events. */
  version: number;
  /** Opcode / Class.Type (kernel: hookId & 0xFF). */
  opcode: number;
  /** EVENT_HEADER only: EventDescriptor.Id; else 0. */
  eventId: number;
  /** EVENT_HEADER only: Task; else 0. */
  task: number;
  /** From the header when it has them (system, full, instance, eventheader), else NO_ID. */
  threadId: number;
  processId: number;
  /** Offset of the 16-byte GUID in `bytes`: full/instance = class GUID, eventheader = ProviderId; -1 otherwise. */
  guidOffset: number;
  /** EVENT_HEADER extended items region (inline items), -1/0 when none. */
  extOffset: number;
  extSize: number;
  /** Record bounds and payload bounds inside `bytes`. */
  recordOffset: number;
  recordSize: number;
  payloadOffset: number;
  payloadSize: number;
  bytes: Uint8Array;
  view: DataView;
  /** Index of the buffer in EtlTrace.buffers and that buffer's file offset. */
  bufferIndex: number;
  bufferFileOffset: number;
}

// ---------------------------------------------------------------------------------------------
// Decoded kernel records (returned by decoders in kernel/*.ts)
// ---------------------------------------------------------------------------------------------

/** 0 DPC, 1 ThreadedDPC, 2 TimerDPC, 3 ISR, 4 ISR-MSI — index into shared DPC_TYPES. */
export type DpcKindCode = 0 | 1 | 2 | 3 | 4;

export interface DpcRecord {
  readonly kind: DpcKindCode;
  /** Entry time, raw ticks (exit = the event's timestamp). */
  readonly enterTicks: number;
  readonly routine: AddressKey;
  /** ISR/ISR-MSI only. */
  readonly returnValue?: number;
  readonly vector?: number;
  readonly messageNumber?: number;
}

export interface CSwitchRecord {
  readonly newThreadId: number;
  readonly oldThreadId: number;
  readonly newThreadPriority: number;
  readonly oldThreadPriority: number;
  readonly previousCState: number;
  readonly oldThreadWaitReason: number;
  readonly oldThreadWaitMode: number;
  readonly oldThreadState: number;
  readonly oldThreadWaitIdealProcessor: number;
  readonly newThreadWaitTime: number;
  readonly oldThreadRemainingQuantum: number;
}

/** One switch decoded from a compact batch (0x0525). newThreadId is -1 until resolved. */
export interface CompactCSwitch {
  readonly ticks: number;
  readonly oldThreadId: number;
  /** Idle-record kinds: the old thread was the idle thread. */
  readonly oldWasIdle: boolean;
  readonly oldThreadState: number;
  readonly oldThreadWaitReason: number;
  readonly newThreadWaitTime: number;
}

export interface ReadyThreadRecord {
  readonly readiedThreadId: number;
  readonly adjustReason: number;
  readonly adjustIncrement: number;
  readonly flags: number;
}

export interface SampledProfileRecord {
  readonly instructionPointer: AddressKey;
  readonly threadId: number;
  readonly count: number;
  /** Flags byte: bit0 executing DPC, bit1 executing ISR, bits 3-7 priority. */
  readonly flags: number;
  readonly executingDpc: boolean;
  readonly executingIsr: boolean;
}

export interface ProfileIntervalRecord {
  readonly source: number;
  /** 100-ns units. */
  readonly newInterval: number;
  readonly oldInterval: number;
}

export interface StackWalkRecord {
  readonly eventTicks: number;
  readonly processId: number;
  readonly threadId: number;
  readonly frames: readonly AddressKey[];
}

export interface StackKeyReferenceRecord {
  readonly eventTicks: number;
  readonly processId: number;
  readonly threadId: number;
  readonly stackKey: AddressKey;
  readonly kernel: boolean;
}

export interface StackKeyDefinitionRecord {
  readonly stackKey: AddressKey;
  readonly frames: readonly AddressKey[];
}

export interface ProcessRecord {
  readonly uniqueProcessKey: AddressKey;
  readonly processId: number;
  readonly parentId: number;
  readonly sessionId: number;
  readonly exitStatus: number;
  readonly flags: number;
  readonly userSid: string;
  readonly imageFileName: string;
  readonly commandLine: string;
  readonly packageFullName: string;
  readonly applicationId: string;
}

export interface ThreadRecord {
  readonly processId: number;
  readonly threadId: number;
  readonly startAddress: AddressKey;
  readonly win32StartAddress: AddressKey;
  readonly basePriority: number;
  readonly name: string;
}

export interface ThreadNameRecord {
  readonly processId: number;
  readonly threadId: number;
  readonly name: string;
}

export interface ImageRecord {
  readonly imageBase: AddressKey;
  readonly imageSize: number;
  /** Payload process id: 0 for kernel-mode images (drivers). */
  readonly processId: number;
  readonly checksum: number;
  readonly timeDateStamp: number;
  readonly defaultBase: AddressKey;
  /** NT path as logged, e.g. \SystemRoot\system32\drivers\ndis.sys. */
  readonly fileName: string;
}

export interface ImageIdRecord {
  readonly imageBase: AddressKey;
  readonly imageSize: number;
  readonly processId: number;
  readonly timeDateStamp: number;
  readonly originalFileName: string;
}

export interface DbgIdRsdsRecord {
  readonly imageBase: AddressKey;
  readonly processId: number;
  /** GUID as 8-4-4-4-12 lower-case text. */
  readonly guid: string;
  readonly age: number;
  readonly pdbFileName: string;
}

export interface IdleEnterRecord {
  readonly state: number;
  readonly flags: number;
  readonly expectedDuration: number;
}

export interface IdleExitRecord {
  readonly state: number;
  readonly status: number;
}

export interface PerfStateRecord {
  readonly type: number;
  readonly newState: number;
  readonly oldState: number;
  readonly result: number;
  /** Affinity mask (u64): a bigint, since all 64 bits matter (rare event, no hot-path cost). */
  readonly processors: bigint;
}

export interface HeaderExtensionRecord {
  /** 8 PERFINFO_GROUPMASK dwords. */
  readonly groupMasks: readonly number[];
  readonly kernelEventVersion: number;
}

/** Parsed TRACE_LOGFILE_HEADER plus the strings after it. */
export interface LogfileHeader {
  readonly bufferSize: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly subVersion: number;
  readonly subMinorVersion: number;
  /** OS build (ProviderVersion). */
  readonly build: number;
  readonly numberOfProcessors: number;
  /** FILETIME values as numbers (100 ns since 1601); exact to ~0.1 µs. */
  readonly endTime: number;
  readonly timerResolution: number;
  readonly maximumFileSize: number;
  readonly logFileMode: number;
  readonly buffersWritten: number;
  readonly pointerSize: 4 | 8;
  readonly eventsLost: number;
  readonly cpuSpeedMHz: number;
  readonly bootTime: number;
  readonly perfFreq: number;
  readonly startTime: number;
  /** ReservedFlags: 0 raw, 1 QPC, 2 system time, 3 CPU cycles. */
  readonly clockType: number;
  readonly buffersLost: number;
  readonly loggerName: string;
  readonly logFileName: string;
  /** Raw timestamp of the logfile-header event (the same instant as startTime). */
  readonly headerTimestamp: number;
  /** Time-zone bias in minutes. */
  readonly timeZoneBiasMinutes: number;
}

/** Converts raw timestamps to the trace axis. */
export interface TraceClock {
  /** Ticks per second of the session clock. */
  readonly frequency: number;
  /** Raw timestamp of time 0 on the axis. */
  readonly originTicks: number;
  /** 'header' when the axis starts at the logfile header; 'first-event' for circular loggers. */
  readonly originKind: 'header' | 'first-event';
  /** Nanoseconds per tick (1e9 / frequency). */
  readonly nsPerTick: number;
}

export type { Diagnostic };

// ---------------------------------------------------------------------------------------------
// Added by [reader]: the buffer table and what the reader knows about the file as a whole.
// ---------------------------------------------------------------------------------------------

/**
 * Columnar buffer table from the pre-scan (one row per buffer in file order). Row i describes the
 * buffer at fileOffset[i]; `compressed` is 1 when BufferFlag 0x40 is set.
 */
export interface BufferTable {
  readonly length: number;
  readonly fileOffset: Float64Array;
  /** BufferSize: bytes on disk (stride to the next buffer); may exceed what the file holds when truncated. */
  readonly size: Uint32Array;
  /** Bytes of this buffer actually present in the file (== size unless the file is truncated). */
  readonly availableSize: Uint32Array;
  readonly savedOffset: Uint32Array;
  readonly cpu: Uint16Array;
  readonly sequence: Float64Array;
  /** Buffer flush TimeStamp (raw ticks). */
  readonly timestamp: Float64Array;
  readonly flags: Uint16Array;
  readonly type: Uint16Array;
  /** ClientContext.LoggerId (0x2A): sequence numbers are per logger, so runs are ordered per (CPU, logger). */
  readonly loggerId: Uint16Array;
  readonly compressed: Uint8Array;
  /** End of the event data the reader will read (uncompressed offset, ≥ 0x48): SavedOffset after
   *  the bounds checks (0x48 = nothing: a refused claim or an empty buffer). */
  readonly dataEnd: Uint32Array;
}
