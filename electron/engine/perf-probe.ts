// Developer probe (not used by the product): times readPartial and each finalize phase on one
// file in-process, and RSS after a forced GC.
//   node --expose-gc --import tsx electron/engine/perf-probe.ts FILE [runs] [partials]
// `partials` > 1 reads the CPUs in that many contiguous shares by bytes, one after the other (as
// the parser workers split them, but serially), so finalize merges several partials.
import { statSync } from 'node:fs';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';

const file = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const shareCount = Number(process.argv[4] ?? 1);
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
  let partials: ReturnType<typeof readPartial>[] | undefined = cpuShares(trace, shareCount).map((cpus) =>
    readPartial(trace, cpus === undefined ? {} : { includeCpu: (cpu) => cpus.has(cpu) }),
  );
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const timings: Record<string, number> = {};
  const model = finalizeModel(partials!, { ...header, diagnostics: [] }, { tracePath: file, timings });
  const t2 = performance.now();
  const c2 = process.cpuUsage(c0);
  trace.close();
  keep = model;
  partials = undefined;
  void partials;
  gc();
  const mu = process.memoryUsage();
  const rss = mu.rss;
  console.log(
    `cpu read ${(c1.user / 1000).toFixed(0)} total ${(c2.user / 1000).toFixed(0)} ms (sys ${(c2.system / 1000).toFixed(0)}); wall read ${(t1 - t0).toFixed(0)} ms, finalize ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms = ${(size / 1e6 / ((t2 - t0) / 1000)).toFixed(0)} MB/s; rss ${(rss / 1e6).toFixed(0)} MB (heap ${(mu.heapUsed / 1e6).toFixed(0)}, arrayBuffers ${(mu.arrayBuffers / 1e6).toFixed(0)}, functions ${model.symbols.functionCount}, threads ${model.dict.threadTids.length}); ` +
      Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', '),
  );
}
void keep;

/** CPUs in `n` contiguous shares of about equal bytes (one undefined share: every CPU). */
function cpuShares(trace: ReturnType<typeof openTraceFile>, n: number): (Set<number> | undefined)[] {
  if (n <= 1) return [undefined];
  const bytes = new Map<number, number>();
  for (let i = 0; i < trace.buffers.length; i++) {
    const cpu = trace.buffers.cpu[i]!;
    bytes.set(cpu, (bytes.get(cpu) ?? 0) + trace.buffers.size[i]!);
  }
  const cpus = [...bytes.keys()].sort((a, b) => a - b);
  const total = cpus.reduce((sum, cpu) => sum + bytes.get(cpu)!, 0);
  const shares: Set<number>[] = [new Set()];
  let seen = 0;
  for (const cpu of cpus) {
    if (seen >= (total * shares.length) / n && shares.length < n) shares.push(new Set());
    shares[shares.length - 1]!.add(cpu);
    seen += bytes.get(cpu)!;
  }
  return shares;
}
