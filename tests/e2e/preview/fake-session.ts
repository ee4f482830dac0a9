// A small in-memory TraceSession for previewing the renderer before (or without) the real engine:
// a synthetic 24-CPU "backup server" with ndis.sys DPCs pegging CPUs 0, 2, 4, 6. It computes every
// answer honestly from its synthetic rows (filters, grouping, percentiles), so the UI behaves as it
// would on the engine. Test tooling only (tests/e2e/preview), never shipped in the app.

import { writeFile } from 'node:fs/promises';
import type {
  Aggregates,
  DpcIsrRow,
  DpcType,
  ExportRequest,
  GroupColumn,
  HistogramBucket,
  PivotNode,
  Query,
  QueryFilter,
  ResultOf,
  SeriesResult,
  TraceSummary,
} from '../../../shared/contract.js';
import type { TraceSession } from '../../../electron/engine/session-types.js';
import { durationNs, traceNs } from '../../../shared/units.js';

interface Row {
  cpu: number;
  type: DpcType;
  module: string;
  function: string;
  enter: number;
  dur: number;
}

const CPUS = 24;
const DURATION = 10e9;

/** Deterministic PRNG so previews look the same every run. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRows(): Row[] {
  const rand = mulberry32(42);
  const rows: Row[] = [];
  const add = (
    count: number,
    cpus: number[],
    type: DpcType,
    module: string,
    fn: string,
    dur: () => number,
  ) => {
    for (let i = 0; i < count; i++) {
      rows.push({
        cpu: cpus[Math.floor(rand() * cpus.length)],
        type,
        module,
        function: fn,
        enter: rand() * DURATION,
        dur: dur(),
      });
    }
  };
  const all = Array.from({ length: CPUS }, (_, i) => i);
  add(30000, [0, 2, 4, 6], 'DPC', 'ndis.sys', 'ndisInterruptDpc', () => 140e3 + rand() * 160e3);
  add(3000, [0, 2, 4, 6], 'ISR-MSI', 'ndis.sys', 'ndisMiniportMessageIsr', () => 3e3 + rand() * 30e3);
  add(4000, all, 'DPC', 'storport.sys', 'RaidpAdapterDpcRoutine', () => 4e3 + rand() * rand() * 150e3);
  add(3000, all, 'TimerDPC', 'ntoskrnl.exe', 'KiTimerExpirationDpc', () => 1e3 + rand() * 12e3);
  add(1500, all, 'DPC', 'tcpip.sys', 'tcpip.sys+0x1a2b0', () => 2e3 + rand() * 40e3);
  add(600, [1, 3], 'ISR', 'ACPI.sys', 'ACPIInterruptServiceRoutine', () => 1e3 + rand() * 8e3);
  return rows.sort((a, b) => a.enter - b.enter);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const overBudget = (r: Row) => (r.type.startsWith('ISR') ? r.dur > 25e3 : r.dur > 100e3);

export function createFakeSession(fileName: string, fileSize: number): TraceSession {
  const rows = makeRows();
  const keyOf = (r: Row, c: GroupColumn): string =>
    c === 'cpu' ? String(r.cpu) : c === 'type' ? r.type : c === 'module' ? r.module : r.function;
  const matches = (r: Row, f: QueryFilter): boolean => {
    if (f.range && (r.enter + r.dur <= f.range.start || r.enter >= f.range.end)) return false;
    if (f.cpus && !f.cpus.includes(r.cpu)) return false;
    for (const [c, vs] of Object.entries(f.include ?? {}))
      if (vs && !vs.includes(keyOf(r, c as GroupColumn))) return false;
    for (const [c, vs] of Object.entries(f.exclude ?? {}))
      if (vs && vs.includes(keyOf(r, c as GroupColumn))) return false;
    if (f.durationNs?.min !== undefined && r.dur < f.durationNs.min) return false;
    if (f.durationNs?.max !== undefined && f.durationNs.max !== null && r.dur >= f.durationNs.max)
      return false;
    return true;
  };
  const aggregate = (set: Row[], f: QueryFilter): Aggregates => {
    const durs = set.map((r) => r.dur).sort((a, b) => a - b);
    const total = durs.reduce((a, b) => a + b, 0);
    const span = (f.range ? f.range.end - f.range.start : DURATION) * (f.cpus?.length ?? CPUS);
    return {
      count: set.length,
      totalMs: total / 1e6,
      minUs: (durs[0] ?? 0) / 1e3,
      maxUs: (durs[durs.length - 1] ?? 0) / 1e3,
      avgUs: set.length ? total / set.length / 1e3 : 0,
      p50Us: percentile(durs, 50) / 1e3,
      p90Us: percentile(durs, 90) / 1e3,
      p99Us: percentile(durs, 99) / 1e3,
      overBudget: set.filter(overBudget).length,
      percent: (total / span) * 100,
    };
  };
  const group = (
    set: Row[],
    by: readonly GroupColumn[],
    f: QueryFilter,
    sortBy: string,
    desc: boolean,
    limit: number,
  ): { nodes: PivotNode[]; omitted: number } => {
    if (by.length === 0) return { nodes: [], omitted: 0 };
    const groups = new Map<string, Row[]>();
    for (const r of set) {
      const k = keyOf(r, by[0]);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(r);
    }
    const nodes = [...groups.entries()].map(([key, g]) => {
      const child = group(g, by.slice(1), f, sortBy, desc, limit);
      return {
        key,
        aggregates: aggregate(g, f),
        ...(by.length > 1 ? { children: child.nodes, omittedChildren: child.omitted } : {}),
      };
    });
    const value = (n: PivotNode) => (sortBy === 'key' ? n.key : n.aggregates[sortBy as keyof Aggregates]);
    nodes.sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const cmp =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), 'en', { numeric: true });
      return desc ? -cmp : cmp;
    });
    return { nodes: nodes.slice(0, limit), omitted: Math.max(0, nodes.length - limit) };
  };
  const toRow = (r: Row): DpcIsrRow => ({
    cpu: r.cpu,
    type: r.type,
    module: r.module,
    function: r.function,
    address: '0xfffff80212345678',
    enterSeconds: r.enter / 1e9,
    exitSeconds: (r.enter + r.dur) / 1e9,
    durationUs: r.dur / 1e3,
    exclusiveDurationUs: r.dur / 1e3,
  });
  const series = (q: Extract<Query, { kind: 'series' }>): SeriesResult => {
    const range = q.filter.range ?? { start: traceNs(0), end: traceNs(DURATION) };
    const n = q.buckets;
    const width = (range.end - range.start) / n;
    const cpus = q.filter.cpus ?? Array.from({ length: CPUS }, (_, i) => i);
    const per = new Map(cpus.map((c) => [c, new Array<number>(n).fill(0)]));
    const set = rows.filter((r) => matches(r, q.filter));
    for (const r of set) {
      const arr = per.get(r.cpu);
      if (!arr) continue;
      const i = Math.floor((r.enter - range.start) / width);
      if (i < 0 || i >= n) continue;
      if (q.metric === 'dpcDurations') arr[i] = Math.max(arr[i], r.dur / 1e3);
      else arr[i] += (r.dur / width) * 100;
    }
    const rand = mulberry32(7);
    const out = cpus.map((cpu) => {
      const arr = per.get(cpu)!;
      if (q.metric === 'utilization') {
        return {
          cpu,
          values: arr.map((v, i) =>
            Math.min(
              100,
              v * (cpu % 2 === 0 && cpu < 8 ? 1 : 1) +
                8 +
                6 * Math.sin((range.start + i * width) / 4e8 + cpu) +
                rand() * 4,
            ),
          ),
        };
      }
      if (q.metric === 'cstate') {
        return {
          cpu,
          values: arr.map((_, i) =>
            cpu < 8 && cpu % 2 === 0
              ? 0
              : [0, 1, 1, 2, 2, 2, 3][Math.floor(((range.start + i * width) / 2e8 + cpu * 3) % 7)],
          ),
        };
      }
      return { cpu, values: arr.map((v) => (q.metric === 'dpcIsrTime' ? Math.min(100, v) : v)) };
    });
    return {
      kind: 'series',
      metric: q.metric,
      range,
      bucketNs: width,
      source: q.metric === 'utilization' ? 'precise' : 'events',
      cpus: out,
      ...(q.metric === 'cstate' ? { stateNames: ['C0', 'C1', 'C2', 'C3'] } : {}),
    };
  };
  const summary: TraceSummary = {
    fileName,
    fileSize,
    build: 19041,
    osVersion: '10.0',
    cpuCount: CPUS,
    pointerSize: 8,
    loggerName: 'NT Kernel Logger',
    logFileName: fileName,
    clockType: 'QPC',
    clockFrequencyHz: 10_000_000,
    startTimeUtc: '2026-03-02T14:05:11.000Z',
    durationNs: durationNs(DURATION),
    buffers: 4096,
    compressedBuffers: 0,
    events: rows.length * 2,
    eventsLost: 0,
    buffersLost: 0,
    recorded: {
      contextSwitches: true,
      compactContextSwitches: false,
      dpc: true,
      interrupts: true,
      sampledProfile: false,
      idleStates: true,
      readyThread: true,
      processThread: true,
      imageLoad: true,
      stackWalk: false,
    },
    explanations: ['No stack walks were recorded — call stacks are unavailable.'],
    counts: { 'PerfInfo/DPC': 38500, 'PerfInfo/ISR-MSI': 3000, 'Thread/CSwitch': 120000 },
    diagnostics: [],
    tableRows: { dpcIsr: rows.length, cpuPrecise: 120000, cpuSampled: 0, idleStates: 50000 },
    utilizationSource: 'precise',
  };
  return {
    summary,
    async query<Q extends Query>(q: Q): Promise<ResultOf<Q>> {
      await new Promise((r) => setTimeout(r, 30));
      if (q.kind === 'pivot') {
        const set = rows.filter((r) => matches(r, q.filter));
        const g = group(
          set,
          q.groupBy.filter((c) => ['cpu', 'type', 'module', 'function'].includes(c)),
          q.filter,
          q.sortBy ?? 'totalMs',
          q.descending ?? true,
          q.limitPerLevel ?? 500,
        );
        return {
          kind: 'pivot',
          groupBy: q.groupBy,
          total: aggregate(set, q.filter),
          rows: g.nodes,
          omittedRows: g.omitted,
        } as unknown as ResultOf<Q>;
      }
      if (q.kind === 'histogram') {
        const set = rows.filter((r) => matches(r, q.filter));
        const edges =
          q.scheme === 'doubling'
            ? [0, 1e3, 2e3, 4e3, 8e3, 16e3, 32e3, 64e3, 128e3, 256e3, 512e3, 1024e3]
            : [0, 250e3, 500e3, 1000e3, 2000e3, 4000e3];
        const buckets: HistogramBucket[] = edges.map((min, i) => {
          const max = edges[i + 1] ?? null;
          const inB = set.filter((r) => r.dur >= min && (max === null || r.dur < max));
          const label =
            max === null
              ? `>= ${min / 1e3} µs`
              : min === 0
                ? `< ${max / 1e3} µs`
                : `${min / 1e3}-${max / 1e3} µs`;
          return {
            label,
            minNs: min,
            maxNs: max,
            count: inB.length,
            dpcCount: inB.filter((r) => !r.type.startsWith('ISR')).length,
            isrCount: inB.filter((r) => r.type.startsWith('ISR')).length,
          };
        });
        return { kind: 'histogram', scheme: q.scheme, buckets } as unknown as ResultOf<Q>;
      }
      if (q.kind === 'series') {
        return series(q) as ResultOf<Q>;
      }
      const cands = rows.filter((r) => matches(r, q.filter) && overBudget(r));
      const row =
        q.direction === 'next'
          ? cands.find((r) => r.enter >= q.from)
          : [...cands].reverse().find((r) => r.enter <= q.from);
      return {
        kind: 'find',
        found: row !== undefined,
        ...(row ? { row: toRow(row) } : {}),
      } as unknown as ResultOf<Q>;
    },
    async exportCsv(request: ExportRequest, path: string) {
      const set = rows.filter((r) => matches(r, request.filter));
      const lines = [
        'CPU,Type,Module,Function,Address,Enter Time (s),Exit Time (s),Duration (µs),Exclusive Duration (µs)',
      ];
      for (const r of set) {
        const x = toRow(r);
        lines.push(
          [
            x.cpu,
            x.type,
            x.module,
            x.function,
            x.address,
            x.enterSeconds.toFixed(9),
            x.exitSeconds.toFixed(9),
            x.durationUs.toFixed(3),
            x.exclusiveDurationUs.toFixed(3),
          ].join(','),
        );
      }
      await writeFile(path, lines.join('\n') + '\n');
      return { rows: set.length };
    },
    async close() {},
  };
}
