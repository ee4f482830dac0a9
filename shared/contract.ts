// The one typed contract between the analysis backend (parser worker + engine, behind Electron
// main or the `etlscope serve` WebSocket server) and its clients (the React renderer, the CLI).
//
//   renderer ──EtlscopeApi──> transport (Electron IPC via preload | WebSocket) ──> backend
//            <──progress / results──
//
// Everything that crosses the boundary is a plain, structured-clone-safe value: no class
// instances, no functions, no Error objects (errors travel as `WireError`). Results are bounded:
// grouped aggregates, histograms and N-bucket series, never raw per-event rows (row export goes
// to a file or a download, streamed by the backend).
// `shared/` imports nothing outside itself.

import type { DurationNs, TimeRange, TraceNs } from './units.js';

// ---------------------------------------------------------------------------------------------
// Trace identity, loading and the overview
// ---------------------------------------------------------------------------------------------

/** Opaque id the backend gives a loaded trace. */
export type TraceId = string;
/** Opaque id of one request, used to cancel it. */
export type RequestId = string;

/** Where the trace to open comes from. */
export type TraceSource =
  /** A path on the backend's machine (command line, File > Open, a file dropped in Electron). */
  | { readonly kind: 'path'; readonly path: string }
  /** A file the browser streamed to the `serve` backend (see `UPLOAD_HTTP_PATH`). */
  | { readonly kind: 'upload'; readonly uploadId: string; readonly name: string }
  /** The bundled sample trace in `assets/`. */
  | { readonly kind: 'sample' };

export type LoadPhase = 'scanning' | 'reading' | 'indexing' | 'ready' | 'failed' | 'cancelled';

/** Streamed while a trace loads (and once more when it is ready or failed). */
export interface LoadProgress {
  readonly traceId: TraceId;
  readonly phase: LoadPhase;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly events: number;
  readonly elapsedMs: number;
  /** Partial overview as soon as the header is read; complete when phase is 'ready'. */
  readonly summary?: TraceSummary;
  readonly error?: WireError;
}

export type DiagnosticSeverity = 'info' | 'warning' | 'error';

/** Something the reader or engine wants the user to know, e.g. a corrupt buffer at an offset. */
export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  /** Stable machine-readable code, e.g. 'corrupt-buffer', 'events-lost', 'truncated'. */
  readonly code: string;
  /** Plain words for people. */
  readonly message: string;
  /** File offset the problem was found at, when there is one. */
  readonly fileOffset?: number;
}

/** What kind of data the trace recorded, from the header extension group masks and the events. */
export interface RecordedData {
  readonly contextSwitches: boolean;
  readonly compactContextSwitches: boolean;
  readonly dpc: boolean;
  readonly interrupts: boolean;
  readonly sampledProfile: boolean;
  readonly idleStates: boolean;
  readonly readyThread: boolean;
  readonly processThread: boolean;
  readonly imageLoad: boolean;
  readonly stackWalk: boolean;
}

/** What the trace records about the processor: the kernel rundown's SystemConfig events, else
 *  the logfile header's CpuSpeedInMHz. Nothing here is guessed: a field the trace lacks is null. */
export interface ProcessorInfo {
  /** The processor's name as Windows shows it (the FriendlyName of its PnP processor device,
   *  e.g. "Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz"); distinct names joined by " + "; null when
   *  the trace has no processor device event. */
  readonly name: string | null;
  /** Nominal speed, MHz (SystemConfig CPU, else the header's CpuSpeedInMHz); null when 0/absent. */
  readonly mhz: number | null;
  /** 'x64' | 'x86' | 'ARM64' | 'ARM' | 'IA64' (SystemConfig CPU v3+), or null. */
  readonly architecture: string | null;
  /** x86/x64: CPUID family, model and stepping (ProcessorLevel / ProcessorRevision); else null. */
  readonly family: number | null;
  readonly model: number | null;
  readonly stepping: number | null;
  /** Logical processors per SystemConfig CPU; null without that event. */
  readonly processors: number | null;
  /** Where the facts come from. */
  readonly source: 'systemConfig' | 'header' | 'none';
}

