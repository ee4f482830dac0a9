// The CLI's analyses, built only from engine queries (the same contract the app uses), so the
// command line and the window can never disagree. Each command returns a plain result object;
// main.ts prints it as JSON or as text.
//
//   TraceSession ──PivotQuery/SeriesQuery/HistogramQuery──> results ──> rows ──> text | JSON | CSV

import {
  DPC_BUDGET_NS,
  ISR_BUDGET_NS,
  type Aggregates,
  type DpcType,
  type GroupColumn,
  type HistogramResult,
  type IdleStateStats,
  type ListResult,
  type PivotNode,
  type PivotResult,
  type QueryFilter,
  type SeriesResult,
  type TraceSummary,
} from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { csvField } from '../engine/engine.js';
import type { TraceSession } from '../engine/session-types.js';
import type { CliOptions } from './args.js';
import { fixed, integer, renderTable, type TextColumn } from './text-table.js';

const DPC_FAMILY: readonly DpcType[] = ['DPC', 'ThreadedDPC', 'TimerDPC'];
const ISR_FAMILY: readonly DpcType[] = ['ISR', 'ISR-MSI'];

export function filterFromOptions(options: Pick<CliOptions, 'range' | 'cpus' | 'type'>): QueryFilter {
  const types = options.type === 'dpc' ? DPC_FAMILY : options.type === 'isr' ? ISR_FAMILY : undefined;
  return {
    ...(options.range !== undefined ? { range: options.range } : {}),
    ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    ...(types !== undefined ? { include: { type: types } } : {}),
  };
}

/** The range a command covers: the filter's, or the whole trace. */
export function effectiveRange(summary: TraceSummary, range: TimeRange | undefined): TimeRange {
  return range ?? ({ start: 0, end: summary.durationNs } as unknown as TimeRange);
}

// ---------------------------------------------------------------------------------------------
// info
// ---------------------------------------------------------------------------------------------

export interface InfoResult {
  readonly file: string;
  readonly fileSize: number;
  readonly buffers: number;
  readonly compressedBuffers: number;
  readonly events: number;
  readonly lostEvents: number;
  readonly lostBuffers: number;
  readonly build: number;
  readonly osVersion: string;
  readonly cpuCount: number;
  readonly pointerSize: number;
  readonly loggerName: string;
  readonly clockType: string;
  readonly clockFrequencyHz: number;
  readonly startTimeUtc: string;
  readonly durationSeconds: number;
  readonly recorded: TraceSummary['recorded'];
  readonly explanations: readonly string[];
  readonly diagnostics: TraceSummary['diagnostics'];
  readonly counts: Readonly<Record<string, number>>;
}

