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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Query } from '../../shared/contract.js';
import { memoryByteSource } from '../../electron/reader/byte-source.js';
import { EtlFormatError } from '../../electron/reader/errors.js';
import { openEtl } from '../../electron/reader/etl-trace.js';
import { summarizeTrace } from '../../electron/reader/summary.js';
import { memoryBudgetBytes } from '../../electron/engine/memory-budget.js';
import { EngineError, NEVER_CANCELLED } from '../../electron/engine/query-common.js';
import { loadEngine } from '../../electron/engine/session.js';
import { fileFromInput } from './structure.js';

const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'etlscope-fuzz-'));
const file = path.join(dir, 'input.etl');

/** One query of each kind the views send, small enough to keep an execution at a few ms. */
const QUERIES: readonly Query[] = [
  { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module', 'function'] },
  { kind: 'pivot', table: 'cpuPrecise', filter: {}, groupBy: ['process', 'thread'] },
  { kind: 'pivot', table: 'cpuSampled', filter: { cpus: [0, 1] }, groupBy: ['cpu', 'module'] },
  { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
  { kind: 'series', metric: 'utilization', filter: {}, buckets: 64 },
  { kind: 'series', metric: 'dpcIsrTime', filter: {}, buckets: 64 },
  { kind: 'series', metric: 'cstate', filter: {}, buckets: 64 },
  { kind: 'list', table: 'events' },
  { kind: 'list', table: 'threads', limit: 50 },
  { kind: 'stacks', table: 'cpuSampled', filter: {}, groupBy: ['process'], view: 'top-down', maxNodes: 200 },
  { kind: 'stacks', table: 'dpcIsr', filter: {}, groupBy: ['module'], view: 'bottom-up', maxNodes: 200 },
] as Query[];

/** Resident memory before the first input: the budget's b is counted above it. */
let baselineRss = 0;

export class BudgetBreach extends Error {
  override name = 'BudgetBreach';
}

function readerPass(bytes: Uint8Array): void {
  try {
    const trace = openEtl(memoryByteSource(bytes, 'fuzz.etl'));
    let events = 0;
    trace.forEachEvent(() => events++);
    summarizeTrace(trace);
  } catch (error) {
    if (!(error instanceof EtlFormatError)) throw error;
  }
}

function enginePass(): void {
  let engine;
  try {
    engine = loadEngine(file, {});
  } catch (error) {
    if (error instanceof EngineError && error.code === 'bad-file') return; // a clear error
    throw error;
  }
  for (const query of QUERIES) engine.query(query, NEVER_CANCELLED);
}

export function fuzz(data: Buffer): void {
  if (baselineRss === 0) baselineRss = process.memoryUsage.rss();
  const bytes = fileFromInput(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(file, bytes);
  readerPass(bytes);
  enginePass();
  const rss = process.memoryUsage.rss();
  const allowed = baselineRss + memoryBudgetBytes(bytes.length);
  if (rss > allowed) {
    throw new BudgetBreach(
      `resident memory ${(rss / 1e6).toFixed(0)} MB after a ${bytes.length}-byte input, over the budget ${(allowed / 1e6).toFixed(0)} MB`,
    );
  }
}
