// Runtime validation of every request that reaches the backend. The renderer is untrusted: a
// compromised page can send any structured-clone value (Electron IPC) or any JSON (WebSocket).
// Each validator checks the shape and bounds and returns a *fresh* object holding only the known
// fields, so nothing unexpected (extra keys, huge arrays, NaN) reaches the engine.
// Failures throw BackendError('bad-request') naming the offending field.

import {
  DPC_EVENT_SORTS,
  LIST_COLUMNS,
  MAX_DPC_EVENTS,
  MAX_SERIES_DECIMALS,
  LIST_TABLES,
  STACK_VIEWS,
  TABLE_COLUMNS,
  type ChannelMap,
  type ExportRequest,
  type GroupColumn,
  type HistogramScheme,
  type ListFilter,
  type ListQuery,
  type Query,
  type QueryFilter,
  type SchedFilter,
  type SchedQuery,
  SWITCH_COLUMNS,
  type SeriesMetric,
  type SortKey,
  type TableId,
  type TraceSource,
} from '../../shared/contract.js';
import { traceNs, type TimeRange } from '../../shared/units.js';
import { badRequest } from './errors.js';

/** Request and trace ids are short tokens; 128 chars is far above any UUID or counter. */
const MAX_ID_LENGTH = 128;
/** Longest path any OS accepts (Windows extended paths are 32,767 UTF-16 units). */
const MAX_PATH_LENGTH = 32_767;
/** File names shown to the user; 1024 bytes is above every filesystem's name limit (255). */
const MAX_NAME_LENGTH = 1024;
/** CPUs a Windows machine can have (processor groups × 64); also bounds the cpus array. */
const MAX_CPUS = 4096;
/** Values in one include/exclude list: a user ticking every function of a big trace stays below. */
const MAX_FILTER_VALUES = 100_000;
/** One module/function/process name; symbols longer than this are not real. */
const MAX_FILTER_VALUE_LENGTH = 4096;
/** Contract: at most 10,000 buckets per series. */
const MAX_SERIES_BUCKETS = 10_000;
/** Pivot children per level; the UI asks for 500, 100k keeps a result bounded (~10 MB JSON). */
const MAX_LIMIT_PER_LEVEL = 100_000;
/** Rows of one list query; same bound as a pivot level (the engine enforces it too). */
const MAX_LIST_ROWS = 100_000;
/** Stack frames below the groups: deeper than any real stack (Windows walks at most 192 frames, kernel + user). */
const MAX_STACK_DEPTH = 4096;
/** Nodes of one stack tree result (~10 MB of JSON at most; the engine enforces it too). */
const MAX_STACK_NODES = 100_000;

const TABLES: readonly TableId[] = ['dpcIsr', 'cpuPrecise', 'cpuSampled', 'idleStates'];
const GROUP_COLUMNS: readonly GroupColumn[] = [
  'cpu',
  'type',
  'module',
  'function',
  'process',
  'thread',
  'dpcIsr',
  'state',
];
const SORT_KEYS: readonly SortKey[] = [
  'key',
  'count',
  'totalMs',
  'minUs',
  'maxUs',
  'avgUs',
  'p50Us',
  'p90Us',
  'p99Us',
  'overBudget',
  'percent',
];
const SCHEMES: readonly HistogramScheme[] = ['doubling', 'latencymon'];
const METRICS: readonly SeriesMetric[] = ['utilization', 'dpcIsrTime', 'cstate', 'dpcDurations'];

type Dict = Readonly<Record<string, unknown>>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, what: string): Dict {
  if (!isDict(value)) throw badRequest(`${what} must be an object`);
  return value;
}

export function expectId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw badRequest(`${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  return value;
}

function expectOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badRequest(`${what} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function expectFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw badRequest(`${what} must be a finite number`);
  return value;
}

function expectInteger(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function expectString(value: unknown, maxLength: number, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength)
    throw badRequest(`${what} must be a non-empty string of at most ${maxLength} characters`);
  return value;
}

/** Any string up to `maxLength` (may be empty), without NUL. */
function expectText(value: unknown, maxLength: number, what: string): string {
  if (typeof value !== 'string' || value.length > maxLength || value.includes('\0'))
    throw badRequest(`${what} must be a string of at most ${maxLength} characters`);
  return value;
}

