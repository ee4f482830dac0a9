// `etlscope report FILE`: one forum-pasteable report. It opens with what helpers ask first (the
// worst driver, the worst single DPC/ISR with its CPU and time, the CPUs it concentrates on, the
// guideline verdict), then xperf -a dpcisr's sections (by module with a doubling histogram per
// module and its exclusive time, by module and function, by CPU), then CPU usage and C-states. A section whose data the
// trace lacks is left out (one line says so), never printed empty. `--json` gives the same as data.
import {
  DPC_BUDGET_NS,
  ISR_BUDGET_NS,
  type Aggregates,
  type DpcIsrRow,
  type HistogramResult,
  type ProcessorInfo,
} from '../../../shared/contract.js';
import type { TraceNs } from '../../../shared/units.js';
import type { TraceSession } from '../../engine/session-types.js';
import type { CliOptions } from '../args.js';
import { traceCommand } from '../command.js';
import { fixed, integer } from '../text-table.js';
import { filterFromOptions } from './common.js';
import { cpu, formatCpu, type CpuResult } from './cpu.js';
import { dpc, formatDpcTable, formatHistogram, type DpcResult } from './dpc.js';
import { formatIdleTable, idle, type IdleResult } from './idle.js';
import { describeProcessor } from './info.js';

/** Offenders the verdict names; the rest are counted ("top 5 of 12"). */
const VERDICT_OFFENDERS = 5;
/** Modules that get their own duration histogram (the heaviest by total time). */
const HISTOGRAM_MODULES = 10;
/** A driver "concentrates" on the fewest CPUs that together hold this share of its time. */
const CONCENTRATION_SHARE = 0.8;
/** Rows `find` steps through inside the bucket that holds the longest DPC/ISR before giving up. */
const WORST_SEARCH_STEPS = 500;
/** Buckets across the trace when locating the longest DPC/ISR (the engine's maximum). */
const WORST_SEARCH_BUCKETS = 10_000;

export interface WorstRow {
  readonly type: string;
  readonly module: string;
  readonly function: string;
  readonly cpu: number;
  readonly startSeconds: number;
  readonly durationUs: number;
}

export interface ReportResult {
  readonly file: string;
  readonly header: {
    readonly osVersion: string;
    readonly build: number;
    readonly startTimeUtc: string;
    readonly cpuCount: number;
    readonly loggerName: string;
    readonly durationSeconds: number;
    readonly events: number;
    readonly lostEvents: number;
    readonly lostBuffers: number;
    /** The processor's recorded name (SystemConfig PnP), null when the trace does not record it. */
    readonly cpuModel: string | null;
    /** The processor line the header shows: the name, or what is recorded and that the name is not. */
    readonly processor: string;
    readonly processorFacts: ProcessorInfo | null;
  };
  readonly notes: readonly string[];
  readonly opening: {
    readonly worstDriver: {
      readonly module: string;
      readonly totalMs: number;
      readonly count: number;
    } | null;
    readonly worstSingle: WorstRow | null;
    readonly concentratesOn: readonly { readonly cpu: number; readonly percent: number }[];
    readonly verdict: readonly string[];
  };
  readonly dpc: {
    readonly byModule: DpcResult;
    readonly byFunction: DpcResult;
    readonly byCpu: DpcResult;
    readonly moduleHistograms: readonly {
      readonly module: string;
      readonly buckets: HistogramResult['buckets'];
    }[];
  } | null;
  readonly cpu: CpuResult | null;
  readonly idle: IdleResult | null;
}

/** The guideline verdict: who broke the 100 µs / 25 µs rule, how often, how badly. */
export function verdict(byFunction: DpcResult): string[] {
  const { dpc: d, isr: i } = byFunction.totals;
  if (d.count === 0 && i.count === 0) {
    return ['No DPC/ISR events were recorded in this range, so no verdict (record with DPC+INTERRUPT).'];
  }
  const describe = (what: string, a: Aggregates, budgetUs: number) =>
    a.count === 0
      ? `${what}: none recorded.`
      : a.overBudget === 0
        ? `${what}: all ${integer(a.count)} within ${budgetUs} µs (longest ${fixed(a.maxUs, 1)} µs) — OK.`
        : `${what}: ${integer(a.overBudget)} of ${integer(a.count)} (${fixed((100 * a.overBudget) / a.count, 2)} %) took longer than ${budgetUs} µs; longest ${fixed(a.maxUs, 1)} µs — ${a.maxUs > 1000 ? 'long enough to cause audio dropouts and input lag' : 'over the guideline'}.`;
  const lines = [describe('DPCs', d, DPC_BUDGET_NS / 1000), describe('ISRs', i, ISR_BUDGET_NS / 1000)];
  const over = byFunction.rows.filter((r) => r.overBudget > 0).sort((a, b) => b.overBudget - a.overBudget);
  if (over.length > 0)
    lines.push(
      over.length > VERDICT_OFFENDERS
        ? `Routines over the guideline, the top ${VERDICT_OFFENDERS} of ${over.length} by how often:`
        : `Routines over the guideline (all ${over.length}):`,
    );
  for (const r of over.slice(0, VERDICT_OFFENDERS)) {
    const name =
      r.function !== null
        ? `${r.module ?? '?'}!${r.function.replace(`${r.module ?? ''}+`, '+')}`
        : (r.module ?? '?');
    lines.push(
      `  ${r.type ?? ''} ${name}: ${integer(r.overBudget)} over budget, avg ${fixed(r.avgUs, 1)} µs, max ${fixed(r.maxUs, 1)} µs, ${fixed(r.totalMs, 1)} ms in total`.replace(
        /^ {2} /,
        '  ',
      ),
    );
  }
  return lines;
}

