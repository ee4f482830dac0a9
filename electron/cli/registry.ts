// Every `etlscope` command, in the order `etlscope help` lists them. A command lives in its own
// file (commands/<name>.ts) and is registered by one line here.
import type { CliCommand } from './command.js';
import { cpuCommand } from './commands/cpu.js';
import { delaysCommand } from './commands/delays.js';
import { dpcCommand } from './commands/dpc.js';
import { exportCommand } from './commands/export.js';
import { freqCommand } from './commands/freq.js';
import { idleCommand } from './commands/idle.js';
import { infoCommand } from './commands/info.js';
import { listCommand } from './commands/list.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { stacksCommand } from './commands/stacks.js';
import { threadsCommand } from './commands/threads.js';

export const COMMANDS: readonly CliCommand[] = [
  infoCommand,
  dpcCommand,
  cpuCommand,
  idleCommand,
  reportCommand,
  listCommand,
  stacksCommand,
  threadsCommand,
  delaysCommand,
  freqCommand,
  exportCommand,
  serveCommand,
];

export function usage(): string {
  return `etlscope — Windows ETW trace analysis (DPC/ISR, CPU utilization, C-states)

Usage:
${COMMANDS.map((c) => c.usage).join('\n')}

Common options (each command accepts those its line names; others are refused):
  --range START END   time range from the trace start; suffixes s, ms, us (default seconds)
  --cpus 0,2,4-6      CPUs to include
  --json              machine-readable output
  --csv OUT           the command's table as CSV (UTF-8 with BOM, CRLF); OUT - is standard output
  --workers N         parser workers (default: chosen from the file size and cores)
  --symbols PATH      where to find symbols, _NT_SYMBOL_PATH syntax (srv*CACHE*URL;DIR;…); also read
                      from _NT_SYMBOL_PATH and <trace>.symbols/ beside the trace
  --flag=value        is the same as --flag value
`;
}
