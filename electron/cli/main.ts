// `etlscope` entry point: parses the command line against the registered commands (registry.ts),
// gives the command its I/O (trace sessions through the engine's worker pool — the same code path
// the app uses — stdout, stderr, CSV files) and runs it. Errors go to stderr in plain words with a
// non-zero exit code (2: usage); nothing here throws past main().
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TraceSession } from '../engine/session-types.js';
import { parseArgs, UsageError, type CliOptions } from './args.js';
import { CliError, type CliIo } from './command.js';
import { repoRoot } from './commands/serve.js';
import { toCsv } from './csv.js';
import { COMMANDS, usage } from './registry.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

const io: CliIo = {
  print,
  note(text) {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  async openTrace(file: string, options: CliOptions): Promise<TraceSession> {
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
  },
  async loadSymbols(session, options) {
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
  },
  writeCsv(target, table) {
    const text = toCsv(table);
    if (target === '-') process.stdout.write(text);
    else writeFileSync(target, text);
  },
};

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv, COMMANDS);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`etlscope: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.command === 'help') {
    print(usage());
    return 0;
  }
  if (options.command === 'version') {
    print(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === options.command)!;
  return (await command.run(options, io)) ?? 0;
}

function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

// Run when executed as the CLI (bin/etlscope.mjs imports this module, or its bundle).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`etlscope: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
