// `etlscope dpc FILE`: DPC/ISR durations grouped by exactly the columns --by names (xperf -a
// dpcisr style; `type` is a group column like the others), the DPC and ISR totals against their
// guidelines and the doubling histogram. `--csv OUT` writes the grouped table, `--rows --csv OUT`
// every DPC/ISR (the engine's streaming row export); OUT '-' is standard output.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DPC_BUDGET_NS,
  ISR_BUDGET_NS,
  type Aggregates,
  type DpcType,
  type GroupColumn,
  type HistogramResult,
} from '../../../shared/contract.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { printTable, traceCommand } from '../command.js';
import type { CsvTable } from '../csv.js';
import { fixed, integer, renderTable, type TextColumn } from '../text-table.js';
import { DPC_FAMILY, effectiveRange, filterFromOptions, flattenPivot, ISR_FAMILY } from './common.js';

/** One grouped DPC/ISR row; a column not grouped by is null. */
export interface DpcRow {
  readonly type: string | null;
  readonly module: string | null;
  readonly function: string | null;
  readonly cpu: number | null;
  readonly count: number;
  readonly totalMs: number;
  /** WPA's Duration (Exclusive) summed: the time with the ISRs that interrupted DPCs taken out. */
  readonly exclusiveMs: number;
  readonly avgUs: number;
  readonly maxUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly overBudget: number;
}

export interface DpcResult {
  readonly range: { readonly startSeconds: number; readonly endSeconds: number };
  readonly cpus: readonly number[] | 'all';
  readonly groupBy: readonly GroupColumn[];
  readonly rows: readonly DpcRow[];
  readonly totals: { readonly dpc: Aggregates; readonly isr: Aggregates };
  readonly histogram: HistogramResult['buckets'];
}

export async function dpc(
  session: TraceSession,
  options: Pick<CliOptions, 'range' | 'cpus' | 'type' | 'by'>,
): Promise<DpcResult> {
  const filter = filterFromOptions(options);
  const groupBy = [...options.by];
  const pivot = await session.query({
    kind: 'pivot',
    table: 'dpcIsr',
    filter,
    groupBy,
    sortBy: 'totalMs',
    descending: true,
    limitPerLevel: 100_000,
  });
  const rows = flattenPivot(pivot).map(({ keys, aggregates: a, exclusiveMs }): DpcRow => {
    if (exclusiveMs === undefined) throw new Error('The engine gave no exclusive time for a DPC/ISR group.');
    return {
      type: keys.type ?? null,
      module: keys.module ?? null,
      function: keys.function ?? null,
      cpu: keys.cpu !== undefined ? Number(keys.cpu) : null,
      count: a.count,
      totalMs: a.totalMs,
      exclusiveMs,
      avgUs: a.avgUs,
      maxUs: a.maxUs,
      p50Us: a.p50Us,
      p99Us: a.p99Us,
      overBudget: a.overBudget,
    };
  });
  rows.sort((a, b) => b.totalMs - a.totalMs);
  const familyTotal = async (types: readonly DpcType[]) => {
    const allowed = filter.include?.type;
    const effective = allowed === undefined ? types : types.filter((t) => allowed.includes(t));
    const result = await session.query({
      kind: 'pivot',
      table: 'dpcIsr',
      filter: {
        ...filter,
        include: { ...filter.include, type: effective.length > 0 ? effective : ['none'] },
      },
      groupBy: [],
    });
    return result.total;
  };
  const histogram = await session.query({ kind: 'histogram', table: 'dpcIsr', filter, scheme: 'doubling' });
  const range = effectiveRange(session.summary, options.range);
  return {
    range: { startSeconds: range.start / 1e9, endSeconds: range.end / 1e9 },
    cpus: options.cpus ?? 'all',
    groupBy,
    rows,
    totals: { dpc: await familyTotal(DPC_FAMILY), isr: await familyTotal(ISR_FAMILY) },
    histogram: histogram.buckets,
  };
}

/** WPA's names for the group columns. */
const GROUP_TITLES: Readonly<Record<string, string>> = {
  type: 'Type',
  module: 'Module',
  function: 'Function',
  cpu: 'CPU',
};

function groupCell(r: DpcRow, column: GroupColumn): string {
  if (column === 'cpu') return r.cpu === null ? '' : String(r.cpu);
  return (column === 'type' ? r.type : column === 'module' ? r.module : r.function) ?? '';
}

