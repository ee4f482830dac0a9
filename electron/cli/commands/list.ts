// `etlscope list FILE processes|threads|images|events`: the trace's processes, threads (with CPU
// usage, precise or sampled), images or event kinds, as a table, JSON or CSV.
import { LIST_TABLES, type ListResult } from '../../../shared/contract.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { printTable, traceCommand } from '../command.js';
import type { CsvTable } from '../csv.js';
import { fixed, integer, renderTable, type TextColumn } from '../text-table.js';

/** Every row of a list table (the engine bounds one answer to 100,000 rows). */
export async function list(session: TraceSession, options: CliOptions): Promise<ListResult> {
  return session.query({
    kind: 'list',
    table: options.table!,
    ...(options.range !== undefined ? { filter: { range: options.range } } : {}),
    limit: 100_000,
  });
}

export function listCsv(result: ListResult): CsvTable {
  return { columns: result.columns, rows: result.rows };
}

export function formatList(result: ListResult): string {
  const numeric = result.columns.map(
    (_, i) => result.rows.length > 0 && result.rows.every((r) => typeof r[i] === 'number' || r[i] === ''),
  );
  const text = renderTable(
    result.columns.map((title, i): TextColumn => ({ title, align: numeric[i] ? 'right' : 'left' })),
    result.rows.map((r) =>
      r.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fixed(v, 6)) : v)),
    ),
  );
  const omitted = result.totalRows - result.rows.length;
  return omitted > 0 ? `${text}\n(${integer(omitted)} more rows not shown)` : text;
}

export const listCommand = traceCommand(
  {
    name: 'list',
    files: 'one',
    namesFunctions: true,
    positional: { name: 'table', choices: LIST_TABLES },
    flags: ['--range', '--json', '--csv', '--symbols', '--workers'],
    usage: `  etlscope list FILE processes|threads|images|events [--range …] [--csv OUT]
                                              the trace's processes, threads, images or event kinds`,
  },
  async ({ session, options, io }) => {
    const result = await list(session, options);
    printTable(io, options, {
      csv: () => listCsv(result),
      rowNoun: `${options.table} rows`,
      json: result,
      text: () => formatList(result),
    });
  },
);