function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw badRequest(`${what} must be true or false`);
  return value;
}

/** A path the user chose (argv, dialog, a dropped file): absolute, no NUL, bounded. */
export function expectAbsolutePath(value: unknown, what: string, isAbsolute: (p: string) => boolean): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_PATH_LENGTH ||
    value.includes('\0')
  ) {
    throw badRequest(`${what} must be a file path`);
  }
  if (!isAbsolute(value)) throw badRequest(`${what} must be an absolute path`);
  return value;
}

export function validateSource(value: unknown, isAbsolute: (p: string) => boolean): TraceSource {
  const source = expectObject(value, 'source');
  const kind = expectOneOf(source.kind, ['path', 'upload', 'sample'] as const, 'source.kind');
  if (kind === 'path') return { kind, path: expectAbsolutePath(source.path, 'source.path', isAbsolute) };
  if (kind === 'upload') {
    const name = source.name;
    if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || name.includes('\0')) {
      throw badRequest('source.name must be a file name');
    }
    return { kind, uploadId: expectId(source.uploadId, 'source.uploadId'), name };
  }
  return { kind };
}

function validateRange(value: unknown): TimeRange {
  const range = expectObject(value, 'filter.range');
  const start = expectFinite(range.start, 'filter.range.start');
  const end = expectFinite(range.end, 'filter.range.end');
  if (end < start) throw badRequest('filter.range.end must not be before filter.range.start');
  return { start: traceNs(start), end: traceNs(end) };
}

function validateColumnValues(value: unknown, what: string): Partial<Record<GroupColumn, readonly string[]>> {
  const dict = expectObject(value, what);
  const out: Partial<Record<GroupColumn, readonly string[]>> = {};
  for (const [column, values] of Object.entries(dict)) {
    const key = expectOneOf(column, GROUP_COLUMNS, `${what} column`);
    if (!Array.isArray(values) || values.length > MAX_FILTER_VALUES) {
      throw badRequest(`${what}.${key} must be a list of at most ${MAX_FILTER_VALUES} values`);
    }
    for (const v of values) {
      if (typeof v !== 'string' || v.length > MAX_FILTER_VALUE_LENGTH) {
        throw badRequest(`${what}.${key} values must be strings`);
      }
    }
    out[key] = [...(values as string[])];
  }
  return out;
}

export function validateFilter(value: unknown): QueryFilter {
  const filter = expectObject(value, 'filter');
  const out: { -readonly [K in keyof QueryFilter]: QueryFilter[K] } = {};
  if (filter.range !== undefined) out.range = validateRange(filter.range);
  if (filter.cpus !== undefined) {
    if (!Array.isArray(filter.cpus) || filter.cpus.length > MAX_CPUS) {
      throw badRequest(`filter.cpus must be a list of at most ${MAX_CPUS} CPU numbers`);
    }
    out.cpus = filter.cpus.map((cpu) => expectInteger(cpu, 0, MAX_CPUS - 1, 'filter.cpus[]'));
  }
  if (filter.include !== undefined) out.include = validateColumnValues(filter.include, 'filter.include');
  if (filter.exclude !== undefined) out.exclude = validateColumnValues(filter.exclude, 'filter.exclude');
  if (filter.durationNs !== undefined) {
    const bounds = expectObject(filter.durationNs, 'filter.durationNs');
    const durationNs: { min?: number; max?: number } = {};
    if (bounds.min !== undefined) durationNs.min = expectFinite(bounds.min, 'filter.durationNs.min');
    if (bounds.max !== undefined) durationNs.max = expectFinite(bounds.max, 'filter.durationNs.max');
    out.durationNs = durationNs;
  }
  return out;
}

function validateGroupBy(value: unknown, table: TableId, what: string): GroupColumn[] {
  if (!Array.isArray(value)) throw badRequest(`${what} must be a list of columns`);
  const allowed = TABLE_COLUMNS[table];
  const columns = value.map((c) => expectOneOf(c, allowed, `${what}[] for table ${table}`));
  if (new Set(columns).size !== columns.length) throw badRequest(`${what} lists a column twice`);
  return columns;
}

