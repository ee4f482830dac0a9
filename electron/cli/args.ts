// Command-line argument parsing for `etlscope` (pure: no I/O), so every flag's rules are unit-tested.
//   etlscope info FILE [--json]
//   etlscope dpc FILE [--range START END] [--cpus 0,2,4] [--type dpc|isr|all] [--by module|module,function|cpu]
//                     [--json] [--csv OUT] [--rows]
//   etlscope cpu FILE [--range START END] [--cpus …] [--json]
//   etlscope idle FILE [--range START END] [--cpus …] [--json]
//   etlscope report FILE [--range START END] [--cpus …]
//   etlscope list FILE processes|threads|images|events [--range START END] [--json]
//   etlscope stacks FILE [--dpc-isr | --cpu] [--view top-down|bottom-up|callers|callees] [--focus F]
//                        [--range START END] [--cpus …] [--process NAME] [--depth N] [--max-nodes N] [--json]
//   etlscope serve [FILE] [--port N] [--max-upload SIZE]
//   every command that reads a trace: [--symbols PATH] (symbol path, `_NT_SYMBOL_PATH` syntax)
import {
  LIST_TABLES,
  STACK_VIEWS,
  type GroupColumn,
  type ListTableId,
  type StackView,
} from '../../shared/contract.js';
import { parseTimeToNs, type TimeRange, type TraceNs } from '../../shared/units.js';
import { parseByteSize } from '../server/upload-limit.js';

export type CommandName =
  | 'info'
  | 'dpc'
  | 'cpu'
  | 'idle'
  | 'report'
  | 'list'
  | 'stacks'
  | 'threads'
  | 'delays'
  | 'freq'
  | 'serve'
  | 'help'
  | 'version';

export interface CliOptions {
  readonly command: CommandName;
  readonly file?: string;
  readonly json: boolean;
  readonly range?: TimeRange;
  readonly cpus?: readonly number[];
  readonly type: 'dpc' | 'isr' | 'all';
  readonly by: readonly GroupColumn[];
  readonly csv?: string;
  readonly rows: boolean;
  readonly port?: number;
  /** `serve --max-upload SIZE`: the largest trace a page may upload, in bytes. */
  readonly maxUpload?: number;
  readonly workers?: number;
  /** `list`: which table. */
  readonly table?: ListTableId;
  /** Symbol path (`--symbols`), in `_NT_SYMBOL_PATH` syntax. */
  readonly symbols?: string;
  /** `stacks`: samples taken in DPCs/ISRs by module, or all samples by process. */
  readonly stackSet: 'dpc-isr' | 'cpu';
  readonly view: StackView;
  readonly focus?: string;
  readonly process?: string;
  readonly depth?: number;
  readonly maxNodes?: number;
  /** `delays`: the thread (TID). */
  readonly thread?: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const COMMANDS: readonly CommandName[] = [
  'info',
  'dpc',
  'cpu',
  'idle',
  'report',
  'list',
  'stacks',
  'threads',
  'delays',
  'freq',
  'serve',
  'help',
  'version',
];
const BY_COLUMNS: readonly GroupColumn[] = ['module', 'function', 'cpu', 'type'];

export const USAGE = `etlscope — Windows ETW trace analysis (DPC/ISR, CPU utilization, C-states)

Usage:
  etlscope info FILE [--json]                 header facts and event counts
  etlscope dpc FILE [options]                 DPC/ISR durations grouped (xperf -a dpcisr style)
      --type dpc|isr|all                      which routines (default all)
      --by module|module,function|cpu         grouping (default module,function)
      --rows --csv OUT                        export every DPC/ISR row to CSV
      --csv OUT                               export the grouped table to CSV
  etlscope cpu FILE [options]                 utilization per CPU and the DPC/ISR share
  etlscope idle FILE [options]                C-state residency per CPU
  etlscope report FILE [options]              one text report (DPC/ISR, CPU, idle, guideline verdict)
  etlscope list FILE processes|threads|images|events [--range …]
                                              the trace's processes, threads, images or event kinds
  etlscope stacks FILE [options]              stack tree (WPA: DPC/ISR Usage by Module, Stack; Utilization
                                              by Process, Stack)
      --dpc-isr | --cpu                       samples taken in DPCs/ISRs by module of the sampled address,
                                              or every sample by process (default --cpu)
      --view top-down|bottom-up|callers|callees   (callers/callees need --focus module!function)
      --process NAME                          only samples of that process (e.g. sqlservr.exe)
      --depth N                               stack levels shown (default all)
      --max-nodes N                           tree nodes shown, heaviest first (default 100000)
  etlscope threads FILE [--process NAME] [--csv OUT]
                                              one row per thread: switches, running, ready, waiting (CPU
                                              Usage (Precise)); names a lock convoy when it sees one
  etlscope delays FILE --thread TID           who delayed my thread: DPCs/ISRs by module and threads that
                                              ran on its CPU while it was ready
  etlscope freq FILE                          processor performance states: time at each, per CPU
  etlscope serve [FILE] [--port N]            browser mode on http://127.0.0.1 (token in the URL)
      --max-upload SIZE                       largest trace a page may upload (e.g. 20G; default half
                                              the free space at the temp folder, at most 64G)

Common options:
  --range START END   time range from the trace start; suffixes s, ms, us (default seconds)
  --cpus 0,2,4-6      CPUs to include
  --json              machine-readable output
  --workers N         parser workers (default: chosen from the file size and cores)
  --symbols PATH      where to find symbols, _NT_SYMBOL_PATH syntax (srv*CACHE*URL;DIR;…); also read
                      from _NT_SYMBOL_PATH and <trace>.symbols/ beside the trace
`;

function parseCpuList(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    const range = /^(\d+)-(\d+)$/.exec(trimmed);
    if (range !== null) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from || to - from > 4096) throw new UsageError(`bad CPU range "${trimmed}"`);
      for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
    } else if (/^\d+$/.test(trimmed)) {
      cpus.add(Number(trimmed));
    } else {
      throw new UsageError(`bad CPU "${trimmed}" in --cpus (expected e.g. 0,2,4-6)`);
    }
  }
  return [...cpus].sort((a, b) => a - b);
}

