// Command-line argument parsing for `etlscope` (pure: no I/O), so every flag's rules are unit-tested.
// Each command declares the flags it accepts (its CommandSpec, in its own file under commands/);
// a flag a command does not use is refused with a message naming the command's own flags, so no
// flag is ever accepted and ignored. `--flag value` and `--flag=value` are the same.
import {
  LIST_TABLES,
  STACK_VIEWS,
  type GroupColumn,
  type ListTableId,
  type StackView,
} from '../../shared/contract.js';
import { parseTimeToNs, type TimeRange, type TraceNs } from '../../shared/units.js';
import { parseByteSize } from '../server/upload-limit.js';

/** Every flag etlscope knows; a command accepts a subset (CommandSpec.flags). */
export type Flag =
  | '--json'
  | '--rows'
  | '--range'
  | '--cpus'
  | '--type'
  | '--by'
  | '--csv'
  | '--port'
  | '--workers'
  | '--symbols'
  | '--dpc-isr'
  | '--cpu'
  | '--view'
  | '--focus'
  | '--process'
  | '--depth'
  | '--max-nodes'
  | '--out'
  | '--format'
  | '--tables'
  | '--thread'
  | '--max-upload';

/** Values a flag takes (0: a switch; --range takes START END). */
const FLAG_ARITY: Readonly<Record<Flag, 0 | 1 | 2>> = {
  '--json': 0,
  '--rows': 0,
  '--range': 2,
  '--cpus': 1,
  '--type': 1,
  '--by': 1,
  '--csv': 1,
  '--port': 1,
  '--workers': 1,
  '--symbols': 1,
  '--dpc-isr': 0,
  '--cpu': 0,
  '--view': 1,
  '--focus': 1,
  '--process': 1,
  '--depth': 1,
  '--max-nodes': 1,
  '--out': 1,
  '--format': 1,
  '--tables': 1,
  '--thread': 1,
  '--max-upload': 1,
};

/** How a required flag's value is named in the message that asks for it. */
const REQUIRED_VALUE: Readonly<Partial<Record<Flag, string>>> = { '--out': 'DIR', '--thread': 'TID' };

/** What a command takes besides flags. */
export interface CommandSpec {
  readonly name: string;
  /** 'one': exactly one FILE; 'optional': zero or one; 'many': one or more; 'none'. */
  readonly files: 'one' | 'optional' | 'many' | 'none';
  readonly flags: readonly Flag[];
  /** Flags the command cannot run without (delays: --thread). */
  readonly required?: readonly Flag[];
  /** A second positional word after FILE (list: the table). */
  readonly positional?: { readonly name: string; readonly choices: readonly string[] };
}

export type ExportTable = 'dpc' | 'cpu' | 'idle' | 'threads' | 'samples' | 'images' | 'processes';
export const EXPORT_TABLES: readonly ExportTable[] = [
  'dpc',
  'cpu',
  'idle',
  'threads',
  'samples',
  'images',
  'processes',
];