export function dpcCsv(result: DpcResult): CsvTable {
  return {
    columns: [
      ...result.groupBy.map((c) => GROUP_TITLES[c] ?? c),
      'Count',
      'Total (ms)',
      'Exclusive (ms)',
      'Avg (µs)',
      'Max (µs)',
      'p50 (µs)',
      'p99 (µs)',
      'Over budget',
    ],
    rows: result.rows.map((r) => [
      ...result.groupBy.map((c) => groupCell(r, c)),
      r.count,
      fixed(r.totalMs, 3),
      fixed(r.exclusiveMs, 3),
      fixed(r.avgUs, 2),
      fixed(r.maxUs, 2),
      fixed(r.p50Us, 2),
      fixed(r.p99Us, 2),
      r.overBudget,
    ]),
  };
}

export function formatDpcTable(result: DpcResult): string {
  const columns: TextColumn[] = [
    ...result.groupBy.map((c): TextColumn => ({
      title: GROUP_TITLES[c] ?? c,
      align: c === 'cpu' ? 'right' : 'left',
    })),
    { title: 'Count', align: 'right' },
    { title: 'Total ms', align: 'right' },
    { title: 'Excl. ms', align: 'right' },
    { title: 'Avg µs', align: 'right' },
    { title: 'p50 µs', align: 'right' },
    { title: 'p99 µs', align: 'right' },
    { title: 'Max µs', align: 'right' },
    { title: 'Over', align: 'right' },
  ];
  const tableRows = result.rows.map((r) => [
    ...result.groupBy.map((c) => groupCell(r, c)),
    integer(r.count),
    fixed(r.totalMs, 2),
    fixed(r.exclusiveMs, 2),
    fixed(r.avgUs, 1),
    fixed(r.p50Us, 1),
    fixed(r.p99Us, 1),
    fixed(r.maxUs, 1),
    integer(r.overBudget),
  ]);
  return tableRows.length > 0
    ? renderTable(columns, tableRows)
    : 'No DPC or ISR events in this range (see `etlscope info` for what the trace recorded).';
}

export function formatHistogram(buckets: HistogramResult['buckets']): string {
  return renderTable(
    [
      { title: 'Duration', align: 'left' },
      { title: 'DPCs', align: 'right' },
      { title: 'ISRs', align: 'right' },
    ],
    buckets.filter((b) => b.count > 0).map((b) => [b.label, integer(b.dpcCount), integer(b.isrCount)]),
  );
}

export function formatDpc(result: DpcResult, fileName: string): string {
  const cpus = result.cpus === 'all' ? 'all CPUs' : `CPUs ${result.cpus.join(',')}`;
  const lines = [
    `DPC/ISR durations — ${fileName}, ${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s, ${cpus}`,
    `Guideline: DPCs ≤ ${DPC_BUDGET_NS / 1000} µs, ISRs ≤ ${ISR_BUDGET_NS / 1000} µs ("Over" counts the longer ones).`,
    '',
    formatDpcTable(result),
  ];
  if (result.rows.length > 0)
    lines.push('', 'Duration histogram (xperf doubling buckets):', formatHistogram(result.histogram));
  return lines.join('\n');
}

/** The engine writes the row CSV to a path; '-' goes through a temporary file to stdout. */
async function exportRows(session: TraceSession, options: CliOptions, out: string): Promise<number> {
  const request = {
    traceId: 'cli',
    what: 'rows',
    table: 'dpcIsr',
    filter: filterFromOptions(options),
  } as const;
  if (out !== '-') return (await session.exportCsv(request, path.resolve(out))).rows;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-rows-'));
  try {
    const file = path.join(dir, 'rows.csv');
    const { rows } = await session.exportCsv(request, file);
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file);
      input.on('error', reject).on('end', resolve);
      input.pipe(process.stdout, { end: false });
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const dpcCommand = traceCommand(
  {
    name: 'dpc',
    files: 'one',
    namesFunctions: true,
    flags: ['--range', '--cpus', '--type', '--by', '--json', '--csv', '--rows', '--symbols', '--workers'],
    usage: `  etlscope dpc FILE [options]                 DPC/ISR durations grouped (xperf -a dpcisr style)
      --type dpc|isr|all                      which routines (default all)
      --by COLUMNS                            group by any of type,module,function,cpu, in that
                                              order (default module,function)
      --csv OUT                               write the grouped table as CSV (OUT - : stdout)
      --rows --csv OUT                        write every DPC/ISR row as CSV instead`,
  },
  async ({ session, options, fileName, io }) => {
    if (options.rows) {
      const rows = await exportRows(session, options, options.csv!);
      io.note(
        `wrote ${integer(rows)} DPC/ISR rows to ${options.csv === '-' ? 'standard output' : options.csv}`,
      );
      return;
    }
    const result = await dpc(session, options);
    printTable(io, options, {
      csv: () => dpcCsv(result),
      rowNoun: 'grouped rows',
      json: result,
      text: () => formatDpc(result, fileName),
    });
  },
);
