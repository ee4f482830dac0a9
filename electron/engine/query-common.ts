// What every query shares: cancellation, the resolved filter (range clipped to the trace, CPU
// list, per-column allowed-code masks) and the table specs that map WPA column names to integer
// code columns, so group-by and filtering are array lookups, never string work per row.
//
//   QueryFilter ──resolveFilter──> { range, cpus, allowed[col][code] }      (once per query)
//   TableSpec.columns[col] = { rows, remap, cardinality, label }             (once per model)
//   row i of CPU c: code = remap ? remap[rows[i]] : rows[i]   (cpu column: code = c)

import {
  DPC_BUDGET_NS,
  DPC_TYPES,
  ISR_BUDGET_NS,
  TABLE_COLUMNS,
  type GroupColumn,
  type QueryFilter,
  type TableId,
} from '../../shared/contract.js';
import { lowerBound, upperBound } from './images.js';
import type { CpuOffsets, EngineModel } from './model.js';

/** Rows between cancellation checks: ~0.1 ms of work, so a stale query stops almost at once. */
export const CANCEL_CHECK_MASK = 0x0fff;

/** Something a running query polls to learn it was cancelled. */
export interface CancelToken {
  readonly cancelled: boolean;
}
export const NEVER_CANCELLED: CancelToken = { cancelled: false };

export function signalToken(signal: AbortSignal | undefined): CancelToken {
  if (signal === undefined) return NEVER_CANCELLED;
  return {
    get cancelled() {
      return signal.aborted;
    },
  };
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: 'cancelled' | 'bad-request' | 'bad-file' | 'internal' | 'not-found',
    name = 'EngineError',
  ) {
    super(message);
    this.name = name;
  }
}

export function cancelledError(): EngineError {
  return new EngineError('The query was cancelled.', 'cancelled', 'CancelledError');
}

export function throwIfCancelled(token: CancelToken): void {
  if (token.cancelled) throw cancelledError();
}

export interface ColumnSpec {
  /** Per-row codes; null for the cpu column (the code is the CPU of the row's segment). */
  readonly rows: ArrayLike<number> | null;
  readonly remap: Int32Array | null;
  readonly cardinality: number;
  label(code: number): string;
}

export type MeasureKind = 'duration' | 'clipped' | 'weight';

export interface TableSpec {
  readonly id: TableId;
  readonly cpuOffsets: CpuOffsets;
  readonly columns: Partial<Record<GroupColumn, ColumnSpec>>;
  readonly measure: MeasureKind;
  /** Sort key of rows inside a CPU: DPC enter, interval start or sample time. */
  readonly time: Float64Array;
  /** Interval tables: row ends (monotonic within a CPU). Without it an interval table's rows are
   *  contiguous per CPU: each ends where the CPU's next row starts, CPU c's last at `lastEnd[c]`. */
  readonly end?: Float64Array;
  readonly lastEnd?: Float64Array;
  /** duration tables: the row's measure. */
  readonly duration?: Float32Array;
  readonly weight?: Float32Array;
  /** dpcIsr: DPC kinds (budget per family). */
  readonly kind?: Uint8Array;
}

const DPC_ISR_LABELS = ['-', 'DPC', 'ISR'];
/** Sample flags (bit0 DPC, bit1 ISR) → dpcIsr code (0 '-', 1 DPC, 2 ISR; ISR wins when both). */
const FLAGS_TO_DPC_ISR = Int32Array.from([0, 1, 2, 2]);

export function budgetOfKind(kind: number): number {
  return kind >= 3 ? ISR_BUDGET_NS : DPC_BUDGET_NS;
}