/** The single longest DPC/ISR: its CPU from a one-bucket series, its bucket from a fine series,
 *  then `find` steps through that bucket to the row itself. */
async function worstSingle(
  session: TraceSession,
  options: CliOptions,
  maxUs: number,
): Promise<WorstRow | null> {
  if (maxUs <= 0) return null;
  const filter = filterFromOptions(options);
  const perCpu = await session.query({ kind: 'series', metric: 'dpcDurations', filter, buckets: 1 });
  const top = perCpu.cpus.reduce(
    (best, c) => ((c.values[0] ?? 0) > (best?.values[0] ?? 0) ? c : best),
    perCpu.cpus[0],
  );
  if (top === undefined) return null;
  const onCpu = { ...filter, cpus: [top.cpu] };
  const fine = await session.query({
    kind: 'series',
    metric: 'dpcDurations',
    filter: onCpu,
    buckets: WORST_SEARCH_BUCKETS,
  });
  const values = fine.cpus.find((c) => c.cpu === top.cpu)?.values ?? [];
  let bucket = 0;
  values.forEach((v, b) => {
    if (v > (values[bucket] ?? 0)) bucket = b;
  });
  const longest = values[bucket] ?? 0;
  let from = (fine.range.start + bucket * fine.bucketNs) as TraceNs;
  const end = fine.range.start + (bucket + 1) * fine.bucketNs;
  let best: DpcIsrRow | undefined;
  for (let step = 0; step < WORST_SEARCH_STEPS; step++) {
    const found = await session.query({
      kind: 'find',
      table: 'dpcIsr',
      filter: onCpu,
      from,
      direction: 'next',
      overBudgetOnly: false,
    });
    if (!found.found || found.row === undefined || found.row.enterSeconds * 1e9 > end) break;
    if (best === undefined || found.row.durationUs > best.durationUs) best = found.row;
    if (found.row.durationUs >= longest - 1e-6) break;
    from = (found.row.enterSeconds * 1e9 + 1) as TraceNs;
  }
  if (best === undefined) return null;
  return {
    type: best.type,
    module: best.module,
    function: best.function,
    cpu: best.cpu,
    startSeconds: best.enterSeconds,
    durationUs: best.durationUs,
  };
}

export async function report(
  session: TraceSession,
  options: CliOptions,
  fileName: string,
): Promise<ReportResult> {
  const summary = session.summary;
  const hasDpc = summary.recorded.dpc || summary.recorded.interrupts || summary.tableRows.dpcIsr > 0;
  let dpcPart: ReportResult['dpc'] = null;
  let opening: ReportResult['opening'] = {
    worstDriver: null,
    worstSingle: null,
    concentratesOn: [],
    verdict: [],
  };
  if (hasDpc && summary.tableRows.dpcIsr > 0) {
    const byModule = await dpc(session, { ...options, by: ['module'] });
    const byFunction = await dpc(session, { ...options, by: ['type', 'module', 'function'] });
    const byCpu = await dpc(session, { ...options, by: ['cpu'] });
    const moduleHistograms = [];
    for (const row of byModule.rows.slice(0, HISTOGRAM_MODULES)) {
      const filter = filterFromOptions(options);
      const h = await session.query({
        kind: 'histogram',
        table: 'dpcIsr',
        filter: { ...filter, include: { ...filter.include, module: [row.module ?? ''] } },
        scheme: 'doubling',
      });
      moduleHistograms.push({ module: row.module ?? '', buckets: h.buckets });
    }
    dpcPart = { byModule, byFunction, byCpu, moduleHistograms };
    const worst = byModule.rows[0];
    let concentratesOn: { cpu: number; percent: number }[] = [];
    if (worst !== undefined) {
      const filter = filterFromOptions(options);
      const perCpu = await session.query({
        kind: 'pivot',
        table: 'dpcIsr',
        filter: { ...filter, include: { ...filter.include, module: [worst.module ?? ''] } },
        groupBy: ['cpu'],
        sortBy: 'totalMs',
        descending: true,
        limitPerLevel: 4096,
      });
      let share = 0;
      for (const node of perCpu.rows) {
        if (share >= CONCENTRATION_SHARE * worst.totalMs) break;
        share += node.aggregates.totalMs;
        concentratesOn.push({
          cpu: Number(node.key),
          percent: (100 * node.aggregates.totalMs) / Math.max(1e-12, worst.totalMs),
        });
      }
      if (concentratesOn.length === summary.cpuCount) concentratesOn = [];
    }
    const maxUs = Math.max(byFunction.totals.dpc.maxUs, byFunction.totals.isr.maxUs);
    opening = {
      worstDriver:
        worst === undefined
          ? null
          : { module: worst.module ?? '', totalMs: worst.totalMs, count: worst.count },
      worstSingle: await worstSingle(session, options, maxUs),
      concentratesOn,
      verdict: verdict(byFunction),
    };
  } else {
    opening = { ...opening, verdict: verdict(await dpc(session, { ...options, by: ['module'] })) };
  }
  const cpuResult = summary.utilizationSource === 'none' ? null : await cpu(session, options);
  const idleResult = await idle(session, options);
  return {
    file: fileName,
    header: {
      osVersion: summary.osVersion,
      build: summary.build,
      startTimeUtc: summary.startTimeUtc,
      cpuCount: summary.cpuCount,
      loggerName: summary.loggerName,
      durationSeconds: summary.durationNs / 1e9,
      events: summary.events,
      lostEvents: summary.eventsLost,
      lostBuffers: summary.buffersLost,
      cpuModel: summary.processor?.name ?? null,
      processor: describeProcessor(summary.processor ?? null, summary.cpuCount),
      processorFacts: summary.processor ?? null,
    },
    notes: summary.explanations,
    opening,
    dpc: dpcPart,
    cpu: cpuResult,
    idle: idleResult.rows.length > 0 ? idleResult : null,
  };
}

