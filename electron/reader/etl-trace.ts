// openEtl: the reader pipeline from bytes to ordered raw events.
//
//   ByteSource ─► header buffer (logfile header, clock, origin)
//              ─► pre-scan of every buffer header (columnar BufferTable, diagnostics)
//              ─► per-CPU streams: buffers sorted by SequenceNumber (tie: flush timestamp),
//                 loaded one at a time (read, or Xpress-decompressed) into a per-stream array
//              ─► forEachEvent: header buffer first, then 'per-cpu' (CPU after CPU) or 'merged'
//                 (k-way min-heap merge on the next event's timestamp), one reused RawEvent per stream.
//
// Nothing here throws on corrupt data except EtlFormatError when the file is not ETL at all;
// problems become Diagnostics (deduplicated, capped) and the rest of the file is still read.

import type { Diagnostic, DiagnosticSeverity } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { readU64 } from './address.js';
import { readIntoFrom } from './byte-source.js';
import { EtlFormatError } from './errors.js';
import { createRawEvent, eventErrorText, readEventAt } from './event-parser.js';
import { clockFrequency, makeTraceClock, parseLogfileHeader } from './logfile-header.js';
import type { BufferTable, ByteSource, LogfileHeader, RawEvent, TraceClock } from './types.js';
import { xpressDecompress, xpressErrorText } from './xpress.js';

export const BUFFER_HEADER_SIZE = 0x48;
/** Largest buffer we accept: ETW buffers are at most a few MiB; anything bigger is a corrupt size field. */
export const MAX_BUFFER_BYTES = 64 * 1024 * 1024;
/** Uncompressed bytes a compressed buffer may claim per byte on disk. ETW buffers compress 3–20×
 *  (event headers and text repeat, addresses and times do not); 256× leaves a wide margin and stops
 *  an 18-byte Xpress stream from claiming 64 MiB. */
export const MAX_XPRESS_RATIO = 256;
/** Uncompressed bytes all compressed buffers together may claim per byte they hold on disk (plus
 *  MAX_EXPANSION_ALLOWANCE_BYTES). Real traces expand 1.2–5× (the real traces here: 1.2–4.7×, the
 *  writer's kernel mix 3.4×); 16× keeps the engine's memory within its stated budget
 *  (electron/engine/memory-budget.ts) where 256× per buffer alone would let a file of bombs that
 *  each stay under the per-buffer ratio expand 256× as a whole. */
export const MAX_FILE_EXPANSION = 16;
/** A small file may expand past MAX_FILE_EXPANSION by this much (a few highly compressible
 *  buffers are no threat at this size). */
const MAX_EXPANSION_ALLOWANCE_BYTES = 64 * 1024 * 1024;
/** Pre-scan reads small (compressed) buffers' headers through a window this big: one syscall covers many. */
const PRESCAN_WINDOW_BYTES = 64 * 1024;
/** From this stride on, the pre-scan reads just the 0x48 header bytes (never the whole file twice). */
const PRESCAN_HEADER_ONLY_STRIDE = 16 * 1024;
/** onProgress cadence: often enough for a smooth progress bar, rare enough to cost nothing. */
const PROGRESS_EVERY_BYTES = 4 * 1024 * 1024;
/** A corrupt file can produce a diagnostic per buffer; keep the list readable and memory bounded. */
const MAX_DIAGNOSTICS = 200;
/** Bytes read to find the logfile header: buffer header + the largest possible record. */
const HEADER_PROBE_BYTES = BUFFER_HEADER_SIZE + 0x10000;

const BUFFER_FLAG_EVENTS_LOST = 0x0002;
const BUFFER_FLAG_BUFFER_LOST = 0x0004;
const BUFFER_FLAG_PROC_INDEX = 0x0020;
const BUFFER_FLAG_COMPRESSED = 0x0040;
const BUFFER_TYPE_HEADER = 4;
/** BufferType values 0..8 are defined (GENERIC … MAXIMUM). */
const BUFFER_TYPE_MAX = 8;
const PROCESSOR_INDEX_MASK = 0x07ff;

export interface ForEachOptions {
  order?: 'merged' | 'per-cpu';
  includeCpu?: (cpu: number) => boolean;
  onProgress?: (bytesRead: number, events: number) => void;
  shouldStop?: () => boolean;
}

export interface ReadStats {
  events: number;
  bytesRead: number;
  buffersRead: number;
  stopped: boolean;
}

