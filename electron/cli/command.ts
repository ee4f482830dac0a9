// What a command is: its spec (the flags it accepts, see args.ts), its help lines and run().
// Each command lives in its own file under commands/ and is registered by one line in
// registry.ts. `traceCommand` wraps the common case (open one trace, check --range/--cpus against
// it, load symbols if the output names functions, run, close).
import type { TraceSession } from '../engine/session-types.js';
import type { CliOptions, CommandSpec } from './args.js';
import type { CsvTable } from './csv.js';
import { integer } from './text-table.js';

/** What a command may do to the outside world (main.ts implements it). */
export interface CliIo {
  /** One block of text to standard output (a newline is added when missing). */
  print(text: string): void;
  /** A line to standard error (progress, "wrote N rows to F"). */
  note(text: string): void;
  /** Opens a trace through the worker pool, with a progress line on a terminal. */
  openTrace(file: string, options: CliOptions): Promise<TraceSession>;
  /** Loads symbols (`--symbols`, `_NT_SYMBOL_PATH`, `<trace>.symbols/`) into the session. */
  loadSymbols(session: TraceSession, options: CliOptions): Promise<void>;
  /** Writes a CSV (UTF-8 BOM, CRLF) to `target`; '-' is standard output. */
  writeCsv(target: string, table: CsvTable): void;
}

export interface CliCommand extends CommandSpec {
  /** Help lines, already indented as USAGE shows them. */
  readonly usage: string;
  /** Exit code (0 when undefined). */
  run(options: CliOptions, io: CliIo): Promise<number | void>;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export interface TraceRun {
  readonly session: TraceSession;
  readonly options: CliOptions;
  readonly fileName: string;
  readonly io: CliIo;
}

/**
 * A table command's output: with `--csv OUT` the table as CSV (to a file: "wrote N <noun> to OUT"
 * on stderr; to `-`: nothing else, so standard output stays one CSV), then the result as JSON
 * (`--json`) or text.
 */
export function printTable(
  io: CliIo,
  options: CliOptions,
  output: {
    readonly csv: () => CsvTable;
    readonly rowNoun: string;
    readonly json: unknown;
    readonly text: () => string;
  },
): void {
  if (options.csv !== undefined) {
    const table = output.csv();
    io.writeCsv(options.csv, table);
    if (options.csv === '-') return;
    io.note(`wrote ${integer(table.rows.length)} ${output.rowNoun} to ${options.csv}`);
  }
  io.print(options.json ? JSON.stringify(output.json, null, 2) : output.text());
}

/** A command over one trace: `body` gets the open session; the session is closed afterwards. */
export function traceCommand(
  spec: CommandSpec & { readonly usage: string; readonly namesFunctions?: boolean },
  body: (run: TraceRun) => Promise<number | void>,
): CliCommand {
  return {
    ...spec,
    async run(options, io) {
      const session = await io.openTrace(options.file!, options);
      try {
        checkAgainstTrace(session, options);
        if (spec.namesFunctions === true) await io.loadSymbols(session, options);
        const fileName = options.file!.split(/[\\/]/).pop()!;
        return await body({ session, options, fileName, io });
      } finally {
        await session.close();
      }
    },
  };
}

/** `--range` and `--cpus` must name parts of this trace (a typo should not print an empty table). */
export function checkAgainstTrace(session: TraceSession, options: CliOptions): void {
  const { durationNs, cpuCount } = session.summary;
  if (options.range !== undefined && options.range.start >= durationNs) {
    throw new CliError(
      `--range starts at ${(options.range.start / 1e9).toFixed(3)} s, after the trace ends (${(durationNs / 1e9).toFixed(3)} s)`,
    );
  }
  if (options.range !== undefined && options.range.end > durationNs + 1) {
    throw new CliError(
      `--range ends at ${(options.range.end / 1e9).toFixed(3)} s, after the trace ends (${(durationNs / 1e9).toFixed(3)} s)`,
    );
  }
  const missing = (options.cpus ?? []).filter((c) => c >= cpuCount);
  if (missing.length > 0) {
    throw new CliError(
      `--cpus ${missing.join(',')}: the trace has CPUs 0–${cpuCount - 1} (${cpuCount} CPUs)`,
    );
  }
}