function validateListFilter(value: unknown): ListFilter {
  const filter = expectObject(value, 'filter');
  const out: { -readonly [K in keyof ListFilter]: ListFilter[K] } = {};
  if (filter.range !== undefined) out.range = validateRange(filter.range);
  if (filter.text !== undefined) {
    if (typeof filter.text !== 'string' || filter.text.length > MAX_FILTER_VALUE_LENGTH) {
      throw badRequest(`filter.text must be a string of at most ${MAX_FILTER_VALUE_LENGTH} characters`);
    }
    out.text = filter.text;
  }
  return out;
}

function validateListQuery(query: Dict): ListQuery {
  const table = expectOneOf(query.table, LIST_TABLES, 'query.table');
  return {
    kind: 'list',
    table,
    ...(query.filter !== undefined ? { filter: validateListFilter(query.filter) } : {}),
    ...(query.sortBy !== undefined
      ? { sortBy: expectOneOf(query.sortBy, LIST_COLUMNS[table], `query.sortBy for list ${table}`) }
      : {}),
    ...(query.descending !== undefined
      ? { descending: expectBoolean(query.descending, 'query.descending') }
      : {}),
    ...(query.limit !== undefined
      ? { limit: expectInteger(query.limit, 1, MAX_LIST_ROWS, 'query.limit') }
      : {}),
  };
}

/** Scheduling and power queries (issue 11): filter and the few numeric options, checked here. */
function validateSchedQuery(query: Dict, kind: SchedQuery['kind']): SchedQuery {
  const f = expectObject(query.filter, 'filter');
  const filter: { -readonly [K in keyof SchedFilter]: SchedFilter[K] } = {};
  if (f.range !== undefined) filter.range = validateRange(f.range);
  if (f.cpus !== undefined) {
    if (!Array.isArray(f.cpus) || f.cpus.length > MAX_CPUS)
      throw badRequest(`filter.cpus must be a list of at most ${MAX_CPUS} CPU numbers`);
    filter.cpus = f.cpus.map((cpu) => expectInteger(cpu, 0, MAX_CPUS - 1, 'filter.cpus[]'));
  }
  if (f.process !== undefined) {
    if (typeof f.process !== 'string' || f.process.length > MAX_FILTER_VALUE_LENGTH)
      throw badRequest('filter.process must be a short string');
    filter.process = f.process;
  }
  if (f.threadIds !== undefined) {
    if (!Array.isArray(f.threadIds) || f.threadIds.length > MAX_FILTER_VALUES)
      throw badRequest(`filter.threadIds must be a list of at most ${MAX_FILTER_VALUES} ids`);
    filter.threadIds = f.threadIds.map((t) => expectInteger(t, 0, 0xffffffff, 'filter.threadIds[]'));
  }
  const int = (name: string, min: number, max: number) =>
    query[name] !== undefined ? { [name]: expectInteger(query[name], min, max, `query.${name}`) } : {};
  switch (kind) {
    case 'switchPivot': {
      if (!Array.isArray(query.groupBy)) throw badRequest('query.groupBy must be a list of columns');
      const groupBy = query.groupBy.map((c) => expectOneOf(c, SWITCH_COLUMNS, 'query.groupBy[]'));
      if (new Set(groupBy).size !== groupBy.length) throw badRequest('query.groupBy lists a column twice');
      return {
        kind,
        filter,
        groupBy,
        ...(query.sortBy !== undefined
          ? {
              sortBy: expectOneOf(
                query.sortBy,
                [
                  'key',
                  'count',
                  'cpuUsageMs',
                  'readyUsSum',
                  'readyUsAvg',
                  'readyUsMax',
                  'waitsUsSum',
                ] as const,
                'query.sortBy',
              ),
            }
          : {}),
        ...(query.descending !== undefined
          ? { descending: expectBoolean(query.descending, 'query.descending') }
          : {}),
        ...int('limitPerLevel', 1, 100_000),
      };
    }
    case 'switchRows':
      return { kind, filter, ...int('offset', 0, 2 ** 31), ...int('limit', 1, 100_000) };
    case 'threadSummary':
      return { kind, filter };
    case 'threadTimeline':
      return {
        kind,
        filter,
        ...(query.sortBy !== undefined
          ? { sortBy: expectOneOf(query.sortBy, ['cpuUsage', 'switches'] as const, 'query.sortBy') }
          : {}),
        ...int('maxLanes', 1, 10_000),
        ...int('maxIntervalsPerLane', 1, 100_000),
      };
    case 'threadDelays':
      return {
        kind,
        filter,
        threadId: expectInteger(query.threadId, 1, 0xffffffff, 'query.threadId'),
        ...int('maxIntervals', 1, 100_000),
      };
    case 'idleStats':
      return {
        kind,
        filter,
        ...int('buckets', 1, 10_000),
        ...int('rowLimit', 0, 100_000),
        ...int('rowOffset', 0, 2 ** 31),
        ...(query.rowType !== undefined
          ? { rowType: expectOneOf(query.rowType, ['Actual', 'Target'] as const, 'query.rowType') }
          : {}),
        ...(query.perCpu !== undefined ? { perCpu: expectBoolean(query.perCpu, 'query.perCpu') } : {}),
        ...(query.withStats !== undefined
          ? { withStats: expectBoolean(query.withStats, 'query.withStats') }
          : {}),
      };
    default:
      return { kind: 'frequency', filter, ...int('maxIntervals', 1, 100_000) };
  }
}