export interface CliOptions {
  readonly command: string;
  /** The first FILE (every command but export reads one). */
  readonly file?: string;
  /** Every FILE given (export takes many). */
  readonly files: readonly string[];
  /** Flags given on the command line, for checks that depend on the trace (range, CPUs). */
  readonly given: ReadonlySet<Flag>;
  readonly json: boolean;
  readonly range?: TimeRange;
  readonly cpus?: readonly number[];
  readonly type: 'dpc' | 'isr' | 'all';
  readonly by: readonly GroupColumn[];
  /** CSV destination; '-' is standard output. */
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
  /** `export`: destination folder, file format and tables. */
  readonly out?: string;
  readonly format: 'parquet' | 'csv';
  readonly tables: readonly ExportTable[];
  /** `delays`: the thread (TID). */
  readonly thread?: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const BY_COLUMNS: readonly GroupColumn[] = ['module', 'function', 'cpu', 'type'];

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

function positiveInt(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} takes 1..${max}`);
  return n;
}

/** `--flag=value` → ['--flag', 'value']; everything else unchanged. */
function splitEquals(argv: readonly string[]): string[] {
  return argv.flatMap((arg) => {
    const m = /^(--[a-z][a-z-]*)=(.*)$/s.exec(arg);
    return m === null ? [arg] : [m[1]!, m[2]!];
  });
}

export function parseArgs(argv: readonly string[], commands: readonly CommandSpec[]): CliOptions {
  const [first, ...restRaw] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return defaults('help');
  if (first === '--version' || first === '-v' || first === 'version') return defaults('version');
  const spec = commands.find((c) => c.name === first);
  if (spec === undefined) throw new UsageError(`unknown command "${first}"; try: etlscope help`);
  const rest = splitEquals(restRaw);
  const files: string[] = [];
  const given = new Set<Flag>();
  let positional: string | undefined;
  const o: {
    -readonly [K in keyof CliOptions]: CliOptions[K];
  } = { ...defaults(spec.name), given };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '-' || !arg.startsWith('-')) {
      if (spec.files === 'none') throw new UsageError(`unexpected argument "${arg}"`);
      if (files.length === 0 || spec.files === 'many') files.push(arg);
      else if (spec.positional !== undefined && positional === undefined) {
        if (!spec.positional.choices.includes(arg))
          throw new UsageError(
            `etlscope ${spec.name}: "${arg}" is not a ${spec.positional.name}; one of ${spec.positional.choices.join(', ')}`,
          );
        positional = arg;
      } else throw new UsageError(`unexpected argument "${arg}"`);
      continue;
    }
    if (!(arg in FLAG_ARITY)) throw new UsageError(`unknown option ${arg}; try: etlscope help`);
    const flag = arg as Flag;
    if (!spec.flags.includes(flag)) {
      throw new UsageError(
        `${flag} is not an option of etlscope ${spec.name}` +
          (spec.flags.length > 0 ? ` (its options: ${spec.flags.join(' ')})` : ' (it takes no options)'),
      );
    }
    given.add(flag);
    const values: string[] = [];
    for (let k = 0; k < FLAG_ARITY[flag]; k++) {
      const next = rest[++i];
      if (next === undefined)
        throw new UsageError(`${flag} needs ${FLAG_ARITY[flag] === 2 ? 'two values' : 'a value'}`);
      values.push(next);
    }
    const value = values[0]!;
    switch (flag) {
      case '--json':
        o.json = true;
        break;
      case '--rows':
        o.rows = true;
        break;
      case '--range': {
        const start = parseTime(values[0], 'start');
        const end = parseTime(values[1], 'end');
        if (end <= start) throw new UsageError('--range END must be after START');
        o.range = { start, end };
        break;
      }
      case '--cpus':
        o.cpus = parseCpuList(value);
        break;
      case '--type':
        if (value !== 'dpc' && value !== 'isr' && value !== 'all')
          throw new UsageError('--type is dpc, isr or all');
        o.type = value;
        break;
      case '--by': {
        const columns = value.split(',').map((c) => c.trim());
        for (const c of columns) {
          if (!(BY_COLUMNS as readonly string[]).includes(c))
            throw new UsageError(`--by takes module, function, cpu or type, not "${c}"`);
        }
        if (new Set(columns).size !== columns.length) throw new UsageError(`--by names a column twice`);
        o.by = columns as GroupColumn[];
        break;
      }
      case '--csv':
        o.csv = value;
        break;
      case '--port': {
        const p = Number(value);
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError('--port takes 0..65535');
        o.port = p;
        break;
      }
      case '--symbols':
        o.symbols = value;
        break;
      case '--dpc-isr':
        o.stackSet = 'dpc-isr';
        break;
      case '--cpu':
        o.stackSet = 'cpu';
        break;
      case '--view':
        if (!(STACK_VIEWS as readonly string[]).includes(value))
          throw new UsageError(`--view takes ${STACK_VIEWS.join(', ')}`);
        o.view = value as StackView;
        break;
      case '--focus':
        o.focus = value;
        break;
      case '--process':
        o.process = value;
        break;
      case '--depth':
        o.depth = positiveInt(value, '--depth', 4096);
        break;
      case '--max-nodes':
        o.maxNodes = positiveInt(value, '--max-nodes', 100_000);
        break;
      case '--workers':
        o.workers = positiveInt(value, '--workers', 64);
        break;
      case '--out':
        o.out = value;
        break;
      case '--format':
        if (value !== 'parquet' && value !== 'csv') throw new UsageError('--format is parquet or csv');
        o.format = value;
        break;
      case '--max-upload': {
        const size = parseByteSize(value);
        if (size === undefined)
          throw new UsageError(`--max-upload takes a size such as 500M or 20G, not "${value}"`);
        o.maxUpload = size;
        break;
      }
      case '--thread':
        o.thread = positiveInt(value, '--thread', 0xffffffff);
        break;
      case '--tables': {
        const tables = value.split(',').map((t) => t.trim());
        for (const t of tables)
          if (!(EXPORT_TABLES as readonly string[]).includes(t))
            throw new UsageError(`--tables takes ${EXPORT_TABLES.join(',')}, not "${t}"`);
        o.tables = [...new Set(tables)] as ExportTable[];
        break;
      }
    }
  }
  if ((spec.files === 'one' || spec.files === 'many') && files.length === 0) {
    throw new UsageError(`etlscope ${spec.name} needs a FILE`);
  }
  if (spec.positional !== undefined && positional === undefined) {
    throw new UsageError(
      `etlscope ${spec.name} FILE needs a ${spec.positional.name}: ${spec.positional.choices.join(', ')}`,
    );
  }
  if (o.rows && o.csv === undefined) throw new UsageError('--rows exports rows to CSV: add --csv OUT');
  if ((o.view === 'callers' || o.view === 'callees') && o.focus === undefined)
    throw new UsageError(`--view ${o.view} needs --focus module!function`);
  for (const flag of spec.required ?? [])
    if (!given.has(flag))
      throw new UsageError(
        `etlscope ${spec.name} needs ${flag}${REQUIRED_VALUE[flag] !== undefined ? ` ${REQUIRED_VALUE[flag]}` : ''}`,
      );
  if (files[0] !== undefined) o.file = files[0];
  o.files = files;
  if (positional !== undefined) o.table = positional as ListTableId;
  return o;
}

function defaults(command: string): CliOptions {
  return {
    command,
    files: [],
    given: new Set(),
    json: false,
    type: 'all',
    by: ['module', 'function'],
    rows: false,
    stackSet: 'cpu',
    view: 'top-down',
    format: 'parquet',
    tables: EXPORT_TABLES,
  };
}

export { LIST_TABLES };