export function info(summary: TraceSummary): InfoResult {
  const counts = Object.fromEntries(
    Object.entries(summary.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    file: summary.fileName,
    fileSize: summary.fileSize,
    buffers: summary.buffers,
    compressedBuffers: summary.compressedBuffers,
    events: summary.events,
    lostEvents: summary.eventsLost,
    lostBuffers: summary.buffersLost,
    build: summary.build,
    osVersion: summary.osVersion,
    cpuCount: summary.cpuCount,
    pointerSize: summary.pointerSize,
    loggerName: summary.loggerName,
    clockType: summary.clockType,
    clockFrequencyHz: summary.clockFrequencyHz,
    startTimeUtc: summary.startTimeUtc,
    durationSeconds: summary.durationNs / 1e9,
    recorded: summary.recorded,
    explanations: summary.explanations,
    diagnostics: summary.diagnostics,
    counts,
  };
}

export function formatInfo(result: InfoResult): string {
  const lines = [
    `File:            ${result.file} (${integer(result.fileSize)} bytes)`,
    `Windows:         ${result.osVersion} build ${result.build}, ${result.cpuCount} CPUs, ${result.pointerSize * 8}-bit`,
    `Logger:          ${result.loggerName || '(unnamed)'}`,
    `Clock:           ${result.clockType} at ${integer(result.clockFrequencyHz)} Hz; starts ${result.startTimeUtc}`,
    `Duration:        ${fixed(result.durationSeconds, 3)} s`,
    `Buffers:         ${integer(result.buffers)} (${integer(result.compressedBuffers)} compressed)`,
    `Events:          ${integer(result.events)}`,
    `Lost:            ${integer(result.lostEvents)} events, ${integer(result.lostBuffers)} buffers`,
  ];
  for (const text of result.explanations) lines.push(`Note:            ${text}`);
  for (const d of result.diagnostics) {
    lines.push(
      `${d.severity === 'error' ? 'Error' : d.severity === 'warning' ? 'Warning' : 'Info'}:${' '.repeat(d.severity === 'error' ? 11 : d.severity === 'warning' ? 9 : 12)}${d.message}`,
    );
  }
  const countRows = Object.entries(result.counts)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => [name, integer(n)]);
  lines.push(
    '',
    renderTable(
      [
        { title: 'Event kind', align: 'left' },
        { title: 'Count', align: 'right' },
      ],
      countRows,
    ),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// dpc
// ---------------------------------------------------------------------------------------------

/** One grouped DPC/ISR row (the JSON keys the issue names). */
export interface DpcRow {
  readonly type: string | null;
  readonly module: string | null;
  readonly function: string | null;
  readonly cpu: number | null;
  readonly count: number;
  readonly totalMs: number;
  readonly avgUs: number;
  readonly maxUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly overBudget: number;
}

export interface DpcResult {
  readonly range: { readonly startSeconds: number; readonly endSeconds: number };
  readonly cpus: readonly number[] | 'all';
  readonly groupBy: readonly GroupColumn[];
  readonly rows: readonly DpcRow[];
  readonly totals: { readonly dpc: Aggregates; readonly isr: Aggregates };
  readonly histogram: HistogramResult['buckets'];
}

/** Flattens a pivot tree into leaf rows carrying every level's key. */
export function flattenPivot(
  result: PivotResult,
): { keys: Partial<Record<GroupColumn, string>>; aggregates: Aggregates }[] {
  const out: { keys: Partial<Record<GroupColumn, string>>; aggregates: Aggregates }[] = [];
  const walk = (nodes: readonly PivotNode[], depth: number, keys: Partial<Record<GroupColumn, string>>) => {
    for (const node of nodes) {
      const here = { ...keys, [result.groupBy[depth]!]: node.key };
      if (depth + 1 < result.groupBy.length && node.children !== undefined) {
        walk(node.children, depth + 1, here);
      } else {
        out.push({ keys: here, aggregates: node.aggregates });
      }
    }
  };
  walk(result.rows, 0, {});
  return out;
}

export async function dpc(session: TraceSession, options: CliOptions): Promise<DpcResult> {
  const filter = filterFromOptions(options);
  // DPCs and ISRs have different budgets (100 µs / 25 µs), so type is always the outer group,
  // as xperf -a dpcisr reports them in separate sections.
  const groupBy: GroupColumn[] = ['type', ...options.by.filter((c) => c !== 'type')];
  const pivot = await session.query({
    kind: 'pivot',
    table: 'dpcIsr',
    filter,
    groupBy,
    sortBy: 'totalMs',
    descending: true,
    limitPerLevel: 100_000,
  });
  const rows = flattenPivot(pivot).map(({ keys, aggregates: a }): DpcRow => ({
    type: keys.type ?? null,
    module: keys.module ?? null,
    function: keys.function ?? null,
    cpu: keys.cpu !== undefined ? Number(keys.cpu) : null,
    count: a.count,
    totalMs: a.totalMs,
    avgUs: a.avgUs,
    maxUs: a.maxUs,
    p50Us: a.p50Us,
    p99Us: a.p99Us,
    overBudget: a.overBudget,
  }));
  rows.sort((a, b) => b.totalMs - a.totalMs);
  const familyTotal = async (types: readonly DpcType[]) => {
    const allowed = filter.include?.type;
    const effective = allowed === undefined ? types : types.filter((t) => allowed.includes(t));
    const result = await session.query({
      kind: 'pivot',
      table: 'dpcIsr',
      filter: {
        ...filter,
        include: { ...filter.include, type: effective.length > 0 ? effective : ['none'] },
      },
      groupBy: [],
    });
    return result.total;
  };
  const histogram = await session.query({ kind: 'histogram', table: 'dpcIsr', filter, scheme: 'doubling' });
  const range = effectiveRange(session.summary, options.range);
  return {
    range: { startSeconds: range.start / 1e9, endSeconds: range.end / 1e9 },
    cpus: options.cpus ?? 'all',
    groupBy,
    rows,
    totals: { dpc: await familyTotal(DPC_FAMILY), isr: await familyTotal(ISR_FAMILY) },
    histogram: histogram.buckets,
  };
}

export function dpcCsv(result: DpcResult): string {
  const header = [
    'Type',
    'Module',
    'Function',
    'CPU',
    'Count',
    'Total (ms)',
    'Avg (µs)',
    'Max (µs)',
    'p50 (µs)',
    'p99 (µs)',
    'Over budget',
  ];
  const lines = result.rows.map((r) =>
    [
      r.type ?? '',
      r.module ?? '',
      r.function ?? '',
      r.cpu === null ? '' : String(r.cpu),
      String(r.count),
      fixed(r.totalMs, 3),
      fixed(r.avgUs, 2),
      fixed(r.maxUs, 2),
      fixed(r.p50Us, 2),
      fixed(r.p99Us, 2),
      String(r.overBudget),
    ]
      .map(csvField)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function formatDpc(result: DpcResult, fileName: string): string {
  const cpus = result.cpus === 'all' ? 'all CPUs' : `CPUs ${result.cpus.join(',')}`;
  const lines = [
    `DPC/ISR durations — ${fileName}, ${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s, ${cpus}`,
    `Guideline: DPCs ≤ ${DPC_BUDGET_NS / 1000} µs, ISRs ≤ ${ISR_BUDGET_NS / 1000} µs ("Over" counts the longer ones).`,
    '',
  ];
  const shown = result.groupBy.slice(1);
  const columns: TextColumn[] = [
    { title: 'Type', align: 'left' },
    ...shown.map((c): TextColumn => ({
      title: c === 'cpu' ? 'CPU' : c[0]!.toUpperCase() + c.slice(1),
      align: c === 'cpu' ? 'right' : 'left',
    })),
    { title: 'Count', align: 'right' },
    { title: 'Total ms', align: 'right' },
    { title: 'Avg µs', align: 'right' },
    { title: 'p50 µs', align: 'right' },
    { title: 'p99 µs', align: 'right' },
    { title: 'Max µs', align: 'right' },
    { title: 'Over', align: 'right' },
  ];
  const tableRows = result.rows.map((r) => [
    r.type ?? '',
    ...shown.map((c) =>
      c === 'cpu'
        ? String(r.cpu ?? '')
        : ((c === 'module' ? r.module : c === 'function' ? r.function : r.type) ?? ''),
    ),
    integer(r.count),
    fixed(r.totalMs, 2),
    fixed(r.avgUs, 1),
    fixed(r.p50Us, 1),
    fixed(r.p99Us, 1),
    fixed(r.maxUs, 1),
    integer(r.overBudget),
  ]);
  lines.push(
    tableRows.length > 0
      ? renderTable(columns, tableRows)
      : 'No DPC or ISR events in this range (see `etlscope info` for what the trace recorded).',
  );
  lines.push('', 'Duration histogram (xperf doubling buckets):');
  lines.push(
    renderTable(
      [
        { title: 'Duration', align: 'left' },
        { title: 'DPCs', align: 'right' },
        { title: 'ISRs', align: 'right' },
      ],
      result.histogram
        .filter((b) => b.count > 0)
        .map((b) => [b.label, integer(b.dpcCount), integer(b.isrCount)]),
    ),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// cpu
// ---------------------------------------------------------------------------------------------

export interface CpuRow {
  readonly cpu: number;
  readonly busyPercent: number;
  readonly busyMs: number;
  readonly dpcIsrMs: number;
  readonly source: 'precise' | 'sampled' | 'none';
}

export interface CpuResult {
  readonly range: { readonly startSeconds: number; readonly endSeconds: number };
  readonly source: 'precise' | 'sampled' | 'none';
  readonly rows: readonly CpuRow[];
  /** Sampled traces: samples taken inside DPCs/ISRs, by module (WPA's "DPC/ISR Usage by Module"). */
  readonly dpcIsrSamplesByModule: readonly {
    readonly kind: string;
    readonly module: string;
    readonly samples: number;
    readonly ms: number;
  }[];
}

function singleBucket(series: SeriesResult): Map<number, number> {
  return new Map(series.cpus.map((c) => [c.cpu, c.values[0] ?? 0]));
}

export async function cpu(session: TraceSession, options: CliOptions): Promise<CpuResult> {
  const filter = filterFromOptions({ ...options, type: 'all' });
  const range = effectiveRange(session.summary, options.range);
  const lengthMs = (range.end - range.start) / 1e6;
  const utilization = await session.query({ kind: 'series', metric: 'utilization', filter, buckets: 1 });
  const dpcShare = await session.query({ kind: 'series', metric: 'dpcIsrTime', filter, buckets: 1 });
  const busy = singleBucket(utilization);
  const dpcIsr = singleBucket(dpcShare);
  const source =
    utilization.source === 'precise' || utilization.source === 'sampled' ? utilization.source : 'none';
  const cpuList = [...new Set([...busy.keys(), ...dpcIsr.keys()])].sort((a, b) => a - b);
  const rows = cpuList.map((c): CpuRow => {
    const percent = busy.get(c) ?? 0;
    return {
      cpu: c,
      busyPercent: percent,
      busyMs: (percent / 100) * lengthMs,
      dpcIsrMs: ((dpcIsr.get(c) ?? 0) / 100) * lengthMs,
      source,
    };
  });
  let dpcIsrSamplesByModule: CpuResult['dpcIsrSamplesByModule'] = [];
  if (session.summary.recorded.sampledProfile) {
    const pivot = await session.query({
      kind: 'pivot',
      table: 'cpuSampled',
      filter: { ...filter, include: { dpcIsr: ['DPC', 'ISR'] } },
      groupBy: ['dpcIsr', 'module'],
      sortBy: 'count',
      descending: true,
      limitPerLevel: 1000,
    });
    dpcIsrSamplesByModule = flattenPivot(pivot).map(({ keys, aggregates }) => ({
      kind: keys.dpcIsr ?? '',
      module: keys.module ?? '',
      samples: aggregates.count,
      ms: aggregates.totalMs,
    }));
  }
  return {
    range: { startSeconds: range.start / 1e9, endSeconds: range.end / 1e9 },
    source,
    rows,
    dpcIsrSamplesByModule,
  };
}

export function formatCpu(result: CpuResult, fileName: string): string {
  const how =
    result.source === 'precise'
      ? 'precise, from context switches'
      : result.source === 'sampled'
        ? 'sampled profile (no context switches were recorded)'
        : 'no context switches or samples were recorded';
  const lines = [
    `CPU utilization — ${fileName}, ${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s (${how})`,
    '',
  ];
  lines.push(
    renderTable(
      [
        { title: 'CPU', align: 'right' },
        { title: 'Busy %', align: 'right' },
        { title: 'Busy ms', align: 'right' },
        { title: 'DPC/ISR ms', align: 'right' },
      ],
      result.rows.map((r) => [
        String(r.cpu),
        fixed(r.busyPercent, 1),
        fixed(r.busyMs, 1),
        fixed(r.dpcIsrMs, 1),
      ]),
    ),
  );
  if (result.dpcIsrSamplesByModule.length > 0) {
    lines.push('', 'Samples taken inside DPCs/ISRs, by module:');
    lines.push(
      renderTable(
        [
          { title: 'In', align: 'left' },
          { title: 'Module', align: 'left' },
          { title: 'Samples', align: 'right' },
          { title: 'ms', align: 'right' },
        ],
        result.dpcIsrSamplesByModule.map((r) => [r.kind, r.module, integer(r.samples), fixed(r.ms, 1)]),
      ),
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// idle
// ---------------------------------------------------------------------------------------------

export interface IdleRow {
  readonly cpu: number;
  readonly state: string;
  readonly ms: number;
  readonly percent: number;
}

export interface IdleResult {
  readonly range: { readonly startSeconds: number; readonly endSeconds: number };
  readonly rows: readonly IdleRow[];
  /** Actual states (idle enter/exit, C0 between) per state over all CPUs and per CPU: visits,
   *  transitions, residency, min/avg/max visit, visit-length histogram (issue 11). */
  readonly states?: readonly IdleStateStats[];
  /** Target states (Power IdleStateChange), when recorded. */
  readonly target?: readonly IdleStateStats[];
  readonly deepIdleHint?: string;
}

export async function idle(session: TraceSession, options: CliOptions): Promise<IdleResult> {
  const filter = filterFromOptions({ ...options, type: 'all' });
  const range = effectiveRange(session.summary, options.range);
  const pivot = await session.query({
    kind: 'pivot',
    table: 'idleStates',
    filter,
    groupBy: ['cpu', 'state'],
    sortBy: 'key',
    descending: false,
    limitPerLevel: 10_000,
  });
  const rows = flattenPivot(pivot)
    .map(({ keys, aggregates }) => ({
      cpu: Number(keys.cpu),
      state: keys.state ?? '',
      ms: aggregates.totalMs,
      percent: aggregates.percent,
    }))
    .sort((a, b) => a.cpu - b.cpu || a.state.localeCompare(b.state, 'en'));
  const stats = await session.query({
    kind: 'idleStats',
    filter: {
      ...(options.range !== undefined ? { range: options.range } : {}),
      ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    },
    perCpu: true,
    buckets: 1,
  });
  return {
    range: { startSeconds: range.start / 1e9, endSeconds: range.end / 1e9 },
    rows,
    ...(stats.actual.length > 0 ? { states: stats.actual } : {}),
    ...(stats.target.length > 0 ? { target: stats.target } : {}),
    ...(stats.deepIdleHint !== undefined ? { deepIdleHint: stats.deepIdleHint } : {}),
  };
}

export function formatIdle(result: IdleResult, fileName: string): string {
  const lines = [
    `C-state residency — ${fileName}, ${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s`,
    '',
  ];
  if (result.rows.length === 0) {
    lines.push(
      'No idle-state data: the trace has no idle enter/exit events and no context switches (record IDLE_STATES or CSWITCH).',
    );
    return lines.join('\n');
  }
  const states = [...new Set(result.rows.map((r) => r.state))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const cpus = [...new Set(result.rows.map((r) => r.cpu))].sort((a, b) => a - b);
  const cell = new Map(result.rows.map((r) => [`${r.cpu}/${r.state}`, r]));
  lines.push(
    renderTable(
      [
        { title: 'CPU', align: 'right' },
        ...states.flatMap((s): TextColumn[] => [
          { title: `${s} ms`, align: 'right' },
          { title: `${s} %`, align: 'right' },
        ]),
      ],
      cpus.map((c) => [
        String(c),
        ...states.flatMap((s) => {
          const r = cell.get(`${c}/${s}`);
          return [fixed(r?.ms ?? 0, 1), fixed(r?.percent ?? 0, 1)];
        }),
      ]),
    ),
  );
  if (result.deepIdleHint !== undefined) lines.push('', result.deepIdleHint);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// report
// ---------------------------------------------------------------------------------------------

/** The guideline verdict in one paragraph: who broke the 100 µs / 25 µs rule, how often, how badly. */
export function verdict(result: DpcResult): string[] {
  const lines: string[] = [];
  const { dpc: d, isr: i } = result.totals;
  if (d.count === 0 && i.count === 0) {
    return ['No DPC/ISR events were recorded in this range, so no verdict (record with DPC+INTERRUPT).'];
  }
  const describe = (what: string, a: Aggregates, budgetUs: number) =>
    a.count === 0
      ? `${what}: none recorded.`
      : a.overBudget === 0
        ? `${what}: all ${integer(a.count)} within ${budgetUs} µs (longest ${fixed(a.maxUs, 1)} µs) — OK.`
        : `${what}: ${integer(a.overBudget)} of ${integer(a.count)} (${fixed((100 * a.overBudget) / a.count, 2)} %) took longer than ${budgetUs} µs; longest ${fixed(a.maxUs, 1)} µs — ${a.maxUs > 1000 ? 'long enough to cause audio dropouts and input lag' : 'over the guideline'}.`;
  lines.push(describe('DPCs', d, DPC_BUDGET_NS / 1000), describe('ISRs', i, ISR_BUDGET_NS / 1000));
  const offenders = result.rows.filter((r) => r.overBudget > 0).slice(0, 5);
  for (const r of offenders) {
    lines.push(
      `  ${r.type} ${r.module ?? '?'}${r.function !== null ? `!${r.function.replace(`${r.module ?? ''}+`, '+')}` : ''}: ${integer(r.overBudget)} over budget, avg ${fixed(r.avgUs, 1)} µs, max ${fixed(r.maxUs, 1)} µs, ${fixed(r.totalMs, 1)} ms in total`,
    );
  }
  return lines;
}

export async function report(session: TraceSession, options: CliOptions, fileName: string): Promise<string> {
  const summary = session.summary;
  const [dpcResult, cpuResult, idleResult] = [
    await dpc(session, { ...options, by: ['module', 'function'] }),
    await cpu(session, options),
    await idle(session, options),
  ];
  const byModule = await dpc(session, { ...options, by: ['module'] });
  const lines = [
    `etlscope report — ${fileName}`,
    `${summary.osVersion} build ${summary.build}, ${summary.cpuCount} CPUs, logger "${summary.loggerName}", ${fixed(summary.durationNs / 1e9, 3)} s, ${integer(summary.events)} events`,
  ];
  if (summary.eventsLost > 0 || summary.buffersLost > 0) {
    lines.push(
      `WARNING: ${integer(summary.eventsLost)} events and ${integer(summary.buffersLost)} buffers were lost while recording; numbers near the gaps are unreliable.`,
    );
  }
  for (const text of summary.explanations) lines.push(`Note: ${text}`);
  lines.push('', '== Verdict (DPC ≤ 100 µs, ISR ≤ 25 µs) ==', ...verdict(dpcResult));
  lines.push('', '== DPC/ISR by module ==', formatDpc(byModule, fileName));
  lines.push('', '== DPC/ISR by module and function ==', formatDpc(dpcResult, fileName));
  lines.push('', '== CPU ==', formatCpu(cpuResult, fileName));
  lines.push('', '== Idle states ==', formatIdle(idleResult, fileName));
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// list (processes, threads, images, event kinds)
// ---------------------------------------------------------------------------------------------

/** Every row of a list table (the engine bounds one answer to 100,000 rows). */
export async function list(session: TraceSession, options: CliOptions): Promise<ListResult> {
  return session.query({
    kind: 'list',
    table: options.table!,
    ...(options.range !== undefined ? { filter: { range: options.range } } : {}),
    limit: 100_000,
  });
}

export function formatList(result: ListResult): string {
  const numeric = result.columns.map(
    (_, i) => result.rows.length > 0 && result.rows.every((r) => typeof r[i] === 'number' || r[i] === ''),
  );
  const text = renderTable(
    result.columns.map((title, i): TextColumn => ({ title, align: numeric[i] ? 'right' : 'left' })),
    result.rows.map((r) =>
      r.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fixed(v, 6)) : v)),
    ),
  );
  const omitted = result.totalRows - result.rows.length;
  return omitted > 0
    ? `${text}
(${integer(omitted)} more rows not shown)`
    : text;
}