/** Builds the four table specs of a model once. */
export function buildTableSpecs(model: EngineModel): Record<TableId, TableSpec> {
  const d = model.dict;
  const cpuColumn: ColumnSpec = {
    rows: null,
    remap: null,
    cardinality: model.cpuSlots,
    label: (c) => String(c),
  };
  const sym = model.symbols;
  const locationModule = Int32Array.from(d.locations.group, (g) => d.locations.groupModule[g]!);
  const routineModule = Int32Array.from(d.routineLocation, (l) => locationModule[l]!);
  const threadColumn = (rows: Int32Array): ColumnSpec => ({
    rows,
    remap: null,
    cardinality: d.threadLabels.length,
    label: (c) => d.threadLabels[c] ?? '',
  });
  const processColumn = (rows: Int32Array): ColumnSpec => ({
    rows,
    remap: d.threadProcess,
    cardinality: d.processLabels.length,
    label: (c) => d.processLabels[c] ?? '',
  });
  return {
    dpcIsr: {
      id: 'dpcIsr',
      cpuOffsets: model.dpc.cpuOffsets,
      measure: 'duration',
      time: model.dpc.enter,
      duration: model.dpc.duration,
      kind: model.dpc.kind,
      columns: {
        cpu: cpuColumn,
        type: {
          rows: model.dpc.kind,
          remap: null,
          cardinality: DPC_TYPES.length,
          label: (c) => DPC_TYPES[c] ?? '?',
        },
        module: {
          rows: model.dpc.routine,
          remap: routineModule,
          cardinality: d.modules.length,
          label: (c) => d.modules[c] ?? '',
        },
        function: {
          rows: model.dpc.routine,
          remap: sym.routineFunc,
          cardinality: sym.functionCount,
          label: (c) => sym.functionName(c),
        },
      },
    },
    cpuPrecise: {
      id: 'cpuPrecise',
      cpuOffsets: model.run.cpuOffsets,
      measure: 'clipped',
      time: model.run.start,
      ...(model.run.end !== undefined ? { end: model.run.end } : {}),
      lastEnd: model.run.lastEnd,
      columns: {
        cpu: cpuColumn,
        process: processColumn(model.run.thread),
        thread: threadColumn(model.run.thread),
      },
    },
    cpuSampled: {
      id: 'cpuSampled',
      cpuOffsets: model.samples.cpuOffsets,
      measure: 'weight',
      time: model.samples.time,
      weight: model.samples.weight,
      columns: {
        cpu: cpuColumn,
        process: processColumn(model.samples.thread),
        thread: threadColumn(model.samples.thread),
        module: {
          rows: model.samples.location,
          remap: locationModule,
          cardinality: d.modules.length,
          label: (c) => d.modules[c] ?? '',
        },
        function: {
          rows: model.samples.location,
          remap: sym.locationFunc,
          cardinality: sym.functionCount,
          label: (c) => sym.functionName(c),
        },
        dpcIsr: {
          rows: model.samples.flags,
          remap: FLAGS_TO_DPC_ISR,
          cardinality: 3,
          label: (c) => DPC_ISR_LABELS[c] ?? '-',
        },
      },
    },
    idleStates: {
      id: 'idleStates',
      cpuOffsets: model.idle.cpuOffsets,
      measure: 'clipped',
      time: model.idle.start,
      lastEnd: new Float64Array(model.cpuSlots).fill(model.durationNs),
      columns: {
        cpu: cpuColumn,
        state: {
          rows: model.idle.state,
          remap: null,
          cardinality: d.stateNames.length,
          label: (c) => d.stateNames[c] ?? `C${c}`,
        },
      },
    },
  };
}

export interface ResolvedFilter {
  readonly start: number;
  readonly end: number;
  /** End used to select rows: `end`, or +∞ without a range so an event at the very last
   *  timestamp (which defines the trace end) is not dropped by the half-open range. */
  readonly rowEnd: number;
  readonly cpus: readonly number[];
  /** Columns with a row filter: the code → keep mask (cpu is folded into `cpus`). */
  readonly masks: readonly { readonly column: ColumnSpec; readonly keep: Uint8Array }[];
  readonly minDuration: number;
  readonly maxDuration: number;
}

/** The CPUs "all CPUs" means: every CPU the header declares plus any that logged events. */
export function allCpus(model: EngineModel): number[] {
  const n = Math.max(model.summary.cpuCount, model.cpuSlots);
  return Array.from({ length: n }, (_, i) => i);
}

