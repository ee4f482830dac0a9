// `etlscope` entry point: parses the command line, loads the trace through the engine's worker
// pool (the same code path the app uses), runs one command and prints text, JSON or CSV.
// Errors go to stderr in plain words with a non-zero exit code; nothing here throws past main().

import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceSession } from '../engine/session-types.js';
import { parseArgs, USAGE, UsageError, type CliOptions } from './args.js';
import {
  cpu,
  dpc,
  dpcCsv,
  filterFromOptions,
  formatCpu,
  formatDpc,
  formatIdle,
  formatInfo,
  formatList,
  idle,
  info,
  list,
  report,
} from './commands.js';
import { runDelaysCommand } from './delays.js';
import { runFreqCommand } from './freq.js';
import { formatStacks, stacks } from './stacks.js';
import { runThreadsCommand } from './threads.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function openSession(file: string, options: CliOptions): Promise<TraceSession> {
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  if (!statSync(file).isFile()) throw new CliError(`not a file: ${file}`);
  const { openTraceSession } = await import('../worker/index.js');
  const showProgress = process.stderr.isTTY && !options.json;
  const session = await openTraceSession(path.resolve(file), {
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    onProgress: showProgress
      ? (p) => {
          if (p.totalBytes > 0)
            process.stderr.write(`\rreading ${file}: ${Math.floor((100 * p.bytesRead) / p.totalBytes)} %`);
        }
      : undefined,
  });
  if (showProgress) process.stderr.write('\r\x1b[K');
  return session;
}

/** Commands whose output names functions: they load symbols first (the rest never need them). */
const NAMES_FUNCTIONS: readonly CliOptions['command'][] = ['dpc', 'stacks', 'report', 'list'];

/** `--symbols PATH`, `_NT_SYMBOL_PATH` and `<trace>.symbols/`: PDBs, Breakpad and side files. */
async function loadSymbols(session: TraceSession, options: CliOptions): Promise<void> {
  const showProgress = process.stderr.isTTY && !options.json;
  const result = await session.loadSymbols(
    options.symbols !== undefined ? { symbolPath: options.symbols } : {},
    {
      onProgress: showProgress
        ? (p) =>
            process.stderr.write(
              `\rsymbols: ${p.filesDone} of ${p.filesTotal} PDBs${p.current !== undefined ? ` (${p.current})` : ''}\x1b[K`,
            )
        : undefined,
    },
  );
  if (showProgress) process.stderr.write('\r\x1b[K');
  for (const problem of result.problems) process.stderr.write(`etlscope: symbol path: ${problem}\n`);
}

class CliError extends Error {
  override readonly name = 'CliError';
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function exportRows(session: TraceSession, options: CliOptions, out: string): Promise<number> {
  const { rows } = await session.exportCsv(
    { traceId: 'cli', what: 'rows', table: 'dpcIsr', filter: filterFromOptions(options) },
    path.resolve(out),
  );
  return rows;
}

/** How long Ctrl+C / SIGTERM waits for the server to close its sessions before exiting anyway. */
const SERVE_STOP_TIMEOUT_MS = 5000;

async function serve(options: CliOptions): Promise<void> {
  const { startServer, defaultStaticDir } = await import('../server/index.js');
  const { openTraceSession } = await import('../worker/index.js');
  const file = options.file !== undefined ? path.resolve(options.file) : undefined;
  if (file !== undefined && !existsSync(file)) throw new CliError(`no such file: ${options.file}`);
  if (!existsSync(path.join(defaultStaticDir(), 'index.html'))) {
    // A fresh checkout whose `npm install` skipped the build (e.g. --ignore-scripts): build now.
    process.stderr.write('etlscope: building the user interface first (dist/renderer is missing)…\n');
    const { spawnSync } = await import('node:child_process');
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
    if (built.status !== 0)
      throw new CliError('could not build the user interface (node scripts/build.mjs failed)');
  }
  const server = await startServer({
    openSession: openTraceSession,
    ...(file !== undefined ? { file } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.symbols !== undefined ? { symbolPath: options.symbols } : {}),
    ...(options.maxUpload !== undefined ? { maxUploadBytes: options.maxUpload } : {}),
  });
  print(`etlscope is serving on ${server.url}`);
  print('Open that address in a browser (the token in it keeps other local users out). Ctrl+C stops.');
  const stop = () => {
    // close() removes the temp folder; if it hangs (a wedged worker), the process 'exit' hook
    // still removes it when the timer ends the process.
    setTimeout(() => process.exit(0), SERVE_STOP_TIMEOUT_MS).unref();
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<never>(() => undefined);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`etlscope: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.command === 'help') {
    print(USAGE);
    return 0;
  }
  if (options.command === 'version') {
    print(version());
    return 0;
  }
  if (options.command === 'serve') {
    await serve(options);
    return 0;
  }
  const file = options.file!;
  const fileName = path.basename(file);
  const session = await openSession(file, options);
  try {
    if (NAMES_FUNCTIONS.includes(options.command)) await loadSymbols(session, options);
    switch (options.command) {
      case 'info': {
        const result = info(session.summary);
        print(options.json ? JSON.stringify(result, null, 2) : formatInfo(result));
        break;
      }
      case 'dpc': {
        if (options.rows) {
          const rows = await exportRows(session, options, options.csv!);
          process.stderr.write(`wrote ${rows} DPC/ISR rows to ${options.csv}\n`);
          break;
        }
        const result = await dpc(session, options);
        if (options.csv !== undefined) {
          writeFileSync(options.csv, dpcCsv(result));
          process.stderr.write(`wrote ${result.rows.length} grouped rows to ${options.csv}\n`);
        }
        print(options.json ? JSON.stringify(result, null, 2) : formatDpc(result, fileName));
        break;
      }
      case 'cpu': {
        const result = await cpu(session, options);
        print(options.json ? JSON.stringify(result, null, 2) : formatCpu(result, fileName));
        break;
      }
      case 'idle': {
        const result = await idle(session, options);
        print(options.json ? JSON.stringify(result, null, 2) : formatIdle(result, fileName));
        break;
      }
      case 'stacks': {
        const output = await stacks(session, options);
        print(options.json ? JSON.stringify({ tree: output.tree }) : formatStacks(output, fileName));
        break;
      }
      case 'list': {
        const result = await list(session, options);
        print(options.json ? JSON.stringify(result, null, 2) : formatList(result));
        break;
      }
      case 'threads':
        print(await runThreadsCommand(session, options, fileName));
        break;
      case 'delays':
        print(await runDelaysCommand(session, options, fileName));
        break;
      case 'freq':
        print(await runFreqCommand(session, options, fileName));
        break;
      case 'report': {
        const text = await report(session, options, fileName);
        if (options.csv !== undefined) createWriteStream(options.csv).end(text);
        print(text);
        break;
      }
      default:
        throw new CliError(`unhandled command ${options.command}`);
    }
  } finally {
    await session.close();
  }
  return 0;
}

function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

// Run when executed as the CLI (bin/etlscope.mjs imports this module).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`etlscope: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
