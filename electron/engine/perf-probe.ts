// Developer probe (not used by the product): times readPartial and each finalize phase on one
// file in-process, and RSS after a forced GC.  node --expose-gc --import tsx electron/engine/perf-probe.ts FILE [runs]
import { statSync } from 'node:fs';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';

const file = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const size = statSync(file).size;
let keep: unknown;
for (let r = 0; r < runs; r++) {
  keep = undefined;
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const trace = openTraceFile(file);
  const header = headerFacts(trace, file);
  let partial: ReturnType<typeof readPartial> | undefined = readPartial(trace);
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const timings: Record<string, number> = {};
  const model = finalizeModel([partial!], { ...header, diagnostics: [] }, { tracePath: file, timings });
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  trace.close();
  keep = model;
  partial = undefined;
  void partial;
  gc();
  const mu = process.memoryUsage();
  const rss = mu.rss;
  console.log(
    `cpu read ${(c1.user / 1000).toFixed(0)} total ${(c2.user / 1000).toFixed(0)} ms (sys ${(c2.system / 1000).toFixed(0)}); wall read ${(t1 - t0).toFixed(0)} ms, finalize ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms = ${(size / 1e6 / ((t2 - t0) / 1000)).toFixed(0)} MB/s; rss ${(rss / 1e6).toFixed(0)} MB (heap ${(mu.heapUsed / 1e6).toFixed(0)}, arrayBuffers ${(mu.arrayBuffers / 1e6).toFixed(0)}, functions ${model.dict.functionCount}, threads ${model.dict.threadTids.length}); ` +
      Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', '),
  );
}
void keep;