export interface EtlTrace {
  readonly source: ByteSource;
  readonly header: LogfileHeader;
  readonly clock: TraceClock;
  readonly buffers: BufferTable;
  readonly diagnostics: Diagnostic[];
  /** Index in `buffers` of the HEADER buffer whose events come first (-1 if none). */
  readonly headerBufferIndex: number;
  /** CPUs that own at least one data buffer, ascending. */
  readonly cpus: readonly number[];
  /** Raw timestamp of the earliest data event (excluding the header buffer), if any. */
  readonly firstDataTicks: number | undefined;
  forEachEvent(visit: (ev: RawEvent) => void, options?: ForEachOptions): ReadStats;
  close(): void;
}

/** Collects diagnostics: deduplicated by code + offset, capped at MAX_DIAGNOSTICS. */
class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  quiet = false;
  add(severity: DiagnosticSeverity, code: string, message: string, fileOffset?: number): void {
    if (this.quiet) return;
    const key = `${code}@${fileOffset ?? ''}:${fileOffset === undefined ? message : ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.list.length === MAX_DIAGNOSTICS) {
      this.list.push({
        severity: 'warning',
        code: 'too-many-diagnostics',
        message: `more than ${MAX_DIAGNOSTICS} problems found; further ones are not listed`,
      });
      return;
    }
    if (this.list.length > MAX_DIAGNOSTICS) return;
    this.list.push(
      fileOffset === undefined ? { severity, code, message } : { severity, code, message, fileOffset },
    );
  }
}

export function hexOffset(offset: number): string {
  return '0x' + offset.toString(16);
}

/** glibc serves allocations from here on with mmap (its dynamic threshold's ceiling on 64-bit):
 *  fresh zero pages, resident only once written. Smaller blocks may come from a reused heap, which
 *  calloc zero-fills (all of it resident), so columns in between are rounded up to this. */
const GLIBC_MMAP_THRESHOLD_MAX_BYTES = 32 * 1024 * 1024 + 4096;
/** Columns below this stay exact (small files): their heap memory is negligible. */
const MMAP_ROUNDING_MIN_BYTES = 256 * 1024;

function reservedLength(rows: number, bytesPerElement: number): number {
  const bytes = rows * bytesPerElement;
  return bytes >= MMAP_ROUNDING_MIN_BYTES && bytes < GLIBC_MMAP_THRESHOLD_MAX_BYTES
    ? Math.ceil(GLIBC_MMAP_THRESHOLD_MAX_BYTES / bytesPerElement)
    : rows;
}

/**
 * Columns for the pre-scan (49 bytes per buffer), reserved once for the most buffers the file can
 * hold (one per 0x48 bytes): the reservation is address space, only rows written become resident,
 * and nothing is copied as the scan goes (a file made only of minimal buffers used to pay ~1.8
 * bytes per file byte through doubling growth, a final copy and JS arrays per CPU; now ~0.7).
 */
class BufferColumns {
  length = 0;
  readonly fileOffset: Float64Array;
  readonly size: Uint32Array;
  readonly availableSize: Uint32Array;
  readonly savedOffset: Uint32Array;
  readonly dataEnd: Uint32Array;
  readonly cpu: Uint16Array;
  readonly sequence: Float64Array;
  readonly timestamp: Float64Array;
  readonly flags: Uint16Array;
  readonly type: Uint16Array;
  readonly loggerId: Uint16Array;
  readonly compressed: Uint8Array;
  readonly capacity: number;
  constructor(maxRows: number) {
    this.capacity = maxRows;
    this.fileOffset = new Float64Array(reservedLength(maxRows, 8));
    this.size = new Uint32Array(reservedLength(maxRows, 4));
    this.availableSize = new Uint32Array(reservedLength(maxRows, 4));
    this.savedOffset = new Uint32Array(reservedLength(maxRows, 4));
    this.dataEnd = new Uint32Array(reservedLength(maxRows, 4));
    this.cpu = new Uint16Array(reservedLength(maxRows, 2));
    this.sequence = new Float64Array(reservedLength(maxRows, 8));
    this.timestamp = new Float64Array(reservedLength(maxRows, 8));
    this.flags = new Uint16Array(reservedLength(maxRows, 2));
    this.type = new Uint16Array(reservedLength(maxRows, 2));
    this.loggerId = new Uint16Array(reservedLength(maxRows, 2));
    this.compressed = new Uint8Array(reservedLength(maxRows, 1));
  }
  /** The rows as views (no copy: the unwritten tail of the reservation never becomes resident). */
  table(): BufferTable {
    const n = this.length;
    return {
      length: n,
      fileOffset: this.fileOffset.subarray(0, n),
      size: this.size.subarray(0, n),
      availableSize: this.availableSize.subarray(0, n),
      savedOffset: this.savedOffset.subarray(0, n),
      dataEnd: this.dataEnd.subarray(0, n),
      cpu: this.cpu.subarray(0, n),
      sequence: this.sequence.subarray(0, n),
      timestamp: this.timestamp.subarray(0, n),
      flags: this.flags.subarray(0, n),
      type: this.type.subarray(0, n),
      loggerId: this.loggerId.subarray(0, n),
      compressed: this.compressed.subarray(0, n),
    };
  }
}

/** Reads 0x48-byte buffer headers through a window (pre-scan helper). */
class HeaderWindow {
  private readonly bytes = new Uint8Array(PRESCAN_WINDOW_BYTES);
  readonly view = new DataView(this.bytes.buffer);
  private start = 0;
  private length = 0;
  constructor(private readonly source: ByteSource) {}
  /** Typical distance to the next header (the last buffer size seen). */
  stride = 0;
  /** Offset of the header at `pos` inside `view`, or -1 when fewer than 0x48 bytes exist there. */
  at(pos: number): number {
    if (pos >= this.start && pos + BUFFER_HEADER_SIZE <= this.start + this.length) return pos - this.start;
    this.start = pos;
    const want = this.stride >= PRESCAN_HEADER_ONLY_STRIDE ? BUFFER_HEADER_SIZE : PRESCAN_WINDOW_BYTES;
    this.length = readIntoFrom(this.source, pos, this.bytes, 0, want);
    return this.length >= BUFFER_HEADER_SIZE ? 0 : -1;
  }
}

/** Walks the buffer headers by each buffer's own BufferSize (format doc §1.1). */
function prescanBuffers(source: ByteSource, logfileBufferSize: number, sink: DiagnosticSink): BufferColumns {
  const fileSize = source.size;
  const uniformSize =
    logfileBufferSize >= BUFFER_HEADER_SIZE && logfileBufferSize <= MAX_BUFFER_BYTES ? logfileBufferSize : 0;
  const maxUncompressed = uniformSize || MAX_BUFFER_BYTES;
  // Every buffer is at least a header long: that bounds the rows whatever the sizes claim.
  const cols = new BufferColumns(Math.floor(fileSize / BUFFER_HEADER_SIZE) + 1);
  const win = new HeaderWindow(source);
  const view = win.view;

  const plausibleAt = (pos: number): boolean => {
    if (pos === fileSize) return true;
    const h = win.at(pos);
    if (h < 0) return false;
    const size = view.getUint32(h, true);
    const saved = view.getUint32(h + 4, true) || view.getUint32(h + 0x30, true);
    const flags = view.getUint16(h + 0x34, true);
    const type = view.getUint16(h + 0x36, true);
    if (size < BUFFER_HEADER_SIZE || size > MAX_BUFFER_BYTES || type > BUFFER_TYPE_MAX || flags > 0xff)
      return false;
    if (saved !== 0 && saved < BUFFER_HEADER_SIZE) return false;
    return (flags & BUFFER_FLAG_COMPRESSED) !== 0 ? saved <= maxUncompressed : saved <= size;
  };

  let compressedOnDisk = 0;
  let compressedClaimed = 0;
  let pos = 0;
  while (pos < fileSize) {
    if (fileSize - pos < BUFFER_HEADER_SIZE) {
      sink.add(
        'warning',
        'truncated',
        `the file ends with ${fileSize - pos} bytes at offset ${hexOffset(pos)}, too few for a buffer header`,
        pos,
      );
      break;
    }
    let h = win.at(pos);
    let size = view.getUint32(h, true);
    if ((size < BUFFER_HEADER_SIZE || size > MAX_BUFFER_BYTES) && pos === 0) {
      // The header buffer must stay row 0: assume the logfile stride (or the header probe) for it.
      const assumed = uniformSize || Math.min(fileSize, HEADER_PROBE_BYTES);
      sink.add(
        'error',
        'corrupt-buffer-size',
        `the header buffer has an invalid size (${size} bytes); assuming ${assumed}`,
        pos,
      );
      size = assumed;
    }
    if (size < BUFFER_HEADER_SIZE || size > MAX_BUFFER_BYTES) {
      sink.add(
        'error',
        'corrupt-buffer-size',
        `buffer at file offset ${hexOffset(pos)} has an invalid size (${size} bytes)`,
        pos,
      );
      let next = -1;
      if (uniformSize > 0) {
        for (let c = pos + uniformSize; c + BUFFER_HEADER_SIZE <= fileSize; c += uniformSize) {
          if (plausibleAt(c)) {
            next = c;
            break;
          }
        }
      }
      if (next < 0) {
        sink.add(
          'error',
          'unreadable-rest',
          `no further buffer could be found after file offset ${hexOffset(pos)}; the rest of the file is skipped`,
          pos,
        );
        break;
      }
      pos = next;
      continue;
    }
    // A size different from the logfile's (normal for compressed and short header buffers) must lead
    // to another plausible buffer; if it does not but the logfile stride does, the size field is corrupt.
    if (
      uniformSize > 0 &&
      size !== uniformSize &&
      (pos + size > fileSize || !plausibleAt(pos + size)) &&
      pos + uniformSize <= fileSize &&
      plausibleAt(pos + uniformSize)
    ) {
      sink.add(
        'error',
        'corrupt-buffer-size',
        `buffer at file offset ${hexOffset(pos)} has an implausible size (${size} bytes); using the logfile buffer size ${uniformSize}`,
        pos,
      );
      size = uniformSize;
    }
    h = win.at(pos);
    if (cols.length === cols.capacity) break; // cannot happen (sizes ≥ 0x48); a guard for the bound
    const i = cols.length++;
    const flags = view.getUint16(h + 0x34, true);
    const compressed = (flags & BUFFER_FLAG_COMPRESSED) !== 0;
    const saved = view.getUint32(h + 4, true);
    let dataEnd = saved !== 0 ? saved : view.getUint32(h + 0x30, true);
    const available = Math.min(size, fileSize - pos);
    cols.fileOffset[i] = pos;
    cols.size[i] = size;
    cols.availableSize[i] = available;
    cols.savedOffset[i] = saved;
    cols.timestamp[i] = readU64(view, h + 0x10);
    cols.sequence[i] = readU64(view, h + 0x18);
    cols.cpu[i] =
      (flags & BUFFER_FLAG_PROC_INDEX) !== 0
        ? view.getUint16(h + 0x28, true) & PROCESSOR_INDEX_MASK
        : view.getUint8(h + 0x28);
    cols.flags[i] = flags;
    cols.type[i] = view.getUint16(h + 0x36, true);
    cols.loggerId[i] = view.getUint16(h + 0x2a, true);
    cols.compressed[i] = compressed ? 1 : 0;
    if (dataEnd < BUFFER_HEADER_SIZE) {
      if (dataEnd !== 0 || saved !== 0) {
        sink.add(
          'error',
          'corrupt-buffer',
          `buffer at file offset ${hexOffset(pos)} has an invalid end of data (${dataEnd}); its events are skipped`,
          pos,
        );
      }
      dataEnd = BUFFER_HEADER_SIZE;
    } else if (
      compressed &&
      dataEnd - BUFFER_HEADER_SIZE >
        MAX_XPRESS_RATIO * Math.max(1, Math.min(size, fileSize - pos) - BUFFER_HEADER_SIZE)
    ) {
      sink.add(
        'error',
        'corrupt-buffer',
        `compressed buffer at file offset ${hexOffset(pos)} claims ${dataEnd} uncompressed bytes from ${size} on disk, more than ${MAX_XPRESS_RATIO}× (a decompression bomb, or damage); its events are skipped`,
        pos,
      );
      dataEnd = BUFFER_HEADER_SIZE;
    } else if (compressed && dataEnd > maxUncompressed) {
      sink.add(
        'error',
        'corrupt-buffer',
        `compressed buffer at file offset ${hexOffset(pos)} claims ${dataEnd} uncompressed bytes, more than the logfile buffer size; its events are skipped`,
        pos,
      );
      dataEnd = BUFFER_HEADER_SIZE;
    } else if (
      compressed &&
      compressedClaimed + (dataEnd - BUFFER_HEADER_SIZE) >
        MAX_FILE_EXPANSION * (compressedOnDisk + available - BUFFER_HEADER_SIZE) +
          MAX_EXPANSION_ALLOWANCE_BYTES
    ) {
      sink.add(
        'error',
        'expansion-limit',
        `compressed buffer at file offset ${hexOffset(pos)} would make the compressed buffers expand more than ${MAX_FILE_EXPANSION}× their ${compressedOnDisk + available} bytes on disk (SavedOffset at file offset ${hexOffset(pos + 4)} claims ${dataEnd}); its events are skipped`,
        pos,
      );
      dataEnd = BUFFER_HEADER_SIZE;
    } else if (!compressed && dataEnd > size) {
      sink.add(
        'error',
        'corrupt-buffer',
        `buffer at file offset ${hexOffset(pos)} claims ${dataEnd} bytes of data in a ${size}-byte buffer; reading what fits`,
        pos,
      );
      dataEnd = size;
    }
    if (available < size) {
      sink.add(
        'warning',
        'truncated',
        `the last buffer (file offset ${hexOffset(pos)}) is cut short: ${available} of ${size} bytes present`,
        pos,
      );
      if (!compressed) dataEnd = Math.min(dataEnd, available);
    }
    cols.dataEnd[i] = dataEnd;
    if (compressed) {
      compressedOnDisk += Math.max(0, available - BUFFER_HEADER_SIZE);
      compressedClaimed += dataEnd - BUFFER_HEADER_SIZE;
    }
    win.stride = size;
    pos += size;
  }
  return cols;
}

/** One CPU's (or the header buffer's) ordered run of buffers and the cursor over the loaded one. */
class BufferStream {
  next = 0;
  bytes = new Uint8Array(0);
  view = new DataView(this.bytes.buffer);
  pos = 0;
  end = 0;
  bufferIndex = -1;
  /** Set when a buffer was loaded: compare its first event with the previous buffer's last. */
  checkOrder = false;
  previousTicks = -Infinity;
  readonly ev: RawEvent = createRawEvent();
  constructor(
    readonly cpu: number,
    readonly order: Int32Array,
  ) {}
}

interface RunState {
  events: number;
  bytesRead: number;
  buffersRead: number;
  stopped: boolean;
  lastProgress: number;
  onProgress: ((bytesRead: number, events: number) => void) | undefined;
  shouldStop: (() => boolean) | undefined;
}

class EtlTraceImpl implements EtlTrace {
  readonly diagnostics: Diagnostic[];
  readonly buffers: BufferTable;
  readonly cpus: readonly number[];
  clock: TraceClock;
  firstDataTicks: number | undefined;
  private readonly dataEnd: Uint32Array;
  /** Per CPU, one run of buffers per logger (sequence numbers are per logger), each in sequence order. */
  private readonly perCpuRuns = new Map<number, Int32Array[]>();
  private compressedScratch = new Uint8Array(0);
  private reportedUnordered = false;

  constructor(
    readonly source: ByteSource,
    readonly header: LogfileHeader,
    readonly headerBufferIndex: number,
    cols: BufferColumns,
    private readonly sink: DiagnosticSink,
    frequency: number,
  ) {
    this.diagnostics = sink.list;
    const table = cols.table();
    this.buffers = table;
    this.dataEnd = table.dataEnd;
    // Buffers grouped by CPU in one Int32Array (a counting sort, 4 bytes per buffer), each CPU's
    // run sorted in place; buffers without event bytes are left out of the runs (a file of
    // minimal buffers then costs its columns only) but their CPUs still count as seen.
    const cpuSlots = PROCESSOR_INDEX_MASK + 2;
    const seen = new Uint8Array(cpuSlots);
    const starts = new Int32Array(cpuSlots + 1);
    for (let i = 0; i < table.length; i++) {
      if (i === headerBufferIndex) continue;
      const cpu = table.cpu[i]!;
      seen[cpu] = 1;
      if (table.dataEnd[i]! > BUFFER_HEADER_SIZE) starts[cpu + 1]!++;
    }
    for (let c = 0; c < cpuSlots; c++) starts[c + 1]! += starts[c]!;
    const order = new Int32Array(starts[cpuSlots]!);
    const fill = starts.slice(0, cpuSlots);
    for (let i = 0; i < table.length; i++) {
      if (i === headerBufferIndex || table.dataEnd[i]! <= BUFFER_HEADER_SIZE) continue;
      order[fill[table.cpu[i]!]!++] = i;
    }
    const cpus: number[] = [];
    for (let cpu = 0; cpu < cpuSlots; cpu++) {
      if (seen[cpu] === 0) continue;
      cpus.push(cpu);
      const list = order.subarray(starts[cpu]!, starts[cpu + 1]!);
      list.sort(
        (a, b) =>
          table.loggerId[a]! - table.loggerId[b]! ||
          table.sequence[a]! - table.sequence[b]! ||
          table.timestamp[a]! - table.timestamp[b]! ||
          table.fileOffset[a]! - table.fileOffset[b]!,
      );
      const runs: Int32Array[] = [];
      let start = 0;
      for (let k = 1; k <= list.length; k++) {
        if (k === list.length || table.loggerId[list[k]!] !== table.loggerId[list[start]!]) {
          runs.push(list.subarray(start, k));
          start = k;
        }
      }
      this.perCpuRuns.set(cpu, runs);
    }
    this.cpus = cpus;
    this.firstDataTicks = this.probeFirstDataTicks();
    this.clock = makeTraceClock(frequency, header.headerTimestamp, this.firstDataTicks);
  }

  /** Earliest first event over the CPUs' first non-empty buffers (for the circular-logger origin rule). */
  private probeFirstDataTicks(): number | undefined {
    let first: number | undefined;
    const run = this.newRun(undefined);
    this.sink.quiet = true;
    try {
      for (const cpu of this.cpus) {
        for (const order of this.perCpuRuns.get(cpu) as Int32Array[]) {
          const stream = new BufferStream(cpu, order);
          if (this.advance(stream, run)) {
            const t = stream.ev.timestamp;
            if (first === undefined || t < first) first = t;
          }
        }
      }
    } finally {
      this.sink.quiet = false;
    }
    return first;
  }

  private newRun(options: ForEachOptions | undefined): RunState {
    return {
      events: 0,
      bytesRead: 0,
      buffersRead: 0,
      stopped: false,
      lastProgress: 0,
      onProgress: options?.onProgress,
      shouldStop: options?.shouldStop,
    };
  }

  forEachEvent(visit: (ev: RawEvent) => void, options?: ForEachOptions): ReadStats {
    const run = this.newRun(options);
    const include = options?.includeCpu;
    const streamsByCpu: BufferStream[][] = [];
    for (const cpu of this.cpus) {
      if (include === undefined || include(cpu)) {
        streamsByCpu.push(
          (this.perCpuRuns.get(cpu) as Int32Array[]).map((order) => new BufferStream(cpu, order)),
        );
      }
    }
    if (this.headerBufferIndex >= 0) {
      const cpu = this.buffers.cpu[this.headerBufferIndex];
      if (include === undefined || include(cpu)) {
        const headerStream = new BufferStream(cpu, Int32Array.of(this.headerBufferIndex));
        while (this.advance(headerStream, run)) {
          visit(headerStream.ev);
          run.events++;
        }
      }
    }
    if (options?.order === 'per-cpu') {
      for (let c = 0; c < streamsByCpu.length && !run.stopped; c++) {
        const cpuStreams = streamsByCpu[c];
        if (cpuStreams.length !== 1) {
          this.merge(cpuStreams, visit, run); // several loggers on this CPU: keep its events in time order
          continue;
        }
        const stream = cpuStreams[0];
        const ev = stream.ev;
        while (this.advance(stream, run)) {
          visit(ev);
          run.events++;
        }
      }
    } else if (!run.stopped) {
      this.merge(streamsByCpu.flat(), visit, run);
    }
    if (run.onProgress !== undefined) run.onProgress(run.bytesRead, run.events);
    return {
      events: run.events,
      bytesRead: run.bytesRead,
      buffersRead: run.buffersRead,
      stopped: run.stopped,
    };
  }

  /** K-way merge on (timestamp, cpu) with a binary min-heap of streams. */
  private merge(streams: BufferStream[], visit: (ev: RawEvent) => void, run: RunState): void {
    const heap: BufferStream[] = [];
    for (const stream of streams) if (this.advance(stream, run)) heap.push(stream);
    const less = (a: BufferStream, b: BufferStream): boolean =>
      a.ev.timestamp < b.ev.timestamp || (a.ev.timestamp === b.ev.timestamp && a.cpu < b.cpu);
    const siftDown = (start: number): void => {
      const n = heap.length;
      let i = start;
      const item = heap[i];
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(heap[r], heap[l]) ? r : l;
        if (!less(heap[c], item)) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = item;
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    while (heap.length > 0) {
      const top = heap[0];
      visit(top.ev);
      run.events++;
      if (this.advance(top, run)) {
        siftDown(0);
      } else {
        if (run.stopped) return;
        const last = heap.pop() as BufferStream;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
      }
    }
  }

  /** Moves the stream to its next event (loading buffers as needed); false when it has none left. */
  private advance(stream: BufferStream, run: RunState): boolean {
    const ev = stream.ev;
    for (;;) {
      if (stream.pos < stream.end) {
        const next = readEventAt(ev, stream.pos, stream.end);
        if (next > 0) {
          stream.pos = next;
          if (stream.checkOrder) this.checkBufferOrder(stream);
          return true;
        }
        const bi = stream.bufferIndex;
        const fileOffset = this.buffers.fileOffset[bi];
        const where = this.buffers.compressed[bi]
          ? `at offset ${hexOffset(stream.pos)} of the decompressed buffer at file offset ${hexOffset(fileOffset)}`
          : `at file offset ${hexOffset(fileOffset + stream.pos)}`;
        this.sink.add(
          'warning',
          'corrupt-event',
          `${eventErrorText(next)} ${where}; the rest of that buffer is skipped`,
          fileOffset + stream.pos,
        );
        stream.pos = stream.end;
        continue;
      }
      if (!this.loadNextBuffer(stream, run)) return false;
    }
  }

  /**
   * Sequence order should make a CPU's events non-decreasing in time (format doc §1.4). Files merged
   * from several loggers can break that; say so once (events are still all delivered).
   */
  private checkBufferOrder(stream: BufferStream): void {
    stream.checkOrder = false;
    if (stream.ev.timestamp >= stream.previousTicks || this.reportedUnordered) return;
    this.reportedUnordered = true;
    const offset = this.buffers.fileOffset[stream.bufferIndex];
    this.sink.add(
      'info',
      'unordered-buffers',
      `on CPU ${stream.cpu} the buffer at file offset ${hexOffset(offset)} starts earlier than the previous buffer in sequence order (a file merged from several loggers?); some events may be slightly out of time order`,
      offset,
    );
  }

  private loadNextBuffer(stream: BufferStream, run: RunState): boolean {
    for (;;) {
      if (run.stopped) return false;
      if (stream.next >= stream.order.length) {
        // Done with this CPU: its buffer's memory goes now, not when the whole pass ends.
        stream.bytes = new Uint8Array(0);
        stream.view = new DataView(stream.bytes.buffer);
        return false;
      }
      if (run.shouldStop !== undefined && run.shouldStop()) {
        run.stopped = true;
        return false;
      }
      const bi = stream.order[stream.next++];
      if (this.loadBuffer(stream, bi, run)) return true;
    }
  }

  /** Reads (and decompresses) buffer `bi` into the stream; false when it has no readable events. */
  private loadBuffer(stream: BufferStream, bi: number, run: RunState): boolean {
    const b = this.buffers;
    const fileOffset = b.fileOffset[bi];
    const dataEnd = this.dataEnd[bi];
    run.buffersRead++;
    if (dataEnd <= BUFFER_HEADER_SIZE) return false;
    if (stream.bytes.length < dataEnd) {
      // Exactly what this buffer needs: with many CPUs (or a corrupt file) memory stays ~ bytes present.
      stream.bytes = new Uint8Array(dataEnd);
      stream.view = new DataView(stream.bytes.buffer);
    }
    if (b.compressed[bi] === 0) {
      const got = readIntoFrom(this.source, fileOffset, stream.bytes, 0, dataEnd);
      run.bytesRead += got;
      stream.end = got;
    } else {
      const onDisk = b.availableSize[bi] - BUFFER_HEADER_SIZE;
      if (this.compressedScratch.length < onDisk)
        this.compressedScratch = new Uint8Array(Math.max(onDisk, 65536));
      readIntoFrom(this.source, fileOffset, stream.bytes, 0, BUFFER_HEADER_SIZE);
      const got = readIntoFrom(
        this.source,
        fileOffset + BUFFER_HEADER_SIZE,
        this.compressedScratch,
        0,
        onDisk,
      );
      run.bytesRead += got + BUFFER_HEADER_SIZE;
      const expected = dataEnd - BUFFER_HEADER_SIZE;
      const produced = xpressDecompress(
        this.compressedScratch,
        0,
        got,
        stream.bytes,
        BUFFER_HEADER_SIZE,
        expected,
      );
      if (produced !== expected) {
        const why = produced < 0 ? xpressErrorText(produced) : `got ${produced} of ${expected} bytes`;
        this.sink.add(
          'error',
          'decompress-failed',
          `compressed buffer ${bi} at file offset ${hexOffset(fileOffset)} could not be decompressed (${why}); its events are skipped`,
          fileOffset,
        );
        return false;
      }
      stream.end = dataEnd;
    }
    if (run.onProgress !== undefined && run.bytesRead - run.lastProgress >= PROGRESS_EVERY_BYTES) {
      run.lastProgress = run.bytesRead;
      run.onProgress(run.bytesRead, run.events);
    }
    stream.pos = BUFFER_HEADER_SIZE;
    stream.bufferIndex = bi;
    const ev = stream.ev;
    if (ev.bufferIndex >= 0) {
      stream.previousTicks = ev.timestamp;
      stream.checkOrder = true;
    }
    ev.bytes = stream.bytes;
    ev.view = stream.view;
    ev.cpu = b.cpu[bi];
    ev.bufferIndex = bi;
    ev.bufferFileOffset = fileOffset;
    return true;
  }

  close(): void {
    this.source.close();
  }
}

/**
 * Opens an ETL trace: reads the header buffer, parses the logfile header, pre-scans all buffer
 * headers. Throws EtlFormatError only when the source is not an ETL trace at all.
 */
export function openEtl(source: ByteSource): EtlTrace {
  const fileSize = source.size;
  const name = source.name;
  if (fileSize < BUFFER_HEADER_SIZE + 0x20) {
    throw new EtlFormatError(
      `not an ETL trace: ${name} is only ${fileSize} bytes, too short for a trace buffer`,
      0,
    );
  }
  const probe = new Uint8Array(Math.min(fileSize, HEADER_PROBE_BYTES));
  readIntoFrom(source, 0, probe, 0, probe.length);
  const probeView = new DataView(probe.buffer);
  const firstSize = probeView.getUint32(0, true);
  const firstType = probeView.getUint16(0x36, true);
  const firstFlags = probeView.getUint16(0x34, true);
  const probeEnd = firstSize >= BUFFER_HEADER_SIZE ? Math.min(firstSize, probe.length) : probe.length;
  let parsed = parseLogfileHeader(probe, BUFFER_HEADER_SIZE, probeEnd);
  if (typeof parsed === 'string' && probeEnd < probe.length) {
    parsed = parseLogfileHeader(probe, BUFFER_HEADER_SIZE, probe.length); // the size field may be what is corrupt
  }
  if (typeof parsed === 'string') {
    throw new EtlFormatError(`not an ETL trace: ${parsed} (${name}, file offset 0x48)`, BUFFER_HEADER_SIZE);
  }
  const header = parsed;
  const sink = new DiagnosticSink();
  if (firstType !== BUFFER_TYPE_HEADER) {
    sink.add(
      'warning',
      'unexpected-header-buffer',
      `the first buffer has type ${firstType}, not HEADER (4); reading it anyway`,
      0,
    );
  }
  if ((firstFlags & BUFFER_FLAG_COMPRESSED) !== 0) {
    sink.add(
      'warning',
      'unexpected-header-buffer',
      'the first buffer is flagged compressed although it holds a plain logfile header',
      0,
    );
  }
  if (header.bufferSize < BUFFER_HEADER_SIZE || header.bufferSize > MAX_BUFFER_BYTES) {
    sink.add(
      'warning',
      'corrupt-header',
      `the logfile header gives an implausible buffer size (${header.bufferSize} bytes)`,
      BUFFER_HEADER_SIZE + 0x20,
    );
  }
  const cols = prescanBuffers(source, header.bufferSize, sink);
  if (cols.length === 0) {
    throw new EtlFormatError(`not an ETL trace: ${name} holds no readable buffer`, 0);
  }
  // The header buffer's own compressed flag would make its plain logfile header unreadable: treat it as plain.
  if ((firstFlags & BUFFER_FLAG_COMPRESSED) !== 0) {
    cols.compressed[0] = 0;
    cols.dataEnd[0] = Math.min(cols.availableSize[0], Math.max(cols.dataEnd[0], BUFFER_HEADER_SIZE));
  }
  const { frequency, problem } = clockFrequency(header);
  if (problem !== undefined)
    sink.add('warning', 'clock', `${problem}; times assume ${frequency} ticks per second`);
  reportLosses(header, cols, sink);
  return new EtlTraceImpl(source, header, 0, cols, sink, frequency);
}

function reportLosses(header: LogfileHeader, cols: BufferColumns, sink: DiagnosticSink): void {
  if (header.eventsLost > 0) {
    sink.add(
      'warning',
      'events-lost',
      `the logger reported ${header.eventsLost} lost events (logfile header EventsLost)`,
    );
  }
  if (header.buffersLost > 0) {
    sink.add(
      'warning',
      'buffers-lost',
      `the logger reported ${header.buffersLost} lost buffers (logfile header BuffersLost)`,
    );
  }
  let eventsLostBuffers = 0;
  let buffersLostBuffers = 0;
  let firstEventsLost = -1;
  let firstBuffersLost = -1;
  for (let i = 0; i < cols.length; i++) {
    if ((cols.flags[i] & BUFFER_FLAG_EVENTS_LOST) !== 0) {
      if (eventsLostBuffers++ === 0) firstEventsLost = cols.fileOffset[i];
    }
    if ((cols.flags[i] & BUFFER_FLAG_BUFFER_LOST) !== 0) {
      if (buffersLostBuffers++ === 0) firstBuffersLost = cols.fileOffset[i];
    }
  }
  if (eventsLostBuffers > 0) {
    sink.add(
      'warning',
      'events-lost',
      `${eventsLostBuffers} buffers are flagged EVENTS_LOST (events were dropped before them), the first at file offset ${hexOffset(firstEventsLost)}`,
      firstEventsLost,
    );
  }
  if (buffersLostBuffers > 0) {
    sink.add(
      'warning',
      'buffers-lost',
      `${buffersLostBuffers} buffers are flagged BUFFER_LOST (whole buffers were dropped before them), the first at file offset ${hexOffset(firstBuffersLost)}`,
      firstBuffersLost,
    );
  }
}

/** Raw ticks → nanoseconds on the trace axis. */
export function ticksToNs(clock: TraceClock, ticks: number): TraceNs {
  return ((ticks - clock.originTicks) * clock.nsPerTick) as TraceNs;
}
