// Loading: opens a file with the reader, reads the events of some CPUs into a partial (the part a
// parser worker does), and turns header facts into the summary's first fields. Bad files become
// EngineError('bad-file') with the reader's message (which names the file offset).
//
//   path ──fileByteSource/openEtl──> EtlTrace ──forEachEvent(per-cpu, includeCpu)──> ingest ──> Partial

import { EtlFormatError, fileByteSource, openEtl, type EtlTrace } from '../reader/index.js';
import { createIngest } from './ingest.js';
import { derivePerCpu } from './finalize.js';
import { PartialBuilder, type Partial, type PartialCapacity } from './partial.js';
import { checkLoadFitsMemory } from './memory-budget.js';
import { EngineError } from './query-common.js';
import { hasSchedEventsData, SchedEvents } from './sched/sched-data.js';
import type { HeaderFacts } from './summary.js';
import path from 'node:path';

const CLOCK_TYPES = ['Raw', 'QPC', 'SystemTime', 'CPUCycle'];
/** FILETIME of 1970-01-01 (100-ns units since 1601). */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000;

export function openTraceFile(filePath: string): EtlTrace {
  let source;
  try {
    source = fileByteSource(filePath);
  } catch (error) {
    throw new EngineError(`Cannot open ${filePath}: ${(error as Error).message}`, 'not-found');
  }
  try {
    return openEtl(source);
  } catch (error) {
    source.close();
    if (error instanceof EtlFormatError)
      throw new EngineError(`${path.basename(filePath)}: ${error.message}`, 'bad-file', 'BadFileError');
    throw new EngineError(
      `${path.basename(filePath)} could not be read: ${(error as Error).message}`,
      'bad-file',
      'BadFileError',
    );
  }
}

/** Windows' limit on logical processors (and what a buffer's 11-bit ProcessorIndex can name). */
export const MAX_LOGICAL_PROCESSORS = 2048;

/** CPU slots of the scheduling events: the header's NumberOfProcessors when it is possible, and
 *  every CPU that owns buffers (events name only those). Never sized from an absurd claim. */
export function schedCpuSlots(trace: EtlTrace): number {
  const claimed = trace.header.numberOfProcessors;
  const seen = trace.cpus.length === 0 ? 0 : Math.max(...trace.cpus) + 1;
  return Math.max(1, seen, claimed <= MAX_LOGICAL_PROCESSORS ? claimed : 0);
}
/** TRACE_LOGFILE_HEADER.LogFileMode EVENT_TRACE_FILE_MODE_CIRCULAR. */
const LOG_FILE_MODE_CIRCULAR = 0x2;

/** Header facts of an opened trace; throws EngineError('bad-file', 'TooLargeError') first when the
 *  load would not fit in the memory the machine has free (memory-budget.ts). */
export function headerFacts(trace: EtlTrace, filePath: string): HeaderFacts {
  checkLoadFitsMemory(trace, path.basename(filePath));
  const h = trace.header;
  let compressed = 0;
  let buffersLost = h.buffersLost;
  for (let i = 0; i < trace.buffers.length; i++) {
    compressed += trace.buffers.compressed[i]!;
    // BufferFlag 0x0004: this buffer was lost.
    if ((trace.buffers.flags[i]! & 0x0004) !== 0) buffersLost++;
  }
  const originFiletime =
    h.startTime + ((trace.clock.originTicks - h.headerTimestamp) / trace.clock.frequency) * 1e7;
  const unixMs = (originFiletime - FILETIME_UNIX_EPOCH) / 1e4;
  const start = new Date(unixMs);
  // NumberOfProcessors is a claim: per-CPU state is sized from it. Windows has at most 2,048
  // logical processors and a buffer's ProcessorIndex has 11 bits, so a larger claim is damage;
  // the CPUs that own buffers say how many there are.
  const diagnostics = [...trace.diagnostics];
  let cpuCount = h.numberOfProcessors;
  if (cpuCount > MAX_LOGICAL_PROCESSORS || cpuCount === 0) {
    const seen = trace.cpus.length === 0 ? 1 : Math.max(...trace.cpus) + 1;
    diagnostics.push({
      severity: 'warning',
      code: 'bad-cpu-count',
      message: `The logfile header says NumberOfProcessors = ${cpuCount} (header event field at offset 0x0c), which no Windows machine has; using ${seen}, the CPUs that logged buffers.`,
      fileOffset: 0,
    });
    cpuCount = seen;
  }
  // Circular / in-memory loggers (CKCL, crash-dump buffers) keep only the newest buffers: say where
  // the axis starts and that the beginning of the session is gone (format doc §1.5).
  const circular = (h.logFileMode & LOG_FILE_MODE_CIRCULAR) !== 0;
  const originMoved = trace.clock.originTicks !== h.headerTimestamp;
  if (circular || originMoved) {
    const leadSeconds = (trace.clock.originTicks - h.headerTimestamp) / trace.clock.frequency;
    diagnostics.push({
      severity: 'info',
      code: 'circular-logger',
      message:
        `${circular ? 'A circular (in-memory) logger wrote this trace' : 'The data starts long after the session did'}: ` +
        `the trace starts with the oldest surviving buffer` +
        (originMoved
          ? `, ${leadSeconds.toFixed(1)} s after the session start in the header — time 0 is that buffer's first event`
          : '') +
        '; what happened before it, and rundown events logged then (process, thread and image names), are missing.',
    });
  }
  return {
    fileName: path.basename(filePath),
    fileSize: trace.source.size,
    build: h.build,
    osVersion: `${h.majorVersion}.${h.minorVersion}`,
    cpuCount,
    pointerSize: h.pointerSize,
    loggerName: h.loggerName,
    logFileName: h.logFileName,
    clockType: CLOCK_TYPES[h.clockType] ?? `Unknown(${h.clockType})`,
    clockFrequencyHz: trace.clock.frequency,
    startTimeUtc: Number.isFinite(start.getTime()) ? start.toISOString() : '',
    buffers: trace.buffers.length,
    compressedBuffers: compressed,
    eventsLost: h.eventsLost,
    buffersLost,
    diagnostics,
    cpuSpeedMHz: h.cpuSpeedMHz,
  };
}