export function formatReport(r: ReportResult): string {
  const h = r.header;
  const lines = [
    `etlscope report — ${r.file}`,
    `Windows ${h.osVersion} build ${h.build}; recorded ${h.startTimeUtc}; ${h.cpuCount} CPUs; logger "${h.loggerName}"; ${fixed(h.durationSeconds, 3)} s, ${integer(h.events)} events`,
  ];
  lines.push(`Processor: ${h.processor}`);
  if (h.lostEvents > 0 || h.lostBuffers > 0)
    lines.push(
      `WARNING: ${integer(h.lostEvents)} events and ${integer(h.lostBuffers)} buffers were lost while recording; numbers near the gaps are unreliable.`,
    );
  const o = r.opening;
  lines.push('', '== Summary ==');
  if (o.worstDriver !== null)
    lines.push(
      `Worst driver:        ${o.worstDriver.module} — ${fixed(o.worstDriver.totalMs, 2)} ms in ${integer(o.worstDriver.count)} DPCs/ISRs (the most DPC/ISR time of any module)`,
    );
  if (o.worstSingle !== null) {
    const w = o.worstSingle;
    lines.push(
      `Longest DPC/ISR:     ${fixed(w.durationUs, 1)} µs, ${w.type} ${w.module}!${w.function.replace(`${w.module}+`, '+')} on CPU ${w.cpu} at ${fixed(w.startSeconds, 6)} s`,
    );
  }
  if (o.worstDriver !== null)
    lines.push(
      o.concentratesOn.length > 0
        ? `Concentrated on:     CPU ${o.concentratesOn.map((c) => `${c.cpu} (${fixed(c.percent, 0)} %)`).join(', ')} of ${o.worstDriver.module}'s time`
        : `Concentrated on:     no CPU in particular (${o.worstDriver.module}'s time is spread over all CPUs)`,
    );
  lines.push(
    `Verdict (DPC ≤ ${DPC_BUDGET_NS / 1000} µs, ISR ≤ ${ISR_BUDGET_NS / 1000} µs):`,
    ...o.verdict.map((v) => `  ${v}`),
  );
  for (const text of r.notes) lines.push(`Note: ${text}`);
  if (r.dpc !== null) {
    lines.push('', '== DPC/ISR usage by module ==', formatDpcTable(r.dpc.byModule));
    for (const m of r.dpc.moduleHistograms)
      lines.push(
        '',
        `-- Distribution of DPC/ISR durations for ${m.module} (doubling buckets) --`,
        formatHistogram(m.buckets),
      );
    lines.push('', '== DPC/ISR by type, module and function ==', formatDpcTable(r.dpc.byFunction));
    lines.push('', '== DPC/ISR by CPU ==', formatDpcTable(r.dpc.byCpu));
    lines.push(
      '',
      '== All DPC/ISR durations (doubling buckets) ==',
      formatHistogram(r.dpc.byModule.histogram),
    );
  }
  if (r.cpu !== null) lines.push('', '== CPU usage ==', formatCpu(r.cpu, r.file));
  if (r.idle !== null) lines.push('', '== C-state residency ==', formatIdleTable(r.idle));
  return lines.join('\n') + '\n';
}

export const reportCommand = traceCommand(
  {
    name: 'report',
    files: 'one',
    namesFunctions: true,
    flags: ['--range', '--cpus', '--type', '--json', '--symbols', '--workers'],
    usage:
      '  etlscope report FILE [options]              one text report: summary, verdict, xperf-style DPC/ISR sections, CPU, C-states',
  },
  async ({ session, options, fileName, io }) => {
    const result = await report(session, options, fileName);
    io.print(options.json ? JSON.stringify(result, null, 2) : formatReport(result));
  },
);
