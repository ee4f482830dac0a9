// `etlscope cpu FILE`: busy % per CPU and the DPC/ISR share. Precise when context switches were
// recorded; else from the sampled profile, over the span the samples cover (a profile that stopped
// early must not dilute busy % over time nobody sampled); "not recorded" when neither exists.
import type { SeriesResult } from '../../../shared/contract.js';
import type { TimeRange, TraceNs } from '../../../shared/units.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { printTable, traceCommand } from '../command.js';
import type { CsvTable } from '../csv.js';
import { fixed, integer, renderTable } from '../text-table.js';
import { effectiveRange, filterFromOptions, flattenPivot } from './common.js';

/** Buckets used to find where samples start and stop: the span is exact to 1/10,000 of the range
 *  (the engine's maximum series resolution). */
const SAMPLE_SPAN_BUCKETS = 10_000;

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
  /** What busy % is relative to: the range, or (sampled) the part of it samples cover. */
  readonly coveredRange: { readonly startSeconds: number; readonly endSeconds: number } | null;
  /** Empty when source is 'none' (nothing to compute utilization from). */
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

/** The part of `range` that holds samples (first to last bucket with any sample weight). */
async function sampledSpan(session: TraceSession, options: CliOptions, range: TimeRange): Promise<TimeRange> {
  const filter = filterFromOptions({ ...options, type: 'all', range });
  const series = await session.query({
    kind: 'series',
    metric: 'utilization',
    filter,
    buckets: SAMPLE_SPAN_BUCKETS,
  });
  let first = Infinity;
  let last = -Infinity;
  for (const c of series.cpus)
    c.values.forEach((v, b) => {
      if (v > 0) {
        first = Math.min(first, b);
        last = Math.max(last, b);
      }
    });
  if (first === Infinity) return range;
  const bucket = series.bucketNs;
  return {
    start: (range.start + first * bucket) as TraceNs,
    end: Math.min(range.end, range.start + (last + 1) * bucket) as TraceNs,
  };
}

export async function cpu(session: TraceSession, options: CliOptions): Promise<CpuResult> {
  const range = effectiveRange(session.summary, options.range);
  const source = session.summary.utilizationSource;
  const covered = source === 'sampled' ? await sampledSpan(session, options, range) : range;
  const filter = filterFromOptions({ ...options, type: 'all', range: covered });
  const lengthMs = (covered.end - covered.start) / 1e6;
  let rows: CpuRow[] = [];
  if (source !== 'none') {
    const utilization = await session.query({ kind: 'series', metric: 'utilization', filter, buckets: 1 });
    const dpcShare = await session.query({ kind: 'series', metric: 'dpcIsrTime', filter, buckets: 1 });
    const busy = singleBucket(utilization);
    const dpcIsr = singleBucket(dpcShare);
    const cpuList = [...new Set([...busy.keys(), ...dpcIsr.keys()])].sort((a, b) => a - b);
    rows = cpuList.map((c): CpuRow => {
      const percent = busy.get(c) ?? 0;
      return {
        cpu: c,
        busyPercent: percent,
        busyMs: (percent / 100) * lengthMs,
        dpcIsrMs: ((dpcIsr.get(c) ?? 0) / 100) * lengthMs,
        source,
      };
    });
  }
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
  const seconds = (r: TimeRange) => ({ startSeconds: r.start / 1e9, endSeconds: r.end / 1e9 });
  return {
    range: seconds(range),
    source,
    coveredRange: source === 'none' ? null : seconds(covered),
    rows,
    dpcIsrSamplesByModule,
  };
}

export function cpuCsv(result: CpuResult): CsvTable {
  return {
    columns: ['CPU', '% CPU Usage', 'CPU Usage (ms)', 'DPC/ISR (ms)', 'Source'],
    rows: result.rows.map((r) => [
      r.cpu,
      fixed(r.busyPercent, 3),
      fixed(r.busyMs, 3),
      fixed(r.dpcIsrMs, 3),
      r.source,
    ]),
  };
}

export function formatCpu(result: CpuResult, fileName: string): string {
  const span = `${fixed(result.range.startSeconds, 3)}–${fixed(result.range.endSeconds, 3)} s`;
  if (result.source === 'none') {
    return `CPU utilization — ${fileName}, ${span}: not recorded (the trace has neither context switches nor profile samples; record with the CSWITCH or PROFILE kernel flags).`;
  }
  const c = result.coveredRange!;
  const partial =
    result.source === 'sampled' &&
    (c.startSeconds > result.range.startSeconds + 1e-9 || c.endSeconds < result.range.endSeconds - 1e-9);
  const how =
    result.source === 'precise'
      ? 'precise, from context switches'
      : `sampled profile (no context switches were recorded)${partial ? `; samples cover ${fixed(c.startSeconds, 3)}–${fixed(c.endSeconds, 3)} s only, so busy % is of that span` : ''}`;
  const lines = [`CPU utilization — ${fileName}, ${span} (${how})`, ''];
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

export const cpuCommand = traceCommand(
  {
    name: 'cpu',
    files: 'one',
    flags: ['--range', '--cpus', '--json', '--csv', '--workers'],
    usage: '  etlscope cpu FILE [options]                 utilization per CPU and the DPC/ISR share',
  },
  async ({ session, options, fileName, io }) => {
    const result = await cpu(session, options);
    printTable(io, options, {
      csv: () => cpuCsv(result),
      rowNoun: 'CPU rows',
      json: result,
      text: () => formatCpu(result, fileName),
    });
  },
);