const SCHED_QUERY_KINDS = [
  'switchPivot',
  'switchRows',
  'threadSummary',
  'threadTimeline',
  'threadDelays',
  'idleStats',
  'frequency',
] as const;

export function validateQuery(value: unknown): Query {
  const query = expectObject(value, 'query');
  if ((SCHED_QUERY_KINDS as readonly unknown[]).includes(query.kind))
    return validateSchedQuery(query, query.kind as SchedQuery['kind']);
  const kind = expectOneOf(
    query.kind,
    ['pivot', 'histogram', 'series', 'find', 'list', 'stacks', 'dpcEvents'] as const,
    'query.kind',
  );
  if (kind === 'list') return validateListQuery(query);
  const filter = validateFilter(query.filter);
  switch (kind) {
    case 'pivot': {
      const table = expectOneOf(query.table, TABLES, 'query.table');
      return {
        kind,
        table,
        filter,
        groupBy: validateGroupBy(query.groupBy, table, 'query.groupBy'),
        ...(query.sortBy !== undefined
          ? { sortBy: expectOneOf(query.sortBy, SORT_KEYS, 'query.sortBy') }
          : {}),
        ...(query.descending !== undefined
          ? { descending: expectBoolean(query.descending, 'query.descending') }
          : {}),
        ...(query.limitPerLevel !== undefined
          ? {
              limitPerLevel: expectInteger(
                query.limitPerLevel,
                1,
                MAX_LIMIT_PER_LEVEL,
                'query.limitPerLevel',
              ),
            }
          : {}),
      };
    }
    case 'histogram':
      return {
        kind,
        table: expectOneOf(query.table, ['dpcIsr'] as const, 'query.table'),
        filter,
        scheme: expectOneOf(query.scheme, SCHEMES, 'query.scheme'),
      };
    case 'series':
      return {
        kind,
        metric: expectOneOf(query.metric, METRICS, 'query.metric'),
        filter,
        buckets: expectInteger(query.buckets, 1, MAX_SERIES_BUCKETS, 'query.buckets'),
        ...(query.withResidency !== undefined
          ? { withResidency: expectBoolean(query.withResidency, 'query.withResidency') }
          : {}),
        ...(query.decimals !== undefined
          ? { decimals: expectInteger(query.decimals, 0, MAX_SERIES_DECIMALS, 'query.decimals') }
          : {}),
      };
    case 'stacks': {
      const table = expectOneOf(query.table, ['cpuSampled', 'dpcIsr'] as const, 'query.table');
      const view = expectOneOf(query.view, STACK_VIEWS, 'query.view');
      if ((view === 'callers' || view === 'callees') && query.focus === undefined)
        throw badRequest(`query.focus is required for the ${view} view`);
      return {
        kind,
        table,
        filter,
        groupBy: validateGroupBy(query.groupBy, table, 'query.groupBy'),
        view,
        ...(query.focus !== undefined
          ? { focus: expectString(query.focus, MAX_FILTER_VALUE_LENGTH, 'query.focus') }
          : {}),
        ...(query.maxDepth !== undefined
          ? { maxDepth: expectInteger(query.maxDepth, 1, MAX_STACK_DEPTH, 'query.maxDepth') }
          : {}),
        ...(query.maxNodes !== undefined
          ? { maxNodes: expectInteger(query.maxNodes, 1, MAX_STACK_NODES, 'query.maxNodes') }
          : {}),
      };
    }
    case 'find':
      return {
        kind,
        table: expectOneOf(query.table, ['dpcIsr'] as const, 'query.table'),
        filter,
        from: traceNs(expectFinite(query.from, 'query.from')),
        direction: expectOneOf(query.direction, ['next', 'previous'] as const, 'query.direction'),
        overBudgetOnly: expectBoolean(query.overBudgetOnly, 'query.overBudgetOnly'),
      };
    case 'dpcEvents':
      return {
        kind,
        filter,
        limit: expectInteger(query.limit, 0, MAX_DPC_EVENTS, 'query.limit'),
        ...(query.sortBy !== undefined
          ? { sortBy: expectOneOf(query.sortBy, DPC_EVENT_SORTS, 'query.sortBy') }
          : {}),
        ...(query.descending !== undefined
          ? { descending: expectBoolean(query.descending, 'query.descending') }
          : {}),
        ...(query.offset !== undefined
          ? { offset: expectInteger(query.offset, 0, Number.MAX_SAFE_INTEGER, 'query.offset') }
          : {}),
        ...(query.overlapping !== undefined
          ? { overlapping: expectBoolean(query.overlapping, 'query.overlapping') }
          : {}),
        ...(query.around !== undefined
          ? { around: expectInteger(query.around, 0, Number.MAX_SAFE_INTEGER, 'query.around') }
          : {}),
      };
  }
}

