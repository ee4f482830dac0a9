// summarizeTrace: one pass over a trace counting records by header kind and by eventKindName,
// plus header facts — what `etlscope info` prints and what the golden tests lock per real trace.

import type { Diagnostic } from '../../shared/contract.js';
import type { EtlTrace } from './etl-trace.js';
import { eventKindName } from './kernel/hooks.js';
import { HeaderType } from './types.js';

export interface TraceSummary {
  readonly file: string;
  readonly fileSize: number;
  readonly buffers: number;
  readonly compressedBuffers: number;
  /** Every record, the logfile header event included. */
  readonly events: number;
  /** Records per header kind, keyed like '0xC002' (marker bytes 2–3) or 'MESSAGE'. */
  readonly headerKinds: Readonly<Record<string, number>>;
  /** Records per eventKindName. */
  readonly counts: Readonly<Record<string, number>>;
  readonly build: number;
  readonly cpuCount: number;
  readonly pointerSize: 4 | 8;
  readonly loggerName: string;
  readonly logFileName: string;
  readonly clockType: number;
  readonly clockFrequency: number;
  readonly originKind: 'header' | 'first-event';
  readonly eventsLost: number;
  readonly buffersLost: number;
  /** From the origin to the last event. */
  readonly durationSeconds: number;
  readonly diagnostics: readonly Diagnostic[];
}

const HEADER_KIND_NAMES: Readonly<Record<number, string>> = {
  [HeaderType.Message]: 'MESSAGE',
};

/** '0xC002' style key: the marker's bytes 3 and 2 as the walker README prints them. */
function headerKindKey(headerType: number): string {
  const named = HEADER_KIND_NAMES[headerType];
  if (named !== undefined) return named;
  return '0xC0' + headerType.toString(16).toUpperCase().padStart(2, '0');
}

/** Reads the whole trace once (per-CPU order: counts do not depend on order) and summarizes it. */
export function summarizeTrace(trace: EtlTrace): TraceSummary {
  const byHeaderType = new Map<number, number>();
  const byKind = new Map<string, number>();
  let lastTicks = -Infinity;
  let compressedBuffers = 0;
  for (let i = 0; i < trace.buffers.length; i++) compressedBuffers += trace.buffers.compressed[i];
  const stats = trace.forEachEvent(
    (ev) => {
      byHeaderType.set(ev.headerType, (byHeaderType.get(ev.headerType) ?? 0) + 1);
      const kind = eventKindName(ev);
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      if (ev.family !== 'message' && ev.timestamp > lastTicks) lastTicks = ev.timestamp;
    },
    { order: 'per-cpu' },
  );
  const headerKinds: Record<string, number> = {};
  for (const [type, count] of [...byHeaderType.entries()].sort((a, b) => a[0] - b[0])) {
    headerKinds[headerKindKey(type)] = count;
  }
  const counts: Record<string, number> = {};
  for (const [kind, count] of [...byKind.entries()].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  )) {
    counts[kind] = count;
  }
  const h = trace.header;
  const clock = trace.clock;
  const durationSeconds = Number.isFinite(lastTicks)
    ? Math.max(0, (lastTicks - clock.originTicks) / clock.frequency)
    : 0;
  return {
    file: trace.source.name,
    fileSize: trace.source.size,
    buffers: trace.buffers.length,
    compressedBuffers,
    events: stats.events,
    headerKinds,
    counts,
    build: h.build,
    cpuCount: h.numberOfProcessors,
    pointerSize: h.pointerSize,
    loggerName: h.loggerName,
    logFileName: h.logFileName,
    clockType: h.clockType,
    clockFrequency: clock.frequency,
    originKind: clock.originKind,
    eventsLost: h.eventsLost,
    buffersLost: h.buffersLost,
    durationSeconds,
    diagnostics: [...trace.diagnostics],
  };
}

/** A stable, readable text form of a summary (the golden files). */
export function formatSummary(s: TraceSummary, displayName = s.file): string {
  const lines: string[] = [];
  lines.push(`file: ${displayName} (${s.fileSize} bytes)`);
  lines.push(`logger: ${s.loggerName}  log file: ${s.logFileName}`);
  lines.push(`build: ${s.build}  cpus: ${s.cpuCount}  pointer size: ${s.pointerSize}`);
  lines.push(
    `clock: type ${s.clockType} at ${s.clockFrequency} Hz, origin ${s.originKind}, duration ${s.durationSeconds.toFixed(6)} s`,
  );
  lines.push(`buffers: ${s.buffers} (${s.compressedBuffers} compressed)  events: ${s.events}`);
  lines.push(`lost: ${s.eventsLost} events, ${s.buffersLost} buffers`);
  lines.push('header kinds:');
  for (const [kind, count] of Object.entries(s.headerKinds)) lines.push(`  ${kind} ${count}`);
  lines.push('events by kind:');
  for (const [kind, count] of Object.entries(s.counts)) lines.push(`  ${kind} ${count}`);
  lines.push('diagnostics:');
  for (const d of s.diagnostics) lines.push(`  ${d.severity} ${d.code}: ${d.message}`);
  if (s.diagnostics.length === 0) lines.push('  (none)');
  return lines.join('\n') + '\n';
}
