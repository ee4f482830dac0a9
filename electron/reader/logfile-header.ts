// The logfile header: the first record of the HEADER buffer (format doc §2.1) — a SYSTEM32/64
// header event (hook 0x0000) carrying TRACE_LOGFILE_HEADER in its 32- or 64-bit form, then the
// logger and log-file names. Also the session clock (§2.3) and the time origin rule (TEAM.md).

import { readU64 } from './address.js';
import type { LogfileHeader, TraceClock } from './types.js';

/** TRACE_LOGFILE_HEADER size without the strings: x86 0x110, x64 0x118. */
const LOGFILE_HEADER_FIXED_X86 = 0x110;
const SYSTEM_HEADER_SIZE = 0x20;
/** Circular/in-memory loggers: when the data starts this long after the header, start the axis at the data. */
export const CIRCULAR_ORIGIN_GAP_SECONDS = 60;

/**
 * Parses the logfile header event at `pos` in `bytes` (the HEADER buffer). Returns a reason text
 * when the record is not a logfile header.
 */
export function parseLogfileHeader(bytes: Uint8Array, pos: number, end: number): LogfileHeader | string {
  if (pos + SYSTEM_HEADER_SIZE > end) return 'the first buffer has no room for a logfile header';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerType = bytes[pos + 2];
  const marker = bytes[pos + 3];
  if ((marker & 0xc0) !== 0xc0 || (headerType !== 0x01 && headerType !== 0x02)) {
    return `the first record is not a SYSTEM trace header (marker ${hex8(headerType)} ${hex8(marker)})`;
  }
  const hook = view.getUint16(pos + 6, true);
  if (hook !== 0)
    return `the first record has hook 0x${hook.toString(16)} instead of the logfile header (0x0000)`;
  const pointerSize: 4 | 8 = headerType === 0x01 ? 4 : 8;
  const shift = 2 * (pointerSize - 4);
  const fixed = LOGFILE_HEADER_FIXED_X86 + shift;
  const recordSize = view.getUint16(pos + 4, true);
  const recordEnd = Math.min(end, pos + Math.max(recordSize, SYSTEM_HEADER_SIZE));
  const h = pos + SYSTEM_HEADER_SIZE;
  if (h + fixed > end) return 'the logfile header is cut short';
  const version = view.getUint32(h + 0x04, true);
  const names = readUtf16Strings(view, h + fixed, Math.max(recordEnd, h + fixed), 2);
  return {
    bufferSize: view.getUint32(h, true),
    majorVersion: version & 0xff,
    minorVersion: (version >>> 8) & 0xff,
    subVersion: (version >>> 16) & 0xff,
    subMinorVersion: (version >>> 24) & 0xff,
    build: view.getUint32(h + 0x08, true),
    numberOfProcessors: view.getUint32(h + 0x0c, true),
    endTime: readU64(view, h + 0x10),
    timerResolution: view.getUint32(h + 0x18, true),
    maximumFileSize: view.getUint32(h + 0x1c, true),
    logFileMode: view.getUint32(h + 0x20, true),
    buffersWritten: view.getUint32(h + 0x24, true),
    pointerSize,
    eventsLost: view.getUint32(h + 0x30, true),
    cpuSpeedMHz: view.getUint32(h + 0x34, true),
    timeZoneBiasMinutes: view.getInt32(h + 0x40 + shift, true),
    bootTime: readU64(view, h + 0xf0 + shift),
    perfFreq: readU64(view, h + 0xf8 + shift),
    startTime: readU64(view, h + 0x100 + shift),
    clockType: view.getUint32(h + 0x108 + shift, true),
    buffersLost: view.getUint32(h + 0x10c + shift, true),
    loggerName: names[0] ?? '',
    logFileName: names[1] ?? '',
    headerTimestamp: readU64(view, pos + 0x10),
  };
}

/** Reads up to `count` NUL-terminated UTF-16LE strings from [start, end). */
export function readUtf16Strings(view: DataView, start: number, end: number, count: number): string[] {
  const out: string[] = [];
  let at = start;
  for (let n = 0; n < count && at + 2 <= end; n++) {
    const [text, next] = readUtf16z(view, at, end);
    out.push(text);
    at = next;
  }
  return out;
}

/** One NUL-terminated UTF-16LE string at `start` (bounded by `end`); returns it and the offset after the NUL. */
export function readUtf16z(view: DataView, start: number, end: number): [string, number] {
  let at = start;
  const codes: number[] = [];
  let text = '';
  while (at + 2 <= end) {
    const c = view.getUint16(at, true);
    at += 2;
    if (c === 0) break;
    codes.push(c);
    if (codes.length === 4096) {
      text += String.fromCharCode(...codes);
      codes.length = 0;
    }
  }
  return [text + String.fromCharCode(...codes), at];
}

/** One NUL-terminated 8-bit string (bytes as Latin-1/ASCII). */
export function readAnsiz(bytes: Uint8Array, start: number, end: number): [string, number] {
  let at = start;
  let text = '';
  while (at < end) {
    const c = bytes[at++];
    if (c === 0) break;
    text += String.fromCharCode(c);
  }
  return [text, at];
}

const CLOCK_QPC = 1;
const CLOCK_SYSTEM_TIME = 2;
const CLOCK_CPU_CYCLES = 3;
/** FILETIME / system-time clock ticks per second (100 ns). */
const SYSTEM_TIME_FREQUENCY = 10_000_000;

/**
 * The session clock frequency from ReservedFlags (§2.3). Returns the frequency and, when the header
 * values are unusable, a reason (the caller turns it into a diagnostic and uses 10 MHz).
 */
export function clockFrequency(header: LogfileHeader): { frequency: number; problem?: string } {
  let frequency: number;
  switch (header.clockType) {
    case CLOCK_SYSTEM_TIME:
      return { frequency: SYSTEM_TIME_FREQUENCY };
    case CLOCK_CPU_CYCLES:
      frequency = header.cpuSpeedMHz * 1e6;
      if (frequency > 0) return { frequency };
      return { frequency: SYSTEM_TIME_FREQUENCY, problem: 'CPU-cycle clock but CpuSpeedInMHz is 0' };
    case 0:
    case CLOCK_QPC:
      frequency = header.perfFreq;
      if (frequency > 0 && Number.isFinite(frequency)) return { frequency };
      return { frequency: SYSTEM_TIME_FREQUENCY, problem: 'performance-counter clock but PerfFreq is 0' };
    default:
      frequency = header.perfFreq;
      if (frequency > 0 && Number.isFinite(frequency)) {
        return { frequency, problem: `unknown clock type ${header.clockType}; using PerfFreq` };
      }
      return { frequency: SYSTEM_TIME_FREQUENCY, problem: `unknown clock type ${header.clockType}` };
  }
}

/**
 * Origin rule: the header timestamp, unless the first data event is more than 60 s later
 * (circular / in-memory loggers) — then the first data event.
 */
export function makeTraceClock(
  frequency: number,
  headerTicks: number,
  firstDataTicks: number | undefined,
): TraceClock {
  const gapTicks = CIRCULAR_ORIGIN_GAP_SECONDS * frequency;
  const useFirst = firstDataTicks !== undefined && firstDataTicks - headerTicks > gapTicks;
  return {
    frequency,
    originTicks: useFirst ? (firstDataTicks as number) : headerTicks,
    originKind: useFirst ? 'first-event' : 'header',
    nsPerTick: 1e9 / frequency,
  };
}

function hex8(value: number): string {
  return '0x' + value.toString(16).padStart(2, '0');
}