/** The export request without `path`: where to write is never the renderer's choice. */
export function validateExport(value: unknown): Omit<ExportRequest, 'path'> {
  const request = expectObject(value, 'export request');
  const table = expectOneOf(request.table, TABLES, 'table');
  const what = expectOneOf(request.what, ['rows', 'pivot'] as const, 'what');
  if (what === 'rows' && table !== 'dpcIsr') throw badRequest('row export is only for the dpcIsr table');
  if (what === 'pivot' && request.groupBy === undefined) throw badRequest('a pivot export needs groupBy');
  return {
    traceId: expectId(request.traceId, 'traceId'),
    what,
    table,
    filter: validateFilter(request.filter),
    ...(request.groupBy !== undefined ? { groupBy: validateGroupBy(request.groupBy, table, 'groupBy') } : {}),
    ...(request.requestId !== undefined ? { requestId: expectId(request.requestId, 'requestId') } : {}),
  };
}

/** Validated request per channel (paths checked with the backend platform's isAbsolute). */
export function validateRequest<C extends keyof ChannelMap>(
  channel: C,
  value: unknown,
  isAbsolute: (p: string) => boolean,
): ChannelMap[C]['req'] {
  const req = expectObject(value, `${channel} request`);
  switch (channel) {
    case 'etlscope:open':
      return {
        source: validateSource(req.source, isAbsolute),
        requestId: expectId(req.requestId, 'requestId'),
      } as ChannelMap[C]['req'];
    case 'etlscope:query':
      return {
        traceId: expectId(req.traceId, 'traceId'),
        query: validateQuery(req.query),
        requestId: expectId(req.requestId, 'requestId'),
      } as ChannelMap[C]['req'];
    case 'etlscope:cancel':
      return { requestId: expectId(req.requestId, 'requestId') } as ChannelMap[C]['req'];
    case 'etlscope:export':
      return validateExport(req) as ChannelMap[C]['req'];
    case 'etlscope:symbols': {
      const request = expectObject(req.request, 'request');
      return {
        traceId: expectId(req.traceId, 'traceId'),
        requestId: expectId(req.requestId, 'requestId'),
        request: {
          ...(request.symbolPath !== undefined
            ? { symbolPath: expectText(request.symbolPath, MAX_PATH_LENGTH, 'request.symbolPath') }
            : {}),
          ...(request.microsoftServer !== undefined
            ? { microsoftServer: expectBoolean(request.microsoftServer, 'request.microsoftServer') }
            : {}),
        },
      } as ChannelMap[C]['req'];
    }
    case 'etlscope:close':
      return { traceId: expectId(req.traceId, 'traceId') } as ChannelMap[C]['req'];
    case 'etlscope:open-dialog':
      return {} as ChannelMap[C]['req'];
    default:
      throw badRequest(`unknown channel ${String(channel)}`);
  }
}
