// Developer probe (not used by the product): loads one trace in-process (`loadEngine`) and times
// the 2,000-bucket utilization and dpcIsrTime series over all CPUs (whole trace and a 10 % range),
// p50/p95 over `runs` runs after 3 warm-up runs. With a dump file it also writes every value
// (JSON), so two builds' results can be compared exactly.
//   node --import tsx electron/engine/perf-series.ts FILE [runs=20] [dump.json]
import { writeFileSync } from 'node:fs';
import type { Query, SeriesResult } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: perf-series.ts FILE [runs] [dump.json]');
const runs = Number(process.argv[3] ?? 20);
const dumpPath = process.argv[4];
/** Runs before timing: the first ones compile and optimize the lookups. */
const WARM_UP_RUNS = 3;

let t0 = performance.now();
const engine = loadEngine(file);
const d = engine.model.durationNs;
console.log(
  `loaded in ${(performance.now() - t0).toFixed(0)} ms: ${engine.model.dpc.length} DPC rows, ${engine.model.run.length} run rows`,
);
const zoom = { start: (0.45 * d) as TraceNs, end: (0.55 * d) as TraceNs };
const cases: [string, Query][] = [
  ['utilization, whole trace', { kind: 'series', metric: 'utilization', filter: {}, buckets: 2000 }],
  ['dpcIsrTime, whole trace', { kind: 'series', metric: 'dpcIsrTime', filter: {}, buckets: 2000 }],
  [
    'utilization, 10 % range',
    { kind: 'series', metric: 'utilization', filter: { range: zoom }, buckets: 2000 },
  ],
  [
    'dpcIsrTime, 10 % range',
    { kind: 'series', metric: 'dpcIsrTime', filter: { range: zoom }, buckets: 2000 },
  ],
];
const dump: Record<string, (readonly number[])[]> = {};
for (const [name, query] of cases) {
  for (let i = 0; i < WARM_UP_RUNS; i++) engine.query(query, NEVER_CANCELLED);
  const times: number[] = [];
  let result: SeriesResult | undefined;
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    result = engine.query(query, NEVER_CANCELLED) as SeriesResult;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  dump[name] = result!.cpus.map((c) => c.values);
  console.log(
    `${name.padEnd(26)} p50 ${times[Math.floor(runs / 2)]!.toFixed(1)} ms  p95 ${times[Math.ceil(0.95 * runs) - 1]!.toFixed(1)} ms  (${result!.cpus.length} CPUs)`,
  );
}
if (dumpPath !== undefined) writeFileSync(dumpPath, JSON.stringify(dump));