export interface ReadPartialOptions {
  readonly includeCpu?: (cpu: number) => boolean;
  readonly onProgress?: (bytesRead: number, events: number) => void;
  readonly shouldStop?: () => boolean;
  /** Reserve columns for every CPU's rows, not just the included ones: the share that finalize
   *  appends the other partials to (in place, see finalize.ts `concat`). */
  readonly reserveForAllCpus?: boolean;
  /** Reserve the columns as SharedArrayBuffers (with `reserveForAllCpus`: the other parser
   *  workers then copy their rows straight behind this share's, see partial.ts `placeRows`). */
  readonly sharedColumns?: boolean;
  /** Collect the scheduling pass's events too (sched/sched-data.ts; default true): the partial's
   *  `sched`, so the scheduling tables need no second read of the file. */
  readonly schedEvents?: boolean;
}

/** Reads the events of the included CPUs into a partial and derives its per-CPU tables (throws
 *  'cancelled' when stopped). */
export function readPartial(trace: EtlTrace, options: ReadPartialOptions = {}): Partial {
  const partial = parsePartial(trace, options);
  // Per-CPU order, unions and idle rows here, so each parser worker does its own CPUs' share.
  derivePerCpu(partial);
  return partial;
}

/** The events of the included CPUs as a partial, rows in arrival order (no `derived` yet). */
export function parsePartial(trace: EtlTrace, options: ReadPartialOptions = {}): Partial {
  const builder = new PartialBuilder();
  builder.reserve(
    partialCapacity(trace, options.reserveForAllCpus === true ? undefined : options.includeCpu),
    options.sharedColumns === true,
  );
  let sched: SchedEvents | undefined;
  if (options.schedEvents !== false) {
    const bound = partialCapacity(trace, options.includeCpu);
    sched = new SchedEvents(schedCpuSlots(trace), trace.header.cpuSpeedMHz, {
      switches: bound.run,
      readies: bound.ready,
    });
  }
  const ingest = createIngest(builder, trace.clock, sched);
  const stats = trace.forEachEvent(ingest.visit, {
    order: 'per-cpu',
    ...(options.includeCpu !== undefined ? { includeCpu: options.includeCpu } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.shouldStop !== undefined ? { shouldStop: options.shouldStop } : {}),
  });
  if (stats.stopped) throw new EngineError('Loading was cancelled.', 'cancelled', 'CancelledError');
  ingest.flushCounts();
  builder.bytesRead = stats.bytesRead;
  const partial = builder.finish();
  partial.diagnostics = [...trace.diagnostics];
  const schedEvents = sched?.data();
  if (schedEvents !== undefined && hasSchedEventsData(schedEvents)) partial.sched = schedEvents;
  return partial;
}

/** Smallest event that makes a row, in bytes (header + payload, 8-byte aligned): a DPC/ISR or a
 *  SampledProfile is a 0x10 PERFINFO header + 16 bytes; a CSwitch payload alone is 24 bytes; a
 *  ReadyThread 0x10 + 8; an idle row needs an IdleStateEnter and an Exit of ≥ 0x10 each. */
const MIN_ROW_BYTES = { dpc: 32, run: 40, ready: 24, samples: 32, idle: 32 } as const;
/** Xpress shrinks kernel event buffers ~3–5×: the bound assumes 4× (beyond it columns double). */
const ASSUMED_COMPRESSION_RATIO = 4;
/** Rows reserved per table at most (2 GiB for a Float64 column); bigger traces double from there. */
const MAX_RESERVED_ROWS = 2 ** 28;

/**
 * Upper bounds on each table's rows from the event bytes of the included CPUs' buffers. Compact
 * CSwitch batches can hold more switches than the bound; those columns then grow by doubling.
 */
export function partialCapacity(trace: EtlTrace, includeCpu?: (cpu: number) => boolean): PartialCapacity {
  let bytes = 0;
  const b = trace.buffers;
  for (let i = 0; i < b.length; i++) {
    if (includeCpu !== undefined && !includeCpu(b.cpu[i]!)) continue;
    bytes += b.availableSize[i]! * (b.compressed[i]! !== 0 ? ASSUMED_COMPRESSION_RATIO : 1);
  }
  const rows = (minBytes: number) => Math.min(MAX_RESERVED_ROWS, Math.ceil(bytes / minBytes));
  return {
    dpc: rows(MIN_ROW_BYTES.dpc),
    run: rows(MIN_ROW_BYTES.run),
    ready: rows(MIN_ROW_BYTES.ready),
    samples: rows(MIN_ROW_BYTES.samples),
    idle: rows(MIN_ROW_BYTES.idle),
  };
}
