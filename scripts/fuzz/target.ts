// The fuzz target: reader + engine together, in process, on one input.
//
//   input ──structure.ts edits──> file bytes ──> /dev/shm file
//         ──> reader: openEtl + merged forEachEvent + summarizeTrace  (what `etlscope info` reads)
//         ──> engine: loadEngine (readPartial per CPU, finalizeModel) + a few queries of each kind
//         ──> checks: only EngineError('bad-file') may escape (a clear error); resident memory
//             stays within the budget (electron/engine/memory-budget.ts) above the process's start
//
// Anything else thrown is a finding (Jazzer.js writes the input as crash-<sha1>); a hang is
// libFuzzer's -timeout; a memory blow-up past -rss_limit_mb is its oom-<sha1>. Bundled to CommonJS
// by run.mjs (Jazzer.js 2.1 instruments what `require` loads) — the whole bundle is instrumented.

import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { memoryBudgetBytes } from '../../electron/engine/memory-budget.js';
import { exercise } from './exercise.js';
import { fileFromInput } from './structure.js';

const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'etlscope-fuzz-'));
const file = path.join(dir, 'input.etl');

/** Resident memory before the first input: the budget's b is counted above it. */
let baselineRss = 0;

export class BudgetBreach extends Error {
  override name = 'BudgetBreach';
}

export function fuzz(data: Buffer): void {
  if (baselineRss === 0) baselineRss = process.memoryUsage.rss();
  const bytes = fileFromInput(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(file, bytes);
  exercise(bytes, file);
  const rss = process.memoryUsage.rss();
  const allowed = baselineRss + memoryBudgetBytes(bytes.length);
  if (rss > allowed) {
    throw new BudgetBreach(
      `resident memory ${(rss / 1e6).toFixed(0)} MB after a ${bytes.length}-byte input, over the budget ${(allowed / 1e6).toFixed(0)} MB`,
    );
  }
}
