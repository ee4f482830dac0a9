// `etlscope idle FILE`: C-state residency per CPU (idle enter/exit events, else CSwitch's
// PreviousCState fallback), as a CPU × state table, JSON or CSV.
import type { IdleStateStats } from '../../../shared/contract.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { printTable, traceCommand } from '../command.js';
import type { CsvTable } from '../csv.js';
import { fixed, renderTable, type TextColumn } from '../text-table.js';
import { effectiveRange, filterFromOptions, flattenPivot } from './common.js';

export interface IdleRow {
  readonly cpu: number;
  readonly state: string;
  readonly ms: number;
  readonly percent: number;
}

export interface IdleResult {
  readonly range: { readonly startSeconds: number; readonly endSeconds: number };
  readonly rows: readonly IdleRow[];
  /** Actual states (idle enter/exit, C0 between) per state over all CPUs and per CPU: visits,
   *  transitions, residency, min/avg/max visit, visit-length histogram. */
  readonly states?: readonly IdleStateStats[];
  /** Target states (Power IdleStateChange), when recorded. */
  readonly target?: readonly IdleStateStats[];
  readonly deepIdleHint?: string;
}

export async function idle(session: TraceSession, options: CliOptions): Promise<IdleResult> {
  const filter = filterFromOptions({ ...options, type: 'all' });
  const range = effectiveRange(session.summary, options.range);
  const pivot = await session.query({
    kind: 'pivot',
    table: 'idleStates',
    filter,
    groupBy: ['cpu', 'state'],
    sortBy: 'key',
    descending: false,
    limitPerLevel: 10_000,
  });
  const rows = flattenPivot(pivot)
    .map(({ keys, aggregates }) => ({
      cpu: Number(keys.cpu),
      state: keys.state ?? '',
      ms: aggregates.totalMs,
      percent: aggregates.percent,
    }))
    .sort((a, b) => a.cpu - b.cpu || a.state.localeCompare(b.state, 'en'));
  const stats = await session.query({
    kind: 'idleStats',
    filter: {
      ...(options.range !== undefined ? { range: options.range } : {}),
      ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    },
    perCpu: true,
    buckets: 1,
  });
  return {
    range: { startSeconds: range.start / 1e9, endSeconds: range.end / 1e9 },
    rows,
    ...(stats.actual.length > 0 ? { states: stats.actual } : {}),
    ...(stats.target.length > 0 ? { target: stats.target } : {}),
    ...(stats.deepIdleHint !== undefined ? { deepIdleHint: stats.deepIdleHint } : {}),
  };
}

export function idleCsv(result: IdleResult): CsvTable {
  return {
    columns: ['CPU', 'Idle State', 'Duration (ms)', '% Duration'],
    rows: result.rows.map((r) => [r.cpu, r.state, fixed(r.ms, 3), fixed(r.percent, 3)]),
  };
}

export function formatIdleTable(result: IdleResult): string {
  const states = [...new Set(result.rows.map((r) => r.state))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const cpus = [...new Set(result.rows.map((r) => r.cpu))].sort((a, b) => a - b);
  const cell = new Map(result.rows.map((r) => [`${r.cpu}/${r.state}`, r]));
  return renderTable(
    [
      { title: 'CPU', align: 'right' },
      ...states.flatMap((s): TextColumn[] => [
        { title: `${s} ms`, align: 'right' },
        { title: `${s} %`, align: 'right' },
      ]),
    ],
    cpus.map((c) => [
      String(c),
      ...states.flatMap((s) => {
        const r = cell.get(`${c}/${s}`);
        return [fixed(r?.ms ?? 0, 1), fixed(r?.percent ?? 0, 1)];
      }),
    ]),
  );
}

export function formatIdle(result: IdleResult, fileName: string): string {
  const lines = [
    `C-state residency — ${fileName}, ${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s`,
    '',
  ];
  lines.push(
    result.rows.length === 0
      ? 'Not recorded: the trace has no idle enter/exit events and no context switches (record IDLE_STATES or CSWITCH).'
      : formatIdleTable(result),
  );
  if (result.deepIdleHint !== undefined) lines.push('', result.deepIdleHint);
  return lines.join('\n');
}

export const idleCommand = traceCommand(
  {
    name: 'idle',
    files: 'one',
    flags: ['--range', '--cpus', '--json', '--csv', '--workers'],
    usage: '  etlscope idle FILE [options]                C-state residency per CPU',
  },
  async ({ session, options, fileName, io }) => {
    const result = await idle(session, options);
    printTable(io, options, {
      csv: () => idleCsv(result),
      rowNoun: 'C-state rows',
      json: result,
      text: () => formatIdle(result, fileName),
    });
  },
);
