// What the fuzzer (target.ts) and the regression replay (tests/fuzz/regressions.test.ts) do with one
// file: the reader as `etlscope info` uses it (merged order, summary) and the engine as the app
// uses it (load + finalize, then one query of each kind). Returns how it ended; throws anything
// that is not a clear error (EtlFormatError from the reader, EngineError('bad-file') from a load).

import type { Query } from '../../shared/contract.js';
import { memoryByteSource } from '../../electron/reader/byte-source.js';
import { EtlFormatError } from '../../electron/reader/errors.js';
import { openEtl } from '../../electron/reader/etl-trace.js';
import { summarizeTrace } from '../../electron/reader/summary.js';
import { EngineError, NEVER_CANCELLED } from '../../electron/engine/query-common.js';
import { loadEngine } from '../../electron/engine/session.js';

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
];

export interface Outcome {
  /** The reader's verdict: events read, or the EtlFormatError message. */
  readonly reader: { events: number } | { error: string };
  /** The engine's: CPUs and diagnostics codes, or the bad-file message. */
  readonly engine: { cpuCount: number; diagnostics: string[] } | { error: string };
}

/** `bytes` are the file's contents, `filePath` the same bytes on disk (the engine reads files). */
export function exercise(bytes: Uint8Array, filePath: string): Outcome {
  let reader: Outcome['reader'];
  try {
    // summarizeTrace reads every event in merged order (the k-way merge) and decodes the kinds.
    reader = { events: summarizeTrace(openEtl(memoryByteSource(bytes, 'fuzz.etl'))).events };
  } catch (error) {
    if (!(error instanceof EtlFormatError)) throw error;
    reader = { error: error.message };
  }
  let engine;
  try {
    engine = loadEngine(filePath, {});
  } catch (error) {
    if (error instanceof EngineError && error.code === 'bad-file')
      return { reader, engine: { error: error.message } };
    throw error;
  }
  for (const query of QUERIES) engine.query(query, NEVER_CANCELLED);
  const summary = engine.model.summary;
  return {
    reader,
    engine: { cpuCount: summary.cpuCount, diagnostics: summary.diagnostics.map((d) => d.code) },
  };
}
