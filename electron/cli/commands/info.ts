// `etlscope info FILE [--json]`: header facts (OS build, CPUs, clock, start time), what was
// recorded and the event count per kind. No range or CPU filter: these are facts of the file.
import type { ProcessorInfo, TraceSummary } from '../../../shared/contract.js';
import { traceCommand } from '../command.js';
import { fixed, integer, renderTable } from '../text-table.js';

export interface InfoResult {
  readonly file: string;
  readonly fileSize: number;
  readonly buffers: number;
  readonly compressedBuffers: number;
  readonly events: number;
  readonly lostEvents: number;
  readonly lostBuffers: number;
  readonly build: number;
  readonly osVersion: string;
  readonly cpuCount: number;
  /** What the trace records about the processor (null fields: not recorded). */
  readonly processor: ProcessorInfo | null;
  readonly pointerSize: number;
  readonly loggerName: string;
  readonly clockType: string;
  readonly clockFrequencyHz: number;
  readonly startTimeUtc: string;
  readonly durationSeconds: number;
  readonly recorded: TraceSummary['recorded'];
  readonly explanations: readonly string[];
  readonly diagnostics: TraceSummary['diagnostics'];
  readonly counts: Readonly<Record<string, number>>;
}

export function info(summary: TraceSummary): InfoResult {
  const counts = Object.fromEntries(
    Object.entries(summary.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    file: summary.fileName,
    fileSize: summary.fileSize,
    buffers: summary.buffers,
    compressedBuffers: summary.compressedBuffers,
    events: summary.events,
    lostEvents: summary.eventsLost,
    lostBuffers: summary.buffersLost,
    build: summary.build,
    osVersion: summary.osVersion,
    cpuCount: summary.cpuCount,
    processor: summary.processor ?? null,
    pointerSize: summary.pointerSize,
    loggerName: summary.loggerName,
    clockType: summary.clockType,
    clockFrequencyHz: summary.clockFrequencyHz,
    startTimeUtc: summary.startTimeUtc,
    durationSeconds: summary.durationNs / 1e9,
    recorded: summary.recorded,
    explanations: summary.explanations,
    diagnostics: summary.diagnostics,
    counts,
  };
}

/** The processor in one line: its recorded name, else what is recorded — never a guess. */
export function describeProcessor(p: ProcessorInfo | null, cpuCount: number): string {
  const facts: string[] = [];
  if (p?.architecture != null) facts.push(p.architecture);
  if (p?.family != null) facts.push(`family ${p.family} model ${p.model} stepping ${p.stepping}`);
  if (p?.mhz != null) facts.push(`${integer(p.mhz)} MHz nominal`);
  facts.push(`${integer(p?.processors ?? cpuCount)} logical processors`);
  if (p?.name != null) return `${p.name} (${facts.join(', ')})`;
  return `${facts.join(', ')}; the processor's name is not recorded in this trace`;
}

export function formatInfo(result: InfoResult): string {
  const lines = [
    `File:            ${result.file} (${integer(result.fileSize)} bytes)`,
    `Windows:         ${result.osVersion} build ${result.build}, ${result.cpuCount} CPUs, ${result.pointerSize * 8}-bit`,
    `Processor:       ${describeProcessor(result.processor, result.cpuCount)}`,
    `Logger:          ${result.loggerName || '(unnamed)'}`,
    `Clock:           ${result.clockType} at ${integer(result.clockFrequencyHz)} Hz; starts ${result.startTimeUtc}`,
    `Duration:        ${fixed(result.durationSeconds, 3)} s`,
    `Buffers:         ${integer(result.buffers)} (${integer(result.compressedBuffers)} compressed)`,
    `Events:          ${integer(result.events)}`,
    `Lost:            ${integer(result.lostEvents)} events, ${integer(result.lostBuffers)} buffers`,
  ];
  for (const text of result.explanations) lines.push(`Note:            ${text}`);
  for (const d of result.diagnostics) {
    const label = d.severity === 'error' ? 'Error:' : d.severity === 'warning' ? 'Warning:' : 'Info:';
    lines.push(`${label.padEnd(17)}${d.message}`);
  }
  const countRows = Object.entries(result.counts)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => [name, integer(n)]);
  lines.push(
    '',
    renderTable(
      [
        { title: 'Event kind', align: 'left' },
        { title: 'Count', align: 'right' },
      ],
      countRows,
    ),
  );
  return lines.join('\n');
}

export const infoCommand = traceCommand(
  {
    name: 'info',
    files: 'one',
    flags: ['--json', '--workers'],
    usage: '  etlscope info FILE [--json]                 header facts and event counts',
  },
  async ({ session, options, io }) => {
    const result = info(session.summary);
    io.print(options.json ? JSON.stringify(result, null, 2) : formatInfo(result));
  },
);