export function resolveFilter(
  model: EngineModel,
  spec: TableSpec | undefined,
  filter: QueryFilter,
): ResolvedFilter {
  const traceEnd = model.durationNs;
  let start = 0;
  let end = traceEnd;
  if (filter.range !== undefined) {
    const s = Number(filter.range.start);
    const e = Number(filter.range.end);
    if (!Number.isFinite(s) || !Number.isFinite(e) || e < s)
      throw new EngineError('The time range is not valid (end before start).', 'bad-request');
    start = Math.max(0, s);
    end = Math.min(traceEnd, e);
    if (end < start) end = start;
  }
  let cpus =
    filter.cpus !== undefined
      ? [...new Set(filter.cpus)].filter((c) => Number.isInteger(c) && c >= 0).sort((a, b) => a - b)
      : allCpus(model);
  const includeCpu = filter.include?.cpu;
  const excludeCpu = filter.exclude?.cpu;
  if (includeCpu !== undefined) cpus = cpus.filter((c) => includeCpu.includes(String(c)));
  if (excludeCpu !== undefined) cpus = cpus.filter((c) => !excludeCpu.includes(String(c)));
  const masks: { column: ColumnSpec; keep: Uint8Array }[] = [];
  if (spec !== undefined) {
    const columns = new Set<GroupColumn>([
      ...Object.keys(filter.include ?? {}),
      ...Object.keys(filter.exclude ?? {}),
    ] as GroupColumn[]);
    for (const name of columns) {
      if (name === 'cpu') continue;
      const column = spec.columns[name];
      // A filter on a column this table does not have does not narrow it (e.g. `type` on CPU usage).
      if (column === undefined || !TABLE_COLUMNS[spec.id].includes(name)) continue;
      const include = filter.include?.[name];
      const exclude = filter.exclude?.[name];
      const keep = new Uint8Array(column.cardinality);
      const inc = include !== undefined ? new Set(include) : undefined;
      const exc = exclude !== undefined ? new Set(exclude) : undefined;
      for (let code = 0; code < column.cardinality; code++) {
        const label = column.label(code);
        keep[code] = (inc === undefined || inc.has(label)) && (exc === undefined || !exc.has(label)) ? 1 : 0;
      }
      masks.push({ column, keep });
    }
  }
  return {
    start,
    end,
    rowEnd: filter.range === undefined ? Infinity : end,
    cpus,
    masks,
    minDuration: filter.durationNs?.min ?? -Infinity,
    maxDuration: filter.durationNs?.max ?? Infinity,
  };
}

/** Row span [lo, hi) of one CPU that can touch [start, end). */
export function rowSpan(spec: TableSpec, cpu: number, start: number, end: number): [number, number] {
  const offsets = spec.cpuOffsets;
  if (cpu + 1 >= offsets.length) return [0, 0];
  const first = offsets[cpu]!;
  const last = offsets[cpu + 1]!;
  if (spec.end !== undefined) {
    // Intervals: first row ending after start, up to the first row starting at/after end.
    const lo = upperBound(spec.end, start, first, last);
    const hi = lowerBound(spec.time, end, lo, last);
    return [lo, hi];
  }
  if (spec.lastEnd !== undefined) {
    // Contiguous intervals: the row containing start (the last one starting at or before it).
    let lo = Math.max(first, upperBound(spec.time, start, first, last) - 1);
    if (lo === last - 1 && !(spec.lastEnd[cpu]! > start)) lo = last;
    const hi = lowerBound(spec.time, end, lo, last);
    return [lo, hi];
  }
  const lo = lowerBound(spec.time, start, first, last);
  const hi = lowerBound(spec.time, end, lo, last);
  return [lo, hi];
}

/** True when row i passes the column masks and duration bounds. */
export function rowPasses(spec: TableSpec, filter: ResolvedFilter, i: number): boolean {
  for (const m of filter.masks) {
    const raw = m.column.rows![i]!;
    const code = m.column.remap !== null ? m.column.remap[raw]! : raw;
    if (m.keep[code] === 0) return false;
  }
  if (spec.duration !== undefined && (filter.minDuration !== -Infinity || filter.maxDuration !== Infinity)) {
    const d = spec.duration[i]!;
    if (d < filter.minDuration || d >= filter.maxDuration) return false;
  }
  return true;
}

/** End of interval row i of CPU `cpu` (its `end`, or for contiguous rows the next row's start). */
export function rowEnd(spec: TableSpec, cpu: number, i: number): number {
  if (spec.end !== undefined) return spec.end[i]!;
  return i + 1 < spec.cpuOffsets[cpu + 1]! ? spec.time[i + 1]! : spec.lastEnd![cpu]!;
}

/** The row's measure (ns) inside [start, end). */
export function measureOf(spec: TableSpec, cpu: number, i: number, start: number, end: number): number {
  if (spec.measure === 'duration') return spec.duration![i]!;
  if (spec.measure === 'weight') return spec.weight![i]!;
  const s = spec.time[i]!;
  const e = rowEnd(spec, cpu, i);
  return Math.min(e, end) - Math.max(s, start);
}
