// Developer probe (not used by the product): pivot latencies on N synthetic DPC rows (16 CPUs,
// 96 routines in 12 modules), full range, 1 % and 50 % ranges, CPU filter. `spread`: every
// routine on every CPU (worst case for atoms); `local`: each CPU runs 8 of the routines;
// `typed`: local, and each routine has one type.
//   node --expose-gc --import tsx electron/engine/perf-queries.ts [rowsMillions=10] [runs=15] [spread|local|typed] [scan]
import type { GroupColumn, Query, QueryFilter } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { NEVER_CANCELLED } from './query-common.js';
import { engineFrom, kernelAddress } from './test-model.js';

const rows = Number(process.argv[2] ?? 10) * 1e6;
const runs = Number(process.argv[3] ?? 15);
const cpus = 16;
const local = process.argv[4] === 'local' || process.argv[4] === 'typed';
/** `typed`: like `local`, and each routine has one type (as in real traces). */
const typed = process.argv[4] === 'typed';
const scanOnly = process.argv[5] === 'scan';
let seed = 5;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
let t0 = performance.now();
const e = engineFrom(cpus, ([b]) => {
  for (let m = 0; m < 12; m++)
    b!.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: kernelAddress(0x100000 * (m + 1)),
      size: 0x1000,
      processId: 0,
      fileName: `m${m}.sys`,
    });
  const per = rows / cpus;
  for (let cpu = 0; cpu < cpus; cpu++) {
    let t = 0;
    for (let k = 0; k < per; k++) {
      t += 1000 + Math.floor(random() * 2000);
      const r = local ? (cpu * 8 + Math.floor(random() * 8)) % 96 : Math.floor(random() * 96);
      b!.appendDpc(
        cpu,
        typed ? r % 5 : Math.floor(random() * 5),
        t,
        t + Math.floor(random() * random() * 200_000),
        kernelAddress(0x100000 * ((r % 12) + 1) + 16 * (r >> 3)),
      );
    }
    b!.noteEvent(cpu, t + 1000);
  }
});
console.log(`built ${e.model.dpc.length} rows in ${(performance.now() - t0).toFixed(0)} ms`);
t0 = performance.now();
e.warmUp();
if (scanOnly) e.scratch.blockPathMinRows = Infinity;
console.log(`warmUp ${(performance.now() - t0).toFixed(0)} ms`);
const d = e.model.durationNs;
const r = (a: number, b: number) => ({ start: (a * d) as TraceNs, end: (b * d) as TraceNs });
const cases: [string, GroupColumn[], QueryFilter][] = [
  ['module, full', ['module'], {}],
  ['module+function, full', ['module', 'function'], {}],
  ['cpu, full', ['cpu'], {}],
  ['module, 1%', ['module'], { range: r(0.495, 0.505) }],
  ['module+function, 1%', ['module', 'function'], { range: r(0.495, 0.505) }],
  ['module, 50%', ['module'], { range: r(0.25, 0.75) }],
  ['module+function, 50%', ['module', 'function'], { range: r(0.25, 0.75) }],
  ['cpu, 50%', ['cpu'], { range: r(0.25, 0.75) }],
  ['module, 50%, CPUs 0,2,4,6', ['module'], { range: r(0.1, 0.6), cpus: [0, 2, 4, 6] }],
  ['module, 90%', ['module'], { range: r(0.05, 0.95) }],
];
for (const [name, groupBy, filter] of cases) {
  const q: Query = { kind: 'pivot', table: 'dpcIsr', filter, groupBy };
  e.query(q, NEVER_CANCELLED);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    e.query(q, NEVER_CANCELLED);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(28)} p50 ${times[Math.floor(runs / 2)]!.toFixed(1)} ms  p95 ${times[Math.ceil(0.95 * runs) - 1]!.toFixed(1)} ms`,
  );
}
