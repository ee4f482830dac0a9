// `etlscope threads FILE [--range] [--cpus] [--process NAME] [--json] [--csv OUT]`: one row per
// thread from CPU Usage (Precise) — switch-ins, running, ready and waiting time, average run,
// longest ready, switches per second — and the lock-convoy headline when the engine names one.

import type { SchedFilter, ThreadSummaryResult } from '../../../shared/contract.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { printTable, traceCommand } from '../command.js';
import type { CsvTable } from '../csv.js';
import { fixed, integer, renderTable } from '../text-table.js';

export function schedFilter(options: Pick<CliOptions, 'range' | 'cpus' | 'process'>): SchedFilter {
  return {
    ...(options.range !== undefined ? { range: options.range } : {}),
    ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    ...(options.process !== undefined ? { process: options.process } : {}),
  };
}

/** The JSON row of the issue: process, processId, threadId, threadName, switches, runningMs, … */
export interface ThreadsRow {
  readonly process: string;
  readonly processId: number;
  readonly threadId: number;
  readonly threadName: string;
  readonly switches: number;
  readonly runningMs: number;
  readonly readyMs: number;
  readonly waitingMs: number;
  readonly avgRunUs: number;
  readonly maxReadyUs: number;
  readonly switchesPerSecond: number;
}

export interface ThreadsOutput {
  readonly rows: readonly ThreadsRow[];
  readonly convoy?: string;
  readonly note?: string;
}

export async function threads(session: TraceSession, options: CliOptions): Promise<ThreadsOutput> {
  const result: ThreadSummaryResult = await session.query({
    kind: 'threadSummary',
    filter: schedFilter(options),
  });
  const rows = result.rows.map((r) => ({
    process: r.process,
    processId: r.processId,
    threadId: r.threadId,
    threadName: r.threadName,
    switches: r.switches,
    runningMs: r.runningMs,
    readyMs: r.readyMs,
    waitingMs: r.waitingMs,
    avgRunUs: r.avgRunUs,
    maxReadyUs: r.maxReadyUs,
    switchesPerSecond: r.switchesPerSecond,
  }));
  return {
    rows,
    ...(result.convoy !== undefined ? { convoy: result.convoy.text } : {}),
    ...(result.note !== undefined ? { note: result.note } : {}),
  };
}

/** The CSV's columns: the row field and its WPA-style title (the CSV convention, csv.ts). */
const CSV_COLUMNS: readonly (readonly [keyof ThreadsRow, string])[] = [
  ['process', 'Process'],
  ['processId', 'Process Id'],
  ['threadId', 'Thread Id'],
  ['threadName', 'Thread Name'],
  ['switches', 'Switches'],
  ['runningMs', 'Running (ms)'],
  ['readyMs', 'Ready (ms)'],
  ['waitingMs', 'Waiting (ms)'],
  ['avgRunUs', 'Avg Run (µs)'],
  ['maxReadyUs', 'Max Ready (µs)'],
  ['switchesPerSecond', 'Switches/s'],
];

export function threadsCsv(output: ThreadsOutput): CsvTable {
  return {
    columns: CSV_COLUMNS.map(([, title]) => title),
    rows: output.rows.map((r) => CSV_COLUMNS.map(([key]) => r[key])),
  };
}

export function formatThreads(output: ThreadsOutput, fileName: string): string {
  const lines = [`Threads (CPU Usage (Precise)) — ${fileName}`, ''];
  if (output.convoy !== undefined) lines.push(output.convoy, '');
  if (output.rows.length === 0) {
    lines.push(output.note ?? 'No threads ran in the selection.');
    return lines.join('\n');
  }
  lines.push(
    renderTable(
      [
        { title: 'Process', align: 'left' },
        { title: 'PID', align: 'right' },
        { title: 'TID', align: 'right' },
        { title: 'Thread', align: 'left' },
        { title: 'Switches', align: 'right' },
        { title: 'Running ms', align: 'right' },
        { title: 'Ready ms', align: 'right' },
        { title: 'Waiting ms', align: 'right' },
        { title: 'Avg run µs', align: 'right' },
        { title: 'Max ready µs', align: 'right' },
        { title: 'Switches/s', align: 'right' },
      ],
      output.rows.map((r) => [
        r.process,
        String(r.processId),
        String(r.threadId),
        r.threadName,
        integer(r.switches),
        fixed(r.runningMs, 3),
        fixed(r.readyMs, 3),
        fixed(r.waitingMs, 3),
        fixed(r.avgRunUs, 1),
        fixed(r.maxReadyUs, 1),
        fixed(r.switchesPerSecond, 1),
      ]),
    ),
  );
  return lines.join('\n');
}

export const threadsCommand = traceCommand(
  {
    name: 'threads',
    files: 'one',
    flags: ['--range', '--cpus', '--process', '--json', '--csv', '--workers'],
    usage: `  etlscope threads FILE [--process NAME] [options]
                                              one row per thread: switches, running, ready, waiting (CPU
                                              Usage (Precise)); names a lock convoy when it sees one`,
  },
  async ({ session, options, fileName, io }) => {
    const output = await threads(session, options);
    printTable(io, options, {
      csv: () => threadsCsv(output),
      rowNoun: 'thread rows',
      json: output,
      text: () => formatThreads(output, fileName),
    });
  },
);
