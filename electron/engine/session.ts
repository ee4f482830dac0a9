// `openTraceInProcess`: the same TraceSession the worker pool gives, loaded and queried on the
// calling thread (for the CLI's small files, tests and benchmarks of the engine alone).
//
//   path ──openTraceFile──> readPartial (all CPUs) ──finalizeModel──> Engine ──> TraceSession
//                           (its scheduling events kept for the first scheduling query)

import type {
  ExportRequest,
  Query,
  ResultOf,
  SymbolLoadRequest,
  SymbolLoadResult,
  TraceSummary,
} from '../../shared/contract.js';
import { readPdbTable } from '../symbols/read-pdb.js';
import { Engine } from './engine.js';
import { finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';
import { EngineError, signalToken } from './query-common.js';
import type {
  ExportProgressUpdate,
  OpenSessionOptions,
  SymbolLoadSessionOptions,
  TraceSession,
} from './session-types.js';
import { installSchedEvents } from './sched/sched-file.js';
import { loadSymbolsIntoEngine } from './symbol-load.js';
import { headerOnlySummary } from './summary.js';

/** Loads the whole trace synchronously and returns the engine (no session wrapper). */
export function loadEngine(filePath: string, options: OpenSessionOptions = {}): Engine {
  const started = Date.now();
  const trace = openTraceFile(filePath);
  try {
    const header = headerFacts(trace, filePath);
    const totalBytes = trace.source.size;
    options.onProgress?.({
      phase: 'reading',
      bytesRead: 0,
      totalBytes,
      events: 0,
      elapsedMs: Date.now() - started,
      summary: headerOnlySummary(header),
    });
    const shouldStop = () => options.signal?.aborted === true;
    const partial = readPartial(trace, {
      shouldStop,
      onProgress: (bytesRead, events) =>
        options.onProgress?.({
          phase: 'reading',
          bytesRead,
          totalBytes,
          events,
          elapsedMs: Date.now() - started,
        }),
    });
    options.onProgress?.({
      phase: 'indexing',
      bytesRead: partial.bytesRead,
      totalBytes,
      events: partial.events,
      elapsedMs: Date.now() - started,
    });
    const schedEvents = partial.sched;
    delete partial.sched;
    const model = finalizeModel(
      [partial],
      { ...header, diagnostics: [...header.diagnostics, ...trace.diagnostics] },
      { tracePath: filePath, shouldStop },
    );
    // The scheduling tables are finished from these on the first scheduling query (no second read).
    if (schedEvents !== undefined) installSchedEvents(model, schedEvents);
    options.onProgress?.({
      phase: 'ready',
      bytesRead: partial.bytesRead,
      totalBytes,
      events: partial.events,
      elapsedMs: Date.now() - started,
      summary: model.summary,
    });
    return new Engine(model, filePath);
  } finally {
    trace.close();
  }
}

export class InProcessSession implements TraceSession {
  private closed = false;
  constructor(readonly engine: Engine) {}

  get summary(): TraceSummary {
    return this.engine.model.summary;
  }

  private check(): void {
    if (this.closed) throw new EngineError('The trace was closed.', 'not-found');
  }

  async query<Q extends Query>(query: Q, signal?: AbortSignal): Promise<ResultOf<Q>> {
    this.check();
    return this.engine.query(query, signalToken(signal));
  }

  async exportCsv(
    request: ExportRequest,
    path: string,
    signal?: AbortSignal,
    onProgress?: (progress: ExportProgressUpdate) => void,
  ): Promise<{ rows: number }> {
    this.check();
    // On the caller's thread: all at once (no queries to let through), progress after each chunk.
    let last: ExportProgressUpdate = { rows: 0, bytes: 0 };
    for (const progress of this.engine.exportCsvSlices(request, path, signalToken(signal))) {
      last = progress;
      onProgress?.(progress);
    }
    return { rows: last.rows };
  }

  async loadSymbols(
    request: SymbolLoadRequest,
    options: SymbolLoadSessionOptions = {},
  ): Promise<SymbolLoadResult> {
    this.check();
    return loadSymbolsIntoEngine(this.engine, request, {
      ...(this.engine.tracePath !== undefined ? { tracePath: this.engine.tracePath } : {}),
      ...(options.hostSymbolPath !== undefined ? { hostSymbolPath: options.hostSymbolPath } : {}),
      readPdb: readPdbTable,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export async function openTraceInProcess(
  filePath: string,
  options: OpenSessionOptions = {},
): Promise<TraceSession> {
  if (options.signal?.aborted === true)
    throw new EngineError('Loading was cancelled.', 'cancelled', 'CancelledError');
  return new InProcessSession(loadEngine(filePath, options));
}
