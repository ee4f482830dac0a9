// The one CSV convention of every CSV etlscope writes (the CLI's tables and the engine's row
// export alike): UTF-8 with a byte-order mark (Excel then reads `µs` as µs, not as mojibake),
// CRLF line ends, a header row of WPA's column names with units in parentheses, RFC 4180 quoting.
import { csvField } from '../engine/engine.js';

export const CSV_BOM = '\uFEFF';
export const CSV_EOL = '\r\n';

export interface CsvTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

export function toCsv(table: CsvTable): string {
  const line = (cells: readonly (string | number | null)[]) =>
    cells.map((c) => (c === null ? '' : typeof c === 'number' ? String(c) : csvField(c))).join(',');
  return CSV_BOM + [line(table.columns), ...table.rows.map(line)].join(CSV_EOL) + CSV_EOL;
}