export interface TraceSummary {
  readonly fileName: string;
  readonly fileSize: number;
  /** Windows build (e.g. 19041). */
  readonly build: number;
  /** Windows version, e.g. "10.0". */
  readonly osVersion: string;
  readonly cpuCount: number;
  readonly pointerSize: 4 | 8;
  readonly loggerName: string;
  readonly logFileName: string;
  /** 'QPC' | 'SystemTime' | 'CPUCycle' | 'Raw'. */
  readonly clockType: string;
  readonly clockFrequencyHz: number;
  /** ISO-8601 UTC time of the trace origin (time 0 of the axis). */
  readonly startTimeUtc: string;
  /** Length of the time axis: origin to the last event. */
  readonly durationNs: DurationNs;
  readonly buffers: number;
  readonly compressedBuffers: number;
  readonly events: number;
  readonly eventsLost: number;
  readonly buffersLost: number;
  /** Which views have data; `explanations` says in words why a view is empty. */
  readonly recorded: RecordedData;
  readonly explanations: readonly string[];
  /** Events per kind: 'PerfInfo/DPC', 'Image/DCStart', or provider GUID/name for the rest. */
  readonly counts: Readonly<Record<string, number>>;
  readonly diagnostics: readonly Diagnostic[];
  /** Rows per table, for the UI to show what each view holds. */
  readonly tableRows: Readonly<Record<TableId, number>>;
  /** Where CPU utilization comes from when both exist: precise (context switches) wins. */
  readonly utilizationSource: 'precise' | 'sampled' | 'none';
  /** The processor, as far as the trace records it (absent from summaries made before the load). */
  readonly processor?: ProcessorInfo;
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export type DpcType = 'DPC' | 'ThreadedDPC' | 'TimerDPC' | 'ISR' | 'ISR-MSI';
export const DPC_TYPES: readonly DpcType[] = ['DPC', 'ThreadedDPC', 'TimerDPC', 'ISR', 'ISR-MSI'];
/** LatencyMon / Microsoft driver guideline: DPCs should finish within 100 µs, ISRs within 25 µs. */
export const DPC_BUDGET_NS = 100_000;
export const ISR_BUDGET_NS = 25_000;

/** The WPA-style views the engine answers queries on. */
export type TableId = 'dpcIsr' | 'cpuPrecise' | 'cpuSampled' | 'idleStates';

/**
 * Columns a table can be grouped by or filtered on (WPA's columns left of the gold bar).
 * dpcIsr: cpu, type, module, function.
 * cpuPrecise: cpu, process, thread (the thread switched in; "process" is "name (pid)").
 * cpuSampled: cpu, process, thread, module, function, dpcIsr ("DPC" | "ISR" | "-").
 * idleStates: cpu, state ("C0", "C1", ...).
 */
export type GroupColumn = 'cpu' | 'type' | 'module' | 'function' | 'process' | 'thread' | 'dpcIsr' | 'state';

export const TABLE_COLUMNS: Readonly<Record<TableId, readonly GroupColumn[]>> = {
  dpcIsr: ['cpu', 'type', 'module', 'function'],
  cpuPrecise: ['cpu', 'process', 'thread'],
  cpuSampled: ['cpu', 'process', 'thread', 'module', 'function', 'dpcIsr'],
  idleStates: ['cpu', 'state'],
};

/** Which rows a query covers. Every field is optional; absent means "everything". */
export interface QueryFilter {
  /** Only time inside this range (events are clipped to it where they are intervals). */
  readonly range?: TimeRange;
  /** Only these CPUs. */
  readonly cpus?: readonly number[];
  /** Keep rows whose column value is one of these (values as shown in results). */
  readonly include?: Partial<Readonly<Record<GroupColumn, readonly string[]>>>;
  /** Drop rows whose column value is one of these. */
  readonly exclude?: Partial<Readonly<Record<GroupColumn, readonly string[]>>>;
  /** dpcIsr only: duration bounds in ns, [min, max) (a histogram bucket click). */
  readonly durationNs?: { readonly min?: number; readonly max?: number };
}

/**
 * Aggregates every group row carries. The measure is the table's duration column:
 * dpcIsr = DPC/ISR duration, cpuPrecise = running time, cpuSampled = sample weight,
 * idleStates = residency.
 */
export interface Aggregates {
  readonly count: number;
  readonly totalMs: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly avgUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  /** dpcIsr: rows over the guideline (100 µs DPC, 25 µs ISR); 0 elsewhere. */
  readonly overBudget: number;
  /** Share of the filtered range × CPUs (utilization / residency / DPC-ISR time), 0..100. */
  readonly percent: number;
}

/**
 * cpuPrecise only: WPA's "Ready (µs)" and "Waits (µs)" over a group's running intervals (the same
 * rows `count` counts). Kept beside `Aggregates` (not in it) so `keyof Aggregates` is unchanged.
 */
export interface ReadyWaitAggregates {
  /** Sum of ready times (switch-in − the thread's last ReadyThread before it), ms. */
  readonly readyMs: number;
  /** Average ready time over the intervals that have one, µs (0 when none). */
  readonly readyAvgUs: number;
  /** Intervals with a ready time (a ReadyThread was seen for the thread before its switch-in). */
  readonly readyCount: number;
  /** Sum of wait times (the thread's previous switch-out → its ReadyThread), ms; intervals whose
   *  previous switch-out or ready time is unknown add 0. */
  readonly waitMs: number;
}

/** One node of a pivot: a group at some depth, with its aggregates and (maybe) its children. */
export interface PivotNode {
  /** Value of this level's group column, as text ("ndis.sys", "0", "DPC"). */
  readonly key: string;
  readonly aggregates: Aggregates;
  /** dpcIsr pivots only: WPA's Duration (Exclusive) summed over the group, ms — the DPC/ISR time
   *  with the ISRs that interrupted its DPCs taken out (an ISR's exclusive time is its duration). */
  readonly exclusiveMs?: number;
  /** cpuPrecise pivots only. */
  readonly readyWait?: ReadyWaitAggregates;
  /** Present below the last level only when the query asked for deeper levels. */
  readonly children?: readonly PivotNode[];
  /** Children dropped by `limitPerLevel`. */
  readonly omittedChildren?: number;
}

export type SortKey = keyof Aggregates | 'key';

export interface PivotQuery {
  readonly kind: 'pivot';
  readonly table: TableId;
  readonly filter: QueryFilter;
  /** Ordered group-by columns, outermost first (WPA's gold bar order). */
  readonly groupBy: readonly GroupColumn[];
  readonly sortBy?: SortKey;
  readonly descending?: boolean;
  /** Maximum children per node (bounded result); default 500. */
  readonly limitPerLevel?: number;
}

export interface PivotResult {
  readonly kind: 'pivot';
  readonly groupBy: readonly GroupColumn[];
  /** Aggregates over every filtered row. */
  readonly total: Aggregates;
  /** dpcIsr pivots only: exclusive time over every filtered row, ms (see PivotNode.exclusiveMs). */
  readonly totalExclusiveMs?: number;
  /** cpuPrecise pivots only: ready/wait over every filtered row. */
  readonly totalReadyWait?: ReadyWaitAggregates;
  readonly rows: readonly PivotNode[];
  readonly omittedRows: number;
}

/** xperf's doubling buckets (<1 µs, 1–2, 2–4 …) or LatencyMon's 250 µs bands. */
export type HistogramScheme = 'doubling' | 'latencymon';

export interface HistogramQuery {
  readonly kind: 'histogram';
  readonly table: 'dpcIsr';
  readonly filter: QueryFilter;
  readonly scheme: HistogramScheme;
}

export interface HistogramBucket {
  /** "1-2 µs", ">= 1000 µs". */
  readonly label: string;
  readonly minNs: number;
  /** Exclusive upper bound; Infinity for the last bucket (sent as null over JSON, see wire.ts). */
  readonly maxNs: number | null;
  readonly count: number;
  readonly dpcCount: number;
  readonly isrCount: number;
}

export interface HistogramResult {
  readonly kind: 'histogram';
  readonly scheme: HistogramScheme;
  readonly buckets: readonly HistogramBucket[];
}

/**
 * Graph series over N equal time buckets:
 * - utilization: busy % per CPU per bucket (precise if context switches exist, else sampled);
 * - dpcIsrTime: % of each bucket spent in DPC/ISR per CPU;
 * - cstate: per CPU per bucket the deepest-residency state index (-1 = no data, 0 = C0 running,
 *   n = Cn) and the residency fraction of each state;
 * - dpcDurations: the longest DPC/ISR per CPU per bucket (marks for a scatter plot).
 */
export type SeriesMetric = 'utilization' | 'dpcIsrTime' | 'cstate' | 'dpcDurations';

export interface SeriesQuery {
  readonly kind: 'series';
  readonly metric: SeriesMetric;
  readonly filter: QueryFilter;
  /** Number of buckets across filter.range (or the whole trace); at most 10,000. */
  readonly buckets: number;
  /** cstate only: also each state's residency % per bucket (`stateResidency`). Off by default:
   *  the lanes draw only the deepest state, and residency is ~4/5 of the answer's bytes. */
  readonly withResidency?: boolean;
  /** Round every value to this many decimals (0–9; default: full precision). A screen asks for
   *  what it can show: a 16-CPU window of 5,760 buckets is ~1.6 MB of JSON at full precision and
   *  about a third of that at 2 decimals. */
  readonly decimals?: number;
}

/** Most decimals a series may be rounded to (beyond, doubles print in full anyway). */
export const MAX_SERIES_DECIMALS = 9;

export interface CpuSeries {
  readonly cpu: number;
  /** One value per bucket: percent for utilization/dpcIsrTime; state index for cstate;
   *  longest duration in µs for dpcDurations (0 = none). */
  readonly values: readonly number[];
  /** cstate with `withResidency` only: per state index (0 = C0) the residency % per bucket. */
  readonly stateResidency?: readonly (readonly number[])[];
}

export interface SeriesResult {
  readonly kind: 'series';
  readonly metric: SeriesMetric;
  readonly range: TimeRange;
  readonly bucketNs: number;
  readonly source: 'precise' | 'sampled' | 'events' | 'none';
  readonly cpus: readonly CpuSeries[];
  /** cstate only: state names by index ("C0", "C1", ...). */
  readonly stateNames?: readonly string[];
}

/** Steps for "jump to the next/previous over-budget DPC". */
export interface FindQuery {
  readonly kind: 'find';
  readonly table: 'dpcIsr';
  readonly filter: QueryFilter;
  /** Search from this time. */
  readonly from: TraceNs;
  readonly direction: 'next' | 'previous';
  /** Only rows over the guideline budget. */
  readonly overBudgetOnly: boolean;
}

export interface FindResult {
  readonly kind: 'find';
  readonly found: boolean;
  readonly row?: DpcIsrRow;
}

/** Plain lists (WPA's Processes, Threads and Images tables, and event counts per kind). */
export type ListTableId = 'processes' | 'threads' | 'images' | 'events';
export const LIST_TABLES: readonly ListTableId[] = ['processes', 'threads', 'images', 'events'];

/**
 * Columns of each list, in order (every row has one cell per column). Times are seconds from the
 * trace origin; '' when the event is not in the trace (e.g. a process already running at the
 * start, known from the rundown). Threads' "CPU Usage (ms)" is running time from the precise
 * table ('' without context switches). Images: base as 0x + 16 hex digits; PDB cells '' when no
 * DbgID_RSDS event named it; Symbols: what the functions are named from ("2,345 from ndis.pdb
 * (pdb)", "not loaded", or '' without a PDB). Events: one row per kind name of `TraceSummary.counts`, split at its
 * last '/' into provider and task/opcode/id.
 */
export const LIST_COLUMNS: Readonly<Record<ListTableId, readonly string[]>> = {
  processes: ['Process Name', 'PID', 'Parent PID', 'Start (s)', 'End (s)', 'Command Line', 'Threads'],
  threads: ['TID', 'Process', 'Thread Name', 'Start (s)', 'End (s)', 'CPU Usage (ms)'],
  images: [
    'Image Base',
    'Size',
    'Module',
    'File Name',
    'Process',
    'Load (s)',
    'Unload (s)',
    'PDB Name',
    'PDB GUID',
    'PDB Age',
    'Symbols',
  ],
  events: ['Kind', 'Provider', 'Task/Opcode/Id', 'Count'],
};

export interface ListFilter {
  /** Only rows whose lifetime overlaps this range (events have no times: not narrowed).
   *  Threads' CPU usage is clipped to it. */
  readonly range?: TimeRange;
  /** Only rows where some text cell contains this (case-insensitive). */
  readonly text?: string;
}

export interface ListQuery {
  readonly kind: 'list';
  readonly table: ListTableId;
  readonly filter?: ListFilter;
  /** One of the table's LIST_COLUMNS; default: the first (events: Count, descending). */
  readonly sortBy?: string;
  readonly descending?: boolean;
  /** Maximum rows returned (bounded result); default 1000, at most 100,000. */
  readonly limit?: number;
  /** Rows of the sorted, filtered list to skip first (paging past the limit); default 0. */
  readonly offset?: number;
}

export interface ListResult {
  readonly kind: 'list';
  readonly table: ListTableId;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  /** Rows that passed the filter (rows.length is at most the limit). */
  readonly totalRows: number;
}

/**
 * How a stack query arranges call paths (WPA's Stack column; PerfView's views):
 * - top-down: from the outermost frame (the thread's start) down to the innermost;
 * - bottom-up: from the innermost frame (where the time was spent) up through its callers;
 * - callers / callees: the butterfly of one function (`focus`): who called it (inverted, from the
 *   function up) and what it called (from the function down), over every stack that contains it.
 */
export type StackView = 'top-down' | 'bottom-up' | 'callers' | 'callees';
export const STACK_VIEWS: readonly StackView[] = ['top-down', 'bottom-up', 'callers', 'callees'];

/** Tables whose rows carry stacks: sampled CPU (samples, weight = sample weight) and DPC/ISR events
 *  with their own stack walk (weight = duration). */
export type StackTableId = 'cpuSampled' | 'dpcIsr';

export interface StackQuery {
  readonly kind: 'stacks';
  readonly table: StackTableId;
  readonly filter: QueryFilter;
  /**
   * Group columns above the stack, outermost first (WPA: the columns left of Stack), e.g.
   * ['module'] with `exclude: {dpcIsr: ['-']}` for "DPC/ISR Usage by Module, Stack" (module of the
   * sampled address), ['process'] for "Utilization by Process, Stack", ['module', 'function'] on
   * dpcIsr for "Duration by Module, Function, Stack".
   */
  readonly groupBy: readonly GroupColumn[];
  readonly view: StackView;
  /** callers / callees: the function, as frames name it (`module!function`, or `module+0x…`). */
  readonly focus?: string;
  /** Levels of stack frames below the groups in the result (default 256). */
  readonly maxDepth?: number;
  /** Nodes in the result at most, heaviest first (default 2,000, at most 100,000). */
  readonly maxNodes?: number;
}

/**
 * One node of a stack tree. Groups (`kind: 'group'`) come first, then frames named `module!function`.
 * `samples`/`weightMs` are inclusive (every row whose path passes here); a frame with children and
 * rows of its own also has an `<itself>` child (`kind: 'itself'`) holding them; rows without a stack
 * sit under their group as `<no stack>`.
 */
export interface StackTreeNode {
  readonly name: string;
  readonly kind: 'root' | 'group' | 'frame' | 'itself' | 'no-stack';
  /** Rows (samples, or DPC/ISR events) through this node. */
  readonly samples: number;
  /** Their weight: sample weight (cpuSampled) or inclusive duration (dpcIsr), ms. */
  readonly weightMs: number;
  readonly children?: readonly StackTreeNode[];
  /** Children left out (maxNodes, maxDepth). */
  readonly omittedChildren?: number;
}

export interface StackResult {
  readonly kind: 'stacks';
  readonly table: StackTableId;
  readonly view: StackView;
  readonly groupBy: readonly GroupColumn[];
  /** Root 'all': every filtered row. */
  readonly tree: StackTreeNode;
  /** Filtered rows without a stack (they are in the tree as `<no stack>`). */
  readonly rowsWithoutStack: number;
  /** Nodes the whole tree has (the result holds at most maxNodes of them). */
  readonly totalNodes: number;
  /** Symbol loads applied so far (names change when it does). */
  readonly symbolsVersion: number;
}

// ---------------------------------------------------------------------------------------------
// Individual DPC/ISR events: the timeline at deep zoom, the pivot's leaf rows, "zoom to the longest"
// ---------------------------------------------------------------------------------------------

/** Order of individual DPC/ISR rows: enter time, exit time, inclusive or exclusive duration, fragments. */
export type DpcEventSort = 'enter' | 'exit' | 'duration' | 'exclusive' | 'fragments';
export const DPC_EVENT_SORTS: readonly DpcEventSort[] = [
  'enter',
  'exit',
  'duration',
  'exclusive',
  'fragments',
];
/** Most rows one dpcEvents answer carries (a window of a virtualized table, or a timeline's marks). */
export const MAX_DPC_EVENTS = 50_000;

/**
 * Individual DPC/ISR rows under a filter, sorted, one window [offset, offset + limit) at a time.
 * Rows are those whose enter time is in filter.range (as pivots count them); with `overlapping`
 * also those that started before it and were still running (a timeline's view).
 */
export interface DpcEventsQuery {
  readonly kind: 'dpcEvents';
  readonly filter: QueryFilter;
  readonly sortBy?: DpcEventSort;
  readonly descending?: boolean;
  readonly offset?: number;
  /** At most MAX_DPC_EVENTS. */
  readonly limit: number;
  readonly overlapping?: boolean;
  /** An engine row id (DpcEventsResult.id): the window is the one centred on that row (`offset`
   *  is ignored) and the answer says where it is (`located`) — a table scrolls to an event
   *  selected elsewhere (the timeline, the headline). */
  readonly around?: number;
}

/** One window of individual rows, columnar (one entry per row in each array). */
export interface DpcEventsResult {
  readonly kind: 'dpcEvents';
  /** Every row matching the filter (not only this window). */
  readonly total: number;
  readonly offset: number;
  /** Engine row ids: stable for a trace, so a selection survives re-sorting and re-querying. */
  readonly id: readonly number[];
  readonly cpu: readonly number[];
  /** Index into DPC_TYPES. */
  readonly type: readonly number[];
  /** Index into `routines`. */
  readonly routine: readonly number[];
  readonly routines: readonly { readonly module: string; readonly function: string }[];
  readonly enterNs: readonly number[];
  /** Inclusive duration, ns. */
  readonly durationNs: readonly number[];
  /** Inclusive − nested ISRs, ns. */
  readonly exclusiveNs: readonly number[];
  /** Nested ISRs + 1. */
  readonly fragments: readonly number[];
  /** With `around`: that row's index in the sorted rows, −1 when the filter does not hold it. */
  readonly located?: number;
}

export type Query =
  | PivotQuery
  | HistogramQuery
  | SeriesQuery
  | FindQuery
  | ListQuery
  | StackQuery
  | SchedQuery
  | DpcEventsQuery;
export type QueryResult =
  | PivotResult
  | HistogramResult
  | SeriesResult
  | FindResult
  | ListResult
  | StackResult
  | SchedResultOf<SchedQuery>
  | DpcEventsResult;
/** Maps a query type to its result type. */
export type ResultOf<Q extends Query> = Q extends PivotQuery
  ? PivotResult
  : Q extends HistogramQuery
    ? HistogramResult
    : Q extends SeriesQuery
      ? SeriesResult
      : Q extends ListQuery
        ? ListResult
        : Q extends StackQuery
          ? StackResult
          : Q extends SchedQuery
            ? SchedResultOf<Q>
            : Q extends DpcEventsQuery
              ? DpcEventsResult
              : FindResult;

/** One DPC/ISR as exported (the CSV columns, WPA names in `DPC_CSV_COLUMNS`). */
export interface DpcIsrRow {
  readonly cpu: number;
  readonly type: DpcType;
  readonly module: string;
  readonly function: string;
  /** Routine address as 0x-prefixed hex. */
  readonly address: string;
  readonly enterSeconds: number;
  readonly exitSeconds: number;
  readonly durationUs: number;
  readonly exclusiveDurationUs: number;
}

/** CSV header for DPC/ISR row export, in WPA's column names (times are seconds from trace start). */
export const DPC_CSV_COLUMNS = [
  'CPU',
  'Type',
  'Module',
  'Function',
  'Address',
  'Enter Time (s)',
  'Exit Time (s)',
  'Duration (µs)',
  'Exclusive Duration (µs)',
] as const;

export interface ExportRequest {
  readonly traceId: TraceId;
  /** 'rows': every DPC/ISR in the filter; 'pivot': the grouped table as shown. */
  readonly what: 'rows' | 'pivot';
  readonly table: TableId;
  readonly filter: QueryFilter;
  /** For 'pivot'. */
  readonly groupBy?: readonly GroupColumn[];
  /** Electron: where to write (chosen in a save dialog by main). Browser: ignored. */
  readonly path?: string;
  /** Names the export in 'export-progress' events; `cancel(requestId)` stops it (the partial
   *  file is removed). Without it the export cannot be cancelled and reports no progress. */
  readonly requestId?: RequestId;
}

/** A running export moved on (between the engine's slices, at most every ~100 ms). */
export interface ExportProgress {
  readonly traceId: TraceId;
  readonly requestId: RequestId;
  /** Data rows written so far. */
  readonly rows: number;
  /** The most rows it will write (the filter's rows in range; a pivot's lines), once known. */
  readonly totalRows?: number;
  /** Bytes of CSV written so far. */
  readonly bytes: number;
}

export interface ExportResult {
  readonly rows: number;
  /** Electron: the written path. */
  readonly path?: string;
  /** Browser mode: a URL on the serve backend that streams the CSV as a download. */
  readonly downloadUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Symbols: "Load Symbols" (PDBs, Breakpad .sym, symbol servers) after the trace is ready
// ---------------------------------------------------------------------------------------------

/** Microsoft's public symbol server: used only when the user asks for it (`microsoftServer`). */
export const MICROSOFT_SYMBOL_SERVER_URL = 'https://msdl.microsoft.com/download/symbols';

export interface SymbolLoadRequest {
  /**
   * The user's symbol path in `_NT_SYMBOL_PATH` syntax (`srv*C:\symbols*https://…;D:\pdbs`); the
   * backend adds `<trace>.symbols/` first and its own `_NT_SYMBOL_PATH` after. No server is ever
   * contacted unless this text, the backend's `_NT_SYMBOL_PATH` or `microsoftServer` names one.
   */
  readonly symbolPath?: string;
  /** Also ask Microsoft's public symbol server (into the default cache). */
  readonly microsoftServer?: boolean;
}

export type SymbolStatus = 'loaded' | 'not-found' | 'mismatch' | 'error' | 'cancelled';

/** One PDB the trace names, after a load. */
export interface ModuleSymbols {
  /** Modules (image file names) whose images carry this PDB identity. */
  readonly modules: readonly string[];
  readonly pdb: string;
  readonly guid: string;
  readonly age: number;
  readonly status: SymbolStatus;
  /** One sentence for people (where it came from, or why not). */
  readonly message: string;
  /** Symbols in the table used (0 when none). */
  readonly symbols: number;
  /** 'pdb' | 'breakpad' | 'symtxt' when loaded. */
  readonly format?: string;
  /** The file (or URL) the symbols came from. */
  readonly origin?: string;
}

export interface SymbolLoadProgress {
  readonly traceId: TraceId;
  readonly requestId: RequestId;
  /** PDB identities settled / all of them. */
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDownloaded: number;
  /** The PDB being downloaded, if any. */
  readonly current?: string;
}

export interface SymbolLoadResult {
  /** The engine's symbolization version after this load (every query result carries its own). */
  readonly symbolsVersion: number;
  readonly modules: readonly ModuleSymbols[];
  readonly loaded: number;
  readonly notFound: number;
  /** Mismatched, broken or unreachable. */
  readonly failed: number;
  readonly cancelled: boolean;
  /** The effective symbol path searched (for the dialog), and problems parsing it. */
  readonly symbolPath: string;
  readonly problems: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Errors and the API every transport implements
// ---------------------------------------------------------------------------------------------

/** Errors cross the boundary as plain data (Error objects do not survive IPC). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** 'cancelled' is ignored by the UI; others are shown. */
  readonly code?: 'cancelled' | 'not-found' | 'bad-request' | 'bad-file' | 'internal';
}

export interface OpenResult {
  readonly traceId: TraceId;
  readonly summary: TraceSummary;
}

export type Unsubscribe = () => void;

/** Events the backend pushes to the renderer. */
export type BackendEvent =
  | { readonly type: 'progress'; readonly progress: LoadProgress }
  /** A symbol load (`loadSymbols`) moved on. */
  | { readonly type: 'symbols-progress'; readonly progress: SymbolLoadProgress }
  /** A CSV export (`exportCsv` with a requestId) moved on. */
  | { readonly type: 'export-progress'; readonly progress: ExportProgress }
  /** Electron menu or second-instance launch asked to open a file; the renderer then calls openTrace. */
  | { readonly type: 'open-requested'; readonly source: TraceSource }
  /** Menu commands the renderer carries out (zoom, export...). */
  | { readonly type: 'command'; readonly command: MenuCommand };

export type MenuCommand =
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-to-selection'
  | 'unzoom'
  | 'reset-zoom'
  | 'export-dpc-csv'
  | 'close-trace'
  | 'load-symbols';

/**
 * The renderer-facing API. The preload exposes exactly this on `window.etlscope`; the
 * browser mode implements it over WebSocket. Every method can reject with a WireError-shaped error.
 */
export interface EtlscopeApi {
  /** Which transport is serving ('electron' | 'browser'). */
  readonly transport: 'electron' | 'browser';
  openTrace(source: TraceSource, requestId: RequestId): Promise<OpenResult>;
  query<Q extends Query>(traceId: TraceId, query: Q, requestId: RequestId): Promise<ResultOf<Q>>;
  cancel(requestId: RequestId): Promise<void>;
  exportCsv(request: ExportRequest): Promise<ExportResult>;
  /**
   * Finds and reads the symbols of every PDB the trace names (symbol path, servers), then
   * re-labels functions: queries after it resolve name for name. Progress comes as
   * 'symbols-progress' events; `cancel(requestId)` stops it (what loaded so far is kept).
   */
  loadSymbols(traceId: TraceId, request: SymbolLoadRequest, requestId: RequestId): Promise<SymbolLoadResult>;
  /** Browser mode: stream a dropped File to the backend; returns the upload source to open. */
  uploadFile?(file: File, onProgress?: (sentBytes: number) => void): Promise<TraceSource>;
  /** Browser mode: stream a symbol file (.pdb, .sym, .sym.txt) dropped with a trace into that
   *  upload's `<trace>.symbols/` on the backend, before the trace is opened. */
  uploadSymbolFile?(file: File, forUploadId: string, onProgress?: (sentBytes: number) => void): Promise<void>;
  /** Electron: the path of a dropped File (webUtils.getPathForFile). */
  pathForFile?(file: File): string;
  /** Electron: ask main to show the open dialog; resolves to a source or undefined if cancelled. */
  showOpenDialog?(): Promise<TraceSource | undefined>;
  closeTrace(traceId: TraceId): Promise<void>;
  onEvent(listener: (event: BackendEvent) => void): Unsubscribe;
}

// ---------------------------------------------------------------------------------------------
// Wire protocol shared by Electron IPC and the WebSocket transport
// ---------------------------------------------------------------------------------------------

/** Channel names: every IPC channel carries this prefix and main rejects anything else. */
export const CHANNEL_PREFIX = 'etlscope:';

/** Request/response map, one entry per invoke channel. */
export interface ChannelMap {
  'etlscope:open': { req: { source: TraceSource; requestId: RequestId }; res: OpenResult };
  'etlscope:query': { req: { traceId: TraceId; query: Query; requestId: RequestId }; res: QueryResult };
  'etlscope:cancel': { req: { requestId: RequestId }; res: void };
  'etlscope:export': { req: ExportRequest; res: ExportResult };
  'etlscope:symbols': {
    req: { traceId: TraceId; request: SymbolLoadRequest; requestId: RequestId };
    res: SymbolLoadResult;
  };
  'etlscope:close': { req: { traceId: TraceId }; res: void };
  'etlscope:open-dialog': { req: Record<string, never>; res: TraceSource | undefined };
}
export type Channel = keyof ChannelMap;
export const INVOKE_CHANNELS: readonly Channel[] = [
  'etlscope:open',
  'etlscope:query',
  'etlscope:cancel',
  'etlscope:export',
  'etlscope:symbols',
  'etlscope:close',
  'etlscope:open-dialog',
];
/** main → renderer push channel carrying `BackendEvent`s. */
export const EVENT_CHANNEL = 'etlscope:event';

/** WebSocket frames (JSON). */
export type ClientFrame = { readonly id: number; readonly channel: Channel; readonly req: unknown };
export type ServerFrame =
  | { readonly id: number; readonly ok: true; readonly res: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly event: BackendEvent };

/** Browser mode: the WebSocket carrying ClientFrame/ServerFrame JSON (with ?token=…). */
export const WEBSOCKET_HTTP_PATH = '/ws';
/** Browser mode: POST the raw file body here (with ?token=…&name=…); the reply is `{uploadId}`. */
export const UPLOAD_HTTP_PATH = '/upload';
/** Browser mode: GET here (with ?token=…&id=…) to download an export. */
export const DOWNLOAD_HTTP_PATH = '/download';

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(value);
}

export function toWireError(error: unknown): WireError {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    const code = typeof e.code === 'string' ? (e.code as WireError['code']) : undefined;
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: String(e.message),
      ...(code !== undefined ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

// ---------------------------------------------------------------------------------------------
// Threads, scheduling and power (issue 11): CPU Usage (Precise) rows and pivot with WPA's columns,
// thread summary, thread timeline, "who delayed my thread", CPU idle states (Actual / Target) and
// processor performance states. Answered by electron/engine/sched and electron/engine/power.

/** Filter of the scheduling and power queries. Switch rows are in a range when they switch in there. */
export interface SchedFilter {
  readonly range?: TimeRange;
  readonly cpus?: readonly number[];
  /** Process name (image file name) the thread belongs to, case-insensitive, substring match. */
  readonly process?: string;
  readonly threadIds?: readonly number[];
}

/** Groupable columns of CPU Usage (Precise), WPA's names in `SWITCH_COLUMN_TITLES`. */
export const SWITCH_COLUMNS = [
  'newProcess',
  'newThreadId',
  'newThreadName',
  'newInPri',
  'newPrevState',
  'newPrevWaitReason',
  'newPrevWaitMode',
  'oldProcess',
  'oldThreadId',
  'oldOutPri',
  'oldState',
  'oldWaitReason',
  'oldWaitMode',
  'readyingProcess',
  'readyingThreadId',
  'readiedFromDpc',
  'cpu',
  'idealCpu',
  'prevCState',
] as const;
export type SwitchColumn = (typeof SWITCH_COLUMNS)[number];

export const SWITCH_COLUMN_TITLES: Readonly<Record<SwitchColumn, string>> = {
  newProcess: 'New Process',
  newThreadId: 'New Thread Id',
  newThreadName: 'New Thread Name',
  newInPri: 'New In Pri',
  newPrevState: 'New Prev State',
  newPrevWaitReason: 'New Prev Wait Reason',
  newPrevWaitMode: 'New Prev Wait Mode',
  oldProcess: 'Old Process',
  oldThreadId: 'Old Thread Id',
  oldOutPri: 'Old Out Pri',
  oldState: 'Old State',
  oldWaitReason: 'Old Wait Reason',
  oldWaitMode: 'Old Wait Mode',
  readyingProcess: 'Readying Process',
  readyingThreadId: 'Readying Thread Id',
  readiedFromDpc: 'Readied From DPC',
  cpu: 'CPU',
  idealCpu: 'Ideal CPU',
  prevCState: 'PrevCState',
};

/** One context switch (a switch-in of the new thread), WPA's CPU Usage (Precise) row. Times in ns
 *  from the trace origin; NaN-free: unknown values are null. */
export interface SwitchRow {
  readonly cpu: number;
  readonly newProcess: string;
  readonly newProcessId: number;
  readonly newThreadId: number;
  readonly newThreadName: string;
  readonly newInPri: number;
  /** State / wait reason / mode of the new thread at its last switch-out ("Waiting", "WrResource", "KernelMode"). */
  readonly newPrevState: string;
  readonly newPrevWaitReason: string;
  readonly newPrevWaitMode: string;
  readonly oldProcess: string;
  readonly oldThreadId: number;
  readonly oldOutPri: number;
  readonly oldState: string;
  readonly oldWaitReason: string;
  readonly oldWaitMode: string;
  readonly readyingProcess: string | null;
  readonly readyingThreadId: number | null;
  /** The ReadyThread was logged while its CPU executed a DPC (its Flags bit 0). */
  readonly readiedFromDpc: boolean;
  readonly readyingCpu: number | null;
  readonly idealCpu: number;
  readonly prevCState: number;
  readonly switchInNs: number;
  readonly lastSwitchOutNs: number | null;
  readonly nextSwitchOutNs: number;
  readonly readyTimeNs: number | null;
  readonly cpuUsageMs: number;
  /** Switch-In − Ready time (a preempted thread is ready from its switch-out). */
  readonly readyUs: number | null;
  /** Ready time − Last Switch-Out. */
  readonly waitsUs: number | null;
  /** Switch-In − Last Switch-Out. */
  readonly timeSinceLastUs: number | null;
}

export interface SwitchAggregates {
  readonly count: number;
  readonly cpuUsageMs: number;
  readonly readyUsSum: number;
  readonly readyUsAvg: number;
  readonly readyUsMax: number;
  readonly waitsUsSum: number;
}

export interface SwitchPivotNode {
  readonly key: string;
  readonly aggregates: SwitchAggregates;
  readonly children?: readonly SwitchPivotNode[];
  readonly omittedChildren?: number;
}

export interface SwitchPivotQuery {
  readonly kind: 'switchPivot';
  readonly filter: SchedFilter;
  readonly groupBy: readonly SwitchColumn[];
  readonly sortBy?: keyof SwitchAggregates | 'key';
  readonly descending?: boolean;
  /** Default 500. */
  readonly limitPerLevel?: number;
}

export interface SwitchPivotResult {
  readonly kind: 'switchPivot';
  readonly groupBy: readonly SwitchColumn[];
  readonly total: SwitchAggregates;
  readonly rows: readonly SwitchPivotNode[];
  readonly omittedRows: number;
}

/** WPA's CPU Usage (Precise) presets. */
export const SWITCH_PRESETS: readonly {
  readonly name: string;
  readonly groupBy: readonly SwitchColumn[];
  readonly sortBy: keyof SwitchAggregates;
}[] = [
  { name: 'Utilization by Process, Thread', groupBy: ['newProcess', 'newThreadId'], sortBy: 'cpuUsageMs' },
  {
    name: 'Context Switch Count by Process, Thread',
    groupBy: ['newProcess', 'newThreadId'],
    sortBy: 'count',
  },
  { name: 'Context Switch Rate by CPU', groupBy: ['cpu'], sortBy: 'count' },
  { name: 'Timeline by Process, Thread', groupBy: ['newProcess', 'newThreadId'], sortBy: 'cpuUsageMs' },
];

export interface SwitchRowsQuery {
  readonly kind: 'switchRows';
  readonly filter: SchedFilter;
  readonly offset?: number;
  /** Default 1,000, at most 100,000. */
  readonly limit?: number;
}

export interface SwitchRowsResult {
  readonly kind: 'switchRows';
  /** Rows matching the filter (the result holds `rows.length` of them from `offset`). */
  readonly total: number;
  readonly rows: readonly SwitchRow[];
}

/** One thread over the filter (the `etlscope threads` row). */
export interface ThreadSummaryRow {
  readonly process: string;
  readonly processId: number;
  readonly threadId: number;
  readonly threadName: string;
  /** Most common priority at switch-in. */
  readonly priority: number;
  /** Switch-ins. */
  readonly switches: number;
  readonly runningMs: number;
  readonly readyMs: number;
  readonly waitingMs: number;
  readonly avgRunUs: number;
  readonly maxReadyUs: number;
  readonly maxRunUs: number;
  readonly switchesPerSecond: number;
}

export interface ConvoyHint {
  /** The headline sentence, naming the threads. */
  readonly text: string;
  readonly priority: number;
  readonly hogThreadId: number;
  readonly convoyThreadIds: readonly number[];
}

export interface ThreadSummaryQuery {
  readonly kind: 'threadSummary';
  readonly filter: SchedFilter;
}

export interface ThreadSummaryResult {
  readonly kind: 'threadSummary';
  /** By running time, descending; the idle threads are left out. */
  readonly rows: readonly ThreadSummaryRow[];
  readonly rangeNs: number;
  readonly convoy?: ConvoyHint;
  /** Why there are no rows (no CSwitch events). */
  readonly note?: string;
}

export type ThreadIntervalState = 'running' | 'ready' | 'waiting';

export interface ThreadInterval {
  readonly startNs: number;
  readonly endNs: number;
  readonly state: ThreadIntervalState;
  /** Running: the CPU; ready: the CPU it switched in on. */
  readonly cpu: number;
  /** Ready intervals: who readied it (null: preempted, or unknown). */
  readonly readiedByThreadId?: number | null;
  readonly readiedFromDpc?: boolean;
}

export interface ThreadLane {
  readonly process: string;
  readonly processId: number;
  readonly threadId: number;
  readonly threadName: string;
  readonly runningMs: number;
  readonly switches: number;
  readonly intervals: readonly ThreadInterval[];
  /** Intervals merged away to stay within `maxIntervalsPerLane` (then each kept one is the
   *  state that covered most of its span). */
  readonly mergedIntervals: number;
}

export interface ThreadTimelineQuery {
  readonly kind: 'threadTimeline';
  readonly filter: SchedFilter;
  readonly sortBy?: 'cpuUsage' | 'switches';
  /** Default 200. */
  readonly maxLanes?: number;
  /** Default 2,000. */
  readonly maxIntervalsPerLane?: number;
}

export interface ThreadTimelineResult {
  readonly kind: 'threadTimeline';
  /** Grouped by process (processes by their threads' running time), then by the sort key. */
  readonly lanes: readonly ThreadLane[];
  readonly omittedLanes: number;
}

export interface DelayInterval {
  readonly readyNs: number;
  readonly switchInNs: number;
  readonly cpu: number;
  readonly readiedByThreadId: number | null;
  readonly readiedFromDpc: boolean;
  /** DPC/ISR time inside the interval on that CPU, by module. */
  readonly modules: readonly { readonly module: string; readonly ns: number }[];
  /** Other threads' running time inside the interval on that CPU, DPC/ISR time taken out. */
  readonly threads: readonly {
    readonly process: string;
    readonly threadId: number;
    readonly threadName: string;
    readonly ns: number;
  }[];
}

export interface ThreadDelaysQuery {
  readonly kind: 'threadDelays';
  readonly threadId: number;
  readonly filter: SchedFilter;
  /** Default 1,000 (the longest ready intervals are kept). */
  readonly maxIntervals?: number;
}

export interface ThreadDelaysResult {
  readonly kind: 'threadDelays';
  readonly threadId: number;
  readonly threadName: string;
  readonly process: string;
  readonly readyIntervals: number;
  readonly totalReadyNs: number;
  readonly intervals: readonly DelayInterval[];
  readonly omittedIntervals: number;
  readonly byModule: readonly { readonly module: string; readonly intervals: number; readonly ns: number }[];
  readonly byThread: readonly {
    readonly process: string;
    readonly threadId: number;
    readonly threadName: string;
    readonly intervals: number;
    readonly ns: number;
  }[];
  /** Ready time with neither a DPC/ISR nor another thread on the CPU (dispatch, idle). */
  readonly otherNs: number;
}

/** WPA's CPU Idle States row. */
export interface IdleStateRow {
  readonly cpu: number;
  readonly type: 'Actual' | 'Target';
  readonly state: string;
  readonly prevState: string;
  readonly nextState: string;
  readonly entryNs: number;
  readonly exitNs: number;
  readonly durationNs: number;
}

export interface IdleStateStats {
  readonly type: 'Actual' | 'Target';
  /** null: all CPUs of the filter. */
  readonly cpu: number | null;
  readonly state: string;
  readonly visits: number;
  /** Entries into the state from another state. */
  readonly transitions: number;
  readonly residencyNs: number;
  /** Of (range × CPUs). */
  readonly residencyPercent: number;
  readonly minNs: number;
  readonly avgNs: number;
  readonly maxNs: number;
  /** Visit lengths in doubling buckets: visits with length < upToUs (and ≥ the previous bucket's). */
  readonly histogram: readonly { readonly upToUs: number; readonly visits: number }[];
}

export interface IdleStatsQuery {
  readonly kind: 'idleStats';
  readonly filter: SchedFilter;
  /** Buckets of the concurrency line; default 200. */
  readonly buckets?: number;
  readonly perCpu?: boolean;
  /** Rows to return (time order); default 0. */
  readonly rowLimit?: number;
  /** Rows skipped before the `rowLimit` returned (a scrolled table's window); default 0. */
  readonly rowOffset?: number;
  /** Only rows of this type (and `totalRows` counts only them); default both. */
  readonly rowType?: 'Actual' | 'Target';
  /** false: no per-state stats (`actual` and `target` empty) — for a caller that needs only the
   *  concurrency line, the deep-idle hint or a rows window (the stats scan every visit: ~70 ms on a
   *  million). Default true. */
  readonly withStats?: boolean;
}

export interface IdleStatsResult {
  readonly kind: 'idleStats';
  readonly actual: readonly IdleStateStats[];
  /** Empty when the trace has no Power IdleStateChange events. */
  readonly target: readonly IdleStateStats[];
  /** CPUs in C0 (not idle) averaged over each bucket. */
  readonly concurrency: {
    readonly startNs: number;
    readonly bucketNs: number;
    readonly values: readonly number[];
  };
  readonly rows: readonly IdleStateRow[];
  readonly totalRows: number;
  /** "All processors but CPU 0 entered deep idle (C3) within 0.9 ms at 50.0 ms and stayed there." */
  readonly deepIdleHint?: string;
}

export interface FrequencyQuery {
  readonly kind: 'frequency';
  readonly filter: SchedFilter;
  /** Intervals per CPU at most; default 2,000. */
  readonly maxIntervals?: number;
}

export interface FrequencyResult {
  readonly kind: 'frequency';
  /** 'Power/PerfStateChange' or 'none'. */
  readonly source: string;
  /** The header's nominal CPU speed (MHz) when recorded, else null. */
  readonly nominalMHz: number | null;
  /** Time at each performance state over every CPU of the filter. The events carry P-state
   *  indices; the index → MHz table (Kernel-Processor-Power rundown) is not decoded. */
  readonly timeAtState: readonly { readonly state: string; readonly ns: number; readonly percent: number }[];
  readonly cpus: readonly {
    readonly cpu: number;
    readonly intervals: readonly {
      readonly startNs: number;
      readonly endNs: number;
      readonly state: string;
    }[];
    readonly changes: number;
  }[];
}

export type SchedQuery =
  | SwitchPivotQuery
  | SwitchRowsQuery
  | ThreadSummaryQuery
  | ThreadTimelineQuery
  | ThreadDelaysQuery
  | IdleStatsQuery
  | FrequencyQuery;
export type SchedResultOf<Q extends SchedQuery> = Q extends SwitchPivotQuery
  ? SwitchPivotResult
  : Q extends SwitchRowsQuery
    ? SwitchRowsResult
    : Q extends ThreadSummaryQuery
      ? ThreadSummaryResult
      : Q extends ThreadTimelineQuery
        ? ThreadTimelineResult
        : Q extends ThreadDelaysQuery
          ? ThreadDelaysResult
          : Q extends IdleStatsQuery
            ? IdleStatsResult
            : FrequencyResult;