function parseTime(text: string | undefined, what: string): TraceNs {
  const value = text === undefined ? undefined : parseTimeToNs(text);
  if (value === undefined || value < 0) {
    throw new UsageError(`bad ${what} time "${text ?? ''}" (expected e.g. 1.5, 1500ms, 250us)`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return defaults('help');
  if (first === '--version' || first === '-v') return defaults('version');
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command "${first}"; try: etlscope help`);
  }
  const command = first as CommandName;
  let file: string | undefined;
  let json = false;
  let rows = false;
  let range: TimeRange | undefined;
  let cpus: number[] | undefined;
  let type: CliOptions['type'] = 'all';
  let by: GroupColumn[] = ['module', 'function'];
  let csv: string | undefined;
  let port: number | undefined;
  let maxUpload: number | undefined;
  let workers: number | undefined;
  let table: ListTableId | undefined;
  let symbols: string | undefined;
  let stackSet: CliOptions['stackSet'] = 'cpu';
  let view: StackView = 'top-down';
  let focus: string | undefined;
  let process: string | undefined;
  let depth: number | undefined;
  let maxNodes: number | undefined;
  let thread: number | undefined;
  const positiveInt = (text: string, flag: string, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} takes 1..${max}`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (): string => {
      const next = rest[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--json':
        json = true;
        break;
      case '--rows':
        rows = true;
        break;
      case '--range': {
        const start = parseTime(rest[++i], 'start');
        const end = parseTime(rest[++i], 'end');
        if (end <= start) throw new UsageError('--range END must be after START');
        range = { start, end };
        break;
      }
      case '--cpus':
        cpus = parseCpuList(value());
        break;
      case '--type': {
        const t = value();
        if (t !== 'dpc' && t !== 'isr' && t !== 'all') throw new UsageError('--type is dpc, isr or all');
        type = t;
        break;
      }
      case '--by': {
        const columns = value()
          .split(',')
          .map((c) => c.trim());
        for (const c of columns) {
          if (!(BY_COLUMNS as readonly string[]).includes(c))
            throw new UsageError(`--by takes module, function, cpu or type, not "${c}"`);
        }
        by = columns as GroupColumn[];
        break;
      }
      case '--csv':
        csv = value();
        break;
      case '--port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError('--port takes 0..65535');
        port = p;
        break;
      }
      case '--max-upload': {
        const text = value();
        maxUpload = parseByteSize(text);
        if (maxUpload === undefined)
          throw new UsageError(`--max-upload takes a size such as 500M or 20G, not "${text}"`);
        break;
      }
      case '--symbols':
        symbols = value();
        break;
      case '--dpc-isr':
        stackSet = 'dpc-isr';
        break;
      case '--cpu':
        stackSet = 'cpu';
        break;
      case '--view': {
        const v = value();
        if (!(STACK_VIEWS as readonly string[]).includes(v))
          throw new UsageError(`--view takes ${STACK_VIEWS.join(', ')}`);
        view = v as StackView;
        break;
      }
      case '--focus':
        focus = value();
        break;
      case '--process':
        process = value();
        break;
      case '--depth':
        depth = positiveInt(value(), '--depth', 4096);
        break;
      case '--max-nodes':
        maxNodes = positiveInt(value(), '--max-nodes', 100_000);
        break;
      case '--thread':
        thread = positiveInt(value(), '--thread', 0xffffffff);
        break;
      case '--workers': {
        const w = Number(value());
        if (!Number.isInteger(w) || w < 1 || w > 64) throw new UsageError('--workers takes 1..64');
        workers = w;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (file === undefined) {
          file = arg;
        } else if (
          command === 'list' &&
          table === undefined &&
          (LIST_TABLES as readonly string[]).includes(arg)
        ) {
          table = arg as ListTableId;
        } else {
          throw new UsageError(`unexpected argument "${arg}"`);
        }
    }
  }
  if (command !== 'serve' && command !== 'help' && command !== 'version' && file === undefined) {
    throw new UsageError(`etlscope ${command} needs a FILE`);
  }
  if (command === 'list' && table === undefined) {
    throw new UsageError(`etlscope list FILE needs a table: ${LIST_TABLES.join(', ')}`);
  }
  if (rows && csv === undefined) throw new UsageError('--rows exports rows to CSV: add --csv OUT');
  if (command === 'stacks' && (view === 'callers' || view === 'callees') && focus === undefined)
    throw new UsageError(`--view ${view} needs --focus module!function`);
  if (command === 'delays' && thread === undefined)
    throw new UsageError('etlscope delays FILE needs --thread TID');
  const stackOnly = {
    '--view': view !== 'top-down',
    '--focus': focus,
    '--process': command === 'threads' ? undefined : process,
    '--depth': depth,
    '--max-nodes': maxNodes,
  };
  if (maxUpload !== undefined && command !== 'serve')
    throw new UsageError('--max-upload is an option of etlscope serve');
  if (command !== 'stacks')
    for (const [flag, given] of Object.entries(stackOnly))
      if (given !== undefined && given !== false)
        throw new UsageError(`${flag} is an option of etlscope stacks`);
  return {
    command,
    file,
    json,
    range,
    cpus,
    type,
    by,
    csv,
    rows,
    port,
    workers,
    table,
    stackSet,
    view,
    ...(symbols !== undefined ? { symbols } : {}),
    ...(maxUpload !== undefined ? { maxUpload } : {}),
    ...(focus !== undefined ? { focus } : {}),
    ...(process !== undefined ? { process } : {}),
    ...(depth !== undefined ? { depth } : {}),
    ...(maxNodes !== undefined ? { maxNodes } : {}),
    ...(thread !== undefined ? { thread } : {}),
  };
}

function defaults(command: CommandName): CliOptions {
  return {
    command,
    json: false,
    type: 'all',
    by: ['module', 'function'],
    rows: false,
    stackSet: 'cpu',
    view: 'top-down',
  };
}
