// Ready and wait time per running interval (CPU Usage (Precise)), derived lazily from the run table
// the first time a cpuPrecise pivot needs them, then cached per model.
//
//   run rows of every CPU ──merged by start──> per thread instance: previous switch-out (its last end)
//   readyAt = start − readyNs (the thread's last ReadyThread at or before the switch-in)
//   ready   = start − readyAt, when readyAt is not before the previous switch-out (else the
//             ReadyThread belonged to an earlier wait: unknown, NaN)
//   wait    = readyAt − previous switch-out (NaN when either is unknown)
//
// The idle thread (TID 0) runs on every CPU at once and is never readied: NaN for both.

import { runRowEnd, type EngineModel } from './model.js';

export interface RunWaits {
  /** Ready time of each run row (same indexing as the run table), ns; NaN when unknown. */
  readonly readyNs: Float32Array;
  /** Wait time of each run row, ns; NaN when unknown. */
  readonly waitNs: Float32Array;
}

const cache = new WeakMap<EngineModel, RunWaits>();

export function runWaits(model: EngineModel): RunWaits {
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  const run = model.run;
  const n = run.length;
  const readyNs = new Float32Array(n).fill(NaN);
  const waitNs = new Float32Array(n).fill(NaN);
  // Rows in global start order: a k-way merge of the CPUs' time-sorted segments (ties: lower CPU).
  const offsets = run.cpuOffsets;
  const cpus = offsets.length - 1;
  const next = Int32Array.from({ length: cpus }, (_, c) => offsets[c]!);
  const tids = model.dict.threadTids;
  const lastEnd = new Float64Array(model.dict.threadLabels.length).fill(NaN);
  for (let k = 0; k < n; k++) {
    let cpu = -1;
    let best = Infinity;
    for (let c = 0; c < cpus; c++) {
      const row = next[c]!;
      if (row < offsets[c + 1]! && (cpu < 0 || run.start[row]! < best)) {
        cpu = c;
        best = run.start[row]!;
      }
    }
    const i = next[cpu]!++;
    const thread = run.thread[i]!;
    if (thread < 0 || tids[thread] === 0) continue;
    const start = run.start[i]!;
    const ready = run.readyNs[i]!;
    const previousEnd = lastEnd[thread]!;
    if (ready === ready) {
      const readyAt = start - ready;
      if (previousEnd !== previousEnd) readyNs[i] = ready;
      else if (readyAt >= previousEnd) {
        readyNs[i] = ready;
        waitNs[i] = readyAt - previousEnd;
      }
    }
    const end = runRowEnd(run, cpu, i);
    if (!(end <= previousEnd)) lastEnd[thread] = end;
  }
  const result = { readyNs, waitNs };
  cache.set(model, result);
  return result;
}
